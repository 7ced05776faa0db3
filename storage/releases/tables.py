"""A field's tables, counted from a tally (storage/releases/tally.py) and protected: what a working group
reads first.

Per question: a count per answer (German labels, in the questionnaire's order; answers no longer offered
after them; "Keine Angabe" last where it is offered) with its base (asked, answered, "Keine Angabe"),
for scales the mean and median, and one-way breakdowns by Bezirk, Alter, Zeit in Deutschland,
Geschlecht, Herkunftsregion and Sprache. Only people who sent the field count; a partial release adds
the others as separate "nur angefangen" counts, never summed with them.

Groups of a breakdown with fewer than k people asked are merged into "weitere (zusammengefasst)". A
follow-up question's groups are made from the groups of the question it follows (merged further where
needed), so that how many were asked the follow-up in a group is always a sum of published groups of
the earlier question: the protection (storage/releases/protection.py) can then hold that link exactly.

Counting is numpy's: per question and demographic one histogram of the people asked, by group and by
answer code (`Demographic.histograms`); every count of a group, a merged group or a column is a sum of
its rows, weighted by what each answer code stands for (`_Counting`). So the work grows with the
number of groups and answers, and once with the number of people for each histogram.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dialogs.definitions import NO, NO_ANSWER, SCALE_VALUES, YES, Question
from dialogs.languages import display_name
from dialogs.scales import german_words
from storage.releases.census import Census
from storage.releases.model import Cell, Distribution, QuestionTable, Row
from storage.releases.protection import (
    Choices,
    TrueBreakdown,
    TrueColumn,
    TrueCounts,
    TrueQuestion,
    protect_field,
)
from storage.releases.tally import DEMOGRAPHICS, Answers, Codes, Flags, Groups, Tally

__all__ = ["DEMOGRAPHICS", "LANGUAGE", "language_name", "question_tables", "true_questions", "who"]

KEINE_ANGABE = "Keine Angabe"
MERGED = "weitere (zusammengefasst)"
RETIRED = "nicht mehr angeboten"
LANGUAGE = "Sprache"  # the demographic after DEMOGRAPHICS: the language a person answered in
Histogram = npt.NDArray[np.int64]  # how many people gave each code of a question's answers


def language_name(code: str) -> str:
    """A language named in German ("ar" → "Arabisch", "fa_AF" → "Dari"), as staff read it elsewhere."""
    return display_name(code, "de")


def tally_of(data: Census | Tally) -> Tally:
    return data if isinstance(data, Tally) else Tally.of(data)


# --------------------------------------------------------------------------------------------------
# Demographic groups and merging


@dataclass(frozen=True)
class Group:
    """A column of a breakdown: one or more raw groups (a district id, a language code, "no_answer")."""

    groups: frozenset[str]
    label: str
    merged: bool = False  # the "weitere (zusammengefasst)" column


@dataclass(frozen=True)
class Demographic:
    by: str
    order: list[Group]  # every raw group, one each, in the order columns are shown
    codes: Codes  # per person: their raw group, as an index into `keys`
    keys: list[str]  # the raw group of each code

    def histograms(self, among: Flags, answers: Codes, size: int) -> dict[str, Histogram]:
        """Per raw group: how many of the people `among` gave each of `size` codes of a question."""
        counts = np.bincount(
            self.codes[among].astype(np.int64) * size + answers[among], minlength=len(self.keys) * size
        ).reshape(len(self.keys), size)
        out: dict[str, Histogram] = {}
        for code in np.flatnonzero(counts.sum(axis=1)).tolist():
            key = self.keys[code]
            out[key] = out[key] + counts[code] if key in out else counts[code]
        return out

    def sizes(self, among: Flags) -> dict[str, int]:
        """How many of the people `among` are in each raw group."""
        return {
            key: int(h.sum()) for key, h in self.histograms(among, np.zeros(len(among), np.int32), 1).items()
        }


def demographics(tally: Tally) -> list[Demographic]:
    out = []
    for qid, by in DEMOGRAPHICS:
        question = tally.about.question(qid)
        if question is None:
            continue
        out.append(_about_demographic(question, by, tally.groups[qid]))
    locales = [tally.locales[c] for c in _present(tally.locale, len(tally.locales))]
    codes = sorted({c for c in locales if c}, key=lambda c: (language_name(c), c))
    order = [Group(frozenset([c]), language_name(c)) for c in codes]
    order.append(Group(frozenset([NO_ANSWER]), KEINE_ANGABE))
    out.append(Demographic(LANGUAGE, order, tally.locale, [c or NO_ANSWER for c in tally.locales]))
    return out


def _present(codes: Codes, size: int) -> list[int]:
    """The codes somebody has."""
    return np.flatnonzero(np.bincount(codes, minlength=size)).tolist()  # type: ignore[no-any-return]


def _about_demographic(question: Question, by: str, groups: Groups) -> Demographic:
    known = [o.id for o in question.offered_options]
    retired = question.retired_ids()
    seen = {groups.keys[c] for c in _present(groups.codes, len(groups.keys))} - {NO_ANSWER}
    order = [Group(frozenset([o]), question.option_label(o) or o) for o in known]
    order += [Group(frozenset([o]), f"{question.option_label(o)} ({RETIRED})") for o in retired]
    order += [Group(frozenset([o]), o) for o in sorted(seen - set(known) - set(retired))]
    order.append(Group(frozenset([NO_ANSWER]), KEINE_ANGABE))
    return Demographic(by, order, groups.codes, groups.keys)


def merge(
    units: Sequence[Group],
    size: Callable[[frozenset[str]], int],
    k: int,
    fits: Callable[[frozenset[str]], bool] = lambda groups: True,
) -> list[Group]:
    """Merge groups smaller than k into "weitere (zusammengefasst)"; while that is still smaller than k
    (and not empty), merge the smallest remaining group into it too (ties: the later one).

    `fits` says whether a group's answers can be protected at all (see `protectable`); a group that
    cannot is merged like a small one. `units` may already hold a merged group (a follow-up starts
    from the earlier question's groups). Every raw group ends in exactly one group; empty ones are not
    shown as columns.
    """
    rest: set[str] = set()
    keep: list[Group] = []
    for unit in units:
        if unit.merged or size(unit.groups) < k or not fits(unit.groups):
            rest |= unit.groups
        else:
            keep.append(unit)

    def too_small(groups: frozenset[str]) -> bool:
        return size(groups) > 0 and (size(groups) < k or not fits(groups))

    while too_small(frozenset(rest)) and keep:
        smallest = min(range(len(keep)), key=lambda i: (size(keep[i].groups), -i))
        rest |= keep.pop(smallest).groups
    return keep + ([Group(frozenset(rest), MERGED, merged=True)] if rest else [])


def columns_of(layout: Sequence[Group], size: Callable[[frozenset[str]], int], k: int) -> list[Group] | None:
    """The columns a layout shows, or None when it cannot show at least two groups of at least k."""
    columns = [g for g in layout if size(g.groups) > 0]
    if len(columns) < 2 or any(size(g.groups) < k for g in columns):
        return None
    return columns


def _sizer(counts: Mapping[str, int]) -> Callable[[frozenset[str]], int]:
    return lambda groups: sum(counts.get(g, 0) for g in groups)


def who(data: Census | Tally, k: int) -> list[Distribution]:
    """The respondents (people who sent the field) by each demographic, small groups merged; a
    demographic that cannot be shown with every group at least k is left out."""
    tally = tally_of(data)
    out = []
    for demo in demographics(tally):
        size = _sizer(demo.sizes(tally.submitted))
        columns = columns_of(merge(demo.order, size, k), size, k)
        if columns is not None:
            out.append(Distribution(demo.by, [(g.label, Cell(size(g.groups))) for g in columns]))
    return out


# --------------------------------------------------------------------------------------------------
# Counting


@dataclass(frozen=True)
class _Counting:
    """What one person with a code adds to a question's counts: asked always; answered or "Keine
    Angabe" (or neither: went on without answering); one in each row of the answers the code stands for
    (answers that have no row count nowhere)."""

    answered: Histogram  # per code, 0 or 1
    no_answer: Histogram
    rows: npt.NDArray[np.int64]  # [code, row], 0 or 1

    @staticmethod
    def of(answers: Answers, position: Mapping[str, int], size: int) -> _Counting:
        codes = len(answers.picked)
        answered, no_answer = np.zeros(codes, np.int64), np.zeros(codes, np.int64)
        rows = np.zeros((codes, size), np.int64)
        for code, picked in enumerate(answers.picked):
            if picked is None:
                continue
            if picked == (NO_ANSWER,):
                no_answer[code] = 1
            else:
                answered[code] = 1
            for answer in picked:
                if answer in position:
                    rows[code, position[answer]] = 1
        return _Counting(answered, no_answer, rows)

    def counts(self, histogram: Histogram) -> TrueCounts:
        return TrueCounts(
            asked=int(histogram.sum()),
            answered=int(histogram @ self.answered),
            no_answer=int(histogram @ self.no_answer),
            cells=(histogram @ self.rows).tolist(),
        )


def question_tables(data: Census | Tally, k: int, *, partial: bool = False) -> list[QuestionTable]:
    """Every question's tables, protected (storage/releases/protection.py)."""
    return protect_field(true_questions(data, k, partial=partial), k)


def true_questions(data: Census | Tally, k: int, *, partial: bool = False) -> list[TrueQuestion]:
    """The true counts of every question (never published as they are)."""
    tally = tally_of(data)
    demos = demographics(tally)
    shown_by = {d.by for d in who(tally, k)}
    layouts: dict[str, dict[str, list[Group]]] = {}
    out = []
    questions = tally.questionnaire.questions
    for i, question in enumerate(questions):
        answers = tally.answers[i]
        rows = answer_rows(question, answers)
        position = {row.answer_id: r for r, row in enumerate(rows)}
        counting = _Counting.of(answers, position, len(rows))
        codes = len(answers.picked)
        shown_to = tally.asked[:, i]
        asked = tally.submitted & shown_to
        breakdowns: list[TrueBreakdown] = []
        notes: list[str] = []
        layouts[question.id] = {}
        choices = _choices(question, answers, shown_to, position) if question.type == "multi" else None
        follow_ups = [f for f in questions if f.show_if and f.show_if.question == question.id]
        for demo in demos:
            parent = question.show_if.question if question.show_if else None
            units = layouts[parent][demo.by] if parent in layouts else demo.order
            by_group = demo.histograms(asked, answers.codes, codes)
            size = _sizer({g: int(h.sum()) for g, h in by_group.items()})
            fits = _fits(question, by_group, counting, rows, follow_ups, choices, k)
            layout = merge(units, size, k, fits)
            layouts[question.id][demo.by] = layout
            if question.type == "text":
                continue  # the texts are in their own list; their base is enough here
            columns = columns_of(layout, size, k)
            if columns is None:
                if demo.by in shown_by and int(asked.sum()) >= k:
                    notes.append(
                        f"Keine Aufschlüsselung nach {demo.by}: Die Gruppen sind zu klein, um ihre "
                        "Antworten auf diese Frage geschützt zu zeigen."
                    )
                continue
            breakdowns.append(_breakdown(demo, columns, by_group, counting, len(rows)))
        started = ~tally.submitted & shown_to
        out.append(
            TrueQuestion(
                question=question,
                rows=rows,
                submitted=counting.counts(_histogram(answers.codes[asked], codes)),
                breakdowns=breakdowns,
                unsubmitted=counting.counts(_histogram(answers.codes[started], codes)) if partial else None,
                choices=choices,
                scale_words=_scale_words(question),
                notes=notes,
            )
        )
    return out


def _histogram(codes: Codes, size: int) -> Histogram:
    return np.bincount(codes, minlength=size).astype(np.int64)


def _together(by_group: Mapping[str, Histogram], groups: frozenset[str], size: int) -> Histogram:
    """The histogram of the people of some raw groups."""
    total = np.zeros(size, np.int64)
    for group in groups:
        if group in by_group:
            total += by_group[group]
    return total


def _fits(
    question: Question,
    by_group: Mapping[str, Histogram],
    counting: _Counting,
    rows: list[Row],
    follow_ups: list[Question],
    choices: Choices | None,
    k: int,
) -> Callable[[frozenset[str]], bool]:
    """Whether a group's answers to the question can be shown in a column of their own (`protectable`)."""
    position = {row.answer_id: i for i, row in enumerate(rows)}
    blocks = [
        frozenset(position[str(v)] for v in f.show_if.any_of if str(v) in position)
        for f in follow_ups
        if f.show_if is not None and question.type != "multi"
    ]
    na = position.get(NO_ANSWER)
    size = len(counting.answered)

    def fits(groups: frozenset[str]) -> bool:
        counts = counting.counts(_together(by_group, groups, size))
        return protectable(question.type, counts, k, blocks=blocks, choices=choices, na=na)

    return fits


def protectable(
    kind: str,
    counts: TrueCounts,
    k: int,
    *,
    blocks: Sequence[frozenset[int]] = (),
    choices: Choices | None = None,
    na: int | None = None,
) -> bool:
    """Could a column with these counts hide its small ones so that each may still be k or more?

    Hidden counts are at least 1, so even with everything hidden a small count can be at most what its
    column holds less one for each other non-zero answer: a group of 6 that gave four different answers
    cannot make any of them possibly 5 or more. A follow-up splits the rows: how many were asked it is
    published per group, so the rows that lead to it add up to a known number, and the others too
    (with those who went on without answering). Multiple choice: an option is at most the number who
    answered; options that stand alone, and "Keine Angabe", take one person each.
    """
    cells = counts.cells
    if not any(0 < c < k for c in cells):
        return True
    nonzero = {r for r, c in enumerate(cells) if c > 0}
    if kind == "multi":
        alone = choices.exclusive if choices else frozenset()
        high = choices.high if choices else max(1, len(cells))
        others = len([r for r in nonzero if r not in alone and r != na])
        least = -(-others // high)  # people needed for the other options' picks, at the least
        picked_alone = len([r for r in nonzero if r in alone])
        answered_max = counts.asked - (1 if na is not None and cells[na] else 0)
        for r in nonzero:
            if cells[r] >= k:
                continue
            if r == na:
                most = counts.asked - picked_alone - least
            elif r in alone:
                most = answered_max - (picked_alone - 1) - least
            else:
                most = answered_max - picked_alone
            if most < k:
                return False
        return True
    skipped = counts.asked - counts.answered - counts.no_answer
    atoms: dict[tuple[bool, ...], list[int]] = {}
    for r in range(len(cells)):
        atoms.setdefault(tuple(r in b for b in blocks), []).append(r)
    for signature, members in atoms.items():
        if not any(0 < cells[r] < k for r in members):
            continue
        total = sum(cells[r] for r in members) + (skipped if not any(signature) else 0)
        if total - (len([r for r in members if r in nonzero]) - 1) < k:
            return False
    return True


def _breakdown(
    demo: Demographic,
    columns: list[Group],
    by_group: Mapping[str, Histogram],
    counting: _Counting,
    size: int,
) -> TrueBreakdown:
    codes = len(counting.answered)
    counted = [counting.counts(_together(by_group, col.groups, codes)) for col in columns]
    return TrueBreakdown(
        by=demo.by,
        columns=[
            TrueColumn(col.label, c.asked, c.answered, col.groups)
            for col, c in zip(columns, counted, strict=True)
        ],
        cells=[[c.cells[r] for c in counted] for r in range(size)],
    )


def answer_rows(question: Question, answers: Answers) -> list[Row]:
    """The rows of a question's table: every answer offered now, in order; answers no longer offered
    (only where someone gave one); "Keine Angabe" last where it is offered. Free text has no rows."""
    if question.type == "text":
        return []
    seen: set[str] = set()
    for code in _present(answers.codes, len(answers.picked)):
        seen.update(answers.picked[code] or ())
    rows: list[Row] = []
    if question.type in ("single", "multi"):
        rows += [Row(o.id, o.label) for o in question.offered_options]
        rows += [
            Row(o, f"{question.option_label(o)} ({RETIRED})", retired=True)
            for o in question.retired_ids()
            if o in seen
        ]
    elif question.type == "yesno":
        rows += [Row(YES, "Ja"), Row(NO, "Nein")]
    elif question.type == "scale":
        words = german_words(question.words or "")
        rows += [Row(str(v), f"{v} – {words[v - 1]}") for v in SCALE_VALUES]
    known = {r.answer_id for r in rows} | {NO_ANSWER}
    rows += [Row(v, v, retired=True) for v in sorted(seen - known)]
    if question.offers_no_answer:
        rows.append(Row(NO_ANSWER, KEINE_ANGABE))
    return rows


def _choices(question: Question, answers: Answers, shown_to: Flags, position: Mapping[str, int]) -> Choices:
    """How many options one person picks and which stand alone, as the questionnaire says, widened to
    the stored answers where an older version of the question allowed otherwise (of everybody who was
    asked, sent or not)."""
    alone = {o for o in question.exclusive_ids() if o != NO_ANSWER}
    given = [answers.picked[code] for code in _present(answers.codes[shown_to], len(answers.picked))]
    picks = [a for a in given if a and a != (NO_ANSWER,)]
    for picked in picks:
        if len(picked) > 1:
            alone -= set(picked)  # stored together with others: it did not stand alone then
    low, high = question.min_choices, question.max_choices
    for picked in picks:
        if not (len(picked) == 1 and picked[0] in alone):
            low, high = min(low, len(picked)), max(high, len(picked))
    return Choices(low, high, frozenset(position[o] for o in alone if o in position))


def _scale_words(question: Question) -> tuple[str, str] | None:
    if question.type != "scale" or question.words is None:
        return None
    words = german_words(question.words)
    return words[0], words[-1]
