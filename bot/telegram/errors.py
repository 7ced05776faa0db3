"""Router: an update that failed gets a short apology, never a traceback; the log gets no PII."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import ErrorEvent

from bot.failures import is_outage, where
from bot.telegram.transport import CHANNEL
from bot.usecases.invitations import Channel, Invitations
from dialogs import views
from dialogs.i18n import Translator

log = logging.getLogger(__name__)


def make_router(invitations: Invitations) -> Router:
    router = Router(name="errors")

    @router.errors()
    async def on_error(event: ErrorEvent, bot: Bot, t: Translator | None = None) -> bool:
        exc = event.exception
        chat_id = _chat_id(event)
        if isinstance(exc, TelegramForbiddenError):
            # The person blocked the bot while their update was handled: nothing more goes to them.
            log.info("person blocked the bot while being answered")
            if chat_id is not None:
                await invitations.mark_unreachable(Channel(CHANNEL, chat_id))
            return True
        # The type and where it happened, never the message: it may quote a person's input.
        log.error("update failed", extra={"error": type(exc).__name__, "where": where(exc)})
        if chat_id is None:
            return True
        t = t or Translator()
        reply = views.technical_problem(t) if is_outage(exc) else views.something_went_wrong(t)
        try:
            await bot.send_message(chat_id, reply.text)
        except Exception:
            log.warning("could not send the apology")
        return True

    return router


def _chat_id(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None:
        return update.message.chat.id
    query = update.callback_query
    if query is not None and query.message is not None:
        return query.message.chat.id
    return None
