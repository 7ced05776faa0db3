"""`GET /healthz` wherever `mitsprache run` runs: a container's health check asks it, so a bot on long polling
(no webhook server) must answer it too, as must the web chat on its own."""

from __future__ import annotations

import asyncio
import json
import signal

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.health import health_app
from storage.db import create_engine
from tests.support.chat_driver import MITSPRACHE
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_harness import TOKEN, free_port


async def _until_listening(proc: asyncio.subprocess.Process) -> str:
    """The process's log up to its line saying where it listens."""
    assert proc.stderr is not None
    seen = ""
    while True:
        line = await asyncio.wait_for(proc.stderr.readline(), 60)
        assert line, seen
        seen += line.decode()
        if "listening on" in line.decode():
            return seen


async def test_a_polling_bot_answers_the_health_check(env: dict[str, str]) -> None:
    port = free_port()
    async with FakeTelegram(token=TOKEN) as fake:
        fake.add_user(7_300_001)
        env = {**env, "MITSPRACHE_BOT_TOKEN": TOKEN, "MITSPRACHE_TELEGRAM_API_URL": fake.base_url,
               "MITSPRACHE_LISTEN_HOST": "127.0.0.1", "MITSPRACHE_LISTEN_PORT": str(port)}  # fmt: skip
        env.pop("MITSPRACHE_WEBHOOK_URL", None)
        env.pop("MITSPRACHE_WEB_URL", None)
        proc = await asyncio.create_subprocess_exec(
            MITSPRACHE, "run", env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            logged = await _until_listening(proc)
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    assert response.status == 200 and await response.json() == {"status": "ok"}
                async with http.get(f"http://127.0.0.1:{port}/") as response:
                    assert response.status == 404  # only the health check: no web chat without its URL
            fake.send_text(7_300_001, "/start")  # and it is the polling bot that answers
            await fake.wait_for(lambda: fake.messages(7_300_001))
            assert fake.webhook is None
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.stderr is not None
            rest = await asyncio.wait_for(proc.stderr.read(), 60)
            await proc.wait()
        for line in (logged + rest.decode()).splitlines():
            json.loads(line)  # still one JSON object a line
        assert proc.returncode == 0, logged + rest.decode()
        assert not fake.internal_errors


async def test_the_web_chat_alone_answers_the_health_check(env: dict[str, str]) -> None:
    env = {k: v for k, v in env.items() if k != "MITSPRACHE_BOT_TOKEN"}
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        MITSPRACHE, "web", "--port", str(port), env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        seen = ""
        while "The web chat runs at" not in seen:
            line = await asyncio.wait_for(proc.stderr.readline(), 60)
            assert line, seen
            seen += line.decode()
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 60)


async def test_the_health_check_says_when_the_database_is_away(db: AsyncEngine) -> None:
    """No server listens on port 1 of this machine: the check answers 503 at once, instead of hanging."""
    from aiohttp.test_utils import TestClient, TestServer

    away = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        async with TestClient(TestServer(health_app(away))) as client:
            response = await client.get("/healthz")
            assert response.status == 503 and (await response.json())["status"] == "database unavailable"
        async with TestClient(TestServer(health_app(db))) as client:
            assert (await client.get("/healthz")).status == 200
    finally:
        await away.dispose()
