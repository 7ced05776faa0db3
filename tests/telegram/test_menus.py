"""Each person's command menu in the language they chose (setMyCommands for their chat), whatever
language their Telegram app runs in: no app runs in Pashto, Tigrinya, Kurmanji or Dari. What a person
sees is `fake.menu(user)`, resolved in Telegram's order."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs
from bot.locales import translator
from bot.telegram.commands import command_menu, staff_menu
from dialogs import views
from tests.support.fake_telegram import ApiError, FakeTelegram, Json
from tests.support.person import Person
from tests.support.telegram_harness import StartBot

STAFF = 9701


def descriptions(locale: str, role: str | None = None) -> list[str]:
    t = translator(locale)
    return [c.description for c in (staff_menu(t, role) if role else command_menu(t))]


def seen(fake: FakeTelegram, user: int) -> list[str]:
    return [c["description"] for c in fake.menu(user)]


async def pick(person: Person, locale: str) -> None:
    """The picker, then agreeing, as someone whose app language is not theirs."""
    await person.say("/start")
    await person.press(catalogs.language_name(locale))
    await person.press(translator(locale)._("Ja, einverstanden"))
    await person.press(translator(locale)._("16 Jahre oder älter"))


async def test_the_menu_follows_the_chosen_language_and_goes_with_everything_else(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    gul = Person(fake, 7101, "ps", language_code="en")  # no Telegram app runs in Pashto
    await gul.say("/start")
    assert seen(fake, gul.id) == descriptions("en")  # the app's language, until she chooses
    await pick(gul, "ps")
    assert seen(fake, gul.id) == descriptions("ps")
    await gul.say("/language")
    await gul.press(catalogs.language_name("ti"))
    assert seen(fake, gul.id) == descriptions("ti")
    ti = translator("ti")
    await gul.say("/delete")
    await gul.press(ti._("Ja, alles löschen"))
    assert gul.texts[-1] == views.forgotten(ti).text
    assert (f"chat:{gul.id}", "") not in fake.commands  # nothing of hers is left, not even the menu
    assert seen(fake, gul.id) == descriptions("en")


async def test_dari_gets_its_menu_in_its_chat(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    """Telegram has no Dari: the app runs in Persian (fa) and shows the Iranian menu until she picks دری."""
    await start_bot(sqlite_db)
    assert not any(language == "fa_AF" for _, language in fake.commands)  # not a Telegram app language
    maryam = Person(fake, 7106, "fa_AF", language_code="fa")
    await maryam.say("/start")
    assert seen(fake, maryam.id) == descriptions("fa")
    await pick(maryam, "fa_AF")
    assert seen(fake, maryam.id) == descriptions("fa_AF") != descriptions("fa")


async def test_a_poster_link_chooses_the_menus_language_at_consent(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    rojda = Person(fake, 7102, "ku", language_code="tr")
    await rojda.say("/start ku-gesundheit")
    assert seen(fake, rojda.id) == descriptions("tr")  # nothing is set before she agrees
    await rojda.press(rojda.t._("Ja, einverstanden"))
    await rojda.press(rojda.t._("16 Jahre oder älter"))
    assert seen(fake, rojda.id) == descriptions("ku")


async def test_declining_leaves_no_menu_behind(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    person = Person(fake, 7103, "fa", language_code="de")
    await person.say("/start")
    await person.press(catalogs.language_name("fa"))
    await person.press(person.t._("Nein"))
    assert not any(scope == f"chat:{person.id}" for scope, _ in fake.commands)
    assert seen(fake, person.id) == descriptions("de")


async def test_people_who_consented_earlier_get_their_menu_with_start(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    person = Person(fake, 7104, "ar", language_code="en")
    await pick(person, "ar")
    del fake.commands[(f"chat:{person.id}", "")]  # as before menus per chat existed
    await person.say("/start")
    assert seen(fake, person.id) == descriptions("ar")


async def test_a_menu_that_telegram_refuses_does_not_cost_the_turn(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(params: Json) -> bool:
        raise ApiError(500, "Internal Server Error")

    await start_bot(sqlite_db)
    monkeypatch.setitem(fake._methods, "setmycommands", ("setMyCommands", refuse))
    person = Person(fake, 7105, "ps", language_code="en")
    await pick(person, "ps")
    assert person.t._("Danke! Sie können jetzt beginnen.") in person.texts
    assert seen(fake, person.id) == descriptions("en")
    await person.press(person.t._("Keine Angabe"))  # the conversation goes on
    assert person.t._("Keine Angabe") in person.last_with_buttons.button_texts


async def test_staff_keep_their_commands_in_the_language_they_chose(
    fake: FakeTelegram, start_bot: StartBot, db: AsyncEngine
) -> None:
    staff = Person(fake, STAFF, "de", language_code="en")
    first = await start_bot(db, staff=f"{STAFF}:events")
    assert seen(fake, STAFF) == descriptions("en", "events")  # by the app's language
    await pick(staff, "ar")
    assert seen(fake, STAFF) == descriptions("ar", "events")
    await first.stop()
    await start_bot(db, staff=f"{STAFF}:events")  # a restart keeps the chosen language
    assert seen(fake, STAFF) == descriptions("ar", "events")
    ar = translator("ar")
    await staff.say("/delete")
    await staff.press(ar._("Ja, alles löschen"))
    assert seen(fake, STAFF) == descriptions("en", "events")  # still staff, by the app's language again
