"""A router filter for pressed buttons: parses the data whole and hands the handler a `button`."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery

from bot.telegram import callbacks


class Pressed(Filter):
    """Matches a valid button whose action is one of `actions`; injects `button: ButtonData`."""

    def __init__(self, actions: Collection[str], locales: Collection[str]) -> None:
        self.actions = frozenset(actions)
        self.locales = frozenset(locales)

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Any]:
        button = callbacks.parse(query.data, self.locales)
        if button is None or button.action not in self.actions:
            return False
        return {"button": button}
