"""Looking into the test database the way the tests assert on it."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# What a person's conversation leaves behind (and deleting it must remove).
ALL_PERSONAL_TABLES = ("participants", "conversation_states", "answers", "field_completions")


async def rows(db: AsyncEngine, table: str) -> int:
    """How many rows `table` holds."""
    async with db.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
