"""A release as one JSON document, for working groups and tools that read data rather than tables.

Schema "mitsprache-release/1" (UTF-8, no BOM; keys in English, texts in German):

    {
      "schema": "mitsprache-release/1",
      "field": {"id": "wohnen", "title": "Unterbringung, Wohnen und Soziales"},
      "made_on": "2026-12-02",                  # ISO date
      "k": 5,                                   # the threshold every count was protected with
      "respondents": 47,                        # people who submitted the field
      "started_only": null,                     # partial releases: people who only started, else null
      "marks": {"small": "...", "protect": "..."},  # German meaning of each reason for a hidden count
      "questions": [{
        "id": "wohnform", "text": "Wie wohnen Sie im Moment?",
        "kind": "single",                       # single | multi | scale | yesno | text
        "withheld": null,                       # German reason when the question has no counts, else null
        "answers": [{"id": "gemeinschaft", "label": "Gemeinschaftsunterkunft", "retired": false}],
        "submitted": COUNTS or null,            # null exactly when withheld
        "unsubmitted": COUNTS or null,          # partial releases: those who never submitted (also
                                                # where "submitted" is withheld), else null
        "breakdowns": [{
          "by": "Bezirk",
          "groups": [{"label": "Neukölln", "asked": 12}],
          "counts": [[CELL, ...], ...],         # [answer][group], answers as in "answers"
          "means": [3.4, null] or null          # scales: the mean per group (null where not shown)
        }],
        "notes": ["..."]                        # German: what is left out of this question's tables, and why
      }],
      "respondents_by": [{"by": "Alter", "groups": [{"label": "30–44", "count": 21, "hidden": null}]}],
      "texts": [{"question_id": "sonstiges", "question": "...", "language": "Arabisch", "text": "..."}],
      "held_back_texts": 3,
      "notes": ["..."],                         # what was done to protect people
      "reading_notes": ["..."],                 # how to read the numbers
      "microdata": null or {
        "columns": [{"id": "bezirk", "header": "...", "explanation": "..."}],
        "rows": [["mitte", 4, null, ...]],      # values in the order of "columns"
        "removed_rows": 2, "notes": ["..."]
      }
    }

    COUNTS = {"base": {"asked": CELL, "answered": CELL, "no_answer": CELL},
              "answers": [{"id": "gemeinschaft", "count": 12, "hidden": null}],  # as in "answers"
              "scale": null or {"low": "Sehr unzufrieden", "high": "Sehr zufrieden",
                                "mean": 3.4 or null, "median": 4.0 or null}}
    CELL = {"count": 12, "hidden": null}  or  {"count": null, "hidden": "small" | "protect"}

A hidden count is `null` with its reason beside it, never a number: "small" – fewer than k people;
"protect" – hidden so that a small count cannot be worked out from the others.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from storage.releases.model import Breakdown, Cell, Counts, Microdata, QuestionTable, Release
from storage.releases.writers.common import cell_count, check, marks, reading_notes
from storage.releases.writers.files import private_output

SCHEMA = "mitsprache-release/1"


def write_json(release: Release, path: Path) -> None:
    check(release)
    encoder = json.JSONEncoder(ensure_ascii=False, indent=1)
    # Written as it is encoded (the same text as json.dumps): the document of a large field need not
    # be held once more as one string, and once more as bytes.
    with private_output(path) as handle:
        out = io.TextIOWrapper(handle, "utf-8", newline="")
        for chunk in encoder.iterencode(document(release)):
            out.write(chunk)
        out.write("\n")
        out.detach()  # flushed; the handle stays open for private_output to finish


def document(release: Release) -> dict[str, Any]:
    small, protect = marks(release.k)[:2]
    return {
        "schema": SCHEMA,
        "field": {"id": release.field_id, "title": release.title},
        "made_on": release.made_on.isoformat(),
        "k": release.k,
        "respondents": release.respondents,
        "started_only": release.started_only,
        "marks": {"small": f"{small[0]}: {small[1]}", "protect": f"{protect[0]}: {protect[1]}"},
        "questions": [_question(q) for q in release.questions],
        "respondents_by": [
            {"by": d.by, "groups": [{"label": label, **_cell(cell)} for label, cell in d.rows]}
            for d in release.who
        ],
        "texts": [
            {"question_id": t.question_id, "question": t.question, "language": t.language, "text": t.text}
            for t in release.texts
        ],
        "held_back_texts": release.held_back_texts,
        "notes": list(release.notes),
        "reading_notes": reading_notes(release),
        "microdata": _microdata(release.microdata) if release.microdata is not None else None,
    }


def _cell(cell: Cell) -> dict[str, Any]:
    return {"count": cell_count(cell), "hidden": cell.hidden}


def _counts(question: QuestionTable, counts: Counts | None) -> dict[str, Any] | None:
    if counts is None:
        return None
    scale = counts.scale
    return {
        "base": {
            "asked": _cell(counts.base.asked),
            "answered": _cell(counts.base.answered),
            "no_answer": _cell(counts.base.no_answer),
        },
        "answers": [
            {"id": row.answer_id, **_cell(cell)}
            for row, cell in zip(question.rows, counts.cells, strict=True)
        ],
        "scale": None
        if scale is None
        else {"low": scale.low, "high": scale.high, "mean": scale.mean, "median": scale.median},
    }


def _breakdown(breakdown: Breakdown) -> dict[str, Any]:
    return {
        "by": breakdown.by,
        "groups": [{"label": c.label, "asked": c.asked} for c in breakdown.columns],
        "counts": [[_cell(cell) for cell in row] for row in breakdown.cells],
        "means": list(breakdown.means) if breakdown.means else None,
    }


def _question(question: QuestionTable) -> dict[str, Any]:
    return {
        "id": question.question_id,
        "text": question.text,
        "kind": question.kind,
        "withheld": question.withheld if question.submitted is None else None,
        "answers": [{"id": r.answer_id, "label": r.label, "retired": r.retired} for r in question.rows],
        "submitted": _counts(question, question.submitted),
        "unsubmitted": _counts(question, question.unsubmitted),
        "breakdowns": [_breakdown(b) for b in question.breakdowns] if question.submitted is not None else [],
        "notes": list(question.notes),
    }


def _microdata(microdata: Microdata) -> dict[str, Any]:
    return {
        "columns": [
            {"id": c.id, "header": c.header, "explanation": c.explanation} for c in microdata.columns
        ],
        "rows": [list(row) for row in microdata.rows],
        "removed_rows": microdata.removed_rows,
        "notes": list(microdata.notes),
    }
