"""Migration 0007 (the releases table, the time of a language switch) goes down to 0006 and up again, on
both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.db import session_factory
from storage.models import ReleaseRecord


async def tables(db: AsyncEngine) -> set[str]:
    async with db.connect() as conn:
        return await conn.run_sync(lambda c: set(inspect(c).get_table_names()))


async def participant_columns(db: AsyncEngine) -> set[str]:
    async with db.connect() as conn:
        return await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("participants")})


async def test_0007_down_to_0006_and_up_again(db: AsyncEngine) -> None:
    head = migrate.head_revision()  # 0007 or a later one
    assert "releases" in await tables(db)
    await migrate.downgrade(db, "0006")
    assert await migrate.current_revision(db) == "0006"
    assert "releases" not in await tables(db)
    assert "locale_changed_at" not in await participant_columns(db)
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == head
    assert "locale_changed_at" in await participant_columns(db)
    made = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    async with session_factory(db)() as session, session.begin():
        session.add(
            ReleaseRecord(field="wohnen", made_at=made, partial=False, microdata=False, respondents=47)
        )
    async with session_factory(db)() as session:
        stored = (await session.scalars(select(ReleaseRecord))).one()
    assert (stored.made_at, stored.departed, stored.departed_unsubmitted) == (made, 0, 0)
