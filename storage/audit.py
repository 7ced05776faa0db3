"""The export audit log: who exported which field, when, in which format, how many rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ExportAudit


async def record(session: AsyncSession, actor: str, field: str, fmt: str, rows: int) -> None:
    session.add(ExportAudit(actor=actor, field=field, format=fmt, rows=rows))
    await session.flush()


async def entries(session: AsyncSession, limit: int = 200) -> Sequence[ExportAudit]:
    result = await session.scalars(select(ExportAudit).order_by(ExportAudit.id.desc()).limit(limit))
    return result.all()
