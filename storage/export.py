"""Anonymised export of one Handlungsfeld: fresh respondent numbers, coarse time, k-suppression.

Two streaming passes keep memory bounded by the number of respondents (one short id each), not
by the number of answers: the first counts demographic combinations, the second writes rows in a
random order, fetched in small batches.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.definitions import ABOUT_ID, NO, NO_ANSWER, YES, Catalogue, Question, Questionnaire
from storage.models import Answer, Participant, TextReview

QUASI_IDENTIFIERS = ("bezirk", "alter", "zeit_in_de", "geschlecht", "herkunft_region")
SUPPRESSED = "[unterdrückt]"
HELD_BACK = "[nicht freigegeben]"
BATCH = 500
DEFAULT_K = 5
# Health answers are the most sensitive: a larger group is needed before details are shown.
SENSITIVE_K = {"gesundheit": 10}


def k_for(field_id: str, k: int = DEFAULT_K) -> int:
    return max(k, SENSITIVE_K.get(field_id, k))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Column:
    name: str
    explanation: str


@dataclass
class ExportStats:
    field_id: str
    k: int
    respondents: int = 0
    suppressed_rows: int = 0
    held_back_texts: int = 0
    released_texts: int = 0
    counts: dict[str, Counter[str]] = field(default_factory=dict)


class FieldExport:
    """Rows of one field's answers, anonymised; iterate `rows()` once, then read `stats`."""

    def __init__(
        self,
        session: AsyncSession,
        catalogue: Catalogue,
        field_id: str,
        k: int = DEFAULT_K,
        scrub: Callable[[str], str] = lambda text: text,
        rng: random.Random | None = None,
    ) -> None:
        questionnaire = catalogue.get(field_id)
        if questionnaire is None or field_id == ABOUT_ID:
            raise ValueError(f"unknown field '{field_id}'")
        self.session = session
        self.q: Questionnaire = questionnaire
        self.about = catalogue.about
        self.scrub = scrub
        self.rng = rng or random.SystemRandom()
        self.stats = ExportStats(field_id, k_for(field_id, k))

    # -- columns --------------------------------------------------------------------------

    def columns(self) -> list[Column]:
        cols = [
            Column("Nr", "Laufende Nummer, in jedem Export neu und zufällig vergeben."),
            Column("Monat", "Monat der letzten Antwort in diesem Handlungsfeld (JJJJ-MM)."),
            Column("Sprache", "Sprache, in der die Person den Fragebogen beantwortet hat."),
        ]
        for question in self._about_questions():
            cols.append(Column(question.id, f"Über Sie: {question.text}"))
        for question in self.q.questions:
            cols.append(Column(question.id, question.text))
            if question.type in ("single", "multi", "yesno"):
                cols.append(Column(f"{question.id}_id", f"Stabile Antwort-ID(s) zu {question.id}."))
        cols.append(Column("Anonymisierung", "Was in dieser Zeile zum Schutz der Person entfernt wurde."))
        return cols

    def _about_questions(self) -> list[Question]:
        return [q for q in self.about.questions if q.id in QUASI_IDENTIFIERS]

    # -- the two passes -------------------------------------------------------------------

    async def _stream(self, stmt: Any) -> AsyncIterator[Any]:
        result = await self.session.stream(stmt.execution_options(yield_per=BATCH))
        async for row in result:
            yield row

    async def _locales(self, people: Sequence[str]) -> dict[str, str]:
        rows = await self.session.execute(
            select(Participant.pseudonym, Participant.locale).where(Participant.pseudonym.in_(people))
        )
        return {person: locale for person, locale in rows.all()}

    async def _census(self) -> tuple[list[str], Counter[tuple[str, ...]]]:
        """Pass 1: everyone who answered this field, and how often each demographic combination occurs."""
        people = [
            person
            async for (person,) in self._stream(
                select(Answer.pseudonym).where(Answer.field == self.q.id).distinct()
            )
        ]
        # Language is part of the combination: it says much about where someone comes from.
        combos: Counter[tuple[str, ...]] = Counter()
        for start in range(0, len(people), BATCH):
            batch = people[start : start + BATCH]
            locales = await self._locales(batch)
            abouts = await self._about_of(batch)
            for person in batch:
                combos[self._combo(abouts.get(person, {}), locales.get(person))] += 1
        return people, combos

    async def _about_of(self, people: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = await self.session.execute(
            select(Answer.pseudonym, Answer.question, Answer.value).where(
                Answer.field == ABOUT_ID, Answer.pseudonym.in_(people)
            )
        )
        found: dict[str, dict[str, Any]] = {}
        for person, question, value in rows.all():
            found.setdefault(person, {})[question] = value
        return found

    @staticmethod
    def _combo(about: dict[str, Any], locale: str | None) -> tuple[str, ...]:
        return (*(str(about.get(q, "")) for q in QUASI_IDENTIFIERS), locale or "")

    async def rows(self) -> AsyncIterator[list[Any]]:
        """Pass 2: one row per respondent, in a random order, numbered from 1."""
        people, combos = await self._census()
        self.rng.shuffle(people)
        self.stats.respondents = len(people)
        number = 0
        for start in range(0, len(people), BATCH):
            batch = people[start : start + BATCH]
            locales = await self._locales(batch)
            answers = await self._field_answers(batch)
            abouts = await self._about_of(batch)
            for person in batch:
                number += 1
                about, locale = abouts.get(person, {}), locales.get(person)
                yield self._row(number, answers.get(person, {}), about, locale, combos)

    async def _field_answers(self, people: Sequence[str]) -> dict[str, dict[str, tuple[Any, datetime, bool]]]:
        stmt = (
            select(
                Answer.pseudonym,
                Answer.question,
                Answer.value,
                Answer.answered_at,
                TextReview.status,
                TextReview.text_hash,
            )
            .outerjoin(TextReview, TextReview.answer_id == Answer.id)
            .where(Answer.field == self.q.id, Answer.pseudonym.in_(people))
        )
        found: dict[str, dict[str, tuple[Any, datetime, bool]]] = {}
        for person, question, value, at, status, reviewed_hash in (await self.session.execute(stmt)).all():
            released = status == "released" and isinstance(value, str) and reviewed_hash == text_hash(value)
            found.setdefault(person, {})[question] = (value, at, released)
        return found

    def _row(
        self,
        number: int,
        answers: dict[str, tuple[Any, datetime, bool]],
        about: dict[str, Any],
        locale: str | None,
        combos: Counter[tuple[str, ...]],
    ) -> list[Any]:
        month = max((at for _, at, _ in answers.values()), default=None)
        suppressed = combos[self._combo(about, locale)] < self.stats.k
        row: list[Any] = [number, month.strftime("%Y-%m") if month else ""]
        if suppressed:
            self.stats.suppressed_rows += 1
            row.append(SUPPRESSED)
            row += [SUPPRESSED for _ in self._about_questions()]
        else:
            row.append(locale or "")
            row += [_label(q, about.get(q.id)) for q in self._about_questions()]
        notes = (
            [f"Merkmale über die Person unterdrückt (Gruppe kleiner als {self.stats.k})"]
            if suppressed
            else []
        )
        for question in self.q.questions:
            value, _, released = answers.get(question.id, (None, None, False))
            self._count(question, value)
            if question.type == "text":
                if value is None:
                    row.append("")
                elif released:
                    self.stats.released_texts += 1
                    row.append(self.scrub(str(value)))
                else:
                    self.stats.held_back_texts += 1
                    row.append(HELD_BACK)
                continue
            row.append(_label(question, value))
            if question.type in ("single", "multi", "yesno"):
                row.append("; ".join(value) if isinstance(value, list) else (value or ""))
        row.append("; ".join(notes))
        return row

    def _count(self, question: Question, value: Any) -> None:
        if question.type == "text" or value is None:
            return
        counter = self.stats.counts.setdefault(question.id, Counter())
        for item in value if isinstance(value, list) else [value]:
            counter[str(item)] += 1


def _label(question: Question, value: Any) -> str:
    """The German label(s) of a stored answer; empty when not answered."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_label(question, v) for v in value)
    if value == NO_ANSWER:
        return "Keine Angabe"
    if value == YES:
        return "Ja"
    if value == NO:
        return "Nein"
    if isinstance(value, int):
        return str(value)
    return question.option_label(str(value)) or str(value)


def option_rows(question: Question) -> Iterable[tuple[str, str]]:
    """(id, German label) of every possible answer, in the order of the questionnaire; then the retired
    options (no longer offered, but answers given with them are still stored)."""
    for value in question.answer_ids():
        yield str(value), _label(question, value)
    for retired in question.retired_ids():
        yield retired, f"{_label(question, retired)} (nicht mehr angeboten)"


def shown_count(count: int, k: int) -> str:
    """Counts below k are not shown: they could point to a few people."""
    return f"< {k}" if 0 < count < k else str(count)
