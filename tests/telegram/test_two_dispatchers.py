"""Two replicas of the Telegram bot (two dispatchers, each with its own database engine) on one database:
the same people's updates interleaved, and a share of them delivered to both at the same moment, as
Telegram does when a replica died after its commit and before its answer. Every answer is stored
exactly once and in order: each person ends exactly where a person whose updates came once ends."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs
from bot.locales import translator
from bot.settings import Settings
from bot.telegram.app import build_bot, build_dispatcher
from bot.usecases.turns import Conversations
from dialogs.definitions import Catalogue
from dialogs.engine import Engine
from storage.conversations import ConversationRepository
from storage.db import create_engine, session_factory
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_harness import KEY, TOKEN

FIELDS = ("Kurz ankommen", "Kurz wohnen")


def steps(person: int) -> list[tuple[str, str]]:
    """What the person does: ("say", text) or ("press", a label the button contains)."""
    done: list[tuple[str, str]] = [
        ("say", "/start"),
        ("press", "Deutsch"),
        ("press", "Ja, einverstanden"),
        ("press", "16 Jahre oder älter"),
    ]
    for title in FIELDS:
        done += [
            ("say", "/fields"), ("press", title), ("press", "Nein"), ("press", "Sprache"),
            ("press", "Fertig"), ("say", "3"), ("say", f"Person {person} zu {title}"), ("press", "Absenden"),
        ]  # fmt: skip
    return done


def make(fake: FakeTelegram, user: int, kind: str, value: str) -> dict[str, Any]:
    """The update Telegram would send for this step, made from what the person sees now."""
    if kind == "say":
        return fake.send_text(user, value)
    message = next(m for m in reversed(fake.messages(user)) if m.buttons)
    button = next(b for b in message.buttons if value in b["text"])
    return fake.press(user, message.message_id, button["callback_data"])


async def stored(engine: AsyncEngine, person: str) -> tuple[dict[tuple[str, str], Any], int | None]:
    async with session_factory(engine)() as session:
        repo = ConversationRepository(session)
        loaded = await repo.load(person)
        return await repo.answers(person), loaded.state.seq if loaded else None


async def test_two_dispatchers_apply_interleaved_and_redelivered_updates_once_in_order(
    db: AsyncEngine, db_url: str, sample_catalogue: Catalogue
) -> None:
    second = create_engine(db_url)
    async with FakeTelegram(token=TOKEN, per_chat_rate=100, per_chat_burst=100) as fake:
        bot: Bot = build_bot(TOKEN, fake.base_url)
        settings = Settings(
            bot_token=TOKEN, telegram_api_url=fake.base_url, pseudonym_key=KEY, throttle_rate=0
        )
        replicas: list[Dispatcher] = []
        people: dict[int, str] = {}
        try:
            for engine in (db, second):
                conversations = Conversations(
                    Engine(sample_catalogue), session_factory(engine), KEY.encode(), translator
                )
                replicas.append(
                    build_dispatcher(
                        conversations, session_factory(engine), catalogs.shipped_locales(), settings
                    )
                )
                people = {user: conversations.person("telegram", user) for user in range(6101, 6106)}
            reference_user = 6100
            rng = random.Random(2026)
            redelivered = 0

            async def feed(dp: Dispatcher, payload: dict[str, Any]) -> None:
                await dp.feed_update(bot, Update.model_validate(payload, context={"bot": bot}))

            async def walk(user: int, *, twice: bool) -> None:
                nonlocal redelivered
                fake.add_user(user, language_code="de")
                for kind, value in steps(user):
                    payload = make(fake, user, kind, value)
                    first = rng.choice(replicas)
                    if twice and rng.random() < 0.4:
                        redelivered += 1
                        other = replicas[1] if first is replicas[0] else replicas[0]
                        await asyncio.gather(feed(first, payload), feed(other, payload))
                    else:
                        await feed(first, payload)

            await walk(reference_user, twice=False)  # once, in order: where everybody must end
            expected_answers, expected_seq = await stored(
                db, conversations.person("telegram", reference_user)
            )
            await asyncio.gather(*(walk(user, twice=True) for user in people))
        finally:
            await bot.session.close()
            await second.dispose()
    assert redelivered > 10
    assert len(expected_answers) == 2 * 4
    for user, person in people.items():
        answers, seq = await stored(db, person)
        mine = {key: value.replace(str(user), str(reference_user)) if isinstance(value, str) else value
                for key, value in answers.items()}  # fmt: skip
        assert mine == expected_answers, user
        assert seq == expected_seq, user  # not one turn more: nothing was applied twice
        apologies = [m for m in fake.messages(user) if "schiefgelaufen" in (m.plain_text or "")]
        assert apologies == [], user
