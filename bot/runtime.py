"""The composition root: one runtime context (database, sessions, questionnaires, translators, key)
that every command and the bot start from. Nothing here imports aiogram: commands that never talk to
Telegram stay quick to start."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.locales import translator
from bot.settings import Settings
from dialogs.definitions import Catalogue, load_catalogue
from dialogs.i18n import Translator
from storage import migrate
from storage.db import create_engine, is_sqlite, session_factory

if TYPE_CHECKING:
    from bot.usecases.turns import Conversations


@dataclass
class Runtime:
    """What the use cases need, built once per process from the settings."""

    settings: Settings
    engine: AsyncEngine
    translators: Callable[[str], Translator] = field(default=translator)

    @cached_property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return session_factory(self.engine)

    @cached_property
    def catalogue(self) -> Catalogue:
        return load_catalogue()

    @cached_property
    def key(self) -> bytes:
        return self.settings.key()

    def conversations(self) -> Conversations:
        """The turn use case every conversation shell starts from (terminal, Telegram, web)."""
        from bot.usecases.turns import Conversations
        from dialogs.engine import Engine

        return Conversations(Engine(self.catalogue, self.settings.privacy_facts), self.sessions, self.key,
                             self.translators)  # fmt: skip

    @cached_property
    def locales(self) -> list[str]:
        from bot import catalogs

        return catalogs.shipped_locales()


def open_engine(settings: Settings) -> AsyncEngine:
    """The database engine; the folder of an embedded SQLite file is created if needed."""
    url = settings.effective_database_url
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return create_engine(url)
    return create_engine(url, pool_size=settings.database_pool_size)


@contextlib.asynccontextmanager
async def runtime(settings: Settings, *, check_schema: bool = True) -> AsyncIterator[Runtime]:
    """A runtime on the configured database; refuses an empty or outdated schema unless told not to
    (`mitsprache db upgrade` is the one command that works on such a database)."""
    engine = open_engine(settings)
    try:
        if check_schema:
            await migrate.ensure_current(engine)
        yield Runtime(settings, engine)
    finally:
        await engine.dispose()
