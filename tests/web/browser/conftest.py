"""The web chat in a real browser: `mitsprache web` as its own process on a free loopback port, with a
scratch SQLite database, and Debian's Chromium driven by Playwright at phone size.

Chromium is the Debian package (`apt-get install chromium`), never a browser that Playwright downloads;
axe-core comes from the npm registry (`npm install --prefix tests/web/browser --no-package-lock`, the
version pinned in package.json here). .ci/run installs both. Without them these tests are skipped with
the command that brings them, except when CI=true, where they fail (as the PostgreSQL half does).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from playwright.async_api import Browser, async_playwright, expect

from bot import catalogs
from bot.locales import translator
from storage import migrate
from storage.db import create_engine
from tests.support.chat_driver import MITSPRACHE, chat_env, run_cli
from tests.support.phone import OpenPhone, Phone, unavailable

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
# What a person waits for appears within this time even on a busy 2-core machine; only a page that
# never shows it waits this long (Playwright's default for expectations is 5 s).
expect.set_options(timeout=20_000)
STARTED = re.compile(r"runs at (http://127\.0\.0\.1:\d+)/")


def chromium_path() -> str:
    found = os.environ.get("MITSPRACHE_TEST_CHROMIUM") or shutil.which("chromium")
    if not found:
        unavailable("Chromium is not installed: apt-get install chromium (or set MITSPRACHE_TEST_CHROMIUM)")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        unavailable("axe-core is not installed: npm install --prefix tests/web/browser --no-package-lock")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path)
        yield launched
        await launched.close()


@dataclass
class WebChatProcess:
    url: str
    data_dir: Path
    env: dict[str, str]  # for other `mitsprache` commands on the same database
    log: list[str] = field(default_factory=list)


async def _drain(stream: asyncio.StreamReader, log: list[str]) -> None:
    """Reads the server's log so that its pipe never fills (and keeps it for a failing test)."""
    while line := await stream.readline():
        log.append(line.decode(errors="replace").rstrip())


@pytest.fixture(scope="session")
async def web_chat(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WebChatProcess]:
    """`mitsprache web --port 0` as people get it (its own process, the packaged templates and styles),
    on a migrated scratch SQLite file; the port is the one it prints. One for all browser tests (a
    person is a browser context of her own, with her own cookie), since starting one takes a second.
    A subprocess rather than the app in this process, so that what runs is exactly what `mitsprache
    web` builds, and a later test can prepare data with other `mitsprache` commands on its database."""
    data = tmp_path_factory.mktemp("web")
    url = f"sqlite+aiosqlite:///{data / 'web.sqlite3'}"
    engine = create_engine(url)
    await migrate.upgrade(engine)  # in this process: quicker than `mitsprache db upgrade`
    await engine.dispose()
    env = chat_env(url, data)
    proc = await asyncio.create_subprocess_exec(
        MITSPRACHE, "web", "--host", "127.0.0.1", "--port", "0", env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    log: list[str] = []
    try:
        while (match := STARTED.search(log[-1] if log else "")) is None:
            line = await asyncio.wait_for(proc.stderr.readline(), 60)  # bounds a start that never comes
            assert line, "mitsprache web ended before it served:\n" + "\n".join(log)
            log.append(line.decode(errors="replace").rstrip())
        drain = asyncio.create_task(_drain(proc.stderr, log))
        yield WebChatProcess(match.group(1), data, env, log)
        drain.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await drain
    finally:
        if proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)


EVENT_TITLE = {"de": "Dialog in Spandau", "ar": "حوار في شبانداو", "uk": "Діалог у Шпандау"}
EVENT_PLACE = "Paul-Schneider-Haus"


@pytest.fixture(scope="session")
async def an_event(web_chat: WebChatProcess) -> dict[str, str]:
    """One published event in four days, added as staff add one (`mitsprache event add`); its title by
    language."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=4)
    ends = start + timedelta(hours=2)
    event = {
        "title": EVENT_TITLE, "starts_at": start.isoformat(), "ends_at": ends.isoformat(),
        "place": EVENT_PLACE, "district": "spandau", "fields": ["partizipation"], "status": "published",
    }  # fmt: skip
    path = web_chat.data_dir / "event.yaml"
    path.write_text(yaml.safe_dump([event], allow_unicode=True), encoding="utf-8")
    code, printed = await run_cli(web_chat.env, "event", "add", str(path))
    assert code == 0, printed
    return EVENT_TITLE


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    """tests/web/browser/screenshots/<test name>/ (git-ignored), emptied first; another folder with
    MITSPRACHE_TEST_SCREENSHOTS."""
    root = Path(os.environ.get("MITSPRACHE_TEST_SCREENSHOTS") or HERE / "screenshots")
    folder = root / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
async def phone(
    axe_source: str, browser: Browser, web_chat: WebChatProcess, shots: Path
) -> AsyncIterator[OpenPhone]:
    """`await phone("ar", javascript=True)`: a new phone (browser context) whose system language is
    the person's, at phone size, with its own cookies. Each phone checks at the end that nothing went
    anywhere but 127.0.0.1 and that the console stayed clean."""
    opened: list[Phone] = []

    async def open_phone(locale: str, *, javascript: bool = True, device: str = "") -> Phone:
        # A common phone: 390 x 844 CSS pixels, two device pixels each, a touch screen. `locale` is
        # the phone's language (Accept-Language), which the start page suggests first.
        context = await browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
            locale=locale, java_script_enabled=javascript,
        )  # fmt: skip
        axe = axe_source if javascript else None  # axe-core runs in the page, as a script
        folder = shots / device if device else shots
        folder.mkdir(exist_ok=True)
        phone = await Phone.open(
            context, web_chat.url, translator(locale), folder, axe, catalogs.is_rtl(locale)
        )
        opened.append(phone)
        return phone

    yield open_phone
    for phone in opened:
        await phone.context.close()
    for phone in opened:
        phone.assert_clean()
