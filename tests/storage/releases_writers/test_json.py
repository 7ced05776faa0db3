"""The JSON document as a tool reads it: one document, the schema its module describes, hidden counts
as null with their reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storage.releases.model import Cell, Release
from storage.releases.writers import to_json


@pytest.fixture(scope="module")
def document(written: dict[str, Path]) -> Any:
    return json.loads(written["json"].read_text(encoding="utf-8"))


def as_json(cell: Cell) -> dict[str, Any]:
    return {"count": cell.count, "hidden": cell.hidden}


def test_the_release_as_one_document(document: Any, wohnen: Release) -> None:
    assert document["schema"] == "mitsprache-release/1"
    assert document["field"] == {"id": "wohnen", "title": wohnen.title}
    assert (document["made_on"], document["k"], document["respondents"]) == ("2026-12-02", 5, 47)
    assert document["started_only"] is None
    assert document["marks"]["small"].startswith("weniger als 5: Mindestens 1 und höchstens 4")
    assert document["marks"]["protect"].startswith("verdeckt: ")
    assert document["notes"] == wohnen.notes
    assert document["questions"][1]["notes"] == wohnen.questions[1].notes
    assert document["held_back_texts"] == 3
    assert document["texts"][0] == {
        "question_id": "sonstiges",
        "question": wohnen.texts[0].question,
        "language": "Arabisch",
        "text": wohnen.texts[0].text,
    }
    # Every key the module's schema names is there.
    for key in ("questions", "respondents_by", "reading_notes", "microdata"):
        assert f'"{key}"' in (to_json.__doc__ or "")
        assert key in document


def test_counts_with_hidden_ones_as_null_and_their_reason(document: Any, wohnen: Release) -> None:
    assert [q["id"] for q in document["questions"]] == [q.question_id for q in wohnen.questions]
    for mine, question in zip(document["questions"], wohnen.questions, strict=True):
        assert (mine["text"], mine["kind"]) == (question.text, question.kind)
        if question.submitted is None:
            assert mine["submitted"] is None and mine["withheld"] == question.withheld
            continue
        counts = mine["submitted"]
        assert counts["answers"] == [
            {"id": row.answer_id, **as_json(cell)}
            for row, cell in zip(question.rows, question.submitted.cells, strict=True)
        ]
        base = question.submitted.base
        assert counts["base"] == {
            "asked": as_json(base.asked),
            "answered": as_json(base.answered),
            "no_answer": as_json(base.no_answer),
        }
    first = document["questions"][0]["submitted"]["answers"]
    assert {"id": "hostel", "count": None, "hidden": "small"} in first
    assert {"id": "wg", "count": None, "hidden": "protect"} in first
    assert document["questions"][0]["answers"][-1] == {
        "id": "container",
        "label": "Containerdorf (MUF)",
        "retired": True,
    }


def test_scales_breakdowns_and_who(document: Any, wohnen: Release) -> None:
    scale = document["questions"][1]
    assert scale["submitted"]["scale"] == {
        "low": "Sehr unzufrieden",
        "high": "Sehr zufrieden",
        "mean": 2.72,
        "median": 3.0,
    }
    by_age = scale["breakdowns"][0]
    assert by_age["by"] == "Alter" and by_age["means"] == [2.5, 2.91, None]
    assert by_age["groups"][0] == {"label": "18–29", "asked": 10}
    assert by_age["counts"][4] == [
        {"count": 0, "hidden": None},
        {"count": None, "hidden": "small"},
        {"count": None, "hidden": "protect"},
    ]
    assert [d["by"] for d in document["respondents_by"]] == [d.by for d in wohnen.who]
    assert document["respondents_by"][2]["groups"][-1] == {
        "label": "Keine Angabe",
        "count": None,
        "hidden": "small",
    }


def test_row_level_data(document: Any, wohnen: Release) -> None:
    micro = wohnen.microdata
    assert micro is not None
    assert document["microdata"]["columns"][0]["id"] == "bezirk"
    assert document["microdata"]["rows"] == micro.rows
    assert document["microdata"]["removed_rows"] == 7


def test_a_partial_release(written: dict[str, Path]) -> None:
    document = json.loads(written["json-partial"].read_text(encoding="utf-8"))
    assert (document["k"], document["started_only"], document["microdata"]) == (10, 12, None)
    started = document["questions"][1]["unsubmitted"]
    assert started["scale"]["mean"] is None
    assert started["base"]["asked"] == {"count": None, "hidden": "small"}
    dolmetsch = document["questions"][3]
    assert dolmetsch["submitted"] is None and dolmetsch["withheld"].startswith("Die Antworten")
    assert dolmetsch["unsubmitted"]["answers"][1] == {"id": "nein", "count": None, "hidden": "protect"}
    assert dolmetsch["notes"] == ["Keine Aufschlüsselung nach Sprache: Die Gruppen sind zu klein."]
