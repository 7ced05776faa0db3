"""How close a broadcast to 10,000 recipients comes to the Bot API's rate limit, and how many 429s it gets.

The fake Bot API (tests/support/fake_telegram.py) runs in a process of its own, as Telegram would, with
a global limit of L messages a second (default 200) and one message a second per chat. The paced sender
(bot/delivery) sends from a real database (SQLite by default) at rate L. Printed: the achieved rate,
measured by the fake from the first to the last accepted message, as a share of L; the 429 answers; and
whether every recipient got exactly one message. Exit status 1 if the share is below 95 %, any 429 came
or a message was lost or doubled.

    python benchmarks/broadcast.py [--recipients N] [--limit L] [--rate R] [--concurrency C]
                                   [--backend sqlite|postgresql] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support.fake_telegram

import aiogram  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.scratch_db import add_postgres_url, postgres_database  # noqa: E402
from bot.telegram.app import build_bot  # noqa: E402
from bot.telegram.sending import telegram_sender  # noqa: E402
from storage import migrate, outbox  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.models import Subscriber  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402

TOKEN = "123456789:" + "B" * 35
BASE = 50_000_000
STAFF = 49_999_999
LOCALES = ("de", "ar", "fa", "uk", "ru", "en", "tr", "ti")
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET = 0.95


# ----- the fake Bot API, in a process of its own -----------------------------------------------------------


async def serve_fake(limit: float, recipients: int) -> None:
    """Run the fake with its limits on; print its URL, then its statistics when stdin says so."""
    async with FakeTelegram(token=TOKEN, global_rate=limit, per_chat_rate=1, per_chat_burst=1) as fake:
        for i in range(recipients):
            fake.add_user(BASE + i)
        fake.add_user(STAFF)
        print(json.dumps({"url": fake.base_url}), flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        sends = [r for r in fake.sent_log if r.method == "sendMessage" and r.chat_id != STAFF]
        per_chat = Counter(r.chat_id for r in sends)
        staff = [m.plain_text for m in fake.messages(STAFF)]
        stats = {
            "accepted": len(sends),
            "first": sends[0].time if sends else 0.0,
            "last": sends[-1].time if sends else 0.0,
            "too_many_requests": fake.too_many_requests,
            "recipients": len(per_chat),
            "doubled": sum(1 for n in per_chat.values() if n > 1),
            "staff_messages": len(fake.calls("sendMessage")) - len(sends),
            "staff_edits": len(fake.calls("editMessageText")),
            "summary": staff[-1] if staff else None,
            "internal_errors": fake.internal_errors,
            "cpu": resource.getrusage(resource.RUSAGE_SELF).ru_utime
            + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
            "per_5s": list(Counter(int((r.time - sends[0].time) // 5) for r in sends).values()),
        }
        print(json.dumps(stats), flush=True)


@contextlib.asynccontextmanager
async def fake_process(
    limit: float, recipients: int
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve-fake", str(limit), str(recipients),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**24,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = json.loads(await asyncio.wait_for(process.stdout.readline(), 120))["url"]
        yield url, process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def fake_stats(process: asyncio.subprocess.Process) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"stats\n")
    stats: dict[str, Any] = json.loads(await asyncio.wait_for(process.stdout.readline(), 60))
    return stats


# ----- databases -------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def database(backend: str, postgres_url: str) -> AsyncIterator[tuple[str, str]]:
    """(URL, label) of an empty database for this run: a temporary SQLite file or a fresh PostgreSQL one."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mitsprache-bench-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite (temporary file)"
        return
    async with postgres_database(postgres_url) as url:
        yield url, f"PostgreSQL (fresh database {make_url(url).database})"


# ----- the run ---------------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> int:
    rate = args.rate or args.limit
    print(
        f"Mitsprache broadcast benchmark: {args.recipients} recipients, fake Bot API limit {args.limit:g}/s "
        f"overall and 1/s per chat, sender rate {rate:g}/s; aiogram {aiogram.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    async with database(args.backend, args.postgres_url) as (url, label):
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            sessions = session_factory(engine)
            started = time.perf_counter()
            async with sessions() as session:
                await session.execute(
                    insert(Subscriber),
                    [
                        {"pseudonym": f"bench{i:08d}", "channel": "telegram", "chat_id": BASE + i,
                         "locale": LOCALES[i % len(LOCALES)], "districts": [], "fields": [],
                         "status": "active"}
                        for i in range(args.recipients)
                    ],
                )  # fmt: skip
                broadcast_id = await outbox.create_broadcast(
                    session,
                    "message",
                    text={"de": "Einladung zum Stadtteilforum", "ar": "دعوة إلى منتدى الحي"},
                    started_by=STAFF,
                )
                queued = await outbox.enqueue(session, broadcast_id)
                await session.commit()
            setup = time.perf_counter() - started
            print(f"\n{label}: {queued} deliveries queued in {setup:.1f} s")

            async with fake_process(args.limit, args.recipients) as (api_url, process):
                bot = build_bot(TOKEN, api_url)
                try:
                    broadcaster = telegram_sender(bot, sessions, rate=rate, concurrency=args.concurrency)
                    cpu_before = _cpu()
                    summary = await broadcaster.run(broadcast_id)
                    cpu = _cpu() - cpu_before
                finally:
                    await bot.session.close()
                stats = await fake_stats(process)
        finally:
            await engine.dispose()

    span = stats["last"] - stats["first"]
    achieved = (stats["accepted"] - 1) / span if span > 0 else 0.0
    share = achieved / args.limit
    missing = args.recipients - stats["recipients"]
    print(f"  concurrency {broadcaster.concurrency}; run took {summary.elapsed:.1f} s")
    print(
        f"  CPU: sender {cpu:.1f} s ({cpu / summary.elapsed:.0%} of a core), "
        f"fake Bot API {stats['cpu']:.1f} s (incl. its start)"
    )
    print(
        f"  summary: sent {summary.sent}, blocked {summary.blocked}, invalid {summary.invalid}, "
        f"failed {summary.failed}"
    )
    print(
        f"  achieved rate (first to last accepted message): {achieved:.1f}/s = {share:.1%} of the limit "
        f"(target {TARGET:.0%})"
    )
    print(f"  messages per 5 s window: {stats['per_5s']}")
    print(f"  429 answers: {stats['too_many_requests']} (the sender saw {broadcaster.flood_waits})")
    reached = f"{stats['recipients']}/{args.recipients}"
    print(f"  recipients reached: {reached}; missing {missing}, doubled {stats['doubled']}")
    print(f"  staff chat: {stats['staff_messages']} messages, {stats['staff_edits']} progress edits")
    if stats["summary"]:
        print("  last staff message: " + stats["summary"].replace("\n", " | "))
    ok = (
        share >= TARGET
        and stats["too_many_requests"] == 0
        and missing == 0
        and stats["doubled"] == 0
        and summary.sent == args.recipients
        and not stats["internal_errors"]
    )
    print(f"\nResult: {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=10_000, help="default 10000")
    parser.add_argument("--limit", type=float, default=200.0, help="the fake's global limit per second")
    parser.add_argument("--rate", type=float, default=None, help="sender rate (default: the limit)")
    parser.add_argument("--concurrency", type=int, default=None, help="default: the sender's")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    add_postgres_url(parser)
    args = parser.parse_args(argv)
    if args.recipients < 2 or args.limit <= 0:
        parser.error("--recipients must be at least 2 and --limit positive")
    return args


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-fake":
        asyncio.run(serve_fake(float(sys.argv[2]), int(sys.argv[3])))
    else:
        sys.exit(asyncio.run(bench(parse_args())))
