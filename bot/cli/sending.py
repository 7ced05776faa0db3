"""Talking to Telegram from the command line: checking that Telegram answers and takes the token, and
sending what this command queued (a broadcast, notices, promotions) with a progress display. aiogram is
imported inside the functions, so that merely importing the CLI does not load it (it takes seconds)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bot.cli.common import TOKEN_REJECTED, Problem, one_line
from bot.cli.progress import ProgressBar

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.settings import Settings

# How long the first request may take before Telegram counts as unreachable. Telegram answers getMe
# in well under a second; a blackholed address or a silent proxy would otherwise hang for a minute.
CHECK_TIMEOUT = 10  # seconds


async def check_telegram(settings: Settings, wait: float = CHECK_TIMEOUT) -> None:
    """Ask Telegram who the bot is (getMe); raise a Problem that says what to fix when it refuses the
    token, cannot be reached, or does not answer like the Bot API."""
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramAPIError,
        TelegramNetworkError,
        TelegramUnauthorizedError,
    )

    from bot.telegram.app import build_bot

    assert settings.bot_token is not None, "check MITSPRACHE_BOT_TOKEN first"
    url = settings.telegram_api_url
    bot = build_bot(settings.bot_token.get_secret_value(), url)
    try:
        await bot.get_me(request_timeout=max(1, round(wait)))
    except TelegramUnauthorizedError:
        raise Problem(TOKEN_REJECTED) from None
    except TelegramNetworkError as exc:
        raise Problem(
            f"cannot reach Telegram at {url} ({_network_reason(exc, wait)}): check this machine's "
            "internet connection, firewall and proxy, and MITSPRACHE_TELEGRAM_API_URL"
        ) from exc
    except ClientDecodeError as exc:  # an answer, but not JSON: a captive portal, a proxy, a web server
        raise Problem(
            f"{url} does not answer like Telegram's Bot API (its answer is not JSON): check "
            "MITSPRACHE_TELEGRAM_API_URL and any proxy between this machine and Telegram"
        ) from exc
    except TelegramAPIError as exc:  # e.g. 404 from something that is not a Bot API server
        raise Problem(
            f"Telegram at {url} refused the bot token ({one_line(exc.message)}): check "
            "MITSPRACHE_BOT_TOKEN (copy it again from @BotFather) and MITSPRACHE_TELEGRAM_API_URL"
        ) from exc
    finally:
        await bot.session.close()


def _network_reason(exc: BaseException, wait: float) -> str:
    """What the network said, without aiogram's and aiohttp's wrapping."""
    cause = exc.__cause__
    if isinstance(cause, TimeoutError) or "timeout" in str(exc).lower():
        return f"no answer within {wait:g} s"
    os_error = getattr(cause, "os_error", None)  # aiohttp's ClientConnectorError
    if isinstance(os_error, OSError) and os_error.errno and os_error.errno > 0:
        return os.strerror(os_error.errno)  # "Connection refused", not asyncio's "Connect call failed"
    if isinstance(os_error, OSError) and os_error.strerror:
        return os_error.strerror
    return one_line(str(cause or exc)) or type(exc).__name__


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
