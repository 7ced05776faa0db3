"""The Telegram shell (bot/telegram/): the bot as production builds it, driven through
`Dispatcher.feed_update` against the in-process fake Bot API; a few end-to-end tests over HTTP (the real
polling loop, the webhook, sender processes killed with -9).

    async def test_something(fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine) -> None:
        await start_bot(sqlite_db, staff="9001:admin")
        amal = Person(fake, 1001, "ar")
        await amal.consent()
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.db import create_engine
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_harness import TOKEN, BotUnderTest, StartBot


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The fake Bot API, in process. Its per-chat limit is loose: a person's step gets several replies
    at once (test_staff_events has a test with Telegram's real limit)."""
    fake = FakeTelegram(token=TOKEN, per_chat_rate=30, per_chat_burst=40)
    yield fake
    assert not fake.internal_errors


@pytest.fixture
async def served(fake: FakeTelegram) -> AsyncIterator[FakeTelegram]:
    """The same fake, also served over HTTP on 127.0.0.1, for the end-to-end tests."""
    async with fake:
        yield fake


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated SQLite database only, for router tests whose subject is not the database."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def start_bot(fake: FakeTelegram) -> AsyncIterator[StartBot]:
    """`await start_bot(db, **settings)` starts the bot in process (its startup hook: command menus and
    the background DeliveryWorker); every bot started is stopped (shutdown hook) after the test.
    Settings default to no throttling; pass throttle_rate=... to test it."""
    started: list[BotUnderTest] = []

    async def start(db: AsyncEngine, **settings: Any) -> BotUnderTest:
        bot = BotUnderTest(fake, db, **{"throttle_rate": 0, **settings})
        started.append(bot)
        await bot.start()
        return bot

    yield start
    for bot in reversed(started):
        await bot.stop()
