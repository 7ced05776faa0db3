"""The invitation use cases without a messenger: capacity under concurrency, promotions and reminders
through the one outbox, a gone chat that blocks nobody, two senders that never double a reminder."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.compose import composer
from bot.delivery.sender import Sender
from bot.delivery.transport import ChatGone
from bot.delivery.worker import DeliveryWorker
from bot.locales import translator
from bot.usecases.invitations import Channel, Invitations
from dialogs.definitions import Catalogue
from dialogs.events import EventDefinition
from dialogs.messages import Reply
from storage import events
from storage.db import session_factory
from storage.models import Broadcast, Delivery, Rsvp, Subscriber

DE = translator("de")


def an_event(starts: datetime, capacity: int | None = None) -> EventDefinition:
    return EventDefinition(
        title={"de": "Dialog in Pankow"}, starts_at=starts, ends_at=starts + timedelta(hours=2),
        place="Prenzlauer Allee 227", district="pankow", capacity=capacity, status="published",
    )  # fmt: skip


async def subscribe(engine: AsyncEngine, people: range) -> None:
    async with session_factory(engine)() as session, session.begin():
        for n in people:
            await events.subscribe(session, "telegram", 7_000_000 + n, "de", [], [])


def p(n: int) -> Channel:
    """The nth subscribed person, as they talk to us: their chat."""
    return Channel("telegram", 7_000_000 + n)


async def test_capacity_holds_when_twenty_say_yes_at_once(db: AsyncEngine, real_catalogue: Catalogue) -> None:
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, an_event(datetime.now(UTC) + timedelta(days=3), 5))
    await subscribe(db, range(1, 24))
    invitations = Invitations(session_factory(db), real_catalogue, translator)
    for n in range(1, 4):  # three seats taken before
        await invitations.rsvp(p(n), f"{event_id}:yes", DE)

    # Twenty "Ich komme" for the last two seats, really at the same moment: each call has its own
    # session and connection, so the database sees them concurrently.
    answers = await asyncio.gather(*(invitations.rsvp(p(n), f"{event_id}:yes", DE) for n in range(4, 24)))

    confirmed = DE._("Danke! Sie sind angemeldet. Wir erinnern Sie einen Tag vorher.")
    said = Counter(replies[0].text for replies in answers)
    assert said[confirmed] == 2 and sum(said.values()) == 20
    assert sum(1 for replies in answers if any(r.attachment for r in replies)) == 2  # two .ics files
    async with session_factory(db)() as session:
        assert await events.seats_taken(session, event_id) == 5
        waiting = await session.scalar(select(func.count()).where(Rsvp.waitlisted))
        assert waiting == 18


async def test_a_freed_seat_is_announced_through_the_outbox_in_the_same_transaction(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, an_event(datetime.now(UTC) + timedelta(days=3), 1))
    await subscribe(db, range(1, 4))
    poked: list[bool] = []
    invitations = Invitations(session_factory(db), real_catalogue, translator, lambda: poked.append(True))
    await invitations.rsvp(p(1), f"{event_id}:yes", DE)
    await invitations.rsvp(p(2), f"{event_id}:yes", DE)  # waitlisted
    replies = await invitations.rsvp(p(1), f"{event_id}:no", DE)
    # The person who cancelled hears only their own answer; the promoted person's news is queued.
    assert [r.text for r in replies] == [DE._("Danke für Ihre Antwort.")]
    assert poked == [True]
    async with session_factory(db)() as session:
        queued = (await session.execute(
            select(Broadcast.kind, Broadcast.event_id, Delivery.subscriber_id, Subscriber.chat_id)
            .join(Delivery, Delivery.broadcast_id == Broadcast.id)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        )).all()  # fmt: skip
    assert [(k, e, chat) for k, e, _, chat in queued] == [("promotion", event_id, p(2).chat_id)]


class RecordingTransport:
    """A channel that remembers what it sent, and whose chats can be gone."""

    def __init__(self, gone: set[int]) -> None:
        self.gone = gone
        self.sent: list[tuple[int, str]] = []

    async def send(self, chat_id: int, reply: Reply, *, paid: bool = False) -> int:
        await asyncio.sleep(0)  # a real transport awaits the network: let the other sender run
        if chat_id in self.gone:
            raise ChatGone()
        self.sent.append((chat_id, reply.text))
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        return None


async def test_reminders_skip_a_gone_chat_and_two_senders_never_send_one_twice(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    starts = datetime.now(UTC) + timedelta(hours=20)
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, an_event(starts))
    await subscribe(db, range(1, 7))
    invitations = Invitations(session_factory(db), real_catalogue, translator)
    for n in range(1, 7):
        await invitations.rsvp(p(n), f"{event_id}:yes", DE)
    gone = 7_000_000 + 2  # the second person's chat no longer exists
    transport = RecordingTransport({gone})

    def replica() -> tuple[DeliveryWorker, Sender]:
        sessions = session_factory(db)
        worker = DeliveryWorker(sessions, composer(sessions, translator))
        sender = Sender({"telegram": transport}, sessions, worker.compose, rate=1000, lock_poll=0.01)
        return worker, sender

    (one, first), (two, second) = replica(), replica()
    await asyncio.gather(one.round(first), two.round(second))  # two replicas' rounds at once
    await asyncio.gather(one.round(first), two.round(second))  # and again: nothing new is due

    reminder = DE._("Erinnerung: Morgen ist die Veranstaltung, zu der Sie sich angemeldet haben.")
    reminded = Counter(chat for chat, text in transport.sent if text.startswith(reminder))
    assert reminded == {7_000_000 + n: 1 for n in (1, 3, 4, 5, 6)}
    async with session_factory(db)() as session:
        status = await session.scalar(select(Subscriber.status).where(Subscriber.chat_id == gone))
        assert status == "invalid"  # marked, and nobody after it was held up
        rounds = await session.scalar(select(func.count()).where(Broadcast.kind == "reminder"))
        assert rounds == 1
