"""One turn of a person's conversation: load state, run the engine, persist, in one transaction.

The turn owns its unit of work: it opens the session, takes the person's lock (PostgreSQL orders one
person's turns across replicas; storage/dialect.py), skips an update it has applied before (the shell's
update key, recorded in the same transaction), and commits.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.engine import Engine
from dialogs.i18n import Translator
from dialogs.messages import Forgotten, Input, Outcome, Press, SetLocale
from storage import processed
from storage.conversations import ConversationRepository, StaleState
from storage.dialect import erase_remnants, lock_person, one_writer
from storage.pseudonym import pseudonym

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class Conversations:
    """Shared by every shell: a messenger only turns its updates into `Input`s and renders replies."""

    def __init__(
        self,
        engine: Engine,
        sessions: async_sessionmaker[AsyncSession],
        key: bytes,
        translators: Callable[[str], Translator],
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.key = key
        self.translators = translators

    def person(self, channel: str, user_id: str | int) -> str:
        return pseudonym(self.key, channel, user_id)

    async def handle(self, person: str, inp: Input, locale: str, update: str | None = None) -> Outcome:
        """`locale` is used only while the person has no stored state (before consent). `update` is the
        shell's key for the update (e.g. "telegram:123"): an update seen before is not applied again;
        the person gets the current view instead."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                async with one_writer(self.sessions), self.sessions() as session, session.begin():
                    outcome = await self._attempt(session, person, inp, locale, update)
                if any(isinstance(e, Forgotten) for e in outcome.events):
                    await erase_remnants(self.sessions)
                return outcome
            except (StaleState, IntegrityError):
                # A concurrent update for the same person won; rerun on the fresh state, where
                # a repeated button press is recognised as stale and stores nothing twice.
                log.info("concurrent update, retrying", extra={"attempt": attempt})
                await asyncio.sleep(random.uniform(0, 0.02 * attempt))
        raise RuntimeError("could not apply the update after repeated concurrent changes")

    async def _attempt(
        self, session: AsyncSession, person: str, inp: Input, locale: str, update: str | None
    ) -> Outcome:
        await lock_person(session, person)
        repo = ConversationRepository(session)
        # A pressed button needs no record: it carries the state version it was drawn for, so one
        # that arrives again is stale by itself. Text and commands are recorded.
        update = None if isinstance(inp, Press) else update
        # Asked before the state is read: the record commits with the state it made, so once it is
        # seen, the state read next is that one (SQLite reads outside a transaction; no lock there).
        if update is not None and await processed.seen(session, update):
            current = await repo.load(person)
            if current is not None:
                log.info("redelivered update shown again, not applied")
                view = self.engine.view(current.state, self.translators(current.state.locale))
                return Outcome(current.state, tuple(view))
        stored = await repo.load(person)
        state = stored.state if stored else None
        if isinstance(inp, SetLocale):
            locale = inp.locale
        elif state is not None:
            locale = state.locale
        outcome = self.engine.handle(state, inp, self.translators(locale))
        if any(isinstance(e, Forgotten) for e in outcome.events):
            await repo.forget(person, self.key)
        elif outcome.state is not None:
            if stored is not None and not outcome.events and outcome.state == stored.state:
                return outcome  # nothing changed (a stale tap, a help text): no write, no conflict
            await repo.apply(person, outcome.events)
            await repo.save(
                person,
                outcome.state,
                stored.version if stored else None,
                loaded_locale=stored.state.locale if stored else None,
            )
            if update is not None:
                await processed.record(session, update)
        return outcome

    async def locale_of(self, person: str) -> str | None:
        """The language a consenting person chose; None for people without stored state."""
        async with self.sessions() as session, session.begin():
            stored = await ConversationRepository(session).load(person)
        return stored.state.locale if stored else None

    async def view(self, person: str) -> Outcome | None:
        """Where the person is, to show again (a page reload); None for people without stored state."""
        async with self.sessions() as session, session.begin():
            stored = await ConversationRepository(session).load(person)
        if stored is None:
            return None
        t = self.translators(stored.state.locale)
        return Outcome(stored.state, tuple(self.engine.view(stored.state, t)))
