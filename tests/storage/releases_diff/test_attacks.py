"""The attacks of issue #12 on two releases, against the rule: "subtracting two releases" (per-answer
counts, overall and by language and district) and "joining two releases" (rows matched by content).

The attacker holds every number of two releases of the same field. First each attack is shown to work
on data that differ by one person; then a simulated stretch of people joining, starting, sending,
changing, switching language, deleting and being purged, with releases asked for in between, shows that
the rule refuses exactly the releases that would differ from an earlier one by 1 to k-1 people, so
that between any two releases that were made the difference is none or mixes at least k people.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from storage.models import ReleaseRecord
from tests.storage.releases_diff.conftest import K, Part, Snapshot, World, differing

QUESTIONS: dict[str, list[Any]] = {"q1": ["a", "b", "c"], "q2": ["ja", "nein"], "q3": [1, 2, 3, 4, 5]}
DISTRICTS = ["mitte", "pankow", "neukoelln"]
LOCALES = ["de", "ar", "fa", "uk"]


def subtract(after: Snapshot, before: Snapshot) -> Counter[tuple[Any, ...]]:
    """The attacker's subtraction: every published count of `after` minus the same count of `before`."""
    difference = after.counts()
    difference.subtract(before.counts())
    return Counter({key: n for key, n in difference.items() if n != 0})


def rows(people: dict[str, Part]) -> Counter[Part]:
    """A release's rows as the attacker sees them: contents without any identifier."""
    return Counter(people.values())


def joined(before: Snapshot, after: Snapshot) -> tuple[Counter[Part], Counter[Part]]:
    """The attacker's join by content: the rows of `before` that have no match in `after`, and back."""
    return rows(before.sent) - rows(after.sent), rows(after.sent) - rows(before.sent)


def random_answers(rng: random.Random) -> dict[str, Any]:
    return {q: rng.choice(values) for q, values in QUESTIONS.items()}


async def crowd(world: World, rng: random.Random, n: int) -> list[str]:
    return [
        await world.join(
            answers=random_answers(rng),
            about={"bezirk": rng.choice(DISTRICTS)},
            locale=rng.choice(LOCALES),
        )
        for _ in range(n)
    ]


async def test_subtracting_two_releases(world: World) -> None:
    rng = random.Random(12)
    people = await crowd(world, rng, 12)
    first = await world.release()
    assert isinstance(first, ReleaseRecord)
    before = await world.snapshot(partial=False)
    leaving = people[5]
    await world.delete(leaving)
    would_be = await world.snapshot(partial=False)
    # On the data, the attack works: what went missing is exactly the answers of the one who left,
    # with their language and district.
    lost = subtract(would_be, before)
    locale, about, answers = before.sent[leaving]
    assert lost == Counter(
        {key: -1 for q, v in answers for key in _cells(q, v, locale, dict(about)["bezirk"])}
    )
    # The rule does not let it be released.
    assert not isinstance(await world.release(), ReleaseRecord)
    # Once K people joined, left or changed, it does, and the difference mixes all of them.
    for person in people[:2]:
        await world.answer(person, "q1", "c" if before.sent[person][2][0][1] != "c" else "a")
    await crowd(world, rng, 2)
    assert isinstance(await world.release(), ReleaseRecord)
    after = await world.snapshot(partial=False)
    assert len(differing(before.sent, after.sent)) == K
    assert subtract(after, before) != lost


def _cells(question: str, value: Any, locale: str, district: str) -> list[tuple[Any, ...]]:
    return [
        ("sent", question, value),
        ("sent", question, value, "locale", locale),
        ("sent", question, value, "bezirk", district),
    ]


async def test_joining_two_releases(world: World) -> None:
    rng = random.Random(44)
    people = await crowd(world, rng, 12)
    assert isinstance(await world.release(), ReleaseRecord)
    before = await world.snapshot(partial=False)
    for person in people[:3]:  # the case: 3 people deleted their data
        await world.delete(person)
    would_be = await world.snapshot(partial=False)
    # On the data, the attack works: joining the rows by content shows whose rows went.
    went, came = joined(before, would_be)
    assert went == Counter(before.sent[p] for p in people[:3]) and not came
    assert not isinstance(await world.release(), ReleaseRecord)


@dataclass
class Stretch:
    """What a simulated stretch of time did: the releases made (the truth of what each holds) and how
    many were refused."""

    made: list[Snapshot] = field(default_factory=list)
    refused: int = 0


def too_close(earlier: Snapshot, now: Snapshot) -> bool:
    """Whether a release `now` would differ from `earlier` by 1 to K-1 people, table family by table
    family: the sent answers, and the "nur angefangen" ones when both releases show them."""
    families = [differing(earlier.sent, now.sent)]
    if earlier.partial and now.partial:
        families.append(differing(earlier.unsent, now.unsent))
    return any(0 < len(people) < K for people in families)


async def simulate(world: World, seed: int, steps: int = 60) -> Stretch:
    """People come and go at random; after most steps a release (partial or not) is asked for. Each
    time, the rule's answer must be the truth's.

    A change is always to something the person never had: a change back to an earlier answer counts
    as a change although it is none (the rule keeps times, not contents; docs/privacy.md)."""
    rng = random.Random(seed)
    had: dict[str, dict[str, set[Any]]] = {}  # person -> question (or "bezirk", "locale") -> values had

    async def arrive(answers: dict[str, Any], send: bool) -> str:
        about, locale = {"bezirk": rng.choice(DISTRICTS)}, rng.choice(LOCALES)
        person = await world.join(answers=answers, about=about, locale=locale, send=send)
        had[person] = {key: {value} for key, value in {**answers, **about, "locale": locale}.items()}
        return person

    def new_value(person: str, key: str, values: list[Any]) -> Any | None:
        fresh = [v for v in values if v not in had[person].setdefault(key, set())]
        if not fresh:
            return None
        value = rng.choice(fresh)
        had[person][key].add(value)
        return value

    here = [await arrive(random_answers(rng), send=True) for _ in range(14)]
    sent = set(here)
    here += [await arrive({"q1": rng.choice(QUESTIONS["q1"])}, send=False) for _ in range(3)]
    stretch = Stretch()
    for _ in range(steps):
        action = rng.choices(
            ["join", "start", "send", "send again", "change", "about", "language", "delete", "purge"],
            weights=[12, 6, 6, 3, 22, 5, 5, 12, 2],
        )[0]
        person = rng.choice(here) if here else None
        if action == "join":
            here.append(await arrive(random_answers(rng), send=True))
            sent.add(here[-1])
        elif action == "start":
            here.append(await arrive({"q2": rng.choice(QUESTIONS["q2"])}, send=False))
        elif action == "send" and set(here) - sent:
            person = rng.choice(sorted(set(here) - sent))
            await world.send(person)
            sent.add(person)
        elif action == "send again" and sent:
            await world.send(rng.choice(sorted(sent)))  # changes nothing in any release
        elif action == "change" and person is not None:
            question, values = rng.choice(list(QUESTIONS.items()))
            if (value := new_value(person, question, values)) is not None:
                await world.answer(person, question, value)
        elif action == "about" and person is not None:
            if (value := new_value(person, "bezirk", DISTRICTS)) is not None:
                await world.answer(person, "bezirk", value, "about")
        elif action == "language" and person is not None:
            if (value := new_value(person, "locale", LOCALES)) is not None:
                await world.switch_language(person, value)
        elif action == "delete" and person is not None:
            await world.delete(person)
            here.remove(person)
            sent.discard(person)
        elif action == "purge":
            # Everyone whose conversation has not moved for six hours (since joining or a switch).
            await world.purge(timedelta(hours=6))
            now = await world.snapshot(partial=True)
            here = [p for p in here if p in now.sent or p in now.unsent]
            sent &= set(here)
        if rng.random() < 0.6:
            partial = rng.random() < 0.3
            world.clock.tick()
            truth = await world.snapshot(partial)
            expected = any(too_close(earlier, truth) for earlier in stretch.made)
            refusal = await world.refusal(partial)
            assert (refusal is not None) == expected, (action, refusal, len(stretch.made))
            if refusal is None:
                await world.release_now(partial)
                stretch.made.append(truth)
            else:
                stretch.refused += 1
    return stretch


async def test_no_two_releases_can_be_subtracted_to_fewer_than_k_people(world: World) -> None:
    stretch = await simulate(world, seed=1)
    assert len(stretch.made) >= 4 and stretch.refused >= 10  # the stretch tried the rule both ways
    for i, earlier in enumerate(stretch.made):
        for later in stretch.made[i + 1 :]:
            mixed = differing(earlier.sent, later.sent)
            assert len(mixed) == 0 or len(mixed) >= K
            if not mixed:  # the same people with the same answers: the same numbers
                sent_only = [Snapshot(r.made_at, False, r.sent, {}) for r in (later, earlier)]
                assert subtract(*sent_only) == Counter()
            if earlier.partial and later.partial:
                unsent = differing(earlier.unsent, later.unsent)
                assert len(unsent) == 0 or len(unsent) >= K


async def test_no_two_releases_can_be_joined_to_fewer_than_k_people(world: World) -> None:
    stretch = await simulate(world, seed=2)
    assert len(stretch.made) >= 4 and stretch.refused >= 10
    for i, earlier in enumerate(stretch.made):
        for later in stretch.made[i + 1 :]:  # any two releases, not only one after the other
            went, came = joined(earlier, later)
            behind = differing(earlier.sent, later.sent)
            # Every row that went or came is someone who joined, left or changed, and there are
            # none of them or at least K (rows of people who swapped answers can match each other).
            assert len(went) + len(came) <= 2 * len(behind)
            assert len(behind) == 0 or len(behind) >= K
