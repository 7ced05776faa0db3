"""Updates a shell has applied, so that a redelivered one (same key) is recognised and not applied again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate, utcnow

# Built once, run as plain SQL on the turn's connection: both are on every text a person sends.
_SEEN = select(ProcessedUpdate.key).where(ProcessedUpdate.key == bindparam("update_key"))
_RECORD = insert(ProcessedUpdate)


async def seen(session: AsyncSession, key: str) -> bool:
    """Whether the update `key` was applied before."""
    connection = await session.connection()
    return (await connection.execute(_SEEN, {"update_key": key})).first() is not None


async def record(session: AsyncSession, key: str) -> None:
    """Record `key` in the turn's transaction. A concurrent twin raises IntegrityError at commit (or
    here): the caller retries and then finds it `seen`."""
    connection = await session.connection()
    await connection.execute(_RECORD, {"key": key, "processed_at": utcnow()})


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
