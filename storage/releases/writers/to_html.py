"""A release as one German web page: a bar chart per question with its base beneath, the breakdowns,
the free texts and the notes, readable on screen and printed (or saved as PDF) in black and white.

The page is self-contained: no script, no font, no image, nothing fetched (its Content-Security-Policy
forbids it too), so that it opens the same offline, from a mail attachment or a USB stick. The bars are
CSS. A hidden count is drawn as a hatched bar of a fixed length, labelled "weniger als k" (diagonal
hatching) or "verdeckt" (cross-hatching): a bar of zero length would read as "nobody", and a length
taken from anything but the published numbers could give the count away.
"""

from __future__ import annotations

import html
from pathlib import Path

from storage.releases.model import Breakdown, Cell, Counts, QuestionTable, Release
from storage.releases.writers.common import (
    NOT_SHOWN,
    SUBMITTED,
    answer_label,
    cell_count,
    cell_text,
    check,
    clean,
    decimal,
    facts,
    german_date,
    marks,
    populations,
    reading_notes,
    scale_ends,
    shows_counts,
    texts_per_question,
    withheld_text,
)
from storage.releases.writers.files import private_output

CSP = "default-src 'none'; style-src 'unsafe-inline'"
KINDS = {
    "single": "eine Antwort",
    "multi": "mehrere Antworten möglich",
    "scale": "Skala von 1 bis 5",
    "yesno": "Ja oder Nein",
    "text": "Freitext",
}

STYLE = """
:root{--ink:#1a1a1a;--bar:#2f5d8a;--muted:#555}
body{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:var(--ink);
 max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}
h2{font-size:1.15em;margin:0 0 .2em}
h3{font-size:1em;margin:.8em 0 .2em}
.meta,.qid,.base,.scale,.note{color:var(--muted)}
.qid{font-size:.85em;margin:0 0 .5em}
section.question{border-top:1px solid #bbb;padding-top:1em;margin-top:1.6em}
table{border-collapse:collapse}
table.chart{width:100%}
table.chart th{font-weight:normal;text-align:left;width:38%;padding:.15em .6em .15em 0;vertical-align:middle}
table.chart td{padding:.15em 0;vertical-align:middle}
td.track{width:50%}
td.n{text-align:right;white-space:nowrap;padding-left:.6em;width:12%}
.bar{display:block;height:1.1em;box-sizing:border-box;min-width:0;
 print-color-adjust:exact;-webkit-print-color-adjust:exact}
.bar.shown{background:var(--bar);border:1px solid #1c3a57}
.bar.small,.bar.protect{width:4.5em;border:1px dashed #000}
.bar.small{background:repeating-linear-gradient(135deg,#000 0 1.5px,#fff 1.5px 6px)}
.bar.protect{border-style:dotted;background:
 repeating-linear-gradient(45deg,#000 0 1px,transparent 1px 6px),
 repeating-linear-gradient(135deg,#000 0 1px,#fff 1px 6px)}
.legend .bar{display:inline-block;vertical-align:middle;margin-right:.5em}
.legend .bar.shown{width:4.5em}
td.hidden,span.hidden{font-style:italic}
.base{margin:.3em 0 .2em;font-size:.95em}
.scale{margin:.1em 0;font-size:.95em}
.withheld{font-style:italic}
.scroll{overflow-x:auto}
table.breakdown{font-size:.9em;margin:.4em 0 .8em}
table.breakdown caption{text-align:left;font-weight:bold;padding:.3em 0}
table.breakdown th,table.breakdown td{border:1px solid #bbb;padding:.2em .4em}
table.breakdown thead th{vertical-align:bottom;background:#eef2f6}
table.breakdown td{text-align:right}
table.breakdown tbody th{text-align:left;font-weight:normal}
.size{display:block;font-weight:normal;color:var(--muted);font-size:.9em}
ol.texts{padding-left:1.4em}
ol.texts li{margin:.7em 0}
.about{font-size:.85em;color:var(--muted);margin:0}
blockquote{margin:.2em 0 0;padding:.3em .6em;border-inline-start:3px solid #bbb;white-space:pre-line}
.who-tables{display:flex;flex-wrap:wrap;gap:0 1.5em;align-items:flex-start}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dl.facts dt{font-weight:bold}
dl.facts dd{margin:0}
@page{margin:1.6cm}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10pt;color:#000}
 :root{--bar:#555;--muted:#333;--ink:#000}
 nav{display:none}
 section.question,.keep,table.breakdown,ol.texts li,.legend{break-inside:avoid;page-break-inside:avoid}
 h1,h2,h3{break-after:avoid;page-break-after:avoid}
 .scroll{overflow:visible}
 table.breakdown{font-size:8pt}
 table.breakdown thead th{background:none}
 a{color:inherit;text-decoration:none}
}
"""


def e(text: str) -> str:
    """Escaped for text and attribute values alike."""
    return html.escape(clean(text), quote=True)


def write_html(release: Release, path: Path) -> None:
    check(release)
    # Part by part, as "\n".join would put them together: a large field's page is not held once more
    # as one string and once more as bytes.
    with private_output(path) as handle:
        for n, part in enumerate(_page(release)):
            handle.write((f"\n{part}" if n else part).encode("utf-8"))


def _page(release: Release) -> list[str]:
    k = release.k
    title = f"{release.title} – Freigabe vom {german_date(release)}"
    who = f"{release.respondents} Befragte haben abgesendet"
    if release.started_only is not None:
        who += f" · {release.started_only} haben nur angefangen (getrennt gezählt)"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="de">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may be fetched or run, even if a text slipped through unescaped.
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{e(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{e(release.title)}</h1>",
        f'<p class="meta">Freigabe vom {e(german_date(release))} · {e(who)} · Schwelle k = {k}</p>',
        "</header>",
        _legend(k),
        _contents(release),
        "<main>",
    ]
    texts = texts_per_question(release)
    for question in release.questions:
        parts.append(_question(question, k, texts[question.question_id]))
    parts.append("</main>")
    parts.append(_who(release))
    parts.append(_texts(release))
    parts.append(_notes(release))
    parts += ["</body>", "</html>", ""]
    return parts


def _legend(k: int) -> str:
    small, protect = marks(k)[0], marks(k)[1]
    return (
        '<section class="legend"><h2>So lesen Sie die Diagramme</h2><ul>'
        '<li><span class="bar shown" aria-hidden="true"></span>Anzahl der Personen mit dieser Antwort; '
        "die Zahl steht am Ende der Zeile.</li>"
        f'<li><span class="bar small" aria-hidden="true"></span>„{e(small[0])}“: {e(small[1])}</li>'
        f'<li><span class="bar protect" aria-hidden="true"></span>„{e(protect[0])}“: {e(protect[1])}</li>'
        "<li>Schraffierte Balken sind immer gleich lang: Ihre Länge sagt nichts über die Zahl.</li>"
        "<li>Unter jedem Diagramm steht die Basis: wie vielen Personen die Frage gezeigt wurde "
        "(gefragt), wie viele geantwortet und wie viele „Keine Angabe“ gewählt haben.</li>"
        "</ul></section>"
    )


def _anchor(question: QuestionTable) -> str:
    return "frage-" + question.question_id


def _contents(release: Release) -> str:
    items = "".join(f'<li><a href="#{e(_anchor(q))}">{e(q.text)}</a></li>' for q in release.questions)
    extra = (
        '<li><a href="#befragte">Wer geantwortet hat</a></li><li><a href="#freitexte">Freitexte</a></li>'
        '<li><a href="#erlaeuterungen">Erläuterungen</a></li>'
    )
    return f"<nav><h2>Inhalt</h2><ol>{items}{extra}</ol></nav>"


def _question(question: QuestionTable, k: int, texts: int) -> str:
    parts = [
        f'<section class="question" id="{e(_anchor(question))}">',
        '<div class="keep">',
        f"<h2>{e(question.text)}</h2>",
        f'<p class="qid">Frage-ID: {e(question.question_id)} · {e(KINDS.get(question.kind, question.kind))}'
        "</p>",
    ]
    if question.submitted is None:
        parts.append(f'<p class="withheld">Keine Zahlen: {e(withheld_text(question))}</p>')
    shown = [c for _, counts in populations(question) for c in counts.cells if cell_count(c) is not None]
    biggest = max((cell_count(c) or 0 for c in shown), default=0) or 1
    several = question.unsubmitted is not None
    for name, counts in populations(question):
        if several:
            parts.append("<h3>Abgesendet</h3>" if name == SUBMITTED else "<h3>Nur angefangen</h3>")
        if shows_counts(question):
            parts.append(_chart(question, counts, biggest, k))
        parts.append(_base(counts, k))
        if counts.scale is not None:
            parts.append(_scale(counts))
    if question.kind == "text":
        parts.append(f'<p class="note">Freitext: {texts} Texte freigegeben, siehe „Freitexte“ am Ende.</p>')
    parts += [f'<p class="note question-note">{e(note)}</p>' for note in question.notes]
    parts.append("</div>")
    for breakdown in question.breakdowns:
        parts.append(_breakdown(question, breakdown, k))
    parts.append("</section>")
    return "\n".join(parts)


def _chart(question: QuestionTable, counts: Counts, biggest: int, k: int) -> str:
    rows = ['<table class="chart">']
    for answer, cell in zip(question.rows, counts.cells, strict=True):
        label = e(answer_label(answer))
        count = cell_count(cell)
        if cell.hidden is not None:
            rows.append(
                f'<tr class="hidden {cell.hidden}"><th scope="row">{label}</th>'
                f'<td class="track"><span class="bar {cell.hidden}" aria-hidden="true"></span></td>'
                f'<td class="n hidden {cell.hidden}">{e(cell_text(cell, k))}</td></tr>'
            )
        else:
            width = f"{100 * (count or 0) / biggest:.1f}%"
            drawn = "bar shown" if count else "bar zero"  # a shown 0 is exact: no bar at all
            rows.append(
                f'<tr><th scope="row">{label}</th>'
                f'<td class="track"><span class="{drawn}" style="width:{width}" aria-hidden="true">'
                "</span></td>"
                f'<td class="n">{count}</td></tr>'
            )
    rows.append("</table>")
    return "\n".join(rows)


def _figure(cell: Cell, k: int) -> str:
    text = e(cell_text(cell, k))
    return f'<span class="hidden {cell.hidden}">{text}</span>' if cell.hidden is not None else text


def _base(counts: Counts, k: int) -> str:
    base = counts.base
    return (
        f'<p class="base">Basis: gefragt {_figure(base.asked, k)} · geantwortet {_figure(base.answered, k)}'
        f" · Keine Angabe {_figure(base.no_answer, k)}</p>"
    )


def _scale(counts: Counts) -> str:
    scale = counts.scale
    assert scale is not None
    mean = decimal(scale.mean) if scale.mean is not None else NOT_SHOWN
    median = decimal(scale.median) if scale.median is not None else NOT_SHOWN
    return f'<p class="scale">Skala: {e(scale_ends(scale))} · Mittelwert {mean} · Median {median}</p>'


def _td(cell: Cell, k: int) -> str:
    if cell.hidden is not None:
        return f'<td class="hidden {cell.hidden}">{e(cell_text(cell, k))}</td>'
    return f"<td>{cell.count}</td>"


def _breakdown(question: QuestionTable, breakdown: Breakdown, k: int) -> str:
    heads = "".join(
        f'<th scope="col">{e(c.label)}<span class="size">gefragt {c.asked}</span></th>'
        for c in breakdown.columns
    )
    body = []
    for answer, cells in zip(question.rows, breakdown.cells, strict=True):
        tds = "".join(_td(c, k) for c in cells)
        body.append(f'<tr><th scope="row">{e(answer_label(answer))}</th>{tds}</tr>')
    if breakdown.means:
        scale = question.submitted.scale if question.submitted is not None else None
        label = "Mittelwert" + (f" ({scale_ends(scale)})" if scale is not None else "")
        tds = "".join(f"<td>{decimal(m) if m is not None else NOT_SHOWN}</td>" for m in breakdown.means)
        body.append(f'<tr class="mean"><th scope="row">{e(label)}</th>{tds}</tr>')
    return (
        '<div class="keep scroll"><table class="breakdown">'
        f"<caption>nach {e(breakdown.by)}</caption>"
        f'<thead><tr><th scope="col">Antwort</th>{heads}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _who(release: Release) -> str:
    tables = []
    for distribution in release.who:
        body = "".join(
            f'<tr><th scope="row">{e(label)}</th>{_td(c, release.k)}</tr>' for label, c in distribution.rows
        )
        tables.append(
            '<div class="keep"><table class="breakdown who">'
            f"<caption>nach {e(distribution.by)}</caption>"
            f'<thead><tr><th scope="col">Gruppe</th><th scope="col">Befragte</th></tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
    return (
        '<section id="befragte"><h2>Wer geantwortet hat</h2>'
        f'<p class="note">Die {release.respondents} Befragten, die abgesendet haben, nach Merkmalen. Gruppen '
        f"mit weniger als {release.k} Personen sind zusammengefasst.</p>"
        f'<div class="who-tables">{"".join(tables)}</div></section>'
    )


def _texts(release: Release) -> str:
    parts = [
        '<section id="freitexte">',
        "<h2>Freitexte</h2>",
        f'<p class="note">{_released(release)}; {release.held_back_texts} weitere sind (noch) nicht '
        "freigegeben.</p>",
    ]
    if release.texts:
        parts.append('<ol class="texts">')
        for text in release.texts:
            parts.append(
                f'<li><p class="about">{e(text.question)} · {e(text.language)}</p>'
                f'<blockquote dir="auto"><bdi>{e(text.text)}</bdi></blockquote></li>'
            )
        parts.append("</ol>")
    parts.append("</section>")
    return "\n".join(parts)


def _released(release: Release) -> str:
    if not release.texts:
        return "Keine freigegebenen Texte"
    return (
        f"{len(release.texts)} freigegebene Texte in zufälliger Reihenfolge, ohne die anderen Antworten "
        "ihrer Verfasserinnen und Verfasser"
    )


def _notes(release: Release) -> str:
    facts_html = "".join(f"<dt>{e(name)}</dt><dd>{e(value)}</dd>" for name, value in facts(release))
    marks_html = "".join(f"<dt>„{e(mark)}“</dt><dd>{e(meaning)}</dd>" for mark, meaning in marks(release.k))
    reading = "".join(f"<li>{e(note)}</li>" for note in reading_notes(release))
    protection = "".join(f"<li>{e(note)}</li>" for note in release.notes)
    if release.microdata is not None:
        # Row-level data stays in the table formats: a page is for reading, not for analysing rows.
        protection += (
            "<li>Zu dieser Freigabe gehören Einzeldaten; sie stehen nicht in diesem Bericht, sondern nur "
            "in der XLSX-, CSV- und JSON-Fassung.</li>"
        )
    return (
        '<section id="erlaeuterungen"><h2>Erläuterungen</h2>'
        f'<dl class="facts">{facts_html}</dl>'
        f'<h3>Zeichen</h3><dl class="facts">{marks_html}</dl>'
        f"<h3>Lesehilfe</h3><ul>{reading}</ul>"
        f"<h3>Schutz der Befragten</h3><ul>{protection}</ul>"
        "</section>"
    )
