"""Reading a field once for a release: who answered, whether they sent it, what was shown to them."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.definitions import Catalogue
from storage.db import session_factory
from storage.models import Answer
from storage.releases.census import take_census
from tests.storage.releases.support import add_person, release_text


async def test_everyone_who_answered_without_pseudonyms(db: AsyncEngine, real_catalogue: Catalogue) -> None:
    sent = await add_person(db, 1, {"wohnform": "gemeinschaft", "unterkunft_zufrieden": 2}, locale="fa")
    await add_person(db, 2, {"wohnform": "eigene_wohnung"}, submitted=False, locale="uk")
    await add_person(db, 3, {"arzt_zugang": "sehr_leicht"}, field="gesundheit")  # another field only
    async with session_factory(db)() as session:
        census = await take_census(session, real_catalogue, "wohnen", rng=random.Random(1))
    assert len(census.people) == 2
    by_locale = {p.locale: p for p in census.people}
    assert by_locale["fa"].submitted and not by_locale["uk"].submitted
    assert by_locale["fa"].about["bezirk"] == "mitte"
    assert by_locale["fa"].answers == {"wohnform": "gemeinschaft", "unterkunft_zufrieden": 2}
    assert sent not in repr(census)  # no pseudonym is kept


async def test_asked_follows_the_answers(db: AsyncEngine, real_catalogue: Catalogue) -> None:
    # In a shared accommodation the follow-ups are shown; in an own flat they are not.
    await add_person(db, 1, {"wohnform": "gemeinschaft", "wohnung_suche": "nein"}, locale="ar")
    await add_person(db, 2, {"wohnform": "eigene_wohnung", "wohnung_suche": "ja"}, locale="fa")
    # Skipped the first question (skips are not stored): its follow-ups cannot be decided, not asked.
    await add_person(db, 3, {"wohnung_suche": "nein"}, locale="uk")
    # Never sent: only what they reached counts as asked.
    await add_person(db, 4, {"wohnform": "eigene_wohnung"}, submitted=False, locale="ru")
    async with session_factory(db)() as session:
        census = await take_census(session, real_catalogue, "wohnen", rng=random.Random(1))
    asked = {p.locale: p.asked for p in census.people}
    assert {"unterkunft_zufrieden", "beschwerde_wissen"} <= asked["ar"]
    assert "suche_huerden" not in asked["ar"]
    assert "unterkunft_zufrieden" not in asked["fa"] and "suche_huerden" in asked["fa"]
    assert "unterkunft_zufrieden" not in asked["uk"] and "wohnform" in asked["uk"]
    assert asked["ru"] == {"wohnform"}


async def test_people_come_in_a_random_order_the_same_for_the_same_seed(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    for number, locale in enumerate(["ar", "fa", "uk", "ru", "tr", "vi", "ro", "ku"]):
        await add_person(db, number, {"wohnform": "eigene_wohnung"}, locale=locale)
    async with session_factory(db)() as session:
        orders = [
            [
                p.locale
                for p in (await take_census(session, real_catalogue, "wohnen", rng=random.Random(s))).people
            ]
            for s in (1, 1, 2)
        ]
    assert orders[0] == orders[1] and orders[0] != orders[2]
    assert sorted(orders[0]) == sorted(orders[2])


async def test_released_texts_are_those_released_as_they_are_now(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    kept = await add_person(db, 1, {"wohnform": "eigene_wohnung", "sonstiges": "Die Heizung ist kaputt."})
    changed = await add_person(db, 2, {"wohnform": "eigene_wohnung", "sonstiges": "Zu laut."}, locale="fa")
    await add_person(db, 3, {"wohnform": "eigene_wohnung", "sonstiges": "Nie gefragt."}, locale="uk")
    await release_text(db, kept, "wohnen", "sonstiges")
    await release_text(db, changed, "wohnen", "sonstiges")
    async with session_factory(db)() as session, session.begin():
        mine = (Answer.pseudonym == changed, Answer.question == "sonstiges")
        await session.execute(update(Answer).where(*mine).values(value="Zu laut, ruf mich an"))
    async with session_factory(db)() as session:
        census = await take_census(session, real_catalogue, "wohnen", rng=random.Random(1))
    released = {p.locale: p.released_texts for p in census.people}
    assert released == {"ar": {"sonstiges": "Die Heizung ist kaputt."}, "fa": {}, "uk": {}}


async def test_an_unknown_field_is_refused(db: AsyncEngine, real_catalogue: Catalogue) -> None:
    async with session_factory(db)() as session:
        for field in ("about", "nichts"):
            with pytest.raises(ValueError, match="unknown field"):
                await take_census(session, real_catalogue, field, rng=random.Random(1))
