"""Anonymised exports on SQLite and PostgreSQL: what a working group gets, and what it must not get."""

from __future__ import annotations

import csv
import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.definitions import Catalogue
from dialogs.messages import AnswerSet, ConsentGiven
from storage import reviews
from storage.conversations import ConversationRepository
from storage.db import session_factory
from storage.export import HELD_BACK, SUPPRESSED, FieldExport
from storage.export_formats import WRITERS
from storage.models import Answer, ConversationStateRow
from storage.pseudonym import pseudonym

KEY = b"e" * 32
GROUP = {"bezirk": "spandau", "alter": "a65_plus", "zeit_in_de": "j1_3", "herkunft_region": "ostafrika"}
COMMON = {"bezirk": "mitte", "alter": "a30_44", "zeit_in_de": "j3_5", "herkunft_region": "westasien"}


async def add_person(
    db: AsyncEngine, number: int, about: dict[str, str], answers: dict[str, Any], field: str = "wohnen",
    locale: str = "ar",
) -> str:  # fmt: skip
    person = pseudonym(KEY, "telegram", 10_000 + number)
    events: list[Any] = [ConsentGiven(locale)]
    events += [AnswerSet("about", q, v) for q, v in about.items()]
    events += [AnswerSet(field, q, v) for q, v in answers.items()]
    async with session_factory(db)() as session, session.begin():
        await ConversationRepository(session).apply(person, events)
    return person


def wohnen_answers(real_catalogue: Catalogue, text: str | None = None) -> dict[str, Any]:
    """A first-option answer to every wohnen question (a list for multiple choice)."""
    q = real_catalogue.get("wohnen")
    assert q is not None
    answers: dict[str, Any] = {}
    for question in q.questions:
        if question.type == "text":
            if text is not None:
                answers[question.id] = text
        elif question.type == "scale":
            answers[question.id] = 4
        else:
            first = question.answer_ids()[0]
            answers[question.id] = [first] if question.type == "multi" else first
    return answers


async def export(db: AsyncEngine, catalogue: Catalogue, fmt: str, path: Path, field: str = "wohnen",
                 k: int = 5, rng: random.Random | None = None) -> FieldExport:  # fmt: skip
    async with session_factory(db)() as session:
        exp = FieldExport(session, catalogue, field, k=k, scrub=lambda t: t.replace("0151", "[TELEFON]"),
                          rng=rng)  # fmt: skip
        await WRITERS[fmt](exp, path)
    return exp


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def read_xlsx(path: Path, sheet: str = "Antworten") -> list[dict[str, str]]:
    book = load_workbook(path, read_only=True)
    rows = [["" if c is None else str(c) for c in row] for row in book[sheet].iter_rows(values_only=True)]
    width = len(rows[0])
    return [dict(zip(rows[0], [*row, *[""] * (width - len(row))], strict=True)) for row in rows[1:]]


async def test_csv_and_xlsx_hold_the_same_data(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    for i in range(6):
        await add_person(db, i, COMMON, wohnen_answers(real_catalogue))
    await export(db, real_catalogue, "csv", tmp_path / "a.csv", rng=random.Random(1))
    await export(db, real_catalogue, "xlsx", tmp_path / "a.xlsx", rng=random.Random(1))
    from_csv, from_xlsx = read_csv(tmp_path / "a.csv"), read_xlsx(tmp_path / "a.xlsx")
    assert len(from_csv) == 6
    assert from_csv == from_xlsx
    assert (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    row = from_csv[0]
    assert row["bezirk"] == "Mitte" and row["alter"] == "30–44"  # German labels, umlauts intact
    first = real_catalogue.get("wohnen").questions[0]  # type: ignore[union-attr]
    assert row[f"{first.id}_id"] == first.answer_ids()[0]  # and the stable option id
    assert re.fullmatch(r"\d{4}-\d{2}", row["Monat"])


async def test_no_pseudonym_or_id_leaves_and_numbers_are_fresh(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    people = [
        await add_person(db, i, COMMON, {"wohnform": "eigene_wohnung", "bescheide_verstehen": i % 5 + 1})
        for i in range(12)
    ]
    await export(db, real_catalogue, "csv", tmp_path / "1.csv")
    await export(db, real_catalogue, "csv", tmp_path / "2.csv")
    content = (tmp_path / "1.csv").read_text(encoding="utf-8-sig")
    for person in people:
        assert person not in content
    assert "10000" not in content
    first = {r["Nr"]: r["bescheide_verstehen"] for r in read_csv(tmp_path / "1.csv")}
    second = {r["Nr"]: r["bescheide_verstehen"] for r in read_csv(tmp_path / "2.csv")}
    assert sorted(first) == sorted(second) == sorted(str(n) for n in range(1, 13))
    assert first != second  # same people, numbered afresh (chance of equality: 1 in ~10^6)


@pytest.mark.parametrize(("group_size", "suppressed"), [(4, True), (5, False)])
async def test_small_groups_are_suppressed_at_k(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path, group_size: int, suppressed: bool
) -> None:
    for i in range(group_size):
        await add_person(db, i, GROUP, {"wohnform": "eigene_wohnung"})
    for i in range(10, 15):
        await add_person(db, i, COMMON, {"wohnform": "eigene_wohnung"})
    exp = await export(db, real_catalogue, "csv", tmp_path / "k.csv", k=5)
    rows = read_csv(tmp_path / "k.csv")
    rare = [r for r in rows if r["bezirk"] in ("Spandau", SUPPRESSED)]
    assert len(rare) == group_size
    for row in rare:
        assert (row["alter"] == SUPPRESSED) is suppressed
        assert (row["Sprache"] == SUPPRESSED) is suppressed
        assert ("unterdrückt" in row["Anonymisierung"]) is suppressed
    assert exp.stats.suppressed_rows == (group_size if suppressed else 0)
    assert all(r["bezirk"] == "Mitte" for r in rows if r not in rare)


async def test_health_needs_groups_of_ten(db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path) -> None:
    health = real_catalogue.get("gesundheit")
    assert health is not None
    first = health.questions[0]
    for i in range(9):
        await add_person(db, i, COMMON, {first.id: first.answer_ids()[0]}, field="gesundheit")
    exp = await export(db, real_catalogue, "csv", tmp_path / "g.csv", field="gesundheit", k=5)
    assert exp.stats.k == 10
    assert all(r["bezirk"] == SUPPRESSED for r in read_csv(tmp_path / "g.csv"))


async def test_only_released_free_text_is_exported(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    await add_person(db, 1, COMMON, {"sonstiges": "Ruf mich an: 0151 2345678"})
    await add_person(db, 2, COMMON, {"sonstiges": "Die Heizung ist kaputt."})
    async with session_factory(db)() as session, session.begin():
        texts = [t async for t in reviews.free_texts(session, real_catalogue, "wohnen", lambda t: t)]
        assert {t.status for t in texts} == {"pending"}
        released = next(t for t in texts if "0151" in t.scrubbed)
        assert await reviews.decide(session, released.answer_id, "released", "cli:test")
    exp = await export(db, real_catalogue, "csv", tmp_path / "t.csv")
    values = sorted(r["sonstiges"] for r in read_csv(tmp_path / "t.csv"))
    assert values == ["Ruf mich an: [TELEFON] 2345678", HELD_BACK]  # scrubbed on the way out
    assert exp.stats.held_back_texts == 1
    # A text changed after its release needs a new review.
    async with session_factory(db)() as session, session.begin():
        await session.execute(
            update(Answer).where(Answer.id == released.answer_id).values(value="Neuer Text")
        )
    await export(db, real_catalogue, "csv", tmp_path / "t2.csv")
    assert [r["sonstiges"] for r in read_csv(tmp_path / "t2.csv")] == [HELD_BACK, HELD_BACK]


async def test_summary_hides_small_counts_and_report_is_german(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    for i in range(6):
        await add_person(db, i, COMMON, {"wohnform": "eigene_wohnung"})
    for i in range(10, 12):
        await add_person(db, i, COMMON, {"wohnform": "gemeinschaft"})
    await export(db, real_catalogue, "xlsx", tmp_path / "s.xlsx")
    summary = read_xlsx(tmp_path / "s.xlsx", "Zusammenfassung")
    counts = {r["Antwort-ID"]: r["Anzahl"] for r in summary if r["Frage-ID"] == "wohnform"}
    assert counts["eigene_wohnung"] == "6" and counts["gemeinschaft"] == "< 5"
    explained = read_xlsx(tmp_path / "s.xlsx", "Erläuterungen")
    assert any("Monat" in r["Spalte"] for r in explained)
    await export(db, real_catalogue, "html", tmp_path / "r.html")
    report = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<html lang='de'>" in report and "Unterbringung, Wohnen und Soziales" in report
    assert report.count("class='bar'") >= 3 and "&lt; 5" in report


async def test_json_export_parses(db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path) -> None:
    for i in range(3):
        await add_person(db, i, COMMON, {"wohnform": "eigene_wohnung"})
    await export(db, real_catalogue, "json", tmp_path / "e.json")
    data = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    assert len(data["respondents"]) == 3 and data["field"] == "wohnen" and data["k"] == 5
    assert data["respondents"][0]["wohnform_id"] == "eigene_wohnung"


async def test_purge_removes_only_the_inactive(db: AsyncEngine) -> None:
    from dialogs.state import ConversationState

    old, new = pseudonym(KEY, "t", 1), pseudonym(KEY, "t", 2)
    async with session_factory(db)() as session, session.begin():
        repo = ConversationRepository(session)
        for person in (old, new):
            await repo.apply(person, [ConsentGiven("de"), AnswerSet("about", "alter", "a18_29")])
            await repo.save(person, ConversationState(locale="de"), None)
        await session.execute(
            update(ConversationStateRow)
            .where(ConversationStateRow.pseudonym == old)
            .values(updated_at=datetime.now(UTC) - timedelta(days=400))
        )
    async with session_factory(db)() as session, session.begin():
        removed = await ConversationRepository(session).purge_inactive(
            datetime.now(UTC) - timedelta(days=365), KEY
        )
        assert removed == 1
        assert await ConversationRepository(session).load(new) is not None
        assert await ConversationRepository(session).load(old) is None
        assert await ConversationRepository(session).answers(old) == {}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "html"])
async def test_every_release_file_is_readable_by_its_owner_only(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path, fmt: str
) -> None:
    for i in range(6):
        await add_person(db, i, COMMON, wohnen_answers(real_catalogue))
    target = tmp_path / f"release.{fmt}"
    target.write_text("an older file, world-readable")
    target.chmod(0o644)
    await export(db, real_catalogue, fmt, target)
    assert target.stat().st_mode & 0o777 == 0o600
    assert "an older file" not in target.read_bytes().decode("utf-8", "replace")
