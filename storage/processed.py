"""Updates a shell has applied, so that a redelivered one (same key) is recognised and not applied again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate, utcnow


async def seen(session: AsyncSession, key: str) -> bool:
    """Whether the update `key` was applied before."""
    return await session.scalar(select(ProcessedUpdate.key).where(ProcessedUpdate.key == key)) is not None


async def record(session: AsyncSession, key: str) -> None:
    """Record `key` in the turn's transaction. A concurrent twin raises IntegrityError at commit (or
    here): the caller retries and then finds it `seen`."""
    await session.execute(insert(ProcessedUpdate).values(key=key, processed_at=utcnow()))


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
