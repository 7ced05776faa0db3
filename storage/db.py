"""Engine and session factory for SQLite (embedded default) and PostgreSQL, from one URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# How long a statement waits for the database before the person is told it is away. Turns take
# milliseconds; waiting longer only keeps people in silence (and their taps queue up behind).
WAIT_FOR_DATABASE = 5  # seconds


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite with WAL, a busy timeout and foreign keys on every connection."""
    if ":memory:" not in url and "mode=memory" not in url:  # in-memory SQLite has no pool to wait for
        kwargs.setdefault("pool_timeout", WAIT_FOR_DATABASE)
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"timeout": WAIT_FOR_DATABASE})
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # lock_timeout, not statement_timeout: a long export query may run, a wait for a lock may not.
    kwargs.setdefault(
        "connect_args",
        {"timeout": WAIT_FOR_DATABASE, "server_settings": {"lock_timeout": f"{WAIT_FOR_DATABASE}s"}},
    )
    return create_async_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={WAIT_FOR_DATABASE * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not just unlinked ("delete everything" means it).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def reachable(engine: AsyncEngine) -> bool:
    """The database answers a trivial query (within WAIT_FOR_DATABASE): the health check's question."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # whatever the driver raises, the answer is "no"
        return False
    return True
