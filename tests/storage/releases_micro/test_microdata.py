"""Row-level data (storage/releases/microdata.py): k-anonymous over the demographics and the answers
together, checked by hand, by pycanon, and by an attacker who knows a person's true answers."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pytest
from pycanon import anonymity

from dialogs.definitions import NO_ANSWER, Catalogue
from storage.releases import microdata
from storage.releases.census import Census, Respondent
from storage.releases.microdata import k_anonymous
from storage.releases.model import Microdata
from tests.storage.releases_micro.people import TEXTS, census

DEMOGRAPHIC_HEADERS = ["Bezirk", "Alter", "Zeit in Deutschland", "Geschlecht", "Herkunftsregion", "Sprache"]
# What the attacker knows of the language a person answered in: its German name.
GERMAN_NAMES = {
    "ar": "Arabisch", "fa": "Persisch", "ku": "Kurdisch", "tr": "Türkisch", "uk": "Ukrainisch",
    "ru": "Russisch", "ps": "Paschtu", "ti": "Tigrinya", "de": "Deutsch", "en": "Englisch",
    "ro": "Rumänisch", "vi": "Vietnamesisch",
}  # fmt: skip
# (field, people, k): a small field, the 47 of the pilot, a large one, and health with its k of 10.
CASES = [
    ("wohnen", 30, 5),
    ("wohnen", 47, 5),
    ("arbeit", 47, 5),
    ("familie", 83, 5),
    ("gesundheit", 120, 10),
    ("demokratie", 200, 5),
    ("wohnen", 200, 5),
]


def _release(catalogue: Catalogue, field_id: str, n: int, k: int, seed: int = 3) -> tuple[Census, Microdata]:
    people = census(catalogue, field_id, n, seed=seed)
    return people, k_anonymous(people, k, random.Random(seed))


def _combinations(release: Microdata) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(row[1:]) for row in release.rows)  # everything but Nr


@pytest.mark.parametrize(("field_id", "n", "k"), CASES)
def test_every_combination_of_all_columns_is_shared_by_at_least_k_rows(
    real_catalogue: Catalogue, field_id: str, n: int, k: int
) -> None:
    _, release = _release(real_catalogue, field_id, n, k)

    assert release.rows, "a realistic field of this size keeps rows"
    assert min(_combinations(release).values()) >= k
    assert len(release.rows) + release.removed_rows == n
    assert release.removed_rows <= n // 10
    assert all(len(row) == len(release.columns) for row in release.rows)


@pytest.mark.parametrize(("field_id", "n", "k"), CASES)
def test_pycanon_finds_the_same_k(real_catalogue: Catalogue, field_id: str, n: int, k: int) -> None:
    _, release = _release(real_catalogue, field_id, n, k)
    names = [column.id for column in release.columns[1:]]
    # As text, with empty cells spelled out: pandas' groupby drops groups whose key holds None.
    frame = pd.DataFrame(
        [["(leer)" if cell is None else str(cell) for cell in row[1:]] for row in release.rows],
        columns=names,
    )

    assert anonymity.k_anonymity(frame, names) >= k


# -- the attack: singling out a row by its answers --------------------------------------------------

# What the attacker reads in the column explanations: which true values each coarse value stands for.
COARSE: Mapping[Any, set[Any]] = {
    "außerhalb Berlins oder unbekannt": {"Ich wohne nicht in Berlin", "Weiß ich nicht", "Keine Angabe", None},
    "unter 30": {"unter 18", "18–29"},
    "30 oder älter": {"30–44", "45–64", "65 oder älter"},
    "unter 3 Jahre": {"unter 1 Jahr", "1 oder 2 Jahre", "1 bis 3 Jahre"},
    "3 Jahre oder mehr": {"3 oder 4 Jahre", "5 bis 9 Jahre", "10 Jahre oder mehr", "3 bis 5 Jahre",
                          "5 bis 10 Jahre", "mehr als 10 Jahre"},
    "1–2": {1, 2},
    "3": {3},
    "4–5": {4, 5},
}  # fmt: skip


def _truth(catalogue: Catalogue, field_id: str, person: Respondent) -> dict[str, Any]:
    """What an attacker who knows this person knows: every demographic and every answer, as the
    person gave it (German labels; a multiple choice as the set of chosen labels)."""
    questionnaire = catalogue.get(field_id)
    assert questionnaire is not None

    def label(question_id: str, value: Any, about: bool) -> Any:
        question = (catalogue.about if about else questionnaire).question(question_id)
        assert question is not None
        if value is None or isinstance(value, int):
            return value
        if isinstance(value, list):
            return frozenset(label(question_id, v, about) for v in value)
        if value == NO_ANSWER:
            return "Keine Angabe"
        return {"ja": "Ja", "nein": "Nein"}.get(value) or question.option_label(value)

    known = {q.id: label(q.id, person.about.get(q.id), True) for q in catalogue.about.questions}
    known["sprache"] = GERMAN_NAMES[person.locale]
    for question in questionnaire.questions:
        if question.type != "text":
            known[question.id] = label(question.id, person.answers.get(question.id), False)
    return known


def _fits(published: Any, true: Any, berlin: set[str]) -> bool:
    """Could a row showing `published` be this person's, whose true value is `true`?"""
    if published == microdata.SUPPRESSED or published == true:
        return True
    if isinstance(true, frozenset):
        return isinstance(published, str) and frozenset(published.split("; ")) == true
    if published == "Berlin":
        return true in berlin
    return published in COARSE and true in COARSE[published]


def _published(release: Microdata) -> list[tuple[dict[str, Any], int]]:
    """The rows as the attacker reads them: by column, equal rows once with their number (Nr tells
    nothing)."""
    ids = [column.id for column in release.columns[1:]]
    rows = Counter(tuple(row[1:]) for row in release.rows)
    return [(dict(zip(ids, row, strict=True)), count) for row, count in rows.items()]


def _candidates(
    published: list[tuple[dict[str, Any], int]],
    known: Mapping[str, Any],
    columns: Sequence[str],
    berlin: set[str],
) -> int:
    """How many rows fit everything the attacker knows in these columns."""
    return sum(count for row, count in published if all(_fits(row[c], known[c], berlin) for c in columns))


@pytest.mark.parametrize(
    ("field_id", "n", "k"), [("wohnen", 47, 5), ("gesundheit", 120, 10), ("arbeit", 200, 5)]
)
def test_an_attacker_who_knows_a_persons_answers_finds_at_least_k_rows_or_none(
    real_catalogue: Catalogue, field_id: str, n: int, k: int
) -> None:
    people, release = _release(real_catalogue, field_id, n, k)
    bezirk = real_catalogue.about.question("bezirk")
    assert bezirk is not None
    berlin = {o.label for o in bezirk.options or []} - {"Ich wohne nicht in Berlin", "Weiß ich nicht"}
    everything = [column.id for column in release.columns[1:]]
    demographics, answers = everything[:6], everything[6:]
    pick = random.Random(7)
    # Everything, only the demographics, only the answers, each column alone, and random mixtures.
    subsets = [everything, demographics, answers, *([c] for c in everything)]
    subsets += [pick.sample(everything, pick.randint(2, len(everything) - 1)) for _ in range(60)]

    published = _published(release)
    not_found = 0
    for person in people.people:
        known = _truth(real_catalogue, field_id, person)
        for columns in subsets:
            found = _candidates(published, known, columns, berlin)
            assert found == 0 or found >= k, (columns, found)
        not_found += _candidates(published, known, everything, berlin) == 0

    # Whoever is in the release hides among at least k rows; only the removed rows are nowhere.
    assert not_found == release.removed_rows


# -- what the rows hold -----------------------------------------------------------------------------


def _by_hand(locale: str, about: dict[str, Any], answers: dict[str, Any]) -> Respondent:
    asked = {"wohnform", "wohnung_suche", "leistungen_bezug", "sonstiges"} | set(answers)
    texts = {q: v for q, v in answers.items() if q == "sonstiges"}  # released, as written
    return Respondent(True, locale, about, answers, frozenset(asked), texts)


def _two_groups(catalogue: Catalogue, k: int) -> Census:
    """Two kinds of people, k of each, alike within their kind: nothing needs coarsening."""
    shelter = _by_hand(
        "ar",
        {"bezirk": "neukoelln", "alter": "a30_44", "zeit_in_de": "j1_2", "geschlecht": "weiblich",
         "herkunft_region": "westasien"},
        {"wohnform": "gemeinschaft", "unterkunft_zufrieden": 2,
         "unterkunft_probleme": ["laerm", "privatsphaere"], "beschwerde_wissen": "nein",
         "wohnung_suche": "ja", "suche_huerden": ["miete_hoch"],
         "leistungen_bezug": "ja", "bescheide_verstehen": 4, "leistungen_probleme": ["keine"],
         "sonstiges": "Ich wohne in der Karl-Marx-Straße 12."},
    )  # fmt: skip
    flat = _by_hand(
        "uk",
        {"bezirk": "lichtenberg", "alter": NO_ANSWER, "zeit_in_de": "j3_4", "geschlecht": "maennlich",
         "herkunft_region": "osteuropa"},
        {"wohnform": "eigene_wohnung", "wohnung_suche": "nein", "leistungen_bezug": "ja",
         "bescheide_verstehen": NO_ANSWER, "leistungen_probleme": ["geld_spaet", "antrag_lang"]},
    )  # fmt: skip
    wohnen = catalogue.get("wohnen")
    assert wohnen is not None
    return Census(wohnen, catalogue.about, [shelter] * k + [flat] * k)


def test_rows_hold_german_labels_and_scales_as_numbers_where_nothing_is_coarsened(
    real_catalogue: Catalogue,
) -> None:
    release = k_anonymous(_two_groups(real_catalogue, 5), 5, random.Random(1))

    assert [c.header for c in release.columns[:7]] == ["Nr", *DEMOGRAPHIC_HEADERS]
    wohnen = real_catalogue.get("wohnen")
    assert wohnen is not None
    questions = [q for q in wohnen.questions if q.type != "text"]
    assert [(c.id, c.header) for c in release.columns[7:]] == [(q.id, q.text) for q in questions]
    assert release.removed_rows == 0
    rows = {tuple(row[1:]) for row in release.rows}
    assert rows == {
        ("Neukölln", "30–44", "1 oder 2 Jahre", "weiblich", "Naher und Mittlerer Osten", "Arabisch",
         "Gemeinschaftsunterkunft", 2, "Zu wenig Privatsphäre; Lärm", "Nein", "Ja", "Mieten zu hoch", "Ja", 4,
         "Keine Probleme"),
        ("Lichtenberg", "Keine Angabe", "3 oder 4 Jahre", "männlich", "Osteuropa", "Ukrainisch",
         "Eigene Wohnung", None, None, None, "Nein", None, "Ja", "Keine Angabe",
         "Geld kam zu spät; Antrag dauerte zu lange"),
    }  # fmt: skip
    scale = {c.id: c for c in release.columns}["unterkunft_zufrieden"]
    assert scale.explanation.startswith("Zahl von 1 (Sehr unzufrieden) bis 5 (Sehr zufrieden).")
    assert "Keine Spalte musste vergröbert werden." in release.notes


@pytest.mark.parametrize(("field_id", "n", "k"), CASES)
def test_scale_columns_hold_numbers_or_bands_as_their_explanation_says(
    real_catalogue: Catalogue, field_id: str, n: int, k: int
) -> None:
    _, release = _release(real_catalogue, field_id, n, k)
    questionnaire = real_catalogue.get(field_id)
    assert questionnaire is not None
    scales = {q.id for q in questionnaire.questions if q.type == "scale"}

    for i, column in enumerate(release.columns):
        if column.id not in scales:
            continue
        cells = {row[i] for row in release.rows}
        if column.explanation.startswith("Zahl von 1"):
            assert cells <= {1, 2, 3, 4, 5, "Keine Angabe", None}
            assert all(type(cell) is int for cell in cells - {"Keine Angabe", None})
        elif column.explanation.startswith("Zusammengefasst"):
            assert cells <= {"1–2", "3", "4–5", "Keine Angabe", None}
        else:
            assert cells == {"*"}


def test_free_texts_times_and_pseudonyms_are_left_out(real_catalogue: Catalogue) -> None:
    _, release = _release(real_catalogue, "wohnen", 200, 5)
    release_by_hand = k_anonymous(_two_groups(real_catalogue, 5), 5, random.Random(1))

    for rel in (release, release_by_hand):
        assert "sonstiges" not in {c.id for c in rel.columns}
        cells = {cell for row in rel.rows for cell in row if isinstance(cell, str)}
        assert not cells & {*TEXTS, "Ich wohne in der Karl-Marx-Straße 12."}
        assert any("Freitexte, Zeitangaben und Pseudonyme" in note for note in rel.notes)
    assert sorted(row[0] for row in release.rows) == list(range(1, len(release.rows) + 1))


def test_a_field_with_fewer_than_k_people_gives_no_rows_and_says_so(real_catalogue: Catalogue) -> None:
    people = census(real_catalogue, "wohnen", 4)
    release = k_anonymous(people, 5, random.Random(1))
    empty = k_anonymous(census(real_catalogue, "wohnen", 0), 5, random.Random(1))

    assert release.rows == [] and release.removed_rows == 4
    assert empty.rows == [] and empty.removed_rows == 0
    assert release.notes[0].startswith("Weniger als 5 Personen haben dieses Handlungsfeld abgeschickt.")
    assert "keine Zeilen" in release.notes[0]
    assert [c.header for c in release.columns[:7]] == ["Nr", *DEMOGRAPHIC_HEADERS]


def test_only_people_who_submitted_are_counted(real_catalogue: Catalogue) -> None:
    with_started = census(real_catalogue, "arbeit", 47, seed=5, unsubmitted=9)
    submitted = Census(
        with_started.questionnaire, with_started.about, [p for p in with_started.people if p.submitted]
    )

    assert _content(k_anonymous(with_started, 5, random.Random(1))) == _content(
        k_anonymous(submitted, 5, random.Random(1))
    )


def _content(release: Microdata) -> tuple[Any, ...]:
    """Everything a release says except the order of its rows and their numbers."""
    rows = sorted((tuple(row[1:]) for row in release.rows), key=repr)
    return release.columns, rows, release.removed_rows, release.notes


@pytest.mark.parametrize(("n", "k"), [(47, 5), (200, 5)])
def test_the_same_data_gives_the_same_release_apart_from_row_order_and_numbers(
    real_catalogue: Catalogue, n: int, k: int
) -> None:
    people = census(real_catalogue, "wohnen", n, seed=11)
    shuffled = list(people.people)
    random.Random(2).shuffle(shuffled)
    again = Census(people.questionnaire, people.about, shuffled)

    first = k_anonymous(people, k, random.Random(1))
    second = k_anonymous(again, k, random.Random(99))

    assert _content(first) == _content(second)
    # The numbers are drawn anew: the same number does not point to the same row twice.
    assert [row[1:] for row in first.rows] != [row[1:] for row in second.rows]


def test_notes_say_per_column_what_was_done_and_how_many_rows_went(real_catalogue: Catalogue) -> None:
    _, release = _release(real_catalogue, "wohnen", 47, 5)
    notes = "\n".join(release.notes)

    assert "k = 5 über die Angaben zur Person und die Antworten zusammen" in notes
    for column in release.columns[1:]:
        subject = column.header if column.header in DEMOGRAPHIC_HEADERS else f"Frage „{column.header}“"
        if column.explanation.startswith("Unterdrückt"):
            assert f"{subject}: unterdrückt (*)." in release.notes
        elif "zusammengefasst" in column.explanation.lower():
            assert any(note.startswith(f"{subject}: zusammengefasst zu") for note in release.notes)
        else:
            assert subject in next(note for note in release.notes if note.startswith("Unverändert: "))
    assert f"{release.removed_rows} von 47 Zeilen wurden entfernt" in notes


@pytest.mark.parametrize(("field_id", "n", "k"), CASES)
def test_no_column_could_show_more_without_costing_more(
    real_catalogue: Catalogue, field_id: str, n: int, k: int
) -> None:
    """Any one column one level more detailed would remove more than 10 % of the rows, or show less
    (fewer columns that still tell the kept rows apart), or keep fewer rows."""
    people = [p for p in census(real_catalogue, field_id, n, seed=3).people if p.submitted]
    questionnaire = real_catalogue.get(field_id)
    assert questionnaire is not None
    attributes = microdata._attributes(real_catalogue.about, questionnaire, people)
    levels = microdata._generalise(attributes, n, k, n // 10)
    chosen = microdata._measure(attributes, levels, k, n)

    for c, level in enumerate(levels):
        if level > 0:
            finer = (*levels[:c], level - 1, *levels[c + 1 :])
            other = microdata._measure(attributes, finer, k, n)
            assert (
                other.removed > n // 10
                or other.detail < chosen.detail
                or (other.detail == chosen.detail and other.removed >= chosen.removed)
            ), attributes[c].id


def test_the_bands_cover_every_option_ever_offered(real_catalogue: Catalogue) -> None:
    for question_id, bands in (("alter", microdata.AGE_BANDS), ("zeit_in_de", microdata.TIME_BANDS)):
        question = real_catalogue.about.question(question_id)
        assert question is not None
        assert {o.id for o in question.options or []} == set(bands)
    bezirk = real_catalogue.about.question("bezirk")
    assert bezirk is not None
    assert {o.id for o in bezirk.options or []} >= microdata.NOT_IN_BERLIN
