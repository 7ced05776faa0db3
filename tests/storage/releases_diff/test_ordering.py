"""Recording a release and counting a deletion take turns (storage/dialect.lock_releases): a deletion
under way holds back a release, and a release being recorded holds back deletions, so nobody can be in
a release's data without their deletion counting towards it. Shown by a second transaction that may not
wait: it fails while the first is open and goes through once it has committed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.db import session_factory
from storage.releases import differencing

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


async def no_waiting(session: AsyncSession) -> None:
    """From now on this transaction fails at once instead of waiting for a lock."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL lock_timeout = '50ms'"))
    else:
        await session.execute(text("PRAGMA busy_timeout = 0"))


async def test_a_release_waits_for_a_deletion_under_way(db: AsyncEngine) -> None:
    sessions = session_factory(db)
    async with sessions() as deleting, deleting.begin():
        await differencing.count_departure(deleting, "someone")
        with pytest.raises(DBAPIError):
            async with sessions() as releasing, releasing.begin():
                await no_waiting(releasing)
                await differencing.record(releasing, "wohnen", False, False, 0, NOW)
    async with sessions() as releasing, releasing.begin():
        await no_waiting(releasing)
        await differencing.record(releasing, "wohnen", False, False, 0, NOW)


async def test_a_deletion_waits_for_a_release_being_recorded(db: AsyncEngine) -> None:
    sessions = session_factory(db)
    async with sessions() as releasing, releasing.begin():
        await differencing.record(releasing, "wohnen", False, False, 0, NOW)
        with pytest.raises(DBAPIError):
            async with sessions() as deleting, deleting.begin():
                await no_waiting(deleting)
                await differencing.count_departure(deleting, "someone")
    async with sessions() as deleting, deleting.begin():
        await no_waiting(deleting)
        await differencing.count_departure(deleting, "someone")
