"""The attacks of issue #12 on a release, tried by an attacker written apart from the protection
(tests/storage/releases/attacker.py) and, for the small example, by brute force over whole numbers.

Guarantee (docs/privacy.md): for every count hidden as "small", the published numbers admit a value of
at least k and a value below the true count (or 1): no hidden count can be worked out, none can be told
to be small.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.definitions import NO_ANSWER, Catalogue
from storage.db import session_factory
from storage.releases.build import make_release, release_of
from storage.releases.census import Census, Respondent
from storage.releases.model import FreeText, Release
from storage.releases.tables import language_name
from tests.storage.releases.attacker import MERGED, Found, attack
from tests.storage.releases.support import MITTE, add_person, census, release_text, respondent

ABOUT_BY = {"Bezirk": "bezirk", "Alter": "alter", "Zeit in Deutschland": "zeit_in_de",
            "Geschlecht": "geschlecht", "Herkunftsregion": "herkunft_region"}  # fmt: skip
DISTRICTS = ["mitte", "neukoelln", "pankow"]
LANGUAGES = ["ar", "fa", "uk"]


def about(rng: random.Random) -> dict[str, str]:
    return {
        "bezirk": rng.choice(DISTRICTS),
        "alter": rng.choice(["a18_29", "a30_44"]),
        "zeit_in_de": rng.choice(["j1_2", "j3_4"]),
        "geschlecht": rng.choice(["weiblich", "maennlich"]),
        "herkunft_region": rng.choice(["westasien", "osteuropa"]),
    }


def group_label(catalogue: Catalogue, person: Respondent, by: str) -> str:
    """The German name of the person's group, counted here without the release code's grouping."""
    if by == "Sprache":
        return language_name(person.locale)
    question = catalogue.about.question(ABOUT_BY[by])
    assert question is not None
    value = person.about.get(ABOUT_BY[by])
    if value in (None, NO_ANSWER):
        return "Keine Angabe"
    return question.option_label(str(value)) or str(value)


def true_count(catalogue: Catalogue, census: Census, release: Release, found: Found) -> int:
    """The true count behind a hidden cell, counted from the people."""
    table = next(t for t in release.questions if t.question_id == found.question)
    columns: set[str] = set()
    if found.by is not None:
        breakdown = next(b for b in table.breakdowns if b.by == found.by)
        columns = {c.label for c in breakdown.columns if c.label != MERGED}
    total = 0
    for person in census.people:
        if not person.submitted or found.question not in person.asked:
            continue
        if found.by is not None:
            label = group_label(catalogue, person, found.by)
            if (found.column == MERGED and label in columns) or (
                found.column != MERGED and label != found.column
            ):
                continue
        value = person.answers.get(found.question)
        picked = (
            {str(v) for v in value}
            if isinstance(value, list)
            else {str(value)}
            if value is not None
            else set()
        )
        if found.answer == "answered":
            total += bool(picked) and picked != {NO_ANSWER}
        else:
            total += found.answer in picked
    return total


def assert_protected(catalogue: Catalogue, census: Census, release: Release) -> list[Found]:
    findings = attack(release, census.questionnaire)
    for found in findings:
        true = true_count(catalogue, census, release, found)
        assert 0 < true < release.k, found
        assert found.most >= release.k, (found, true)  # it may be k or more: not told to be small
        assert found.least <= max(1, true - 1), (found, true)  # and less than it is: not worked out
    return findings


# --------------------------------------------------------------------------------------------------
# Working out a suppressed count


def interpreters(real_catalogue: Catalogue) -> Census:
    """The issue's example in the health field: 47 people, four answers of 10 and one of 7."""
    rng = random.Random(47)
    split = ["profi"] * 10 + ["personal"] * 10 + ["familie"] * 10 + ["kind"] * 10 + ["app"] * 7
    health = real_catalogue.get("gesundheit")
    assert health is not None
    people = [
        respondent(
            health,
            {"arzt_zugang": "sehr_leicht", "dolmetsch_gebraucht": "ja", "dolmetsch_wer": who},
            about=about(rng),
            locale=rng.choice(LANGUAGES),
        )
        for who in split
    ]
    return census(real_catalogue, "gesundheit", people)


def compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to write `total` as `parts` whole numbers of at least 1, in order."""
    if parts == 1:
        if total >= 1:
            yield (total,)
        return
    for first in range(1, total - parts + 2):
        for rest in compositions(total - first, parts - 1):
            yield (first, *rest)


def test_47_minus_four_times_10_is_not_7_any_more(real_catalogue: Catalogue) -> None:
    data = interpreters(real_catalogue)
    release = release_of(data, k=10, rng=random.Random(1))
    table = next(t for t in release.questions if t.question_id == "dolmetsch_wer")
    assert table.submitted is not None
    cells = dict(zip([r.answer_id for r in table.rows], table.submitted.cells, strict=True))
    assert cells["app"].count is None and cells["app"].hidden == "small"
    assert table.submitted.base.answered.count == 47 and cells["niemand"].count == 0
    # The subtraction no longer works: another count of the line is hidden too.
    others = [cells[a] for a in ("profi", "personal", "familie", "kind")]
    assert sum(1 for c in others if c.hidden == "protect") >= 1
    # Brute force over the overall table: every way to fill the hidden counts (each at least 1) so that
    # the answers add up to the 47 who answered.
    hidden = [a for a, c in cells.items() if c.count is None]
    shown = sum(c.count or 0 for a, c in cells.items() if a != NO_ANSWER)
    assert NO_ANSWER not in hidden
    apps = {dict(zip(hidden, values, strict=True))["app"] for values in compositions(47 - shown, len(hidden))}
    assert max(apps) >= 10 and min(apps) <= 6
    # And with every table of the release (breakdowns, follow-ups), by integer programming.
    findings = assert_protected(real_catalogue, data, release)
    assert any(f.question == "dolmetsch_wer" and f.answer == "app" and f.by is None for f in findings)


def test_one_and_one_in_a_health_question(real_catalogue: Catalogue) -> None:
    """Two answers given once each: the total minus the rest is 2, so each would be exactly 1."""
    rng = random.Random(2)
    health = real_catalogue.get("gesundheit")
    assert health is not None
    answers = ["ja"] * 20 + ["nein"] * 20 + ["betrifft_nicht", NO_ANSWER]
    people = [
        respondent(health, {"arzt_zugang": "sehr_leicht", "pflege_wissen": a}, about=about(rng), locale="ar")
        for a in answers
    ]
    data = census(real_catalogue, "gesundheit", people)
    release = release_of(data, k=10, rng=random.Random(1))
    table = next(t for t in release.questions if t.question_id == "pflege_wissen")
    assert table.submitted is not None
    cells = dict(zip([r.answer_id for r in table.rows], table.submitted.cells, strict=True))
    assert cells["betrifft_nicht"].hidden == "small" and cells[NO_ANSWER].hidden == "small"
    assert table.submitted.base.no_answer.hidden == "small"
    findings = assert_protected(real_catalogue, data, release)
    assert {f.answer for f in findings if f.question == "pflege_wissen" and f.by is None} >= {
        "betrifft_nicht",
        NO_ANSWER,
    }


def test_no_small_count_of_a_whole_field_can_be_worked_out(real_catalogue: Catalogue) -> None:
    """A field of 60 people answering at random, every table and breakdown: every small count holds."""
    rng = random.Random(60)
    wohnen = real_catalogue.get("wohnen")
    assert wohnen is not None
    people = []
    for _ in range(60):
        answers: dict[str, Any] = {}
        for q in wohnen.questions:
            if q.type == "text":
                continue
            ids = [v for v in q.answer_ids() if v != NO_ANSWER]
            if rng.random() < 0.05 and q.offers_no_answer:
                answers[q.id] = [NO_ANSWER] if q.type == "multi" else NO_ANSWER
            elif q.type == "multi":
                plain = [v for v in ids if v not in q.exclusive_ids()]
                answers[q.id] = rng.sample(plain, rng.randint(1, min(3, q.max_choices)))
            else:
                answers[q.id] = rng.choice(ids)
        people.append(respondent(wohnen, answers, about=about(rng), locale=rng.choice(LANGUAGES)))
    data = census(real_catalogue, "wohnen", people)
    release = release_of(data, k=5, rng=random.Random(1))
    findings = assert_protected(real_catalogue, data, release)
    assert len(findings) > 20  # the data has many small counts, in the tables and the breakdowns
    assert any(t.breakdowns for t in release.questions)  # and the breakdowns are still there


async def test_the_release_from_the_database_holds_against_the_attack(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    data = interpreters(real_catalogue)
    for number, person in enumerate(data.people):
        await add_person(
            db, number, person.answers, field="gesundheit", about=person.about, locale=person.locale
        )
    async with session_factory(db)() as session:
        release = await make_release(session, real_catalogue, "gesundheit", k=5, rng=random.Random(3))
    assert release.k == 10 and release.respondents == 47  # k_for: health needs 10
    assert_protected(real_catalogue, data, release)
    assert (
        release.questions == release_of(data, k=10, rng=random.Random(3)).questions
    )  # same data, same tables


# --------------------------------------------------------------------------------------------------
# Reading the language of a suppressed row from its text


async def test_a_rare_language_is_not_named_and_no_row_pairs_a_text_with_a_person(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    texts = {}
    for number in range(6):
        person = await add_person(db, number, {"wohnform": "eigene_wohnung", "sonstiges": f"Text {number}"})
        texts[person] = f"Text {number}"
        await release_text(db, person, "wohnen", "sonstiges")
    spandau = {**MITTE, "bezirk": "spandau"}
    rare = await add_person(
        db, 99, {"wohnform": "gemeinschaft", "sonstiges": "ወዲ ሓሙሽተ ዓመት"}, about=spandau, locale="ti"
    )
    await release_text(db, rare, "wohnen", "sonstiges")
    async with session_factory(db)() as session:
        release = await make_release(session, real_catalogue, "wohnen", k=5, rng=random.Random(5))
    languages = {t.text: t.language for t in release.texts}
    assert languages["ወዲ ሓሙሽተ ዓመት"] == "andere Sprache"  # one person speaks Tigrinya: fewer than k
    assert {languages[f"Text {n}"] for n in range(6)} == {"Arabisch"}
    # A text carries its question and language, nothing else: no answer, no group, no number.
    assert [f.name for f in dataclasses.fields(FreeText)] == ["question_id", "question", "language", "text"]
    # Nowhere else is the language or the district of that person shown as a group of its own.
    for distribution in release.who:
        assert all(label not in ("Tigrinya", "Spandau") for label, _ in distribution.rows)
    for table in release.questions:
        for breakdown in table.breakdowns:
            assert all(c.label not in ("Tigrinya", "Spandau") for c in breakdown.columns)
