"""Memory: nothing the bot keeps per person grows with the number of people, and aiogram's models are
built when used (bot/telegram/lean_aiogram.py). benchmarks/memory.py measures both."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from typing import Any

from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import User
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.telegram.middlewares import OneAtATimePerPerson, Throttle
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_harness import StartBot


async def _handled(event: Any, data: dict[str, Any]) -> str:
    return "handled"


def _from(user_id: int) -> dict[str, Any]:
    return {"event_from_user": User(id=user_id, is_bot=False, first_name="P")}


async def test_throttling_forgets_a_person_whose_bucket_is_full_again() -> None:
    now = [0.0]
    warned: list[int] = []

    async def warn(user: User, data: dict[str, Any]) -> None:
        warned.append(user.id)

    throttle = Throttle(rate=2, burst=8, warn=warn, clock=lambda: now[0])
    for user_id in range(5_000):  # 5,000 people, a few at each moment
        now[0] = (user_id + 1) / 2_000
        assert await throttle(_handled, object(), _from(user_id)) == "handled"  # type: ignore[arg-type]
    assert len(throttle) == 5_000  # all within the last 2.5 s, under 8 / 2 = 4 s: their buckets still refill
    now[0] += 4.0
    assert await throttle(_handled, object(), _from(99_999)) == "handled"  # type: ignore[arg-type]
    assert len(throttle) == 1  # the others' buckets are full: nothing to remember

    # A flooder is remembered until the bucket is full again, then treated as new: the same as before.
    results = [await throttle(_handled, object(), _from(7)) for _ in range(10)]  # type: ignore[arg-type]
    assert results.count("handled") == 8 and warned == [7]
    now[0] += 3.9
    assert await throttle(_handled, object(), _from(8)) == "handled"  # type: ignore[arg-type]
    assert len(throttle) == 3  # the flooder's bucket is not yet full: kept
    now[0] += 0.2
    results = [await throttle(_handled, object(), _from(7)) for _ in range(10)]  # type: ignore[arg-type]
    assert results.count("handled") == 8 and warned == [7, 7]


async def test_order_per_person_keeps_no_lock_once_a_person_is_done() -> None:
    """Already so before the memory benchmark (a guard, not a fix): the lock of a person with no update
    waiting is dropped, also when several of theirs queued behind each other."""
    order = OneAtATimePerPerson()
    seen: list[tuple[int, int]] = []

    async def slow(event: Any, data: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        seen.append((data["event_from_user"].id, event))

    await asyncio.gather(*(order(slow, n, _from(n % 500)) for n in range(2_000)))  # type: ignore[arg-type]
    assert len(seen) == 2_000
    assert [n for user, n in seen if user == 3] == [3, 503, 1003, 1503]  # in order
    assert order._locks == {} and order._waiting == {}


async def test_the_dispatcher_keeps_no_record_of_the_people_it_served(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    """aiogram's FSM storage (in memory by default) kept a record for every person who ever wrote; the bot
    keeps its state in the database and has no use for it."""
    bot = await start_bot(sqlite_db, throttle_rate=2, throttle_burst=8)
    for user_id in range(8_001, 8_041):
        fake.add_user(user_id)
        fake.send_text(user_id, "/start")
    await fake.settle()
    assert all(fake.messages(user_id) for user_id in range(8_001, 8_041))
    assert bot.dp is not None
    storage = bot.dp.fsm.storage
    assert not isinstance(storage, MemoryStorage) or not storage.storage
    locks = [m for m in bot.dp.update.outer_middleware if isinstance(m, OneAtATimePerPerson)]
    assert locks and not locks[0]._locks


def test_aiogram_models_are_built_when_used_and_every_one_can_be() -> None:
    """In a process of its own, as the bot starts: importing the Telegram shell builds none of aiogram's
    ~440 types (about 110 MB); each builds on first use, every type and method, and the generic answers
    (`Response[Message]`) too."""
    script = textwrap.dedent(
        """
        import bot.telegram.app
        from aiogram import methods, types
        from aiogram.methods.base import Response
        from pydantic import BaseModel

        assert not types.Message.__pydantic_complete__, "aiogram's types were built at import"
        update = types.Update.model_validate(
            {"update_id": 1, "message": {"message_id": 2, "date": 0, "chat": {"id": 3, "type": "private"},
             "from": {"id": 3, "is_bot": False, "first_name": "A"}, "text": "/start",
             "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
             "sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 1,
                         "height": 1, "is_animated": False, "is_video": False}}}
        )
        assert update.message.sticker.width == 1 and update.message.from_user.id == 3
        built = 0
        for module in (types, methods):
            for name in module.__all__:
                model = getattr(module, name)
                if isinstance(model, type) and issubclass(model, BaseModel):
                    assert model.model_rebuild() is not False, name
                    returning = getattr(model, "__returning__", None)
                    if isinstance(returning, type) and issubclass(returning, BaseModel):
                        Response[returning].model_validate({"ok": True})
                    built += 1
        assert built > 550, built
        print("ok", built)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("ok"), done.stdout + done.stderr


def test_translators_keep_two_facts_of_each_language_not_babels_data() -> None:
    """In a process of its own, as the bot starts: a translator per language needs the direction and the
    name of its language, about 1 MB of CLDR data each in Babel's cache (15 MB for the shipped languages).
    Once built, the data is let go; names, directions and dates in every language stay right."""
    script = textwrap.dedent(
        """
        import datetime
        from babel import localedata
        from bot import catalogs
        from bot.locales import translator
        from bot.usecases.language import picker

        codes = catalogs.shipped_locales()
        built = {code: translator(code) for code in codes}
        assert not localedata._cache, sorted(localedata._cache)
        assert built["ar"].rtl and built["fa_AF"].rtl and not built["uk"].rtl
        assert built["uk"].language_name == "Українська" and built["fa_AF"].language_name == "دری"
        menu = picker(codes, "de", built["de"])
        labels = [button.label for row in menu.buttons for button in row]
        # the menu reads what was kept
        assert "العربية" in labels and "Türkçe" in labels and not localedata._cache
        day = built["uk"].date(datetime.date(2026, 12, 3))  # dates read their language's data again
        assert "2026" in day and "грудня" in day, day
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("ok"), done.stdout + done.stderr
