"""Talking to Telegram from the command line: sending a queued broadcast, telling people who moved up
from a waitlist. aiogram is imported inside these functions, so that merely importing the CLI does not
load it (it takes seconds)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cli.progress import ProgressBar
from storage import events

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.runtime import Runtime
    from storage.models import Subscriber


def _bot(rt: Runtime) -> Bot:
    from bot.telegram.app import build_bot

    token = rt.settings.bot_token
    assert token is not None, "check MITSPRACHE_BOT_TOKEN before sending"
    return build_bot(token.get_secret_value(), rt.settings.telegram_api_url)


async def send(rt: Runtime, broadcast_id: int, *, paid: bool = False) -> int:
    """Send what is left of a queued broadcast, with a progress display, and print the summary.

    `paid` (the --paid option) sends with allow_paid_broadcast at up to 1000/s; otherwise the
    configured MITSPRACHE_BROADCAST_RATE and MITSPRACHE_ALLOW_PAID_BROADCAST apply.
    """
    from bot.broadcast import Broadcaster
    from bot.invite import composer

    bot = _bot(rt)
    progress = ProgressBar(f"broadcast {broadcast_id}")
    try:
        broadcaster = Broadcaster(
            bot,
            rt.sessions,
            composer(rt.sessions),
            rate=None if paid else rt.settings.broadcast_rate,
            paid=paid or rt.settings.allow_paid_broadcast,
            progress=progress,
        )
        summary = await broadcaster.run(broadcast_id)
    finally:
        progress.close()
        await bot.session.close()
    print(
        f"broadcast {broadcast_id}: sent {summary.sent}, blocked {summary.blocked}, "
        f"invalid {summary.invalid}, failed {summary.failed}, {summary.elapsed:.1f} s"
    )
    return 0


async def tell_promoted(rt: Runtime, event_id: int, promoted: list[Subscriber]) -> None:
    """Tell everyone who got a seat from the waitlist."""
    from bot.telegram.invitations import tell_promoted

    async with rt.sessions() as session:
        event = await events.view(session, event_id)
    assert event is not None
    bot = _bot(rt)
    try:
        await tell_promoted(bot, promoted, event)
    finally:
        await bot.session.close()
