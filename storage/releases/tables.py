"""A field's tables, counted from a census and protected: what a working group reads first.

Per question: a count per answer (German labels, in the questionnaire's order; answers no longer offered
after them; "Keine Angabe" last where it is offered) with its base (asked, answered, "Keine Angabe"),
for scales the mean and median, and one-way breakdowns by Bezirk, Alter, Zeit in Deutschland,
Geschlecht, Herkunftsregion and Sprache. Only people who sent the field count; a partial release adds
the others as separate "nur angefangen" counts, never summed with them.

Groups of a breakdown with fewer than k people asked are merged into "weitere (zusammengefasst)". A
follow-up question's groups are made from the groups of the question it follows (merged further where
needed), so that how many were asked the follow-up in a group is always a sum of published groups of
the earlier question: the protection (storage/releases/protection.py) can then hold that link exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dialogs.definitions import NO, NO_ANSWER, SCALE_VALUES, YES, Question
from dialogs.languages import display_name
from dialogs.scales import german_words
from storage.releases.census import Census, Respondent
from storage.releases.model import Cell, Distribution, QuestionTable, Row
from storage.releases.protection import (
    Choices,
    TrueBreakdown,
    TrueColumn,
    TrueCounts,
    TrueQuestion,
    protect_field,
)

KEINE_ANGABE = "Keine Angabe"
MERGED = "weitere (zusammengefasst)"
RETIRED = "nicht mehr angeboten"
# The demographics a question is broken down by: (about question id, German name); then the language.
DEMOGRAPHICS = (
    ("bezirk", "Bezirk"),
    ("alter", "Alter"),
    ("zeit_in_de", "Zeit in Deutschland"),
    ("geschlecht", "Geschlecht"),
    ("herkunft_region", "Herkunftsregion"),
)
LANGUAGE = "Sprache"


def language_name(code: str) -> str:
    """A language named in German ("ar" → "Arabisch", "fa_AF" → "Dari"), as staff read it elsewhere."""
    return display_name(code, "de")


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
    key: Callable[[Respondent], str]


def demographics(census: Census) -> list[Demographic]:
    out = []
    for qid, by in DEMOGRAPHICS:
        question = census.about.question(qid)
        if question is None:
            continue
        out.append(_about_demographic(question, by, census.people))
    codes = sorted({p.locale for p in census.people if p.locale}, key=lambda c: (language_name(c), c))
    order = [Group(frozenset([c]), language_name(c)) for c in codes]
    order.append(Group(frozenset([NO_ANSWER]), KEINE_ANGABE))
    out.append(Demographic(LANGUAGE, order, lambda p: p.locale or NO_ANSWER))
    return out


def _about_demographic(question: Question, by: str, people: Sequence[Respondent]) -> Demographic:
    qid = question.id
    known = [o.id for o in question.offered_options]
    retired = question.retired_ids()
    seen = {str(p.about[qid]) for p in people if p.about.get(qid) not in (None, NO_ANSWER)}
    order = [Group(frozenset([o]), question.option_label(o) or o) for o in known]
    order += [Group(frozenset([o]), f"{question.option_label(o)} ({RETIRED})") for o in retired]
    order += [Group(frozenset([o]), o) for o in sorted(seen - set(known) - set(retired))]
    order.append(Group(frozenset([NO_ANSWER]), KEINE_ANGABE))

    def key(person: Respondent) -> str:
        value = person.about.get(qid)
        return NO_ANSWER if value is None else str(value)

    return Demographic(by, order, key)


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


def who(census: Census, k: int) -> list[Distribution]:
    """The respondents (people who sent the field) by each demographic, small groups merged; a
    demographic that cannot be shown with every group at least k is left out."""
    people = [p for p in census.people if p.submitted]
    out = []
    for demo in demographics(census):
        size = _sizer(Counter(demo.key(p) for p in people))
        columns = columns_of(merge(demo.order, size, k), size, k)
        if columns is not None:
            out.append(Distribution(demo.by, [(g.label, Cell(size(g.groups))) for g in columns]))
    return out


# --------------------------------------------------------------------------------------------------
# Counting


def question_tables(census: Census, k: int, *, partial: bool = False) -> list[QuestionTable]:
    """Every question's tables, protected (storage/releases/protection.py)."""
    return protect_field(true_questions(census, k, partial=partial), k)


def true_questions(census: Census, k: int, *, partial: bool = False) -> list[TrueQuestion]:
    """The true counts of every question (never published as they are)."""
    submitted = [p for p in census.people if p.submitted]
    started = [p for p in census.people if not p.submitted]
    demos = demographics(census)
    shown_by = {d.by for d in who(census, k)}
    layouts: dict[str, dict[str, list[Group]]] = {}
    out = []
    for question in census.questionnaire.questions:
        rows = answer_rows(question, census.people)
        position = {row.answer_id: i for i, row in enumerate(rows)}
        breakdowns: list[TrueBreakdown] = []
        notes: list[str] = []
        layouts[question.id] = {}
        asked = [p for p in submitted if question.id in p.asked]
        choices = _choices(question, census.people, position) if question.type == "multi" else None
        follow_ups = [
            f for f in census.questionnaire.questions if f.show_if and f.show_if.question == question.id
        ]
        for demo in demos:
            parent = question.show_if.question if question.show_if else None
            units = layouts[parent][demo.by] if parent in layouts else demo.order
            size = _sizer(Counter(demo.key(p) for p in asked))
            fits = _fits(question, demo, asked, rows, follow_ups, choices, k)
            layout = merge(units, size, k, fits)
            layouts[question.id][demo.by] = layout
            if question.type == "text":
                continue  # the texts are in their own list; their base is enough here
            columns = columns_of(layout, size, k)
            if columns is None:
                if demo.by in shown_by and len(asked) >= k:
                    notes.append(
                        f"Keine Aufschlüsselung nach {demo.by}: Die Gruppen sind zu klein, um ihre "
                        "Antworten auf diese Frage geschützt zu zeigen."
                    )
                continue
            breakdowns.append(_breakdown(question, demo, columns, asked, position, len(rows)))
        out.append(
            TrueQuestion(
                question=question,
                rows=rows,
                submitted=_counts(question, submitted, position, len(rows)),
                breakdowns=breakdowns,
                unsubmitted=_counts(question, started, position, len(rows)) if partial else None,
                choices=choices,
                scale_words=_scale_words(question),
                notes=notes,
            )
        )
    return out


def _fits(
    question: Question,
    demo: Demographic,
    asked: list[Respondent],
    rows: list[Row],
    follow_ups: list[Question],
    choices: Choices | None,
    k: int,
) -> Callable[[frozenset[str]], bool]:
    """Whether a group's answers to the question can be shown in a column of their own (`protectable`)."""
    position = {row.answer_id: i for i, row in enumerate(rows)}
    by_group: dict[str, list[Respondent]] = {}
    for person in asked:
        by_group.setdefault(demo.key(person), []).append(person)
    blocks = [
        frozenset(position[str(v)] for v in f.show_if.any_of if str(v) in position)
        for f in follow_ups
        if f.show_if is not None and question.type != "multi"
    ]
    na = position.get(NO_ANSWER)

    def fits(groups: frozenset[str]) -> bool:
        people = [p for g in sorted(groups) for p in by_group.get(g, [])]
        counts = _counts(question, people, position, len(rows))
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
    question: Question,
    demo: Demographic,
    columns: list[Group],
    asked: list[Respondent],
    position: Mapping[str, int],
    size: int,
) -> TrueBreakdown:
    column_of = {g: j for j, col in enumerate(columns) for g in col.groups}
    members: list[list[Respondent]] = [[] for _ in columns]
    for person in asked:
        members[column_of[demo.key(person)]].append(person)
    counted = [_counts(question, people, position, size) for people in members]
    return TrueBreakdown(
        by=demo.by,
        columns=[
            TrueColumn(col.label, c.asked, c.answered, col.groups)
            for col, c in zip(columns, counted, strict=True)
        ],
        cells=[[c.cells[r] for c in counted] for r in range(size)],
    )


def _counts(
    question: Question, people: Iterable[Respondent], position: Mapping[str, int], size: int
) -> TrueCounts:
    """Asked, answered, "Keine Angabe" and a count per row, among `people`; an answer counts only where
    the question was asked (an answer left from before a change of an earlier answer does not)."""
    asked = answered = no_answer = 0
    cells = [0] * size
    for person in people:
        if question.id not in person.asked:
            continue
        asked += 1
        picked = _picked(question, person.answers.get(question.id))
        if picked is None:
            continue
        if picked == [NO_ANSWER]:
            no_answer += 1
        else:
            answered += 1
        for answer in picked:
            if answer in position:
                cells[position[answer]] += 1
    return TrueCounts(asked=asked, answered=answered, no_answer=no_answer, cells=cells)


def _picked(question: Question, value: Any) -> list[str] | None:
    """The answer ids a stored value stands for; None when the person went on without answering."""
    if value is None or value == [] or value == "":
        return None
    if question.type == "text":
        return [] if isinstance(value, str) and value.strip() else None
    values = value if isinstance(value, list) else [value]
    picked = list(dict.fromkeys(str(v) for v in values))
    return [NO_ANSWER] if NO_ANSWER in picked else picked


def answer_rows(question: Question, people: Sequence[Respondent]) -> list[Row]:
    """The rows of a question's table: every answer offered now, in order; answers no longer offered
    (only where someone gave one); "Keine Angabe" last where it is offered. Free text has no rows."""
    if question.type == "text":
        return []
    seen: set[str] = set()
    for person in people:
        seen.update(_picked(question, person.answers.get(question.id)) or [])
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


def _choices(question: Question, people: Sequence[Respondent], position: Mapping[str, int]) -> Choices:
    """How many options one person picks and which stand alone, as the questionnaire says, widened to
    the stored answers where an older version of the question allowed otherwise."""
    alone = {o for o in question.exclusive_ids() if o != NO_ANSWER}
    answers = [_picked(question, p.answers.get(question.id)) for p in people if question.id in p.asked]
    picks = [a for a in answers if a and a != [NO_ANSWER]]
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
