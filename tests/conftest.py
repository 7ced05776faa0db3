"""What every layer needs: one fresh database per test on SQLite and PostgreSQL (`db_url`, `db`,
`postgres_url`), and the questionnaire catalogues (the real one, and a small fixed sample with an engine).

Each layer's own fixtures are in its folder's conftest.py: tests/dialogs, tests/storage, tests/usecases,
tests/telegram, tests/cli. The helpers they share are in tests/support. See tests/README.md.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

import bot.telegram  # noqa: F401 - first: aiogram imported as the bot imports it (bot/telegram/lean_aiogram.py)
from dialogs.definitions import Catalogue, load_catalogue
from dialogs.engine import Engine
from storage import migrate
from storage.db import create_engine, session_factory
from tests.support.sample_questionnaires import write_sample_catalogue

# The server CI provides; override to test against another PostgreSQL.
PG_ADMIN_URL = os.environ.get(
    "MITSPRACHE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sample_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    return load_catalogue(write_sample_catalogue(tmp_path_factory.mktemp("questionnaires")))


@pytest.fixture(scope="session")
def real_catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def engine(sample_catalogue: Catalogue) -> Engine:
    """The conversation engine on the sample questionnaires."""
    return Engine(sample_catalogue)


async def _admin(*statements: str, url: str = PG_ADMIN_URL) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


# The admin fixtures are synchronous (asyncio.run) so that the parametrised `db_url` can pick
# the PostgreSQL one with getfixturevalue, which async fixtures cannot do.
@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test run, dropped at the end."""
    try:
        asyncio.run(_admin("SELECT 1"))
    except Exception as exc:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"mitsprache_test_{secrets.token_hex(6)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or a freshly emptied schema in the run's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_admin("DROP SCHEMA public CASCADE", "CREATE SCHEMA public", url=url))
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated database engine."""
    engine = create_engine(db_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(db: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the migrated database, as the application makes them."""
    return session_factory(db)
