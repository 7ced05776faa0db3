"""`mitsprache db upgrade` and `db current` on a new, empty database."""

from __future__ import annotations

from pathlib import Path

from storage import migrate
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
