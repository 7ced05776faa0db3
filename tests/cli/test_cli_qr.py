"""`mitsprache qr`: the poster's QR code, scanned like a phone would (tests/support/qr_reader.py), opens
the printed address, and that address carries the start link the bot and the web chat read back."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot import catalogs
from dialogs.definitions import FIELD_IDS
from dialogs.start_link import StartLink, parse
from tests.support.chat_driver import MITSPRACHE, chat_env
from tests.support.qr_reader import scan

WEB = "https://mitsprache.example.berlin"


@pytest.fixture
def qr_env(tmp_path: Path) -> dict[str, str]:
    """No database is needed: the command never opens one (the URL points nowhere on purpose)."""
    env = chat_env("postgresql+asyncpg://postgres@127.0.0.1:1/none", tmp_path / "data")
    for name in ("MITSPRACHE_WEB_URL", "MITSPRACHE_BOT_USERNAME", "MITSPRACHE_BOT_TOKEN"):
        env.pop(name, None)
    return env


async def qr(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `mitsprache qr ARGS`."""
    proc = await asyncio.create_subprocess_exec(
        MITSPRACHE, "qr", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


def written(folder: Path) -> list[Path]:
    return sorted(folder.glob("p*"))


def start_link_of(url: str) -> StartLink | None:
    (payload,) = parse_qs(urlsplit(url).query)["start"]
    return parse(payload, catalogs.shipped_locales(), FIELD_IDS)


@pytest.mark.parametrize("suffix", [".svg", ".png"])
async def test_a_web_poster_opens_the_chat_in_its_language_and_field(
    qr_env: dict[str, str], tmp_path: Path, suffix: str
) -> None:
    poster = tmp_path / f"poster{suffix}"
    env = {**qr_env, "MITSPRACHE_WEB_URL": WEB + "/"}
    code, out, err = await qr(env, "--lang", "ar", "--field", "gesundheit", "-o", str(poster))
    assert code == 0, err
    assert out == f"{WEB}/?start=ar-gesundheit\n"  # the address alone on stdout, for scripts
    scanned = scan(poster)
    assert scanned.text == out.strip()
    assert scanned.ec_level in ("Q", "H")  # a quarter of the code may be dirty or torn
    assert start_link_of(scanned.text) == StartLink("ar", "gesundheit")
    assert f"Wrote {poster}" in err
    if suffix == ".svg":
        svg = ET.parse(poster).getroot()
        assert svg.findtext("{http://www.w3.org/2000/svg}title") == out.strip()


async def test_a_telegram_poster_opens_the_bot_with_the_same_start_link(
    qr_env: dict[str, str], tmp_path: Path
) -> None:
    poster = tmp_path / "wohnen-uk.svg"
    env = {**qr_env, "MITSPRACHE_BOT_USERNAME": "@MitspracheBot"}
    code, out, err = await qr(
        env, "--lang", "uk", "--field", "wohnen", "--channel", "telegram", "-o", str(poster)
    )
    assert code == 0, err
    assert scan(poster).text == out.strip() == "https://t.me/MitspracheBot?start=uk-wohnen"
    # --bot wins over the setting; the language alone is a start link too.
    code, out, err = await qr(
        env, "--lang", "fa", "--channel", "telegram", "--bot", "OtherBot", "-o", str(poster)
    )
    assert code == 0, err
    assert scan(poster).text == "https://t.me/OtherBot?start=fa"
    assert start_link_of(out.strip()) == StartLink("fa")
    # Dari, written as phones and browsers write it, becomes the catalog's code in the link.
    code, out, err = await qr(
        env, "--lang", "fa-AF", "--field", "gesundheit", "--channel", "telegram", "-o", str(poster)
    )
    assert code == 0, err
    assert scan(poster).text == "https://t.me/MitspracheBot?start=fa_AF-gesundheit"
    assert start_link_of(out.strip()) == StartLink("fa_AF", "gesundheit")


async def test_telegram_without_a_bot_name_says_what_to_set(qr_env: dict[str, str], tmp_path: Path) -> None:
    poster = tmp_path / "p.png"
    code, out, err = await qr(qr_env, "--lang", "ar", "--channel", "telegram", "-o", str(poster))
    assert (code, out) == (2, "")
    assert err == (
        "mitsprache: --channel telegram needs the bot's username: "
        "pass --bot NAME or set MITSPRACHE_BOT_USERNAME\n"
    )
    code, _, err = await qr(
        qr_env, "--lang", "ar", "--channel", "telegram", "--bot", "a b", "-o", str(poster)
    )
    assert code == 2 and err.startswith("mitsprache: --bot: 'a b' is not a bot username")
    assert not poster.exists()


async def test_without_the_web_address_it_warns_that_the_code_works_only_here(
    qr_env: dict[str, str], tmp_path: Path
) -> None:
    poster = tmp_path / "p.png"
    code, out, err = await qr(qr_env, "--lang", "ti", "-o", str(poster))
    assert code == 0, err
    assert out.strip() == "http://127.0.0.1:8080/?start=ti" == scan(poster).text
    assert "MITSPRACHE_WEB_URL is not set" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--lang", "ar", "-o", "{dir}/p.jpg"),
            "mitsprache: -o {dir}/p.jpg: end the file name in .svg or .png",
        ),
        (("--lang", "xx", "-o", "{dir}/p.svg"), "argument --lang: invalid choice: 'xx'"),
        (
            ("--lang", "ar", "--field", "about", "-o", "{dir}/p.svg"),
            "argument --field: invalid choice: 'about'",
        ),
        (("--lang", "ar", "--scale", "0", "-o", "{dir}/p.svg"), "--scale 0: use 1 to 100"),
        (("--lang", "ar", "-o", "/nonexistent/dir/p.svg"), "cannot use /nonexistent/dir/p.svg"),
        (("--lang", "ar"), "the following arguments are required: -o/--output"),
    ],
)
async def test_mistakes_are_named(
    qr_env: dict[str, str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    filled = [arg.format(dir=tmp_path) for arg in args]
    code, out, err = await qr({**qr_env, "MITSPRACHE_WEB_URL": WEB}, *filled)
    assert code == 2 and out == ""
    assert message.format(dir=tmp_path) in err
    assert written(tmp_path) == []


async def test_help_teaches_with_examples(qr_env: dict[str, str]) -> None:
    code, out, _ = await qr(qr_env, "--help")
    assert code == 0
    assert "mitsprache qr --lang ar -o poster-ar.svg" in out
    assert "--channel telegram --bot MitspracheBot" in out
    assert "gesundheit" in out and "ar, de, en, fa, fa_AF" in out  # the fields and languages to choose from
