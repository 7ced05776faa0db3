"""Everyone who answered one field, each person's rows put together without pseudonyms: what row-level
data are made of (storage/releases/microdata.py), and how the tests describe a field.

`take_census` reads the database in batches of `BATCH` people, so memory grows with the number of
respondents, not with the number of answers; the pseudonyms are dropped as soon as a person's rows are
put together. A `Respondent` holds dictionaries (some kilobytes a person): tables and free texts are
counted from the much smaller tally instead (storage/releases/tally.py, `Tally.of` a census).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.definitions import ABOUT_ID, Catalogue, Questionnaire
from dialogs.state import FieldProgress
from dialogs.visibility import shown_map
from storage.models import Answer, FieldCompletion, Participant, TextReview
from storage.reviews import text_hash

# People read per query: SQLite limits bound parameters, and memory stays per batch.
BATCH = 500


@dataclass(frozen=True)
class Respondent:
    """One person's answers to one field and about themselves; nothing that names them."""

    submitted: bool  # pressed "Absenden" for this field
    locale: str  # the language they answered in
    about: Mapping[str, Any]  # about-you answers by question id, as stored
    answers: Mapping[str, Any]  # this field's answers by question id, as stored (free texts raw)
    asked: frozenset[str]  # ids of this field's questions that were shown to them
    # The free texts whose current version review released, by question id: their stored scrubbed
    # form (storage/reviews.py). A released text without a scrubbed form of this version is not here,
    # so it is held back, never released as written.
    released_texts: Mapping[str, str]


@dataclass(frozen=True)
class Census:
    questionnaire: Questionnaire
    about: Questionnaire
    people: list[Respondent]  # in a random order


async def take_census(
    session: AsyncSession, catalogue: Catalogue, field_id: str, *, rng: random.Random
) -> Census:
    """Everyone with an answer in the field, in a random order (`rng`), without their pseudonyms."""
    questionnaire = catalogue.get(field_id)
    if questionnaire is None or field_id == ABOUT_ID:
        raise ValueError(f"unknown field '{field_id}'")
    found = await session.stream_scalars(
        select(Answer.pseudonym).where(Answer.field == field_id).distinct().execution_options(yield_per=BATCH)
    )
    # Sorted first: the database may return them in any order, and the same seed must give the same
    # order of people on SQLite and PostgreSQL.
    pseudonyms = sorted([person async for person in found])
    rng.shuffle(pseudonyms)
    people: list[Respondent] = []
    for start in range(0, len(pseudonyms), BATCH):
        people += await _batch(session, questionnaire, pseudonyms[start : start + BATCH])
    return Census(questionnaire=questionnaire, about=catalogue.about, people=people)


async def _batch(
    session: AsyncSession, questionnaire: Questionnaire, batch: Sequence[str]
) -> list[Respondent]:
    field_id = questionnaire.id
    locales = dict(
        (await session.execute(
            select(Participant.pseudonym, Participant.locale).where(Participant.pseudonym.in_(batch))
        )).all()
    )  # fmt: skip
    submitted = set(
        (await session.scalars(
            select(FieldCompletion.pseudonym).where(
                FieldCompletion.field == field_id, FieldCompletion.pseudonym.in_(batch)
            )
        )).all()
    )  # fmt: skip
    about: dict[str, dict[str, Any]] = {}
    rows = await session.execute(
        select(Answer.pseudonym, Answer.question, Answer.value).where(
            Answer.field == ABOUT_ID, Answer.pseudonym.in_(batch)
        )
    )
    for person, question, value in rows:
        about.setdefault(person, {})[question] = value
    answers: dict[str, dict[str, Any]] = {}
    released: dict[str, dict[str, str]] = {}
    texts = {q.id for q in questionnaire.questions if q.type == "text"}
    rows = await session.execute(
        select(
            Answer.pseudonym, Answer.question, Answer.value, Answer.scrubbed, Answer.scrubbed_hash,
            TextReview.status, TextReview.text_hash,
        )
        .outerjoin(TextReview, TextReview.answer_id == Answer.id)
        .where(Answer.field == field_id, Answer.pseudonym.in_(batch))
    )  # fmt: skip
    for person, question, value, scrubbed, scrubbed_hash, status, reviewed_hash in rows:
        answers.setdefault(person, {})[question] = value
        if question not in texts or status != "released" or not isinstance(value, str):
            continue
        # A review and a scrubbed form hold only for the text they were made of: a changed answer is
        # not released, and an older text's scrubbed form never stands in for the current one.
        current = text_hash(value)
        if reviewed_hash == current and scrubbed_hash == current and scrubbed is not None:
            released.setdefault(person, {})[question] = scrubbed
    return [
        Respondent(
            submitted=person in submitted,
            locale=locales.get(person, ""),
            about=about.get(person, {}),
            answers=answers.get(person, {}),
            asked=asked(questionnaire, answers.get(person, {}), submitted=person in submitted),
            released_texts=released.get(person, {}),
        )
        for person in batch
    ]


def asked(questionnaire: Questionnaire, answers: Mapping[str, Any], *, submitted: bool) -> frozenset[str]:
    """The questions shown to a person, worked out from their stored answers.

    A follow-up whose condition cannot be decided (the question it depends on was skipped, and skips
    are not stored) counts as not asked. Someone who never sent the field may have stopped early: for
    them only the questions up to their last answer count as asked, not the ones they never reached.
    """
    # Not validated: a stored value of an unexpected shape must not stop a release. Every field with a
    # default factory is given: pydantic would otherwise inspect each factory's signature, every call.
    progress = FieldProgress.model_construct(
        answers={q: v for q, v in answers.items() if v is not None}, skipped=[], selection=[]
    )
    shown = shown_map(questionnaire, progress)
    ids = [q.id for q in questionnaire.questions]
    if not submitted:
        reached = [i for i, qid in enumerate(ids) if qid in answers]
        ids = ids[: max(reached) + 1] if reached else []
    return frozenset(qid for qid in ids if shown.get(qid) is True)
