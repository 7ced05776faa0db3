"""The workbook as a working group opens it: question texts as headings with the ids beneath, counts as
numbers, hidden counts as empty cells with the reason beside them, a base and a chart per question,
widths, filters and frozen headers."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from storage.releases.model import Release
from storage.releases.writers.common import shows_counts

EMU_PER_CM = 360_000


def rows_of(sheet: Worksheet) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def row_where(sheet: Worksheet, column: int, value: Any, start: int = 1) -> int:
    for number in range(start, sheet.max_row + 1):
        if sheet.cell(number, column).value == value:
            return number
    raise AssertionError(f"{value!r} not in column {column}")


@pytest.fixture(scope="module")
def book(written: dict[str, Path]) -> Any:
    return load_workbook(written["xlsx"])


@pytest.fixture(scope="module")
def partial_book(written: dict[str, Path]) -> Any:
    return load_workbook(written["xlsx-partial"])


def test_the_sheets(book: Any, partial_book: Any) -> None:
    assert book.sheetnames == [
        "Übersicht",
        "Aufschlüsselungen",
        "Befragte",
        "Freitexte",
        "Einzeldaten",
        "Erläuterungen",
    ]
    # Row-level data only where the release has it.
    assert partial_book.sheetnames == [
        "Übersicht",
        "Aufschlüsselungen",
        "Befragte",
        "Freitexte",
        "Erläuterungen",
    ]


def test_each_question_under_its_text_with_its_id_and_numbers_as_numbers(book: Any, wohnen: Release) -> None:
    sheet = book["Übersicht"]
    assert [c.value for c in sheet[3][:4]] == ["Antwort", "Anzahl", "Hinweis", "Antwort-ID"]
    assert sheet.freeze_panes == "A4"
    for question in wohnen.questions:
        top = row_where(sheet, 1, question.text)
        assert sheet.cell(top, 1).font.b
        assert sheet.cell(top + 1, 1).value == question.question_id
        if question.submitted is None:
            assert question.withheld is not None
            assert sheet.cell(top + 2, 1).value == f"Keine Zahlen: {question.withheld}"
            continue
        for offset, (answer, cell) in enumerate(zip(question.rows, question.submitted.cells, strict=True)):
            line = top + 2 + offset
            assert sheet.cell(line, 1).value.startswith(answer.label)
            count, note = sheet.cell(line, 2), sheet.cell(line, 3)
            if cell.hidden is None:
                assert count.value == cell.count and count.data_type == "n"
                assert note.value is None
            else:
                assert count.value is None  # empty, so that no sum or chart takes the mark for a number
                assert note.value == {"small": "weniger als 5", "protect": "verdeckt"}[cell.hidden]
        base_row = top + 2 + len(question.rows)
        labels = [sheet.cell(base_row + i, 1).value for i in range(3)]
        assert labels == ["Basis: gefragt", "Basis: geantwortet", "Basis: Keine Angabe"]
        # A line above the base; only there, though the three labels share their style otherwise.
        lines = [sheet.cell(base_row + i, 1).border.top.style for i in range(3)]
        assert lines == ["thin", None, None] and all(sheet.cell(base_row + i, 1).font.i for i in range(3))
        base = question.submitted.base
        for i, cell in enumerate((base.asked, base.answered, base.no_answer)):
            assert sheet.cell(base_row + i, 2).value == cell.count
            if cell.hidden:
                assert sheet.cell(base_row + i, 3).value in ("weniger als 5", "verdeckt")


def test_retired_answers_are_marked(book: Any) -> None:
    sheet = book["Übersicht"]
    line = row_where(sheet, 1, "Containerdorf (MUF) (nicht mehr angeboten)")
    assert sheet.cell(line, 2).value == 0


def test_scales_are_numbers_with_their_ends_named_and_mean_and_median(book: Any, wohnen: Release) -> None:
    sheet = book["Übersicht"]
    question = next(q for q in wohnen.questions if q.question_id == "unterkunft_zufrieden")
    top = row_where(sheet, 1, question.text)
    ids = [sheet.cell(top + 2 + i, 4).value for i in range(5)]
    assert ids == [1, 2, 3, 4, 5]  # the scale values as numbers, next to their words
    ends = row_where(sheet, 1, "Skala: 1 = Sehr unzufrieden, 5 = Sehr zufrieden", top)
    assert sheet.cell(ends + 1, 1).value == "Mittelwert" and sheet.cell(ends + 1, 2).value == pytest.approx(
        2.72
    )
    assert sheet.cell(ends + 2, 1).value == "Median" and sheet.cell(ends + 2, 2).value == 3
    assert sheet.cell(ends + 1, 2).data_type == "n"


def test_a_chart_per_question_beside_its_block(book: Any, wohnen: Release) -> None:
    sheet = book["Übersicht"]
    charts = sheet._charts
    counted = [q for q in wohnen.questions if shows_counts(q)]
    assert len(charts) == len(counted) == 8
    titles = ["".join(run.t for p in c.title.tx.rich.p for run in p.r or []) for c in charts]
    assert titles == [q.text for q in counted]
    tops = [row_where(sheet, 1, q.text) for q in counted]
    spans = []
    for chart, top in zip(charts, tops, strict=True):
        start = chart.anchor._from
        assert start.col >= 4  # beside the table (columns A–D), not over it
        assert start.row + 1 in (top, top + 1)  # 0-based anchor row at the block's heading or id
        height_rows = chart.anchor.ext.height / EMU_PER_CM / 0.53
        spans.append((start.row, start.row + height_rows))
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        assert end <= next_start, "charts overlap"
    assert all(chart.type == "bar" for chart in charts)
    assert all(chart.x_axis.scaling.orientation == "maxMin" for chart in charts)  # top down, as the table
    # Each chart draws its own block's counts against its own answers.
    for chart, question, top in zip(charts, counted, tops, strict=True):
        rows = f"${top + 2}:$B${top + 1 + len(question.rows)}"
        assert chart.series[0].val.numRef.f == f"'Übersicht'!$B{rows}"
        assert chart.series[0].cat.strRef.f == f"'Übersicht'!$A{rows.replace('$B', '$A')}"
    # A question with hidden counts says on its chart that a missing bar is not "nobody".
    first = charts[0].y_axis.title.tx.rich.p[0].r[0].t
    assert "ohne Balken: weniger als 5 oder verdeckt" in first


def test_widths_are_set(book: Any) -> None:
    used = {
        "Übersicht": 4,
        "Aufschlüsselungen": 5,
        "Befragte": 4,
        "Freitexte": 4,
        "Einzeldaten": 5,
        "Erläuterungen": 2,
    }
    for name, columns in used.items():
        sheet = book[name]
        for letter in "ABCDE"[:columns]:
            assert sheet.column_dimensions[letter].customWidth, (name, letter)
            assert sheet.column_dimensions[letter].width >= 10, (name, letter)
    assert book["Übersicht"].column_dimensions["A"].width == 48
    assert book["Freitexte"].column_dimensions["C"].width == 80


def test_printed_one_page_wide_with_the_header_on_every_page(book: Any) -> None:
    for name in book.sheetnames:
        sheet = book[name]
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), name
    assert book["Übersicht"].page_setup.orientation == "landscape"
    assert book["Befragte"].print_title_rows == "$1:$1"
    assert book["Einzeldaten"].print_title_rows == "$1:$2"


def test_breakdowns_have_the_groups_as_columns_with_their_size(book: Any, wohnen: Release) -> None:
    sheet = book["Aufschlüsselungen"]
    assert sheet.freeze_panes == "B2"
    question = wohnen.questions[0]
    language = next(b for b in question.breakdowns if b.by == "Sprache")
    top = row_where(sheet, 1, f"{question.question_id} · nach Sprache")
    assert sheet.cell(top - 1, 1).value == question.text
    assert [sheet.cell(top + 1, 1 + i).value for i in range(5)] == ["Antwort"] + [
        c.label for c in language.columns
    ]
    assert [sheet.cell(top + 2, 1 + i).value for i in range(5)] == ["Gefragt", 18, 12, 9, 8]
    for offset, (answer, cells) in enumerate(zip(question.rows, language.cells, strict=True)):
        line = top + 3 + offset
        assert sheet.cell(line, 1).value.startswith(answer.label)
        for column, cell in enumerate(cells, 2):
            value = sheet.cell(line, column).value
            if cell.hidden is None:
                assert value == cell.count and isinstance(value, int)
            else:
                assert value == {"small": "weniger als 5", "protect": "verdeckt"}[cell.hidden]
    scale = next(q for q in wohnen.questions if q.question_id == "unterkunft_zufrieden")
    top = row_where(sheet, 1, "unterkunft_zufrieden · nach Alter")
    mean = row_where(sheet, 1, "Mittelwert (1 = Sehr unzufrieden, 5 = Sehr zufrieden)", top)
    assert [sheet.cell(mean, 2 + i).value for i in range(3)] == [2.5, 2.91, "nicht gezeigt"]
    assert len(scale.breakdowns[0].columns) == 3


def test_who_answered_is_a_filterable_table(book: Any, wohnen: Release) -> None:
    sheet = book["Befragte"]
    table = rows_of(sheet)
    assert table[0] == ["Merkmal", "Gruppe", "Anzahl", "Hinweis"]
    expected = [
        [
            d.by,
            label,
            c.count,
            None if c.hidden is None else "weniger als 5" if c.hidden == "small" else "verdeckt",
        ]
        for d in wohnen.who
        for label, c in d.rows
    ]
    assert table[1:] == expected
    assert sheet.auto_filter.ref == f"A1:D{len(table)}"
    assert sheet.freeze_panes == "A2"


def test_free_texts_wrapped_in_their_script_and_never_run_as_formulas(book: Any, wohnen: Release) -> None:
    sheet = book["Freitexte"]
    table = rows_of(sheet)
    assert table[0] == ["Frage", "Sprache", "Text", "Frage-ID"]
    assert table[1:] == [[t.question, t.language, t.text, t.question_id] for t in wohnen.texts]
    assert sheet.auto_filter.ref == f"A1:D{len(table)}"
    assert sheet.freeze_panes == "A2"
    assert all(sheet.cell(row, 3).alignment.wrap_text for row in range(2, len(table) + 1))
    formula_like = row_where(sheet, 3, wohnen.texts[4].text)
    assert sheet.cell(formula_like, 3).data_type == "s"  # stored as text, not as a formula
    assert any("السكن" in str(row[2]) for row in table)  # Arabic
    assert any("Шукаємо" in str(row[2]) for row in table)  # Cyrillic


def test_row_level_data_under_the_question_texts_with_the_ids_beneath(book: Any, wohnen: Release) -> None:
    sheet = book["Einzeldaten"]
    micro = wohnen.microdata
    assert micro is not None
    table = rows_of(sheet)
    assert table[0] == [c.header for c in micro.columns]
    assert table[1] == [c.id for c in micro.columns]
    assert table[2:] == micro.rows
    score = [c.id for c in micro.columns].index("unterkunft_zufrieden")
    assert {type(row[score]) for row in table[2:]} == {int, type(None)}  # averageable
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:E{len(micro.rows) + 2}"
    assert sheet.cell(1, 1).alignment.wrap_text


def test_the_explanations_name_k_the_marks_and_the_notes(book: Any, wohnen: Release) -> None:
    sheet = book["Erläuterungen"]
    table = rows_of(sheet)
    assert table[0] == ["Thema", "Erläuterung"]
    topics = {row[0]: row[1] for row in table[1:]}
    assert topics["Schwelle k"] == "5"
    assert "höchstens 4 Personen" in topics["„weniger als 5“"]
    assert "ausrechnen" in topics["„verdeckt“"]
    protection = [row[1] for row in table if row[0] == "Schutz"]
    assert protection == wohnen.notes
    assert any(row[0] == "Einzeldaten" and "7 Zeilen weggelassen" in row[1] for row in table)


def test_a_partial_release_counts_those_who_only_started_apart(partial_book: Any, partial: Release) -> None:
    sheet = partial_book["Übersicht"]
    header = [c.value for c in sheet[3]][:6]
    assert header == ["Antwort", "Anzahl", "Hinweis", "nur angefangen", "Hinweis", "Antwort-ID"]
    assert "12 haben nur angefangen" in sheet.cell(2, 1).value
    question = partial.questions[0]
    assert question.unsubmitted is not None
    top = row_where(sheet, 1, question.text)
    for offset, cell in enumerate(question.unsubmitted.cells):
        line = top + 2 + offset
        assert sheet.cell(line, 4).value == cell.count
        assert sheet.cell(line, 5).value == (None if cell.hidden is None else "weniger als 10")
    chart = sheet._charts[0]
    assert [s.tx.v for s in chart.series] == ["abgesendet", "nur angefangen"]


def test_what_a_question_leaves_out_is_said_in_its_block(book: Any, partial_book: Any) -> None:
    sheet = book["Übersicht"]
    top = row_where(sheet, 1, "unterkunft_zufrieden")
    note = row_where(
        sheet,
        1,
        "Hinweis: Keine Aufschlüsselung nach Bezirk: Die Gruppen sind zu klein, um ihre "
        "Antworten auf diese Frage geschützt zu zeigen.",
        top,
    )
    assert note < row_where(sheet, 1, "Wie zufrieden sind Sie mit Ihrer Unterkunft?") + 15
    # Withheld for those who submitted, shown for those who only started: in the started column.
    sheet = partial_book["Übersicht"]
    top = row_where(sheet, 1, "dolmetsch_gebraucht")
    assert sheet.cell(top + 1, 1).value.startswith("Keine Zahlen: Die Antworten auf diese Frage")
    lines = [[sheet.cell(top + 2 + i, c).value for c in range(1, 7)] for i in range(3)]
    assert lines == [
        ["Ja", None, None, None, "weniger als 10", "ja"],
        ["Nein", None, None, None, "verdeckt", "nein"],
        ["Keine Angabe", None, None, 0, None, "no_answer"],
    ]
    chart = partial_book["Übersicht"]._charts[-1]
    assert [s.tx.v for s in chart.series] == ["nur angefangen"]
    assert chart.series[0].val.numRef.f.startswith("'Übersicht'!$D$")


def test_a_long_release_is_written_whole_row_by_row(tmp_path: Path, wohnen: Release) -> None:
    """The workbook is written as it is made, keeping only the last rows of a sheet (KEPT_ROWS): a
    release with many more texts and rows than that comes out whole and in order, and a text that
    looks like a formula far down the sheet is still text."""
    from storage.releases.writers.to_xlsx import KEPT_ROWS, write_xlsx

    many = KEPT_ROWS * 3 + 7
    texts = [
        dataclasses.replace(text, text=f"{n}: {text.text}") for n, text in enumerate(wohnen.texts * many)
    ]
    texts[-2] = dataclasses.replace(texts[-2], text='=HYPERLINK("http://example.org")')
    assert wohnen.microdata is not None
    rows = [list(row) for row in wohnen.microdata.rows * (many // len(wohnen.microdata.rows) + 1)]
    rows[-1][0] = "=1+1"
    microdata = dataclasses.replace(wohnen.microdata, rows=rows)
    long = dataclasses.replace(wohnen, texts=texts, microdata=microdata)
    write_xlsx(long, tmp_path / "long.xlsx")

    book = load_workbook(tmp_path / "long.xlsx")
    sheet = book["Freitexte"]
    table = rows_of(sheet)
    assert table[1:] == [[t.question, t.language, t.text, t.question_id] for t in texts]
    assert sheet.cell(len(texts), 3).data_type == "s" and sheet.cell(len(texts), 3).value.startswith("=")
    assert sheet.auto_filter.ref == f"A1:D{len(texts) + 1}" and sheet.freeze_panes == "A2"
    micro = book["Einzeldaten"]
    assert rows_of(micro)[2:] == rows
    assert micro.cell(len(rows) + 2, 1).data_type == "s"
    # The sheets that do not depend on the number of texts and rows are as in the short release.
    short = load_workbook(_short(tmp_path, wohnen))
    assert all(rows_of(book[name]) == rows_of(short[name]) for name in ("Aufschlüsselungen", "Befragte"))


def _short(tmp_path: Path, release: Release) -> Path:
    from storage.releases.writers.to_xlsx import write_xlsx

    write_xlsx(release, tmp_path / "short.xlsx")
    return tmp_path / "short.xlsx"
