"""Commands that do not talk to Telegram do not import aiogram (it alone takes seconds to import)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tests.support.chat_driver import chat_env

SCRIPT = """
import json, sys
from bot.cli import main

codes = {}
for argv in (["db", "upgrade"], ["event", "list"], ["broadcast", "status"], ["db", "current"],
             ["audit"], ["broadcast", "--event", "1"], ["qr", "--lang", "ar", "-o", "poster.svg"],
             ["qr", "--lang", "ar", "--channel", "telegram", "--bot", "MitspracheBot", "-o", "poster.png"]):
    codes[" ".join(argv)] = main(argv)
for argv in (["--help"], ["broadcast", "--help"], ["broadcast", "resume", "--help"], ["event", "--help"],
             ["export", "--help"], ["run", "--help"], ["qr", "--help"]):
    try:
        main(argv)
    except SystemExit as done:
        codes[" ".join(argv)] = done.code
loaded = sorted(name for name in sys.modules if name.split(".")[0] == "aiogram"
                or name.startswith("bot.telegram"))
print(json.dumps({"codes": codes, "loaded": loaded}))
"""


async def test_commands_without_telegram_do_not_import_aiogram(db_url: str, tmp_path: Path) -> None:
    # Run in tmp_path: `qr` writes its posters into the working folder.
    env = chat_env(db_url, tmp_path / "data")
    env.pop("MITSPRACHE_BOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    result = json.loads(out.decode().splitlines()[-1])
    assert result["loaded"] == []
    assert result["codes"] == {
        "db upgrade": 0,
        "event list": 0,
        "broadcast status": 0,
        "db current": 0,
        "audit": 0,
        "broadcast --event 1": 2,  # needs MITSPRACHE_BOT_TOKEN: said before anything is imported
        "qr --lang ar -o poster.svg": 0,
        "qr --lang ar --channel telegram --bot MitspracheBot -o poster.png": 0,  # a t.me link, no Telegram
        "--help": 0,
        "broadcast --help": 0,
        "broadcast resume --help": 0,
        "event --help": 0,
        "export --help": 0,
        "run --help": 0,
        "qr --help": 0,
    }
    assert "needs MITSPRACHE_BOT_TOKEN" in err.decode()
