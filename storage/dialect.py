"""Everything that differs between SQLite and PostgreSQL, in one place: INSERT ... ON CONFLICT (the two
dialects spell it in different modules), the per-person turn lock, the sender lock, the lock that
orders releases with deletions, and how a release reads many rows (COPY on PostgreSQL).

PostgreSQL coordinates replicas with advisory locks; SQLite has one writer at a time by nature, and a
file lock next to the database file stands in for the sender's advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import operator
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase


def dialect_insert(session: AsyncSession) -> Any:
    """`insert` of the session's dialect, whose statements know ON CONFLICT."""
    return _insert_of(session.get_bind().dialect.name)


def _insert_of(dialect: str) -> Any:
    # Imported here: the dialect of the database in use is loaded anyway, the other one is a few MB
    # for nothing.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


# Built once per table and conflict: a statement object keeps its cache key, so SQLAlchemy finds the
# compiled SQL without rebuilding the statement (`excluded` builds an alias) and walking it each time.
_CONFLICT_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _on_conflict(
    dialect: str, model: type[DeclarativeBase], conflict: Sequence[str], update: Sequence[str]
) -> Any:
    key = (dialect, model, tuple(conflict), tuple(update))
    stmt = _CONFLICT_STATEMENTS.get(key)
    if stmt is None:
        base = _insert_of(dialect)(model)
        if update:
            stmt = base.on_conflict_do_update(
                index_elements=list(conflict), set_={column: base.excluded[column] for column in update}
            )
        else:
            stmt = base.on_conflict_do_nothing(index_elements=list(conflict))
        _CONFLICT_STATEMENTS[key] = stmt
    return stmt


async def _execute_on_conflict(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    # On the session's connection, in its transaction, as plain SQL: the ORM's bulk-insert machinery
    # adds nothing to one row. Pending ORM objects are flushed first, as `session.execute` would.
    await session.flush()
    connection = await session.connection()
    await connection.execute(_on_conflict(connection.dialect.name, model, conflict, update), values)


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert a row, or update `update` columns of the row that has the same `conflict` columns."""
    if not update:
        raise ValueError("upsert needs columns to update; use insert_new to keep an existing row")
    await _execute_on_conflict(session, model, values, conflict, update)


async def insert_new(
    session: AsyncSession, model: type[DeclarativeBase], values: dict[str, Any], conflict: Sequence[str]
) -> None:
    """Insert a row unless a row with the same `conflict` columns exists; then keep that one as it is."""
    await _execute_on_conflict(session, model, values, conflict, ())


_WRITERS: dict[int, asyncio.Lock] = {}


def one_writer(sessions: async_sessionmaker[AsyncSession]) -> contextlib.AbstractAsyncContextManager[Any]:
    """Around a short write transaction: on SQLite, writers of this process take turns here, in order,
    instead of in SQLite's busy handler, which polls with growing sleeps and lets a waiting writer
    starve for seconds while others get in. PostgreSQL needs nothing: its writers do not block."""
    bind = sessions.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        return contextlib.nullcontext()
    return _WRITERS.setdefault(id(bind), asyncio.Lock())


async def erase_remnants(sessions: async_sessionmaker[AsyncSession]) -> None:
    """After a person's data was deleted: make the deletion physical where the database can do it now.

    SQLite overwrites deleted content (`secure_delete`, set on every connection) but keeps the pages
    that held it in the write-ahead log until a checkpoint: copy them back and truncate the log.
    PostgreSQL keeps dead rows until vacuum: autovacuum, and `mitsprache purge` (see `reclaim`)."""
    bind = sessions.kw.get("bind")
    if bind is not None and bind.dialect.name == "sqlite":
        await _checkpoint(bind)


async def _checkpoint(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


# Tables that hold something of a person (keyed by pseudonym or by a subscriber).
PERSONAL_TABLES = (
    "participants", "conversation_states", "answers", "field_completions", "subscribers", "rsvps",
    "deliveries", "web_notices", "staff_forms", "text_reviews",
)  # fmt: skip


async def reclaim(engine: AsyncEngine) -> None:
    """After a purge: deleted rows physically gone now, not at the database's leisure.

    PostgreSQL keeps dead row versions until vacuum; VACUUM (which cannot run in a transaction) makes
    their space reusable right away. SQLite overwrote them already (`secure_delete`); the write-ahead
    log still holds the pages that had them until a checkpoint."""
    if engine.dialect.name == "sqlite":
        await _checkpoint(engine)
        return
    async with engine.connect() as connection:
        vacuuming = await connection.execution_options(isolation_level="AUTOCOMMIT")
        existing = set(
            (
                await vacuuming.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            )
            .scalars()
            .all()
        )
        for table in PERSONAL_TABLES:
            if table in existing:
                await vacuuming.exec_driver_sql(f'VACUUM "{table}"')


def single_writer(session: AsyncSession) -> bool:
    """Whether the database takes one writer at a time (SQLite), so writes are best queued in-process."""
    return session.get_bind().dialect.name == "sqlite"


# ---------------------------------------------------------------------------------------------------------
# Turns are ordered per person across replicas.
# ---------------------------------------------------------------------------------------------------------

_PG_LOCK_XACT = text("SELECT pg_advisory_xact_lock(:key)")


def person_lock_key(person: str) -> int:
    """A signed 64-bit advisory-lock key for a pseudonym."""
    digest = hashlib.blake2b(person.encode(), digest_size=8, person=b"mits-turn").digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_person(session: AsyncSession, person: str) -> None:
    """Call first in a turn's transaction: the next turn of the same person waits until this one ends.

    PostgreSQL: `pg_advisory_xact_lock`, released at commit or rollback, across every replica. SQLite:
    nothing to take. One process serves an SQLite file; it orders each person's turns in memory, and
    the state's version check (StaleState) catches a second process.
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(_PG_LOCK_XACT, {"key": person_lock_key(person)})


# ---------------------------------------------------------------------------------------------------------
# A release is recorded, and a person is deleted, one after the other.
# ---------------------------------------------------------------------------------------------------------

# pg_advisory_xact_lock key: "MitsREL1" in ASCII.
RELEASES_LOCK_KEY = 0x4D69_7473_5245_4C31
_PG_LOCK_RELEASES = text("SELECT pg_advisory_xact_lock(:key)")
_PG_LOCK_RELEASES_SHARED = text("SELECT pg_advisory_xact_lock_shared(:key)")
# Touches no row, but takes SQLite's write lock (a write statement does, whatever it matches).
_SQLITE_TAKE_WRITE_LOCK = text("UPDATE releases SET departed = departed WHERE 1 = 0")


async def lock_releases(session: AsyncSession, exclusive: bool) -> None:
    """Call first in a transaction that records a release (`exclusive`) or counts a deletion towards
    the releases (shared). A deletion then either sees a release being recorded, or commits before
    that release is recorded (and so before its data is read): it is never in a release without
    counting towards it.

    PostgreSQL: a transaction-level advisory lock; deletions share it, a release waits for the
    deletions under way and they wait for its (short) transaction. SQLite: the database's one write
    lock, taken now rather than at the first write (reads outside a transaction would see the
    releases of a moment ago)."""
    if session.get_bind().dialect.name == "postgresql":
        lock = _PG_LOCK_RELEASES if exclusive else _PG_LOCK_RELEASES_SHARED
        await session.execute(lock, {"key": RELEASES_LOCK_KEY})
    else:
        await session.execute(_SQLITE_TAKE_WRITE_LOCK)


# ---------------------------------------------------------------------------------------------------------
# Who may send: one sender per database, across processes and replicas.
# ---------------------------------------------------------------------------------------------------------

# pg_advisory_lock key: "MitsBRC1" in ASCII (any bigint that no other code uses).
ADVISORY_LOCK_KEY = 0x4D69_7473_4252_4331
_PG_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_PG_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
# A bigint key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits).
_PG_HOLDS = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = :key)"
)


class SenderLock:
    """At most one sending loop per database at a time, across processes and replicas.

    PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated connection
    for the loop's lifetime; it is released when the connection closes, also when the process is killed.
    SQLite: an exclusive `flock` on a file next to the database file (the same holds: the kernel releases
    it with the process). An in-memory SQLite database has a single process by nature.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._connection: AsyncConnection | None = None
        self._file: IO[bytes] | None = None
        self.held = False

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""
        if self.held:
            return True
        session = self._sessions()
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            try:
                connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                got = bool(await connection.scalar(_PG_TRY_LOCK, {"key": ADVISORY_LOCK_KEY}))
            except BaseException:
                await session.close()
                raise
            if not got:
                await session.close()
                return False
            self._session, self._connection = session, connection
        else:
            database = session.get_bind().engine.url.database
            await session.close()
            if database and database != ":memory:" and not database.startswith("file:"):
                self._file = _lock_file(Path(f"{database}.broadcast-lock"))
                if self._file is None:
                    return False
        self.held = True
        return True

    async def alive(self) -> bool:
        """Whether the lock is still held (a PostgreSQL connection that broke has lost it)."""
        if not self.held:
            return False
        if self._connection is None:
            return True
        try:
            held = await self._connection.scalar(_PG_HOLDS, {"key": ADVISORY_LOCK_KEY})
        except Exception:
            return False
        return bool(held)

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(_PG_UNLOCK, {"key": ADVISORY_LOCK_KEY})
        if self._session is not None:
            with contextlib.suppress(Exception):
                await self._session.close()
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
        self._session, self._connection, self._file = None, None, None
        self.held = False


def _lock_file(path: Path) -> IO[bytes] | None:
    """The open file with an exclusive flock on it, or None if another process holds that lock."""
    handle = path.open("a+b")  # kept open while the lock is held
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


# ---------------------------------------------------------------------------------------------------------
# Reading many rows for a release.
# ---------------------------------------------------------------------------------------------------------

Columns = Sequence[Sequence[str]]
# COPY's text format escapes a backslash and these control characters; it writes no other escape.
_COPY_ESCAPES = (("\\b", "\b"), ("\\f", "\f"), ("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t"), ("\\v", "\v"))
ROWS_PER_CHUNK = 10_000
COPY_BYTES_PER_CHUNK = 1 << 18


async def read_columns(
    session: AsyncSession, statement: Select[*tuple[Any, ...]], handle: Callable[[Columns], None]
) -> None:
    """Hand the rows of `statement` to `handle` some thousands at a time, as columns (one list of values
    per column of the statement), without holding them all.

    Every column of the statement must be text and never NULL (coalesce an outer join's columns): the
    two ways of reading below give the same strings only then.

    PostgreSQL: `COPY (statement) TO STDOUT` in the session's transaction, through the driver's own
    connection. The rows come as lines of text, as fast as the server writes them (the speed a
    release is measured against, benchmarks/export.py), where a cursor would cost a round trip per
    batch, a plan without parallel workers and a Python object per row. SQLite: the statement,
    streamed as usual.
    """
    if session.get_bind().dialect.name != "postgresql":
        result = await session.stream(statement.execution_options(yield_per=ROWS_PER_CHUNK))
        async for part in result.partitions():
            handle(list(zip(*part, strict=True)))
        return
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    query = str(statement.compile(connection.sync_connection, compile_kwargs={"literal_binds": True}))
    copied = _CopyText(len(statement.selected_columns), handle)
    await driver.copy_from_query(query, output=copied.take, format="text")
    copied.finish()


class _CopyText:
    """COPY's text format, cut into columns: one line per row (a line break in a value comes escaped),
    a tab between columns, a backslash before a tab, line break or backslash inside a value.

    Whole lines of a quarter megabyte at a time: a line and a tab are then one split of the text, not a
    Python object per row."""

    def __init__(self, width: int, handle: Callable[[Columns], None]) -> None:
        self.width = width
        self.handle = handle
        self.parts: list[bytes] = []
        self.size = 0

    async def take(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)
        if self.size >= COPY_BYTES_PER_CHUNK:
            self._lines()

    def finish(self) -> None:
        self._lines()
        if self.parts:
            raise ValueError("COPY ended inside a row")

    def _lines(self) -> None:
        data = b"".join(self.parts)
        end = data.rfind(b"\n") + 1  # the rest may end inside a row, or inside a character
        self.parts = [data[end:]] if end < len(data) else []
        self.size = len(data) - end
        if not end:
            return
        text = data[: end - 1].decode()
        values = text.replace("\n", "\t").split("\t")
        if len(values) % self.width:
            raise ValueError("COPY gave rows of another width than the statement's")
        columns = [values[column :: self.width] for column in range(self.width)]
        if "\\" in text:
            for column in columns:
                if "\\" in "".join(column):  # most columns have none: one look at all of them
                    for i in compress(range(len(column)), map(operator.contains, column, repeat("\\"))):
                        column[i] = _copy_unescape(column[i])
        self.handle(columns)


def _copy_unescape(value: str) -> str:
    """A value as it was, from COPY's text format: an escaped backslash first (what follows it is not
    an escape), then the control characters."""
    parts = value.split("\\\\")
    for i, part in enumerate(parts):
        if "\\" in part:
            for escaped, character in _COPY_ESCAPES:
                part = part.replace(escaped, character)
            parts[i] = part
    return "\\".join(parts)
