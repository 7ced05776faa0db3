"""`mitsprache db upgrade` and `db current` on a new, empty database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage import migrate
from storage.db import create_engine
from storage.pseudonym import pseudonym, web_chat_id
from tests.support.chat_driver import chat_env, run_cli


async def test_upgrade_migrates_an_empty_database(db_url: str, tmp_path: Path) -> None:
    env = chat_env(db_url, tmp_path / "data")
    newest = migrate.head_revision()
    code, out = await run_cli(env, "db", "current")
    assert code == 0 and f"current: (empty database), newest: {newest}" in out, out
    code, out = await run_cli(env, "db", "upgrade")
    assert code == 0 and f"Database is up to date (revision {newest})." in out, out
    code, out = await run_cli(env, "db", "current")
    assert code == 0 and f"current: {newest}, newest: {newest}" in out, out


async def test_upgrade_hands_the_key_to_a_migration_that_needs_it(db_url: str, tmp_path: Path) -> None:
    """Migration 0008 gives web subscribers chat ids computed under the pseudonym key: `db upgrade`
    passes the settings' key, and the subscriber keeps getting their notices."""
    env = chat_env(db_url, tmp_path / "data")
    key = env["MITSPRACHE_PSEUDONYM_KEY"].encode()
    before = ScriptDirectory.from_config(migrate.alembic_config()).get_revision("0008").down_revision
    assert isinstance(before, str)
    person = pseudonym(key, "web", "CLI000000001")
    engine = create_engine(db_url)
    try:
        await migrate.upgrade(engine, before)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO subscribers (pseudonym, channel, chat_id, locale, districts, fields, "
                    "status, subscribed_at) VALUES (:who, 'web', :chat, 'de', '[]', '[]', 'active', :at)"
                ),
                {"who": person, "chat": int(person[:13], 16), "at": datetime(2026, 11, 20, tzinfo=UTC)},
            )
        code, out = await run_cli(env, "db", "upgrade")
        assert code == 0 and "Database is up to date" in out, out
        async with engine.connect() as conn:
            chats = (await conn.execute(text("SELECT chat_id FROM subscribers"))).scalars().all()
        assert chats == [web_chat_id(key, person)]
    finally:
        await engine.dispose()
