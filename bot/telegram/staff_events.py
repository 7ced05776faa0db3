"""Router: staff dialogs for events and broadcasts — /event_new, /event_list, /broadcast, /broadcast_status.

To everyone who is not event staff these commands (and their buttons) look like unknown ones.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, User

from bot.staff import may_manage_events
from bot.telegram import render
from bot.telegram.buttons import Pressed
from bot.telegram.callbacks import ButtonData
from bot.telegram.staff import answer_as_unknown
from bot.usecases.staff import FormReplies, StaffDesk
from bot.usecases.turns import Conversations
from dialogs.forms import Pressed as FormPressed
from dialogs.forms import Typed
from dialogs.i18n import Translator

log = logging.getLogger(__name__)
STAFF_COMMANDS = ("event_new", "event_list", "broadcast", "broadcast_status")


def make_router(
    conversations: Conversations, desk: StaffDesk, roles: Mapping[int, str], locales: Collection[str]
) -> Router:
    router = Router(name="staff_events")

    def is_staff(user: User | None) -> bool:
        return user is not None and may_manage_events(roles, user.id)

    async def show(bot: Bot, chat_id: int, result: FormReplies, pressed: Message | None = None) -> None:
        await render.send(
            bot, chat_id, result.replies, seq=result.seq, pressed=pressed, in_place=result.same_step
        )

    @router.message(Command(*STAFF_COMMANDS), lambda message: not is_staff(message.from_user))
    async def refuse(message: Message, command: CommandObject, bot: Bot, person: str, locale: str) -> None:
        await answer_as_unknown(conversations, bot, message.chat.id, person, locale, command.command)

    @router.message(Command("event_new"))
    async def event_new(message: Message, bot: Bot, person: str, t: Translator) -> None:
        await show(bot, message.chat.id, await desk.open_event_form(person, t))

    @router.message(Command("event_list"))
    async def event_list(message: Message, bot: Bot, t: Translator) -> None:
        await render.send(bot, message.chat.id, await desk.list_events(t))

    @router.message(Command("broadcast"))
    async def broadcast(message: Message, bot: Bot, person: str, t: Translator) -> None:
        await show(bot, message.chat.id, await desk.open_broadcast_form(person, t))

    @router.message(Command("broadcast_status"))
    async def broadcast_status(message: Message, command: CommandObject, bot: Bot, t: Translator) -> None:
        await render.send(bot, message.chat.id, await desk.broadcast_status(command.args or "", t))

    @router.message(F.text & ~F.text.startswith("/"), lambda message: is_staff(message.from_user))
    async def typed(message: Message, bot: Bot, person: str, t: Translator, update_key: str) -> None:
        result = await desk.step(person, Typed(message.text or ""), t, message.chat.id, update=update_key)
        if result is None:
            raise SkipHandler  # no dialog open: the text belongs to the staff member's own questionnaire
        await show(bot, message.chat.id, result)

    @router.callback_query(Pressed({"form", "ev"}, locales))
    async def pressed(query: CallbackQuery, button: ButtonData, bot: Bot, person: str, t: Translator,
                      update_key: str) -> None:  # fmt: skip
        message = query.message if isinstance(query.message, Message) else None
        if not is_staff(query.from_user) or message is None:
            log.warning("staff button refused")
            await render.acknowledge(query, t._("Diese Schaltfläche ist nicht mehr aktuell."))
            return
        await render.acknowledge(query)
        if button.action == "ev":
            result = await desk.event_action(person, button.arg, t, message.chat.id)
            await show(bot, message.chat.id, result, pressed=message)
            return
        stepped = await desk.step(
            person, FormPressed(button.arg), t, message.chat.id, seq=button.seq, update=update_key
        )
        await show(bot, message.chat.id, stepped or FormReplies(), pressed=message)

    return router
