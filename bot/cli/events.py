"""`mitsprache event add|list|publish|cancel|change|delete|template` and `mitsprache demo-data`.

A change or cancellation queues a notice; with MITSPRACHE_BOT_TOKEN it is sent from here (the only time
these commands load aiogram), otherwise the running bot sends it. Output is English, for operators;
times are Berlin time as YYYY-MM-DD HH:MM, and titles are the events' German ones.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import sending
from bot.cli.common import EXIT_CONFIG, Problem, actions, command, database, fail, in_loop

if TYPE_CHECKING:
    from bot.cli.common import Subparsers
    from bot.runtime import Runtime
    from bot.settings import Settings
    from bot.usecases.events import Notice
    from dialogs.events import EventDefinition

ID_HELP = "the event's number (see `mitsprache event list`)"
FILE_HELP = "a YAML file describing the event; `mitsprache event template` prints a commented example"


def register(sub: Subparsers) -> None:
    event = command(
        sub, "event",
        summary="participation events: add, list, publish, change, cancel, delete",
        description="""
            Participation events that people see with /events and are invited to by broadcast. An
            event is described in a YAML file (`mitsprache event template` prints a commented example);
            it starts as a draft, is published, may be changed or cancelled (everyone who answered is
            told), and a draft nobody has seen can be deleted.""",
        examples=[("mitsprache event template > treffen.yaml", "start an event file from the example"),
                  ("mitsprache event add treffen.yaml", "add it (a draft, unless the file says otherwise)"),
                  ("mitsprache event list", "all events with their answers")],
    )  # fmt: skip
    action = actions(event, "event_command")

    add = command(
        action, "add",
        summary="add the event(s) described in a YAML file",
        description="""
            Add the event described in a YAML file, or every event of a list in it (all or none).
            German title, start and end, and a place with its Bezirk or an online link are required;
            `mitsprache event template` prints every key with an explanation. Each added event is
            printed with its number, which the other actions take.""",
        examples=[("mitsprache event template > treffen.yaml", "write the commented example, then edit it"),
                  ("mitsprache event add treffen.yaml", "prints e.g. 'event 12 (draft): Mitsprache vor …'")],
    )  # fmt: skip
    add.add_argument("file", type=Path, metavar="FILE", help=FILE_HELP)
    add.set_defaults(handler=in_loop(add_file))

    command(
        action, "list",
        summary="all events, newest first, with their answers",
        description="""
            Every event, newest first: its number, status, start (Berlin time) and German title, and
            how many answered yes (of the seats, if limited), maybe and no, and how many wait for a
            seat.""",
        examples=[("mitsprache event list", "e.g. '[12] draft      2026-12-16 18:00  Mitsprache vor Ort …'")],
    ).set_defaults(handler=in_loop(list_events))  # fmt: skip

    publish_ = command(
        action, "publish",
        summary="publish a draft: it shows in /events and can be broadcast",
        description="""
            Make a draft visible: people see it with /events and can answer, and staff can invite to it
            with `mitsprache broadcast --event ID`.""",
        examples=[("mitsprache event publish 12", "publish event 12")],
    )  # fmt: skip
    publish_.add_argument("id", type=int, metavar="ID", help=ID_HELP)
    publish_.set_defaults(handler=in_loop(publish))

    cancel_ = command(
        action, "cancel",
        summary="cancel an event; everyone who answered is told",
        description="""
            Cancel an event. Everyone who answered it gets a message (sent from here when
            MITSPRACHE_BOT_TOKEN is set, otherwise by the running bot within 30 seconds). The event
            stays in the list as cancelled.""",
        examples=[("mitsprache event cancel 12", "cancel event 12 and tell who answered")],
    )  # fmt: skip
    cancel_.add_argument("id", type=int, metavar="ID", help=ID_HELP)
    cancel_.set_defaults(handler=in_loop(cancel))

    change_ = command(
        action, "change",
        summary="replace an event by the one in a YAML file; a new time or place is announced",
        description="""
            Replace everything about an event by what a YAML file says (the same keys as for
            `event add`). If a published event gets a new time or place, everyone who answered is
            told; more seats move people up from the waitlist, and they are told too.""",
        examples=[("mitsprache event change 12 treffen.yaml", "event 12 as treffen.yaml now describes it")],
    )  # fmt: skip
    change_.add_argument("id", type=int, metavar="ID", help=ID_HELP)
    change_.add_argument("file", type=Path, metavar="FILE", help="a YAML file describing exactly one event")
    change_.set_defaults(handler=in_loop(change))

    delete_ = command(
        action, "delete",
        summary="delete a draft",
        description="""
            Delete a draft, e.g. one added by mistake. Published and cancelled events are kept: cancel
            a published event instead, so that everyone who answered is told.""",
        examples=[("mitsprache event delete 12", "delete the draft 12")],
    )  # fmt: skip
    delete_.add_argument(
        "id", type=int, metavar="ID", help="the draft's number (see `mitsprache event list`)"
    )
    delete_.set_defaults(handler=in_loop(delete))

    command(
        action, "template",
        summary="print a commented example event file",
        description="""
            Print an example event in YAML with every key explained, dated two weeks from today. It is
            valid as it is (a draft): save it, edit it, and add it with `mitsprache event add`.""",
        examples=[("mitsprache event template > treffen.yaml", "save it to edit")],
    ).set_defaults(handler=template)  # fmt: skip

    command(
        sub, "demo-data",
        summary="add example events (the 2017/18 dialogues and one upcoming meeting), once",
        description="""
            Add the example events of 2017/18 from the consultation's source documents, and one
            published meeting two weeks ahead to try invitations and answers with. Each is added only
            once: an example whose German title is already stored is skipped (the upcoming meeting
            only while it has not ended), so running it again adds nothing.""",
        examples=[("mitsprache demo-data", "add what is missing; then `mitsprache event list`")],
    ).set_defaults(handler=in_loop(demo_data))  # fmt: skip


def when(moment: datetime) -> str:
    """A moment as operators read it in every output: Berlin time, YYYY-MM-DD HH:MM."""
    from dialogs.i18n import BERLIN

    return f"{moment.astimezone(BERLIN):%Y-%m-%d %H:%M}"


def _described(definition: EventDefinition) -> str:
    return f"{definition.title['de']}, {when(definition.starts_at)}"


async def add_file(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import events as event_admin
    from dialogs.events import load_event_file

    definitions = load_event_file(args.file)
    async with database(settings) as rt:
        added = await event_admin.create_many(rt.sessions, definitions)
    for event_id, definition in zip(added, definitions, strict=True):
        print(f"event {event_id} ({definition.status}): {_described(definition)}")
    return 0


async def demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import events as event_admin

    async with database(settings) as rt:
        loaded = await event_admin.load_demo(rt.sessions, datetime.now(UTC))
    for demo in loaded:
        state = demo.definition.status if demo.added else "already there"
        print(f"event {demo.event_id} ({state}): {_described(demo.definition)}")
    added = sum(demo.added for demo in loaded)
    print(f"{added} example events added, {len(loaded) - added} were already there")
    return 0


def template(settings: Settings, args: argparse.Namespace) -> int:
    from dialogs.events import event_template

    print(event_template(datetime.now(UTC)), end="")
    return 0


async def list_events(settings: Settings, args: argparse.Namespace) -> int:
    from storage import events

    async with database(settings) as rt, rt.sessions() as session:
        listed = await events.all_with_counts(session)
    for view, counts in listed:
        seats = f"{view.seats_taken}/{view.capacity}" if view.capacity else str(view.seats_taken)
        print(
            f"[{view.id}] {view.status:<9} {when(view.starts_at)}  {view.title['de']}\n"
            f"      yes {seats}, maybe {counts['maybe']}, no {counts['no']}, waitlist {counts['waitlist']}"
        )
    if not listed:
        print("no events yet; add one with `mitsprache event add FILE.yaml` or `mitsprache demo-data`")
    return 0


async def publish(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import events as event_admin

    async with database(settings) as rt:
        if not await event_admin.publish(rt.sessions, args.id):
            return fail(f"event {args.id} does not exist or is not a draft")
    print(f"event {args.id} published; invite with `mitsprache broadcast --event {args.id}`")
    return 0


async def cancel(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import events as event_admin

    async with database(settings) as rt:
        notice = await event_admin.cancel(rt.sessions, args.id)
        if notice is None:
            return fail(f"event {args.id} does not exist or is already cancelled")
        print(f"event {args.id} cancelled")
        return await _tell(rt, args.id, notice)


async def change(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import events as event_admin
    from dialogs.events import load_event_file

    changed = load_event_file(args.file)
    if len(changed) != 1:
        return fail(f"{args.file} must describe exactly one event", EXIT_CONFIG)
    async with database(settings) as rt:
        notice = await event_admin.change(rt.sessions, args.id, changed[0])
        if notice is None:
            return fail(f"event {args.id} does not exist")
        print(f"event {args.id} changed")
        return await _tell(rt, args.id, notice)


NOT_DELETED = {
    "missing": "event {id} does not exist",
    "published": "event {id} is published, not a draft: cancel it with `mitsprache event cancel {id}`, "
    "so that everyone who answered is told",
    "cancelled": "event {id} is cancelled, not a draft: it stays in the list so that its history is kept",
    "answered": "event {id} is a draft again but people answered it while it was published: cancel it "
    "with `mitsprache event cancel {id}` instead",
    "announced": "event {id} is a draft again but invitations or notices went out for it: cancel it "
    "with `mitsprache event cancel {id}` instead",
}


async def delete(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import events as event_admin

    async with database(settings) as rt:
        refused = await event_admin.delete_draft(rt.sessions, args.id)
    if refused is not None:
        return fail(NOT_DELETED[refused].format(id=args.id))
    print(f"event {args.id} deleted")
    return 0


async def _tell(rt: Runtime, event_id: int, notice: Notice) -> int:
    """Say who is told (a notice to everyone who answered, news to who moved up from the waitlist);
    send it now if there is a token here, else the running bot sends it."""
    if notice.promoted:
        print(f"{len(notice.promoted)} people moved up from the waitlist; they are told with a message")
    if notice.broadcast_id is not None and notice.recipients:
        print(f"notice to {notice.recipients} people who answered: broadcast {notice.broadcast_id}")
    elif notice.broadcast_id is not None:
        print("nobody had answered it, so nobody needs to be told")
    told = notice.broadcast_id if notice.recipients else None
    queued = [b for b in (told, notice.promotion_id) if b is not None]
    if not queued:
        return 0
    if rt.settings.bot_token is None:
        print("no MITSPRACHE_BOT_TOKEN here: the running bot sends it (within 30 seconds)")
        return 0
    try:
        await sending.check_telegram(rt.settings)
    except Problem as exc:
        waiting = ", ".join(map(str, queued))
        raise Problem(
            f"{exc}. The message waits (broadcast {waiting}): the running bot sends it, or "
            f"`mitsprache broadcast resume {queued[0]}` once this is fixed"
        ) from exc
    for broadcast_id in queued:
        await sending.send(rt, broadcast_id)
    return 0
