"""Differencing (storage/releases/differencing.py) on both databases: people who join, change, switch
language, leave and are purged through the same repository the turns use, on a clock the test moves,
and releases asked for and recorded as the release commands will.

`World` is omniscient: it reads everyone's part in a release straight from the tables (with
pseudonyms), which the differencing itself never does, so that tests can compare the rule with the truth.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dialogs.messages import AnswerSet, ConsentGiven, FieldCompleted
from dialogs.state import ConversationState
from storage import conversations
from storage.conversations import ConversationRepository
from storage.db import session_factory
from storage.models import Answer, FieldCompletion, Participant, ReleaseRecord
from storage.releases import differencing
from storage.releases.differencing import Refusal

FIELD = "wohnen"
K = 5
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
STEP = timedelta(minutes=10)  # between two things that happen: longer than differencing.SETTLE


class Clock:
    """The time the repository stamps on what it writes."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        self.now += STEP
        return self.now


# One person's part in a release: (language, about-you answers, this field's answers).
Part = tuple[str, tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]]


@dataclass(frozen=True)
class Snapshot:
    """What a release holds, person by person (the truth; a release itself has no pseudonyms)."""

    made_at: datetime
    partial: bool
    sent: dict[str, Part]  # people who sent the field
    unsent: dict[str, Part]  # people who only started it (counted only in a partial release)

    def counts(self) -> Counter[tuple[Any, ...]]:
        """The attacker's numbers: per question and answer, overall and by language and district, for
        the sent answers and (partial) the "nur angefangen" ones, as a release's tables give them."""
        counted: Counter[tuple[Any, ...]] = Counter()
        for kind, people in (("sent", self.sent), ("unsent", self.unsent)):
            for locale, about, answers in people.values():
                district = dict(about).get("bezirk")
                for question, value in answers:
                    counted[(kind, question, _hashable(value))] += 1
                    counted[(kind, question, _hashable(value), "locale", locale)] += 1
                    counted[(kind, question, _hashable(value), "bezirk", district)] += 1
        return counted


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def differing(before: dict[str, Part], after: dict[str, Part]) -> set[str]:
    """People whose part differs: in one and not the other, or in both with other answers."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


class World:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock
        self.numbered = 0
        self.states: dict[str, int] = {}  # each person's state version, to save a language switch

    def name(self) -> str:
        self.numbered += 1
        return f"person-{self.numbered:04d}"

    async def join(
        self,
        answers: dict[str, Any] | None = None,
        about: dict[str, Any] | None = None,
        locale: str = "de",
        send: bool = True,
        field: str = FIELD,
    ) -> str:
        """Someone new consents, answers "about you" and the field, and (`send`) sends the field."""
        person = self.name()
        self.clock.tick()
        events: list[Any] = [ConsentGiven(locale)]
        events += [AnswerSet("about", q, v) for q, v in (about or {"bezirk": "mitte"}).items()]
        events += [FieldCompleted("about")]
        events += [AnswerSet(field, q, v) for q, v in (answers or {"q1": "a"}).items()]
        if send:
            events.append(FieldCompleted(field))
        async with self.sessions() as session, session.begin():
            repo = ConversationRepository(session)
            await repo.apply(person, events)
            self.states[person] = await repo.save(person, ConversationState(locale=locale), None)
        return person

    async def answer(self, person: str, question: str, value: Any, field: str = FIELD) -> None:
        self.clock.tick()
        async with self.sessions() as session, session.begin():
            await ConversationRepository(session).apply(person, [AnswerSet(field, question, value)])

    async def send(self, person: str, field: str = FIELD) -> None:
        self.clock.tick()
        async with self.sessions() as session, session.begin():
            await ConversationRepository(session).apply(person, [FieldCompleted(field)])

    async def switch_language(self, person: str, locale: str) -> None:
        self.clock.tick()
        async with self.sessions() as session, session.begin():
            repo = ConversationRepository(session)
            self.states[person] = await repo.save(
                person, ConversationState(locale=locale), self.states[person]
            )

    async def delete(self, person: str) -> None:
        """What "delete everything" does in the turn's transaction."""
        self.clock.tick()
        async with self.sessions() as session, session.begin():
            await ConversationRepository(session).forget(person, b"k" * 32)

    async def purge(self, idle: timedelta) -> int:
        self.clock.tick()
        async with self.sessions() as session, session.begin():
            return await ConversationRepository(session).purge_inactive(self.clock.now - idle, b"k" * 32)

    async def release(self, partial: bool = False, k: int = K) -> Refusal | ReleaseRecord:
        """Ask for a release now; record it unless it is refused."""
        self.clock.tick()
        async with self.sessions() as session, session.begin():
            refused = await differencing.refusal(session, FIELD, k, self.clock.now, partial=partial)
        if refused is not None:
            return refused
        return await self.release_now(partial)

    async def release_now(self, partial: bool = False) -> ReleaseRecord:
        """Record a release made now, without asking."""
        async with self.sessions() as session, session.begin():
            return await differencing.record(session, FIELD, partial, False, 0, self.clock.now)

    async def refusal(self, partial: bool = False, k: int = K) -> Refusal | None:
        async with self.sessions() as session:
            return await differencing.refusal(session, FIELD, k, self.clock.now, partial=partial)

    async def records(self) -> list[ReleaseRecord]:
        async with self.sessions() as session:
            return await differencing.releases(session, FIELD)

    async def changes(self, since: ReleaseRecord, partial: bool = False) -> int:
        async with self.sessions() as session:
            fresh = await session.get(ReleaseRecord, since.id)
            assert fresh is not None
            return await differencing.changes_since(session, FIELD, fresh, partial)

    async def difference(self, since: ReleaseRecord, partial: bool) -> differencing.Difference:
        async with self.sessions() as session:
            fresh = await session.get(ReleaseRecord, since.id)
            assert fresh is not None
            return await differencing.difference(session, FIELD, fresh, partial)

    async def snapshot(self, partial: bool) -> Snapshot:
        """Everyone's part in a release of the field made now (read with pseudonyms: the truth)."""
        async with self.sessions() as session:
            answers = (
                await session.execute(select(Answer.pseudonym, Answer.field, Answer.question, Answer.value))
            ).all()
            sent = set(
                (
                    await session.scalars(
                        select(FieldCompletion.pseudonym).where(FieldCompletion.field == FIELD)
                    )
                ).all()
            )
            rows = await session.execute(select(Participant.pseudonym, Participant.locale))
            locales = {person: locale for person, locale in rows.all()}
        about: dict[str, dict[str, Any]] = {}
        field: dict[str, dict[str, Any]] = {}
        for person, answered_field, question, value in answers:
            target = about if answered_field == "about" else field if answered_field == FIELD else None
            if target is not None:
                target.setdefault(person, {})[question] = _hashable(value)
        parts = {
            person: (
                locales[person],
                tuple(sorted(about.get(person, {}).items())),
                tuple(sorted(mine.items())),
            )
            for person, mine in field.items()
        }
        return Snapshot(
            made_at=self.clock.now,
            partial=partial,
            sent={p: part for p, part in parts.items() if p in sent},
            unsent={p: part for p, part in parts.items() if p not in sent} if partial else {},
        )


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    clock = Clock()
    monkeypatch.setattr(conversations, "utcnow", clock)
    yield clock


@pytest.fixture
def world(db: AsyncEngine, clock: Clock) -> World:
    return World(session_factory(db), clock)
