"""Engine and session factory for SQLite (embedded default) and PostgreSQL, from one URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
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
    # SQLAlchemy's default (5 + 10 overflow) made turns queue for a connection at 50 people at once;
    # `mitsprache run` passes MITSPRACHE_DATABASE_POOL_SIZE (default 20). Measured in benchmarks/updates.py.
    kwargs.setdefault("max_overflow", 10)
    # lock_timeout, not statement_timeout: a long export query may run, a wait for a lock may not.
    kwargs.setdefault(
        "connect_args",
        {"timeout": WAIT_FOR_DATABASE, "server_settings": {"lock_timeout": f"{WAIT_FOR_DATABASE}s"}},
    )
    return create_async_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL syncs the log at checkpoints instead of at every commit: a commit no longer
    # waits for the disk (that wait was most of a turn on SQLite). The file stays consistent after any
    # crash; an operating-system crash or power cut may lose the last commits (docs/operating.md).
    cursor.execute("PRAGMA synchronous=NORMAL")
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


# Databases every PostgreSQL server has, to connect to while the one we want does not exist yet.
MAINTENANCE_DATABASES = ("postgres", "template1")
# SQLSTATEs: https://www.postgresql.org/docs/current/errcodes-appendix.html
NO_SUCH_DATABASE = "3D000"  # invalid_catalog_name
DATABASE_EXISTS = "42P04"  # duplicate_database
NOT_ALLOWED = "42501"  # insufficient_privilege


def sqlstate(exc: BaseException) -> str:
    """The SQLSTATE of a driver error wrapped by SQLAlchemy ("" if it has none, e.g. SQLite's)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


async def create_database_if_missing(url: str) -> bool:
    """Create the PostgreSQL database `url` names if it does not exist, as `url`'s own user, from a
    connection to the server's maintenance database. True if it was created now.

    SQLite creates its file on first use: nothing to do. A refusal is raised as the DBAPIError of
    CREATE DATABASE: `sqlstate(exc) == NOT_ALLOWED` when the role may not create databases.
    """
    if is_sqlite(url):
        return False
    wanted = create_engine(url)
    try:
        async with wanted.connect():
            return False
    except DBAPIError as exc:
        if sqlstate(exc) != NO_SUCH_DATABASE:
            raise
    finally:
        await wanted.dispose()
    target = make_url(url)
    missing: DBAPIError | None = None
    for maintenance in MAINTENANCE_DATABASES:
        # CREATE DATABASE cannot run inside a transaction.
        server = create_engine(
            target.set(database=maintenance).render_as_string(hide_password=False),
            isolation_level="AUTOCOMMIT",
        )
        try:
            async with server.connect() as conn:
                name = conn.dialect.identifier_preparer.quote_identifier(target.database or "")
                await conn.execute(text(f"CREATE DATABASE {name}"))
            return True
        except DBAPIError as exc:
            if sqlstate(exc) == DATABASE_EXISTS:  # another process was quicker
                return False
            if sqlstate(exc) != NO_SUCH_DATABASE:
                raise
            missing = exc  # no such maintenance database on this server: try the next
        finally:
            await server.dispose()
    assert missing is not None
    raise missing
