"""Writers for a field export: CSV (Excel-friendly), XLSX (answers, summary, explanations), JSON, HTML."""

from __future__ import annotations

import asyncio
import csv
import html
import json
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from storage.export import ExportStats, FieldExport, option_rows, shown_count
from storage.vocabulary import EXPORT_FORMATS

FORMATS = EXPORT_FORMATS


def private_file(path: Path) -> None:
    """Creates (or empties) the file readable by its owner only, before anything is written into it:
    a release is personal data until someone has checked it (the writers keep the mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
    finally:
        os.close(fd)


def notes(export: FieldExport) -> list[str]:
    s = export.stats
    return [
        f"Handlungsfeld: {export.q.title} ({export.q.id})",
        f"Befragte: {s.respondents}",
        "Es gibt keine Telegram-Kennungen und keine Pseudonyme in dieser Datei. "
        "Die Nummern werden in jedem Export neu und zufällig vergeben.",
        "Zeitangaben sind auf den Monat vergröbert.",
        f"Schwelle k = {s.k}: Wo weniger als {s.k} Personen dieselbe Kombination aus Bezirk, Alter, "
        f"Zeit in Deutschland, Geschlecht, Herkunftsregion und Sprache haben, sind diese Angaben "
        f"unterdrückt ({s.suppressed_rows} Zeilen). Zahlen unter {s.k} werden als „< {s.k}“ gezeigt.",
        "Freitexte: Telefonnummern, E-Mail- und Web-Adressen, IBANs, Telegram-Namen, Straßenadressen "
        "(auch in arabischer und kyrillischer Schrift) und Postleitzahlen sind durch Platzhalter wie "
        "[TELEFON] ersetzt; ebenso Pass-, Ausweis-, Aufenthaltstitel- und BAMF-Nummern und Geburtsdaten, "
        "wo der Text sie als solche nennt. Namen von Personen sind ersetzt, wo der Text sie vorstellt "
        "(„ich heiße …“) oder neben einem Familienwort oder einer Anrede nennt („mein Sohn …“, "
        "„Frau …“); andere Namen können stehen bleiben.",
        f"Freitexte, die noch nicht freigegeben sind, fehlen: {s.held_back_texts} zurückgehalten, "
        f"{s.released_texts} freigegeben.",
        "Antworten auf Auswahlfragen: deutscher Text und stabile Antwort-ID.",
    ]


def summary_rows(export: FieldExport) -> list[list[str]]:
    """Per question and answer: how many chose it (small numbers hidden)."""
    s = export.stats
    rows: list[list[str]] = []
    for question in export.q.questions:
        if question.type == "text":
            continue
        counts: Counter[str] = s.counts.get(question.id, Counter())
        for value, label in option_rows(question):
            rows.append([question.id, question.text, value, label, shown_count(counts.get(value, 0), s.k)])
    return rows


async def write_csv(export: FieldExport, path: Path) -> ExportStats:
    private_file(path)
    # utf-8-sig and ";" so that Excel and LibreOffice in German open it with umlauts intact.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([c.name for c in export.columns()])
        async for row in export.rows():
            writer.writerow(row)
    return export.stats


async def write_xlsx(export: FieldExport, path: Path) -> ExportStats:
    private_file(path)
    from openpyxl import Workbook  # here: it takes a tenth of a second to import, and only XLSX needs it

    book = Workbook(write_only=True)  # streams rows to disk instead of keeping them all
    answers = book.create_sheet("Antworten")
    summary = book.create_sheet("Zusammenfassung")
    explained = book.create_sheet("Erläuterungen")
    columns = export.columns()
    answers.append([c.name for c in columns])
    async for row in export.rows():
        answers.append(row)
    summary.append(["Frage-ID", "Frage", "Antwort-ID", "Antwort", "Anzahl"])
    for line in summary_rows(export):
        summary.append(line)
    explained.append(["Spalte", "Bedeutung"])
    for column in columns:
        explained.append([column.name, column.explanation])
    explained.append([])
    explained.append(["Anonymisierung", ""])
    for note in notes(export):
        explained.append(["", note])
    book.save(path)
    return export.stats


async def write_json(export: FieldExport, path: Path) -> ExportStats:
    private_file(path)
    names = [c.name for c in export.columns()]
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"respondents": [\n')
        first = True
        async for row in export.rows():
            handle.write(
                ("" if first else ",\n") + json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False)
            )
            first = False
        handle.write("\n],\n")
        tail = {
            "field": export.q.id,
            "title": export.q.title,
            "k": export.stats.k,
            "columns": {c.name: c.explanation for c in export.columns()},
            "summary": [
                dict(zip(("question", "text", "answer_id", "answer", "count"), r, strict=True))
                for r in summary_rows(export)
            ],
            "notes": notes(export),
        }
        handle.write(json.dumps(tail, ensure_ascii=False, indent=1)[1:])
    return export.stats


async def write_html(export: FieldExport, path: Path) -> ExportStats:
    """A report in German with a bar chart per question; it holds counts, never single answers."""
    private_file(path)
    async for _ in export.rows():
        pass  # counts are gathered while the rows stream by
    s = export.stats
    parts = [
        "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>",
        f"<title>{html.escape(export.q.title)} – Mitsprache</title>",
        "<style>body{font-family:sans-serif;max-width:52em;margin:2em auto;color:#222}"
        ".bar{background:#3a6ea5;height:1.1em;display:inline-block;vertical-align:middle}"
        "td{padding:.2em .5em;vertical-align:middle}.n{text-align:right;white-space:nowrap}"
        "h2{font-size:1.1em;margin-top:2em}.note{color:#555;font-size:.9em}</style></head><body>",
        f"<h1>{html.escape(export.q.title)}</h1>",
        f"<p>Antworten aus der Beteiligung mit Mitsprache: {s.respondents} Befragte.</p>",
    ]
    for question in export.q.questions:
        parts.append(f"<h2>{html.escape(question.text)}</h2>")
        if question.type == "text":
            parts.append(
                f"<p class='note'>Freitext. Freigegebene Texte stehen in der Tabelle (CSV/XLSX); "
                f"{s.held_back_texts} Texte dieses Feldes sind noch zurückgehalten.</p>"
            )
            continue
        counts: Counter[str] = s.counts.get(question.id, Counter())
        biggest = max(counts.values(), default=0) or 1
        parts.append("<table>")
        for value, label in option_rows(question):
            count = counts.get(value, 0)
            shown = shown_count(count, s.k)
            width = 0 if shown.startswith("<") else round(300 * count / biggest)
            parts.append(
                f"<tr><td>{html.escape(label)}</td><td><span class='bar' style='width:{width}px'></span></td>"
                f"<td class='n'>{html.escape(shown)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Anonymisierung</h2><ul>")
    parts += [f"<li class='note'>{html.escape(note)}</li>" for note in notes(export)]
    parts.append("</ul></body></html>")
    await asyncio.to_thread(path.write_text, "\n".join(parts), encoding="utf-8")
    return export.stats


WRITERS: dict[str, Callable[[FieldExport, Path], Awaitable[ExportStats]]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "json": write_json,
    "html": write_html,
}
