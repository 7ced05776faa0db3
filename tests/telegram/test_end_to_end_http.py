"""End to end over HTTP, the few things that need it: the real aiogram polling loop and the webhook server
against the fake Bot API served on 127.0.0.1, and broadcast senders in processes of their own, killed with
-9. Every other Telegram test feeds its updates to the dispatcher in process (see tests/README.md)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import random
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import logs
from bot.telegram.app import build_bot
from bot.telegram.sending import telegram_sender
from bot.usecases import events as event_usecases
from dialogs.bidi import FSI, PDI
from dialogs.events import EventDefinition
from storage import events
from storage.db import session_factory
from storage.models import Answer, FieldCompletion, Participant
from storage.pseudonym import web_chat_id
from tests.support.broadcasts import BASE, STAFF, add_subscribers, new_broadcast, sends_per_chat, staff_calls
from tests.support.broadcasts import statuses as delivery_statuses
from tests.support.database import ALL_PERSONAL_TABLES
from tests.support.fake_telegram import FakeTelegram, Json
from tests.support.person import Person
from tests.support.telegram_harness import TOKEN, BotUnderTest

ROOT = Path(__file__).resolve().parents[2]
HANG = 120  # seconds after which a process that does not answer is taken as hanging
FREE_TEXT = "Wir brauchen mehr Dolmetscher in der Praxis."


@pytest.fixture
async def polling(served: FakeTelegram, sqlite_db: AsyncEngine) -> AsyncIterator[BotUnderTest]:
    bot = BotUnderTest(served, sqlite_db, throttle_rate=0)
    await bot.start_polling()
    yield bot
    await bot.stop()


# ----- the polling loop ------------------------------------------------------------------------------------


async def test_polling_a_complete_questionnaire(
    served: FakeTelegram, polling: BotUnderTest, sqlite_db: AsyncEngine
) -> None:
    amal = Person(served, 1002, "ar", language_code="ar-SY", first_name="Amal")
    t = await amal.consent()
    await amal.skip_about()
    title = t.p_("gesundheit.short_title", "Gesundheit und Pflege")
    await amal.press(title)
    first_question = amal.last_with_buttons.plain_text or ""
    progress = t._("{title} – Frage {number} von {total}", title=title, number=1, total=10)
    assert first_question.startswith(progress.split("\n")[0][:10])
    assert FSI in first_question and PDI in first_question  # numbers isolated in RTL text
    answered = await amal.answer_field(FREE_TEXT)
    next_field = t._("Weiter mit: {title}", title=t.p_("familie.short_title", "Kinder, Familie, Schule"))
    assert next_field in amal.last_with_buttons.button_texts
    person = polling.pseudonym(amal.id)
    async with session_factory(sqlite_db)() as session:
        stored = (await session.execute(select(Answer.question, Answer.value).where(
            Answer.pseudonym == person, Answer.field == "gesundheit"))).all()  # fmt: skip
        done = (await session.scalars(select(FieldCompletion.field).where(
            FieldCompletion.pseudonym == person))).all()  # fmt: skip
        participant = await session.get(Participant, person)
    assert len(stored) == answered
    assert FREE_TEXT in [value for _, value in stored]
    assert sorted(done) == ["about", "gesundheit"]
    assert participant is not None and participant.locale == "ar"
    for message in amal.messages:
        assert message.plain_text is None or len(message.plain_text) <= 4096


async def test_polling_restart_resumes_the_questionnaire(
    served: FakeTelegram, sqlite_db: AsyncEngine
) -> None:
    first = BotUnderTest(served, sqlite_db, throttle_rate=0)
    await first.start_polling()
    person = Person(served, 4001)
    await person.open_field("Arbeit und Ausbildung")
    await person.press_first()
    before = person.last_with_buttons.plain_text
    await first.stop()

    second = BotUnderTest(served, sqlite_db, throttle_rate=0)
    await second.start_polling()
    try:
        await person.say("/start")
        texts = person.texts[-2:]
        assert "Willkommen zurück" in texts[0]
        assert texts[1] == before
    finally:
        await second.stop()


async def test_logs_carry_no_personal_data(served: FakeTelegram, sqlite_db: AsyncEngine) -> None:
    """Over the real polling loop and HTTP session, which log on their own."""
    stream = io.StringIO()
    level = logging.getLogger().level
    logs.configure("DEBUG", stream)
    bot = BotUnderTest(served, sqlite_db, throttle_rate=0)
    await bot.start_polling()
    try:
        fatima = Person(served, 987654321, first_name="Fatima", username="fatima_b")
        await fatima.open_field("Mitreden")
        await fatima.say("Meine geheime Meinung")
        await fatima.send(sticker=True)
    finally:
        await bot.stop()
        logging.getLogger().handlers[:] = []
        logging.getLogger().setLevel(level)  # later tests must not inherit DEBUG
    output = stream.getvalue()
    assert output, "the session produced no log lines"
    for line in output.splitlines():
        json.loads(line)
    for secret in ("987654321", "Fatima", "fatima_b", "Meine geheime Meinung", TOKEN):
        assert secret not in output, secret
    # Nor does any table hold the raw id, the name or the username.
    async with sqlite_db.connect() as conn:
        for table in ALL_PERSONAL_TABLES:
            stored = repr((await conn.execute(text(f"SELECT * FROM {table}"))).all())
            for secret in ("987654321", "Fatima", "fatima_b"):
                assert secret not in stored, (table, secret)


# ----- the webhook -----------------------------------------------------------------------------------------


async def test_webhook_delivers_and_checks_the_secret(served: FakeTelegram, sqlite_db: AsyncEngine) -> None:
    bot = BotUnderTest(served, sqlite_db, throttle_rate=0)
    base = await bot.start_webhook()
    try:
        assert served.webhook is not None and served.webhook.secret
        person = Person(served, 8001)
        await person.say("/start")
        assert served.webhook_statuses and set(served.webhook_statuses) == {200}
        assert person.last_with_buttons.button_texts[0] == "Deutsch"
        path = served.webhook.url.removeprefix(base)
        async with aiohttp.ClientSession() as client:
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            async with client.post(base + path, json={"update_id": 1}, headers=wrong) as response:
                assert response.status == 401
            async with client.get(base + "/healthz") as response:
                assert response.status == 200
    finally:
        await bot.stop()


async def test_webhook_secret_check_and_access_log(
    served: FakeTelegram, db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot = BotUnderTest(served, db, throttle_rate=0)
    base = await bot.start_webhook()
    try:
        assert served.webhook is not None
        secret = served.webhook.secret
        assert secret and served.webhook.max_connections == 40
        await Person(served, 8101).say("/start")
        path = served.webhook.url.removeprefix(base)
        async with aiohttp.ClientSession() as client:
            for header in ("wrong", "fälschung", "\u0645\u0641\u062a\u0627\u062d"):
                raw = {"X-Telegram-Bot-Api-Secret-Token": header.encode().decode("latin-1")}
                async with client.post(base + path, json={"update_id": 1}, headers=raw) as response:
                    assert response.status == 401, header
        logged = " ".join(r.getMessage() for r in caplog.records)
        assert "/telegram/" in logged  # the access log is there
        assert secret[:24] not in logged and secret not in logged
    finally:
        await bot.stop()


async def test_one_process_serves_the_webhook_and_the_web_chat_with_one_sender(
    served: FakeTelegram, db: AsyncEngine
) -> None:
    """`mitsprache run` with MITSPRACHE_WEB_URL: the web chat on the webhook's server, and a cancellation
    reaches a Telegram person and a browser person through the one sender. The webhook is not subject
    to the web chat's rate limit."""
    bot = BotUnderTest(served, db, throttle_rate=0, with_web_chat=True, web_url="http://127.0.0.1")
    base = await bot.start_webhook()
    try:
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        await Person(served, 8201).say("/start")  # a chat Telegram knows
        async with session_factory(db)() as session, session.begin():
            event_id = await events.add_event(session, EventDefinition.model_validate({
                "title": {"de": "Dialog in Moabit"}, "starts_at": start,
                "ends_at": start + timedelta(hours=1), "place": "Rathaus Tiergarten", "district": "mitte",
                "status": "published",
            }))  # fmt: skip
            await events.subscribe(session, "telegram", 8201, "de", [], [])
        for _ in range(40):  # more than the web chat's burst: Telegram's posts are never refused
            await Person(served, 8300 + _).say("/help")
        assert set(served.webhook_statuses) == {200}

        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            consent = await (await browser.get(base + "/?lang=de")).text()
            csrf = re.search(r'name="csrf" value="([^"]+)"', consent)
            assert csrf is not None
            form = {"csrf": csrf.group(1), "key": "k" * 22, "seq": "0", "lang": "de", "action": "adult"}
            async with browser.post(base + "/press", data=form) as page:
                assert page.status == 200 and "Danke! Sie können jetzt beginnen." in await page.text()
            web_person = next(c.value for c in browser.cookie_jar if c.key == "mitsprache")
            person = bot.conversations.person("web", web_person)
            web_chat = web_chat_id(bot.conversations.key, person)
            async with session_factory(db)() as session, session.begin():
                await events.subscribe(session, "web", web_chat, "de", [], [])
                for channel, chat in (("telegram", 8201), ("web", web_chat)):
                    subscriber = await events.subscriber(session, channel, chat)
                    assert subscriber is not None
                    await events.answer(session, event_id, subscriber.id, "yes")
            assert await event_usecases.cancel(session_factory(db), event_id) is not None
            bot.worker.poke()
            await served.wait_for(
                lambda: any("Dialog in Moabit" in (m.plain_text or "") for m in served.messages(8201))
            )
            rounds = bot.worker.rounds
            await served.wait_for(lambda: bot.worker.rounds > rounds)  # the round that sent it is over
            async with browser.get(base + "/") as page:
                shown = await page.text()
            assert "Dialog in Moabit" in shown and "ABGESAGT" in shown, shown[:2000]
    finally:
        await bot.stop()


# ----- broadcast senders killed with -9 ---------------------------------------------------------------------


class ForkServer:
    """tests/support/broadcast_worker.py: imports aiogram once, then forks a sender process per request."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def _line(self) -> Json:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), HANG)
        assert line, "the fork server died"
        answer: Json = json.loads(line)
        return answer

    async def sender(self, db_url: str, api_url: str, concurrency: int) -> int:
        """Start a sender process; returns its pid."""
        assert self.process.stdin is not None
        request = {"db_url": db_url, "api_url": api_url, "concurrency": concurrency}
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        return int((await self._line())["pid"])


def gone(pid: int) -> bool:
    """Whether a process has exited (a zombie whose parent has not reaped it yet counts)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


@pytest.fixture(scope="module")
async def fork_server() -> AsyncIterator[ForkServer]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.broadcast_worker",
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    server = ForkServer(process)
    try:
        assert await server._line() == {"ready": True}
        yield server
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), HANG)  # it reaps its children, then ends
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_kill_9_and_resume_loses_nothing(
    db: AsyncEngine, db_url: str, sessions: async_sessionmaker[AsyncSession], fork_server: ForkServer
) -> None:
    """kill -9 a sender with 4 messages in flight, then a sequential one, while they send; then finish.

    Nobody misses the message; duplicates come only from messages in flight at a kill (<= concurrency).
    """
    async with FakeTelegram(token=TOKEN, global_rate=150, per_chat_rate=1, per_chat_burst=1) as fake:
        fake.add_user(STAFF, first_name="Staff")
        chats = [BASE + i for i in range(250)]
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db)
        snapshots: list[Counter[int]] = []
        for concurrency in (4, 1):
            pid = await fork_server.sender(db_url, fake.base_url, concurrency)
            try:
                kill_at = len(sends_per_chat(fake)) + random.randint(40, 90)
                await fake.wait_for(lambda at=kill_at: len(sends_per_chat(fake)) >= at)
            finally:
                os.kill(pid, signal.SIGKILL)
            await fake.wait_for(lambda pid=pid: gone(pid))
            # What the dead process had sent before it died is handled before its connection closes.
            await fake.wait_for(lambda: fake.open_connections() == 0)
            snapshots.append(sends_per_chat(fake))
            rows = Counter(status for status, _ in (await delivery_statuses(db, broadcast_id)).values())
            print(f"kill -9 after {sum(snapshots[-1].values())} sends; {rows['sending']} rows in 'sending'")
        # A third sender (in this process, over HTTP too) resumes and finishes.
        bot = build_bot(TOKEN, fake.base_url)
        try:
            summaries = await telegram_sender(bot, sessions, rate=100, concurrency=1).run_pending()
        finally:
            await bot.session.close()

        final = sends_per_chat(fake)
        assert set(final) == set(chats)  # nobody missed
        duplicates = [
            sum(1 for chat, n in snap.items() if later[chat] > n)
            for snap, later in zip(snapshots, [*snapshots[1:], final], strict=True)
        ]
        print(
            f"duplicates after the kill at concurrency 4: {duplicates[0]}, at concurrency 1: {duplicates[1]}"
        )
        assert (
            duplicates[0] <= 4 and duplicates[1] <= 1
        )  # only messages in flight, see bot/delivery/sender.py
        assert max(final.values()) <= 2 and sum(final.values()) - len(chats) == sum(duplicates)
        summary = summaries[broadcast_id]
        assert (summary.sent, summary.blocked, summary.invalid, summary.failed) == (250, 0, 0, 0)
        statuses = Counter(status for status, _ in (await delivery_statuses(db, broadcast_id)).values())
        assert statuses == {"sent": 250}
        staff = [text for _, text in staff_calls(fake)]
        assert sum("wird fortgesetzt" in text for text in staff) == 2
        assert "Zugestellt: 250" in staff[-1]
    assert not fake.internal_errors
