"""Right-to-left: left-to-right fragments, inserted values and staff-written text are isolated, every line
of a right-to-left message starts right to left. Exact code points where they are the subject; otherwise
what a reader sees, laid out by an independent implementation of the Unicode bidi algorithm (python-bidi,
the Rust crate unicode-bidi), each line a paragraph whose direction its first letter decides, as
Telegram's apps and browsers do with `dir="auto"`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from bidi import get_base_level, get_display

from bot import catalogs
from bot.locales import translator
from dialogs.bidi import FSI, LRI, PDI, RLM, balance, isolate, isolate_ltr, mark_lines, strip_marks
from dialogs.definitions import NO_ANSWER, Catalogue
from dialogs.engine import Engine
from dialogs.events import EventView, invitation
from dialogs.i18n import Translator
from dialogs.messages import Command, Input, Press, Reply, Start, Text
from dialogs.state import ConversationState, FieldProgress


class _Arabic:
    """A tiny stand-in catalog, so the unit tests do not depend on the shipped translation."""

    table: ClassVar[dict[str, str]] = {
        "{title} – Frage {number} von {total}": "{title} – السؤال {number} من {total}",
        "Ja": "نعم",
        "Schreiben Sie /fields für die Übersicht.": "اكتب /fields لرؤية القائمة.",
        "Einladung: {title}": "دعوة: {title}",
    }

    def gettext(self, message: str) -> str:
        return self.table.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    def pgettext(self, context: str, message: str) -> str:
        return {"about.bezirk.friedrichshain": "Friedrichshain-Kreuzberg"}.get(context, message)


AR = Translator("ar", _Arabic(), rtl=True)


def seen(line: str) -> str:
    """One line as the eye reads it from left to right on the screen, without the invisible marks."""
    return strip_marks(str(get_display(line)))


def right_to_left(line: str) -> bool:
    return bool(get_base_level(line) == 1)


def lines_of(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


# ----- left-to-right fragments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اكتب /fields للقائمة.", f"اكتب {LRI}/fields{PDI} للقائمة."),
        ("الحي Friedrichshain-Kreuzberg", f"الحي {LRI}Friedrichshain-Kreuzberg{PDI}"),
        (
            "في 24.11.2026 في Rathaus Charlottenburg.",
            f"في {LRI}24.11.2026{PDI} في {LRI}Rathaus Charlottenburg{PDI}.",
        ),
        ("السؤال 3/8", f"السؤال {LRI}3/8{PDI}"),
        ("الرابط https://www.berlin.de/lb/intmig/", f"الرابط {LRI}https://www.berlin.de/lb/intmig/{PDI}"),
        ("مركز العمل (Jobcenter)", f"مركز العمل ({LRI}Jobcenter{PDI})"),
        ("بدون لاتينية", "بدون لاتينية"),
        # A sign belongs to the word after it.
        ("اتصلوا على +49 30 1234567 اليوم", f"اتصلوا على {LRI}+49 30 1234567{PDI} اليوم"),
        ("راسلوا @mitsprache_bot الآن", f"راسلوا {LRI}@mitsprache_bot{PDI} الآن"),
        ("ملف .ics للتقويم", f"ملف {LRI}.ics{PDI} للتقويم"),
        ("الحرارة -5 درجات", f"الحرارة {LRI}-5{PDI} درجات"),
        ("الوسم #Berlin هنا", f"الوسم {LRI}#Berlin{PDI} هنا"),
        # A number with separators stays whole; a list of names does not become one word.
        ("المدة 1,5 ساعة", f"المدة {LRI}1,5{PDI} ساعة"),
        ("المبلغ 10,000 يورو", f"المبلغ {LRI}10,000{PDI} يورو"),
        ("الأحياء Mitte, Pankow", f"الأحياء {LRI}Mitte{PDI}, {LRI}Pankow{PDI}"),
    ],
)  # fmt: skip
def test_left_to_right_runs_are_isolated(text: str, expected: str) -> None:
    assert isolate_ltr(text) == expected


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("اتصلوا على +49 30 1234567 اليوم", "+49 30 1234567"),
        ("راسلوا @mitsprache_bot الآن", "@mitsprache_bot"),
        ("ملف .ics للتقويم", ".ics"),
        ("الحرارة -5 درجات", "-5"),
        ("الوسم #Berlin هنا", "#Berlin"),
        ("المدة 1,5 ساعة", "1,5"),
        ("المبلغ 10,000 يورو", "10,000"),
        ("اكتب /events للقائمة", "/events"),
    ],
)  # fmt: skip
def test_a_reader_sees_signs_and_numbers_whole_and_in_order(text: str, whole: str) -> None:
    line = AR.mark(isolate_ltr(text))
    assert right_to_left(line)
    assert whole in seen(line)


def test_existing_isolates_are_left_alone_also_nested() -> None:
    text = f"السؤال {FSI}3{PDI} من {FSI}8{PDI}"
    assert isolate_ltr(text) == text
    nested = f"{FSI}نص {LRI}Mitte{PDI} نص{PDI} و Pankow"
    assert isolate_ltr(nested) == f"{FSI}نص {LRI}Mitte{PDI} نص{PDI} و {LRI}Pankow{PDI}"


# ----- values and staff-written text ---------------------------------------------------------------------


def test_rtl_translator_isolates_values_and_fragments_and_marks_each_line() -> None:
    line = AR._("{title} – Frage {number} von {total}", title="Über Sie", number=3, total=8)
    assert line == f"{RLM}{FSI}Über Sie{PDI} – السؤال {FSI}3{PDI} من {FSI}8{PDI}"
    assert AR._("Schreiben Sie /fields für die Übersicht.") == f"{RLM}اكتب {LRI}/fields{PDI} لرؤية القائمة."
    assert AR.p_("about.bezirk.friedrichshain", "x") == f"{RLM}{LRI}Friedrichshain-Kreuzberg{PDI}"
    assert AR._("Ja") == f"{RLM}نعم"


def test_ltr_translator_adds_nothing_to_left_to_right_text() -> None:
    t = Translator("de")
    assert t._("{title} – Frage {number} von {total}", title="Über Sie", number=3, total=8) == (
        "Über Sie – Frage 3 von 8"
    )
    assert t.block("Wir sprechen über /events.\nMit Kinderbetreuung.") == (
        "Wir sprechen über /events.\nMit Kinderbetreuung."
    )


def test_staff_text_in_arabic_is_isolated_in_a_left_to_right_message_too() -> None:
    t = Translator("de")
    title = t._("Einladung: {title}", title="لقاء /events")
    assert title == f"Einladung: {FSI}لقاء {LRI}/events{PDI}{PDI}"
    assert "/events" in seen(title)


def test_a_value_is_isolated_line_by_line() -> None:
    # An isolate ends with its line (a paragraph), so each line needs its own.
    assert isolate("سطر أول\nZweite Zeile", rtl=True) == f"{FSI}سطر أول{PDI}\n{FSI}Zweite Zeile{PDI}"
    assert isolate("\nنص\n", rtl=True) == f"\n{FSI}نص{PDI}\n"


def test_direction_controls_from_outside_cannot_break_an_isolate() -> None:
    # A stray PDI would close our isolate early; an override would reorder what follows.
    assert balance(f"أ{PDI} ب\u202eZ") == "أ بZ"
    assert balance(f"{FSI}offen") == f"{FSI}offen{PDI}"
    staff = f"موعد{PDI} /events"
    assert isolate(staff, rtl=True) == f"{FSI}موعد {LRI}/events{PDI}{PDI}"


def _event(**changes: object) -> EventView:
    start = datetime(2030, 5, 4, 15, 0, tzinfo=UTC)
    data: dict[str, object] = {
        "id": 3, "title": {"de": "Treffen", "ar": "لقاء /events مع @senat_berlin"},
        "description": {
            "ar": "اكتب /events لرؤية القائمة\nالمدة 1,5 ساعة، الرسوم 10,000 يورو\nHotline +49 30 1234"
        },
        "starts_at": start, "ends_at": start + timedelta(hours=2),
        "place": "مكتب الحي -1، Karl-Marx-Straße 83",
        "district": "neukoelln", "online_url": None, "interpreted": ["ar", "fa"], "accessibility": {},
        "capacity": None, "status": "published",
    }  # fmt: skip
    return EventView.model_validate(data | changes)


def test_an_arabic_invitation_shows_what_staff_wrote_in_order() -> None:
    text = invitation(_event(), translator("ar")).text
    shown = [seen(line) for line in lines_of(text)]
    assert all(right_to_left(line) for line in lines_of(text))
    for whole in ("/events", "@senat_berlin", "1,5", "10,000", "+49 30 1234", "-1", "Karl-Marx-Straße 83"):
        assert any(whole in line for line in shown), whole
    assert not any("events/" in line for line in shown)


def test_a_german_description_in_an_arabic_invitation_keeps_its_full_stop_at_its_end() -> None:
    event = _event(description={"de": "Wir sprechen über /events. Mit Kinderbetreuung."})
    text = invitation(event, translator("ar")).text
    german = next(line for line in lines_of(text) if "Kinderbetreuung" in line)
    assert right_to_left(german)  # the message's layout, with the German isolated inside it
    assert "Wir sprechen über /events. Mit Kinderbetreuung." in seen(german)


# ----- every line right to left ------------------------------------------------------------------------


def test_a_line_of_isolated_values_only_is_still_right_to_left() -> None:
    bare = f"   {AR.arrow} {LRI}Friedrichshain-Kreuzberg{PDI}"  # no Arabic letter outside the isolate
    assert not right_to_left(bare)
    assert right_to_left(AR.mark(bare))
    assert mark_lines("a\n\nb") == f"{RLM}a\n\n{RLM}b"


def _replies(engine: Engine, t: Translator) -> list[Reply]:
    """Everything a person reads on a walk: consent, "about you" skipped, a field answered (the first
    option, a text where one is asked) and sent, the menu, /mydata, /help."""
    outcome = engine.handle(None, Start(), t)
    replies = list(outcome.replies)
    replies += engine.handle(None, Press(0, "agree"), t).replies  # the age question
    outcome = engine.handle(None, Press(0, "adult"), t)
    state = outcome.state
    replies += outcome.replies
    field_opened = False
    for _ in range(60):
        assert state is not None
        last = outcome.replies[-1]
        buttons = {b.action: b for row in reversed(last.buttons) for b in reversed(row)}
        if last.expects_text:
            inp: Input = Text("Mehr Dolmetscher, bitte: 1,5 Stunden, Tel. +49 30 1234.")
        elif "send" in buttons:
            inp = Press(state.seq, "send")
        elif "pick" in buttons:
            inp = Press(state.seq, "pick", buttons["pick"].arg)
        elif "tog" in buttons and not state.progress(state.field or "").selection:
            inp = Press(state.seq, "tog", buttons["tog"].arg)
        elif "done" in buttons:
            inp = Press(state.seq, "done")
        elif not field_opened:
            inp, field_opened = Press(state.seq, "open", "gesundheit"), True
        else:
            break
        outcome = engine.handle(state, inp, t)
        state = outcome.state
        replies += outcome.replies
    assert state is not None and state.status("gesundheit") == "done"
    for command in ("mydata", "help"):
        replies += engine.handle(state, Command(command), t).replies
    return replies


# Decided by the language's script (CLDR), never by a list of codes: Dari (fa_AF) is in it like Persian.
RIGHT_TO_LEFT = [code for code in catalogs.shipped_locales() if catalogs.is_rtl(code)]


def test_the_right_to_left_languages_are_found_by_their_script() -> None:
    assert {"ar", "fa", "fa_AF", "ps"} <= set(RIGHT_TO_LEFT)
    assert not {"de", "en", "uk", "ti", "ku"} & set(RIGHT_TO_LEFT)


@pytest.mark.parametrize("locale", RIGHT_TO_LEFT)
def test_every_line_of_every_right_to_left_reply_starts_right_to_left(
    real_catalogue: Catalogue, locale: str
) -> None:
    t = translator(locale)
    assert t.rtl
    replies = _replies(Engine(real_catalogue), t)
    assert len(replies) > 10
    for reply in replies:
        for line in lines_of(reply.text):
            assert line.startswith(RLM), line
    invitation_text = invitation(_event(), t).text
    assert all(line.startswith(RLM) for line in lines_of(invitation_text))


def test_german_replies_carry_no_marks(real_catalogue: Catalogue) -> None:
    for reply in _replies(Engine(real_catalogue), translator("de")):
        assert strip_marks(reply.text) == reply.text


# ----- joiners and arrows ---------------------------------------------------------------------------------


def test_lists_and_arrows_follow_the_reading_direction(real_catalogue: Catalogue) -> None:
    assert AR.join(["أ", "ب"]) == "أ، ب" and Translator("de").join(["A", "B"]) == "A, B"
    assert (AR.arrow, Translator("de").arrow) == ("←", "→")
    names = invitation(_event(), translator("ar")).text
    line = next(line for line in lines_of(names) if "العربية" in line)
    assert "العربية، الفارسية" in line  # the Arabic comma between the interpreted languages
    # The list reads from the right, like the sentence around it: the first name is the rightmost.
    shown = seen(line)
    assert shown.index(seen("العربية")) > shown.index(seen("الفارسية"))


def test_the_review_points_from_question_to_answer_in_the_reading_direction(
    real_catalogue: Catalogue,
) -> None:
    engine = Engine(real_catalogue)
    for t, arrow in ((translator("ar"), "←"), (translator("de"), "→")):
        state = engine.handle(None, Press(0, "adult"), t).state
        assert state is not None
        for _ in range(5):
            state = engine.handle(state, Press(state.seq, "pick", NO_ANSWER), t).state  # "Keine Angabe"
            assert state is not None
        review = engine.view(state, t)[-1].text
        answers = [line for line in lines_of(review) if arrow in line]
        assert len(answers) == 5, review
        assert ("→" if arrow == "←" else "←") not in review


# ----- typed answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Friedrichshain-Kreuzberg",
        f"{FSI}Friedrichshain-Kreuzberg{PDI}",
        f"{RLM}{LRI}friedrichshain-kreuzberg{PDI} ",
    ],
)
def test_a_typed_label_answers_without_its_marks(real_catalogue: Catalogue, typed: str) -> None:
    t = translator("ar")
    engine = Engine(real_catalogue)
    state = engine.handle(None, Press(0, "adult"), t).state
    assert state is not None
    label = next(
        b.label for row in engine.view(state, t)[-1].buttons for b in row if b.arg == "friedrichshain"
    )
    assert label != strip_marks(label)  # the button carries marks; the keyboard does not
    outcome = engine.handle(state, Text(typed), t)
    assert outcome.state is not None
    assert outcome.state.fields["about"].answers["bezirk"] == "friedrichshain"


def test_a_typed_arabic_label_answers(real_catalogue: Catalogue) -> None:
    t = translator("ar")
    engine = Engine(real_catalogue)
    state = engine.handle(None, Press(0, "adult"), t).state
    assert state is not None
    label = next(
        b.label for row in engine.view(state, t)[-1].buttons for b in row if b.arg == "nicht_in_berlin"
    )
    typed = strip_marks(label)  # as her keyboard writes it
    assert typed != label and typed != "nicht in Berlin"
    outcome = engine.handle(state, Text(typed), t)
    assert outcome.state is not None
    assert outcome.state.fields["about"].answers["bezirk"] == "nicht_in_berlin"


def test_a_typed_age_range_with_marks_in_the_label_answers(real_catalogue: Catalogue) -> None:
    t = translator("fa")
    engine = Engine(real_catalogue)
    state = engine.handle(None, Press(0, "adult"), t).state
    assert state is not None
    state = engine.handle(state, Press(state.seq, "pick", NO_ANSWER), t).state  # the district
    assert state is not None
    outcome = engine.handle(state, Text("18–29"), t)
    assert outcome.state is not None and outcome.state.fields["about"].answers.get("alter") == "a18_29"


def test_marks_alone_are_no_free_text_answer(real_catalogue: Catalogue) -> None:
    t = translator("ar")
    state = ConversationState(
        locale="ar", seq=4, mode="field", field="gesundheit",
        fields={"gesundheit": FieldProgress(status="in_progress", current="sonstiges")},
    )  # fmt: skip
    outcome = Engine(real_catalogue).handle(state, Text(f"{RLM}{FSI} {PDI}"), t)
    assert outcome.events == ()
    assert outcome.replies[0].text == t._("Bitte schreiben Sie Ihre Antwort als Text.")
