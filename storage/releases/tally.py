"""Everyone who answered one field, as small whole numbers per person: what a release's tables and its
list of free texts are counted from.

A person is a position in a few arrays: whether they sent the field, their language, their group in each
demographic, and per question a code that stands for their stored answer (0: none stored). What a code
means is kept once, however many people gave that answer: the stored value and the answer ids it stands
for. What was shown to a person follows from their answers (census.asked), worked out once for each
combination of what it depends on. Of the free texts only the released ones are kept, in their stored
scrubbed form.

So a release needs some 70 bytes a person and the released texts, where a `Respondent` with its
dictionaries takes kilobytes, and counting is numpy's work over the arrays (benchmarks/export.py: the
CSV release of 1,000,000 answers of 100,000 people peaks some 20 MB above that of 100,000 answers).

`read_tally` reads the field in four statements, each through `storage.dialect.read_columns` (COPY
on PostgreSQL): the field's answers but the free texts; the free texts with their reviews and scrubbed
forms; everybody's demographic answers; everybody's language and whether they sent the field. A
question and its stored JSON text come as one string: one look-up finds the code, and each distinct
value is decoded once. The pseudonyms only put a person's rows together while the field is read
(`_Index`: sorted bytes, some 80 bytes a person) and are dropped before anything is counted. A
person's position is the order in which they were first seen; nothing a release shows depends on it
(the texts are put in an order of their own before they are shuffled), so the same data give the same
release on SQLite and PostgreSQL, and the same as the census gives (`Tally.of`, for the tests and for
releases made from a census).

Each statement sees the data as they are when it runs, as the census's statements did: someone who
deletes everything while a release is read may be counted with their answers but without their
language or demographics (the differencing rules count them as in the release either way, see
storage/releases/differencing.py), and someone who answers the field while it is read may be counted
with what the later statements saw.
"""

from __future__ import annotations

import json
import operator
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Select, Text, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.definitions import ABOUT_ID, NO_ANSWER, Catalogue, Question, Questionnaire
from storage.dialect import Columns, read_columns
from storage.models import Answer, FieldCompletion, Participant, TextReview
from storage.releases.census import Census, asked
from storage.reviews import text_hash

Codes = npt.NDArray[np.int32]
Flags = npt.NDArray[np.bool_]

# The demographics a question is broken down by: (about question id, German name); then the language.
DEMOGRAPHICS = (
    ("bezirk", "Bezirk"),
    ("alter", "Alter"),
    ("zeit_in_de", "Zeit in Deutschland"),
    ("geschlecht", "Geschlecht"),
    ("herkunft_region", "Herkunftsregion"),
)

NONE = 0  # the code of "no answer stored"
# Codes of a free-text question that no other question depends on: only whether there is a text counts.
NO_TEXT, TEXT = 1, 2
# A stand-in for a text in `Answers.values` (what was shown depends on no free text's wording).
SOME_TEXT = "…"


def picked(question: Question, value: Any) -> tuple[str, ...] | None:
    """The answer ids a stored value stands for; None when the person went on without answering. A free
    text stands for no answer id: () when there is a text."""
    if value is None or value == [] or value == "":
        return None
    if question.type == "text":
        return () if isinstance(value, str) and value.strip() else None
    values = value if isinstance(value, list) else [value]
    ids = tuple(dict.fromkeys(str(v) for v in values))
    return (NO_ANSWER,) if NO_ANSWER in ids else ids


def group_key(value: Any) -> str:
    """A person's group in a demographic, by their stored about-you answer."""
    return NO_ANSWER if value is None else str(value)


@dataclass(frozen=True)
class Answers:
    """One question's answers: a code per person, and what each code stands for."""

    question: Question
    codes: Codes  # per person
    values: list[Any]  # per code: a stored value (SOME_TEXT for a free text), None for NONE
    picked: list[tuple[str, ...] | None]  # per code: `picked(question, value)`


@dataclass(frozen=True)
class Groups:
    """One demographic: a code per person, and the group (e.g. a district id, NO_ANSWER) of each code."""

    codes: Codes  # per person
    keys: list[str]  # per code; keys[0] is NO_ANSWER


class ReleasedTexts:
    """The free texts whose current version review released: each one's author (a position), question
    (its position in the questionnaire) and stored scrubbed form. Kept as two arrays and a list, not
    as an object each: a large field has tens of thousands."""

    def __init__(self) -> None:
        self.person = array("i")
        self.question = array("i")
        self.text: list[str] = []

    def add(self, person: int, question: int, text: str) -> None:
        self.person.append(person)
        self.question.append(question)
        self.text.append(text)

    def __len__(self) -> int:
        return len(self.text)

    def __iter__(self) -> Iterator[tuple[int, int, str]]:
        return zip(self.person, self.question, self.text, strict=True)

    def in_order(self, locales: list[str], locale: Codes) -> ReleasedTexts:
        """The texts by question, text and language: an order that does not depend on the order in which
        the database gave the rows (a release shuffles them anyway; equal ones are the same text)."""
        languages = [locales[code] for code in locale[np.asarray(self.person, dtype=np.intp)].tolist()]
        out = ReleasedTexts()
        for question, text, _, person in sorted(
            zip(self.question, self.text, languages, self.person, strict=True)
        ):
            out.add(person, question, text)
        return out


@dataclass(frozen=True)
class Tally:
    questionnaire: Questionnaire
    about: Questionnaire
    submitted: Flags  # per person: pressed "Absenden" for this field
    locale: Codes  # per person, into `locales`
    locales: list[str]  # the languages people answered in ("" where unknown)
    groups: Mapping[str, Groups]  # by about question id (DEMOGRAPHICS)
    answers: list[Answers]  # one per question of the questionnaire, in its order
    asked: Flags  # [person, question]: the question was shown to them
    texts: ReleasedTexts  # by question, text and language

    @property
    def people(self) -> int:
        return len(self.submitted)

    @staticmethod
    def of(census: Census) -> Tally:
        """The tally of a census, people in the census's order."""
        people = census.people
        coders = [_AnswerCoder(q, census.questionnaire) for q in census.questionnaire.questions]
        demographic = {qid: _GroupCoder() for qid, _ in DEMOGRAPHICS}
        language = _LocaleCoder()
        ids = [q.id for q in census.questionnaire.questions]
        codes = np.zeros((len(coders), len(people)), dtype=np.int32)
        groups = {qid: np.zeros(len(people), dtype=np.int32) for qid in demographic}
        asked_ = np.zeros((len(people), len(ids)), dtype=np.bool_)
        texts = ReleasedTexts()
        for n, person in enumerate(people):
            for qid, grouping in demographic.items():
                groups[qid][n] = grouping.code(group_key(person.about.get(qid)))
            for i, (qid, coder) in enumerate(zip(ids, coders, strict=True)):
                if qid in person.answers:
                    value = person.answers[qid]
                    codes[i, n] = coder.code_value(value)
                    scrubbed = person.released_texts.get(qid) if coder.text else None
                    if scrubbed is not None and _is_text(value):
                        texts.add(n, i, scrubbed)
                asked_[n, i] = qid in person.asked
        locale = np.array([language.code(p.locale) for p in people], dtype=np.int32)
        return Tally(
            questionnaire=census.questionnaire,
            about=census.about,
            submitted=np.array([p.submitted for p in people], dtype=np.bool_),
            locale=locale,
            locales=language.locales,
            groups={qid: Groups(groups[qid], coder.keys) for qid, coder in demographic.items()},
            answers=[coder.answers(codes[i]) for i, coder in enumerate(coders)],
            asked=asked_,
            texts=texts.in_order(language.locales, locale),
        )


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


class _AnswerCoder:
    """Gives one question's stored values their codes.

    By the stored JSON text; the same value stored as two texts gets two codes of the same meaning. A
    free text that no question depends on gets NO_TEXT or TEXT: every text its own code would keep them
    all.
    """

    def __init__(self, question: Question, questionnaire: Questionnaire) -> None:
        self.question = question
        needed = any(
            q.show_if is not None and q.show_if.question == question.id for q in questionnaire.questions
        )
        self.text = question.type == "text"
        self.by_class = self.text and not needed
        self.index: dict[str, int] = {}
        self.values: list[Any] = [None, None, SOME_TEXT] if self.by_class else [None]

    def code(self, stored: str) -> int:
        """The code of a stored JSON text (not for a free text coded by class)."""
        found = self.index.get(stored)
        if found is None:
            found = self.index[stored] = len(self.values)
            self.values.append(json.loads(stored))
        return found

    def code_value(self, value: Any) -> int:
        """The code of a value as read."""
        if self.by_class:
            return TEXT if _is_text(value) else NO_TEXT
        stored = json.dumps(value, sort_keys=True, default=repr)
        found = self.index.get(stored)
        if found is None:
            found = self.index[stored] = len(self.values)
            self.values.append(value)
        return found

    def answers(self, codes: Codes) -> Answers:
        return Answers(self.question, codes, self.values, [picked(self.question, v) for v in self.values])


class _GroupCoder:
    def __init__(self) -> None:
        self.keys = [NO_ANSWER]
        self.index = {NO_ANSWER: 0}

    def code(self, key: str) -> int:
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.keys)
            self.keys.append(key)
        return found


class _LocaleCoder:
    def __init__(self) -> None:
        self.locales: list[str] = []
        self.index: dict[str, int] = {}

    def code(self, locale: str) -> int:
        found = self.index.get(locale)
        if found is None:
            found = self.index[locale] = len(self.locales)
            self.locales.append(locale)
        return found


# --------------------------------------------------------------------------------------------------
# Reading from the database


async def read_tally(session: AsyncSession, catalogue: Catalogue, field_id: str) -> Tally:
    """Everyone with an answer in the field, without their pseudonyms (see the module's description)."""
    questionnaire = catalogue.get(field_id)
    if questionnaire is None or field_id == ABOUT_ID:
        raise ValueError(f"unknown field '{field_id}'")
    reading = _Reading(questionnaire)
    texts = [q.id for q in questionnaire.questions if q.type == "text"]
    await read_columns(session, _choices_statement(field_id, texts), reading.add_answers)
    await read_columns(session, _texts_statement(field_id, texts), reading.add_texts)
    await read_columns(session, _about_statement(), reading.add_about)
    await read_columns(session, _participants_statement(field_id), reading.add_participants)
    return reading.tally(catalogue.about)


# A question id and its stored JSON text in one column: one look-up finds both question and code.
# Question ids have no "=" (definitions._QUESTION_ID).
KEY = "="


def _answer_key() -> ColumnElement[str]:
    return Answer.question + KEY + cast(Answer.value, Text)  # SQLite may hold a number as a number


def _choices_statement(field_id: str, texts: list[str]) -> Select[str, str]:
    """The field's answers but its free texts (answers to questions it no longer has among them)."""
    return select(Answer.pseudonym, _answer_key()).where(
        Answer.field == field_id, Answer.question.not_in(texts)
    )


def _texts_statement(field_id: str, texts: list[str]) -> Select[str, str, str, str, str, str]:
    """The field's free texts, with their review and stored scrubbed form (apart from the other
    answers: joining the reviews to every answer would cost the database more than reading twice)."""
    return (
        select(
            Answer.pseudonym,
            _answer_key(),
            func.coalesce(TextReview.status, ""),
            func.coalesce(TextReview.text_hash, ""),
            func.coalesce(Answer.scrubbed, ""),
            # No scrubbed form, no hash: an empty form stays apart from none.
            case((Answer.scrubbed.is_(None), ""), else_=func.coalesce(Answer.scrubbed_hash, "")),
        )
        .outerjoin(TextReview, TextReview.answer_id == Answer.id)
        .where(Answer.field == field_id, Answer.question.in_(texts))
    )


def _about_statement() -> Select[str, str]:
    # Everybody's: leaving out those who did not answer the field costs the database more than it
    # saves here.
    return select(Answer.pseudonym, _answer_key()).where(
        Answer.field == ABOUT_ID, Answer.question.in_([qid for qid, _ in DEMOGRAPHICS])
    )


def _participants_statement(field_id: str) -> Select[str, str, str]:
    sent = and_(FieldCompletion.pseudonym == Participant.pseudonym, FieldCompletion.field == field_id)
    return select(
        Participant.pseudonym, Participant.locale, func.coalesce(FieldCompletion.field, "")
    ).outerjoin(FieldCompletion, sent)


SPAN = 1 << 31  # a question's (or demographic's) position and a code in one number: position·SPAN + code
UNKNOWN = -1  # an answer to a question the questionnaire no longer has


class _Reading:
    """The people's arrays, filled in as the rows come.

    A person's position is the order in which they were first seen; while reading, `people` finds it
    by pseudonym (and is dropped with the rest when the tally is made).
    """

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self.people = _Index()
        self.coders = [_AnswerCoder(q, questionnaire) for q in questionnaire.questions]
        self.question = {q.id: i for i, q in enumerate(questionnaire.questions)}
        self.known: dict[str, int] = {}  # "question=stored JSON" -> position·SPAN + code (not free texts)
        self.codes = np.zeros((len(self.coders), 0), dtype=np.int32)
        self.demographic = [_GroupCoder() for _ in DEMOGRAPHICS]
        self.row_of = {qid: d for d, (qid, _) in enumerate(DEMOGRAPHICS)}
        self.known_groups: dict[str, int] = {}  # "about question=stored JSON" -> demographic·SPAN + code
        self.groups = np.zeros((len(DEMOGRAPHICS), 0), dtype=np.int32)
        self.language = _LocaleCoder()
        self.locale = np.zeros(0, dtype=np.int32)
        self.submitted = np.zeros(0, dtype=np.bool_)
        self.texts = ReleasedTexts()

    def _grow(self) -> None:
        """Room for everybody found so far, and as many again."""
        size, room = self.people.size, self.codes.shape[1]
        if size <= room:
            return
        more = max(size, room + room // 2) - room
        self.codes = np.pad(self.codes, ((0, 0), (0, more)))
        self.groups = np.pad(self.groups, ((0, 0), (0, more)))
        self.locale = np.pad(self.locale, (0, more), constant_values=self.language.code(""))
        self.submitted = np.pad(self.submitted, (0, more))

    def add_answers(self, columns: Columns) -> None:
        """Columns: pseudonym, "question=stored JSON" (of all but the free texts)."""
        pseudonyms, keys = columns
        at = self.people.find(pseudonyms, add=True)
        self._grow()
        codes = _looked_up(self.known, keys)
        for j in np.flatnonzero(np.isnan(codes)).tolist():  # values seen for the first time
            codes[j] = self._first(keys[j])
        self._set(self.codes, codes.astype(np.int64), at)

    def _first(self, key: str) -> int:
        """The code (position·SPAN + code) of a value not seen before."""
        question, _, stored = key.partition(KEY)
        i = self.question.get(question)
        if i is None:
            packed = UNKNOWN
        elif self.coders[i].text:  # not read with its review: held back, if it is a text
            return i * SPAN + self.coders[i].code_value(_load(stored))
        else:
            packed = i * SPAN + self.coders[i].code(stored)
        self.known[key] = packed
        return packed

    def add_texts(self, columns: Columns) -> None:
        """Columns: pseudonym, "question=stored JSON", the review's status, the reviewed text's hash, the
        stored scrubbed form and the hash of the text it was made of (each "" where there is none)."""
        pseudonyms, keys, statuses, reviewed, scrubbed, scrubbed_from = columns
        at = self.people.find(pseudonyms, add=True)
        self._grow()
        codes: list[int] = []
        rows = zip(at.tolist(), keys, statuses, reviewed, scrubbed, scrubbed_from, strict=True)
        for n, key, status, review, form, made_of in rows:
            question, _, stored = key.partition(KEY)
            i = self.question.get(question)
            if i is None:  # not asked for, but the person counts
                codes.append(UNKNOWN)
                continue
            coder = self.coders[i]
            released = status == "released"
            if not released and coder.by_class and _starts_a_text(stored):
                codes.append(i * SPAN + TEXT)  # a text that was not released: only that there is one counts
                continue
            value = _load(stored)
            if released and _is_text(value):
                # A review and a scrubbed form hold only for the text they were made of: a changed
                # answer is not released, and an older text's scrubbed form never stands in for the
                # current one.
                current = text_hash(value)
                if review == current and made_of == current:
                    self.texts.add(n, i, form)
            codes.append(i * SPAN + coder.code_value(value))
        self._set(self.codes, np.array(codes, dtype=np.int64), at)

    @staticmethod
    def _set(into: Codes, codes: npt.NDArray[np.int64], at: npt.NDArray[np.intp]) -> None:
        """Each row's code (row·SPAN + code) into the arrays, at its person's position."""
        counted = codes != UNKNOWN
        into[codes[counted] // SPAN, at[counted]] = codes[counted] % SPAN

    def add_about(self, columns: Columns) -> None:
        """Columns: pseudonym, "about question=stored JSON" (of every participant)."""
        pseudonyms, keys = columns
        at = self.people.find(pseudonyms)
        codes = _looked_up(self.known_groups, keys)
        for j in np.flatnonzero(np.isnan(codes)).tolist():
            codes[j] = self._first_group(keys[j])
        here = at >= 0  # the others did not answer this field
        self._set(self.groups, codes.astype(np.int64)[here], at[here])

    def _first_group(self, key: str) -> int:
        question, _, stored = key.partition(KEY)
        d = self.row_of[question]
        packed = self.known_groups[key] = d * SPAN + self.demographic[d].code(group_key(json.loads(stored)))
        return packed

    def add_participants(self, columns: Columns) -> None:
        """Columns: pseudonym, locale, the field if they sent it (of every participant)."""
        pseudonyms, locales, sent = columns
        at = self.people.find(pseudonyms)
        here = at >= 0  # the others did not answer this field
        if here.any():
            self.locale[at[here]] = [self.language.code(locale) for locale in compress(locales, here)]
            self.submitted[at[here]] = [bool(field) for field in compress(sent, here)]

    def tally(self, about: Questionnaire) -> Tally:
        size = self.people.size
        del self.people
        answers = [coder.answers(self.codes[i, :size]) for i, coder in enumerate(self.coders)]
        submitted = self.submitted[:size]
        locale = self.locale[:size]
        return Tally(
            questionnaire=self.questionnaire,
            about=about,
            submitted=submitted,
            locale=locale,
            locales=self.language.locales,
            groups={
                qid: Groups(self.groups[d, :size], self.demographic[d].keys) for qid, d in self.row_of.items()
            },
            answers=answers,
            asked=_asked(self.questionnaire, answers, submitted),
            texts=self.texts.in_order(self.language.locales, locale),
        )


class _Index:
    """The pseudonyms seen so far, sorted, with each one's position: some 80 bytes a person, where a
    dictionary would take three times as much.

    A person's answers mostly come one after the other (they were written together): each run of the
    same pseudonym is looked up once, by binary search on the first eight bytes (a number) and then
    compared whole. New people go into a small sorted array of their own, merged into the large one
    now and then: inserting into the large one for every few thousand rows would move all of it each
    time."""

    RECENT = 16_384  # new people held apart before they are merged in

    def __init__(self) -> None:
        self.main = _Sorted.of(np.zeros(0, dtype="S64"), np.zeros(0, dtype=np.intp))
        self.recent = self.main
        self.size = 0

    def find(self, pseudonyms: Sequence[str], *, add: bool = False) -> npt.NDArray[np.intp]:
        """Each pseudonym's position; -1 for one not seen before, or (`add`) the next free one."""
        if not pseudonyms:
            return np.zeros(0, dtype=np.intp)
        starts = [0, *compress(range(1, len(pseudonyms)), map(operator.ne, pseudonyms[1:], pseudonyms[:-1]))]
        wanted = np.array([pseudonyms[i].encode() for i in starts])
        width = max(wanted.itemsize, self.main.keys.itemsize)  # wider if a longer pseudonym comes
        self.main, self.recent = self.main.widened(width), self.recent.widened(width)
        wanted = wanted.astype(self.main.keys.dtype)
        prefix = _prefix(wanted)
        found = self.main.lookup(wanted, prefix)
        missing = found < 0
        if missing.any():
            found[missing] = self.recent.lookup(wanted[missing], prefix[missing])
            missing = found < 0
        if add and missing.any():
            new, which = np.unique(wanted[missing], return_inverse=True)
            given = np.arange(self.size, self.size + len(new))
            self.size += len(new)
            found[missing] = given[which.reshape(-1)]
            self.recent = self.recent.with_(new, given)
            if len(self.recent.keys) >= self.RECENT:
                self.main = self.main.with_(self.recent.keys, self.recent.positions)
                self.recent = _Sorted.of(self.main.keys[:0], self.main.positions[:0])
        return np.repeat(found, np.diff([*starts, len(pseudonyms)]))


@dataclass(frozen=True)
class _Sorted:
    """Keys in byte order, their first eight bytes as numbers, and a position for each."""

    keys: npt.NDArray[np.bytes_]
    positions: npt.NDArray[np.intp]
    prefixes: npt.NDArray[np.uint64]

    @staticmethod
    def of(keys: npt.NDArray[np.bytes_], positions: npt.NDArray[np.intp]) -> _Sorted:
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        return _Sorted(keys, positions[order], _prefix(keys))

    def widened(self, width: int) -> _Sorted:
        if self.keys.itemsize >= width:
            return self
        return _Sorted(self.keys.astype(f"S{width}"), self.positions, self.prefixes)

    def with_(self, keys: npt.NDArray[np.bytes_], positions: npt.NDArray[np.intp]) -> _Sorted:
        """These and more keys (none of them here yet), in order."""
        return _Sorted.of(np.concatenate([self.keys, keys]), np.concatenate([self.positions, positions]))

    def lookup(self, wanted: npt.NDArray[np.bytes_], prefix: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
        """Each wanted key's position, -1 where it is not here."""
        found = np.full(len(wanted), -1, dtype=np.intp)
        if not len(self.keys):
            return found
        prefixes = self.prefixes
        at = np.searchsorted(prefixes, prefix)
        pending = np.arange(len(wanted))
        while len(pending):  # once, unless two keys share their first eight bytes
            near = at[pending]
            inside = near < len(self.keys)
            pending, near = pending[inside], near[inside]
            same = prefixes[near] == prefix[pending]
            pending, near = pending[same], near[same]
            hit = self.keys[near] == wanted[pending]
            found[pending[hit]] = self.positions[near[hit]]
            pending = pending[~hit]
            at[pending] += 1
        return found


def _prefix(keys: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint64]:
    """The first eight bytes of each key, as a number that sorts as the bytes do."""
    raw = keys.view(np.uint8).reshape(len(keys), keys.itemsize)
    head = np.zeros((len(keys), 8), dtype=np.uint8)
    head[:, : min(8, keys.itemsize)] = raw[:, :8]
    return head.view(">u8").reshape(-1).astype(np.uint64)


def _looked_up(known: dict[str, int], keys: Sequence[str]) -> npt.NDArray[np.float64]:
    """Each key's code, NaN where it is not known yet (a loop in C; codes stay well below 2**53)."""
    return np.array(list(map(known.get, keys)), dtype=np.float64)


def _load(stored: str) -> Any:
    """A stored JSON value; a string (a free text) the short way."""
    if stored.startswith('"'):
        try:
            text, end = scanstring(stored, 1)
        except ValueError:
            pass
        else:
            if end == len(stored):
                return text
    return json.loads(stored)


def _starts_a_text(stored: str) -> bool:
    """Whether a stored JSON value is a string whose first character is not white space (so not empty
    when stripped), told without decoding it."""
    return len(stored) > 2 and stored[0] == '"' and stored[1] not in '"\\' and not stored[1].isspace()


def _asked(questionnaire: Questionnaire, answers: Sequence[Answers], submitted: Flags) -> Flags:
    """What was shown to each person (census.asked), worked out once for each combination of what it
    depends on: whether they sent the field, which questions they answered, and their answers to the
    questions that others depend on."""
    depended_on = {q.show_if.question for q in questionnaire.questions if q.show_if is not None}
    columns: list[npt.NDArray[Any]] = [submitted]
    columns += [a.codes if a.question.id in depended_on else (a.codes != NONE) for a in answers]
    combination = _combined(columns)
    combinations, first, which = np.unique(combination, return_index=True, return_inverse=True)
    shown = np.zeros((len(combinations), len(answers)), dtype=np.bool_)
    for c, person in enumerate(first.tolist()):
        stored = {
            a.question.id: a.values[a.codes[person]] if a.question.id in depended_on else SOME_TEXT
            for a in answers
            if a.codes[person] != NONE
        }
        ids = asked(questionnaire, stored, submitted=bool(submitted[person]))
        shown[c] = [a.question.id in ids for a in answers]
    found: Flags = shown[which.reshape(-1)]
    return found


def _combined(columns: Sequence[npt.NDArray[Any]]) -> npt.NDArray[np.int64]:
    """One whole number per row that is the same exactly where the row's values in all columns are."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        values = column.astype(np.int64)
        base = int(values.max(initial=0)) + 1
        if int(combined.max(initial=0)) >= (2**62) // base:  # renumber densely before it could overflow
            combined = np.unique(combined, return_inverse=True)[1].reshape(-1).astype(np.int64)
        combined = combined * base + values
    return combined
