"""Staff dialogs in progress: one per staff member (by pseudonym), kept as JSON until it ends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert
from storage.models import StaffForm, utcnow


async def load(session: AsyncSession, person: str) -> tuple[str, dict[str, Any]] | None:
    """The dialog's kind and state, or None when none is open."""
    row = await session.scalar(
        select(StaffForm).where(StaffForm.person == person).execution_options(populate_existing=True)
    )
    return (row.kind, dict(row.state)) if row is not None else None


async def save(session: AsyncSession, person: str, kind: str, state: dict[str, Any]) -> None:
    await upsert(
        session,
        StaffForm,
        {"person": person, "kind": kind, "state": state, "updated_at": utcnow()},
        conflict=("person",),
        update=("kind", "state", "updated_at"),
    )


async def clear(session: AsyncSession, person: str) -> None:
    await session.execute(delete(StaffForm).where(StaffForm.person == person))
