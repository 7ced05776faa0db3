"""Deep links (`t.me/<bot>?start=ar-gesundheit`, what a poster's QR code opens): Telegram sends them as
`/start ar-gesundheit`. The language is chosen for the person, and the field opens once they have agreed
and answered the questions about themselves."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs
from bot.locales import translator
from dialogs import views
from dialogs.definitions import Catalogue
from dialogs.i18n import Translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.person import Person
from tests.support.telegram_harness import StartBot


def consent_text(t: Translator) -> str:
    """The consent request's first paragraph, as a person reading `t`'s language sees it."""
    return views.consent_request(t).text.split("\n\n")[0]


async def test_a_poster_link_opens_the_consent_in_its_language_and_leads_into_its_field(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    await start_bot(sqlite_db)
    # Her phone is set to German; the poster she scanned was the Arabic one for health.
    amal = Person(fake, 1001, "ar", language_code="de")
    t = amal.t
    await amal.say("/start ar-gesundheit")
    consent = amal.last_with_buttons
    assert consent_text(t) != consent_text(translator("de"))
    assert consent_text(t) in (consent.plain_text or "")  # no language picker: Arabic at once
    assert consent.button_texts[0] == t._("Ja, einverstanden")
    await amal.press(t._("Ja, einverstanden"))
    await amal.press(t._("16 Jahre oder älter"))
    about = t.p_("about.bezirk", "In welchem Berliner Bezirk wohnen Sie?")
    assert about in amal.texts[-1]  # the questions about her come first, as for everyone
    await amal.skip_about()
    health = real_catalogue.get("gesundheit")
    assert health is not None
    first = health.questions[0]
    assert t.p_(f"gesundheit.{first.id}", first.text) in (amal.last_with_buttons.plain_text or "")
    assert t.p_("gesundheit.intro", health.intro) in amal.texts  # the field's introduction came before it


async def test_reading_more_first_keeps_the_field(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    omid = Person(fake, 1002, "fa", language_code="en")
    t = omid.t
    await omid.say("/start fa-wohnen")
    await omid.press(t._("Mehr erfahren"))
    assert views.privacy_details(t).text.split("\n\n")[0] in omid.texts[-2]
    await omid.press(t._("Ja, einverstanden"))
    await omid.press(t._("16 Jahre oder älter"))
    await omid.skip_about()
    title = t.p_("wohnen.short_title", "Wohnen und Soziales")
    assert title in (omid.last_with_buttons.plain_text or "")


async def test_a_person_who_agreed_keeps_their_language_and_goes_to_the_field(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    olena = Person(fake, 1003, "uk")
    t = await olena.consent()
    await olena.skip_about()
    await olena.say("/start ar-familie")  # a poster in another language: her own stays
    title = t.p_("familie.short_title", "Kinder, Familie, Schule")
    assert title in (olena.last_with_buttons.plain_text or "")
    assert t._("Zurück") not in olena.last_with_buttons.button_texts  # the first question
    assert translator("ar").p_("familie.short_title", "Kinder, Familie, Schule") not in olena.texts[-1]


async def test_a_link_without_a_known_language_shows_the_picker(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    for user, payload in enumerate(("xx-gesundheit", "ar-gesundheit-" + "x" * 60, "%00"), start=1010):
        person = Person(fake, user, "uk")
        await person.say(f"/start {payload}")
        assert person.last_with_buttons.button_texts[0] == catalogs.language_name("uk")
    # An unknown field alone is dropped: the language still helps.
    noor = Person(fake, 1020, "de")
    await noor.say("/start ar-unbekannt")
    ar = translator("ar")
    assert consent_text(ar) in noor.texts[-1]
    await noor.press(ar._("Ja, einverstanden"))
    await noor.press(ar._("16 Jahre oder älter"))
    assert ar.p_("about.bezirk", "In welchem Berliner Bezirk wohnen Sie?") in noor.texts[-1]
