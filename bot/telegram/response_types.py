"""Keeps aiogram's parametrised `Response[...]` models alive, so they are built once per type.

aiogram checks every Bot API answer with `Response[method.__returning__]`. pydantic caches
parametrised generic models in a `WeakValueDictionary`: once nothing else holds `Response[Message]`,
the garbage collector drops it and the next call builds it again (create_generic_submodel and a full
schema build, about 18 ms). Under load that was 13–20 % of the bot's CPU. A request middleware that
holds one strong reference per return type turns every later lookup into a cache hit. The set of
return types is small and fixed (one per Bot API method the bot calls), so this never grows.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

# Return type -> the parametrised model; shared by every bot in the process, bounded by the Bot API.
_KEPT: dict[Any, type[Response[Any]]] = {}


class KeepResponseTypes(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in _KEPT:
            _KEPT[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


def keep_response_types(session: BaseSession) -> BaseSession:
    """`session` with the middleware, first in its chain (it only looks, never changes a call)."""
    session.middleware(KeepResponseTypes())
    return session
