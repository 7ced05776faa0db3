"""Which questions are shown, given the answers so far (`show_if`), and where navigation goes."""

from __future__ import annotations

from dialogs.definitions import Question, Questionnaire
from dialogs.state import REVIEW, FieldProgress


def shown_map(q: Questionnaire, fp: FieldProgress) -> dict[str, bool | None]:
    """True: shown; False: hidden by an answer; None: depends on a question not yet answered."""
    result: dict[str, bool | None] = {}
    for question in q.questions:
        cond = question.show_if
        if cond is None:
            result[question.id] = True
            continue
        ref_shown = result.get(cond.question)
        if ref_shown is not True:
            result[question.id] = ref_shown
            continue
        if cond.question in fp.skipped:
            result[question.id] = False
            continue
        value = fp.answers.get(cond.question)
        if value is None:
            result[question.id] = None
        elif isinstance(value, list):
            result[question.id] = any(v in cond.any_of for v in value)
        else:
            result[question.id] = value in cond.any_of
    return result


def is_shown(q: Questionnaire, fp: FieldProgress, question: Question) -> bool | None:
    return shown_map(q, fp)[question.id]


def first_open_question(q: Questionnaire, fp: FieldProgress) -> str | None:
    """The first shown question that has been neither answered nor skipped."""
    shown = shown_map(q, fp)
    for question in q.questions:
        if shown[question.id] is True and not fp.visited(question.id):
            return question.id
    return None


def previous_question(q: Questionnaire, fp: FieldProgress, current: str | None) -> Question | None:
    """The shown question before `current` (before the review: the last shown question)."""
    shown = shown_map(q, fp)
    candidates = [x for x in q.questions if shown[x.id] is True]
    if current == REVIEW:
        return candidates[-1] if candidates else None
    ids = [x.id for x in q.questions]
    if current not in ids:
        return None
    position = ids.index(current)
    earlier = [x for x in candidates if ids.index(x.id) < position]
    return earlier[-1] if earlier else None


def hidden_answers(q: Questionnaire, fp: FieldProgress) -> list[Question]:
    """Questions that are answered or skipped although an earlier answer now hides them."""
    shown = shown_map(q, fp)
    return [x for x in q.questions if shown[x.id] is not True and fp.visited(x.id)]


def progress(q: Questionnaire, fp: FieldProgress, question_id: str) -> tuple[int, int]:
    """(number, total) for "Frage 3 von 8"; undecided follow-ups count, so the total only shrinks."""
    shown = shown_map(q, fp)
    counted = [x.id for x in q.questions if shown[x.id] is not False]
    number = counted.index(question_id) + 1 if question_id in counted else len(counted)
    return number, len(counted)
