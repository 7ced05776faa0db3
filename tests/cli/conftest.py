"""The command line (`mitsprache …`) and the terminal chat, as real processes: what an operator or a
person at a terminal types and reads, exit codes included. Commands that talk to Telegram get the fake
Bot API over HTTP (`async with FakeTelegram()`), since they are processes of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.chat_driver import chat_env


@pytest.fixture
def env(db: AsyncEngine, db_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a `mitsprache` process on a migrated database. Migrated in this process, which
    is quicker than a process per test; test_cli_database.py runs `mitsprache db upgrade` itself."""
    return chat_env(db_url, tmp_path / "data")
