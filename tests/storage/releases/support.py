"""People for the release tests: in the database (as the bot stores them), or straight into a census."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.definitions import Catalogue, Questionnaire, load_catalogue
from dialogs.messages import AnswerSet, ConsentGiven, Event, FieldCompleted
from storage import reviews
from storage.conversations import ConversationRepository
from storage.db import session_factory
from storage.models import Answer
from storage.pseudonym import pseudonym
from storage.releases.census import Census, Respondent, asked

KEY = b"r" * 32
CATALOGUE = load_catalogue()
MITTE = {"bezirk": "mitte", "alter": "a30_44", "zeit_in_de": "j3_4", "geschlecht": "weiblich",
         "herkunft_region": "westasien"}  # fmt: skip


async def add_person(
    db: AsyncEngine,
    number: int,
    answers: Mapping[str, Any],
    *,
    field: str = "wohnen",
    about: Mapping[str, str] = MITTE,
    locale: str = "ar",
    submitted: bool = True,
) -> str:
    """A person who agreed, said who they are, answered, and (unless not `submitted`) pressed Absenden."""
    person = pseudonym(KEY, "telegram", 50_000 + number)
    events: list[Event] = [ConsentGiven(locale)]
    events += [AnswerSet("about", q, v) for q, v in about.items()]
    events += [AnswerSet(field, q, v) for q, v in answers.items()]
    if submitted:
        events.append(FieldCompleted(field))
    async with session_factory(db)() as session, session.begin():
        await ConversationRepository(session).apply(person, events)
    return person


async def release_text(
    db: AsyncEngine, person: str, field: str, question: str, scrub: Callable[[str], str] | None = str
) -> None:
    """Staff release one person's free text, as it is now, and its scrubbed form is stored as the use
    case stores it (bot/usecases/reviews.py); `scrub=None` stores none (released before they were)."""
    async with session_factory(db)() as session, session.begin():
        answer_id = await session.scalar(
            select(Answer.id).where(
                Answer.pseudonym == person, Answer.field == field, Answer.question == question
            )
        )
        assert answer_id is not None
        assert await reviews.decide(session, answer_id, "released", "cli:test")
        if scrub is not None:
            (text,) = await reviews.texts_by_id(session, CATALOGUE, [answer_id])
            await reviews.store_scrubbed(session, [(text, scrub(text.text))], "test")


def respondent(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    *,
    about: Mapping[str, str] = MITTE,
    locale: str = "ar",
    submitted: bool = True,
    released: frozenset[str] = frozenset(),
) -> Respondent:
    """A respondent as take_census would read them (without a database); the `released` texts come
    as they were written (scrubbed by an identity)."""
    return Respondent(
        submitted=submitted,
        locale=locale,
        about=dict(about),
        answers=dict(answers),
        asked=asked(questionnaire, answers, submitted=submitted),
        released_texts={question: str(answers[question]) for question in released},
    )


def census(catalogue: Catalogue, field: str, people: list[Respondent]) -> Census:
    questionnaire = catalogue.get(field)
    assert questionnaire is not None
    return Census(questionnaire=questionnaire, about=catalogue.about, people=people)
