"""Router: event invitations — /events, /subscribe (its own consent), /unsubscribe, RSVPs with .ics."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.locales import translator
from bot.telegram import render
from bot.telegram.callbacks import Rsvp, Subscribe
from dialogs.calendar import ics
from dialogs.definitions import Catalogue
from dialogs.events import DISTRICT_NAMES, DISTRICTS, EventView, invitation
from dialogs.forms import toggled
from dialogs.i18n import Translator
from storage import events
from storage.models import Subscriber

log = logging.getLogger(__name__)
CHANNEL = "telegram"


def invitation_markup(event: EventView, t: Translator) -> InlineKeyboardMarkup | None:
    reply = invitation(event, t)
    if not reply.buttons:
        return None
    rows = [
        [
            InlineKeyboardButton(
                text=b.label,
                callback_data=Rsvp(e=event.id, a=b.arg.split(":")[1]).pack(),
            )
            for b in row
        ]
        for row in reply.buttons
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def send_invitation(bot: Bot, chat_id: int, event: EventView, t: Translator) -> None:
    text = invitation(event, t).text
    for part in render.chunks(text)[:-1]:
        await bot.send_message(chat_id, part)
    await bot.send_message(chat_id, render.chunks(text)[-1], reply_markup=invitation_markup(event, t))


async def send_calendar(bot: Bot, chat_id: int, event: EventView, t: Translator) -> None:
    await bot.send_document(
        chat_id,
        BufferedInputFile(ics(event, t), filename=f"mitsprache-{event.id}.ics"),
        caption=t._("Für Ihren Kalender."),
    )


async def tell_promoted(bot: Bot, promoted: list[Subscriber], event: EventView) -> None:
    """People who moved up from the waitlist: the news and the calendar file, each in their language."""
    for lucky in promoted:
        t = translator(lucky.locale)
        try:
            await bot.send_message(
                lucky.chat_id, t._("Ein Platz ist frei geworden: Sie sind jetzt angemeldet!")
            )
            await send_calendar(bot, lucky.chat_id, event, t)
        except TelegramForbiddenError:
            log.info("promoted subscriber has blocked the bot")


def _toggle_markup(choices: list[tuple[str, str, bool]], kind: str, t: Translator) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=("☑ " if on else "☐ ") + label, callback_data=Subscribe(a=kind, v=value).pack()
            )
        ]
        for value, label, on in choices
    ]
    following = "next" if kind == "district" else "done"
    rows.append([InlineKeyboardButton(text=t._("Weiter"), callback_data=Subscribe(a=following).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def make_router(catalogue: Catalogue) -> Router:
    router = Router(name="invitations")

    def district_choices(chosen: list[str]) -> list[tuple[str, str, bool]]:
        return [(d, DISTRICT_NAMES[d], d in chosen) for d in DISTRICTS]

    def field_choices(chosen: list[str], t: Translator) -> list[tuple[str, str, bool]]:
        return [(q.id, t.p_(f"{q.id}.short_title", q.short_title), q.id in chosen) for q in catalogue.fields]

    @router.message(Command("events"))
    async def list_events(message: Message, bot: Bot, session: AsyncSession, t: Translator) -> None:
        upcoming = await events.upcoming(session, datetime.now(UTC))
        if not upcoming:
            await message.answer(t._("Im Moment sind keine Veranstaltungen geplant."))
            return
        for event in upcoming[:10]:
            await send_invitation(bot, message.chat.id, event, t)

    @router.message(Command("subscribe"))
    async def subscribe(message: Message, t: Translator) -> None:
        yes = InlineKeyboardButton(
            text=t._("Ja, Einladungen bekommen"), callback_data=Subscribe(a="yes").pack()
        )
        no = InlineKeyboardButton(text=t._("Nein"), callback_data=Subscribe(a="no").pack())
        markup = InlineKeyboardMarkup(inline_keyboard=[[yes], [no]])
        await message.answer(
            t._(
                "Einladungen zu Veranstaltungen sind eine eigene Zustimmung. Dafür speichern wir Ihre "
                "Telegram-Chat-Nummer, Ihre Sprache und die Bezirke und Themen, die Sie wählen. "
                "Mit /unsubscribe beenden Sie das jederzeit, mit /delete löschen Sie alles.\n\n"
                "Möchten Sie Einladungen bekommen?"
            ),
            reply_markup=markup,
        )

    @router.message(Command("unsubscribe"))
    async def unsubscribe(message: Message, session: AsyncSession, person: str, t: Translator) -> None:
        async with session.begin():
            removed = await events.unsubscribe(session, person)
        await message.answer(
            t._("Sie bekommen keine Einladungen mehr. Ihre Angaben dazu sind gelöscht.")
            if removed
            else t._("Sie bekommen keine Einladungen.")
        )

    @router.callback_query(Subscribe.filter())
    async def subscribing(query: CallbackQuery, callback_data: Subscribe, session: AsyncSession,
                          person: str, locale: str, t: Translator) -> None:  # fmt: skip
        await query.answer()
        message = query.message if isinstance(query.message, Message) else None
        if message is None:
            return
        action, value = callback_data.a, callback_data.v
        if action == "no":
            await render.retire_keyboard(message)
            await message.answer(t._("In Ordnung. Sie bekommen keine Einladungen."))
            return
        async with session.begin():
            current = await events.subscriber(session, person)
            if action == "yes" or current is None:
                current = await events.subscribe(session, person, CHANNEL, message.chat.id, locale, [], [])
            districts, fields = list(current.districts), list(current.fields)
            if action == "district" and value in DISTRICTS:
                districts = toggled(districts, value)
            if action == "field" and value in catalogue.field_ids:
                fields = toggled(fields, value)
            await events.subscribe(session, person, CHANNEL, message.chat.id, locale, districts, fields)
        if action in ("yes", "district"):
            await message.edit_text(
                t._("Für welche Bezirke möchten Sie Einladungen? Nichts gewählt heißt: alle Bezirke."),
                reply_markup=_toggle_markup(district_choices(districts), "district", t),
            )
        elif action in ("next", "field"):
            await message.edit_text(
                t._("Zu welchen Themen? Nichts gewählt heißt: alle Themen."),
                reply_markup=_toggle_markup(field_choices(fields, t), "field", t),
            )
        elif action == "done":
            await render.retire_keyboard(message)
            await message.answer(
                t._(
                    "Fertig. Sie bekommen Einladungen in Ihrer Sprache. "
                    "Mit /events sehen Sie, was geplant ist."
                )
            )

    @router.callback_query(Rsvp.filter(F.a.in_({"yes", "maybe", "no"})))
    async def rsvp(query: CallbackQuery, callback_data: Rsvp, bot: Bot, session: AsyncSession,
                   person: str, t: Translator) -> None:  # fmt: skip
        await query.answer()
        message = query.message if isinstance(query.message, Message) else None
        if message is None:
            return
        async with session.begin():
            subscriber = await events.subscriber(session, person)
            if subscriber is None:
                await message.answer(t._("Bitte melden Sie sich zuerst mit /subscribe für Einladungen an."))
                return
            result = await events.answer(session, callback_data.e, subscriber.id, callback_data.a)  # type: ignore[arg-type]
            event = await events.view(session, callback_data.e)
            promoted = [s for s in [await session.get(Subscriber, sid) for sid in result.promoted] if s]
        if event is None or result.status == "unknown_event":
            await message.answer(t._("Diese Veranstaltung gibt es nicht mehr."))
            return
        answers = {
            "confirmed": t._("Danke! Sie sind angemeldet. Wir erinnern Sie einen Tag vorher."),
            "waitlisted": t._(
                "Die Veranstaltung ist voll. Sie stehen auf der Warteliste. "
                "Wird ein Platz frei, sagen wir Bescheid."
            ),
            "maybe": t._("Danke! Wir haben „vielleicht“ notiert."),
            "no": t._("Danke für Ihre Antwort."),
        }  # fmt: skip
        await message.answer(answers[result.status])
        if result.status == "confirmed":
            await send_calendar(bot, message.chat.id, event, t)
        await tell_promoted(bot, promoted, event)
        log.info("rsvp", extra={"status": result.status, "promoted": len(promoted)})

    return router


async def send_due_reminders(bot: Bot, sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Remind everyone with a seat at an event in the next 24 hours, once; returns how many."""
    async with sessions() as session, session.begin():
        due = [
            (rsvp_row.id, subscriber.id, subscriber.chat_id, subscriber.locale, rsvp_row.event_id)
            for rsvp_row, subscriber in await events.due_reminders(session, now)
        ]
        views = {e: await events.view(session, e) for e in {item[4] for item in due}}
    sent = 0
    for rsvp_id, subscriber_id, chat_id, locale, event_id in due:
        event = views.get(event_id)
        if event is None:
            continue
        t = translator(locale)
        blocked = False
        try:
            await bot.send_message(
                chat_id, t._("Erinnerung: Morgen ist die Veranstaltung, zu der Sie sich angemeldet haben.")
            )
            await send_invitation(bot, chat_id, event, t)
            sent += 1
        except TelegramForbiddenError:
            blocked = True
        # Marked right after sending, so a restart neither repeats nor skips a reminder.
        async with sessions() as session, session.begin():
            await events.mark_reminded(session, rsvp_id, now, subscriber_id if blocked else None)
    log.info("reminders sent", extra={"count": sent})
    return sent


async def remind_forever(bot: Bot, sessions: async_sessionmaker[AsyncSession], every: float = 300) -> None:
    while True:
        try:
            await send_due_reminders(bot, sessions, datetime.now(UTC))
        except Exception:
            log.exception("reminder round failed")
        await asyncio.sleep(every)
