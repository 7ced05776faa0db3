"""Event invitations for a person: the upcoming events, the subscription, RSVPs, unsubscribing.

Each function owns its transaction. A waitlist promotion caused by an RSVP is queued in the outbox in
the same transaction as the RSVP; the paced sender tells the promoted people.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.compose import calendar_file
from dialogs import subscription
from dialogs.definitions import Catalogue
from dialogs.events import RsvpAnswer, invitation
from dialogs.i18n import Translator
from dialogs.messages import Reply
from dialogs.subscription import RSVP_ANSWERS, Wishes
from storage import events, outbox, processed
from storage.models import MAX_ID

log = logging.getLogger(__name__)
LISTED_EVENTS = 10


@dataclass(frozen=True)
class Channel:
    """Where a person can be reached for invitations: the channel and its chat id there. A person who
    is talking to us is found by it; their subscription holds no pseudonym."""

    name: str
    chat_id: int


class Invitations:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        translators: Callable[[str], Translator],
        poke: Callable[[], None] = lambda: None,
    ) -> None:
        """`poke` wakes the sender when something was queued (a promotion)."""
        self.sessions = sessions
        self.catalogue = catalogue
        self.translators = translators
        self.poke = poke

    async def upcoming(self, t: Translator, now: datetime | None = None) -> list[Reply]:
        """The next published events as invitations with RSVP buttons (at most ten)."""
        async with self.sessions() as session:
            found = await events.upcoming(session, now or datetime.now(UTC))
        if not found:
            return [Reply(t._("Im Moment sind keine Veranstaltungen geplant."))]
        return [invitation(event, t) for event in found[:LISTED_EVENTS]]

    def ask(self, t: Translator) -> Reply:
        return subscription.ask(t)

    async def subscribe_step(
        self, channel: Channel, locale: str, arg: str, update: str | None = None
    ) -> list[Reply]:
        """One button of the subscription; `update` makes a redelivered tap harmless."""
        t = self.translators(locale)
        fields = [(q.id, t.p_(f"{q.id}.short_title", q.short_title)) for q in self.catalogue.fields]
        async with self.sessions() as session, session.begin():
            if update is not None and await processed.seen(session, update):
                return []
            stored = await events.subscriber(session, channel.name, channel.chat_id)
            current = Wishes(tuple(stored.districts), tuple(stored.fields)) if stored else None
            outcome = subscription.handle(arg, current, fields, t)
            if outcome.store is not None and outcome.store != current:
                await events.subscribe(
                    session, channel.name, channel.chat_id, locale,
                    list(outcome.store.districts), list(outcome.store.fields),
                )  # fmt: skip
                if update is not None:
                    await processed.record(session, update)
        return list(outcome.replies)

    async def unsubscribe(self, channel: Channel, t: Translator) -> Reply:
        async with self.sessions() as session, session.begin():
            removed = await events.unsubscribe(session, channel.name, channel.chat_id)
        return subscription.unsubscribed(removed, t)

    async def rsvp(self, channel: Channel, arg: str, t: Translator) -> list[Reply]:
        """An answer to an invitation ("<event id>:yes|maybe|no"). Repeating it changes nothing."""
        event_id, answer = parse_rsvp(arg)
        if event_id is None or answer is None:
            return [Reply(t._("Dieser Knopf ist nicht mehr aktuell."))]
        # Read before the RSVP's own transaction: events.answer must be its first statement (it takes
        # the event's write lock before counting seats).
        async with self.sessions() as session:
            subscriber = await events.subscriber(session, channel.name, channel.chat_id)
        if subscriber is None:
            return [subscription.not_subscribed(t), subscription.ask(t)]  # one tap away
        async with self.sessions() as session, session.begin():
            result = await events.answer(session, event_id, subscriber.id, answer)
            promoted = await outbox.queue_personal(
                session, "promotion", event_id=event_id, subscribers=result.promoted
            )
            event = await events.view(session, event_id)
        log.info("rsvp", extra={"status": result.status, "promoted": len(result.promoted)})
        if promoted is not None:
            self.poke()
        replies = [subscription.rsvp_reply(result.status, t)]
        if result.status == "confirmed" and event is not None:
            file = calendar_file(event, t)
            replies.append(Reply(file.caption, attachment=file))
        return replies

    async def mark_unreachable(self, channel: Channel) -> None:
        """The person blocked the bot: no invitation goes to them any more."""
        async with self.sessions() as session, session.begin():
            await events.deactivate(session, channel.name, channel.chat_id, "blocked")


def parse_rsvp(arg: str) -> tuple[int | None, RsvpAnswer | None]:
    """ "12:yes" -> (12, "yes"); anything else, also numbers beyond any id, -> (None, None)."""
    number, _, answer = arg.partition(":")
    if not (number.isascii() and number.isdigit() and len(number) <= 10) or answer not in RSVP_ANSWERS:
        return None, None
    event_id = int(number)
    return (event_id, cast(RsvpAnswer, answer)) if 0 < event_id <= MAX_ID else (None, None)
