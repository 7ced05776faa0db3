"""A release as an Excel workbook a working group can read, filter and chart without preparing it.

Sheets: "Übersicht" (per question: the text as heading, its id beneath, one row per answer with the count
as a number, the base, scale ends with mean and median, and a bar chart beside the block),
"Aufschlüsselungen" (each question by each demographic, the groups as columns with their size),
"Befragte" (who answered), "Freitexte", "Einzeldaten" (only in a release with row-level data) and
"Erläuterungen" (what the marks mean and what was done to protect people).

A hidden count leaves its cell empty (so that sums and charts never take a mark for a number); the
column beside it says why. In the breakdowns, where there is no room for a second column per group, the
cell itself holds the mark as text, which Excel's SUM skips.

The workbook is written as it is made (openpyxl's write-only mode): a sheet keeps only its last rows in
memory, so 100,000 free texts or rows cost the workbook little memory beyond the release itself. Rows are
therefore written top down, and what Excel reads before the rows (frozen panes, widths, page set-up)
is set before a sheet's first rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from copy import copy
from pathlib import Path
from typing import TYPE_CHECKING, cast
from weakref import WeakKeyDictionary

from storage.releases.model import Cell, QuestionTable, Release
from storage.releases.writers.common import (
    NOT_SHOWN,
    STARTED,
    SUBMITTED,
    answer_label,
    cell_count,
    check,
    clean,
    facts,
    german_date,
    hidden_label,
    marks,
    populations,
    reading_notes,
    scale_ends,
    shows_counts,
    texts_per_question,
    withheld_text,
)
from storage.releases.writers.files import private_output

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell as SheetCell
    from openpyxl.chart import BarChart
    from openpyxl.chart.title import Title
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.worksheet.worksheet import Worksheet

COUNT_FORMAT = "0"
DECIMAL_FORMAT = "0.0#"
ROW_CM = 0.53  # Excel's default row height (15 points) in centimetres, for sizing the charts
BLOCK_ROWS = 15  # a question's block is at least this tall, so that its chart fits beside it
CHART_WIDTH_CM = 16
GREY = "666666"
HEADER_FILL = "DDE4EE"
# Each workbook's styles as openpyxl numbered them (see _style); forgotten with the workbook.
_STYLES: WeakKeyDictionary[Workbook, dict[tuple[object, ...], StyleArray]] = WeakKeyDictionary()
KEPT_ROWS = 200  # rows held before the oldest are written: more than any block that is still being filled


class Sheet:
    """A write-only sheet, filled cell by cell in row order: the last rows are kept (a block's heading
    gets its height once its text is known), older ones are written out and let go."""

    def __init__(self, book: Workbook, title: str) -> None:
        from openpyxl.worksheet._write_only import WriteOnlyWorksheet

        ws = book.create_sheet(title)
        assert isinstance(ws, WriteOnlyWorksheet)  # the workbook is made write-only
        # A write-only sheet has the settings of an ordinary one (openpyxl's Worksheet._setup), which
        # the type stubs leave out; its cells go only through append.
        self.ws = cast("Worksheet", ws)
        self._kept: dict[int, dict[int, SheetCell]] = {}
        self._written = 0  # rows 1.._written are out

    def put(self, row: int, column: int, value: str | int | float | None) -> SheetCell:
        """Writes a value as itself: numbers as numbers, text as text even where it starts with "="
        (openpyxl would store a formula, and a free text must never run as one)."""
        from openpyxl.cell import WriteOnlyCell

        cell = self._text(clean(value)) if isinstance(value, str) else WriteOnlyCell(self.ws, value)
        self._keep(row)[column] = cell
        return cell

    def row_height(self, row: int, height: float) -> None:
        self._keep(row)
        self.ws.row_dimensions[row].height = height

    def append(self, row: int, values: list[str | int | float | None]) -> None:
        """A whole row at once, below every row written so far: several times faster than cell by
        cell. Text that starts with "=" stays text here too."""
        self.close()  # the rows filled cell by cell so far go first
        if row <= self._written:
            raise ValueError(f"row {row} of sheet {self.ws.title!r} is already written")
        self._write_to(row - 1)
        self.ws.append([self._text(v) if isinstance(v, str) and v.startswith("=") else v for v in values])
        self._written = row

    def _text(self, value: str) -> SheetCell:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.ws, value)
        cell.data_type = "s"
        return cell

    def close(self) -> None:
        self._write_to(max(self._kept, default=0))

    def _keep(self, row: int) -> dict[int, SheetCell]:
        if row <= self._written:
            raise ValueError(f"row {row} of sheet {self.ws.title!r} is already written")
        if row - KEPT_ROWS > self._written:
            self._write_to(row - KEPT_ROWS)
        return self._kept.setdefault(row, {})

    def _write_to(self, last: int) -> None:
        while self._written < last:
            self._written += 1
            cells = self._kept.pop(self._written, {})
            self.ws.append([cells.get(column) for column in range(1, max(cells, default=0) + 1)])


def write_xlsx(release: Release, path: Path) -> None:
    check(release)
    # Imported here: openpyxl takes a tenth of a second to import, and only this format needs it.
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    parts: list[tuple[str, Callable[[Sheet, Release], None]]] = [
        ("Übersicht", _overview),
        ("Aufschlüsselungen", _breakdowns),
        ("Befragte", _who),
        ("Freitexte", _texts),
    ]
    if release.microdata is not None:
        parts.append(("Einzeldaten", _microdata))
    parts.append(("Erläuterungen", _explained))
    for title, fill in parts:  # one sheet after the other, each written out before the next
        sheet = Sheet(book, title)
        fill(sheet, release)
        sheet.close()
    with private_output(path) as handle:
        book.save(handle)


def _style(
    cell: SheetCell,
    *,
    bold: bool = False,
    size: float | None = None,
    grey: bool = False,
    italic: bool = False,
    wrap: bool = False,
    right: bool = False,
    fill: str | None = None,
    number: str | None = None,
) -> SheetCell:
    from openpyxl.styles import Alignment, Font, PatternFill

    # A style is a row of indices into the workbook's fonts, fills and formats. Finding them costs more
    # than the rest of a cell, so each style is looked up once per workbook and copied after that.
    book = cell.parent.parent
    assert book is not None  # a cell of a sheet of a workbook
    known = _STYLES.setdefault(book, {})
    key = (bold, size, grey, italic, wrap, right, fill, number)
    if key in known:
        cell._style = copy(known[key])  # type: ignore[attr-defined]  # not in openpyxl's stubs
        return cell
    cell.font = Font(bold=bold, italic=italic, size=size, color=GREY if grey else None)
    cell.alignment = Alignment(
        wrap_text=wrap, vertical="top", horizontal="right" if right else None, readingOrder=0
    )
    if fill is not None:
        cell.fill = PatternFill("solid", fgColor=fill)
    if number is not None:
        cell.number_format = number
    known[key] = copy(cell._style)  # type: ignore[attr-defined]
    return cell


def _header(sheet: Sheet, row: int, names: list[str], *, wrap: bool = False) -> None:
    for column, name in enumerate(names, 1):
        _style(sheet.put(row, column, name), bold=True, fill=HEADER_FILL, wrap=wrap)


def _widths(sheet: Sheet, widths: list[float]) -> None:
    from openpyxl.utils import get_column_letter

    for column, width in enumerate(widths, 1):
        sheet.ws.column_dimensions[get_column_letter(column)].width = width


def _lines(text: str, width: float) -> int:
    """About how many lines a wrapped text takes in a column this wide (Excel does not grow rows of
    merged or pre-filled cells by itself)."""
    per_line = max(1, int(width * 1.1))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.splitlines() or [""])


def _count(sheet: Sheet, row: int, column: int, cell: Cell, k: int) -> None:
    """A count in `column` and, where it is hidden, the reason in the column beside it."""
    count = cell_count(cell)
    _style(sheet.put(row, column, count), number=COUNT_FORMAT)
    if cell.hidden is not None:
        _style(sheet.put(row, column + 1, hidden_label(cell.hidden, k)), grey=True, italic=True)


def _decimal(sheet: Sheet, row: int, column: int, value: float | None) -> None:
    if value is None:
        _style(sheet.put(row, column + 1, NOT_SHOWN), grey=True, italic=True)
    else:
        _style(sheet.put(row, column, round(value, 2)), number=DECIMAL_FORMAT)


# --- Übersicht ---------------------------------------------------------------------------------------


class _Columns:
    """Where things go on the summary sheet: answer, count and note, then (partial releases) the count
    and note of those who only started, then the answer's id."""

    def __init__(self, partial: bool) -> None:
        self.answer = 1
        # One count column per population, its note beside it: a population's counts always stand in
        # its own column, also where the other is withheld.
        self.counts = {SUBMITTED: 2, STARTED: 4} if partial else {SUBMITTED: 2}
        self.answer_id = 6 if partial else 4
        self.last = self.answer_id
        self.chart = self.last + 2

    def names(self, partial: bool) -> list[str]:
        names = ["Antwort", "Anzahl", "Hinweis"]
        if partial:
            names += ["nur angefangen", "Hinweis"]
        return [*names, "Antwort-ID"]


def _overview(sheet: Sheet, release: Release) -> None:
    from openpyxl.worksheet.cell_range import CellRange

    partial = release.started_only is not None or any(q.unsubmitted for q in release.questions)
    at = _Columns(partial)
    widths = [48.0, 10.0, 16.0] + ([14.0, 16.0] if partial else []) + [18.0]
    _widths(sheet, widths)
    _style(sheet.put(1, 1, f"{release.title} – Freigabe vom {german_date(release)}"), bold=True, size=14)
    who = f"{release.respondents} Befragte haben abgesendet"
    if release.started_only is not None:
        who += f", {release.started_only} haben nur angefangen (getrennt gezählt)"
    explained = f"{who}. Schwelle k = {release.k}. Zeichen und Begriffe: Blatt „Erläuterungen“."
    _style(sheet.put(2, 1, explained), grey=True)
    _header(sheet, 3, at.names(partial))
    sheet.ws.freeze_panes = "A4"
    _fit_width(sheet, landscape=True)  # the charts stand beside the tables
    texts = texts_per_question(release)
    row = 5
    for question in release.questions:
        top = row
        heading = _style(sheet.put(row, 1, question.text), bold=True, size=12, wrap=True)
        sheet.ws.merged_cells.add(CellRange(min_row=row, max_row=row, min_col=1, max_col=at.last))
        sheet.row_height(row, 16 * _lines(str(heading.value), sum(widths) * 0.9))
        _style(sheet.put(row + 1, 1, question.question_id), grey=True)
        row += 2
        if question.submitted is None:
            _style(sheet.put(row, 1, f"Keine Zahlen: {withheld_text(question)}"), italic=True)
            row += 1
        if not any(True for _ in populations(question)):
            row = _question_notes(sheet, row, question) + 1
            continue
        first = row
        for number, answer in enumerate(question.rows):
            sheet.put(row, at.answer, answer_label(answer))
            for name, counts in populations(question):
                _count(sheet, row, at.counts[name], counts.cells[number], release.k)
            answer_id: str | int = answer.answer_id
            if question.kind == "scale" and answer.answer_id.isdigit():
                answer_id = int(answer.answer_id)  # the scale value, so that it can be averaged
            _style(sheet.put(row, at.answer_id, answer_id), grey=True)
            row += 1
        last = row - 1
        row = _base(sheet, row, question, at, release.k)
        if question.kind == "text":
            released = f"Freitexte: {texts[question.question_id]} freigegeben, Blatt „Freitexte“"
            _style(sheet.put(row, 1, released), italic=True)
            row += 1
        row = _question_notes(sheet, row, question)
        if shows_counts(question):
            chart = _chart(sheet, question, at, first, last, release.k)
            height = max(BLOCK_ROWS, row - top + 1)
            chart.height = (height - 2) * ROW_CM
            sheet.ws.add_chart(chart, f"{_letter(at.chart)}{top + 1}")
            row = top + height
        row += 1


def _question_notes(sheet: Sheet, row: int, question: QuestionTable) -> int:
    """What is left out of this question's tables and why, one line each. Returns the next row."""
    for note in question.notes:
        _style(sheet.put(row, 1, f"Hinweis: {note}"), grey=True, italic=True)
        row += 1
    return row


def _base(sheet: Sheet, row: int, question: QuestionTable, at: _Columns, k: int) -> int:
    """The base rows under the answers, then the scale's ends, mean and median. Returns the next row."""
    from openpyxl.styles import Border, Side

    pairs = [(at.counts[name], (name, counts)) for name, counts in populations(question)]
    for label, part in (
        ("Basis: gefragt", "asked"),
        ("Basis: geantwortet", "answered"),
        ("Basis: Keine Angabe", "no_answer"),
    ):
        name = _style(sheet.put(row, at.answer, label), italic=True)
        if part == "asked":
            name.border = Border(top=Side(style="thin"))
        for column, (_, counts) in pairs:
            cell: Cell = getattr(counts.base, part)
            _count(sheet, row, column, cell, k)
        row += 1
    scales = [(column, counts.scale) for column, (_, counts) in pairs if counts.scale is not None]
    if scales:
        _style(sheet.put(row, at.answer, f"Skala: {scale_ends(scales[0][1])}"), italic=True)
        row += 1
        for label, attribute in (("Mittelwert", "mean"), ("Median", "median")):
            _style(sheet.put(row, at.answer, label), italic=True)
            for column, scale in scales:
                _decimal(sheet, row, column, getattr(scale, attribute))
            row += 1
    return row


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _chart(sheet: Sheet, question: QuestionTable, at: _Columns, first: int, last: int, k: int) -> BarChart:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.data_source import AxDataSource, StrRef
    from openpyxl.chart.label import DataLabelList
    from openpyxl.chart.series import SeriesLabel

    chart = BarChart()
    chart.type = "bar"  # horizontal bars: long answer labels stay readable
    chart.style = 10
    chart.title = _title(question.text)
    chart.width = CHART_WIDTH_CM
    for name, _ in populations(question):
        chart.add_data(Reference(sheet.ws, min_col=at.counts[name], min_row=first, max_row=last))
        chart.series[-1].tx = SeriesLabel(v=name)
    # The answers as a string reference: openpyxl's set_categories would make a numeric one.
    labels = Reference(sheet.ws, min_col=at.answer, min_row=first, max_row=last)
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(labels)))
    # The count at each bar, and nothing else: spelled out, as readers differ on what is left unsaid.
    chart.dataLabels = DataLabelList(
        showVal=True, showCatName=False, showSerName=False, showLegendKey=False, showPercent=False
    )
    chart.x_axis.scaling.orientation = "maxMin"  # the answers top down, in the table's order
    chart.y_axis.crosses = "max"  # and the value axis stays at the bottom (the last category)
    chart.x_axis.delete = False  # openpyxl 3.1 hides both axes unless told otherwise
    chart.y_axis.delete = False
    chart.y_axis.scaling.min = 0
    chart.y_axis.number_format = "0"
    hidden = any(cell.hidden is not None for _, counts in populations(question) for cell in counts.cells)
    # An empty slot could read as "nobody": say on the chart itself that it is not.
    chart.y_axis.title = (
        f"Anzahl (ohne Balken: weniger als {k} oder verdeckt, siehe Tabelle)" if hidden else "Anzahl"
    )
    if len(chart.series) == 1:
        chart.legend = None
    else:
        chart.legend.position = "b"
    return chart


def _title(text: str) -> Title:
    """A chart title in a smaller font than Excel's default, which would crowd out the bars."""
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun

    font = CharacterProperties(sz=1100, b=True)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=font), r=[RegularTextRun(rPr=font, t=clean(text))])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


# --- Aufschlüsselungen -------------------------------------------------------------------------------


def _breakdowns(sheet: Sheet, release: Release) -> None:
    k = release.k
    _style(
        sheet.put(1, 1, "Aufschlüsselungen: jede Frage nach einem Merkmal; „Gefragt“: die Größe der Gruppe."),
        bold=True,
    )
    sheet.ws.freeze_panes = "B2"
    _fit_width(sheet, landscape=True)
    groups = max((len(b.columns) for q in release.questions for b in q.breakdowns), default=0)
    _widths(sheet, [48.0] + [14.0] * groups)
    row = 3
    for question in release.questions:
        if question.submitted is None:
            continue
        for breakdown in question.breakdowns:
            _style(sheet.put(row, 1, question.text), bold=True)
            _style(sheet.put(row + 1, 1, f"{question.question_id} · nach {breakdown.by}"), grey=True)
            _header(sheet, row + 2, ["Antwort"] + [c.label for c in breakdown.columns], wrap=True)
            longest = max((len(c.label) for c in breakdown.columns), default=1)
            sheet.row_height(row + 2, 15 * min(5, _lines("x" * longest, 13)))
            _style(sheet.put(row + 3, 1, "Gefragt"), italic=True)
            for column, group in enumerate(breakdown.columns, 2):
                _style(sheet.put(row + 3, column, group.asked), italic=True, number=COUNT_FORMAT)
            row += 4
            for answer, cells in zip(question.rows, breakdown.cells, strict=True):
                sheet.put(row, 1, answer_label(answer))
                for column, cell in enumerate(cells, 2):
                    if cell.hidden is None:
                        _style(sheet.put(row, column, cell.count), number=COUNT_FORMAT)
                    else:
                        mark = sheet.put(row, column, hidden_label(cell.hidden, k))
                        _style(mark, grey=True, italic=True, right=True)
                row += 1
            if breakdown.means:
                scale = question.submitted.scale
                label = "Mittelwert" + (f" ({scale_ends(scale)})" if scale is not None else "")
                _style(sheet.put(row, 1, label), italic=True)
                for column, mean in enumerate(breakdown.means, 2):
                    if mean is None:
                        _style(sheet.put(row, column, NOT_SHOWN), grey=True, italic=True, right=True)
                    else:
                        _style(sheet.put(row, column, round(mean, 2)), number=DECIMAL_FORMAT)
                row += 1
            row += 1
    if row == 3:
        sheet.put(row, 1, "Diese Freigabe enthält keine Aufschlüsselungen.")


# --- Befragte, Freitexte, Einzeldaten, Erläuterungen -------------------------------------------------


def _table(sheet: Sheet, header_row: int) -> None:
    """The rows above the data frozen and printed on every page (set before the rows: see Sheet)."""
    sheet.ws.freeze_panes = f"A{header_row + 1}"
    sheet.ws.print_title_rows = f"1:{header_row}"
    _fit_width(sheet)


def _filter(sheet: Sheet, header_row: int, columns: int, last_row: int) -> None:
    """Filter buttons on the header row, over the rows written."""
    sheet.ws.auto_filter.ref = f"A{header_row}:{_letter(columns)}{max(last_row, header_row)}"


def _fit_width(sheet: Sheet, landscape: bool = False) -> None:
    """Printed one page wide, as many pages long as it takes."""
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.ws.page_setup.fitToWidth = 1
    sheet.ws.page_setup.fitToHeight = 0
    if landscape:
        sheet.ws.page_setup.orientation = "landscape"


def _who(sheet: Sheet, release: Release) -> None:
    _table(sheet, 1)
    _header(sheet, 1, ["Merkmal", "Gruppe", "Anzahl", "Hinweis"])
    _widths(sheet, [26.0, 36.0, 10.0, 16.0])
    row = 2
    for distribution in release.who:
        for label, cell in distribution.rows:
            sheet.put(row, 1, distribution.by)
            sheet.put(row, 2, label)
            _count(sheet, row, 3, cell, release.k)
            row += 1
    _filter(sheet, 1, 4, row - 1)


def _texts(sheet: Sheet, release: Release) -> None:
    _table(sheet, 1)
    _header(sheet, 1, ["Frage", "Sprache", "Text", "Frage-ID"])
    _widths(sheet, [40.0, 16.0, 80.0, 16.0])
    for row, text in enumerate(release.texts, 2):
        _style(sheet.put(row, 1, text.question), wrap=True)
        _style(sheet.put(row, 2, text.language))
        _style(sheet.put(row, 3, text.text), wrap=True)
        _style(sheet.put(row, 4, text.question_id), grey=True)
    _filter(sheet, 1, 4, len(release.texts) + 1)


def _micro_value(value: str | int | float | None) -> str | int | float | None:
    """Numbers as numbers, also where they arrive as digits (a scale value "4" is averaged as 4)."""
    if isinstance(value, str):
        return int(value) if value.isascii() and value.isdigit() else clean(value)
    return value


def _microdata(sheet: Sheet, release: Release) -> None:
    microdata = release.microdata
    assert microdata is not None  # the sheet is there only in a release with row-level data
    width = len(microdata.columns)
    widths = [round(min(30.0, max(16.0, len(column.header) / 3)), 1) for column in microdata.columns]
    _widths(sheet, widths)
    _table(sheet, 2)
    for number, column in enumerate(microdata.columns, 1):
        _style(sheet.put(1, number, column.header), bold=True, wrap=True, fill=HEADER_FILL)
        _style(sheet.put(2, number, column.id), grey=True, fill=HEADER_FILL)
    tallest = max((_lines(c.header, w) for c, w in zip(microdata.columns, widths, strict=True)), default=1)
    sheet.row_height(1, 15 * min(8, tallest))
    for row, values in enumerate(microdata.rows, 3):
        sheet.append(row, [_micro_value(value) for value in values])  # a row at once: much faster
    _filter(sheet, 2, width, len(microdata.rows) + 2)


def _explained(sheet: Sheet, release: Release) -> None:
    _header(sheet, 1, ["Thema", "Erläuterung"])
    _widths(sheet, [34.0, 100.0])
    sheet.ws.freeze_panes = "A2"
    _fit_width(sheet)
    lines: list[tuple[str, str]] = list(facts(release))
    lines += [(f"„{mark}“", meaning) for mark, meaning in marks(release.k)]
    lines += [("Lesehilfe", note) for note in reading_notes(release)]
    lines += [("Schutz", note) for note in release.notes]
    if release.microdata is not None:
        micro = release.microdata
        removed = f"{micro.removed_rows} Zeilen weggelassen, weil keine Vergröberung sie k-anonym machte."
        lines.append(("Einzeldaten", f"{len(micro.rows)} Zeilen; {removed}"))
        lines += [("Einzeldaten", note) for note in micro.notes]
        lines += [(f"Spalte {c.id}", f"{c.header}: {c.explanation}") for c in micro.columns]
    for row, (topic, meaning) in enumerate(lines, 2):
        _style(sheet.put(row, 1, topic), bold=True)
        _style(sheet.put(row, 2, meaning), wrap=True)
