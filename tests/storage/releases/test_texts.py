"""Free texts as their own list: only released ones, scrubbed, shuffled, cut off from everything else."""

from __future__ import annotations

import random

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.definitions import Catalogue
from storage.db import session_factory
from storage.models import Answer
from storage.releases.build import make_release, release_of
from storage.releases.texts import free_texts
from tests.storage.releases.support import add_person, census, release_text, respondent


async def test_only_released_texts_scrubbed_with_question_and_language(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    released = await add_person(
        db, 1, {"wohnform": "wg", "sonstiges": "Ruf mich an: 0151 2345678"}, locale="uk"
    )
    await add_person(db, 2, {"wohnform": "wg", "sonstiges": "Noch nicht geprüft."}, locale="uk")
    for number in range(3, 8):
        await add_person(db, number, {"wohnform": "wg"}, locale="uk")
    await release_text(db, released, "wohnen", "sonstiges", lambda t: t.replace("0151 2345678", "[TELEFON]"))
    async with session_factory(db)() as session:
        release = await make_release(session, real_catalogue, "wohnen", k=5, rng=random.Random(1))
    assert [(t.question_id, t.language, t.text) for t in release.texts] == [
        ("sonstiges", "Ukrainisch", "Ruf mich an: [TELEFON]")
    ]
    assert release.texts[0].question.startswith("Möchten Sie noch etwas")
    assert release.held_back_texts == 1
    assert any("Freitexte" in note and "geprüft" in note for note in release.notes)


def test_the_list_is_shuffled_and_texts_of_one_person_do_not_stay_together(real_catalogue: Catalogue) -> None:
    # Two text questions would let neighbours in the list be one person's: the whole list is shuffled.
    arbeit = real_catalogue.get("wohnen")
    assert arbeit is not None
    people = [
        respondent(arbeit, {"wohnform": "wg", "sonstiges": f"Person {n}"}, released=frozenset({"sonstiges"}))
        for n in range(30)
    ]
    data = census(real_catalogue, "wohnen", people)
    first, _ = free_texts(data, 5, rng=random.Random(1))
    again, _ = free_texts(data, 5, rng=random.Random(1))
    other, _ = free_texts(data, 5, rng=random.Random(2))
    order = [t.text for t in first]
    assert sorted(order) == sorted(f"Person {n}" for n in range(30))
    assert order != [f"Person {n}" for n in range(30)]  # not in the census's order
    assert order == [t.text for t in again] and order != [t.text for t in other]


def test_texts_of_people_who_did_not_send_count_only_in_a_partial_release(real_catalogue: Catalogue) -> None:
    wohnen = real_catalogue.get("wohnen")
    assert wohnen is not None
    sent = [
        respondent(wohnen, {"wohnform": "wg", "sonstiges": "abgeschickt"}, released=frozenset({"sonstiges"}))
    ]
    sent += [respondent(wohnen, {"wohnform": "wg"}) for _ in range(5)]
    started = respondent(wohnen, {"wohnform": "wg", "sonstiges": "angefangen"}, submitted=False,
                         released=frozenset({"sonstiges"}))  # fmt: skip
    data = census(real_catalogue, "wohnen", [*sent, started])
    assert [t.text for t in release_of(data, k=5, rng=random.Random(1)).texts] == ["abgeschickt"]
    partial = release_of(data, k=5, partial=True, rng=random.Random(1))
    assert sorted(t.text for t in partial.texts) == ["abgeschickt", "angefangen"]


def test_a_language_fewer_than_k_share_is_another_language(real_catalogue: Catalogue) -> None:
    wohnen = real_catalogue.get("wohnen")
    assert wohnen is not None
    text = frozenset({"sonstiges"})
    people = [
        respondent(wohnen, {"wohnform": "wg", "sonstiges": "ar"}, locale="ar", released=text)
        for _ in range(5)
    ]
    people += [
        respondent(wohnen, {"wohnform": "wg", "sonstiges": "fa"}, locale="fa", released=text)
        for _ in range(4)
    ]
    texts, _ = free_texts(census(real_catalogue, "wohnen", people), 5, rng=random.Random(1))
    assert {(t.text, t.language) for t in texts} == {("ar", "Arabisch"), ("fa", "andere Sprache")}


async def test_a_released_text_without_a_scrubbed_form_of_its_current_version_is_held_back(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    """The release never scrubs and never shows a text as written: no stored form, no text. Nor does an
    older text's form stand in for the current one."""
    unscrubbed = await add_person(db, 1, {"wohnform": "wg", "sonstiges": "Nie gescrubbt."}, locale="uk")
    changed = await add_person(db, 2, {"wohnform": "wg", "sonstiges": "Alter Text."}, locale="uk")
    kept = await add_person(db, 3, {"wohnform": "wg", "sonstiges": "Bleibt."}, locale="uk")
    for number in range(4, 8):
        await add_person(db, number, {"wohnform": "wg"}, locale="uk")
    await release_text(db, unscrubbed, "wohnen", "sonstiges", scrub=None)
    await release_text(db, changed, "wohnen", "sonstiges", lambda t: f"gescrubbt: {t}")
    await release_text(db, kept, "wohnen", "sonstiges", lambda t: f"gescrubbt: {t}")
    async with session_factory(db)() as session, session.begin():
        # Written past the repository, which would clear the form; then released again as it is now.
        mine = (Answer.pseudonym == changed, Answer.question == "sonstiges")
        await session.execute(update(Answer).where(*mine).values(value="Neuer Text."))
    await release_text(db, changed, "wohnen", "sonstiges", scrub=None)
    async with session_factory(db)() as session:
        release = await make_release(session, real_catalogue, "wohnen", k=5, rng=random.Random(1))
    assert [t.text for t in release.texts] == ["gescrubbt: Bleibt."]
    assert release.held_back_texts == 2
