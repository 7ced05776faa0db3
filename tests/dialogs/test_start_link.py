"""Start links (a poster's QR code, a deep link): the payload scheme, and where the engine takes a person
who comes by one. The engine runs on the sample catalogue (see test_engine.py)."""

from __future__ import annotations

import pytest

from dialogs.definitions import FIELD_IDS
from dialogs.engine import Engine
from dialogs.i18n import Translator
from dialogs.messages import Command, ConsentGiven, FieldCompleted, Input, Outcome, Press, Start
from dialogs.start_link import MAX_PAYLOAD, StartLink, encode, parse
from dialogs.state import ConversationState

LOCALES = ("ar", "de", "en", "fa", "fa_AF", "uk")

# -- the payload scheme ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "payload"),
    [
        (StartLink("ar"), "ar"),
        (StartLink("ar", "gesundheit"), "ar-gesundheit"),
        (StartLink("fa_AF", "wohnen"), "fa_AF-wohnen"),
        (StartLink("de", "partizipation"), "de-partizipation"),
    ],
)
def test_encode_and_parse_back(link: StartLink, payload: str) -> None:
    assert encode(link) == payload
    assert parse(payload, LOCALES, FIELD_IDS) == link


def test_every_shipped_combination_fits_telegram(t: Translator) -> None:
    longest = max((encode(StartLink(loc, f)) for loc in LOCALES for f in FIELD_IDS), key=len)
    assert len(longest) <= MAX_PAYLOAD
    for loc in LOCALES:
        for field in FIELD_IDS:
            payload = encode(StartLink(loc, field))
            assert all(c.isascii() and (c.isalnum() or c in "_-") for c in payload)


@pytest.mark.parametrize(
    "link",
    [
        StartLink(""),
        StartLink("ar-SY"),  # "-" separates the field: a locale is written with "_"
        StartLink("ar sy"),
        StartLink("ar", "Gesundheit"),
        StartLink("ar", "gesund-heit"),
        StartLink("ar", ""),
        StartLink("ar", "x" * 70),
        StartLink("عربي"),
    ],
)
def test_encode_refuses_what_is_no_payload(link: StartLink) -> None:
    with pytest.raises(ValueError):
        encode(link)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("ar-unbekannt", StartLink("ar")),  # an unknown field is dropped, the language stays
        ("ar-", StartLink("ar")),
        ("ar-about", StartLink("ar")),  # the "about you" block comes first anyway
        ("ar-gesundheit-mehr", StartLink("ar")),
        ("xx-gesundheit", None),  # an unknown language: no link at all
        ("AR-gesundheit", None),
        ("-gesundheit", None),
        ("", None),
        (None, None),
        ("ar gesundheit", None),
        ("ar\ngesundheit", None),
        ("ar-gesundheit\n", None),
        ("ar-ges%C3%BCndheit", None),
        ("ar-gesündheit", None),
        ("ar-" + "a" * 62, None),  # longer than Telegram allows
        ("٣", None),
    ],
)
def test_parse_never_raises_on_garbage(payload: str | None, expected: StartLink | None) -> None:
    assert parse(payload, LOCALES, FIELD_IDS) == expected


# -- the engine with a start link ------------------------------------------------------------


def new_state(outcome: Outcome) -> ConversationState:
    assert outcome.state is not None
    return outcome.state


def buttons(outcome: Outcome) -> list[tuple[str, str]]:
    return [(b.action, b.arg) for reply in outcome.replies for row in reply.buttons for b in row]


def go(engine: Engine, state: ConversationState, t: Translator, *moves: tuple[str, str] | Input) -> Outcome:
    """Several inputs in a row; a tuple is a button press (action, arg) drawn for the current state."""
    outcome: Outcome | None = None
    for move in moves:
        inp = Press(state.seq, *move) if isinstance(move, tuple) else move
        outcome = engine.handle(state, inp, t)
        state = new_state(outcome)
    assert outcome is not None
    return outcome


# "Keine Angabe" is the one way to decline a question about oneself.
SKIP_ABOUT = (*[("pick", "no_answer")] * 5, ("send", ""))
# The sample field, answered: q_yesno = nein, then multi, scale and the optional text skipped.
COMPLETE_FIELD = (
    ("pick", "nein"), ("tog", "sprache"), ("done", ""), ("pick", "3"), ("skip", ""), ("send", ""),
)  # fmt: skip


def test_the_consent_buttons_carry_the_linked_field(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Start("gesundheit"), t)
    assert outcome.state is None  # nothing stored before consent
    assert "Willkommen bei Mitsprache" in outcome.replies[0].text
    assert buttons(outcome) == [("agree", "gesundheit"), ("more", "gesundheit"), ("decline", "")]
    # Reading more first keeps the field for the consent that follows.
    more = engine.handle(None, Press(0, "more", "gesundheit"), t)
    assert "Datenschutz bei Mitsprache" in more.replies[0].text
    assert ("agree", "gesundheit") in buttons(more)


@pytest.mark.parametrize("inp", [Start("unbekannt"), Start("about"), Start(None), Command("start")])
def test_no_known_field_draws_the_plain_consent(engine: Engine, t: Translator, inp: Input) -> None:
    outcome = engine.handle(None, inp, t)
    assert buttons(outcome) == [("agree", ""), ("more", ""), ("decline", "")]


def test_the_age_buttons_carry_the_linked_field(engine: Engine, t: Translator) -> None:
    said_yes = engine.handle(None, Press(0, "agree", "gesundheit"), t)
    assert said_yes.state is None
    assert buttons(said_yes) == [("adult", "gesundheit"), ("minor", "gesundheit")]
    minor = engine.handle(None, Press(0, "minor", "gesundheit"), t)
    assert ("parents", "gesundheit") in buttons(minor)
    assert new_state(engine.handle(None, Press(0, "parents", "gesundheit"), t)).after_about == "gesundheit"


def test_after_consent_and_about_the_linked_field_opens(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Press(0, "adult", "gesundheit"), t)
    assert outcome.events == (ConsentGiven("de"),)
    state = new_state(outcome)
    assert state.field == "about"  # the questions about the person come first, as always
    assert "Über Sie – Frage 1 von 5" in outcome.replies[-1].text
    outcome = go(engine, state, t, *SKIP_ABOUT)
    assert outcome.events == (FieldCompleted("about"),)
    texts = [reply.text for reply in outcome.replies]
    assert "Diese Angaben helfen" in texts[0]  # the about outro, then straight into the field
    assert texts[1] == "Einleitung gesundheit"
    assert texts[2].startswith("Kurz gesundheit – Frage 1 von 5")
    state = new_state(outcome)
    assert (state.mode, state.field, state.after_about) == ("field", "gesundheit", None)


def test_a_forged_field_in_the_consent_button_is_ignored(engine: Engine, t: Translator) -> None:
    state = new_state(engine.handle(None, Press(0, "adult", "../etc"), t))
    assert state.after_about is None
    outcome = go(engine, state, t, *SKIP_ABOUT)
    assert new_state(outcome).mode == "menu"
    assert "Fertig: 0 von 9" in outcome.replies[-1].text


def test_choosing_another_field_settles_the_linked_one(engine: Engine, t: Translator) -> None:
    state = new_state(engine.handle(None, Press(0, "adult", "gesundheit"), t))
    state = new_state(go(engine, state, t, ("menu", ""), ("open", "wohnen"), ("menu", "")))
    assert state.after_about is None
    outcome = go(engine, state, t, ("open", "about"), *SKIP_ABOUT)
    assert new_state(outcome).mode == "menu"  # not into gesundheit: the person chose for themselves


def test_a_consenting_person_who_sent_about_goes_straight_to_the_field(engine: Engine, t: Translator) -> None:
    state = new_state(engine.handle(None, Press(0, "adult"), t))
    state = new_state(go(engine, state, t, *SKIP_ABOUT, ("open", "ankommen"), ("pause", "")))
    outcome = engine.handle(state, Start("wohnen"), t)
    assert outcome.replies[0].text == "Einleitung wohnen"
    assert outcome.replies[-1].text.startswith("Kurz wohnen – Frage 1 von 5")
    assert new_state(outcome).locale == "de"
    # The field already begun elsewhere is kept as it was.
    assert new_state(outcome).status("ankommen") == "in_progress"


def test_a_sent_field_opens_at_its_review(engine: Engine, t: Translator) -> None:
    state = new_state(engine.handle(None, Press(0, "adult"), t))
    state = new_state(go(engine, state, t, *SKIP_ABOUT, ("open", "wohnen"), *COMPLETE_FIELD))
    outcome = engine.handle(state, Start("wohnen"), t)
    assert outcome.replies[-1].text.startswith("Ihre Antworten – Kurz wohnen")


def test_a_consenting_person_still_in_about_finishes_it_first(engine: Engine, t: Translator) -> None:
    state = new_state(engine.handle(None, Press(0, "adult"), t))
    state = new_state(go(engine, state, t, ("pick", "no_answer"), ("menu", "")))
    outcome = engine.handle(state, Start("familie"), t)
    assert "Über Sie – Frage 2 von 5" in outcome.replies[-1].text  # back where the person left it
    state = new_state(outcome)
    assert state.after_about == "familie"
    outcome = go(engine, state, t, *[("pick", "no_answer")] * 4, ("send", ""))
    assert outcome.replies[-1].text.startswith("Kurz familie – Frage 1 von 5")


def test_start_without_a_field_is_unchanged_for_a_consenting_person(engine: Engine, t: Translator) -> None:
    state = new_state(engine.handle(None, Press(0, "adult"), t))
    state = new_state(go(engine, state, t, *SKIP_ABOUT))
    for inp in (Start(), Start("unbekannt")):
        outcome = engine.handle(state, inp, t)
        assert new_state(outcome).mode == "menu"
        assert "Fertig: 0 von 9" in outcome.replies[-1].text


def test_a_linked_field_that_no_longer_exists_is_dropped(engine: Engine, t: Translator) -> None:
    state = new_state(engine.handle(None, Press(0, "adult"), t))
    state.after_about = "abgeschafft"  # saved under older definitions
    outcome = go(engine, state, t, *SKIP_ABOUT)
    assert new_state(outcome).mode == "menu"
    assert new_state(outcome).after_about is None
