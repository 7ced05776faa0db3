"""Releases built by hand, as the release builder would hand them to the writers: the real catalogue's
question texts and answers, counts already protected (hidden cells carry no number), breakdowns,
a withheld question, free texts in several scripts and row-level data.

The numbers are made up but hang together the way a working group would check them: shown counts
never exceed their base, merged groups are at least k big.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Literal

from dialogs.definitions import NO_ANSWER, Catalogue, Question, Questionnaire
from dialogs.scales import german_words
from storage.releases.model import (
    Base,
    Breakdown,
    Cell,
    Column,
    Counts,
    Distribution,
    FreeText,
    MicroColumn,
    Microdata,
    QuestionTable,
    Release,
    Row,
    ScaleSummary,
)

Count = int | Literal["small", "protect"]
# As storage/releases/protection.py words it: the reason must not tell whether the counts were small.
WITHHELD = (
    "Die Antworten auf diese Frage werden zum Schutz der Befragten nicht gezeigt: Es sind zu wenige, um "
    "sie ohne Rückschluss auf einzelne Personen zu zeigen."
)
SMALL: Count = "small"
PROTECT: Count = "protect"


def cell(value: Count) -> Cell:
    if value == "small" or value == "protect":
        return Cell(None, value)
    return Cell.shown(value)


def base(asked: Count, answered: Count, no_answer: Count) -> Base:
    return Base(cell(asked), cell(answered), cell(no_answer))


def question(field: Questionnaire, question_id: str) -> Question:
    found = field.question(question_id)
    assert found is not None, question_id
    return found


def rows(q: Question) -> list[Row]:
    """The question's answers with their German labels, retired ones last, as the builder lists them."""
    labels: dict[str, str] = {"ja": "Ja", "nein": "Nein", NO_ANSWER: "Keine Angabe"}
    if q.type == "scale":
        assert q.words is not None
        labels |= {str(n): word for n, word in enumerate(german_words(q.words), 1)}
    result = [Row(str(v), q.option_label(str(v)) or labels[str(v)]) for v in q.answer_ids()]
    result += [Row(r, q.option_label(r) or r, retired=True) for r in q.retired_ids()]
    return result


def table(
    field: Questionnaire,
    question_id: str,
    counts: dict[str, Count],
    the_base: Base,
    *,
    scale: ScaleSummary | None = None,
    breakdowns: list[Breakdown] | None = None,
    unsubmitted: Counts | None = None,
    extra_rows: list[Row] | None = None,
    notes: list[str] | None = None,
) -> QuestionTable:
    q = question(field, question_id)
    answers = rows(q) + (extra_rows or [])
    assert set(counts) == {r.answer_id for r in answers}, (
        question_id,
        set(counts) ^ {r.answer_id for r in answers},
    )
    return QuestionTable(
        question_id=q.id,
        text=q.text,
        kind=q.type,
        rows=answers,
        submitted=Counts(the_base, [cell(counts[r.answer_id]) for r in answers], scale),
        breakdowns=breakdowns or [],
        unsubmitted=unsubmitted,
        notes=notes or [],
    )


def counts_for(
    answers: list[Row], counts: dict[str, Count], the_base: Base, scale: ScaleSummary | None = None
) -> Counts:
    return Counts(the_base, [cell(counts[r.answer_id]) for r in answers], scale)


def breakdown(
    by: str, groups: list[tuple[str, int]], grid: list[list[Count]], means: list[float | None] | None = None
) -> Breakdown:
    return Breakdown(
        by=by,
        columns=[Column(label, asked) for label, asked in groups],
        cells=[[cell(v) for v in line] for line in grid],
        means=means or [],
    )


# Texts as review releases them: scrubbed (placeholders in brackets), in the person's own script.
WOHNEN_TEXTS = [
    ("Arabisch", "السكن في [ADRESSE] صغير جدا ولا يوجد مكان للأطفال للدراسة."),
    ("Persisch (Dari)", "در کمپ شب‌ها خیلی سر و صدا است و نمی‌توانم بخوابم.\nلطفاً کمک کنید."),
    ("Ukrainisch", "Шукаємо квартиру вже рік, але без SCHUFA ніхто не відповідає."),
    ("Russisch", "Сотрудники общежития грубые, жаловаться боимся."),
    (
        "Deutsch",
        '=HYPERLINK("http://example.org";"Hier klicken") – die Miete ist zu hoch & das Amt zahlt nicht.',
    ),
    ("andere Sprache", "<script>alert('x')</script> Wir brauchen mehr Wohnungen für Familien."),
    ("Arabisch", "- مكتب جوب سنتر لا يرد على الهاتف أبدا"),
]


def wohnen(catalogue: Catalogue, *, microdata: bool = True) -> Release:
    """A full release of "Unterbringung, Wohnen und Soziales": 47 people submitted, k = 5."""
    field = catalogue.get("wohnen")
    assert field is not None
    by_district = [("Neukölln", 14), ("Mitte", 11), ("Friedrichshain-Kreuzberg, Lichtenberg und andere", 22)]
    by_language = [("Arabisch", 18), ("Persisch (Dari)", 12), ("Ukrainisch", 9), ("andere Sprachen", 8)]
    wohnform = table(
        field,
        "wohnform",
        {
            "ankunftszentrum": 6,
            "gemeinschaft": 19,
            "hostel": SMALL,
            "eigene_wohnung": 9,
            "wg": PROTECT,
            "bei_bekannten": 5,
            "ohne_wohnung": 0,
            NO_ANSWER: SMALL,
            "container": 0,
        },
        base(47, PROTECT, SMALL),
        extra_rows=[Row("container", "Containerdorf (MUF)", retired=True)],
        breakdowns=[
            breakdown(
                "Bezirk",
                by_district,
                [
                    [SMALL, 0, PROTECT],
                    [6, 5, 8],
                    [0, SMALL, PROTECT],
                    [PROTECT, SMALL, 5],
                    [0, 0, SMALL],
                    [SMALL, 0, SMALL],
                    [0, 0, 0],
                    [0, SMALL, SMALL],
                    [0, 0, 0],
                ],
            ),
            breakdown(
                "Sprache",
                by_language,
                [
                    [SMALL, SMALL, 0, SMALL],
                    [9, 5, PROTECT, SMALL],
                    [0, SMALL, SMALL, 0],
                    [PROTECT, SMALL, 0, PROTECT],
                    [0, 0, SMALL, SMALL],
                    [SMALL, 0, SMALL, SMALL],
                    [0, 0, 0, 0],
                    [SMALL, 0, SMALL, 0],
                    [0, 0, 0, 0],
                ],
            ),
        ],
    )
    zufrieden = table(
        field,
        "unterkunft_zufrieden",
        {"1": 5, "2": 6, "3": 7, "4": SMALL, "5": PROTECT, NO_ANSWER: 0},
        base(27, 25, 0),
        scale=ScaleSummary("Sehr unzufrieden", "Sehr zufrieden", 2.72, 3.0),
        notes=[
            "Keine Aufschlüsselung nach Bezirk: Die Gruppen sind zu klein, um ihre Antworten auf diese "
            "Frage geschützt zu zeigen."
        ],
        breakdowns=[
            breakdown(
                "Alter",
                [("18–29", 10), ("30–44", 11), ("45 oder älter", 6)],
                [
                    [SMALL, SMALL, SMALL],
                    [SMALL, SMALL, SMALL],
                    [SMALL, SMALL, SMALL],
                    [SMALL, 0, SMALL],
                    [0, SMALL, PROTECT],
                    [0, 0, 0],
                ],
                means=[2.5, 2.91, None],
            )
        ],
    )
    probleme = table(
        field,
        "unterkunft_probleme",
        {
            "privatsphaere": 17,
            "laerm": 14,
            "sauberkeit": 9,
            "kueche_bad": 8,
            "sicherheit": SMALL,
            "lernplatz": 6,
            "internet": 11,
            "personal": PROTECT,
            "lage": SMALL,
            "nichts": 0,
            NO_ANSWER: SMALL,
        },
        base(27, 24, SMALL),
    )
    beschwerde = table(
        field, "beschwerde_wissen", {"ja": 9, "nein": 16, NO_ANSWER: SMALL}, base(27, PROTECT, SMALL)
    )
    suche = table(field, "wohnung_suche", {"ja": 30, "nein": 15, NO_ANSWER: SMALL}, base(47, PROTECT, SMALL))
    huerden = table(
        field,
        "suche_huerden",
        {
            "zu_wenige": 22,
            "miete_hoch": 19,
            "wbs": 8,
            "kostenuebernahme": 12,
            "dokumente": 10,
            "absagen": 14,
            "betrug": SMALL,
            "sprache": 9,
            "wie_suchen": 5,
            NO_ANSWER: 0,
        },
        base(30, 30, 0),
    )
    bezug = table(
        field, "leistungen_bezug", {"ja": 38, "nein": 6, NO_ANSWER: SMALL}, base(47, PROTECT, SMALL)
    )
    verstehen = table(
        field,
        "bescheide_verstehen",
        {"1": 8, "2": 11, "3": 9, "4": 6, "5": SMALL, NO_ANSWER: SMALL},
        base(38, PROTECT, SMALL),
        scale=ScaleSummary("Gar nicht", "Sehr gut", 2.47, 2.0),
    )
    probleme_geld = replace(
        table(
            field,
            "leistungen_probleme",
            {r.answer_id: 0 for r in rows(question(field, "leistungen_probleme"))},
            base(0, 0, 0),
        ),
        submitted=None,
        breakdowns=[],
        withheld=WITHHELD,
    )
    sonstiges_q = question(field, "sonstiges")
    sonstiges = QuestionTable(
        question_id=sonstiges_q.id,
        text=sonstiges_q.text,
        kind="text",
        rows=[],
        submitted=Counts(base(47, 19, 0), []),
    )
    texts = [FreeText("sonstiges", sonstiges_q.text, language, text) for language, text in WOHNEN_TEXTS]
    about = catalogue.get("about")
    assert about is not None
    who = [
        Distribution("Bezirk", [("Neukölln", cell(14)), ("Mitte", cell(11)), ("andere Bezirke", cell(22))]),
        Distribution("Alter", [("18–29", cell(15)), ("30–44", cell(21)), ("45 oder älter", cell(11))]),
        Distribution(
            "Zeit in Deutschland",
            [
                ("unter 1 Jahr", cell(8)),
                ("1 oder 2 Jahre", cell(17)),
                ("3 Jahre oder mehr", cell(PROTECT)),
                ("Keine Angabe", cell(SMALL)),
            ],
        ),
        Distribution(
            "Geschlecht", [("weiblich", cell(20)), ("männlich", cell(24)), ("Keine Angabe", cell(SMALL))]
        ),
        Distribution(
            "Herkunftsregion",
            [
                ("Naher und Mittlerer Osten", cell(26)),
                ("Zentral- und Südasien", cell(12)),
                ("Osteuropa", cell(9)),
            ],
        ),
        Distribution(
            "Sprache",
            [
                ("Arabisch", cell(18)),
                ("Persisch (Dari)", cell(12)),
                ("Ukrainisch", cell(9)),
                ("andere Sprachen", cell(8)),
            ],
        ),
    ]
    micro = None
    if microdata:
        micro = Microdata(
            columns=[
                MicroColumn(
                    "bezirk",
                    question(about, "bezirk").text,
                    "Bezirke mit weniger als 5 Personen: „anderer Bezirk“.",
                ),
                MicroColumn(
                    "alter", question(about, "alter").text, "In drei Gruppen: 18–29, 30–44, 45 oder älter."
                ),
                MicroColumn(
                    "wohnform", wohnform.text, "Antwort-ID; Hostel und WG als „andere“ zusammengefasst."
                ),
                MicroColumn(
                    "unterkunft_zufrieden",
                    zufrieden.text,
                    "1 = Sehr unzufrieden … 5 = Sehr zufrieden; leer: nicht gefragt.",
                ),
                MicroColumn("wohnung_suche", suche.text, "ja, nein oder no_answer."),
            ],
            rows=[
                [district, age, form, score, search]
                for district, age, form, score, search in [
                    ("neukoelln", "18–29", "gemeinschaft", 2, "ja"),
                    ("mitte", "30–44", "eigene_wohnung", None, "nein"),
                    ("anderer Bezirk", "45 oder älter", "gemeinschaft", 3, "ja"),
                    ("neukoelln", "30–44", "ankunftszentrum", 1, "ja"),
                    ("mitte", "18–29", "andere", None, "ja"),
                ]
                * 8
            ],
            removed_rows=7,
            notes=[
                "Bezirke, Alter und Wohnform sind vergröbert, bis jede Zeile ihre Kombination mit "
                "mindestens 4 anderen teilt.",
                "Freitexte fehlen in den Einzeldaten.",
            ],
        )
    return Release(
        field_id="wohnen",
        title=field.title,
        k=5,
        made_on=date(2026, 12, 2),
        respondents=47,
        started_only=None,
        questions=[
            wohnform,
            zufrieden,
            probleme,
            beschwerde,
            suche,
            huerden,
            bezug,
            verstehen,
            probleme_geld,
            sonstiges,
        ],
        who=who,
        texts=texts,
        held_back_texts=3,
        notes=[
            "Zahlen unter 5 sind verdeckt; weitere Zahlen sind verdeckt, damit sich keine verdeckte Zahl "
            "ausrechnen lässt (geprüft mit einem linearen Programm).",
            "Freitexte: Telefonnummern, Adressen (auch in arabischer, persischer und kyrillischer Schrift), "
            "Namen nach „ich heiße …“ und Ausweisnummern sind durch Platzhalter wie [ADRESSE] ersetzt.",
            "Nur Antworten von Personen, die auf „Absenden“ getippt haben, sind gezählt.",
        ],
        microdata=micro,
    )


def gesundheit_partial(catalogue: Catalogue) -> Release:
    """A partial release of "Gesundheit" (k = 10): 31 submitted, 12 only started, counted apart."""
    field = catalogue.get("gesundheit")
    assert field is not None
    zugang_rows = rows(question(field, "arzt_zugang"))
    zugang = table(
        field,
        "arzt_zugang",
        {
            "sehr_leicht": 0,
            "eher_leicht": PROTECT,
            "eher_schwer": 12,
            "sehr_schwer": 10,
            "nicht_gesucht": SMALL,
            NO_ANSWER: SMALL,
        },
        base(31, PROTECT, SMALL),
        unsubmitted=counts_for(
            zugang_rows,
            {
                "sehr_leicht": 0,
                "eher_leicht": SMALL,
                "eher_schwer": SMALL,
                "sehr_schwer": SMALL,
                "nicht_gesucht": 0,
                NO_ANSWER: 0,
            },
            base(12, 12, 0),
        ),
    )
    zufrieden_rows = rows(question(field, "behandlung_zufrieden"))
    zufrieden = table(
        field,
        "behandlung_zufrieden",
        {"1": SMALL, "2": SMALL, "3": 11, "4": PROTECT, "5": SMALL, NO_ANSWER: 0},
        base(29, 29, 0),
        scale=ScaleSummary("Sehr unzufrieden", "Sehr zufrieden", 3.1, 3.0),
        unsubmitted=counts_for(
            zufrieden_rows,
            {"1": SMALL, "2": 0, "3": SMALL, "4": 0, "5": 0, NO_ANSWER: 0},
            base(SMALL, SMALL, 0),
            ScaleSummary("Sehr unzufrieden", "Sehr zufrieden", None, None),
        ),
    )
    pflege = table(
        field,
        "pflege_wissen",
        {"ja": 10, "nein": 14, "betrifft_nicht": SMALL, NO_ANSWER: SMALL},
        base(31, PROTECT, SMALL),
    )
    # Withheld for those who submitted (too few were asked), shown for those who only started.
    dolmetsch_rows = rows(question(field, "dolmetsch_gebraucht"))
    dolmetsch = replace(
        table(field, "dolmetsch_gebraucht", {r.answer_id: 0 for r in dolmetsch_rows}, base(0, 0, 0)),
        submitted=None,
        withheld=WITHHELD,
        unsubmitted=counts_for(dolmetsch_rows, {"ja": SMALL, "nein": PROTECT, NO_ANSWER: 0}, base(11, 11, 0)),
        notes=["Keine Aufschlüsselung nach Sprache: Die Gruppen sind zu klein."],
    )
    return Release(
        field_id="gesundheit",
        title=field.title,
        k=10,
        made_on=date(2026, 12, 3),
        respondents=31,
        started_only=12,
        questions=[zugang, zufrieden, pflege, dolmetsch],
        who=[Distribution("Sprache", [("Arabisch", cell(13)), ("andere Sprache", cell(18))])],
        texts=[],
        held_back_texts=2,
        notes=["Gesundheit ist ein heikles Feld: Die Schwelle ist k = 10."],
    )


def hidden_cells(release: Release) -> list[Cell]:
    """Every hidden cell of the release, wherever it is."""
    found: list[Cell] = []
    for q in release.questions:
        for counts in (q.submitted, q.unsubmitted):
            if counts is not None:
                found += [counts.base.asked, counts.base.answered, counts.base.no_answer, *counts.cells]
        for b in q.breakdowns:
            found += [c for line in b.cells for c in line]
    found += [c for d in release.who for _, c in d.rows]
    return [c for c in found if c.hidden is not None]
