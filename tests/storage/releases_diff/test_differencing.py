"""A new release of a field is refused while it differs from an earlier one by 1 to k-1 people; what
counts as joining, leaving and changing; and the deletion paths that count who left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.locales import translator
from bot.usecases.turns import Conversations
from dialogs.engine import Engine
from dialogs.messages import AnswerSet, Command, FieldCompleted, Press
from storage.conversations import ConversationRepository
from storage.db import session_factory
from storage.models import FieldCompletion, ReleaseRecord
from storage.releases import differencing
from storage.releases.differencing import Refusal
from tests.storage.releases_diff.conftest import FIELD, Clock, K, World


async def released(world: World, partial: bool = False) -> ReleaseRecord:
    outcome = await world.release(partial)
    assert isinstance(outcome, ReleaseRecord), outcome.message() if isinstance(outcome, Refusal) else ""
    return outcome


async def refused(world: World, partial: bool = False) -> Refusal:
    outcome = await world.release(partial)
    assert isinstance(outcome, Refusal), "the release should have been refused"
    return outcome


async def people(world: World, n: int, **how: Any) -> list[str]:
    """`n` people join, one after the other (`how`: as for World.join)."""
    return [await world.join(**how) for _ in range(n)]


async def test_the_first_release_is_allowed(world: World) -> None:
    await people(world, 3)
    first = await released(world)
    assert first.field == FIELD and not first.partial and first.departed == 0


async def test_the_same_data_again_is_allowed(world: World) -> None:
    crowd = await people(world, 8)
    first = await released(world)
    # Sending the field again, and opening things, change nothing in a release.
    await world.send(crowd[0])
    assert await world.changes(first) == 0
    await released(world)
    assert len(await world.records()) == 2


async def test_one_person_deleting_refuses_the_next_release_and_says_why(world: World) -> None:
    crowd = await people(world, 10)
    first = await released(world)
    await world.delete(crowd[3])
    assert await world.changes(first) == 1
    refusal = await refused(world)
    assert (refusal.release_made_at, refusal.changes, refusal.needed) == (first.made_at, 1, K)
    line = refusal.message()
    assert "2026-12-01 12:50" in line and "1 person" in line and f"at least {K}" in line
    assert "\n" not in line
    german = refusal.german()
    assert "Die letzte Freigabe vom 01.12.2026, 12:50 Uhr bleibt gültig" in german
    assert f"mindestens {K} Personen" in german and "(jetzt: 1)" in german
    # The earlier release stays the last one.
    assert [r.made_at for r in await world.records()] == [first.made_at]


@pytest.mark.parametrize("how", ["change", "join", "leave", "switch language", "mixed"])
async def test_k_people_joining_leaving_or_changing_allow_the_next_release(world: World, how: str) -> None:
    crowd = await people(world, 12, answers={"q1": "a", "q2": "ja"})
    first = await released(world)
    for i in range(K):
        kind = how if how != "mixed" else ["change", "join", "leave", "switch language"][i % 4]
        if kind == "change":
            await world.answer(crowd[i], "q1", "b")
        elif kind == "join":
            await world.join()
        elif kind == "leave":
            await world.delete(crowd[i])
        else:
            await world.switch_language(crowd[i], "ar")
        if i < K - 1:
            assert (await refused(world)).changes == i + 1
    assert await world.changes(first) == K
    await released(world)


async def test_changes_about_oneself_count(world: World) -> None:
    crowd = await people(world, 6)
    first = await released(world)
    await world.answer(crowd[0], "bezirk", "pankow", field="about")
    assert await world.changes(first) == 1
    # Answers in another field are not part of this field's release.
    await world.answer(crowd[1], "q1", "b", field="arbeit")
    assert await world.changes(first) == 1


async def test_one_change_counts_once_however_much_it_touches(world: World) -> None:
    crowd = await people(world, 6)
    first = await released(world)
    await world.answer(crowd[0], "q1", "c")
    await world.answer(crowd[0], "q2", "nein")
    await world.answer(crowd[0], "bezirk", "pankow", field="about")
    await world.switch_language(crowd[0], "fa")
    assert await world.changes(first) == 1
    await world.delete(crowd[0])  # and then left: still one person
    assert await world.changes(first) == 1


async def test_a_change_just_before_a_release_counts_as_after_it(world: World, clock: Clock) -> None:
    """It may have been committed only after the release read the data."""
    crowd = await people(world, 6)
    clock.tick()
    await world.answer(crowd[0], "q1", "b")
    clock.now += timedelta(seconds=20)  # the release, 20 seconds after that change was stamped
    async with world.sessions() as session, session.begin():
        first = await differencing.record(session, FIELD, False, False, 6, clock.now)
    assert await world.changes(first) == 1


async def test_c_is_refused_against_a_although_b_allows_it(world: World) -> None:
    earlier = await people(world, 10)
    a = await released(world)
    joined = await people(world, K)
    b = await released(world)  # K joined since A
    for person in [*joined[: K - 1], earlier[0]]:
        await world.delete(person)
    assert await world.changes(b) == K  # all of them were in B
    # Against A: the earlier person left, and one of the newcomers is still here; the other newcomers
    # were never in A and are not anymore.
    assert await world.changes(a) == 2
    refusal = await refused(world)
    assert (refusal.release_made_at, refusal.changes) == (a.made_at, 2)
    assert refusal.latest_made_at == b.made_at
    assert "since the release of 2026-12-01 12:50" in refusal.message()
    german = refusal.german()
    assert f"Die letzte Freigabe vom {b.made_at:%d.%m.%Y}" in german and "seit der Freigabe vom" in german


async def test_joined_after_a_release_and_left_again_is_no_departure_from_it(world: World) -> None:
    await people(world, 6)
    first = await released(world)
    newcomer = await world.join()
    assert await world.changes(first) == 1
    await world.delete(newcomer)
    (stored,) = await world.records()
    assert stored.departed == 0
    assert await world.changes(first) == 0
    await released(world)  # the data is that of the first release again


async def test_purge_counts_departures(world: World, clock: Clock) -> None:
    sleepers = await people(world, K)
    clock.now += timedelta(days=400)
    awake = await people(world, 4)
    first = await released(world)
    assert await world.purge(timedelta(days=365)) == K
    (stored,) = await world.records()
    assert stored.departed == K
    assert await world.changes(first) == K
    async with world.sessions() as session:
        repo = ConversationRepository(session)
        assert [await repo.answers(p) for p in sleepers] == [{}] * K
        assert all([await repo.answers(p) for p in awake])
    await released(world)


async def test_purge_of_one_person_refuses_the_next_release(world: World, clock: Clock) -> None:
    await world.join()  # and then nothing for 400 days
    clock.now += timedelta(days=400)
    await people(world, 6)
    await released(world)
    assert await world.purge(timedelta(days=365)) == 1
    assert (await refused(world)).changes == 1


async def test_a_departure_counts_for_every_release_the_person_was_in(world: World) -> None:
    crowd = await people(world, 6)
    await released(world)
    later = await people(world, K)
    await released(world)
    await world.delete(crowd[0])
    await world.delete(later[0])
    departed = [r.departed for r in await world.records()]
    assert departed == [1, 2]


async def test_sending_again_keeps_the_first_time(world: World) -> None:
    person = await world.join()
    async with world.sessions() as session:
        first = await session.scalar(
            select(FieldCompletion.completed_at).where(FieldCompletion.field == FIELD)
        )
    await world.send(person)
    async with world.sessions() as session:
        again = await session.scalar(
            select(FieldCompletion.completed_at).where(FieldCompletion.field == FIELD)
        )
    assert again == first


async def test_answers_not_sent_do_not_count_against_a_release_of_sent_answers(world: World) -> None:
    """One person deletes while others only start: the sent answers differ by one person."""
    crowd = await people(world, 8)
    await released(world)
    await world.delete(crowd[0])
    starters = await people(world, K, send=False)
    refusal = await refused(world)
    assert refusal.changes == 1 and not refusal.unsubmitted
    # A partial release would show the starters, but its sent answers still differ by one person.
    assert (await refused(world, partial=True)).changes == 1
    for person in starters:
        await world.send(person)  # now they joined the sent answers too
    await released(world)


async def test_partial_releases_compare_the_answers_not_sent_on_their_own(world: World) -> None:
    await people(world, 8)
    starters = await people(world, 6, send=False)
    first = await released(world, partial=True)
    await world.delete(starters[0])
    (stored,) = await world.records()
    assert (stored.departed, stored.departed_unsubmitted) == (1, 1)
    difference = await world.difference(first, partial=True)
    assert (difference.submitted, difference.unsubmitted, difference.people) == (0, 1, 1)
    refusal = await refused(world, partial=True)
    assert refusal.unsubmitted and refusal.changes == 1
    assert "nur angefangenen" in refusal.german() and "not sent" in refusal.message()
    # Without "nur angefangen" answers in the new release nothing is compared with them.
    assert await world.refusal(partial=False) is None
    # A starter who sends leaves the "nur angefangen" answers and joins the sent ones.
    await world.send(starters[1])
    difference = await world.difference(first, partial=True)
    assert (difference.submitted, difference.unsubmitted, difference.people) == (1, 2, 2)


async def test_delete_everything_in_the_conversation_counts_the_departure(
    db: AsyncEngine, engine: Engine
) -> None:
    sessions = session_factory(db)
    conversations = Conversations(engine, sessions, b"p" * 40, translator)
    person = conversations.person("test", 77)
    outcome = await conversations.handle(person, Press(0, "adult"), "de")
    assert outcome.state is not None
    async with sessions() as session, session.begin():
        await ConversationRepository(session).apply(
            person, [AnswerSet(FIELD, "q_yesno", "ja"), FieldCompleted(FIELD)]
        )
    async with sessions() as session, session.begin():
        await differencing.record(session, FIELD, False, False, 1, datetime.now(UTC))
    confirm = await conversations.handle(person, Command("delete"), "de")
    assert confirm.state is not None
    await conversations.handle(person, Press(confirm.state.seq, "forget"), "de")
    async with sessions() as session:
        (stored,) = await differencing.releases(session, FIELD)
    assert stored.departed == 1
