"""Protecting a field's tables: primary and complementary suppression, audited by integer programming.

The attacker (the same wording everywhere, see docs/privacy.md): they have every number of the release
(all tables, bases, group sizes, means, medians), know this algorithm and the questionnaire (which
answer leads to which follow-up), know that a shown zero is exact and that a hidden count is at least 1
(zeros are never hidden). Guarantee: for every count hidden as "small", the published numbers admit a
value of at least k and a value below the true count (or 1), so no hidden count can be worked out, and
none can be told to be small.

How:

1. Primary suppression: every count with 0 < count < k is hidden as "small" (cells of the overall table
   and of the breakdowns, and the number who answered; a free-text question's base is not, its
   released texts are listed anyway).
2. The classic first step of complementary suppression: a line (a breakdown's row with its total, a
   column when nobody went on without answering, the answers with the number who answered) with one
   hidden count alone gives it away, so its smallest other non-zero count is hidden too ("protect").
3. Audit: per question, what is published is written as linear constraints on whole numbers: cells,
   bases, group sizes (a column adds up to the group's asked, less those who went on without
   answering), row sums (a breakdown's row adds up to the overall count), multiple choice (an option
   at most the number who answered, `min`..`max` choices per person, exclusive options alone), the
   scale mean (rounded half up to one decimal: an exact interval times n), the median (the lower
   middle value: two inequalities that pin it exactly), that a mean is shown exactly where at least
   k answered, and what the follow-ups publish about this question's answers (how many were asked a
   follow-up is the sum of the counts that lead to it, per group too). Hidden counts are variables of
   at least 1, shown ones are numbers. For each "small" count: can it be k or more, can it be below
   its value (or 1)? The linear relaxation is asked first (if it cannot, no whole-number table can);
   a whole-number point is taken from it where it rounds to one, else from the integer program.
4. While that fails for a small count: if hiding every other count would not help either (a group
   too small for its answers), its breakdown is left out (for an overall count: the breakdown whose
   leaving out helps, else the last one), and suppression starts again from step 1 without it; else
   one more count is hidden ("protect"): the smallest non-zero shown count in a constraint that holds
   it at its extreme (its lines, mostly), then in its row and column, its row's total, any constraint
   with it, its table, anywhere. A question that cannot be shown even without breakdowns is withheld.

Groups too small to protect their answers at all are merged before this (storage/releases/tables.py:
`protectable`), and a breakdown's column mean is shown only where the column shows every count, so
that it follows from them and says nothing more. A withheld question does not say why: "asked to
fewer than k" would tell that the answers leading to it were given by fewer than k.

Everything is deterministic for the same data: the order is fixed by position (rows, then breakdowns
by column and row), ties are broken by position, and whether a count can reach a value is a fact of
the data, not of the solver's path. Points found on the way are kept and certify other counts without
solving again (while the counts they assumed are still the shown ones: hiding and leaving out only
widen what the published numbers admit). Shown counts split the constraints into independent parts
(often one per breakdown); each part is its own small program.

Why HiGHS (`highspy`): the audit needs exact extremes of whole-number counts under a few hundred linear
constraints, asked hundreds of times per field; HiGHS is a maintained MIT-licensed LP/MIP solver with
wheels on PyPI that bring only numpy. Integer rather than only linear programming because means,
medians and multiple choice make the linear relaxation admit values no whole-number table has: the
relaxation alone would overstate the protection. Time, measured with 200 made-up respondents who
answer every question at random (six breakdowns each): 3 to 7 seconds of CPU per field (wohnen 6.3 s,
demokratie 7.3 s, ankommen 4.3 s, gesundheit with k = 10 3.0 s, start-up included); most programs
are parts of one question with a few dozen to a few hundred variables, solved in milliseconds.

Why no statistical-disclosure library: the maintained tools for complementary cell suppression are
tau-argus (Java, run as a separate program with its own batch files) and sdcTable (R); neither runs
inside this Python service. On PyPI, `acro` (ACRO, checking research outputs) only does primary
suppression (threshold, p%, nk rules) on pandas tables, without complementary suppression or an
audit; `anjana`, `pycanon`, `anonymeter` and the like work on row-level data (k-anonymity, risk
measures), not on published tables; `aisdc` is for machine-learning models. So the suppression is
written here, small and tested, and the audit uses a general solver.

Known limits of the model: a follow-up that depends on a multiple-choice question (none of the
questionnaires has one) is linked by bounds (at least the largest option, at most their sum) rather
than exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import numpy.typing as npt

from dialogs.definitions import NO_ANSWER, Question
from storage.releases.model import (
    Base,
    Breakdown,
    Cell,
    Column,
    Counts,
    Hidden,
    QuestionTable,
    Row,
    ScaleSummary,
)

# A point of the linear program: one value per variable.
Vector = npt.NDArray[np.float64]

# --------------------------------------------------------------------------------------------------
# The true counts, before protection (built by storage/releases/tables.py; they never leave the package)


@dataclass(frozen=True)
class TrueCounts:
    """One population's counts for one question: asked, answered, "Keine Angabe", a count per row."""

    asked: int
    answered: int
    no_answer: int
    cells: list[int]


@dataclass(frozen=True)
class TrueColumn:
    label: str
    asked: int
    answered: int  # chose an answer (not "Keine Angabe")
    groups: frozenset[str]  # the raw groups (e.g. district ids) that make up this column


@dataclass(frozen=True)
class TrueBreakdown:
    by: str
    columns: list[TrueColumn]
    cells: list[list[int]]  # [row][column]


@dataclass(frozen=True)
class Choices:
    """Multiple choice: how many options one person picks, and the options that stand alone (rows)."""

    low: int
    high: int
    exclusive: frozenset[int]


@dataclass(frozen=True)
class TrueQuestion:
    question: Question
    rows: list[Row]
    submitted: TrueCounts
    breakdowns: list[TrueBreakdown]
    unsubmitted: TrueCounts | None = None  # partial releases only
    choices: Choices | None = None  # multiple choice only
    scale_words: tuple[str, str] | None = None  # scale only: what 1 and 5 mean
    notes: list[str] = field(default_factory=list)  # breakdowns left out before protection


# --------------------------------------------------------------------------------------------------
# German texts


# One sentence whether a question was asked to fewer than k people or its small counts could not be
# protected: a sentence that said "fewer than k" would itself tell that every answer to it, and to the
# answer of the earlier question that leads to it, was given by fewer than k.
WITHHELD = (
    "Die Antworten auf diese Frage werden zum Schutz der Befragten nicht gezeigt: Es sind zu wenige, um "
    "sie ohne Rückschluss auf einzelne Personen zu zeigen."
)
UNSUBMITTED_WITHHELD = (
    "Nur angefangen: Diese Zahlen werden zum Schutz der Befragten nicht gezeigt, es sind zu wenige."
)


def breakdown_unsafe(by: str) -> str:
    return f"Keine Aufschlüsselung nach {by}: Kleine Zahlen ließen sich daraus ausrechnen."


# --------------------------------------------------------------------------------------------------
# Protecting a whole field


def protect_field(questions: Sequence[TrueQuestion], k: int) -> list[QuestionTable]:
    """The questions' tables, protected, in questionnaire order.

    Follow-ups are protected before the questions they depend on: what a follow-up finally publishes
    (how many were asked it, per group too) is part of what the earlier question's audit must hold.
    """
    done: dict[str, tuple[TrueQuestion, QuestionTable]] = {}
    for truth in reversed(questions):
        follow_ups = [
            done[q.question.id]
            for q in questions
            if q.question.show_if is not None and q.question.show_if.question == truth.question.id
        ]
        done[truth.question.id] = (truth, _protect_question(truth, follow_ups, k))
    return [done[q.question.id][1] for q in questions]


def _protect_question(
    truth: TrueQuestion, follow_ups: list[tuple[TrueQuestion, QuestionTable]], k: int
) -> QuestionTable:
    q = truth.question
    notes = list(truth.notes)
    unsubmitted: Counts | None = None
    if truth.unsubmitted is not None:
        if truth.unsubmitted.asked < k:
            notes.append(UNSUBMITTED_WITHHELD)
        else:
            links = [_link(truth, f, t, submitted=False) for f, t in follow_ups]
            found = _Audit(truth, truth.unsubmitted, [], links, k).run()
            if found is None:
                notes.append(UNSUBMITTED_WITHHELD)
            else:
                unsubmitted = found[0]
    table = QuestionTable(
        q.id, q.text, q.type, truth.rows, submitted=None, unsubmitted=unsubmitted, notes=notes
    )
    if truth.submitted.asked < k:
        return replace(table, withheld=WITHHELD)
    links = [_link(truth, f, t, submitted=True) for f, t in follow_ups]
    audit = _Audit(truth, truth.submitted, truth.breakdowns, links, k)
    found = audit.run()
    notes += audit.notes
    if found is None:
        return replace(table, withheld=WITHHELD)
    return replace(table, submitted=found[0], breakdowns=found[1])


# --------------------------------------------------------------------------------------------------
# What a follow-up publishes about the question it depends on


@dataclass(frozen=True)
class _Link:
    """How many people were asked a follow-up, as published, in terms of this question's rows.

    That number is the count of people whose answer is among `rows`; people who only started may have
    stopped before the follow-up, so for them it is at most that count. `low` and `high` bound the sum
    of the rows' counts (`high` None: no upper bound); `columns` bound it per group of a breakdown.
    """

    rows: tuple[int, ...]
    multi: bool
    low: int
    high: int | None
    columns: tuple[tuple[str, frozenset[str], int, int], ...]  # (by, groups, low, high)


def _link(parent: TrueQuestion, follow: TrueQuestion, table: QuestionTable, *, submitted: bool) -> _Link:
    cond = follow.question.show_if
    assert cond is not None
    wanted = {str(v) for v in cond.any_of}
    rows = tuple(i for i, row in enumerate(parent.rows) if row.answer_id in wanted)
    multi = parent.question.type == "multi"
    counts = table.submitted if submitted else table.unsubmitted
    columns: list[tuple[str, frozenset[str], int, int]] = []
    high: int | None
    if counts is not None and counts.base.asked.count is not None:
        low = counts.base.asked.count
        high = low if submitted else None
        if submitted:
            published = {b.by for b in table.breakdowns}
            for bd in follow.breakdowns:
                if bd.by in published:
                    columns += [(bd.by, c.groups, c.asked, c.asked) for c in bd.columns]
    else:
        low, high = 0, None  # withheld: the release does not say why, so it says nothing about the sum
    return _Link(rows, multi, low, high, tuple(columns))


# --------------------------------------------------------------------------------------------------
# The audit of one question, for one population

Key = tuple[object, ...]  # ("c", row) | ("n",) | ("y", breakdown, column, row) | ("nj", breakdown, column)
Terms = dict[int, float]
_EPS = 1e-6


@dataclass(frozen=True)
class _Constraint:
    terms: Terms
    low: float
    high: float


class _Audit:
    def __init__(
        self,
        truth: TrueQuestion,
        counts: TrueCounts,
        breakdowns: list[TrueBreakdown],
        links: list[_Link],
        k: int,
    ) -> None:
        self.truth, self.counts, self.links, self.k = truth, counts, links, k
        self.kind = truth.question.type
        self.breakdowns = [] if self.kind == "text" else breakdowns
        self.active = [True] * len(self.breakdowns)  # False: left out
        self.notes: list[str] = []
        self.na = next((i for i, r in enumerate(truth.rows) if r.answer_id == NO_ANSWER), None)
        self.values = {i: int(r.answer_id) for i, r in enumerate(truth.rows) if r.answer_id.isdigit()}
        # The variables: every published or hidden count, then per column the number who answered
        # (no table shows it). Their order is the position that breaks ties.
        self.keys: list[Key] = []
        self.true: list[int] = []
        self.upper: list[int] = []
        self.table: list[int] = []  # -1: the overall table; d: breakdown d
        self.index: dict[Key, int] = {}
        for r, count in enumerate(counts.cells):
            self._var(("c", r), count, counts.asked, -1)
        self._var(("n",), counts.answered, counts.asked, -1)
        for d, bd in enumerate(self.breakdowns):
            for j, col in enumerate(bd.columns):
                for r in range(len(truth.rows)):
                    self._var(("y", d, j, r), bd.cells[r][j], col.asked, d)
        self.published = len(self.keys)
        for d, bd in enumerate(self.breakdowns):
            for j, col in enumerate(bd.columns):
                self._var(("nj", d, j), col.answered, col.asked, d)
        self.primary: dict[int, Hidden] = {}
        if self.kind != "text":  # a free-text base is not protected: the released texts are listed
            self.primary = {i: "small" for i in range(self.published) if 0 < self.true[i] < k}
        self.solves = 0
        self._start()

    def _var(self, key: Key, true: int, upper: int, table: int) -> None:
        self.index[key] = len(self.keys)
        self.keys.append(key)
        self.true.append(true)
        self.upper.append(max(upper, true))
        self.table.append(table)

    def _start(self) -> None:
        """(Again) from the primary suppression: after a breakdown is left out, counts
        hidden for their sake need not stay hidden. Points found before stay: leaving something out only
        drops constraints, so a point is still one wherever it keeps the counts now shown."""
        self.hidden: dict[int, Hidden] = dict(self.primary)
        self._lines()
        if not hasattr(self, "witnesses"):
            self.witnesses = np.array([self.true], dtype=float)
        self.certified: set[tuple[int, bool]] = set()
        self.program: _Program | None = None
        self.cached: tuple[tuple[bool, ...], list[_Constraint]] | None = None

    # -- the loop --------------------------------------------------------------------------------

    def run(self) -> tuple[Counts, list[Breakdown]] | None:
        """The protected counts and breakdowns, or None when the question cannot be shown safely."""
        if self.kind == "text":
            return self._counts(), self._breakdowns()
        while (failing := self._first_failing()) is not None:
            i, maximize = failing
            if self._hiding_helps(i, maximize) and self._hide_one_more(i):
                continue
            if not self._leave_out_for(i):
                return None
        return self._counts(), self._breakdowns()

    def _shown_here(self, i: int) -> bool:
        """The count is in a table that is still published."""
        return self.table[i] < 0 or self.active[self.table[i]]

    def _first_failing(self) -> tuple[int, bool] | None:
        """The first "small" count (by position) the published numbers pin or show to be small, and
        whether it is its largest value (True) or its smallest that fails."""
        self.program = None
        programs: Callable[[int], _Program] | None = None
        for i in sorted(i for i, why in self.hidden.items() if why == "small" and self._shown_here(i)):
            for maximize in (True, False):
                if (i, maximize) in self.certified:
                    continue
                if not self._certified(i, maximize):
                    programs = programs or self._programs(self.hidden)
                    self.program = programs(i)
                    self.solves += 1
                    point = self.program.reaches(i, maximize, self._target(i, maximize))
                    if point is None:
                        return i, maximize
                    self.witnesses = np.vstack([self.witnesses, point])
                self.certified.add((i, maximize))
        return None

    def _target(self, i: int, maximize: bool) -> float:
        """What the published numbers must admit: k or more, and less than the true count (or 1)."""
        return float(self.k) if maximize else float(max(1, self.true[i] - 1))

    def _certified(self, i: int, maximize: bool) -> bool:
        """A known feasible point already shows that the count may be k or more (or below its value)."""
        column = self.witnesses[:, i]
        target = self._target(i, maximize)
        reaching = column >= target - _EPS if maximize else column <= target + _EPS
        if not reaching.any():
            return False
        shown = [j for j in range(self.published) if j not in self.hidden and self._shown_here(j)]
        valid = np.all(self.witnesses[:, shown] == np.array(self.true)[shown], axis=1)
        return bool((reaching & valid).any())

    def _lines(self) -> None:
        """The classic first step: a line (a column, a row with its total, the overall table with the
        number who answered) with exactly one hidden count gives it away, so the smallest other non-zero
        count of the line is hidden too, until no line has one alone. The audit checks the rest."""
        if self.kind == "text":
            return
        rows = range(len(self.truth.rows))
        lines: list[list[int]] = []
        if self.kind != "multi":
            lines.append([self.index[("c", r)] for r in rows if r != self.na] + [self.index[("n",)]])
        # Columns add up exactly to the people asked when nobody went on without answering.
        exact = self.counts.asked == self.counts.answered + self.counts.no_answer
        for d, bd in enumerate(self.breakdowns):
            if not self.active[d]:
                continue
            columns = range(len(bd.columns))
            for r in rows:
                lines.append([self.index[("y", d, j, r)] for j in columns] + [self.index[("c", r)]])
            if self.kind != "multi" and exact:
                lines += [[self.index[("y", d, j, r)] for r in rows] for j in columns]
        changed = True
        while changed:
            changed = False
            for line in lines:
                if len([i for i in line if i in self.hidden]) != 1:
                    continue
                shown = [i for i in line if i not in self.hidden and self.true[i] > 0]
                if shown:
                    self.hidden[min(shown, key=lambda i: (self.true[i], i))] = "protect"
                    changed = True

    def _hiding_helps(self, i: int, maximize: bool) -> bool:
        """Could the count be safe if every other count of the published tables were hidden too? If not,
        hiding more is no use (a group too small for its answers, a column mean that pins them).
        (The linear relaxation answers: a no is certain, a yes is tried by hiding.)"""
        everything = {j: self.hidden.get(j, "protect") for j in range(self.published) if self.true[j] > 0}
        self.solves += 1
        program = self._programs(everything)(i)
        return program.reaches(i, maximize, self._target(i, maximize), relaxed=True) is not None

    def _programs(self, hidden: dict[int, Hidden]) -> Callable[[int], _Program]:
        """The program of the part of the question a count belongs to. Shown counts are fixed, so the
        constraints fall apart into independent parts (often one per breakdown): each is solved on its
        own, which keeps every program small; a point of one part, with the true values elsewhere, is
        a point of the whole."""
        lower, upper = self._bounds(hidden)
        constraints = self._constraints()
        root = list(range(len(lower)))

        def find(v: int) -> int:
            while root[v] != v:
                root[v] = root[root[v]]
                v = root[v]
            return v

        for constraint in constraints:
            free = [v for v in constraint.terms if lower[v] < upper[v]]
            for v in free[1:]:
                root[find(v)] = find(free[0])
        parts: dict[int, list[_Constraint]] = {}
        for constraint in constraints:
            free = [v for v in constraint.terms if lower[v] < upper[v]]
            if free:
                parts.setdefault(find(free[0]), []).append(constraint)
        made: dict[int, _Program] = {}
        base = np.array(self.true, dtype=float)

        def program(i: int) -> _Program:
            part = find(i)
            if part not in made:
                mine = parts.get(part, [])
                variables = sorted({i} | {v for c in mine for v in c.terms})
                made[part] = _Program(variables, lower, upper, mine, base)
            return made[part]

        return program

    def _hide_one_more(self, failing: int) -> bool:
        """Hide the best candidate for `failing`; False when none is left."""
        for candidates in self._candidates(failing):
            shown = [
                i for i in candidates if i not in self.hidden and self.true[i] > 0 and self._shown_here(i)
            ]
            if shown:
                self.hidden[min(shown, key=lambda i: (self.true[i], i))] = "protect"
                return True
        return False

    def _leave_out_for(self, failing: int) -> bool:
        """Leave out what makes the count unsafe: its breakdown; for an overall count the breakdown whose
        leaving out helps (the last one still shown if none alone does). False: withhold the question."""
        d = self.table[failing]
        if d < 0:
            remaining = [e for e, on in enumerate(self.active) if on]
            if not remaining:
                return False
            d = next((e for e in reversed(remaining) if self._helps_without(e, failing)), remaining[-1])
        self.active[d] = False
        self.notes.append(breakdown_unsafe(self.breakdowns[d].by))
        self._start()
        return True

    def _helps_without(self, d: int, failing: int) -> bool:
        """Would leaving out breakdown d (and hiding everything else) make the overall count safe?"""
        self.active[d] = False
        try:
            return all(self._hiding_helps(failing, maximize) for maximize in (True, False))
        finally:
            self.active[d] = True
            self.cached = None

    def _candidates(self, failing: int) -> Iterable[list[int]]:
        """Counts that may be hidden for a failing one, best first: those in the constraints that hold
        it at its extreme (its lines, mostly), then its row and column, then its row's total, then
        whatever shares a constraint with it, then its table, then every count."""
        key = self.keys[failing]
        rows = range(len(self.truth.rows))
        d = self.table[failing]
        constraints = self._constraints()
        mine = [c for c in constraints if failing in c.terms]
        if self.program is not None:
            yield sorted({v for c in self.program.binding(mine) for v in c.terms if v < self.published})
        if key[0] == "y":
            _, _, j, r = key
            columns = range(len(self.breakdowns[d].columns))
            yield [self.index[("y", d, j, x)] for x in rows] + [self.index[("y", d, x, r)] for x in columns]
            yield [self.index[("c", r)]]
        else:
            yield [self.index[("c", x)] for x in rows]
        yield sorted({v for c in mine for v in c.terms if v < self.published})
        yield [i for i in range(self.published) if self.table[i] == d and self.keys[i][0] != "n"]
        yield list(range(self.published))

    # -- the program -----------------------------------------------------------------------------

    def _bounds(self, hidden: dict[int, Hidden]) -> tuple[list[float], list[float]]:
        """Shown counts are fixed; hidden ones at least 1; helpers and left-out tables only bounded."""
        lower, upper = [], []
        for i, true in enumerate(self.true):
            if i >= self.published or not self._shown_here(i):
                lower.append(0.0)
                upper.append(float(self.upper[i]))
            elif i in hidden:
                lower.append(1.0)  # zeros are never hidden: a hidden count is at least 1
                upper.append(float(self.upper[i]))
            else:
                lower.append(float(true))
                upper.append(float(true))
        return lower, upper

    def _constraints(self) -> list[_Constraint]:
        """What the published numbers say, as linear constraints (they change only when a breakdown or
        is left out, not when a count is hidden: hiding only changes the bounds)."""
        state = tuple(self.active)
        if self.cached is None or self.cached[0] != state:
            self.cached = (state, self._make_constraints())
        return self.cached[1]

    def _make_constraints(self) -> list[_Constraint]:
        out: list[_Constraint] = []
        c = [self.index[("c", r)] for r in range(len(self.truth.rows))]
        n = self.index[("n",)]
        self._population(out, c, n, self.counts.asked, self.counts.answered, summary=True)
        for d, bd in enumerate(self.breakdowns):
            if not self.active[d]:
                continue
            answered: Terms = {n: -1.0}
            for j, col in enumerate(bd.columns):
                y = [self.index[("y", d, j, r)] for r in range(len(self.truth.rows))]
                nj = self.index[("nj", d, j)]
                # No column mean enters here: one is shown only where its column shows every count.
                self._population(out, y, nj, col.asked, col.answered, summary=False)
                answered[nj] = 1.0
            out.append(_Constraint(answered, 0, 0))
            for r in range(len(self.truth.rows)):
                row: Terms = {self.index[("y", d, j, r)]: 1.0 for j in range(len(bd.columns))}
                row[c[r]] = -1.0
                out.append(_Constraint(row, 0, 0))
        for link in self.links:
            self._follow_up(out, link.rows, link.multi, link.low, link.high, c)
            for by, groups, low, high in link.columns:
                found = [e for e, bd in enumerate(self.breakdowns) if bd.by == by and self.active[e]]
                if not found:
                    continue
                columns = [
                    j for j, col in enumerate(self.breakdowns[found[0]].columns) if col.groups & groups
                ]
                terms = [
                    {self.index[("y", found[0], j, r)]: 1.0 for j in columns}
                    for r in range(len(self.truth.rows))
                ]
                self._follow_up_terms(out, [terms[r] for r in link.rows], link.multi, low, high)
        return out

    def _population(
        self, out: list[_Constraint], c: list[int], n: int, asked: int, true_answered: int, *, summary: bool
    ) -> None:
        """The constraints of one table column (or of the overall table): its cells `c`, the number who
        answered `n`, among `asked` people; `summary`: a scale's mean (and median, overall) is published
        where at least k answered."""
        na = self.na
        # Answered and "Keine Angabe" together are at most those asked; the rest went on without answering.
        out.append(_Constraint({n: 1.0, **({c[na]: 1.0} if na is not None else {})}, 0, asked))
        answers = [c[r] for r in range(len(c)) if r != na]
        if self.kind == "multi":
            choices = self.truth.choices or Choices(1, max(1, len(answers)), frozenset())
            alone = [c[r] for r in choices.exclusive]
            others = [x for r, x in enumerate(c) if r != na and r not in choices.exclusive]
            # n' = n - (people who picked an option that stands alone) pick between low and high others.
            out.append(_Constraint({n: 1.0, **{e: -1.0 for e in alone}}, 0, np.inf))
            for o in others:
                out.append(_Constraint({o: 1.0, **{e: 1.0 for e in alone}, n: -1.0}, -np.inf, 0))
            lo, hi = choices.low, choices.high
            out.append(
                _Constraint({**{o: 1.0 for o in others}, **{e: float(lo) for e in alone}, n: -lo}, 0, np.inf)
            )
            out.append(
                _Constraint({**{o: 1.0 for o in others}, **{e: float(hi) for e in alone}, n: -hi}, -np.inf, 0)
            )
        else:
            out.append(_Constraint({**{x: 1.0 for x in answers}, n: -1.0}, 0, 0))
        if self.kind == "scale" and summary:
            self._scale(out, c, n, true_answered, median=n == self.index[("n",)])

    def _scale(
        self, out: list[_Constraint], c: list[int], n: int, true_answered: int, *, median: bool
    ) -> None:
        """A mean (and a median) is published exactly where at least k answered."""
        k = self.k
        if true_answered < k:
            out.append(_Constraint({n: 1.0}, -np.inf, k - 1))
            return
        out.append(_Constraint({n: 1.0}, k, np.inf))
        total = sum(v * self.true[c[r]] for r, v in self.values.items())
        tenths = mean_tenths(total, true_answered)
        weighted: Terms = {c[r]: 20.0 * v for r, v in self.values.items()}
        # mean = tenths/10 rounded half up: (2·tenths − 1)·n ≤ 20·sum < (2·tenths + 1)·n, whole numbers.
        out.append(_Constraint({**weighted, n: -(2.0 * tenths - 1)}, 0, np.inf))
        out.append(_Constraint({**weighted, n: -(2.0 * tenths + 1)}, -np.inf, -1))
        if not median:
            return
        middle = lower_median({v: self.true[c[r]] for r, v in self.values.items()})
        below = {c[r]: 2.0 for r, v in self.values.items() if v < middle}
        up_to = {c[r]: 2.0 for r, v in self.values.items() if v <= middle}
        # The lower median m: fewer than ⌈n/2⌉ answers below m, at least ⌈n/2⌉ up to m.
        out.append(_Constraint({**below, n: -1.0}, -np.inf, -1))
        out.append(_Constraint({**up_to, n: -1.0}, 0, np.inf))

    def _follow_up(
        self,
        out: list[_Constraint],
        rows: tuple[int, ...],
        multi: bool,
        low: int,
        high: int | None,
        c: list[int],
    ) -> None:
        self._follow_up_terms(out, [{c[r]: 1.0} for r in rows], multi, low, high)

    @staticmethod
    def _follow_up_terms(
        out: list[_Constraint], per_row: list[Terms], multi: bool, low: int, high: int | None
    ) -> None:
        total: Terms = {}
        for terms in per_row:
            for v, coef in terms.items():
                total[v] = total.get(v, 0.0) + coef
        top = np.inf if high is None else float(high)
        if not multi:
            out.append(_Constraint(total, low, top))
            return
        # Multiple choice: the people who picked any of the rows are at least as many as picked the most
        # chosen one, and at most as many as the picks added up.
        out.append(_Constraint(total, low, np.inf))
        for terms in per_row:
            out.append(_Constraint(terms, 0, top))

    # -- the published tables ----------------------------------------------------------------------

    def _cell(self, i: int) -> Cell:
        why = self.hidden.get(i)
        return Cell(None, why) if why is not None else Cell(self.true[i])

    def _counts(self) -> Counts:
        counts = self.counts
        cells = [self._cell(self.index[("c", r)]) for r in range(len(self.truth.rows))]
        no_answer = cells[self.na] if self.na is not None else Cell(0)
        base = Base(asked=Cell(counts.asked), answered=self._cell(self.index[("n",)]), no_answer=no_answer)
        scale = None
        if self.kind == "scale" and self.truth.scale_words is not None:
            low, high = self.truth.scale_words
            mean = median = None
            if counts.answered >= self.k:
                histogram = {v: counts.cells[r] for r, v in self.values.items()}
                mean = mean_tenths(sum(v * x for v, x in histogram.items()), counts.answered) / 10
                median = float(lower_median(histogram))
            scale = ScaleSummary(low=low, high=high, mean=mean, median=median)
        return Counts(base=base, cells=cells, scale=scale)

    def _breakdowns(self) -> list[Breakdown]:
        out = []
        for d, bd in enumerate(self.breakdowns):
            if not self.active[d]:
                continue
            # A column's mean is shown only where every count of the column is: then it follows from
            # them and tells nothing more (and where at least k answered, so that it means something).
            means: list[float | None] = []
            if self.kind == "scale":
                for j, col in enumerate(bd.columns):
                    total = sum(v * bd.cells[r][j] for r, v in self.values.items())
                    shown = all(self.index[("y", d, j, r)] not in self.hidden for r in range(len(bd.cells)))
                    means.append(
                        mean_tenths(total, col.answered) / 10 if shown and col.answered >= self.k else None
                    )
            out.append(
                Breakdown(
                    by=bd.by,
                    columns=[Column(col.label, col.asked) for col in bd.columns],
                    cells=[
                        [self._cell(self.index[("y", d, j, r)]) for j in range(len(bd.columns))]
                        for r in range(len(self.truth.rows))
                    ],
                    means=means,
                )
            )
        return out


def mean_tenths(total: int, n: int) -> int:
    """The mean total/n in tenths, rounded half up (whole-number arithmetic: no float surprises)."""
    return (20 * total + n) // (2 * n)


def lower_median(histogram: dict[int, int]) -> int:
    """The middle value; for an even number of answers the lower of the two middle ones (always one of
    the answers, so the release can say exactly what it means)."""
    n = sum(histogram.values())
    position, seen = (n + 1) // 2, 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= position:
            return value
    raise ValueError("no answers")


# --------------------------------------------------------------------------------------------------
# HiGHS


class _Solver(highspy.Highs):
    def __init__(self) -> None:
        # highspy's own __init__ installs callbacks, which print HiGHS's banner to stdout once per
        # process (into the command line's output); no callback is used here, so only the core is set up.
        super(highspy.Highs, self).__init__()
        self.setOptionValue("output_flag", False)
        self.setOptionValue("threads", 1)
        # Counts are whole numbers: a gap below 1 means the incumbent is the optimum.
        self.setOptionValue("mip_rel_gap", 0.0)
        self.setOptionValue("mip_abs_gap", 0.5)


class _Program:
    """The audit's integer program over some of the variables: their bounds and the constraints on
    them; whether one variable can reach a value.

    Fixed (shown) counts are put in as numbers, so only hidden counts and helpers remain. A constraint
    whose remaining coefficients are whole numbers is divided by their greatest common divisor and its
    bounds rounded inwards: every whole-number table still fits, and the relaxation gets tighter (a
    mean's "20·sum ≥ 67" becomes "sum ≥ 4" with the sum's weights 1…5 divided out where it can).
    """

    def __init__(
        self,
        variables: list[int],
        lower: list[float],
        upper: list[float],
        constraints: list[_Constraint],
        base: Vector,
    ) -> None:
        free = [v for v in variables if lower[v] < upper[v]]
        self.variables = np.array(free, dtype=np.int64)
        self.local = {v: i for i, v in enumerate(free)}
        self.base = base
        self.size = len(free)
        self.lower = [lower[v] for v in free]
        self.upper = [upper[v] for v in free]
        self.relaxed = base.copy()
        self.rows: dict[int, tuple[dict[int, float], float, float]] = {}  # id(constraint) -> reduced form
        for constraint in constraints:
            reduced = _reduce(constraint, self.local, lower)
            if reduced is not None:
                self.rows[id(constraint)] = reduced
        rows = list(self.rows.values())
        self.dense = np.zeros((len(rows), self.size))
        for row, (terms, _, _) in enumerate(rows):
            for var, coef in terms.items():
                self.dense[row, var] = coef
        self.row_lower = np.array([low for _, low, _ in rows], dtype=float)
        self.row_upper = np.array([high for _, _, high in rows], dtype=float)
        lp = highspy.HighsLp()
        lp.num_col_ = self.size
        lp.num_row_ = len(rows)
        lp.col_cost_ = np.zeros(self.size)
        lp.col_lower_ = np.array(self.lower)
        lp.col_upper_ = np.array(self.upper)
        lp.row_lower_ = self.row_lower
        lp.row_upper_ = self.row_upper
        matrix = highspy.HighsSparseMatrix()
        matrix.format_ = highspy.MatrixFormat.kRowwise
        matrix.num_col_ = self.size
        matrix.num_row_ = len(rows)
        starts, index, value = [0], [], []
        for terms, _, _ in rows:
            for var, coef in sorted(terms.items()):
                index.append(var)
                value.append(coef)
            starts.append(len(index))
        matrix.start_ = np.array(starts, dtype=np.int32)
        matrix.index_ = np.array(index, dtype=np.int32)
        matrix.value_ = np.array(value, dtype=float)
        lp.a_matrix_ = matrix
        lp.integrality_ = [highspy.HighsVarType.kInteger] * self.size
        self.solver = _Solver()
        self.solver.passModel(lp)
        self.all = np.arange(self.size, dtype=np.int32)

    def reaches(self, var: int, maximize: bool, target: float, *, relaxed: bool = False) -> Vector | None:
        """A whole-number point of the published numbers at which `var` is at least (`maximize`) or at
        most `target`; None if there is none. `relaxed`: only the linear relaxation is asked, and any
        array returned means "perhaps" (its values need not be whole).

        The relaxation is solved first: if even it cannot reach the target, no whole-number table can.
        Where its optimum is whole, that is the point; otherwise the integer program decides. The
        relaxation's optimum stays in `self.relaxed` (which constraints hold the count there).
        """
        here = self.local[var]
        cost = np.zeros(self.size)
        cost[here] = 1.0
        self.solver.changeColsCost(self.size, self.all, cost)
        self.solver.changeObjectiveSense(
            highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        )
        self.solver.setOptionValue("solve_relaxation", True)
        point = self._solve()
        assert point is not None, "the true table always satisfies the published numbers"
        self.relaxed = self._whole(point, rounded=False)
        if not (point[here] >= target - _EPS if maximize else point[here] <= target + _EPS):
            return None
        if relaxed or self._feasible(np.round(point)):
            return self._whole(point)
        # Only a feasible point is needed: the target becomes a bound.
        low, high = self.lower[here], self.upper[here]
        self.solver.changeColBounds(
            here, *((max(low, target), high) if maximize else (low, min(high, target)))
        )
        self.solver.setOptionValue("solve_relaxation", False)
        try:
            found = self._solve()
        finally:
            self.solver.changeColBounds(here, low, high)
        return None if found is None else self._whole(found)

    def _feasible(self, point: Vector) -> bool:
        if np.any(point < np.array(self.lower) - _EPS) or np.any(point > np.array(self.upper) + _EPS):
            return False
        activity = self.dense @ point
        return bool(np.all(activity >= self.row_lower - _EPS) and np.all(activity <= self.row_upper + _EPS))

    def _whole(self, point: Vector, *, rounded: bool = True) -> Vector:
        """The point for every variable: this program's values, the true ones elsewhere."""
        full = self.base.copy()
        full[self.variables] = np.round(point) if rounded else point
        return full

    def _solve(self) -> Vector | None:
        self.solver.run()
        status = self.solver.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"release audit: {self.solver.modelStatusToString(status)}")
        return np.array(self.solver.getSolution().col_value)

    def binding(self, constraints: list[_Constraint]) -> list[_Constraint]:
        """The constraints at one of their bounds at the relaxation's last optimum."""
        point = self.relaxed[self.variables]
        out = []
        for constraint in constraints:
            reduced = self.rows.get(id(constraint))
            if reduced is None:
                continue
            terms, low, high = reduced
            activity = sum(coef * point[v] for v, coef in terms.items())
            if abs(activity - low) < _EPS or abs(activity - high) < _EPS:
                out.append(constraint)
        return out


def _reduce(
    constraint: _Constraint, local: dict[int, int], lower: list[float]
) -> tuple[dict[int, float], float, float] | None:
    """The constraint over the free variables (`local`), fixed ones put in as numbers, divided by the
    greatest common divisor of whole coefficients with its bounds rounded inwards; None: nothing free."""
    terms: dict[int, float] = {}
    constant = 0.0
    for var, coef in constraint.terms.items():
        if not coef:
            continue
        if var in local:
            terms[local[var]] = coef
        else:
            constant += coef * lower[var]
    if not terms:
        return None
    low, high = constraint.low - constant, constraint.high - constant
    if all(float(c).is_integer() for c in terms.values()):
        divisor = math.gcd(*(int(abs(c)) for c in terms.values()))
        terms = {v: c / divisor for v, c in terms.items()}
        low = math.ceil(low / divisor - _EPS) if math.isfinite(low) else low
        high = math.floor(high / divisor + _EPS) if math.isfinite(high) else high
    return terms, low, high
