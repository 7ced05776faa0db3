"""What a release holds, ready for the writers: counts already protected, no true value of a hidden cell.

A release is what a working group gets for one Handlungsfeld: tables first (counts per answer with their
base, scale means and medians, one-way breakdowns by the demographics), the released free texts as a
list of their own, and, only on an admin's explicit request, k-anonymous row-level data. Everything in
these classes may be shown: the protection (storage/releases/protection.py) has already replaced every
hidden count by `None`, so a writer cannot leak what it never receives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

# Why a count is not shown: "small" – fewer than k people (primary suppression); "protect" – hidden so
# that a small count cannot be worked out from totals or other cells (complementary suppression).
Hidden = Literal["small", "protect"]


@dataclass(frozen=True)
class Cell:
    """One published count: `count` is None exactly when `hidden` says why."""

    count: int | None
    hidden: Hidden | None = None

    @staticmethod
    def shown(count: int) -> Cell:
        return Cell(count)


@dataclass(frozen=True)
class Row:
    """One answer of a question: its stable id and German label ("Keine Angabe" has id no_answer)."""

    answer_id: str
    label: str
    retired: bool = False  # no longer offered; answers given with it are still counted


@dataclass(frozen=True)
class Base:
    """How many people a question concerns, among the respondents of this table's population.

    asked: the question was shown to them; answered: they chose an answer (not "Keine Angabe");
    no_answer: they chose "Keine Angabe"; the rest went on without answering.
    """

    asked: Cell
    answered: Cell
    no_answer: Cell


@dataclass(frozen=True)
class ScaleSummary:
    """Mean and median of a five-point scale (1 … 5), shown only where at least k people answered."""

    low: str  # what 1 means, e.g. "sehr schlecht"
    high: str  # what 5 means, e.g. "sehr gut"
    mean: float | None
    median: float | None


@dataclass(frozen=True)
class Column:
    """One group of a breakdown (e.g. a district, or several small ones merged), and how many people of
    the group were asked the question (always at least k: smaller groups are merged)."""

    label: str
    asked: int


@dataclass(frozen=True)
class Breakdown:
    """One question broken down by one demographic: rows are the question's answers, columns the groups."""

    by: str  # German name of the demographic, e.g. "Bezirk", "Sprache"
    columns: list[Column]
    cells: list[list[Cell]]  # [row][column], rows as in QuestionTable.rows
    means: list[float | None] = field(default_factory=list)  # scales only: mean per column


@dataclass(frozen=True)
class Counts:
    """Counts per answer and the base, for one population (submitted, or only started)."""

    base: Base
    cells: list[Cell]  # one per QuestionTable.rows
    scale: ScaleSummary | None = None


@dataclass(frozen=True)
class QuestionTable:
    question_id: str
    text: str
    kind: str  # single | multi | scale | yesno | text
    rows: list[Row]
    submitted: Counts | None  # None when withheld
    breakdowns: list[Breakdown] = field(default_factory=list)
    # Only in a release that asks for partial answers: the people who never pressed "Absenden".
    unsubmitted: Counts | None = None
    withheld: str | None = None  # why the question is not shown at all (German, one sentence)
    # German, one sentence each: what is left out of this question's tables and why (a breakdown
    # whose groups are too small, or from which a small count could be worked out; started-only counts).
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Distribution:
    """Who answered: the respondents by one demographic (groups smaller than k merged)."""

    by: str
    rows: list[tuple[str, Cell]]


@dataclass(frozen=True, slots=True)  # a large field releases tens of thousands
class FreeText:
    """One released, scrubbed free text, cut off from every other answer of its author."""

    question_id: str
    question: str
    language: str  # in German, e.g. "Arabisch"; "andere Sprache" where fewer than k share it
    text: str


@dataclass(frozen=True)
class MicroColumn:
    """A column of row-level data: a stable id (question id or e.g. "bezirk"), the German header a
    working group reads (the question text), and what the column holds after generalisation."""

    id: str
    header: str
    explanation: str


@dataclass(frozen=True)
class Microdata:
    """Row-level data, k-anonymous over the demographics and the answers, without free text."""

    columns: list[MicroColumn]
    rows: list[list[str | int | None]]
    removed_rows: int  # rows left out because no generalisation made them k-anonymous
    notes: list[str]  # German: what was generalised or suppressed


@dataclass(frozen=True)
class Release:
    field_id: str
    title: str
    k: int
    made_on: date
    respondents: int  # people who submitted the field
    started_only: int | None  # people who answered but never submitted (partial releases only)
    questions: list[QuestionTable]
    who: list[Distribution]
    texts: list[FreeText]
    held_back_texts: int  # free texts not (or no longer) released by review
    notes: list[str]  # German: what was done to protect people, one sentence each
    microdata: Microdata | None = None
