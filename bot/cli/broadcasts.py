"""`mitsprache broadcast`: invite subscribers to a published event; `broadcast status [ID]` and
`broadcast resume ID`. Queuing and status are use cases (bot/usecases/broadcasts.py) and need no
Telegram; only sending loads aiogram (bot/cli/sending.py)."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bot.cli import sending
from bot.cli.common import EXIT_CONFIG, command, database, fail, in_loop
from dialogs.vocabulary import DISTRICTS, FIELD_IDS

if TYPE_CHECKING:
    from bot.cli.common import Subparsers
    from bot.settings import Settings
    from bot.usecases.broadcasts import BroadcastStatus, Refused

NEEDS_TOKEN = "broadcasting needs MITSPRACHE_BOT_TOKEN"
USAGE = """mitsprache broadcast --event ID [--district D] [--field F] [--lang L] [--paid] [--again]
       mitsprache broadcast status [ID]
       mitsprache broadcast [--paid] resume ID"""


def register(sub: Subparsers) -> None:
    cast = command(
        sub, "broadcast",
        summary="invite subscribers to a published event (needs the bot token); status, resume",
        usage=USAGE,
        description="""
            Invite the people who subscribed to invitations to a published event, each in their own
            language, within Telegram's limits (needs MITSPRACHE_BOT_TOKEN). Narrow the audience by
            Bezirk, field and language; each option may be given more than once, and people match if
            they chose any of the given values (someone who chose no Bezirk or no field counts as
            interested in all). People already invited to the event are left out unless you add
            --again. `broadcast status` shows how broadcasts are doing, and `broadcast resume ID`
            continues one that was interrupted.""",
        examples=[
            ("mitsprache broadcast --event 12", "everyone subscribed"),
            ("mitsprache broadcast --event 12 --district neukoelln --district mitte --lang ar",
             "Arabic speakers who chose Neukölln or Mitte"),
            ("mitsprache broadcast status", "the newest five broadcasts and how far they are"),
            ("mitsprache broadcast resume 7", "send what is left of broadcast 7"),
        ],
    )  # fmt: skip
    cast.add_argument("--event", type=int, metavar="ID",
                      help="the published event to invite to (see `mitsprache event list`)")  # fmt: skip
    cast.add_argument("--district", action="append", default=[], choices=DISTRICTS, metavar="BEZIRK",
                      help=f"only people who chose this Bezirk: {', '.join(DISTRICTS)}")  # fmt: skip
    cast.add_argument("--field", action="append", default=[], choices=FIELD_IDS, metavar="FIELD",
                      help=f"only people interested in this field: {', '.join(FIELD_IDS)}")  # fmt: skip
    cast.add_argument("--lang", action="append", default=[], metavar="LANG",
                      help="only people who use Mitsprache in this language, e.g. ar")  # fmt: skip
    cast.add_argument("--paid", action="store_true", help="allow_paid_broadcast: up to 1000/s, costs Stars")
    cast.add_argument(
        "--again", action="store_true", help="also invite people who were already invited to this event"
    )
    cast.set_defaults(handler=invite)
    actions = cast.add_subparsers(dest="broadcast_command", metavar="ACTION", prog="mitsprache broadcast",
                                  title="actions")  # fmt: skip
    status_ = command(
        actions, "status",
        summary="the newest 5 broadcasts, or one, and how far they are",
        description="""
            The newest five broadcasts (invitations, notices of a change or cancellation, reminders,
            waitlist news), or the one given: how many messages are done of how many, and how many were
            sent, blocked by the person, invalid or failed.""",
        examples=[("mitsprache broadcast status", "the newest five"),
                  ("mitsprache broadcast status 7", "broadcast 7 only")],
    )  # fmt: skip
    status_.add_argument("id", nargs="?", type=int, metavar="ID", help="one broadcast's number")
    status_.set_defaults(handler=in_loop(status))
    resume_ = command(
        actions, "resume",
        summary="send what is left of an unfinished broadcast (needs the token)",
        description="""
            Send what is left of a broadcast that was interrupted (Ctrl-C, a crash, a lost connection).
            Nobody is left out; the few messages in flight at the interruption may arrive twice. The
            running bot also resumes unfinished broadcasts when it starts.""",
        examples=[("mitsprache broadcast resume 7", "continue broadcast 7")],
    )  # fmt: skip
    resume_.add_argument("id", type=int, metavar="ID", help="the broadcast's number (see `broadcast status`)")
    resume_.set_defaults(handler=in_loop(resume))


def invite(settings: Settings, args: argparse.Namespace) -> int:
    if args.event is None:
        return fail("broadcast needs --event ID (or an action: broadcast status, broadcast resume ID)", 2)
    if settings.bot_token is None:  # before anything is queued: nothing waits here without a sender
        return fail(NEEDS_TOKEN, EXIT_CONFIG)
    return asyncio.run(_invite(settings, args))


async def _invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import broadcasts
    from bot.usecases.broadcasts import BroadcastRequest, Refused
    from dialogs.audience import Audience

    audience = Audience.of(args.district, args.field, args.lang)
    request = BroadcastRequest("invitation", audience, args.event, again=args.again)
    await sending.check_telegram(settings)  # before anything is queued that could not be sent
    async with database(settings) as rt:
        queued = await broadcasts.create(rt.sessions, request)
        if isinstance(queued, Refused):
            return fail(refusal(queued, args.event))
        print(f"broadcast {queued.broadcast_id}: {queued.recipients} recipients")
        return await sending.send(rt, queued.broadcast_id, paid=args.paid)


def refusal(refused: Refused, event_id: int) -> str:
    """Why nothing was queued, and what to do about it."""
    if refused.reason == "not_published":
        return f"event {event_id} does not exist or is not published"
    earlier = ", ".join(map(str, refused.earlier))
    lines = [
        f"{refused.already_invited} of the {_people(refused.recipients)} in this audience "
        f"{'was' if refused.already_invited == 1 else 'were'} already invited to event {event_id} "
        f"({'broadcast' if len(refused.earlier) == 1 else 'broadcasts'} {earlier}). "
        "Add --again to invite them once more."
    ]
    lines += [
        f"Broadcast {number} is not finished: continue it with `mitsprache broadcast resume {number}`."
        for number in refused.unfinished
    ]
    return "\n".join(lines)


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


async def status(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import broadcasts

    async with database(settings) as rt:
        listed = await broadcasts.status(rt.sessions, args.id)
    if not listed:
        if args.id is not None:
            return fail(f"there is no broadcast {args.id}")
        print("no broadcasts yet; invite to an event with `mitsprache broadcast --event ID`")
        return 0
    print(
        f"{'id':>4}  {'kind':<10}  {'event':>5}  {'state':<7}  {'done/total':>11}  "
        f"{'sent/blocked/invalid/failed':<27}  {'created (UTC)':<16}  finished (UTC)"
    )
    for b in listed:
        print(_row(b))
    return 0


def _row(b: BroadcastStatus) -> str:
    c = b.counts
    outcomes = f"{c['sent']}/{c['blocked']}/{c['invalid']}/{c['failed']}"
    finished = f"{b.finished_at:%Y-%m-%d %H:%M}" if b.finished_at else "-"
    event = "-" if b.event_id is None else str(b.event_id)
    return (
        f"{b.id:>4}  {b.kind:<10}  {event:>5}  {b.status:<7}  {f'{b.done}/{b.total}':>11}  "
        f"{outcomes:<27}  {b.created_at:%Y-%m-%d %H:%M}  {finished}"
    )


async def resume(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import broadcasts

    async with database(settings) as rt:
        found = await broadcasts.status(rt.sessions, args.id)
        if not found:
            return fail(f"there is no broadcast {args.id}")
        if found[0].status == "done":
            print(f"broadcast {args.id} is already finished; see `mitsprache broadcast status {args.id}`")
            return 0
        if settings.bot_token is None:
            return fail(NEEDS_TOKEN, EXIT_CONFIG)
        await sending.check_telegram(settings)
        return await sending.send(rt, args.id, paid=args.paid)
