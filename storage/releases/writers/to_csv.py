"""A release as a ZIP of CSV tables with a LIESMICH.txt, for working groups who analyse in Excel,
LibreOffice, R or Python.

The tables are long ("tidy"): one row per count, so that a filter or a pivot table works at once.
Every CSV is UTF-8 with BOM and ";"-separated, with integers as plain digits and decimals with a comma –
what Excel in German opens by double click with umlauts and numbers intact (a decimal point would turn
3.5 into a date there). LIESMICH.txt says so, and how R and pandas read it.
"""

from __future__ import annotations

import csv
import io
import textwrap
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from storage.releases.model import Cell, Counts, Microdata, QuestionTable, Release
from storage.releases.writers.common import (
    NOT_SHOWN,
    SUBMITTED,
    answer_label,
    cell_count,
    check,
    decimal,
    facts,
    german_date,
    hidden_label,
    marks,
    populations,
    reading_notes,
    shows_counts,
    withheld_text,
)
from storage.releases.writers.files import private_output

KINDS = {
    "single": "Einfachauswahl",
    "multi": "Mehrfachauswahl",
    "scale": "Skala",
    "yesno": "Ja/Nein",
    "text": "Freitext",
}
# What a spreadsheet would run as a formula when the file is opened (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Value = str | int | float | None


def write_csv(release: Release, path: Path) -> None:
    check(release)
    tables: list[tuple[str, Sequence[str], Iterable[Sequence[Value]]]] = [
        ("fragen.csv", FRAGEN, _questions(release)),
        ("basis.csv", BASIS, _bases(release)),
        ("aufschluesselungen.csv", AUFSCHLUESSELUNGEN, _breakdowns(release)),
        ("befragte.csv", BEFRAGTE, _who(release)),
        ("freitexte.csv", FREITEXTE, _texts(release)),
    ]
    if release.microdata is not None:
        tables.append(
            ("einzeldaten.csv", [c.id for c in release.microdata.columns], _micro(release.microdata))
        )
        tables.append(("einzeldaten_spalten.csv", SPALTEN, _micro_columns(release.microdata)))
    readme = liesmich(release, [name for name, _, _ in tables])
    stamp = (release.made_on.year, release.made_on.month, release.made_on.day, 0, 0, 0)
    with private_output(path) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, header, rows in [*tables, ("LIESMICH.txt", [], [])]:
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o100600 << 16  # unpacked files stay readable by their owner only
            # Written into the archive as they are made: the free texts of a large field need not
            # fit in memory as one string (or four: as text, with the BOM, encoded, compressed).
            with archive.open(entry, "w") as raw, io.TextIOWrapper(raw, "utf-8", newline="") as out:
                out.write("\ufeff")  # tells Excel the encoding; LIESMICH.txt gets it too, for old editors
                if name == "LIESMICH.txt":
                    out.write(readme)
                else:
                    _table(out, header, rows)


def _field(value: Value) -> str:
    if isinstance(value, str):  # the most common, first: a large release has tens of thousands of texts
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return str(value)
    return decimal(value)


def _table(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[Value]]) -> None:
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_field(value) for value in row] for row in rows)


def _cell(cell: Cell, k: int) -> tuple[int | None, str]:
    return cell_count(cell), hidden_label(cell.hidden, k) if cell.hidden is not None else ""


FRAGEN = ["frage_id", "frage", "antwort_id", "antwort", "anzahl", "hinweis", "befragte"]


def _questions(release: Release) -> Iterable[list[Value]]:
    for question in release.questions:
        if question.submitted is None:
            yield [question.question_id, question.text, "", "", None, withheld_text(question), SUBMITTED]
        if not shows_counts(question):
            continue  # a free-text question: its base is in basis.csv, its texts in freitexte.csv
        for population, counts in populations(question):
            for answer, cell in zip(question.rows, counts.cells, strict=True):
                count, note = _cell(cell, release.k)
                label = answer_label(answer)
                yield [question.question_id, question.text, answer.answer_id, label, count, note, population]


BASIS = [
    "frage_id",
    "frage",
    "art",
    "befragte",
    "gefragt",
    "gefragt_hinweis",
    "geantwortet",
    "geantwortet_hinweis",
    "keine_angabe",
    "keine_angabe_hinweis",
    "skala_1",
    "skala_5",
    "mittelwert",
    "median",
    "hinweis",
]


def _bases(release: Release) -> Iterable[list[Value]]:
    k = release.k
    for question in release.questions:
        kind = KINDS.get(question.kind, question.kind)
        about: list[Value] = [question.question_id, question.text, kind]
        if question.submitted is None:
            empty: list[Value] = [None, "", None, "", None, "", "", "", None, None]
            note = _joined(withheld_text(question), *question.notes)
            yield [*about, SUBMITTED, *empty, note]
        for population, counts in populations(question):
            *scale, missing = _scale(counts)
            yield [*about, population, *_base(counts, k), *scale, _joined(missing, *question.notes)]


def _joined(*notes: Value) -> str:
    """Several notes in one field, each a sentence of its own."""
    return " ".join(str(n) if str(n).endswith(".") else f"{n}." for n in notes if n)


def _base(counts: Counts, k: int) -> list[Value]:
    return [*_cell(counts.base.asked, k), *_cell(counts.base.answered, k), *_cell(counts.base.no_answer, k)]


def _scale(counts: Counts) -> list[Value]:
    scale = counts.scale
    if scale is None:
        return ["", "", None, None, ""]
    missing = [
        name for name, value in (("Mittelwert", scale.mean), ("Median", scale.median)) if value is None
    ]
    note = f"{' und '.join(missing)} {NOT_SHOWN}." if missing else ""
    return [scale.low, scale.high, scale.mean, scale.median, note]


AUFSCHLUESSELUNGEN = [
    "frage_id",
    "frage",
    "merkmal",
    "gruppe",
    "gruppe_gefragt",
    "gruppe_mittelwert",
    "antwort_id",
    "antwort",
    "anzahl",
    "hinweis",
]


def _breakdowns(release: Release) -> Iterable[list[Value]]:
    for question in release.questions:
        if question.submitted is None:
            continue
        for breakdown in question.breakdowns:
            for number, group in enumerate(breakdown.columns):
                mean = breakdown.means[number] if breakdown.means else None
                for answer, cells in zip(question.rows, breakdown.cells, strict=True):
                    count, note = _cell(cells[number], release.k)
                    where: list[Value] = [question.question_id, question.text, breakdown.by, group.label]
                    yield [*where, group.asked, mean, answer.answer_id, answer_label(answer), count, note]


BEFRAGTE = ["merkmal", "gruppe", "anzahl", "hinweis"]


def _who(release: Release) -> Iterable[list[Value]]:
    for distribution in release.who:
        for label, cell in distribution.rows:
            yield [distribution.by, label, *_cell(cell, release.k)]


FREITEXTE = ["frage_id", "frage", "sprache", "text"]


def _texts(release: Release) -> Iterable[list[Value]]:
    for text in release.texts:
        yield [text.question_id, text.question, text.language, text.text]


SPALTEN = ["spalte", "ueberschrift", "erlaeuterung"]


def _micro(microdata: Microdata) -> Iterable[Sequence[Value]]:
    return microdata.rows


def _micro_columns(microdata: Microdata) -> Iterable[list[Value]]:
    for column in microdata.columns:
        yield [column.id, column.header, column.explanation]


def _question_kinds(questions: list[QuestionTable]) -> str:
    return ", ".join(sorted({KINDS.get(q.kind, q.kind) for q in questions}))


FILES = {
    "fragen.csv": "Jede Frage mit jeder Antwort und ihrer Anzahl, eine Zeile je Antwort (Spalten: frage_id, "
    "frage, antwort_id, antwort, anzahl, hinweis, befragte). „anzahl“ ist leer, wo die Zahl verdeckt ist; "
    "„hinweis“ sagt dann, warum. „befragte“ sagt, wessen Antworten gezählt sind.",
    "basis.csv": "Je Frage die Basis: gefragt, geantwortet, Keine Angabe (jeweils mit Hinweis, falls "
    "verdeckt); bei Skalen, was 1 und 5 bedeuten, Mittelwert und Median; unter „hinweis“, was bei der "
    "Frage fehlt und warum.",
    "aufschluesselungen.csv": "Jede Frage nach einem Merkmal (merkmal, gruppe), mit der Zahl der Gefragten "
    "in der Gruppe (gruppe_gefragt), bei Skalen dem Mittelwert der Gruppe, und den Anzahlen je Antwort.",
    "befragte.csv": "Wer geantwortet hat: die Befragten nach Bezirk, Alter, Zeit in Deutschland, Geschlecht, "
    "Herkunftsregion und Sprache.",
    "freitexte.csv": "Die freigegebenen Freitexte mit ihrer Frage und ihrer Sprache, in zufälliger "
    "Reihenfolge und ohne Verbindung zu anderen Antworten.",
    "einzeldaten.csv": "Einzeldaten: eine Zeile je Person, ohne Freitexte, vergröbert (siehe unten). Die "
    "Spaltennamen sind die Frage-IDs.",
    "einzeldaten_spalten.csv": "Was jede Spalte von einzeldaten.csv enthält: ihre Frage, und was vergröbert "
    "ist.",
}


def _wrapped(text: str, bullet: str = "") -> list[str]:
    return textwrap.wrap(text, width=96, initial_indent=bullet, subsequent_indent=" " * len(bullet)) or [""]


def liesmich(release: Release, names: list[str]) -> str:
    """The plain German explanation beside the tables."""
    k = release.k
    lines = [f"Mitsprache – Freigabe „{release.title}“ vom {german_date(release)}", ""]
    lines += _wrapped(
        "Diese ZIP-Datei enthält die Ergebnisse der Befragung als Tabellen. Kleine Zahlen sind verdeckt, "
        "damit sich einzelne Personen nicht erkennen lassen. Bitte behandeln Sie die Dateien trotzdem "
        "vertraulich: Auch geprüfte Freitexte können Hinweise auf Personen enthalten."
    )
    lines += ["", "DAS WICHTIGSTE IN ZAHLEN", ""]
    lines += [line for name, value in facts(release) for line in _wrapped(f"{name}: {value}", "- ")]
    lines += ["", "DIE DATEIEN", ""]
    for name in names:
        if name in FILES:
            lines += _wrapped(f"{name}: {FILES[name]}", "- ")
    lines += _wrapped("LIESMICH.txt: diese Erläuterung.", "- ")
    lines += ["", "SO ÖFFNEN SIE DIE TABELLEN", ""]
    lines += _wrapped(
        "Die Tabellen sind UTF-8-Text mit BOM, die Spalten durch Semikolon (;) getrennt. Excel und "
        "LibreOffice in deutscher Einstellung öffnen sie per Doppelklick richtig. Ganze Zahlen stehen ohne "
        "Tausenderpunkt, Dezimalzahlen (Mittelwert, Median) mit Komma, zum Beispiel 3,5 – so, wie Excel in "
        "deutscher Einstellung sie erwartet."
    )
    lines.append("")
    lines += _wrapped('In R: read.csv2("fragen.csv", fileEncoding = "UTF-8-BOM").', "- ")
    pandas = 'pd.read_csv("fragen.csv", sep=";", decimal=",", encoding="utf-8-sig")'
    lines += _wrapped(f"In Python mit pandas: {pandas}.", "- ")
    lines.append("")
    lines += _wrapped(
        "Texte, die mit =, +, - oder @ beginnen, stehen mit einem Apostroph (') davor, damit ein "
        "Tabellenprogramm sie nicht als Formel ausführt."
    )
    lines += ["", f"DIE SCHWELLE k = {k} UND DIE ZEICHEN", ""]
    lines += _wrapped(
        f"Zahlen, die auf weniger als {k} Personen hinweisen könnten, sind nicht angegeben. Das Feld "
        "„anzahl“ ist dann leer, und „hinweis“ sagt, warum:"
    )
    lines.append("")
    lines += [line for mark, meaning in marks(k) for line in _wrapped(f"„{mark}“: {meaning}", "- ")]
    lines += ["", "LESEHILFE", ""]
    lines += [line for note in reading_notes(release) for line in _wrapped(note, "- ")]
    lines += _wrapped(f"Fragearten in dieser Freigabe: {_question_kinds(release.questions)}.", "- ")
    lines += ["", "SCHUTZ DER BEFRAGTEN", ""]
    lines += [line for note in release.notes for line in _wrapped(note, "- ")]
    if release.microdata is not None:
        micro = release.microdata
        lines += ["", "EINZELDATEN", ""]
        lines += _wrapped(
            f"einzeldaten.csv hat {len(micro.rows)} Zeilen. {micro.removed_rows} Zeilen sind weggelassen, "
            f"weil keine Vergröberung sie k-anonym machte: Jede Zeile teilt ihre Kombination mit mindestens "
            f"{k - 1} anderen.",
        )
        lines += [line for note in micro.notes for line in _wrapped(note, "- ")]
        lines.append("")
        lines += [
            line for c in micro.columns for line in _wrapped(f"{c.id}: {c.header} – {c.explanation}", "- ")
        ]
    lines.append("")
    return "\r\n".join(lines)
