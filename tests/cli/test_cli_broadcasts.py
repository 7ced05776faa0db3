"""`mitsprache broadcast` against the fake Bot API: a second invitation is refused unless --again,
`broadcast status` and `broadcast resume`, and the progress display."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli.progress import ProgressBar
from bot.usecases import broadcasts
from bot.usecases.broadcasts import BroadcastRequest, Queued
from dialogs.audience import Audience
from dialogs.events import upcoming_demo_event
from storage import events, outbox
from storage.db import create_engine, session_factory
from tests.support.chat_driver import run_cli
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_harness import TOKEN

CHATS = (7_200_001, 7_200_002, 7_200_003)


@pytest.fixture
async def env(env: dict[str, str], db: AsyncEngine) -> dict[str, str]:
    """A migrated database with a published event and three subscribers; no bot token."""
    env = {**env}
    env.pop("MITSPRACHE_BOT_TOKEN", None)
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, upcoming_demo_event(datetime.now(UTC)))
        for chat in CHATS:
            await events.subscribe(session, "telegram", chat, "de", [], [])
    env["EVENT"] = str(event_id)
    return env


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        for chat in CHATS:
            server.add_user(chat)
        yield server
    assert not server.internal_errors


def with_bot(env: dict[str, str], fake: FakeTelegram) -> dict[str, str]:
    return {**env, "MITSPRACHE_BOT_TOKEN": TOKEN, "MITSPRACHE_TELEGRAM_API_URL": fake.base_url}


def invitations(fake: FakeTelegram) -> Counter[int]:
    return Counter(r.chat_id for r in fake.sent_log if r.method == "sendMessage")


async def broadcast_kinds(db_url: str) -> list[tuple[str, str]]:
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            return [(b.kind, b.status) for b in await outbox.recent(session, 10)]
    finally:
        await engine.dispose()


async def test_a_second_invitation_is_refused_unless_again(
    env: dict[str, str], fake: FakeTelegram, db_url: str
) -> None:
    event = env["EVENT"]
    code, out = await run_cli(env, "broadcast", "--event", event)
    assert code == 2 and "needs MITSPRACHE_BOT_TOKEN" in out, out
    assert await broadcast_kinds(db_url) == []  # checked before anything is queued

    bot_env = with_bot(env, fake)
    code, out = await run_cli(bot_env, "broadcast", "--event", "999")
    assert code == 1 and "mitsprache: event 999 does not exist or is not published" in out, out
    code, out = await run_cli(bot_env, "broadcast", "--event", event)
    assert code == 0, out
    first = int(re.findall(r"broadcast (\d+): sent 3, blocked 0, invalid 0, failed 0", out)[0])
    assert f"broadcast {first}: 3/3 done (100 %)" in out  # stderr is no terminal: a line per 10 %
    assert invitations(fake) == dict.fromkeys(CHATS, 1)

    code, out = await run_cli(bot_env, "broadcast", "--event", event, "--lang", "de")
    assert code == 1, out
    assert (
        f"mitsprache: 3 of the 3 people in this audience were already invited to event {event} "
        f"(broadcast {first}). Add --again to invite them once more." in out
    )
    assert "not finished" not in out
    assert await broadcast_kinds(db_url) == [("invitation", "done")]  # nothing queued
    assert invitations(fake) == dict.fromkeys(CHATS, 1)

    code, out = await run_cli(bot_env, "broadcast", "--event", event, "--again")
    assert code == 0 and "sent 3" in out, out
    assert invitations(fake) == dict.fromkeys(CHATS, 2)
    assert await broadcast_kinds(db_url) == [("invitation", "done")] * 2


async def test_status_and_resume(env: dict[str, str], fake: FakeTelegram, db_url: str) -> None:
    event = int(env["EVENT"])
    code, out = await run_cli(env, "broadcast", "status")
    assert code == 0 and "no broadcasts yet" in out, out
    engine = create_engine(db_url)
    try:  # queued, as by a sender that crashed before it sent anything
        queued = await broadcasts.create(
            session_factory(engine), BroadcastRequest("invitation", Audience(), event)
        )
    finally:
        await engine.dispose()
    assert isinstance(queued, Queued) and queued.recipients == 3
    number = queued.broadcast_id

    code, out = await run_cli(env, "broadcast", "status")
    assert code == 0, out
    assert re.search(rf"^\s*{number}\s+invitation\s+{event}\s+pending\s+0/3\s+0/0/0/0\s", out, re.MULTILINE)
    code, out = await run_cli(with_bot(env, fake), "broadcast", "--event", str(event))
    assert code == 1, out
    assert (
        f"3 of the 3 people in this audience were already invited to event {event} (broadcast {number})"
        in (out)
    )
    resume = f"mitsprache broadcast resume {number}"
    assert f"Broadcast {number} is not finished: continue it with `{resume}`." in out
    assert await broadcast_kinds(db_url) == [("invitation", "pending")]

    code, out = await run_cli(env, "broadcast", "resume", str(number))
    assert code == 2 and "needs MITSPRACHE_BOT_TOKEN" in out, out
    code, out = await run_cli(with_bot(env, fake), "broadcast", "resume", str(number))
    assert code == 0 and f"broadcast {number}: sent 3, blocked 0" in out, out
    assert invitations(fake) == dict.fromkeys(CHATS, 1)
    code, out = await run_cli(with_bot(env, fake), "broadcast", "resume", str(number))
    assert code == 0 and f"broadcast {number} is already finished" in out, out
    assert out.count("\n") == 1
    code, out = await run_cli(env, "broadcast", "resume", "999")
    assert code == 1 and out.strip() == "mitsprache: there is no broadcast 999", out
    assert invitations(fake) == dict.fromkeys(CHATS, 1)

    code, out = await run_cli(env, "broadcast", "status", str(number))
    assert code == 0, out
    row = re.search(rf"^\s*{number}\s+invitation\s+{event}\s+done\s+3/3\s+3/0/0/0\s+(\S+ \S+)\s+(\S+ \S+)$",
                    out, re.MULTILINE)  # fmt: skip
    assert row is not None, out
    code, out = await run_cli(env, "broadcast", "status", "999")
    assert code == 1 and out.strip() == "mitsprache: there is no broadcast 999", out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_is_one_line_redrawn() -> None:
    now = [0.0]
    stream = Terminal()
    bar = ProgressBar("broadcast 3", stream, clock=lambda: now[0])
    bar(0, 400)
    bar(1, 400)  # too soon after the last redraw
    now[0] = 1.0
    bar(120, 400)
    bar(400, 400)  # the last one is always drawn
    bar.close()
    assert stream.getvalue() == (
        "\r[" + "." * 30 + "] 0/400 done"
        "\r[" + "#" * 9 + "." * 21 + "] 120/400 done"
        "\r[" + "#" * 30 + "] 400/400 done\n"
    )


def test_progress_elsewhere_is_a_line_every_ten_percent() -> None:
    stream = io.StringIO()
    bar = ProgressBar("broadcast 3", stream)
    for done in range(0, 41):
        bar(done, 40)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "broadcast 3: 0/40 done (0 %)" and lines[-1] == "broadcast 3: 40/40 done (100 %)"
    assert len(lines) == 11
