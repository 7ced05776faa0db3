"""Router: staff dialogs for events and broadcasts — /event_new, /event_list, /broadcast, /broadcast_status.

To everyone who is not event staff these commands (and their buttons) look like unknown ones.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, User
from babel import Locale
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import event_admin
from bot.broadcast import BroadcastWorker, Composer
from bot.staff import may_manage_events
from bot.telegram import render
from bot.telegram.callbacks import EventAdmin, Form
from bot.telegram.invitations import tell_promoted
from bot.telegram.staff import answer_as_unknown
from bot.turns import Conversations
from bot.usecases import broadcasts
from bot.usecases.broadcasts import BroadcastRequest, Refused
from dialogs import broadcast_form, event_form
from dialogs.definitions import Catalogue
from dialogs.events import EventView
from dialogs.forms import FormInput, Pressed, Prompt, Typed
from dialogs.i18n import Translator
from storage import events, outbox, staff_forms
from storage.models import Broadcast

log = logging.getLogger(__name__)
STAFF_COMMANDS = ("event_new", "event_list", "broadcast", "broadcast_status")
LISTED_EVENTS = 10
LISTED_BROADCASTS = 5


def markup(prompt: Prompt, seq: int) -> InlineKeyboardMarkup | None:
    rows = [
        [InlineKeyboardButton(text=c.label, callback_data=Form(s=seq, v=c.value).pack()) for c in row]
        for row in prompt.choices
        if row
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


async def send_prompts(
    bot: Bot,
    chat_id: int,
    prompts: list[Prompt],
    seq: int,
    pressed: Message | None = None,
    in_place: bool = False,
) -> None:
    """Send the prompts. The `pressed` message loses its buttons, or, `in_place` (a toggle that kept
    its step), is redrawn with the one new prompt, so ticking five boxes does not send five messages."""
    if pressed is not None:
        parts = render.chunks(prompts[0].text) if in_place and len(prompts) == 1 else []
        if len(parts) == 1:
            with contextlib.suppress(TelegramBadRequest):
                await pressed.edit_text(parts[0], reply_markup=markup(prompts[0], seq))
                return
        await render.retire_keyboard(pressed)
    for prompt in prompts:
        parts = render.chunks(prompt.text)
        for part in parts[:-1]:
            await bot.send_message(chat_id, part)
        await bot.send_message(chat_id, parts[-1], reply_markup=markup(prompt, seq))


def make_router(
    conversations: Conversations,
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    locales: list[str],
    roles: Mapping[int, str],
    worker: BroadcastWorker,
    compose: Composer,
) -> Router:
    router = Router(name="staff_events")

    def fields(t: Translator) -> list[tuple[str, str]]:
        return [(q.id, t.p_(f"{q.id}.short_title", q.short_title)) for q in catalogue.fields]

    def languages(t: Translator) -> list[tuple[str, str]]:
        names = Locale.parse(t.locale)
        return [(code, Locale.parse(code).get_display_name(names) or code) for code in locales]

    def event_context(t: Translator) -> event_form.FormContext:
        return event_form.FormContext(fields(t), languages(t), datetime.now(UTC))

    async def broadcast_context(session: AsyncSession, t: Translator) -> broadcast_form.BroadcastContext:
        upcoming = await events.upcoming(session, datetime.now(UTC))
        labels = [(e.id, f"{e.title['de'][:40]} – {t.date(e.starts_at, 'short')}") for e in upcoming]
        return broadcast_form.BroadcastContext(labels, fields(t), languages(t))

    async def keep(session: AsyncSession, person: str, kind: str, form: BaseModel | None) -> None:
        """Store the dialog's new state (None: it is over) and commit; the update's session may
        already have read in this transaction (the filter did)."""
        if form is None:
            await staff_forms.clear(session, person)
        else:
            await staff_forms.save(session, person, kind, form.model_dump(mode="json"))
        await session.commit()

    def is_staff(user: User | None) -> bool:
        return user is not None and may_manage_events(roles, user.id)

    # ----- commands -------------------------------------------------------------------------------------

    @router.message(Command(*STAFF_COMMANDS), lambda message: not is_staff(message.from_user))
    async def refuse(message: Message, command: CommandObject, bot: Bot, session: AsyncSession, person: str,
                     locale: str) -> None:  # fmt: skip
        await answer_as_unknown(conversations, bot, message.chat.id, session, person, locale, command.command)

    @router.message(Command("event_new"))
    async def event_new(message: Message, bot: Bot, session: AsyncSession, person: str, locale: str,
                        t: Translator) -> None:  # fmt: skip
        outcome = event_form.start(t, event_context(t))
        assert outcome.form is not None
        await keep(session, person, "event", outcome.form)
        await send_prompts(bot, message.chat.id, outcome.prompts, outcome.form.seq)

    @router.message(Command("event_list"))
    async def event_list(message: Message, bot: Bot, session: AsyncSession, person: str, locale: str,
                         t: Translator) -> None:  # fmt: skip
        listed = await events.all_with_counts(session)
        if not listed:
            await message.answer(t._("Noch keine Veranstaltungen. Legen Sie eine mit /event_new an."))
            return
        for event, counts in listed[:LISTED_EVENTS]:
            await message.answer(html.escape(event_line(event, counts, t), quote=False),
                                 reply_markup=event_buttons(event.id, event.status, t))  # fmt: skip
        if len(listed) > LISTED_EVENTS:
            await message.answer(
                t._("Das sind die {n} neuesten. Alle zeigt `mitsprache event list`.", n=LISTED_EVENTS)
            )

    @router.message(Command("broadcast"))
    async def broadcast(message: Message, bot: Bot, session: AsyncSession, person: str, locale: str,
                        t: Translator) -> None:  # fmt: skip
        outcome = broadcast_form.start(t, await broadcast_context(session, t))
        assert outcome.form is not None
        await keep(session, person, "broadcast", outcome.form)
        await send_prompts(bot, message.chat.id, outcome.prompts, outcome.form.seq)

    @router.message(Command("broadcast_status"))
    async def broadcast_status(message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
                               person: str, locale: str, t: Translator) -> None:  # fmt: skip
        wanted = (command.args or "").strip()
        if wanted:
            found = await session.get(Broadcast, int(wanted)) if wanted.isdigit() else None
            chosen = [found] if found is not None else []
            if not chosen:
                await message.answer(t._("Diese Rundsendung gibt es nicht."))
                return
        else:
            chosen = await outbox.recent(session, LISTED_BROADCASTS)
        if not chosen:
            await message.answer(t._("Noch keine Rundsendungen. Starten Sie eine mit /broadcast."))
            return
        lines = [broadcast_line(b, await outbox.counts(session, b.id), t) for b in chosen]
        for part in render.chunks("\n\n".join(lines)):
            await message.answer(part)

    # ----- the dialogs: typed text and buttons ----------------------------------------------------------

    async def open_form(message: Message, session: AsyncSession, person: str) -> bool | dict[str, Any]:
        if not is_staff(message.from_user):
            return False
        found = await staff_forms.load(session, person)
        return {"open_form": found} if found is not None else False

    @router.message(F.text & ~F.text.startswith("/"), open_form)
    async def typed(message: Message, bot: Bot, session: AsyncSession, person: str, t: Translator,
                    open_form: tuple[str, dict[str, Any]]) -> None:  # fmt: skip
        await step(bot, message.chat.id, session, person, t, open_form, Typed(message.text or ""), None)

    @router.callback_query(Form.filter())
    async def pressed(query: CallbackQuery, callback_data: Form, bot: Bot, session: AsyncSession,
                      person: str, t: Translator) -> None:  # fmt: skip
        message = query.message if isinstance(query.message, Message) else None
        found = await staff_forms.load(session, person) if is_staff(query.from_user) else None
        if found is None or message is None or found[1].get("seq") != callback_data.s:
            if not is_staff(query.from_user):
                log.warning("staff button refused")
            await query.answer(t._("Diese Schaltfläche ist nicht mehr aktuell."))
            return
        await query.answer()
        await step(bot, message.chat.id, session, person, t, found, Pressed(callback_data.v), message)

    async def step(
        bot: Bot,
        chat_id: int,
        session: AsyncSession,
        person: str,
        t: Translator,
        found: tuple[str, dict[str, Any]],
        answer: FormInput,
        pressed: Message | None,
    ) -> None:
        kind, state = found
        if kind == "event":
            form = event_form.EventForm.model_validate(state)
            await event_step(bot, chat_id, session, person, t, form, answer, pressed)
        else:
            draft = broadcast_form.BroadcastForm.model_validate(state)
            await broadcast_step(bot, chat_id, session, person, t, draft, answer, pressed)

    async def event_step(
        bot: Bot,
        chat_id: int,
        session: AsyncSession,
        person: str,
        t: Translator,
        form: event_form.EventForm,
        answer: FormInput,
        pressed: Message | None,
    ) -> None:
        outcome = event_form.handle(form, answer, t, event_context(t))
        await keep(session, person, "event", outcome.form)
        same_step = outcome.form is not None and outcome.form.step == form.step
        seq = outcome.form.seq if outcome.form else 0
        await send_prompts(bot, chat_id, outcome.prompts, seq, pressed, same_step)
        if outcome.saved is None:
            return
        if outcome.editing is None:
            event_id = await event_admin.create(sessions, outcome.saved)
            text = (
                t._("Veröffentlicht: Veranstaltung {id}. Mit /broadcast laden Sie ein.", id=event_id)
                if outcome.saved.status == "published"
                else t._(
                    "Als Entwurf gespeichert: Veranstaltung {id}. Veröffentlichen mit /event_list.",
                    id=event_id,
                )
            )
            log.info("event created", extra={"event": event_id, "status": outcome.saved.status})
            await bot.send_message(chat_id, text)
            return
        notice = await event_admin.change(sessions, outcome.editing, outcome.saved, started_by=chat_id)
        await report_notice(bot, chat_id, outcome.editing, notice, t, cancelled=False)

    async def broadcast_step(bot: Bot, chat_id: int, session: AsyncSession, person: str, t: Translator,
                             form: broadcast_form.BroadcastForm, answer: FormInput,
                             pressed: Message | None) -> None:  # fmt: skip
        ctx = await broadcast_context(session, t)
        outcome = broadcast_form.handle(form, answer, t, ctx)
        await keep(session, person, "broadcast", outcome.form)
        seq = outcome.form.seq if outcome.form else 0
        same_step = outcome.form is not None and outcome.form.step == form.step
        await send_prompts(bot, chat_id, outcome.prompts, seq, pressed, same_step)
        if outcome.preview and outcome.form is not None:
            total = await send_previews(bot, chat_id, session, outcome.form, t)
            await send_prompts(bot, chat_id, [broadcast_form.confirm_prompt(total, t)], seq)
        if outcome.send is not None:
            await start_broadcast(bot, chat_id, outcome.send, t)

    async def send_previews(bot: Bot, chat_id: int, session: AsyncSession, form: broadcast_form.BroadcastForm,
                            t: Translator) -> int:  # fmt: skip
        """One preview per language among the recipients, exactly as it will be sent; the total.

        Packed into as few messages as fit, since a chat takes only about one message a second."""
        assert form.kind is not None
        found = await outbox.recipients(session, form.kind, form.event_id, form.audience())
        per_locale = Counter(locale for _, locale in found)
        draft = Broadcast(kind=form.kind, event_id=form.event_id, text=form.text)
        names = dict(languages(t))
        blocks = []
        for locale, number in per_locale.most_common():
            text, _ = await compose(draft, locale)
            header = t.n_(
                "Vorschau {language}: {n} Person", "Vorschau {language}: {n} Personen",
                number, language=names.get(locale, locale),
            )  # fmt: skip
            blocks += [html.escape(f"— {header} —", quote=False), text]
        for message in pack(blocks, "\n\n"):
            await bot.send_message(chat_id, message)
        return sum(per_locale.values())

    async def start_broadcast(
        bot: Bot, chat_id: int, form: broadcast_form.BroadcastForm, t: Translator
    ) -> None:
        assert form.kind is not None
        request = BroadcastRequest(
            form.kind, form.audience(), form.event_id, form.text, started_by=chat_id, again=True
        )
        queued = await broadcasts.create(sessions, request)
        if isinstance(queued, Refused):
            await bot.send_message(chat_id, t._("Diese Veranstaltung ist nicht mehr veröffentlicht."))
            return
        log.info(
            "broadcast queued", extra={"broadcast": queued.broadcast_id, "recipients": queued.recipients}
        )
        await bot.send_message(
            chat_id,
            t._(
                "Rundsendung {number} ist eingeplant. Den Fortschritt sehen Sie hier "
                "und mit /broadcast_status.",
                number=queued.broadcast_id,
            ),
        )
        worker.poke()

    # ----- actions on listed events ---------------------------------------------------------------------

    @router.callback_query(EventAdmin.filter())
    async def event_action(query: CallbackQuery, callback_data: EventAdmin, bot: Bot, session: AsyncSession,
                           person: str, t: Translator) -> None:  # fmt: skip
        message = query.message if isinstance(query.message, Message) else None
        if not is_staff(query.from_user) or message is None:
            log.warning("staff button refused")
            await query.answer(t._("Diese Schaltfläche ist nicht mehr aktuell."))
            return
        await query.answer()
        event_id, action = callback_data.e, callback_data.a
        if action == "edit":
            current = await events.definition(session, event_id)
            if current is None:
                await message.answer(t._("Diese Veranstaltung gibt es nicht mehr."))
                return
            outcome = event_form.start(t, event_context(t), (event_id, current))
            assert outcome.form is not None
            await keep(session, person, "event", outcome.form)
            await send_prompts(bot, message.chat.id, outcome.prompts, outcome.form.seq)
            return
        await render.retire_keyboard(message)
        if action == "publish":
            done = await event_admin.publish(sessions, event_id)
            await message.answer(
                t._("Veröffentlicht. Mit /broadcast laden Sie ein.")
                if done
                else t._("Das ist kein Entwurf mehr.")
            )
        elif action == "cancel":
            yes = InlineKeyboardButton(
                text=t._("Ja, absagen"), callback_data=EventAdmin(e=event_id, a="cancel_yes").pack()
            )
            await message.answer(
                t._("Wirklich absagen? Alle, die geantwortet haben, bekommen eine Nachricht."),
                reply_markup=InlineKeyboardMarkup(inline_keyboard=[[yes]]),
            )
        elif action == "cancel_yes":
            notice = await event_admin.cancel(sessions, event_id, started_by=message.chat.id)
            if notice is None:
                await message.answer(t._("Diese Veranstaltung ist schon abgesagt."))
                return
            await report_notice(bot, message.chat.id, event_id, notice, t, cancelled=True)

    async def report_notice(bot: Bot, chat_id: int, event_id: int, notice: event_admin.Notice | None,
                            t: Translator, cancelled: bool) -> None:  # fmt: skip
        if notice is None:
            await bot.send_message(chat_id, t._("Diese Veranstaltung gibt es nicht mehr."))
            return
        done = t._("Abgesagt.") if cancelled else t._("Gespeichert.")
        if notice.broadcast_id is not None:
            told = t.n_(
                "{n} Person, die geantwortet hat, wird benachrichtigt (Rundsendung {number}).",
                "{n} Personen, die geantwortet haben, werden benachrichtigt (Rundsendung {number}).",
                notice.recipients, number=notice.broadcast_id,
            )  # fmt: skip
            done = f"{done} {told}"
        await bot.send_message(chat_id, html.escape(done, quote=False))
        if notice.promoted:
            async with sessions() as session:
                event = await events.view(session, event_id)
            if event is not None:
                await tell_promoted(bot, notice.promoted, event)
        if notice.broadcast_id is not None:
            worker.poke()

    return router


def pack(blocks: list[str], separator: str, limit: int = render.MAX_TEXT) -> list[str]:
    """Join blocks into as few messages of at most `limit` characters as possible, in order."""
    messages: list[str] = []
    for block in blocks:
        if messages and len(messages[-1]) + len(separator) + len(block) <= limit:
            messages[-1] += separator + block
        else:
            messages.append(block[:limit])
    return messages


def event_line(event: EventView, counts: Counter[str], t: Translator) -> str:
    status = {"draft": t._("Entwurf"), "published": t._("veröffentlicht"), "cancelled": t._("abgesagt")}
    seats = t._(" von {capacity} Plätzen", capacity=event.capacity) if event.capacity else ""
    return t._(
        "{id}. {title}\n{when} · {status}\nZusagen: {yes}{seats} · Warteliste: {waitlist} · "
        "Vielleicht: {maybe} · Absagen: {no}",
        id=event.id, title=event.title.get("de", ""), when=t.datetime(event.starts_at),
        status=status.get(event.status, event.status), yes=counts["yes"], seats=seats,
        waitlist=counts["waitlist"], maybe=counts["maybe"], no=counts["no"],
    )  # fmt: skip


def event_buttons(event_id: int, status: str, t: Translator) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(text=t._("Ändern"), callback_data=EventAdmin(e=event_id, a="edit").pack())]
    if status == "draft":
        row.append(
            InlineKeyboardButton(
                text=t._("Veröffentlichen"), callback_data=EventAdmin(e=event_id, a="publish").pack()
            )
        )
    if status != "cancelled":
        row.append(
            InlineKeyboardButton(text=t._("Absagen"), callback_data=EventAdmin(e=event_id, a="cancel").pack())
        )
    return InlineKeyboardMarkup(inline_keyboard=[row])


def broadcast_line(broadcast: Broadcast, counts: dict[str, int], t: Translator) -> str:
    kinds = {
        "invitation": t._("Einladung"), "message": t._("Nachricht"), "change": t._("Änderung"),
        "cancel": t._("Absage"), "reminder": t._("Erinnerung"),
    }  # fmt: skip
    states = {"pending": t._("wartet"), "sending": t._("läuft"), "done": t._("abgeschlossen")}
    total = sum(counts.values())
    done = total - counts.get("pending", 0) - counts.get("sending", 0)
    return t._(
        "Rundsendung {number} ({kind}, {state}): {done} von {total} erledigt. Zugestellt: {sent}, "
        "blockiert: {blocked}, ungültig: {invalid}, fehlgeschlagen: {failed}.",
        number=broadcast.id, kind=kinds.get(broadcast.kind, broadcast.kind),
        state=states.get(broadcast.status, broadcast.status), done=done, total=total,
        sent=counts.get("sent", 0), blocked=counts.get("blocked", 0), invalid=counts.get("invalid", 0),
        failed=counts.get("failed", 0),
    )  # fmt: skip
