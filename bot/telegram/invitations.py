"""Router: event invitations — /events, /subscribe (its own consent), /unsubscribe, RSVPs with .ics."""

from __future__ import annotations

from collections.abc import Collection

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.telegram import render
from bot.telegram.buttons import Pressed
from bot.telegram.callbacks import ButtonData
from bot.usecases.invitations import Channel, Invitations
from dialogs.i18n import Translator

CHANNEL = "telegram"


def make_router(invitations: Invitations, locales: Collection[str]) -> Router:
    router = Router(name="invitations")

    @router.message(Command("events"))
    async def list_events(message: Message, bot: Bot, t: Translator) -> None:
        await render.send(bot, message.chat.id, await invitations.upcoming(t))

    @router.message(Command("subscribe"))
    async def subscribe(message: Message, bot: Bot, t: Translator) -> None:
        await render.send(bot, message.chat.id, [invitations.ask(t)])

    @router.message(Command("unsubscribe"))
    async def unsubscribe(message: Message, bot: Bot, t: Translator) -> None:
        chat = Channel(CHANNEL, message.chat.id)
        await render.send(bot, message.chat.id, [await invitations.unsubscribe(chat, t)])

    @router.callback_query(Pressed({"sub"}, locales))
    async def subscribing(query: CallbackQuery, button: ButtonData, bot: Bot, locale: str,
                          update_key: str) -> None:  # fmt: skip
        await render.acknowledge(query)
        if not isinstance(query.message, Message):
            return
        chat_id = query.message.chat.id
        replies = await invitations.subscribe_step(Channel(CHANNEL, chat_id), locale, button.arg, update_key)
        if replies:
            await render.send(bot, chat_id, replies, pressed=query.message)

    @router.callback_query(Pressed({"rsvp"}, locales))
    async def rsvp(query: CallbackQuery, button: ButtonData, bot: Bot, t: Translator) -> None:
        await render.acknowledge(query)
        if isinstance(query.message, Message):
            replies = await invitations.rsvp(Channel(CHANNEL, query.message.chat.id), button.arg, t)
            await render.send(bot, query.message.chat.id, replies)

    return router
