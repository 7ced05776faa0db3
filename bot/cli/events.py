"""`mitsprache event add|list|publish|cancel|change` and `mitsprache demo-data`.

A change or cancellation queues a notice; with MITSPRACHE_BOT_TOKEN it is sent from here (the only time
these commands load aiogram), otherwise the running bot sends it.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import sending
from bot.cli.common import EXIT_CONFIG, database, fail, in_loop
from bot.settings import Settings
from bot.usecases import events as event_admin
from dialogs.events import DEMO_EVENTS, EventDefinition, load_event_file, upcoming_demo_event
from storage import events

if TYPE_CHECKING:
    from bot.cli.common import Subparsers
    from bot.runtime import Runtime


def register(sub: Subparsers) -> None:
    event = sub.add_parser("event", help="participation events")
    actions = event.add_subparsers(dest="event_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add the event(s) described in a YAML file")
    add.add_argument("file", type=Path)
    add.set_defaults(handler=in_loop(add_file))
    actions.add_parser("list", help="all events with their RSVP counts").set_defaults(
        handler=in_loop(list_events)
    )
    publish_ = actions.add_parser("publish", help="publish a draft (it then shows in /events)")
    publish_.add_argument("id", type=int, metavar="ID")
    publish_.set_defaults(handler=in_loop(publish))
    cancel_ = actions.add_parser("cancel", help="cancel an event; everyone who answered is told")
    cancel_.add_argument("id", type=int, metavar="ID")
    cancel_.set_defaults(handler=in_loop(cancel))
    change_ = actions.add_parser(
        "change", help="replace an event by the one in a YAML file; a new time or place is announced"
    )
    change_.add_argument("id", type=int, metavar="ID")
    change_.add_argument("file", type=Path)
    change_.set_defaults(handler=in_loop(change))
    demo = sub.add_parser("demo-data", help="load the example events from PRODUCT.md and one upcoming event")
    demo.set_defaults(handler=in_loop(demo_data))


async def add_file(settings: Settings, args: argparse.Namespace) -> int:
    return await _add(settings, load_event_file(args.file))


async def demo_data(settings: Settings, args: argparse.Namespace) -> int:
    return await _add(settings, [*load_event_file(DEMO_EVENTS), upcoming_demo_event(datetime.now(UTC))])


async def _add(settings: Settings, definitions: list[EventDefinition]) -> int:
    async with database(settings) as rt:
        t = rt.translators("de")
        async with rt.sessions() as session, session.begin():
            for definition in definitions:
                event_id = await events.add_event(session, definition)
                when = t.datetime(definition.starts_at)
                print(f"event {event_id} ({definition.status}): {definition.title['de']}, {when}")
    return 0


async def list_events(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings) as rt, rt.sessions() as session:
        listed = await events.all_with_counts(session)
        t = rt.translators("de")
    for view, counts in listed:
        seats = f"{view.seats_taken}/{view.capacity}" if view.capacity else str(view.seats_taken)
        print(
            f"[{view.id}] {view.status:<9} {t.datetime(view.starts_at)}  {view.title['de']}\n"
            f"      yes {seats}, maybe {counts['maybe']}, no {counts['no']}, waitlist {counts['waitlist']}"
        )
    if not listed:
        print("no events yet; add one with `mitsprache event add FILE.yaml` or `mitsprache demo-data`")
    return 0


async def publish(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings) as rt:
        if not await event_admin.publish(rt.sessions, args.id):
            return fail(f"event {args.id} does not exist or is not a draft")
    print(f"event {args.id} published; invite with `mitsprache broadcast --event {args.id}`")
    return 0


async def cancel(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings) as rt:
        notice = await event_admin.cancel(rt.sessions, args.id)
        if notice is None:
            return fail(f"event {args.id} does not exist or is already cancelled")
        print(f"event {args.id} cancelled")
        return await _tell(rt, args.id, notice)


async def change(settings: Settings, args: argparse.Namespace) -> int:
    changed = load_event_file(args.file)
    if len(changed) != 1:
        return fail(f"{args.file} must describe exactly one event", EXIT_CONFIG)
    async with database(settings) as rt:
        notice = await event_admin.change(rt.sessions, args.id, changed[0])
        if notice is None:
            return fail(f"event {args.id} does not exist")
        print(f"event {args.id} changed")
        return await _tell(rt, args.id, notice)


async def _tell(rt: Runtime, event_id: int, notice: event_admin.Notice) -> int:
    """Say who is told (a notice to everyone who answered, news to who moved up from the waitlist);
    send it now if there is a token here, else the running bot sends it."""
    if notice.promoted:
        print(f"{len(notice.promoted)} people moved up from the waitlist; they are told with a message")
    if notice.broadcast_id is not None:
        print(f"notice to {notice.recipients} people who answered: broadcast {notice.broadcast_id}")
    queued = [b for b in (notice.broadcast_id, notice.promotion_id) if b is not None]
    if not queued:
        return 0
    if rt.settings.bot_token is None:
        print("no MITSPRACHE_BOT_TOKEN here: the running bot sends it (within 30 seconds)")
        return 0
    for broadcast_id in queued:
        await sending.send(rt, broadcast_id)
    return 0
