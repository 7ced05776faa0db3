"""Talking to Telegram from the command line: sending what this command queued (a broadcast, notices,
promotions) with a progress display. aiogram is imported inside the function, so that merely importing
the CLI does not load it (it takes seconds)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cli.progress import ProgressBar

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def send(rt: Runtime, broadcast_id: int, *, paid: bool = False) -> int:
    """Send what is left of a queued broadcast, with a progress display, and print the summary.

    `paid` (the --paid option) sends with allow_paid_broadcast at up to 1000/s; otherwise the
    configured MITSPRACHE_BROADCAST_RATE and MITSPRACHE_ALLOW_PAID_BROADCAST apply.
    """
    from bot.telegram.sending import send_now

    assert rt.settings.bot_token is not None, "check MITSPRACHE_BOT_TOKEN before sending"
    progress = ProgressBar(f"broadcast {broadcast_id}")
    try:
        summary = await send_now(
            rt.settings, rt.sessions, broadcast_id, paid=True if paid else None, progress=progress
        )
    finally:
        progress.close()
    print(
        f"broadcast {broadcast_id}: sent {summary.sent}, blocked {summary.blocked}, "
        f"invalid {summary.invalid}, failed {summary.failed}, {summary.elapsed:.1f} s"
    )
    return 0
