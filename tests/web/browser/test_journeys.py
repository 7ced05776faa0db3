"""Two people in a real browser at phone size, with JavaScript on and off: Amal reads Arabic, Oksana
Ukrainian. Each chooses her language, agrees, answers "about you", goes through a field with back, skip
and change, answers an invitation and downloads its calendar file, looks at "my data", continues on a
second phone with her code, and deletes everything.

Screenshots of every step: tests/web/browser/screenshots/<test name>/NN-step.png (git-ignored).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot import catalogs
from dialogs import scales, subscription, views
from dialogs.definitions import Catalogue
from dialogs.events import DISTRICT_NAMES
from dialogs.i18n import Translator
from dialogs.state import ConversationState
from tests.support.phone import OpenPhone, Phone
from tests.web.browser.conftest import EVENT_PLACE

# Every kind of page a person meets; axe-core looks at each (with JavaScript on).
KINDS = {
    "languages", "consent", "question", "scale", "multiple choice", "free text", "review", "fields",
    "events", "subscription", "rsvp", "my data", "continue", "delete", "deleted",
}  # fmt: skip
WRITTEN = {
    "ar": "أرجو مواعيد أسرع في مكتب العمل.",  # "Faster appointments at the job centre, please."
    "uk": "Прошу швидше давати терміни в джобцентрі.",
}


def fields_heading(catalogue: Catalogue, t: Translator) -> str:
    """The first line of the overview of the nine fields ("Es gibt neun Themen. …")."""
    return views.menu(catalogue, ConversationState(locale="de"), t).text.split("\n")[0]


def progress(t: Translator, field: str, title: str, number: int, total: int) -> str:
    """The progress line as the engine writes it, in the person's language ("Frage 3 von 9")."""
    return t._(
        "{title} – Frage {number} von {total}",
        title=t.p_(f"{field}.short_title", title),
        number=number,
        total=total,
    )


async def announced(phone: Phone, text: str, javascript: bool) -> None:
    """The progress is in the page's title (read first when a page loads) and in the live region; where
    the page's script swapped the step in, the newest reply has the focus, so a screen reader reads it."""
    assert text in await phone.page.title()
    live = phone.page.locator("[aria-live=polite], [role=status]").filter(has_text=text)
    assert await live.count() >= 1, f"{text!r} is not in a live region"
    if javascript:
        focused = await phone.page.evaluate(
            "document.activeElement === document.body ? '' : document.activeElement.textContent"
        )
        assert text in focused, f"the focus is not on the newest reply: {focused[:80]!r}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("locale", ["ar", "uk"])
async def test_a_person_answers_changes_looks_and_deletes(
    phone: OpenPhone, real_catalogue: Catalogue, an_event: dict[str, str], locale: str, javascript: bool
) -> None:
    me = await phone(locale, javascript=javascript)
    t = me.t

    # The start page, in the phone's language, then the language she taps.
    await me.goto("/")
    await me.sees(t._("Bitte wählen Sie Ihre Sprache."))
    await me.step("languages", "languages")
    if javascript:
        await me.focus_is_visible()
    await me.follow(catalogs.language_name(locale))
    await me.sees(views.consent_request(t).text.split("\n\n")[-1])  # "Sind Sie einverstanden?"
    await me.step("consent", "consent")
    assert await me.code_cookie() is None  # nothing before consent

    # Consent: "yes", then her age; the code is shown, and "about you" begins.
    await me.press(t._("Ja, einverstanden"))
    await me.sees(t._("Wie alt sind Sie?"))
    assert await me.code_cookie() is None  # still nothing: the age decides whether a parent must agree
    await me.press(t._("16 Jahre oder älter"))
    first = progress(t, "about", "Über Sie", 1, 5)
    await me.sees(first)
    code = await me.code_cookie()
    assert code is not None
    await me.sees(f"{code[:4]}-{code[4:8]}-{code[8:]}")
    await announced(me, first, javascript)
    await me.step("about-1", "question")
    await me.press(t.p_("about.bezirk.pankow", "Pankow"))
    await me.sees(progress(t, "about", "Über Sie", 2, 5))
    await me.press(t.p_("about.alter.a30_44", "30–44"))
    await me.sees(progress(t, "about", "Über Sie", 3, 5))
    await me.press(t._("Keine Angabe"))
    await me.sees(progress(t, "about", "Über Sie", 4, 5))
    await me.press(t._("Keine Angabe"))
    await me.sees(progress(t, "about", "Über Sie", 5, 5))
    await me.press(t._("Keine Angabe"))
    await me.sees(t._("Ihre Antworten – {title}", title=t.p_("about.short_title", "Über Sie")))
    await me.step("about-review", "review")
    await me.press(t._("Absenden"))
    await me.sees(fields_heading(real_catalogue, t))
    await me.step("fields", "fields")

    # A field: back and a changed answer, a scale, a multiple choice, a skipped free text, an edit.
    await me.press(t.p_("ankommen.short_title", "Ankommen und Bleiben"))
    await me.sees(progress(t, "ankommen", "Ankommen und Bleiben", 1, 9))
    await me.press(t.p_("ankommen.amt_zuletzt.jobcenter", "Jobcenter"))
    await me.sees(progress(t, "ankommen", "Ankommen und Bleiben", 2, 9))
    await me.press(t.p_("ankommen.termin_wartezeit.w1_4", "1 bis 4 Wochen"))
    third = progress(t, "ankommen", "Ankommen und Bleiben", 3, 9)
    await me.sees(third)
    await announced(me, third, javascript)
    await me.step("ankommen-3", "scale")
    await me.press(t._("Zurück"))
    earlier = t.p_("ankommen.termin_wartezeit.w1_4", "1 bis 4 Wochen")
    await me.sees(t._("Ihre bisherige Antwort: {answer}", answer=earlier))
    await me.step("ankommen-2-back")
    changed = t.p_("ankommen.termin_wartezeit.ueber_3m", "Mehr als 3 Monate")
    await me.press(changed)
    await me.sees(third)
    await me.press(scales.label("gut", 4, t))  # number, face and word on one button
    await me.sees(progress(t, "ankommen", "Ankommen und Bleiben", 4, 9))
    await me.press(t._("Ja"))
    await me.sees(progress(t, "ankommen", "Ankommen und Bleiben", 5, 8))  # no follow-up after "yes"
    await me.press(t.p_("ankommen.beratung.nicht_gebraucht", "Nein, nicht gebraucht"))
    await me.sees(progress(t, "ankommen", "Ankommen und Bleiben", 6, 8))
    await me.press(scales.label("wissen", 3, t))
    await me.sees(progress(t, "ankommen", "Ankommen und Bleiben", 7, 8))
    option = t.p_("ankommen.verbesserung.termine", "Schneller Termine bekommen")
    await me.press(f"☐ {option}")
    await me.sees(f"☑ {option}")
    await me.step("ankommen-7-multi", "multiple choice")
    await me.press(t._("Fertig"))
    await me.sees(progress(t, "ankommen", "Ankommen und Bleiben", 8, 8))
    await me.step("ankommen-8-text", "free text")
    await me.press(t._("Überspringen"))
    await me.sees(t._("(übersprungen)"))
    await me.step("ankommen-review", "review")
    await me.press(t._("✎ {number}", number=8))
    await me.write(t._("Ihre Antwort"), WRITTEN[locale])
    await me.press(t._("Senden"))
    await me.sees(WRITTEN[locale])
    await me.step("ankommen-review-written")
    await me.press(t._("Absenden"))
    await me.sees(t._("Möchten Sie mit dem nächsten Thema weitermachen?"))
    await me.step("ankommen-sent")

    # An invitation: "Ich komme" first asks her to agree to invitations; then the calendar file.
    await me.menu(t._("Veranstaltungen"))
    await me.sees(an_event[locale])
    await me.step("events", "events")
    await me.press(t._("Ich komme"))
    await me.sees(subscription.ask(t).text.split("\n\n")[-1])  # "Möchten Sie Einladungen bekommen?"
    await me.press(t._("Ja, Einladungen bekommen"))
    await me.sees(f"☐ {DISTRICT_NAMES['spandau']}")
    await me.step("subscribe-districts", "subscription")
    await me.press(t._("Weiter"))
    await me.sees(f"☐ {t.p_('partizipation.short_title', 'Mitreden')}")
    await me.press(t._("Weiter"))
    await me.sees(
        t._("Fertig. Sie bekommen Einladungen in Ihrer Sprache. Mit /events sehen Sie, was geplant ist.")
    )
    await me.menu(t._("Veranstaltungen"))
    await me.sees(an_event[locale])
    await me.press(t._("Ich komme"))
    await me.sees(subscription.rsvp_reply("confirmed", t).text)
    await me.step("rsvp", "rsvp")
    async with me.page.expect_download() as downloading:
        await me.main().get_by_role("link", name=t._("Herunterladen"), exact=False).click()
    download = await downloading.value
    assert re.fullmatch(r"mitsprache-\d+\.ics", download.suggested_filename), download.suggested_filename
    calendar = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    assert "BEGIN:VEVENT" in calendar and EVENT_PLACE in calendar and "DTSTART" in calendar

    # "My data" shows the changed answer and what she wrote, and her code.
    await me.menu(t._("Meine Daten"))
    await me.sees(t._("Das haben wir über Sie gespeichert. Ihr Name ist nicht dabei."))
    main = me.main()
    assert changed in await main.inner_text() and earlier not in await main.inner_text()
    assert WRITTEN[locale] in await main.inner_text()
    await me.step("my-data", "my data")

    # Her second phone: the continuation code brings her back to where she is.
    other = await phone(locale, javascript=javascript, device="second-phone")
    await other.goto("/")
    await other.follow(t._("Ich habe einen Fortsetzungs-Code"))
    await other.sees(t._("Mit einem Fortsetzungs-Code weitermachen"))
    await other.step("continue", "continue")
    await other.write(t._("Ihr Fortsetzungs-Code"), code.lower())  # as people type it
    await other.press(t._("Weiter"))
    await other.sees(fields_heading(real_catalogue, t))
    assert await other.code_cookie() == code
    await other.step("continued")

    # Delete everything: asked once more, then the data and the cookie are gone.
    await me.menu(t._("Alles löschen"))
    await me.sees(t._("Ja, alles löschen"))
    await me.step("delete", "delete")
    await me.press(t._("Ja, alles löschen"))
    await me.sees(views.forgotten(t).text)
    assert await me.code_cookie() is None
    await me.step("deleted", "deleted")
    await other.goto("/")  # the second phone no longer finds her
    await other.sees(t._("Bitte wählen Sie Ihre Sprache."))
    assert await other.code_cookie() is None

    if javascript:  # every tap went through the page's script (bot/web/static/app.js), none as a form
        assert me.posts and set(me.posts + other.posts) == {"fetch"}, me.posts + other.posts
        assert me.checked_kinds | other.checked_kinds == KINDS
        print("axe-core's minor findings:", me.findings + other.findings or "none")
