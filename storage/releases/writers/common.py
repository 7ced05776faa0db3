"""What every release writer says the same way: the German words for hidden counts, the notes a
working group needs to read the numbers, German decimals, and the check that a release really holds no
number of a hidden cell.

The wording lives here once so that the XLSX, the HTML page, the LIESMICH.txt and the JSON document
explain a mark in the same words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from storage.releases.model import Cell, Counts, Hidden, QuestionTable, Release, Row, ScaleSummary

RETIRED_SUFFIX = " (nicht mehr angeboten)"
NOT_SHOWN = "nicht gezeigt"
# C0 controls other than tab and line breaks: XLSX refuses them and no reader wants them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def hidden_label(reason: Hidden, k: int) -> str:
    """What stands where a count is hidden: the reader learns why, never how many."""
    return f"weniger als {k}" if reason == "small" else "verdeckt"


def cell_count(cell: Cell) -> int | None:
    """The number to print, or None for a hidden cell – whatever `count` a faulty caller left in it."""
    return None if cell.hidden is not None else cell.count


def cell_text(cell: Cell, k: int) -> str:
    """A count as a German reader sees it: the number, or why it is hidden."""
    if cell.hidden is not None:
        return hidden_label(cell.hidden, k)
    return str(cell.count)


def decimal(value: float) -> str:
    """A mean or median with at most two decimals and a decimal comma, as German readers write it."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def german_date(release: Release) -> str:
    return release.made_on.strftime("%d.%m.%Y")


def clean(text: str) -> str:
    return _CONTROLS.sub("", text)


def answer_label(row: Row) -> str:
    if row.retired and not row.label.endswith(RETIRED_SUFFIX):
        return row.label + RETIRED_SUFFIX
    return row.label


def scale_ends(scale: ScaleSummary) -> str:
    return f"1 = {scale.low}, 5 = {scale.high}"


SUBMITTED = "abgesendet"
STARTED = "nur angefangen"


def shows_counts(question: QuestionTable) -> bool:
    """Whether the question has answers to count and draw (free-text questions only have a base, a
    withheld one none – unless, in a partial release, the counts of those who only started are shown)."""
    return bool(question.rows) and any(True for _ in populations(question))


def populations(question: QuestionTable) -> Iterator[tuple[str, Counts]]:
    """The question's counts per population: those who submitted, then (partial releases) those who
    only started. The two are never summed; either can be missing (withheld)."""
    if question.submitted is not None:
        yield SUBMITTED, question.submitted
    if question.unsubmitted is not None:
        yield STARTED, question.unsubmitted


def withheld_text(question: QuestionTable) -> str:
    return question.withheld or "Die Zahlen zu dieser Frage sind zurückgehalten."


def texts_per_question(release: Release) -> Counter[str]:
    return Counter(text.question_id for text in release.texts)


def facts(release: Release) -> list[tuple[str, str]]:
    """The release's key figures, as (name, value) lines."""
    lines = [
        ("Handlungsfeld", f"{release.title} ({release.field_id})"),
        ("Stand", german_date(release)),
        ("Schwelle k", str(release.k)),
        ("Befragte (abgesendet)", str(release.respondents)),
    ]
    if release.started_only is not None:
        lines.append(("Nur angefangen (nicht abgesendet)", str(release.started_only)))
    lines.append(("Freitexte freigegeben", str(len(release.texts))))
    lines.append(("Freitexte zurückgehalten", str(release.held_back_texts)))
    return lines


def marks(k: int) -> list[tuple[str, str]]:
    """What the marks mean, as (mark, explanation)."""
    return [
        (
            hidden_label("small", k),
            f"Mindestens 1 und höchstens {k - 1} Personen. Die genaue Zahl fehlt, weil so wenige "
            "Menschen erkennbar sein könnten.",
        ),
        (
            hidden_label("protect", k),
            "Diese Zahl fehlt, damit sich eine kleine Zahl nicht aus Summen oder anderen Zahlen dieser "
            "Freigabe ausrechnen lässt. Eine verdeckte Zahl kann klein oder groß sein; sie ist mindestens 1.",
        ),
        ("0", "Eine angegebene 0 ist genau: Niemand hat diese Antwort gewählt."),
        (
            NOT_SHOWN,
            f"Mittelwert oder Median stehen nur da, wo mindestens {k} Personen geantwortet haben.",
        ),
        (
            RETIRED_SUFFIX.strip(),
            "Diese Antwort wurde früher angeboten; Antworten, die damit gegeben wurden, zählen weiter.",
        ),
    ]


def reading_notes(release: Release) -> list[str]:
    """How to read the tables, one sentence or two each (German, for working groups)."""
    k = release.k
    notes = [
        "Gefragt: So vielen Personen wurde die Frage gezeigt; Folgefragen sehen nur die, auf die sie "
        "zutreffen. Geantwortet: So viele haben eine Antwort gewählt. Keine Angabe: So viele haben "
        "„Keine Angabe“ gewählt. Die übrigen Gefragten sind ohne Antwort weitergegangen.",
        "Bei Fragen mit mehreren möglichen Antworten kann eine Person mehrere Antworten wählen: Die "
        "Anzahlen ergeben zusammen mehr als „Geantwortet“.",
        "Skalenfragen haben fünf Stufen von 1 bis 5; bei jeder Frage steht, was 1 und was 5 bedeutet.",
        "Verdeckte Zahlen lassen sich aus den übrigen Zahlen nicht ausrechnen. Deshalb ergeben die "
        "gezeigten Zahlen zusammen nicht immer die Basis.",
        f"Aufschlüsselungen zeigen jede Frage nach einem Merkmal (Bezirk, Alter, Zeit in Deutschland, "
        f"Geschlecht, Herkunftsregion, Sprache). Gruppen mit weniger als {k} Personen sind mit anderen "
        "zusammengefasst. Bei jeder Gruppe steht, wie vielen ihrer Personen die Frage gezeigt wurde.",
        "Freitexte stehen für sich, ohne die anderen Antworten ihrer Verfasserinnen und Verfasser, in "
        f"zufälliger Reihenfolge. Wo weniger als {k} Befragte eine Sprache teilen, steht "
        "„andere Sprache“.",
        "Es gibt keine Telegram-Kennungen und keine Pseudonyme in dieser Freigabe.",
    ]
    if release.started_only is not None:
        notes.insert(
            0,
            f"„nur angefangen“: Antworten von {release.started_only} Personen, die den Fragebogen nicht "
            "abgeschickt haben. Sie sind getrennt gezählt und in keiner anderen Zahl enthalten.",
        )
    return notes


def _cells(counts: Counts) -> Iterator[Cell]:
    yield counts.base.asked
    yield counts.base.answered
    yield counts.base.no_answer
    yield from counts.cells


def check(release: Release) -> None:
    """Refuses a release that is not what the protection promises: a hidden cell still carrying a
    number, a shown cell without one, or tables whose shape does not match their rows. Nothing is
    written from such a release: it means a bug before the writers, and the file could leak."""

    def cell_ok(cell: Cell, where: str) -> None:
        if cell.hidden is not None and cell.count is not None:
            raise ValueError(f"{where}: a hidden cell carries a number")
        if cell.hidden is None and (cell.count is None or cell.count < 0):
            raise ValueError(f"{where}: a shown cell has no count")

    for question in release.questions:
        where = f"question {question.question_id}"
        for name, counts in populations(question):
            if len(counts.cells) != len(question.rows):
                raise ValueError(
                    f"{where} ({name}): {len(counts.cells)} counts for {len(question.rows)} rows"
                )
            for cell in _cells(counts):
                cell_ok(cell, where)
        for breakdown in question.breakdowns:
            there = f"{where} by {breakdown.by}"
            if len(breakdown.cells) != len(question.rows):
                raise ValueError(f"{there}: {len(breakdown.cells)} rows for {len(question.rows)}")
            for line in breakdown.cells:
                if len(line) != len(breakdown.columns):
                    raise ValueError(
                        f"{there}: a row has {len(line)} cells for {len(breakdown.columns)} groups"
                    )
                for cell in line:
                    cell_ok(cell, there)
            if breakdown.means and len(breakdown.means) != len(breakdown.columns):
                raise ValueError(f"{there}: {len(breakdown.means)} means for {len(breakdown.columns)} groups")
    for distribution in release.who:
        for _, cell in distribution.rows:
            cell_ok(cell, f"respondents by {distribution.by}")
    if release.microdata is not None:
        width = len(release.microdata.columns)
        for number, values in enumerate(release.microdata.rows, 1):
            if len(values) != width:
                raise ValueError(f"microdata row {number}: {len(values)} values for {width} columns")
