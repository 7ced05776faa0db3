"""Dari (fa_AF), the Persian of Afghanistan, as an Afghan woman in Berlin meets it on Telegram: her phone
says fa-AF, the picker offers دری first and Iranian Persian next to it, the consent and a whole field come
in Dari (Afghan words, right to left), and an event's date has the Afghan month names (Babel's fa_AF)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs
from bot.locales import translator
from dialogs.bidi import RLM, strip_marks
from dialogs.events import EventDefinition
from storage import events
from storage.db import session_factory
from storage.models import Answer, Participant
from tests.support.fake_telegram import FakeTelegram
from tests.support.person import Person
from tests.support.telegram_harness import StartBot

ARZT = ("gesundheit.arzt_zugang", "Wie leicht finden Sie in Berlin eine Ärztin oder einen Arzt?")


async def test_a_dari_conversation_from_the_picker_to_an_event(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    bot = await start_bot(sqlite_db)
    december = datetime(datetime.now(UTC).year + 1, 12, 2, 16, 0, tzinfo=UTC)  # 17:00 in Berlin
    async with session_factory(sqlite_db)() as session, session.begin():
        await events.add_event(session, EventDefinition(
            title={"de": "Dialog in Neukölln"}, starts_at=december, ends_at=december.replace(hour=18),
            place="Karl-Marx-Straße 141", district="neukoelln", status="published",
        ))  # fmt: skip
    maryam = Person(fake, 7301, "fa_AF", language_code="fa-AF")
    t = maryam.t
    assert t.locale == "fa_AF" and t.rtl

    await maryam.say("/start")
    offered = maryam.last_with_buttons.button_texts
    assert offered[0] == "دری" and "فارسی" in offered  # hers first; Iranian Persian is still there
    await maryam.press("دری")
    consent = strip_marks("\n".join(maryam.texts[-2:]))
    assert "پولیس" in consent and "پلیس" not in consent  # "the police never receive your answers"
    await maryam.press("بلی، موافقم")
    await maryam.press(t._("16 Jahre oder älter"))
    assert t._("Danke! Sie können jetzt beginnen.") in maryam.texts

    await maryam.skip_about()
    title = t.p_("gesundheit.short_title", "Gesundheit und Pflege")
    assert strip_marks(title) == "صحت و مراقبت"
    await maryam.press(title)
    question = maryam.last_with_buttons.plain_text or ""
    assert question.startswith(RLM)  # every line of a right-to-left message starts with the mark
    assert t.p_(*ARZT) in question and "داکتر" in strip_marks(question)
    answered = await maryam.answer_field("داکتر زن می‌خواهم که دری بلد باشد.")
    assert answered > 5
    async with session_factory(sqlite_db)() as session:
        participant = await session.get(Participant, bot.pseudonym(maryam.id))
        stored = (await session.scalars(select(Answer.value).where(
            Answer.pseudonym == bot.pseudonym(maryam.id), Answer.field == "gesundheit"))).all()  # fmt: skip
    assert participant is not None and participant.locale == "fa_AF"
    assert "داکتر زن می‌خواهم که دری بلد باشد." in stored

    await maryam.say("/events")
    card = strip_marks(maryam.texts[-1])
    assert "دسمبر" in card and "دسامبر" not in card  # Afghan month names, not the Iranian ones
    assert str(december.year) in card and "17:00" in card  # Berlin time
    assert catalogs.language_name("fa_AF") == "دری" == translator("fa_AF").language_name
