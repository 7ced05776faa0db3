"""An attacker, written apart from storage/releases/protection.py, who reads only a published Release.

They know the questionnaire (options, which answer leads to which follow-up, how many options one may
pick), the algorithm as documented (means rounded to one decimal, the lower median, columns merged into
"weitere (zusammengefasst)"), that a shown zero is exact and a hidden count at least 1. For each count
hidden as "small" they ask an integer program (HiGHS through highspy's modelling API) for its smallest
and largest value that every published number allows: tables, bases, group sizes, means, medians and
what follow-up questions publish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy

from dialogs.definitions import NO_ANSWER, Questionnaire
from storage.releases.model import Cell, QuestionTable, Release

MERGED = "weitere (zusammengefasst)"


@dataclass(frozen=True)
class Found:
    """What the attacker can say about one count hidden as small."""

    question: str
    by: str | None  # None: the overall table
    column: str | None
    answer: str
    least: int
    most: int


def attack(release: Release, questionnaire: Questionnaire) -> list[Found]:
    found: list[Found] = []
    tables = {t.question_id: t for t in release.questions}
    for table in release.questions:
        if table.submitted is not None:
            found += _attack_question(table, tables, questionnaire, release.k)
    return found


class _Model:
    def __init__(self) -> None:
        self.h = highspy.Highs()
        self.h.silent()

    def count(self, cell: Cell, upper: int) -> Any:
        if cell.count is not None:
            return cell.count
        return self.h.addVariable(lb=1, ub=upper, type=highspy.HighsVarType.kInteger)

    def free(self, upper: int) -> Any:
        return self.h.addVariable(lb=0, ub=upper, type=highspy.HighsVarType.kInteger)

    def add(self, constraint: Any) -> None:
        if isinstance(constraint, bool):  # only numbers: must simply hold
            assert constraint, "the published numbers contradict each other"
            return
        self.h.addConstr(constraint)

    def extremes(self, var: Any) -> tuple[int, int]:
        self.h.minimize(var)
        assert self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        least = round(self.h.val(var))
        self.h.maximize(var)
        assert self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return least, round(self.h.val(var))


def _sum(items: list[Any]) -> Any:
    total: Any = 0
    for item in items:
        total = total + item
    return total


def _attack_question(
    table: QuestionTable, tables: dict[str, QuestionTable], questionnaire: Questionnaire, k: int
) -> list[Found]:
    counts = table.submitted
    assert counts is not None
    question = questionnaire.question(table.question_id)
    assert question is not None
    asked = counts.base.asked.count
    assert asked is not None
    ids = [row.answer_id for row in table.rows]
    na = ids.index(NO_ANSWER) if NO_ANSWER in ids else None
    m = _Model()
    c = [m.count(cell, asked) for cell in counts.cells]
    n = m.count(counts.base.answered, asked)
    skipped = m.free(asked)
    m.add(n + (c[na] if na is not None else 0) + skipped == asked)
    exclusive = {i for i, a in enumerate(ids) if a in question.exclusive_ids() and a != NO_ANSWER}

    def answers(cells: list[Any], answered: Any) -> None:
        if question.type == "multi":
            others = [x for i, x in enumerate(cells) if i != na and i not in exclusive]
            alone = _sum([cells[i] for i in exclusive])
            m.add(answered - alone >= 0)
            for x in others:
                m.add(x <= answered - alone)
            m.add(_sum(others) >= question.min_choices * (answered - alone))
            m.add(_sum(others) <= question.max_choices * (answered - alone))
        else:
            m.add(_sum([x for i, x in enumerate(cells) if i != na]) == answered)

    def scale(cells: list[Any], answered: Any, mean: float | None, median: float | None) -> None:
        if question.type != "scale":
            return
        weighted = _sum([int(ids[i]) * x for i, x in enumerate(cells) if i != na])
        if mean is None:
            return
        m.add(answered >= k)
        m.add(weighted >= (mean - 0.05) * answered)
        m.add(weighted <= (mean + 0.05) * answered)
        if median is not None:
            below = _sum([x for i, x in enumerate(cells) if i != na and int(ids[i]) < median])
            up_to = _sum([x for i, x in enumerate(cells) if i != na and int(ids[i]) <= median])
            m.add(2 * below <= answered - 1)
            m.add(2 * up_to >= answered)

    answers(c, n)
    summary = counts.scale
    scale(c, n, summary.mean if summary else None, summary.median if summary else None)
    columns_of: dict[str, list[tuple[str, Any]]] = {}  # by -> (label, per-row cells)
    cells_of: dict[tuple[str, str, int], Any] = {}
    for breakdown in table.breakdowns:
        row_sums: list[list[Any]] = [[] for _ in ids]
        slack: list[Any] = []
        answered_in: list[Any] = []
        for j, column in enumerate(breakdown.columns):
            y = [m.count(breakdown.cells[r][j], column.asked) for r in range(len(ids))]
            for r, x in enumerate(y):
                row_sums[r].append(x)
                cells_of[(breakdown.by, column.label, r)] = x
            s = m.free(column.asked)
            slack.append(s)
            if question.type == "multi":
                nj = m.free(column.asked)
                answered_in.append(nj)
                m.add(nj + (y[na] if na is not None else 0) + s == column.asked)
                answers(y, nj)
            else:
                nj = _sum([x for i, x in enumerate(y) if i != na])
                answered_in.append(nj)
                m.add(nj + (y[na] if na is not None else 0) + s == column.asked)
            mean = breakdown.means[j] if breakdown.means else None
            scale(y, nj, mean, None)
            columns_of.setdefault(breakdown.by, []).append((column.label, y))
        m.add(_sum(slack) == skipped)
        m.add(_sum(answered_in) == n)
        for r in range(len(ids)):
            m.add(_sum(row_sums[r]) == c[r])
    # What the follow-ups publish: how many were asked them is how many gave an answer that leads there.
    for follow in questionnaire.questions:
        if follow.show_if is None or follow.show_if.question != question.id:
            continue
        leads = [i for i, a in enumerate(ids) if a in {str(v) for v in follow.show_if.any_of}]
        other = tables[follow.id]
        if other.submitted is not None:
            m.add(_sum([c[i] for i in leads]) == other.submitted.base.asked.count)
            for breakdown in other.breakdowns:
                mine = columns_of.get(breakdown.by)
                if mine is None:
                    continue
                named = {col.label for col in breakdown.columns if col.label != MERGED}
                for col in breakdown.columns:
                    parts = [
                        y
                        for label, y in mine
                        if (label == col.label if col.label != MERGED else label not in named)
                    ]
                    m.add(_sum([y[i] for y in parts for i in leads]) == col.asked)
        elif other.withheld and "weniger als" in other.withheld:
            m.add(_sum([c[i] for i in leads]) <= k - 1)
    found = []
    for r, cell in enumerate(counts.cells):
        if cell.hidden == "small":
            found.append(Found(question.id, None, None, ids[r], *m.extremes(c[r])))
    if counts.base.answered.hidden == "small":
        found.append(Found(question.id, None, None, "answered", *m.extremes(n)))
    for breakdown in table.breakdowns:
        for j, column in enumerate(breakdown.columns):
            for r in range(len(ids)):
                if breakdown.cells[r][j].hidden == "small":
                    var = cells_of[(breakdown.by, column.label, r)]
                    found.append(Found(question.id, breakdown.by, column.label, ids[r], *m.extremes(var)))
    return found


Truth = Callable[[Found], int]
