"""Repository for conversation state and answers: load, save with a version check, apply events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.messages import AnswerCleared, AnswerSet, ConsentGiven, Event, FieldCompleted, Forgotten
from dialogs.state import ConversationState
from storage.dialect import insert_new, upsert
from storage.events import delete_subscriptions_of
from storage.models import (
    Answer,
    ConversationStateRow,
    FieldCompletion,
    Participant,
    StaffForm,
    utcnow,
)
from storage.releases.differencing import count_departure, count_departures

# How many people one DELETE of a purge names (SQLite limits bound parameters).
PURGE_CHUNK = 500
# Answering again clears an answer's stored scrubbed form, in the upsert itself: no statement more on
# a turn, and nothing is scrubbed there (the scrubber is far slower than a turn may be).
SCRUBBED_NONE: dict[str, None] = {"scrubbed": None, "scrubbed_hash": None, "scrubbed_by": None}


class StaleState(Exception):
    """Someone else (a double tap, another replica) changed this person's state first."""


@dataclass(frozen=True)
class StoredState:
    state: ConversationState
    version: int


def _inactive(before: datetime) -> CompoundSelect[str]:
    """Pseudonyms of people whose conversation has not moved since `before`, and of people who agreed
    before then and have no conversation state."""
    stale = select(ConversationStateRow.pseudonym).where(ConversationStateRow.updated_at < before)
    orphans = select(Participant.pseudonym).where(
        Participant.consented_at < before,
        Participant.pseudonym.not_in(select(ConversationStateRow.pseudonym)),
    )
    return stale.union(orphans)


_LOAD_STATE = select(ConversationStateRow.state, ConversationStateRow.version).where(
    ConversationStateRow.pseudonym == bindparam("person")
)
_SAVE_STATE = (
    update(ConversationStateRow)
    .where(
        ConversationStateRow.pseudonym == bindparam("person"),
        ConversationStateRow.version == bindparam("expected"),
    )
    .values(state=bindparam("new_state"), version=bindparam("new_version"), updated_at=bindparam("now"))
)


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, pseudonym: str) -> StoredState | None:
        # Two columns as plain SQL on the session's connection, with a statement built once: a turn
        # reads the state once and writes it with an UPDATE, so the ORM would only add work.
        connection = await self.session.connection()
        row = (await connection.execute(_LOAD_STATE, {"person": pseudonym})).first()
        if row is None:
            return None
        return StoredState(ConversationState.model_validate(row.state), row.version)

    async def save(
        self,
        pseudonym: str,
        state: ConversationState,
        expected: int | None,
        loaded_locale: str | None = None,
    ) -> int:
        """Write the state; `expected` is the version that was loaded (None: a new person), and
        `loaded_locale` its language (None: unknown, check the participant's)."""
        data: dict[str, Any] = state.model_dump(mode="json")
        now = utcnow()
        if expected is None:
            self.session.add(ConversationStateRow(pseudonym=pseudonym, state=data, version=1, updated_at=now))
            await self.session.flush()
            return 1
        await self.session.flush()
        connection = await self.session.connection()
        result = await connection.execute(
            _SAVE_STATE,
            {"person": pseudonym, "expected": expected, "new_state": data, "new_version": expected + 1,
             "now": now},
        )  # fmt: skip
        if getattr(result, "rowcount", 0) != 1:
            raise StaleState(pseudonym)
        # Only a switch writes, and it leaves its time: releases break answers down by language.
        # The participant's language follows the state's (only this method changes either), so a
        # turn that keeps the loaded language has nothing to write here.
        if loaded_locale == state.locale:
            return expected + 1
        await self.session.execute(
            update(Participant)
            .where(Participant.pseudonym == pseudonym, Participant.locale != state.locale)
            .values(locale=state.locale, locale_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        return expected + 1

    async def forget(self, pseudonym: str, key: bytes) -> None:
        """Delete the person: answers, state, completions (ON DELETE CASCADE), and their subscription
        with its RSVPs, which holds no pseudonym and is found under the key. First the releases they
        were in count them as departed (no identity kept)."""
        await count_departure(self.session, pseudonym)
        await self.session.execute(delete(Participant).where(Participant.pseudonym == pseudonym))
        await delete_subscriptions_of(self.session, key, [pseudonym])
        await self.session.execute(delete(StaffForm).where(StaffForm.person == pseudonym))

    async def purge_inactive(self, before: datetime, key: bytes) -> int:
        """Retention: delete everyone whose conversation has not moved since `before`, and their
        subscriptions (matched under the key). The releases they were in count them as departed
        first; exactly the people counted are deleted."""
        gone = list((await self.session.scalars(_inactive(before))).all())
        await count_departures(self.session, gone)
        removed = 0
        for start in range(0, len(gone), PURGE_CHUNK):
            result = await self.session.execute(
                delete(Participant)
                .where(Participant.pseudonym.in_(gone[start : start + PURGE_CHUNK]))
                .execution_options(synchronize_session=False)
            )
            removed += int(getattr(result, "rowcount", 0) or 0)
        await delete_subscriptions_of(self.session, key, gone)
        return removed

    async def count_inactive(self, before: datetime) -> int:
        """How many people `purge_inactive(before)` would delete (a dry run)."""
        found = await self.session.scalar(
            select(func.count()).select_from(Participant).where(Participant.pseudonym.in_(_inactive(before)))
        )
        return int(found or 0)

    async def apply(self, pseudonym: str, events: Iterable[Event]) -> None:
        for event in events:
            if isinstance(event, Forgotten):  # a slip would leave the subscription behind
                raise ValueError("forgetting a person needs the key: call `forget`, not `apply`")
            if isinstance(event, ConsentGiven):
                self.session.add(Participant(pseudonym=pseudonym, locale=event.locale))
                await self.session.flush()
            elif isinstance(event, AnswerSet):
                await upsert(
                    self.session,
                    Answer,
                    {
                        "pseudonym": pseudonym,
                        "field": event.field,
                        "question": event.question,
                        "value": event.value,
                        "answered_at": utcnow(),
                        # A scrubbed form belongs to the text it was made of (storage/reviews.py).
                        **SCRUBBED_NONE,
                    },
                    conflict=("pseudonym", "field", "question"),
                    update=("value", "answered_at", *SCRUBBED_NONE),
                )
            elif isinstance(event, AnswerCleared):
                await self.session.execute(
                    delete(Answer).where(
                        Answer.pseudonym == pseudonym,
                        Answer.field == event.field,
                        Answer.question == event.question,
                    )
                )
            elif isinstance(event, FieldCompleted):
                # Sending again keeps the first time (see FieldCompletion).
                await insert_new(
                    self.session,
                    FieldCompletion,
                    {"pseudonym": pseudonym, "field": event.field, "completed_at": utcnow()},
                    conflict=("pseudonym", "field"),
                )

    async def answers(self, pseudonym: str, field: str | None = None) -> dict[tuple[str, str], Any]:
        """{(field, question): value} for one person."""
        stmt = select(Answer.field, Answer.question, Answer.value).where(Answer.pseudonym == pseudonym)
        if field is not None:
            stmt = stmt.where(Answer.field == field)
        rows = await self.session.execute(stmt)
        return {(f, q): v for f, q, v in rows.all()}
