"""The addresses a start link opens: the web chat's `/?start=<payload>` and Telegram's deep link
`https://t.me/<bot>?start=<payload>`, one payload for both (dialogs/start_link.py). `mitsprache qr` puts
them on posters; the bot's /start and the web chat read the payload back with `dialogs.start_link.parse`.
"""

from __future__ import annotations

import re
from typing import Literal

from dialogs.start_link import StartLink, encode

Channel = Literal["web", "telegram"]
CHANNELS: tuple[Channel, ...] = ("web", "telegram")
DEFAULT_WEB_URL = "http://127.0.0.1:8080"  # `mitsprache web` on this computer
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")  # Telegram's rule: 5-32 characters


def bot_username(value: str) -> str:
    """A bot's username as t.me links use it ("@MitspracheBot" -> "MitspracheBot"); ValueError if it
    cannot be one."""
    name = value.strip().removeprefix("@")
    if not _BOT_USERNAME.fullmatch(name):
        raise ValueError(
            f"'{value}' is not a bot username: 5-32 letters, digits or _, as @BotFather shows it "
            "(e.g. MitspracheBot)"
        )
    return name


def web_url(base: str, link: StartLink) -> str:
    """The web chat at `base` (empty: this computer's `mitsprache web`), started by `link`."""
    return f"{(base or DEFAULT_WEB_URL).rstrip('/')}/?start={encode(link)}"


def telegram_url(bot: str, link: StartLink) -> str:
    """Telegram's deep link: the app opens the chat with the bot and sends `/start <payload>`."""
    return f"https://t.me/{bot_username(bot)}?start={encode(link)}"
