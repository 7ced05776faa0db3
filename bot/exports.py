"""Running an export: anonymise, write the file, and record it in the audit log, in one transaction."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.definitions import Catalogue
from storage import audit
from storage.export import ExportStats, FieldExport
from storage.export_formats import WRITERS

if TYPE_CHECKING:
    from storage.scrubbing import Scrubber


@cache
def _scrubber() -> Scrubber:
    # Imported and built on first use: Presidio loads spaCy's code (about a second), and only
    # exports and reviews need it, not every start of the chat or the bot.
    from storage.scrubbing import Scrubber

    return Scrubber()


def scrub(text: str) -> str:
    return _scrubber().scrub(text).text


async def export_field(
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    field_id: str,
    fmt: str,
    path: Path,
    k: int,
    actor: str,
) -> ExportStats:
    if fmt not in WRITERS:
        raise ValueError(f"unknown format '{fmt}'; use one of {', '.join(WRITERS)}")
    async with sessions() as session, session.begin():
        export = FieldExport(session, catalogue, field_id, k=k, scrub=scrub)
        stats = await WRITERS[fmt](export, path)
        await audit.record(session, actor, field_id, fmt, stats.respondents)
    return stats
