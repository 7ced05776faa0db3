"""Alembic migrations run from code: `mitsprache db upgrade`, and the start-up schema check.

The start-up check (`ensure_current`) does without Alembic: importing it (with Mako and Pygments) costs
some 10 MB that a running bot would carry for nothing. It reads the database's revision from Alembic's
version table and the newest one from the migration files; Alembic is imported only to migrate, and to
explain a revision that does not match.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
UPGRADE_HINT = "mitsprache db upgrade"
VERSION_TABLE = "alembic_version"  # Alembic's default: migrations/env.py names no other
# `revision: str = "0008"` and `down_revision: str | None = "0007"`, as script.py.mako writes them.
_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+?)\s*$", re.MULTILINE)


class SchemaOutdated(RuntimeError):
    """The database is not at the newest migration; the message says what to run."""


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    """The newest migration: the one no other migration revises (tests/storage/test_storage.py checks
    that Alembic agrees). A history with branches is left to Alembic."""
    revises: dict[str, tuple[str, ...]] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = {name: ast.literal_eval(value) for name, value in _REVISION_LINE.findall(path.read_text())}
        down = found.get("down_revision")
        revises[found["revision"]] = (down,) if isinstance(down, str) else tuple(down or ())
    heads = set(revises) - {down for downs in revises.values() for down in downs}
    if len(heads) <= 1:
        return next(iter(heads), None)
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The database's revision, from Alembic's version table (None: no migration has run)."""

    def read(connection: Connection) -> str | None:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        if len(found) > 1:
            raise SchemaOutdated(f"The database records {len(found)} revisions at once: {', '.join(found)}.")
        return found[0] if found else None

    async with engine.connect() as conn:
        return await conn.run_sync(read)


# A data migration that must compute under the pseudonym key asks for it here (`needs_key`). The key is
# handed over as a function, so that it is only read when a migration finds rows that need it.
KEY_ATTRIBUTE = "pseudonym_key"
KeySource = Callable[[], bytes]


class KeyNeeded(RuntimeError):
    """A migration must compute under the pseudonym key, and none was given."""


def needs_key(config: Config, why: str) -> bytes:
    """The pseudonym key, for a migration (e.g. subscribers whose web chat id is computed under it)."""
    source: KeySource | None = config.attributes.get(KEY_ATTRIBUTE)
    if source is None:
        raise KeyNeeded(
            f"This migration needs the pseudonym key: {why}. Run `{UPGRADE_HINT}` with the bot's "
            "settings (MITSPRACHE_PSEUDONYM_KEY, or the data folder that holds the key file)."
        )
    return source()


async def upgrade(engine: AsyncEngine, revision: str = "head", key: KeySource | None = None) -> None:
    """`key`: where a migration gets the pseudonym key if it needs it (`mitsprache db upgrade` passes
    the settings'); without it, a migration that needs the key refuses with `KeyNeeded`."""

    def run(connection: Connection) -> None:
        from alembic import command

        config = alembic_config()
        config.attributes["connection"] = connection
        config.attributes[KEY_ATTRIBUTE] = key
        command.upgrade(config, revision)

    await _migrating(engine, run)


async def downgrade(engine: AsyncEngine, revision: str, key: KeySource | None = None) -> None:
    def run(connection: Connection) -> None:
        from alembic import command

        config = alembic_config()
        config.attributes["connection"] = connection
        config.attributes[KEY_ATTRIBUTE] = key
        command.downgrade(config, revision)

    await _migrating(engine, run)


async def _migrating(engine: AsyncEngine, run: Callable[[Connection], None]) -> None:
    """Runs the migrations in one transaction. On SQLite without foreign keys: SQLite changes a table by
    copying it and dropping the old one, and with foreign keys on, that drop would delete every row
    that refers to it (ON DELETE CASCADE: a subscriber's RSVPs and web notices). The pragma must be set
    outside a transaction (SQLite ignores it inside one); the references are checked before commit."""
    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        try:
            async with conn.begin():
                await conn.run_sync(run)
                if sqlite:
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"a migration left {len(broken)} rows that refer to nothing")
        finally:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()


async def ensure_current(engine: AsyncEngine) -> None:
    """Refuse to run on a database that is empty or behind the code's migrations."""
    current, head = await current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaOutdated(f"The database has no tables yet. Run `{UPGRADE_HINT}` first.")
    from alembic.script import ScriptDirectory

    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current not in known:
        raise SchemaOutdated(
            f"The database is at revision {current}, which this version of Mitsprache does not "
            "know (it was migrated by a newer version). Run the newer version, or restore a backup."
        )
    raise SchemaOutdated(
        f"The database schema is outdated (at {current}, newest is {head}). Run `{UPGRADE_HINT}`."
    )
