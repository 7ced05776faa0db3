"""Broadcast senders in processes of their own, for the kill -9 test: a fork server that starts them.

Importing aiogram takes seconds, so this imports once, prints {"ready": true}, then forks one sender
process per line on stdin, {"db_url": ..., "api_url": ..., "concurrency": n}, and answers {"pid": ...}.
Each sender resumes every unfinished broadcast (`Broadcaster.run_pending`) and exits. The test kills
senders with SIGKILL; their zombies are reaped when stdin closes.

    python -m tests.support.broadcast_worker
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import traceback

from bot.telegram.app import build_bot
from bot.telegram.sending import telegram_sender
from storage.db import create_engine, session_factory
from tests.support.telegram_harness import TOKEN


async def send(db_url: str, api_url: str, concurrency: int, rate: float = 100.0) -> None:
    engine = create_engine(db_url)
    bot = build_bot(TOKEN, api_url)
    try:
        broadcaster = telegram_sender(
            bot, session_factory(engine), rate=rate, concurrency=concurrency, lock_poll=0.05, backoff=0.05
        )
        await broadcaster.run_pending()
    finally:
        await bot.session.close()
        await engine.dispose()


def serve() -> None:
    print(json.dumps({"ready": True}), flush=True)
    children = []
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()  # no thread and no event loop exists in this process yet
        if pid == 0:
            code = 0
            try:
                asyncio.run(send(**request))
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
        print(json.dumps({"pid": pid}), flush=True)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


if __name__ == "__main__":
    serve()
