"""The tables a working group reads first: counts with their base, scales, merged groups, withheld
questions, and only the answers of people who sent the field."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.definitions import NO_ANSWER, Catalogue
from storage.db import session_factory
from storage.releases import build
from storage.releases.build import make_release, release_of
from storage.releases.census import Census
from storage.releases.model import Cell, Counts, Microdata, QuestionTable, Release
from tests.storage.releases.support import MITTE, add_person, census, respondent


def table(release: Release, question: str) -> QuestionTable:
    return next(t for t in release.questions if t.question_id == question)


def counts(release: Release, question: str) -> dict[str, int | None]:
    found = table(release, question)
    assert found.submitted is not None
    return {r.answer_id: c.count for r, c in zip(found.rows, found.submitted.cells, strict=True)}


def submitted(found: QuestionTable) -> Counts:
    assert found.submitted is not None
    return found.submitted


async def test_only_people_who_sent_the_field_are_counted(db: AsyncEngine, real_catalogue: Catalogue) -> None:
    for number in range(6):
        await add_person(db, number, {"wohnform": "eigene_wohnung", "wohnung_suche": "nein"})
    for number in range(10, 15):
        await add_person(db, number, {"wohnform": "gemeinschaft"}, submitted=False)
    async with session_factory(db)() as session:
        release = await make_release(session, real_catalogue, "wohnen", k=5, rng=random.Random(1),
                                     today=date(2026, 3, 1))  # fmt: skip
    assert release.respondents == 6 and release.started_only is None
    assert counts(release, "wohnform")["eigene_wohnung"] == 6
    assert counts(release, "wohnform")["gemeinschaft"] == 0  # the five who never sent it are not here
    assert table(release, "wohnform").unsubmitted is None
    assert release.made_on == date(2026, 3, 1) and release.title == "Unterbringung, Wohnen und Soziales"
    assert any("abgeschickt" in note for note in release.notes)


async def test_a_partial_release_shows_the_others_apart(db: AsyncEngine, real_catalogue: Catalogue) -> None:
    for number in range(6):
        await add_person(db, number, {"wohnform": "eigene_wohnung", "wohnung_suche": "nein"})
    for number in range(10, 15):
        await add_person(db, number, {"wohnform": "gemeinschaft"}, submitted=False)
    async with session_factory(db)() as session:
        release = await make_release(
            session, real_catalogue, "wohnen", k=5, partial=True, rng=random.Random(1)
        )
    assert release.respondents == 6 and release.started_only == 5
    wohnform = table(release, "wohnform")
    assert submitted(wohnform).cells[[r.answer_id for r in wohnform.rows].index("gemeinschaft")] == Cell(0)
    started = wohnform.unsubmitted  # counted apart, never added to the others
    assert started is not None
    started_counts = {r.answer_id: c.count for r, c in zip(wohnform.rows, started.cells, strict=True)}
    assert started_counts["gemeinschaft"] == 5 and started_counts["eigene_wohnung"] == 0
    assert started.base.asked == Cell(5)
    # They never reached the next question: it was not asked to them, so no started-only numbers there.
    assert table(release, "wohnung_suche").unsubmitted is None
    assert any("nur angefangen" in n.lower() for n in table(release, "wohnung_suche").notes)
    assert any("nur angefangen" in note for note in release.notes)


def field_of(real_catalogue: Catalogue, field: str, answers: list[dict[str, Any]], **kw: Any) -> Census:
    questionnaire = real_catalogue.get(field)
    assert questionnaire is not None
    return census(real_catalogue, field, [respondent(questionnaire, a, **kw) for a in answers])


def test_bases_and_rows(real_catalogue: Catalogue) -> None:
    answers: list[dict[str, Any]] = []
    for number in range(20):
        person: dict[str, Any] = {"wohnform": "gemeinschaft" if number < 12 else "eigene_wohnung"}
        if number < 12:  # the follow-ups of a shared accommodation
            person["unterkunft_probleme"] = ["laerm", "sauberkeit"] if number < 7 else ["laerm", "internet"]
            if number != 1:  # one went on without answering
                person["beschwerde_wissen"] = "ja" if number < 6 else "nein"
        answers.append(person)
    release = release_of(field_of(real_catalogue, "wohnen", answers), k=5, rng=random.Random(1))
    wohnform = table(release, "wohnform")
    ids = [r.answer_id for r in wohnform.rows]
    assert ids[:7] == ["ankunftszentrum", "gemeinschaft", "hostel", "eigene_wohnung", "wg", "bei_bekannten",
                       "ohne_wohnung"] and ids[-1] == NO_ANSWER  # fmt: skip
    assert wohnform.rows[1].label == "Gemeinschaftsunterkunft" and wohnform.rows[-1].label == "Keine Angabe"
    # A follow-up's base: only those it was shown to.
    beschwerde = submitted(table(release, "beschwerde_wissen")).base
    assert (beschwerde.asked, beschwerde.answered, beschwerde.no_answer) == (Cell(12), Cell(11), Cell(0))
    assert counts(release, "beschwerde_wissen") == {"ja": 5, "nein": 6, NO_ANSWER: 0}
    # Multiple choice: a count per option, each at most those who answered; they do not add up to it.
    probleme = submitted(table(release, "unterkunft_probleme"))
    assert (probleme.base.asked, probleme.base.answered, probleme.base.no_answer) == (
        Cell(12),
        Cell(12),
        Cell(0),
    )
    option = counts(release, "unterkunft_probleme")
    assert (option["laerm"], option["sauberkeit"], option["internet"], option["privatsphaere"]) == (
        12,
        7,
        5,
        0,
    )


def test_scales_have_mean_median_and_worded_ends(real_catalogue: Catalogue) -> None:
    values = [1] * 5 + [3] * 5 + [4] * 5 + [5] * 10  # mean 90/25 = 3.6; the 13th of 25 sorted is a 4
    answers = [{"wohnform": "gemeinschaft", "unterkunft_zufrieden": v} for v in values]
    release = release_of(field_of(real_catalogue, "wohnen", answers), k=5, rng=random.Random(1))
    zufrieden = table(release, "unterkunft_zufrieden")
    scale = submitted(zufrieden).scale
    assert scale is not None
    assert (scale.low, scale.high) == ("Sehr unzufrieden", "Sehr zufrieden")
    assert scale.mean == 3.6 and scale.median == 4.0
    assert [r.label for r in zufrieden.rows][:5] == [
        "1 – Sehr unzufrieden", "2 – Unzufrieden", "3 – Mittel", "4 – Zufrieden", "5 – Sehr zufrieden",
    ]  # fmt: skip
    # Fewer than k answered: no mean would tell that every answer was given by fewer than k, so such
    # a scale cannot be shown at all.
    few = [{"wohnform": "gemeinschaft", "unterkunft_zufrieden": 3} for _ in range(4)]
    few += [{"wohnform": "gemeinschaft"} for _ in range(2)]
    release = release_of(field_of(real_catalogue, "wohnen", few), k=5, rng=random.Random(1))
    withheld = table(release, "unterkunft_zufrieden")
    assert withheld.submitted is None and withheld.withheld is not None


def test_small_groups_are_merged_and_none_is_smaller_than_k(real_catalogue: Catalogue) -> None:
    answers = [{"wohnform": "eigene_wohnung", "wohnung_suche": "nein"}]
    people = []
    wohnen = real_catalogue.get("wohnen")
    assert wohnen is not None
    groups = [("mitte", 8), ("neukoelln", 7), ("spandau", 2), ("pankow", 2), ("lichtenberg", 1)]
    for district, size in groups:
        people += [respondent(wohnen, answers[0], about={**MITTE, "bezirk": district}) for _ in range(size)]
    people += [respondent(wohnen, answers[0], about={**MITTE, "bezirk": NO_ANSWER}) for _ in range(6)]
    release = release_of(census(real_catalogue, "wohnen", people), k=5, rng=random.Random(1))
    bezirk = next(d for d in release.who if d.by == "Bezirk")
    assert bezirk.rows == [("Mitte", Cell(8)), ("Neukölln", Cell(7)), ("Keine Angabe", Cell(6)),
                           ("weitere (zusammengefasst)", Cell(5))]  # fmt: skip
    wohnform = next(b for b in table(release, "wohnform").breakdowns if b.by == "Bezirk")
    assert [(c.label, c.asked) for c in wohnform.columns] == [
        (label, cell.count) for label, cell in bezirk.rows
    ]
    assert all(c.asked >= 5 for d in release.questions for b in d.breakdowns for c in b.columns)
    # Only one language: a breakdown by language would be the whole table, so there is none.
    assert all(d.by != "Sprache" for d in release.who)
    assert any("Sprache" in note for note in release.notes)
    assert any("weitere (zusammengefasst)" in note for note in release.notes)


def test_a_question_asked_to_fewer_than_k_is_withheld(real_catalogue: Catalogue) -> None:
    answers = [{"wohnform": "eigene_wohnung"} for _ in range(8)]
    answers += [{"wohnform": "hostel", "unterkunft_zufrieden": 4} for _ in range(3)]
    release = release_of(field_of(real_catalogue, "wohnen", answers), k=5, rng=random.Random(1))
    zufrieden = table(release, "unterkunft_zufrieden")
    assert zufrieden.submitted is None and not zufrieden.breakdowns
    assert zufrieden.withheld is not None and "zum Schutz der Befragten" in zufrieden.withheld
    # Why is not said: "fewer than k were asked" would tell that "hostel" was answered by fewer than k.
    assert "weniger als" not in zufrieden.withheld
    assert counts(release, "wohnform")["hostel"] is None  # 3 people: fewer than k


def test_free_text_questions_have_a_base_only(real_catalogue: Catalogue) -> None:
    answers = [{"wohnform": "eigene_wohnung", "sonstiges": f"Text {n}"} for n in range(3)]
    answers += [{"wohnform": "eigene_wohnung"} for _ in range(4)]
    release = release_of(field_of(real_catalogue, "wohnen", answers), k=5, rng=random.Random(1))
    sonstiges = table(release, "sonstiges")
    assert sonstiges.kind == "text" and sonstiges.rows == [] and sonstiges.breakdowns == []
    assert submitted(sonstiges).base.answered == Cell(3)  # the texts themselves are in their own list
    assert release.held_back_texts == 3 and release.texts == []


def test_the_same_data_gives_the_same_tables(real_catalogue: Catalogue) -> None:
    rng = random.Random(9)
    wohnen = real_catalogue.get("wohnen")
    assert wohnen is not None
    people = [
        respondent(
            wohnen,
            {
                "wohnform": rng.choice(["gemeinschaft", "eigene_wohnung", "wg"]),
                "wohnung_suche": rng.choice(["ja", "nein"]),
            },
            about={**MITTE, "bezirk": rng.choice(["mitte", "pankow", "spandau"])},
        )
        for _ in range(40)
    ]
    first = release_of(census(real_catalogue, "wohnen", people), k=5, rng=random.Random(1))
    shuffled = list(people)
    random.Random(2).shuffle(shuffled)
    second = release_of(census(real_catalogue, "wohnen", shuffled), k=5, rng=random.Random(2))
    assert first.questions == second.questions and first.who == second.who


def test_microdata_only_on_request_from_submitted_people_and_alone(
    real_catalogue: Catalogue, monkeypatch: Any
) -> None:
    seen: list[tuple[Census, int]] = []

    def k_anonymous(data: Census, k: int, rng: random.Random) -> Microdata:
        seen.append((data, k))
        return Microdata(columns=[], rows=[], removed_rows=0, notes=["geprüft"])

    monkeypatch.setattr(build, "k_anonymous", k_anonymous)
    wohnen = real_catalogue.get("wohnen")
    assert wohnen is not None
    people = [respondent(wohnen, {"wohnform": "wg"}) for _ in range(6)]
    people += [respondent(wohnen, {"wohnform": "wg"}, submitted=False) for _ in range(2)]
    data = census(real_catalogue, "wohnen", people)
    tables = release_of(data, k=5, rng=random.Random(1))
    assert tables.microdata is None and tables.questions and not seen
    release = release_of(data, k=5, microdata=True, rng=random.Random(1))
    assert release.microdata is not None and release.microdata.notes == ["geprüft"]
    assert len(seen) == 1 and seen[0][1] == 5
    assert len(seen[0][0].people) == 6 and all(p.submitted for p in seen[0][0].people)
    # Rows come alone: next to the tables they would narrow the tables' hidden counts.
    assert release.questions == [] and release.who == [] and release.texts == []
    assert "nur Einzeldaten" in release.notes[0]
