"""Staff review of free texts (list them scrubbed, release or withhold them), and the scrubbing behind
it: each text is scrubbed once per version, not at each listing or export.

The scrubber costs milliseconds per text and is CPU-bound (benchmarks/scrubbing.py prints the cost per
text). It runs here: when staff list texts for review, when they release one that was never listed,
and when a release finds a released text without a scrubbed form of its current version (reviewed
before these forms were stored, or under an older scrubber). The result is stored on the answer
(storage/reviews.py) and read from then on; a changed answer loses it and is scrubbed again once. It
never runs on a person's turn. It runs in a worker thread and outside any transaction, so the event
loop keeps answering and SQLite's one writer is held only for the short write of the results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.definitions import Catalogue
from storage import reviews
from storage.reviews import FreeText, Scrubbing, TextAnswer

if TYPE_CHECKING:
    from storage.scrubbing import Scrubber


@cache
def _scrubber() -> Scrubber:
    # Imported and built on first use: building compiles the patterns and reads the public suffix
    # list (about half a second), and only reviews and releases need it, not every start of the chat
    # or the bot.
    from storage.scrubbing import Scrubber

    return Scrubber()


def scrub(text: str) -> str:
    return _scrubber().scrub(text).text


@cache
def scrubbing() -> Scrubbing:
    """The real scrubber, built when it first scrubs (its version needs only the import)."""
    from storage.scrubbing import VERSION

    return Scrubbing(scrub, VERSION)


async def listing(
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    field_id: str,
    status: str | None = None,
    using: Scrubbing | None = None,
) -> list[FreeText]:
    """The field's free-text answers (with this status, if given), scrubbed; a text without a stored
    scrubbed form of its current version is scrubbed now and the form stored."""
    async with sessions() as session:
        found = await reviews.texts(session, catalogue, field_id, status)
    scrubbed = await scrub_missing(sessions, found, using)
    return [FreeText(text.answer_id, text.question, scrubbed[text.answer_id], text.status) for text in found]


async def pending(
    sessions: async_sessionmaker[AsyncSession], catalogue: Catalogue, field_ids: Iterable[str]
) -> list[int]:
    """The numbers of the free-text answers waiting for a decision in these fields."""
    async with sessions() as session:
        return await reviews.pending(session, catalogue, field_ids)


async def decide(
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    answer_ids: Sequence[int],
    status: str,
    reviewer: str,
    using: Scrubbing | None = None,
) -> list[int]:
    """Release or withhold these answers as they are now, all in one transaction; the numbers that are
    no free-text answer come back (and nothing is decided on them).

    A released text gets its scrubbed form now if it has none (released with --all, never listed), so
    that the release finds it. A withheld one does not: it never leaves, and a copy of its words,
    even scrubbed, is one copy more than it needs."""
    async with sessions() as session, session.begin():
        missing = [i for i in answer_ids if not await reviews.decide(session, i, status, reviewer)]
    if status == "released":
        async with sessions() as session:
            decided = await reviews.texts_by_id(session, catalogue, answer_ids)
        await scrub_missing(sessions, decided, using)
    return missing


async def scrub_released(
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    field_id: str,
    using: Scrubbing | None = None,
) -> int:
    """Before a release is built: scrub and store the field's released texts that have no scrubbed
    form of their current version. Returns how many were scrubbed (none, once they all have one)."""
    using = using or scrubbing()
    async with sessions() as session:
        released = await reviews.texts(session, catalogue, field_id, "released")
    missing = [text for text in released if text.scrubbed(using.version) is None]
    await scrub_missing(sessions, missing, using)
    return len(missing)


async def scrub_missing(
    sessions: async_sessionmaker[AsyncSession], texts: Sequence[TextAnswer], using: Scrubbing | None = None
) -> dict[int, str]:
    """Every text's scrubbed form by answer number: the stored one where it holds for this text and
    scrubber, else made now (in a worker thread) and stored (in a short transaction of its own)."""
    using = using or scrubbing()
    scrubbed: dict[int, str] = {}
    missing: list[TextAnswer] = []
    for text in texts:
        stored = text.scrubbed(using.version)
        if stored is None:
            missing.append(text)
        else:
            scrubbed[text.answer_id] = stored
    if missing:
        made = await asyncio.to_thread(lambda: [using.scrub(text.text) for text in missing])
        async with sessions() as session, session.begin():
            await reviews.store_scrubbed(session, zip(missing, made, strict=True), using.version)
        scrubbed.update((text.answer_id, form) for text, form in zip(missing, made, strict=True))
    return scrubbed
