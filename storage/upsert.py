"""The one place that knows SQLite and PostgreSQL spell INSERT ... ON CONFLICT in different modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def dialect_insert(session: AsyncSession) -> Any:
    """`insert` of the session's dialect, whose statements know ON CONFLICT."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert a row, or update `update` columns of the row that has the same `conflict` columns."""
    stmt = dialect_insert(session)(model).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(conflict),
        set_={column: stmt.excluded[column] for column in update},
    )
    await session.execute(stmt)
