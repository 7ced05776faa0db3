"""Turns are idempotent and ordered per person across replicas: two application instances ("replicas",
each with its own database engine) on one database, updates of several people interleaved, and some
delivered twice at the same moment, as Telegram does when a replica died before answering."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.locales import translator
from bot.usecases.turns import Conversations
from dialogs.definitions import Catalogue
from dialogs.engine import Engine
from dialogs.messages import Command, Input, Outcome, Press, Start, Text
from storage.conversations import ConversationRepository
from storage.db import create_engine, session_factory

KEY = b"k" * 40
FIELDS = ("ankommen", "wohnen", "gesundheit")


@dataclass
class Step:
    """An update: its key, and how to make its input from what the person sees now."""

    key: str
    make: Callable[[Outcome], Input]


def pressing(action: str, arg: str = "") -> Callable[[Outcome], Input]:
    def make(outcome: Outcome) -> Input:
        buttons = [b for r in outcome.replies for row in r.buttons for b in row]
        assert any(b.action == action and b.arg == arg for b in buttons), (action, arg)
        seq = outcome.state.seq if outcome.state is not None else 0
        return Press(seq, action, arg)

    return make


def script(person: int) -> list[Step]:
    """Consent, then three fields, each with a typed scale value and a typed free text. Applied twice,
    a typed "3" would answer the next question too, and a free text would land on the review."""
    steps = [
        Step("start", lambda _: Start()),
        Step("agree", pressing("agree")),
        Step("age", pressing("adult")),
        Step("fields", lambda _: Command("fields")),
    ]
    for field in FIELDS:
        steps += [
            Step(f"open-{field}", pressing("open", field)),
            Step(f"no-{field}", pressing("pick", "nein")),
            Step(f"tog-{field}", pressing("tog", "sprache")),
            Step(f"done-{field}", pressing("done")),
            Step(f"scale-{field}", lambda _: Text("3")),
            Step(f"text-{field}", lambda _, f=field: Text(f"Person {person} sagt etwas zu {f}")),
            Step(f"send-{field}", pressing("send")),
            Step(f"menu-{field}", lambda _: Command("fields")),
        ]
    return steps


async def reference(conversations: Conversations, person: str, steps: list[Step]) -> list[tuple[str, Input]]:
    """Apply the script once, in order, and note every update's concrete input."""
    outcome: Outcome | None = None
    made: list[tuple[str, Input]] = []
    for step in steps:
        inp = step.make(outcome) if outcome is not None else step.make(Outcome(None, ()))
        outcome = await conversations.handle(person, inp, "de", update=f"ref:{person[-8:]}:{step.key}")
        made.append((step.key, inp))
    return made


async def stored(engine: AsyncEngine, person: str) -> tuple[dict[tuple[str, str], object], int | None]:
    async with session_factory(engine)() as session:
        repo = ConversationRepository(session)
        loaded = await repo.load(person)
        return await repo.answers(person), loaded.state.seq if loaded else None


async def test_two_replicas_apply_every_update_once_and_in_order(
    db: AsyncEngine, db_url: str, sample_catalogue: Catalogue
) -> None:
    second_engine = create_engine(db_url)  # the other replica: its own engine and connection pool
    try:
        replicas = [
            Conversations(Engine(sample_catalogue), session_factory(engine), KEY, translator)
            for engine in (db, second_engine)
        ]
        people = [f"{n:064x}" for n in range(1, 6)]
        # What each person's updates are, made once by applying them in order (under other keys).
        expected = {}
        inputs = {}
        for index, person in enumerate(people):
            twin = f"{index + 100:064x}"
            inputs[person] = await reference(replicas[0], twin, script(index))
            expected[person] = await stored(db, twin)
        rng = random.Random(20261202)
        redelivered = 0

        async def deliver(person: str) -> None:
            nonlocal redelivered
            for key, inp in inputs[person]:
                update = f"telegram:{person[-4:]}:{key}"
                first = rng.choice(replicas)
                if rng.random() < 0.4:  # the first replica "died" before answering: sent again
                    redelivered += 1
                    other = replicas[1] if first is replicas[0] else replicas[0]
                    await asyncio.gather(
                        first.handle(person, inp, "de", update), other.handle(person, inp, "de", update)
                    )
                else:
                    await first.handle(person, inp, "de", update)

        await asyncio.gather(*(deliver(person) for person in people))
        assert redelivered > 10
        for person in people:
            answers, seq = await stored(db, person)
            assert answers == expected[person][0]
            assert seq == expected[person][1]  # not one turn more: nothing was applied twice
            texts = [v for (f, q), v in answers.items() if q == "q_text"]
            assert len(texts) == len(FIELDS)
    finally:
        await second_engine.dispose()


async def test_a_redelivered_update_shows_the_current_view_and_changes_nothing(
    db: AsyncEngine, sample_catalogue: Catalogue
) -> None:
    conversations = Conversations(Engine(sample_catalogue), session_factory(db), KEY, translator)
    person = "a" * 64
    made = await reference(conversations, person, script(1)[:9])  # up to the scale question
    before = await stored(db, person)
    again = await conversations.handle(person, made[-1][1], "de", update=f"ref:{person[-8:]}:{made[-1][0]}")
    assert await stored(db, person) == before
    assert "noch etwas sagen" in again.replies[-1].text  # the question the person is at, shown again
    assert not again.events
