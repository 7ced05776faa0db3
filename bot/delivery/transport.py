"""What the sender needs from a channel, and the outcomes a channel's transport classifies errors into.

The sender never sees a messenger's own exceptions: each channel's transport (bot/telegram/transport.py)
turns them into these, once.
"""

from __future__ import annotations

from typing import Protocol

from dialogs.messages import Reply


class DeliveryError(Exception):
    """Base: the message did not go out. `reason` names the cause for the log (never a chat or person)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason or type(self).__name__


class Blocked(DeliveryError):
    """The person blocked the bot: stop sending to them."""


class ChatGone(DeliveryError):
    """The chat does not exist (any more) for this bot."""


class RetryAfter(DeliveryError):
    """Flood control: nothing may be sent for `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:g} s")
        self.seconds = seconds


class Transient(DeliveryError):
    """A network error, a timeout or a server error: nobody knows whether it arrived; try again later."""


class Rejected(DeliveryError):
    """The channel refused this message for good (too long, malformed): do not try again."""


class Unauthorized(DeliveryError):
    """The channel refused our credentials (a revoked token): stop everything."""


class Transport(Protocol):
    """Sends one reply to one chat of a channel; raises a DeliveryError when it did not go out."""

    async def send(self, chat_id: int, reply: Reply, *, paid: bool = False) -> int:
        """Send, and return the id of the (last) message sent."""
        ...

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Replace the text of a message sent earlier (a progress report)."""
        ...
