"""What each kind of outgoing message says to one recipient, in their language: invitations, free
messages, reminders, waitlist promotions, change and cancel notices, exports. Channel-neutral: it
returns a `Reply` (plain text, buttons, an attachment) that the recipient's transport renders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.calendar import ics
from dialogs.events import EventView, invitation
from dialogs.i18n import SOURCE_LOCALE, Translator
from dialogs.messages import Attachment, Reply
from storage import events
from storage.models import Broadcast

Composer = Callable[[Broadcast, str], Awaitable[Reply]]  # (broadcast, recipient's locale) -> message


def free_message(broadcast: Broadcast, t: Translator) -> Reply:
    """A free message: the text in the recipient's language, else the German one; staff wrote it, so
    its lines are isolated like any value (dialogs/bidi.py)."""
    texts = broadcast.text or {}
    text = texts.get(t.locale) or texts.get(SOURCE_LOCALE)
    if not text:
        raise ValueError("the broadcast has no German text")
    return Reply(t.block(text))


def about_event(kind: str, event: EventView, t: Translator) -> Reply:
    """An invitation, or a reminder, promotion, change or cancel notice about one event."""
    if kind == "promotion":
        return Reply(
            t._("Ein Platz ist frei geworden: Sie sind jetzt angemeldet!"),
            attachment=calendar_file(event, t),
        )
    card = invitation(event, t)
    intro = {
        "change": t._("Die Veranstaltung hat sich geändert. Bitte beachten Sie die neuen Angaben:"),
        "cancel": t._("Die Veranstaltung, auf die Sie geantwortet haben, ist abgesagt."),
        "reminder": t._("Erinnerung: Morgen ist die Veranstaltung, zu der Sie sich angemeldet haben."),
    }.get(kind)
    if intro is None:
        return card
    return Reply(t.lines([intro, "", card.text]), card.buttons)


def calendar_file(event: EventView, t: Translator) -> Attachment:
    return Attachment(f"mitsprache-{event.id}.ics", ics(event, t), t._("Für Ihren Kalender."))


def composer(
    sessions: async_sessionmaker[AsyncSession], translators: Callable[[str], Translator]
) -> Composer:
    """Composes any kind; an event is read once per broadcast, at its first message."""
    views: dict[int, EventView] = {}

    async def compose(broadcast: Broadcast, locale: str) -> Reply:
        t = translators(locale)
        if broadcast.kind == "message":
            return free_message(broadcast, t)
        if broadcast.kind == "export":
            return await _export(sessions, broadcast, locale)
        event = views.get(broadcast.id) if broadcast.id is not None else None
        if event is None:
            if broadcast.event_id is None:
                raise ValueError("this broadcast names no event")
            async with sessions() as session:
                event = await events.view(session, broadcast.event_id)
            if event is None:
                raise LookupError("the broadcast's event was deleted")
            if broadcast.id is not None:
                views[broadcast.id] = event
        return about_event(broadcast.kind, event, t)

    return compose


async def _export(sessions: async_sessionmaker[AsyncSession], broadcast: Broadcast, locale: str) -> Reply:
    """The export file and its caption; the file is read from the outbox row (deleted when done)."""
    async with sessions() as session:
        content = await session.scalar(select(Broadcast.attachment).where(Broadcast.id == broadcast.id))
    if content is None or broadcast.attachment_name is None:
        raise LookupError("the export file is gone")
    texts = broadcast.text or {}
    caption = texts.get(locale) or texts.get(SOURCE_LOCALE, "")
    return Reply(caption, attachment=Attachment(broadcast.attachment_name, content))
