"""The ZIP of tables as a working group unpacks it: the CSV files Excel opens in German by double click
(UTF-8 with BOM, ";"), numbers it can compute with, and a LIESMICH.txt in plain German."""

from __future__ import annotations

import csv
import io
import stat
import zipfile
from pathlib import Path

import pytest

from storage.releases.model import Release


def tables(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def read(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to see UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def as_dicts(data: bytes) -> list[dict[str, str]]:
    header, *rows = read(data)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture(scope="module")
def files(written: dict[str, Path]) -> dict[str, bytes]:
    return tables(written["csv"])


def test_the_files(files: dict[str, bytes], written: dict[str, Path]) -> None:
    assert list(files) == [
        "fragen.csv",
        "basis.csv",
        "aufschluesselungen.csv",
        "befragte.csv",
        "freitexte.csv",
        "einzeldaten.csv",
        "einzeldaten_spalten.csv",
        "LIESMICH.txt",
    ]
    assert "einzeldaten.csv" not in tables(written["csv-partial"])
    with zipfile.ZipFile(written["csv"]) as archive:
        for info in archive.infolist():
            assert stat.S_IMODE(info.external_attr >> 16) == 0o600  # unpacked, they stay private too
    for name, data in files.items():
        if name.endswith(".csv"):
            assert all(len(row) == len(read(data)[0]) for row in read(data)), name


def test_questions_in_long_format_with_hidden_counts_empty_and_explained(
    files: dict[str, bytes], wohnen: Release
) -> None:
    header = read(files["fragen.csv"])[0]
    assert header == ["frage_id", "frage", "antwort_id", "antwort", "anzahl", "hinweis", "befragte"]
    rows = as_dicts(files["fragen.csv"])
    question = wohnen.questions[0]
    assert question.submitted is not None
    mine = [r for r in rows if r["frage_id"] == question.question_id]
    assert [r["antwort_id"] for r in mine] == [a.answer_id for a in question.rows]
    assert all(r["frage"] == question.text and r["befragte"] == "abgesendet" for r in mine)
    for row, cell in zip(mine, question.submitted.cells, strict=True):
        if cell.hidden is None:
            assert row["anzahl"] == str(cell.count) and row["hinweis"] == ""
        else:
            assert row["anzahl"] == ""
            assert row["hinweis"] == {"small": "weniger als 5", "protect": "verdeckt"}[cell.hidden]
    assert mine[-1]["antwort"] == "Containerdorf (MUF) (nicht mehr angeboten)"
    withheld = [r for r in rows if r["frage_id"] == "leistungen_probleme"]
    assert len(withheld) == 1 and withheld[0]["hinweis"] == wohnen.questions[-2].withheld
    assert not [r for r in rows if r["frage_id"] == "sonstiges"]  # free text: base and texts elsewhere


def test_the_base_with_scale_ends_and_decimals_with_a_comma(files: dict[str, bytes]) -> None:
    rows = {r["frage_id"]: r for r in as_dicts(files["basis.csv"])}
    first = rows["wohnform"]
    assert (first["gefragt"], first["geantwortet"], first["geantwortet_hinweis"]) == ("47", "", "verdeckt")
    assert (first["keine_angabe"], first["keine_angabe_hinweis"]) == ("", "weniger als 5")
    scale = rows["unterkunft_zufrieden"]
    assert (scale["skala_1"], scale["skala_5"]) == ("Sehr unzufrieden", "Sehr zufrieden")
    assert (scale["mittelwert"], scale["median"]) == ("2,72", "3")
    assert rows["sonstiges"]["art"] == "Freitext" and rows["sonstiges"]["geantwortet"] == "19"
    assert rows["leistungen_probleme"]["hinweis"].startswith(
        "Die Antworten auf diese Frage werden zum Schutz"
    )
    assert rows["unterkunft_zufrieden"]["hinweis"].startswith("Keine Aufschlüsselung nach Bezirk:")


def test_breakdowns_one_row_per_group_and_answer(files: dict[str, bytes], wohnen: Release) -> None:
    rows = as_dicts(files["aufschluesselungen.csv"])
    question = wohnen.questions[0]
    language = question.breakdowns[1]
    mine = [r for r in rows if r["frage_id"] == "wohnform" and r["merkmal"] == "Sprache"]
    assert len(mine) == len(language.columns) * len(question.rows)
    arabic = [r for r in mine if r["gruppe"] == "Arabisch"]
    assert {r["gruppe_gefragt"] for r in arabic} == {"18"}
    assert [(r["anzahl"], r["hinweis"]) for r in arabic] == [
        ("", "weniger als 5")
        if line[0].hidden == "small"
        else ("", "verdeckt")
        if line[0].hidden
        else (str(line[0].count), "")
        for line in language.cells
    ]
    means = {r["gruppe"]: r["gruppe_mittelwert"] for r in rows if r["frage_id"] == "unterkunft_zufrieden"}
    assert means == {"18–29": "2,5", "30–44": "2,91", "45 oder älter": ""}


def test_who_answered(files: dict[str, bytes], wohnen: Release) -> None:
    rows = read(files["befragte.csv"])
    assert rows[0] == ["merkmal", "gruppe", "anzahl", "hinweis"]
    assert len(rows) == 1 + sum(len(d.rows) for d in wohnen.who)
    assert ["Zeit in Deutschland", "Keine Angabe", "", "weniger als 5"] in rows


def test_free_texts_whole_and_never_a_formula(files: dict[str, bytes], wohnen: Release) -> None:
    rows = as_dicts(files["freitexte.csv"])
    assert [r["sprache"] for r in rows] == [t.language for t in wohnen.texts]
    for row, text in zip(rows, wohnen.texts, strict=True):
        if text.text.startswith(("=", "-")):
            assert row["text"] == "'" + text.text  # Excel shows it, and does not run it
        else:
            assert row["text"] == text.text
    assert "\n" in rows[1]["text"]  # a line break inside a quoted field survives


def test_row_level_data_with_ids_as_headers_and_a_column_guide(
    files: dict[str, bytes], wohnen: Release
) -> None:
    micro = wohnen.microdata
    assert micro is not None
    rows = read(files["einzeldaten.csv"])
    assert rows[0] == [c.id for c in micro.columns]
    assert rows[1] == ["neukoelln", "18–29", "gemeinschaft", "2", "ja"]
    assert rows[2][3] == ""  # not asked
    assert len(rows) == 1 + len(micro.rows)
    guide = read(files["einzeldaten_spalten.csv"])
    assert guide[0] == ["spalte", "ueberschrift", "erlaeuterung"]
    assert [g[1] for g in guide[1:]] == [c.header for c in micro.columns]


def test_liesmich_explains_the_files_k_the_marks_the_numbers_and_the_notes(
    files: dict[str, bytes], wohnen: Release
) -> None:
    text = files["LIESMICH.txt"].decode("utf-8-sig")
    flat = " ".join(text.split())
    for name in files:
        assert name in text
    assert "k = 5" in text
    assert "„weniger als 5“: Mindestens 1 und höchstens 4 Personen." in flat
    assert "„verdeckt“:" in flat
    assert "mit Komma, zum Beispiel 3,5" in flat
    assert "Semikolon" in flat and "UTF-8" in flat
    assert "Apostroph" in flat
    for note in wohnen.notes:
        assert " ".join(note.split()) in flat
    assert "7 Zeilen sind weggelassen" in flat
    assert max(len(line) for line in text.splitlines()) <= 100  # readable in Notepad without scrolling


def test_a_partial_release_keeps_those_who_only_started_apart(written: dict[str, Path]) -> None:
    files = tables(written["csv-partial"])
    rows = as_dicts(files["fragen.csv"])
    # Withheld for those who submitted, shown for those who only started: each says which it is.
    dolmetsch = [
        (r["befragte"], r["antwort_id"], r["anzahl"], r["hinweis"][:15])
        for r in rows
        if r["frage_id"] == "dolmetsch_gebraucht"
    ]
    assert dolmetsch == [
        ("abgesendet", "", "", "Die Antworten a"),
        ("nur angefangen", "ja", "", "weniger als 10"),
        ("nur angefangen", "nein", "", "verdeckt"),
        ("nur angefangen", "no_answer", "0", ""),
    ]
    bases = [
        (r["befragte"], r["gefragt"])
        for r in as_dicts(files["basis.csv"])
        if r["frage_id"] == "dolmetsch_gebraucht"
    ]
    assert bases == [("abgesendet", ""), ("nur angefangen", "11")]
    assert {r["befragte"] for r in rows} == {"abgesendet", "nur angefangen"}
    started = [r for r in rows if r["frage_id"] == "arzt_zugang" and r["befragte"] == "nur angefangen"]
    assert [r["hinweis"] for r in started].count("weniger als 10") == 3
    bases = [r for r in as_dicts(files["basis.csv"]) if r["frage_id"] == "behandlung_zufrieden"]
    assert [(b["befragte"], b["mittelwert"], b["hinweis"]) for b in bases] == [
        ("abgesendet", "3,1", ""),
        ("nur angefangen", "", "Mittelwert und Median nicht gezeigt."),
    ]
    assert "nur angefangen" in " ".join(files["LIESMICH.txt"].decode("utf-8-sig").split())
