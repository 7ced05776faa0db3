"""Staff review of free-text answers: list them scrubbed, release or withhold each one.

A text is scrubbed once per version, not each time it is listed or released: the scrubbed form is
stored on the answer (`Answer.scrubbed`) with the hash of the text it was made of and the version of
the scrubber that made it. It holds only while both match; answering again clears it
(storage/conversations.py). Scrubbing itself (milliseconds per text, CPU-bound) is the use case's
job (bot/usecases/reviews.py): here the texts are read and the results stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.definitions import Catalogue
from storage.dialect import upsert
from storage.models import Answer, TextReview, utcnow
from storage.vocabulary import REVIEW_STATUSES

STATUSES = REVIEW_STATUSES
# Answer numbers read per query (SQLite limits bound parameters).
CHUNK = 500


def text_hash(text: str) -> str:
    """What a review decided on, and what a stored scrub was made of: a changed text waits for a
    decision again, and is scrubbed again."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Scrubbing:
    """A scrub function and the version of the scrubber behind it (storage.scrubbing.VERSION for the
    real one): a stored result of another version is made again."""

    scrub: Callable[[str], str]
    version: str


@dataclass(frozen=True)
class TextAnswer:
    """One free-text answer as it is stored now, with its stored scrubbed form (if any)."""

    answer_id: int
    field: str
    question: str
    text: str  # as the person wrote it: for the scrubber, never shown
    status: str  # pending | released | withheld, for this version of the text
    answered_at: datetime
    stored: str | None  # the stored scrubbed form …
    stored_hash: str | None  # … the hash of the text it was made of …
    stored_by: str | None  # … and the scrubber's version

    def scrubbed(self, version: str) -> str | None:
        """The stored scrubbed form if it was made of this text by this version of the scrubber."""
        if self.stored_hash == text_hash(self.text) and self.stored_by == version:
            return self.stored
        return None


@dataclass(frozen=True)
class FreeText:
    """A free-text answer as staff see it: scrubbed."""

    answer_id: int
    question: str
    scrubbed: str
    status: str


async def texts(
    session: AsyncSession, catalogue: Catalogue, field_id: str, status: str | None = None
) -> list[TextAnswer]:
    """The field's free-text answers (those with this status, if given), in order; a changed text
    counts as pending again."""
    questionnaire = catalogue.get(field_id)
    text_questions = [q.id for q in questionnaire.questions if q.type == "text"] if questionnaire else []
    found = await _read(
        session, _select().where(Answer.field == field_id, Answer.question.in_(text_questions))
    )
    return [text for text in found if status is None or text.status == status]


async def texts_by_id(
    session: AsyncSession, catalogue: Catalogue, answer_ids: Sequence[int]
) -> list[TextAnswer]:
    """Those of the answers with these numbers that answer a free-text question, in order."""
    free = {(q.id, item.id) for q in catalogue.all() for item in q.questions if item.type == "text"}
    found: list[TextAnswer] = []
    for start in range(0, len(answer_ids), CHUNK):
        found += await _read(session, _select().where(Answer.id.in_(answer_ids[start : start + CHUNK])))
    return [text for text in found if (text.field, text.question) in free]


async def pending(session: AsyncSession, catalogue: Catalogue, field_ids: Iterable[str]) -> list[int]:
    """The numbers of the free-text answers still waiting for a decision in these fields (not
    scrubbed: for counting and deciding them all at once)."""
    found: list[int] = []
    for field_id in field_ids:
        found += [text.answer_id for text in await texts(session, catalogue, field_id, "pending")]
    return found


async def store_scrubbed(session: AsyncSession, made: Iterable[tuple[TextAnswer, str]], version: str) -> None:
    """Keep each text's scrubbed form, made by this version of the scrubber.

    Stored only where the answer is still the one that was read (the same time of answering): an
    answer changed meanwhile keeps nothing of its old text. A reader checks the hash all the same."""
    rows = [
        {
            "b_id": text.answer_id,
            "b_answered_at": text.answered_at,
            "scrubbed": scrubbed,
            "scrubbed_hash": text_hash(text.text),
            "scrubbed_by": version,
        }
        for text, scrubbed in made
    ]
    if rows:
        table = cast(Table, Answer.__table__)
        # Core, not the ORM's bulk update: an answer deleted meanwhile matches no row, and that is fine.
        await session.execute(
            update(table).where(
                table.c.id == bindparam("b_id"), table.c.answered_at == bindparam("b_answered_at")
            ),
            rows,
        )


async def decide(session: AsyncSession, answer_id: int, status: str, reviewer: str) -> bool:
    """Release or withhold one answer as it is now; False if there is no such free-text answer."""
    if status not in ("released", "withheld"):
        raise ValueError(f"status must be released or withheld, not {status}")
    value = await session.scalar(select(Answer.value).where(Answer.id == answer_id))
    if not isinstance(value, str):
        return False
    await upsert(
        session,
        TextReview,
        {
            "answer_id": answer_id,
            "text_hash": text_hash(value),
            "status": status,
            "reviewer": reviewer,
            "reviewed_at": utcnow(),
        },
        conflict=("answer_id",),
        update=("text_hash", "status", "reviewer", "reviewed_at"),
    )
    return True


def _select() -> Select[Any]:
    return (
        select(
            Answer.id, Answer.field, Answer.question, Answer.value, Answer.answered_at, Answer.scrubbed,
            Answer.scrubbed_hash, Answer.scrubbed_by, TextReview.status, TextReview.text_hash,
        )
        .outerjoin(TextReview, TextReview.answer_id == Answer.id)
        .order_by(Answer.id)
    )  # fmt: skip


async def _read(session: AsyncSession, stmt: Select[Any]) -> list[TextAnswer]:
    found = []
    for answer_id, field, question, value, at, stored, stored_hash, stored_by, decided, decided_hash in (
        await session.execute(stmt)
    ).all():
        if not isinstance(value, str):
            continue
        current = decided if decided and decided_hash == text_hash(value) else "pending"
        found.append(
            TextAnswer(answer_id, field, question, value, current, at, stored, stored_hash, stored_by)
        )
    return found
