"""`mitsprache broadcast`: invite subscribers to a published event. Queuing is a use case
(bot/usecases/broadcasts.py) and needs no Telegram; only sending loads aiogram (bot/cli/sending.py)."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bot.cli import sending
from bot.cli.common import EXIT_CONFIG, database, fail
from bot.settings import Settings
from bot.usecases import broadcasts
from bot.usecases.broadcasts import BroadcastRequest, Refused
from dialogs.audience import Audience
from dialogs.definitions import FIELD_IDS
from dialogs.events import DISTRICTS

if TYPE_CHECKING:
    from bot.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    cast = sub.add_parser("broadcast", help="invite subscribers to a published event (needs the bot token)")
    cast.add_argument("--event", required=True, type=int, metavar="ID")
    cast.add_argument("--district", action="append", default=[], choices=DISTRICTS)
    cast.add_argument("--field", action="append", default=[], choices=FIELD_IDS)
    cast.add_argument("--lang", action="append", default=[], metavar="LANG")
    cast.add_argument("--paid", action="store_true", help="allow_paid_broadcast: up to 1000/s, costs Stars")
    cast.set_defaults(handler=invite)


def invite(settings: Settings, args: argparse.Namespace) -> int:
    if settings.bot_token is None:  # before anything is queued: nothing waits here without a sender
        return fail("broadcasting needs MITSPRACHE_BOT_TOKEN", EXIT_CONFIG)
    return asyncio.run(_invite(settings, args))


async def _invite(settings: Settings, args: argparse.Namespace) -> int:
    audience = Audience.of(args.district, args.field, args.lang)
    async with database(settings) as rt:
        queued = await broadcasts.create(rt.sessions, BroadcastRequest("invitation", audience, args.event))
        if isinstance(queued, Refused):
            return fail(f"event {args.event} does not exist or is not published")
        return await sending.send(rt, queued.broadcast_id, paid=args.paid)
