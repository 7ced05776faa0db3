"""Staff review of free-text answers: list them scrubbed, release or withhold each one."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.definitions import Catalogue
from storage.dialect import upsert
from storage.models import Answer, TextReview, utcnow
from storage.vocabulary import REVIEW_STATUSES

STATUSES = REVIEW_STATUSES


def text_hash(text: str) -> str:
    """What a review decided on: a changed text waits for a decision again."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class FreeText:
    answer_id: int
    question: str
    scrubbed: str
    status: str


async def free_texts(
    session: AsyncSession,
    catalogue: Catalogue,
    field_id: str,
    scrub: Callable[[str], str],
    status: str | None = None,
) -> AsyncIterator[FreeText]:
    """The field's free-text answers, already scrubbed; a changed text counts as pending again."""
    for answer_id, question, text, current in await _texts(session, catalogue, field_id):
        if status is None or status == current:
            yield FreeText(answer_id, question, scrub(text), current)


async def pending(session: AsyncSession, catalogue: Catalogue, field_ids: Iterable[str]) -> list[int]:
    """The numbers of the free-text answers still waiting for a decision in these fields (not
    scrubbed: for counting and deciding them all at once)."""
    found: list[int] = []
    for field_id in field_ids:
        found += [answer_id for answer_id, _, _, current in await _texts(session, catalogue, field_id)
                  if current == "pending"]  # fmt: skip
    return found


async def _texts(
    session: AsyncSession, catalogue: Catalogue, field_id: str
) -> list[tuple[int, str, str, str]]:
    """(answer id, question, text, status) of the field's free-text answers, in order."""
    questionnaire = catalogue.get(field_id)
    text_questions = [q.id for q in questionnaire.questions if q.type == "text"] if questionnaire else []
    stmt = (
        select(Answer.id, Answer.question, Answer.value, TextReview.status, TextReview.text_hash)
        .outerjoin(TextReview, TextReview.answer_id == Answer.id)
        .where(Answer.field == field_id, Answer.question.in_(text_questions))
        .order_by(Answer.id)
    )
    texts = []
    for answer_id, question, value, decided, decided_hash in (await session.execute(stmt)).all():
        text = str(value)
        current = decided if decided and decided_hash == text_hash(text) else "pending"
        texts.append((answer_id, question, text, current))
    return texts


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
