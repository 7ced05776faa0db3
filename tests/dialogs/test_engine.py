"""The conversation engine, driven the way a person uses it: inputs in, replies/buttons/events out.

The `engine` fixture runs on the sample catalogue (tests/sample_questionnaires.py): the real
'about' block plus nine identical fields with q_yesno, q_single (show_if q_yesno = ja),
q_multi (min 1, max 2), q_scale and q_text (optional, max_length 50).
"""

from __future__ import annotations

import gettext
import json
from pathlib import Path

import pytest

from dialogs import scales
from dialogs.definitions import FIELD_IDS, NO_ANSWER, Catalogue, load_catalogue
from dialogs.engine import Engine
from dialogs.i18n import Translator
from dialogs.messages import (
    AnswerCleared,
    AnswerSet,
    Command,
    ConsentGiven,
    FieldCompleted,
    Input,
    Outcome,
    Press,
    Reply,
    Start,
    Text,
    Unsupported,
)
from dialogs.privacy import PrivacyFacts
from dialogs.state import REVIEW, ConversationState, FieldProgress
from tests.support.sample_questionnaires import write_sample_catalogue

FIELD = "ankommen"
STALE = "nicht mehr aktuell"
Q_YESNO = "Haben Sie Erfahrung damit?"
Q_SINGLE = "Wenn ja, wie war es?"
Q_MULTI = "Was war schwierig?"
Q_SCALE = "Wie zufrieden sind Sie?"
Q_TEXT = "Möchten Sie noch etwas sagen?"
REVIEW_TITLE = "Ihre Antworten"

BtnTuple = tuple[str, str, str]


# -- helpers ------------------------------------------------------------------------------


def press(engine: Engine, state: ConversationState, t: Translator, action: str, arg: str = "") -> Outcome:
    """Press a button rendered for the state's current version."""
    return engine.handle(state, Press(state.seq, action, arg), t)


def send(engine: Engine, state: ConversationState, t: Translator, inp: Input) -> Outcome:
    return engine.handle(state, inp, t)


def texts(outcome: Outcome) -> list[str]:
    return [reply.text for reply in outcome.replies]


def alltext(outcome: Outcome) -> str:
    return "\n".join(texts(outcome))


def reply_buttons(reply: Reply) -> list[BtnTuple]:
    return [(b.label, b.action, b.arg) for row in reply.buttons for b in row]


def buttons(outcome: Outcome) -> list[BtnTuple]:
    """Every button of every reply, as (label, action, arg)."""
    return [b for reply in outcome.replies for b in reply_buttons(reply)]


def last(outcome: Outcome) -> Reply:
    return outcome.replies[-1]


def labels(outcome: Outcome) -> list[str]:
    return [label for label, _, _ in buttons(outcome)]


def actions(outcome: Outcome) -> set[str]:
    return {action for _, action, _ in buttons(outcome)}


def answer_events(outcome: Outcome) -> list[AnswerSet]:
    return [e for e in outcome.events if isinstance(e, AnswerSet)]


def new_state(outcome: Outcome) -> ConversationState:
    assert outcome.state is not None
    return outcome.state


def consent(engine: Engine, t: Translator) -> ConversationState:
    """Agreed and said to be 16 or older (the "yes" before it stores nothing)."""
    return new_state(engine.handle(None, Press(0, "adult"), t))


def open_field(engine: Engine, t: Translator, field_id: str = FIELD) -> tuple[ConversationState, Outcome]:
    """A consenting person who has just opened `field_id` (its first question is on screen)."""
    outcome = press(engine, consent(engine, t), t, "open", field_id)
    return new_state(outcome), outcome


def apply(engine: Engine, state: ConversationState, t: Translator, move: tuple[str, str] | Input) -> Outcome:
    """One input; a tuple is a button press (action, arg) with the current seq."""
    return press(engine, state, t, *move) if isinstance(move, tuple) else send(engine, state, t, move)


def steps(
    engine: Engine, state: ConversationState, t: Translator, *moves: tuple[str, str] | Input
) -> tuple[ConversationState, Outcome]:
    """Several inputs in a row; a tuple is a button press (action, arg) with the current seq."""
    outcome: Outcome | None = None
    for move in moves:
        outcome = apply(engine, state, t, move)
        state = new_state(outcome)
    assert outcome is not None
    return state, outcome


# The sample field with q_yesno = nein: yesno, multi, scale, text (4 shown questions).
TO_MULTI_NO = (("pick", "nein"),)
TO_SCALE_NO = (*TO_MULTI_NO, ("tog", "sprache"), ("done", ""))
TO_TEXT_NO = (*TO_SCALE_NO, ("pick", "3"))
TO_REVIEW_NO = (*TO_TEXT_NO, Text("Alles gut"))
# ... and with q_yesno = ja: all five.
TO_SINGLE_YES = (("pick", "ja"),)
TO_MULTI_YES = (*TO_SINGLE_YES, ("pick", "gut"))
TO_REVIEW_YES = (*TO_MULTI_YES, ("tog", "sprache"), ("done", ""), ("pick", "4"), ("skip", ""))


def at(engine: Engine, t: Translator, *moves: tuple[str, str] | Input) -> tuple[ConversationState, Outcome]:
    state, outcome = open_field(engine, t)
    if moves:
        state, outcome = steps(engine, state, t, *moves)
    return state, outcome


def complete_field(engine: Engine, state: ConversationState, t: Translator, field_id: str) -> Outcome:
    _, outcome = steps(engine, state, t, ("open", field_id), *TO_REVIEW_NO, ("send", ""))
    return outcome


def assert_unchanged(before: ConversationState, outcome: Outcome) -> None:
    assert outcome.state is not None
    assert outcome.state.model_dump() == before.model_dump()


# -- before consent -----------------------------------------------------------------------


def test_start_without_consent_shows_welcome_and_consent_request(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Start(), t)
    assert outcome.state is None
    assert outcome.events == ()
    assert "Willkommen bei Mitsprache" in texts(outcome)[0]
    assert "Sind Sie einverstanden?" in texts(outcome)[-1]
    assert [(a, arg) for _, a, arg in buttons(outcome)] == [("agree", ""), ("more", ""), ("decline", "")]
    assert labels(outcome) == ["Ja, einverstanden", "Mehr erfahren", "Nein"]


def test_more_shows_privacy_details_and_stores_nothing(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Press(0, "more"), t)
    assert outcome.state is None
    assert outcome.events == ()
    details = texts(outcome)[0]
    assert "Datenschutz bei Mitsprache" in details
    assert "Statt Ihres Namens speichern wir eine Nummer" in details
    assert "keine Folgen für Ihr Asylverfahren" in details
    assert "Verantwortlich für Ihre Daten: [verantwortliche Stelle" in details  # the placeholder
    # The person can still agree after reading.
    assert "agree" in actions(outcome)


def test_consent_states_what_is_true_of_the_product(engine: Engine, t: Translator) -> None:
    consent_text = engine.handle(None, Start(), t).replies[-1].text
    for fact in (
        "Ihren Namen speichern wir nicht",
        "keine Folgen für Ihr Asylverfahren, Ihren Aufenthalt oder Ihr Geld vom Amt",
        "Das BAMF, die Ausländerbehörde (LEA), das Jobcenter und die Polizei bekommen Ihre Antworten nie",
        "Verantwortlich für Ihre Daten:",
        "Nach 12 Monaten ohne Antwort von Ihnen löschen wir alles.",
        "/delete",
    ):
        assert fact in consent_text
    assert consent_text.endswith("Sind Sie einverstanden?")
    assert len(consent_text) < 700  # short: the details are behind "Mehr erfahren"


def test_consent_names_the_configured_controller_and_retention(
    sample_catalogue: Catalogue, t: Translator
) -> None:
    facts = PrivacyFacts(controller="Die Beauftragte für Integration, Potsdamer Str. 65, 10785 Berlin",
                         retention_months=1)  # fmt: skip
    engine = Engine(sample_catalogue, facts)
    for outcome in (engine.handle(None, Start(), t), engine.handle(None, Press(0, "more"), t)):
        assert "Verantwortlich für Ihre Daten: Die Beauftragte für Integration, Potsdamer Str. 65" in alltext(
            outcome
        )
        assert "Nach 1 Monat ohne Antwort von Ihnen löschen wir alles." in alltext(outcome)
        assert "[verantwortliche Stelle" not in alltext(outcome)
    state = consent(engine, t)
    assert "Potsdamer Str. 65" in alltext(send(engine, state, t, Command("privacy")))


def test_decline_stores_nothing(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Press(0, "decline"), t)
    assert outcome.state is None
    assert outcome.events == ()
    assert "Wir speichern nichts über Sie" in alltext(outcome)
    assert "agree" not in actions(outcome)


def test_text_before_consent_asks_for_consent_again(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Text("Hallo"), t)
    assert outcome.state is None
    assert "agree" in actions(outcome)


def test_agree_asks_the_age_and_stores_nothing(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Press(0, "agree", "gesundheit"), t)
    assert outcome.state is None and outcome.events == ()
    assert texts(outcome) == ["Wie alt sind Sie?"]
    assert buttons(outcome) == [
        ("16 Jahre oder älter", "adult", "gesundheit"),
        ("Jünger als 16 Jahre", "minor", "gesundheit"),
    ]


def test_under_16_is_asked_to_fetch_a_parent_and_nothing_is_stored(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Press(0, "minor", "gesundheit"), t)
    assert outcome.state is None and outcome.events == ()
    assert "Sie sind jünger als 16 Jahre. Dann müssen Ihre Eltern zustimmen." in alltext(outcome)
    assert "Bis dahin speichern wir nichts über Sie." in alltext(outcome)
    assert [(action, arg) for _, action, arg in buttons(outcome)] == [
        ("parents", "gesundheit"), ("more", "gesundheit"), ("decline", ""),
    ]  # fmt: skip
    # Text, commands and "Nein" still store nothing.
    for inp in (Text("15"), Command("mydata"), Press(0, "decline")):
        assert engine.handle(None, inp, t).state is None


def test_a_parents_agreement_gives_consent(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Press(0, "parents", "gesundheit"), t)
    assert outcome.events == (ConsentGiven("de"),)
    state = new_state(outcome)
    assert (state.field, state.after_about) == ("about", "gesundheit")


def test_adult_gives_consent_and_starts_about_block(engine: Engine, t: Translator) -> None:
    outcome = engine.handle(None, Press(0, "adult"), t)
    assert outcome.events == (ConsentGiven("de"),)
    state = new_state(outcome)
    assert state.locale == "de"
    assert state.mode == "field"
    assert state.field == "about"
    all_text = alltext(outcome)
    assert "Zuerst ein paar kurze Fragen über Sie" in all_text  # the about intro
    assert "Über Sie – Frage 1 von 5" in last(outcome).text
    assert "In welchem Berliner Bezirk wohnen Sie?" in last(outcome).text


# -- the about block ----------------------------------------------------------------------


def test_about_every_question_has_one_way_to_decline_and_sending_shows_the_menu(
    engine: Engine, t: Translator
) -> None:
    outcome = engine.handle(None, Press(0, "adult"), t)
    state = new_state(outcome)
    for number in range(1, 6):
        reply = last(outcome)
        assert f"Frage {number} von 5" in reply.text
        assert "skip" not in [action for _, action, _ in reply_buttons(reply)]
        assert "Keine Angabe" in [label for label, _, _ in reply_buttons(reply)]
        outcome = press(engine, state, t, "pick", NO_ANSWER)
        assert len(outcome.events) == 1
        state = new_state(outcome)
    assert REVIEW_TITLE in last(outcome).text
    assert last(outcome).text.count("→ Keine Angabe") == 5
    outcome = press(engine, state, t, "send")
    assert outcome.events == (FieldCompleted("about"),)
    assert "Diese Angaben helfen" in alltext(outcome)  # the about outro
    menu = last(outcome)
    opened = [arg for _, action, arg in reply_buttons(menu) if action == "open"]
    assert [f for f in opened if f != "about"] == list(FIELD_IDS)
    assert "Fertig: 0 von 9" in menu.text
    assert new_state(outcome).mode == "menu"


def test_about_answer_is_stored_as_option_id(engine: Engine, t: Translator) -> None:
    state = consent(engine, t)
    outcome = press(engine, state, t, "pick", "neukoelln")
    assert outcome.events == (AnswerSet("about", "bezirk", "neukoelln"),)
    assert "Frage 2 von 5" in last(outcome).text


# -- the field menu -----------------------------------------------------------------------


def test_menu_shows_the_status_of_each_field(engine: Engine, t: Translator) -> None:
    state = consent(engine, t)
    state = new_state(complete_field(engine, state, t, "wohnen"))
    state, _ = steps(engine, state, t, ("open", FIELD), ("pick", "ja"))
    outcome = send(engine, state, t, Command("fields"))
    menu = last(outcome)
    menu_labels = {arg: label for label, action, arg in reply_buttons(menu) if action == "open"}
    assert menu_labels["ankommen"] == "▶️ Kurz ankommen"
    assert menu_labels["wohnen"] == "✅ Kurz wohnen"
    assert menu_labels["gesundheit"] == "Kurz gesundheit"
    assert "Fertig: 1 von 9" in menu.text
    assert new_state(outcome).mode == "menu"


def test_text_in_the_menu_asks_to_choose_a_field(engine: Engine, t: Translator) -> None:
    state = new_state(send(engine, consent(engine, t), t, Command("fields")))
    outcome = send(engine, state, t, Text("Hallo"))
    assert "Bitte wählen Sie ein Thema aus." in texts(outcome)
    assert outcome.events == ()
    assert "Fertig: 0 von 9" in last(outcome).text


def test_opening_a_field_shows_intro_and_first_question(engine: Engine, t: Translator) -> None:
    _, outcome = open_field(engine, t)
    assert texts(outcome)[0] == "Einleitung ankommen"
    assert last(outcome).text.startswith("Kurz ankommen – Frage 1 von 5")
    assert Q_YESNO in last(outcome).text


# -- yes/no -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["ja", "nein", NO_ANSWER])
def test_yesno_answer_is_stored_as_id(engine: Engine, t: Translator, value: str) -> None:
    state, _ = open_field(engine, t)
    outcome = press(engine, state, t, "pick", value)
    assert answer_events(outcome) == [AnswerSet(FIELD, "q_yesno", value)]
    assert new_state(outcome).fields[FIELD].answers["q_yesno"] == value


def test_yesno_buttons(engine: Engine, t: Translator) -> None:
    _, outcome = open_field(engine, t)
    picks = [(label, arg) for label, action, arg in buttons(outcome) if action == "pick"]
    assert picks == [("Ja", "ja"), ("Nein", "nein"), ("Keine Angabe", NO_ANSWER)]


# -- single choice ------------------------------------------------------------------------


def test_single_choice_is_stored_as_option_id(engine: Engine, t: Translator) -> None:
    state, outcome = at(engine, t, *TO_SINGLE_YES)
    assert Q_SINGLE in last(outcome).text
    picks = [(label, arg) for label, action, arg in reply_buttons(last(outcome)) if action == "pick"]
    assert picks == [("Gut", "gut"), ("Schlecht", "schlecht"), ("Keine Angabe", NO_ANSWER)]
    outcome = press(engine, state, t, "pick", "schlecht")
    assert outcome.events == (AnswerSet(FIELD, "q_single", "schlecht"),)
    assert Q_MULTI in last(outcome).text


# -- multiple choice ----------------------------------------------------------------------


def multi_boxes(outcome: Outcome) -> dict[str, str]:
    """Option id -> its checkbox label on the current multiple-choice question."""
    return {arg: label for label, action, arg in reply_buttons(last(outcome)) if action == "tog"}


def test_multi_toggles_options_on_and_off(engine: Engine, t: Translator) -> None:
    state, outcome = at(engine, t, *TO_MULTI_NO)
    assert multi_boxes(outcome) == {
        "sprache": "☐ Sprache",
        "wartezeit": "☐ Wartezeit",
        "kosten": "☐ Kosten",
        NO_ANSWER: "☐ Keine Angabe",
    }
    assert ("Fertig", "done", "") in buttons(outcome)
    assert "bis zu 2 Antworten" in last(outcome).text

    outcome = press(engine, state, t, "tog", "sprache")
    state = new_state(outcome)
    assert outcome.events == ()  # nothing is stored before "Fertig"
    assert last(outcome).replaces_pressed
    assert multi_boxes(outcome)["sprache"] == "☑ Sprache"
    assert state.fields[FIELD].selection == ["sprache"]

    outcome = press(engine, state, t, "tog", "sprache")
    assert multi_boxes(outcome)["sprache"] == "☐ Sprache"
    assert new_state(outcome).fields[FIELD].selection == []


def test_multi_no_answer_is_exclusive(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO, ("tog", "sprache"), ("tog", "kosten"))
    outcome = press(engine, state, t, "tog", NO_ANSWER)
    state = new_state(outcome)
    boxes = multi_boxes(outcome)
    assert boxes[NO_ANSWER] == "☑ Keine Angabe"
    assert boxes["sprache"] == "☐ Sprache" and boxes["kosten"] == "☐ Kosten"
    assert state.fields[FIELD].selection == [NO_ANSWER]

    # Choosing a real option again removes "Keine Angabe".
    outcome = press(engine, state, t, "tog", "wartezeit")
    assert multi_boxes(outcome)[NO_ANSWER] == "☐ Keine Angabe"
    assert new_state(outcome).fields[FIELD].selection == ["wartezeit"]


def test_multi_no_answer_alone_is_stored_as_list(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO, ("tog", NO_ANSWER))
    outcome = press(engine, state, t, "done")
    assert outcome.events == (AnswerSet(FIELD, "q_multi", [NO_ANSWER]),)


def test_multi_more_than_max_gives_error_and_keeps_selection(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO, ("tog", "sprache"), ("tog", "wartezeit"))
    outcome = press(engine, state, t, "tog", "kosten")
    assert "Sie können höchstens 2 Antworten wählen." in texts(outcome)
    assert outcome.events == ()
    assert new_state(outcome).fields[FIELD].selection == ["sprache", "wartezeit"]
    boxes = multi_boxes(outcome)
    assert boxes["kosten"] == "☐ Kosten"
    assert boxes["sprache"] == "☑ Sprache" and boxes["wartezeit"] == "☑ Wartezeit"


def test_multi_done_with_fewer_than_min_gives_error(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO)
    outcome = press(engine, state, t, "done")
    assert "Bitte wählen Sie mindestens 1 Antwort." in texts(outcome)
    assert outcome.events == ()
    assert Q_MULTI in last(outcome).text
    assert "q_multi" not in new_state(outcome).fields[FIELD].answers


def test_multi_answer_is_a_list_of_ids_in_definition_order(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO, ("tog", "kosten"), ("tog", "sprache"))
    outcome = press(engine, state, t, "done")
    assert outcome.events == (AnswerSet(FIELD, "q_multi", ["sprache", "kosten"]),)
    assert new_state(outcome).fields[FIELD].selection == []
    assert Q_SCALE in last(outcome).text


def test_multi_typed_label_toggles_the_option(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO)
    outcome = send(engine, state, t, Text("wartezeit "))
    assert outcome.events == ()
    assert new_state(outcome).fields[FIELD].selection == ["wartezeit"]


EXCLUSIVE_FIELD = """\
id: ankommen
title: Ankommen und Bleiben
short_title: Ankommen
intro: Einleitung
outro: Danke
questions:
  - id: orte
    type: multi
    text: Wo fühlen Sie sich unsicher?
    options:
      - {id: strasse, label: Auf der Straße}
      - {id: bahn, label: In der Bahn}
      - {id: nirgends, label: Nirgends, exclusive: true}
  - id: sonstiges
    type: text
    text: Noch etwas?
    optional: true
"""


@pytest.fixture
def exclusive_engine(tmp_path: Path) -> Engine:
    directory = write_sample_catalogue(tmp_path / "q")
    (directory / "ankommen.yaml").write_text(EXCLUSIVE_FIELD, encoding="utf-8")
    return Engine(load_catalogue(directory))


def test_an_exclusive_option_clears_the_others_and_is_cleared_by_them(
    exclusive_engine: Engine, t: Translator
) -> None:
    state, _ = at(exclusive_engine, t, ("tog", "strasse"), ("tog", "bahn"))
    assert state.fields[FIELD].selection == ["strasse", "bahn"]
    outcome = press(exclusive_engine, state, t, "tog", "nirgends")
    state = new_state(outcome)
    assert state.fields[FIELD].selection == ["nirgends"]
    boxes = multi_boxes(outcome)
    assert boxes["nirgends"] == "☑ Nirgends" and boxes["strasse"] == "☐ Auf der Straße"
    outcome = press(exclusive_engine, state, t, "tog", "bahn")
    state = new_state(outcome)
    assert state.fields[FIELD].selection == ["bahn"]
    assert multi_boxes(outcome)["nirgends"] == "☐ Nirgends"
    # And "Nirgends" alone is an answer of its own.
    state, outcome = steps(exclusive_engine, state, t, ("tog", "nirgends"), ("done", ""))
    assert outcome.events == (AnswerSet(FIELD, "orte", ["nirgends"]),)


def test_an_exclusive_option_typed_clears_the_others(exclusive_engine: Engine, t: Translator) -> None:
    state, _ = at(exclusive_engine, t, ("tog", "strasse"), Text("nirgends"))
    assert state.fields[FIELD].selection == ["nirgends"]


def test_changing_an_exclusive_answer_later_starts_from_it(exclusive_engine: Engine, t: Translator) -> None:
    state, _ = at(exclusive_engine, t, ("tog", "nirgends"), ("done", ""), ("back", ""))
    assert state.fields[FIELD].selection == ["nirgends"]  # preloaded from the stored answer
    state, outcome = steps(exclusive_engine, state, t, ("tog", "strasse"), ("done", ""))
    assert outcome.events == (AnswerSet(FIELD, "orte", ["strasse"]),)


def test_multi_forged_option_is_rejected(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO)
    outcome = press(engine, state, t, "tog", "erfunden")
    assert any(STALE in text for text in texts(outcome))
    assert outcome.events == ()
    assert new_state(outcome).fields[FIELD].selection == []
    assert Q_MULTI in last(outcome).text


# -- scale --------------------------------------------------------------------------------


def test_scale_buttons_carry_number_face_and_word(engine: Engine, t: Translator) -> None:
    _, outcome = at(engine, t, *TO_SCALE_NO)
    reply = last(outcome)
    assert "1 =" not in reply.text  # nothing to decode: the words are on the buttons
    assert [reply_buttons(Reply("", (row,)))[0] for row in reply.buttons[:6]] == [
        ("1 😞 Sehr unzufrieden", "pick", "1"),
        ("2 🙁 Unzufrieden", "pick", "2"),
        ("3 😐 Mittel", "pick", "3"),
        ("4 🙂 Zufrieden", "pick", "4"),
        ("5 😀 Sehr zufrieden", "pick", "5"),
        ("Keine Angabe", "pick", NO_ANSWER),
    ]


def test_scale_words_without_faces_where_a_face_would_judge(t: Translator) -> None:
    assert [scales.label("sehr", v, t) for v in (1, 5)] == ["1 Gar nicht", "5 Sehr viel"]
    assert [scales.label("wissen", v, t) for v in (1, 4)] == ["1 Gar nicht", "4 Gut"]


def test_scale_typed_word_is_accepted(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    outcome = send(engine, state, t, Text(" sehr zufrieden"))
    assert outcome.events == (AnswerSet(FIELD, "q_scale", 5),)


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5])
def test_scale_button_stores_an_int(engine: Engine, t: Translator, value: int) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    outcome = press(engine, state, t, "pick", str(value))
    assert outcome.events == (AnswerSet(FIELD, "q_scale", value),)
    stored = new_state(outcome).fields[FIELD].answers["q_scale"]
    assert stored == value and isinstance(stored, int)


def test_scale_no_answer_button(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    outcome = press(engine, state, t, "pick", NO_ANSWER)
    assert outcome.events == (AnswerSet(FIELD, "q_scale", NO_ANSWER),)


def test_scale_typed_number_works(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    outcome = send(engine, state, t, Text(" 3 "))
    assert outcome.events == (AnswerSet(FIELD, "q_scale", 3),)
    assert Q_TEXT in last(outcome).text


@pytest.mark.parametrize("typed", ["7", "0", "abc", "3.5", ""])
def test_scale_typed_invalid_asks_again(engine: Engine, t: Translator, typed: str) -> None:
    state, before = at(engine, t, *TO_SCALE_NO)
    outcome = send(engine, state, t, Text(typed))
    assert texts(outcome)[0] == "Bitte tippen Sie auf eine der Antworten unten."
    assert outcome.events == ()
    assert last(outcome).text == last(before).text
    assert_unchanged(state, outcome)


@pytest.mark.parametrize("arg", ["0", "6", "drei", "-1"])
def test_scale_forged_value_is_rejected(engine: Engine, t: Translator, arg: str) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    outcome = press(engine, state, t, "pick", arg)
    assert outcome.events == ()
    assert Q_SCALE in last(outcome).text
    assert_unchanged(state, outcome)


def test_scale_typed_keine_angabe_is_accepted(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    outcome = send(engine, state, t, Text("keine angabe"))
    assert outcome.events == (AnswerSet(FIELD, "q_scale", NO_ANSWER),)


# -- free text ----------------------------------------------------------------------------


def test_text_question_has_no_choice_buttons(engine: Engine, t: Translator) -> None:
    _, outcome = at(engine, t, *TO_TEXT_NO)
    reply = last(outcome)
    assert Q_TEXT in reply.text
    assert reply.expects_text
    assert "höchstens 50 Zeichen" in reply.text
    assert {action for _, action, _ in reply_buttons(reply)} == {"back", "skip", "pause"}
    assert "Keine Angabe" not in [label for label, _, _ in reply_buttons(reply)]


def test_text_answer_is_stored_stripped(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_TEXT_NO)
    outcome = send(engine, state, t, Text("  Mehr Dolmetscher bitte.\n "))
    assert outcome.events == (AnswerSet(FIELD, "q_text", "Mehr Dolmetscher bitte."),)
    assert REVIEW_TITLE in last(outcome).text


@pytest.mark.parametrize("typed", ["", "   ", "\n\t"])
def test_text_empty_gives_error(engine: Engine, t: Translator, typed: str) -> None:
    state, _ = at(engine, t, *TO_TEXT_NO)
    outcome = send(engine, state, t, Text(typed))
    assert "Bitte schreiben Sie Ihre Antwort als Text." in texts(outcome)
    assert outcome.events == ()
    assert Q_TEXT in last(outcome).text
    assert_unchanged(state, outcome)


def test_text_over_the_limit_gives_error_with_length_and_limit(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_TEXT_NO)
    outcome = send(engine, state, t, Text("x" * 51))
    error = texts(outcome)[0]
    assert "51 Zeichen" in error
    assert "höchstens 50" in error
    assert outcome.events == ()
    assert "q_text" not in new_state(outcome).fields[FIELD].answers
    assert Q_TEXT in last(outcome).text
    assert_unchanged(state, outcome)


def test_text_exactly_at_the_limit_is_accepted(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_TEXT_NO)
    outcome = send(engine, state, t, Text("y" * 50 + "   "))
    assert outcome.events == (AnswerSet(FIELD, "q_text", "y" * 50),)


# -- typed text where a button is expected ------------------------------------------------


@pytest.mark.parametrize("moves", [(), TO_SINGLE_YES], ids=["yesno", "single"])
def test_unknown_text_on_a_button_question_asks_to_tap(
    engine: Engine, t: Translator, moves: tuple[tuple[str, str], ...]
) -> None:
    state, before = at(engine, t, *moves)
    outcome = send(engine, state, t, Text("vielleicht"))
    assert texts(outcome)[0] == "Bitte tippen Sie auf eine der Antworten unten."
    assert outcome.events == ()
    assert last(outcome).text == last(before).text
    assert reply_buttons(last(outcome)) == reply_buttons(last(before))
    assert_unchanged(state, outcome)


@pytest.mark.parametrize(
    ("moves", "typed", "question", "value"),
    [
        ((), "JA", "q_yesno", "ja"),
        ((), " nein ", "q_yesno", "nein"),
        ((), "keine ANGABE", "q_yesno", NO_ANSWER),
        (TO_SINGLE_YES, "SCHLECHT", "q_single", "schlecht"),
        (TO_SINGLE_YES, "Keine Angabe", "q_single", NO_ANSWER),
    ],
)
def test_typed_label_is_accepted_case_insensitively(
    engine: Engine,
    t: Translator,
    moves: tuple[tuple[str, str], ...],
    typed: str,
    question: str,
    value: str,
) -> None:
    state, _ = at(engine, t, *moves)
    outcome = send(engine, state, t, Text(typed))
    assert outcome.events == (AnswerSet(FIELD, question, value),)


ENGLISH = {"Gut": "Good", "Schlecht": "Bad", "Ja": "Yes", "Nein": "No", "Keine Angabe": "No answer"}


class _EnglishLabels(gettext.NullTranslations):
    """Translates the sample options' labels, to see that ids (not labels) are stored."""

    def gettext(self, message: str) -> str:
        return ENGLISH.get(message, message)

    def pgettext(self, context: str, message: str) -> str:
        return ENGLISH.get(message, message)


def test_choice_answers_are_stored_as_ids_not_display_text(engine: Engine) -> None:
    en = Translator(locale="en", catalog=_EnglishLabels())
    state, outcome = open_field(engine, en)
    assert ("Yes", "pick", "ja") in buttons(outcome)
    state, outcome = steps(engine, state, en, Text("yes"))
    assert outcome.events == (AnswerSet(FIELD, "q_yesno", "ja"),)
    assert ("Good", "pick", "gut") in buttons(outcome)
    outcome = send(engine, state, en, Text("good"))
    assert outcome.events == (AnswerSet(FIELD, "q_single", "gut"),)
    outcome = press(engine, state, en, "pick", "schlecht")
    assert outcome.events == (AnswerSet(FIELD, "q_single", "schlecht"),)
    outcome = press(engine, state, en, "pick", NO_ANSWER)
    assert outcome.events == (AnswerSet(FIELD, "q_single", NO_ANSWER),)


def test_every_stored_choice_value_is_a_known_id(
    engine: Engine, t: Translator, sample_catalogue: Catalogue
) -> None:
    state, _ = open_field(engine, t)
    questionnaire = sample_catalogue.get(FIELD)
    assert questionnaire is not None
    events: list[AnswerSet] = []
    for move in TO_REVIEW_YES:
        outcome = apply(engine, state, t, move)
        events += answer_events(outcome)
        state = new_state(outcome)
    assert [e.question for e in events] == ["q_yesno", "q_single", "q_multi", "q_scale"]
    for event in events:
        question = questionnaire.question(event.question)
        assert question is not None
        values = event.value if isinstance(event.value, list) else [event.value]
        assert all(v in question.answer_ids() for v in values)


# -- "Keine Angabe" on every choice question ----------------------------------------------


@pytest.mark.parametrize(
    ("moves", "question", "action"),
    [
        ((), Q_YESNO, "pick"),
        (TO_SINGLE_YES, Q_SINGLE, "pick"),
        (TO_MULTI_NO, Q_MULTI, "tog"),
        (TO_SCALE_NO, Q_SCALE, "pick"),
    ],
    ids=["yesno", "single", "multi", "scale"],
)
def test_keine_angabe_is_offered_on_every_choice_question(
    engine: Engine, t: Translator, moves: tuple[tuple[str, str], ...], question: str, action: str
) -> None:
    _, outcome = at(engine, t, *moves)
    assert question in last(outcome).text
    offered = [(label, a) for label, a, arg in reply_buttons(last(outcome)) if arg == NO_ANSWER]
    assert len(offered) == 1
    label, offered_action = offered[0]
    assert label.endswith("Keine Angabe")
    assert offered_action == action


def test_keine_angabe_is_not_offered_on_text(engine: Engine, t: Translator) -> None:
    _, outcome = at(engine, t, *TO_TEXT_NO)
    assert all(arg != NO_ANSWER and "Keine Angabe" not in label for label, _, arg in buttons(outcome))


# -- progress and show_if -----------------------------------------------------------------


def test_progress_counts_all_five_with_ja(engine: Engine, t: Translator) -> None:
    state, outcome = open_field(engine, t)
    assert "Frage 1 von 5" in last(outcome).text  # the follow-up is still possible
    seen = []
    for move in TO_REVIEW_YES[:-1]:
        outcome = press(engine, state, t, *move)
        state = new_state(outcome)
        heading = last(outcome).text.split("\n")[0]
        if heading not in seen:  # a toggle redraws the same question
            seen.append(heading)
    assert seen == [f"Kurz ankommen – Frage {n} von 5" for n in range(2, 6)]


def test_progress_counts_four_with_nein(engine: Engine, t: Translator) -> None:
    state, outcome = open_field(engine, t)
    seen = []
    for move in TO_TEXT_NO:
        outcome = press(engine, state, t, *move)
        state = new_state(outcome)
        heading = last(outcome).text.split("\n")[0]
        if heading not in seen:  # a toggle redraws the same question
            seen.append(heading)
    assert seen == [f"Kurz ankommen – Frage {n} von 4" for n in range(2, 5)]


def test_nein_skips_the_follow_up(engine: Engine, t: Translator) -> None:
    state, _ = open_field(engine, t)
    outcome = press(engine, state, t, "pick", "nein")
    assert Q_MULTI in last(outcome).text
    assert Q_SINGLE not in alltext(outcome)
    state, outcome = steps(engine, new_state(outcome), t, *TO_REVIEW_NO[1:])
    assert REVIEW_TITLE in last(outcome).text
    assert Q_SINGLE not in last(outcome).text
    assert ("✎ 1", "edit", "q_yesno") in buttons(outcome)
    assert "q_single" not in [arg for _, action, arg in buttons(outcome) if action == "edit"]


def test_changing_ja_to_nein_clears_the_follow_up(engine: Engine, t: Translator) -> None:
    state, outcome = at(engine, t, *TO_MULTI_YES, ("back", ""), ("back", ""))
    assert Q_YESNO in last(outcome).text
    outcome = press(engine, state, t, "pick", "nein")
    assert outcome.events == (
        AnswerSet(FIELD, "q_yesno", "nein"),
        AnswerCleared(FIELD, "q_single"),
    )
    assert "q_single" not in new_state(outcome).fields[FIELD].answers
    assert Q_MULTI in last(outcome).text
    assert "Frage 2 von 4" in last(outcome).text


def test_changing_ja_to_nein_from_the_review_clears_the_follow_up(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_REVIEW_YES, ("edit", "q_yesno"))
    outcome = press(engine, state, t, "pick", "nein")
    assert AnswerCleared(FIELD, "q_single") in outcome.events
    assert REVIEW_TITLE in last(outcome).text
    assert Q_SINGLE not in last(outcome).text


def test_changing_nein_to_ja_asks_the_follow_up_next(engine: Engine, t: Translator) -> None:
    state, outcome = at(engine, t, *TO_MULTI_NO, ("back", ""))
    assert Q_YESNO in last(outcome).text
    outcome = press(engine, state, t, "pick", "ja")
    assert outcome.events == (AnswerSet(FIELD, "q_yesno", "ja"),)
    assert Q_SINGLE in last(outcome).text
    assert "Frage 2 von 5" in last(outcome).text


def test_changing_nein_to_ja_from_the_review_asks_the_follow_up(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_REVIEW_NO, ("edit", "q_yesno"))
    state, outcome = steps(engine, state, t, ("pick", "ja"))
    assert Q_SINGLE in last(outcome).text
    outcome = press(engine, state, t, "pick", "gut")
    assert REVIEW_TITLE in last(outcome).text
    assert Q_SINGLE in last(outcome).text


# -- back ---------------------------------------------------------------------------------


def test_back_shows_the_previous_question_with_the_earlier_answer(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SINGLE_YES)
    outcome = press(engine, state, t, "back")
    reply = last(outcome)
    assert Q_YESNO in reply.text
    assert "Ihre bisherige Antwort: Ja" in reply.text
    picks = [(label, arg) for label, action, arg in reply_buttons(reply) if action == "pick"]
    assert picks == [("✓ Ja", "ja"), ("Nein", "nein"), ("Keine Angabe", NO_ANSWER)]
    assert outcome.events == ()


def test_back_skips_hidden_questions(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    outcome = press(engine, state, t, "back")
    assert Q_MULTI in last(outcome).text
    assert "Ihre bisherige Antwort: Sprache" in last(outcome).text
    assert multi_boxes(outcome)["sprache"] == "☑ Sprache"  # the earlier selection is preloaded
    outcome = press(engine, new_state(outcome), t, "back")
    assert Q_YESNO in last(outcome).text  # not the hidden q_single
    assert "Ihre bisherige Antwort: Nein" in last(outcome).text


def test_back_on_a_scale_marks_the_earlier_number(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_TEXT_NO)
    outcome = press(engine, state, t, "back")
    assert ("✓ 3 😐 Mittel", "pick", "3") in buttons(outcome)
    assert "Ihre bisherige Antwort: 3 😐 Mittel" in last(outcome).text


def test_first_question_has_no_back_button(engine: Engine, t: Translator) -> None:
    state, outcome = open_field(engine, t)
    assert "back" not in actions(outcome)
    # A forged "back" changes nothing.
    outcome = press(engine, state, t, "back")
    assert any(STALE in text for text in texts(outcome))
    assert_unchanged(state, outcome)


def test_back_from_the_review_goes_to_the_last_question(engine: Engine, t: Translator) -> None:
    state, outcome = at(engine, t, *TO_REVIEW_NO)
    assert REVIEW_TITLE in last(outcome).text
    assert ("Zurück", "back", "") in buttons(outcome)
    outcome = press(engine, state, t, "back")
    assert Q_TEXT in last(outcome).text
    assert "Ihre bisherige Antwort: Alles gut" in last(outcome).text


# -- skip ---------------------------------------------------------------------------------


def test_only_optional_questions_have_a_skip_button(engine: Engine, t: Translator) -> None:
    state, outcome = open_field(engine, t)
    seen: dict[str, bool] = {}
    for move, question in [
        (("pick", "ja"), "q_yesno"),
        (("pick", "gut"), "q_single"),
        (("tog", "kosten"), "q_multi"),
        (("done", ""), None),
        (("pick", "2"), "q_scale"),
    ]:
        if question is not None:
            seen[question] = "skip" in actions(outcome)
        outcome = press(engine, state, t, *move)
        state = new_state(outcome)
    seen["q_text"] = "skip" in actions(outcome)
    assert seen == {"q_yesno": False, "q_single": False, "q_multi": False, "q_scale": False, "q_text": True}


def test_skipping_an_optional_question(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_TEXT_NO)
    outcome = press(engine, state, t, "skip")
    assert outcome.events == ()
    assert REVIEW_TITLE in last(outcome).text
    assert "(übersprungen)" in last(outcome).text
    assert new_state(outcome).fields[FIELD].skipped == ["q_text"]


def test_skipping_an_answered_optional_question_keeps_the_answer(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_REVIEW_NO, ("edit", "q_text"))
    answer = state.fields[FIELD].answers["q_text"]
    outcome = press(engine, state, t, "skip")
    assert outcome.events == ()
    after = new_state(outcome).fields[FIELD]
    assert after.answers["q_text"] == answer
    assert "q_text" not in after.skipped
    assert REVIEW_TITLE in last(outcome).text
    assert "(übersprungen)" not in last(outcome).text


def test_skipping_an_answered_question_of_a_sent_field_says_nothing_changed(
    engine: Engine, t: Translator
) -> None:
    state, _ = at(engine, t, *TO_REVIEW_NO, ("send", ""), ("open", FIELD), ("edit", "q_text"))
    outcome = press(engine, state, t, "skip")
    assert outcome.events == ()
    assert not any("Ihre Änderung ist gespeichert" in text for text in texts(outcome))
    assert REVIEW_TITLE in last(outcome).text
    assert "q_text" in new_state(outcome).fields[FIELD].answers


@pytest.mark.parametrize("moves", [(), TO_SINGLE_YES, TO_MULTI_NO, TO_SCALE_NO], ids=lambda m: str(len(m)))
def test_forged_skip_on_a_required_question_changes_nothing(
    engine: Engine, t: Translator, moves: tuple[tuple[str, str], ...]
) -> None:
    state, before = at(engine, t, *moves)
    outcome = press(engine, state, t, "skip")
    assert any(STALE in text for text in texts(outcome))
    assert outcome.events == ()
    assert last(outcome).text == last(before).text
    assert_unchanged(state, outcome)


# -- changing an answer from the review ---------------------------------------------------


def test_review_lists_answers_and_edit_buttons(engine: Engine, t: Translator) -> None:
    _, outcome = at(engine, t, *TO_REVIEW_YES)
    review = last(outcome).text
    for fragment in ["→ Ja", "→ Gut", "→ Sprache", "→ 4 🙂 Zufrieden", "→ (übersprungen)"]:
        assert fragment in review
    edits = [(label, arg) for label, action, arg in buttons(outcome) if action == "edit"]
    assert edits == [
        (f"✎ {n}", q) for n, q in enumerate(["q_yesno", "q_single", "q_multi", "q_scale", "q_text"], 1)
    ]
    assert ("Absenden", "send", "") in buttons(outcome)


def test_edit_from_the_review_returns_to_the_review(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_REVIEW_YES)
    outcome = press(engine, state, t, "edit", "q_scale")
    assert outcome.events == ()
    assert Q_SCALE in last(outcome).text
    assert ("✓ 4 🙂 Zufrieden", "pick", "4") in buttons(outcome)
    outcome = press(engine, new_state(outcome), t, "pick", "1")
    assert outcome.events == (AnswerSet(FIELD, "q_scale", 1),)
    assert REVIEW_TITLE in last(outcome).text  # straight back, not through the other questions
    assert "→ 1 😞 Sehr unzufrieden" in last(outcome).text
    state = new_state(outcome)
    assert state.fields[FIELD].answers["q_scale"] == 1
    assert state.fields[FIELD].current == REVIEW


def test_edit_a_multi_answer_from_the_review(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_REVIEW_YES, ("edit", "q_multi"))
    assert state.fields[FIELD].selection == ["sprache"]
    state, outcome = steps(engine, state, t, ("tog", "kosten"), ("done", ""))
    assert outcome.events == (AnswerSet(FIELD, "q_multi", ["sprache", "kosten"]),)
    assert "→ Sprache, Kosten" in last(outcome).text


def test_edit_of_a_hidden_question_is_rejected(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_REVIEW_NO)
    outcome = press(engine, state, t, "edit", "q_single")
    assert any(STALE in text for text in texts(outcome))
    assert_unchanged(state, outcome)


def test_changing_a_sent_field_saves_at_once(engine: Engine, t: Translator) -> None:
    state = consent(engine, t)
    state = new_state(complete_field(engine, state, t, FIELD))
    state, outcome = steps(engine, state, t, ("open", FIELD))
    assert REVIEW_TITLE in last(outcome).text  # a done field opens at its review
    state, outcome = steps(engine, state, t, ("edit", "q_scale"), ("pick", "5"))
    assert outcome.events == (AnswerSet(FIELD, "q_scale", 5),)
    assert "Ihre Änderung ist gespeichert." in texts(outcome)
    assert REVIEW_TITLE in last(outcome).text


# -- pause and resume ---------------------------------------------------------------------


def test_pause_and_start_show_the_same_question(engine: Engine, t: Translator) -> None:
    state, before = at(engine, t, *TO_SCALE_NO)
    outcome = press(engine, state, t, "pause")
    paused = new_state(outcome)
    assert paused.mode == "paused"
    assert "Pause" in last(outcome).text
    assert ("Weitermachen", "resume", "") in buttons(outcome)
    assert outcome.events == ()

    resumed = send(engine, paused, t, Start())
    assert last(resumed).text == last(before).text
    assert "Frage 3 von 4" in last(resumed).text
    assert reply_buttons(last(resumed)) == reply_buttons(last(before))
    assert new_state(resumed).mode == "field"


def test_pause_and_resume_button(engine: Engine, t: Translator) -> None:
    state, before = at(engine, t, *TO_MULTI_YES)
    paused = new_state(press(engine, state, t, "pause"))
    outcome = press(engine, paused, t, "resume")
    assert last(outcome).text == last(before).text
    assert outcome.events == ()


def test_text_while_paused_shows_the_pause(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_TEXT_NO)
    paused = new_state(press(engine, state, t, "pause"))
    outcome = send(engine, paused, t, Text("hallo"))
    assert outcome.events == ()  # not stored as the free-text answer
    assert "Sie haben eine Pause gemacht." in texts(outcome)
    assert ("Weitermachen", "resume", "") in buttons(outcome)


def test_multi_selection_survives_pause_and_resume(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO, ("tog", "wartezeit"))
    state, _ = steps(engine, state, t, ("pause", ""), Start())
    assert state.fields[FIELD].selection == ["wartezeit"]
    state, outcome = steps(engine, state, t, ("pause", ""), ("resume", ""))
    assert multi_boxes(outcome)["wartezeit"] == "☑ Wartezeit"
    outcome = press(engine, state, t, "done")
    assert outcome.events == (AnswerSet(FIELD, "q_multi", ["wartezeit"]),)


def test_resume_after_interruption_from_serialised_state(engine: Engine, t: Translator) -> None:
    state, before = at(engine, t, *TO_TEXT_NO)
    stored = json.dumps(state.model_dump(mode="json"))
    restored = ConversationState.model_validate(json.loads(stored))
    assert restored.fields[FIELD].answers["q_scale"] == 3  # still an int
    outcome = send(engine, restored, t, Start())
    assert "Willkommen zurück!" in texts(outcome)[0]
    assert last(outcome).text == last(before).text
    assert reply_buttons(last(outcome)) == reply_buttons(last(before))
    assert outcome.events == ()


def test_resume_after_interruption_keeps_multi_selection(engine: Engine, t: Translator) -> None:
    state, before = at(engine, t, *TO_MULTI_NO, ("tog", "kosten"))
    restored = ConversationState.model_validate(state.model_dump(mode="json"))
    outcome = send(engine, restored, t, Start())
    assert last(outcome).text == last(before).text
    assert multi_boxes(outcome)["kosten"] == "☑ Kosten"


# -- finishing a field --------------------------------------------------------------------


def test_finishing_a_field_offers_the_next_one(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_REVIEW_NO)
    outcome = press(engine, state, t, "send")
    assert outcome.events == (FieldCompleted(FIELD),)
    # The outro says how people hear about the results, and points to the invitations.
    assert texts(outcome)[0] == (
        "Danke ankommen\n\nÜber die Ergebnisse sprechen wir bei Veranstaltungen. "
        "Mit /subscribe bekommen Sie Einladungen und Neuigkeiten hier im Chat."
    )
    assert ("Weiter mit: Kurz wohnen", "open", "wohnen") in buttons(outcome)
    assert ("Zur Übersicht", "menu", "") in buttons(outcome)
    state = new_state(outcome)
    assert state.status(FIELD) == "done"
    assert state.mode == "menu"


def test_finishing_skips_done_fields_and_wraps_around(engine: Engine, t: Translator) -> None:
    state = consent(engine, t)
    state = new_state(complete_field(engine, state, t, "gesundheit"))
    outcome = complete_field(engine, state, t, "wohnen")
    assert ("Weiter mit: Kurz familie", "open", "familie") in buttons(outcome)
    # After the last field it starts again at the top.
    outcome = complete_field(engine, new_state(outcome), t, "demokratie")
    assert ("Weiter mit: Kurz ankommen", "open", "ankommen") in buttons(outcome)


def test_finishing_all_nine_fields(engine: Engine, t: Translator) -> None:
    state = consent(engine, t)
    outcome: Outcome | None = None
    for field_id in FIELD_IDS:
        outcome = complete_field(engine, state, t, field_id)
        assert FieldCompleted(field_id) in outcome.events
        state = new_state(outcome)
    assert outcome is not None
    assert "Sie haben alle neun Themen beantwortet" in alltext(outcome)
    assert not any(label.startswith("Weiter mit") for label in labels(outcome))
    menu = send(engine, state, t, Command("fields"))
    assert "Fertig: 9 von 9" in last(menu).text
    assert all(label.startswith("✅") for label, action, arg in buttons(menu) if arg in FIELD_IDS)


def test_send_is_only_possible_from_the_review(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    outcome = press(engine, state, t, "send")
    assert outcome.events == ()
    assert any(STALE in text for text in texts(outcome))
    assert_unchanged(state, outcome)


# -- stale and forged buttons -------------------------------------------------------------


def test_double_tap_is_answered_once(engine: Engine, t: Translator) -> None:
    state, _ = open_field(engine, t)
    tap = Press(state.seq, "pick", "ja")
    first = engine.handle(state, tap, t)
    assert first.events == (AnswerSet(FIELD, "q_yesno", "ja"),)
    second = engine.handle(new_state(first), tap, t)
    assert any(STALE in text for text in texts(second))
    assert answer_events(second) == []
    assert Q_SINGLE in last(second).text  # the current question, not the old one
    assert_unchanged(new_state(first), second)


def test_double_tap_on_a_toggle_counts_once(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO)
    tap = Press(state.seq, "tog", "sprache")
    first = engine.handle(state, tap, t)
    second = engine.handle(new_state(first), tap, t)
    assert any(STALE in text for text in texts(second))
    assert new_state(second).fields[FIELD].selection == ["sprache"]  # not toggled off again
    assert multi_boxes(second)["sprache"] == "☑ Sprache"


def test_old_button_of_an_earlier_question_is_not_applied(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    old_seq = state.seq
    state, outcome = steps(engine, state, t, ("pick", "2"), ("back", ""))
    assert Q_SCALE in last(outcome).text
    outcome = engine.handle(state, Press(old_seq, "pick", "5"), t)
    assert any(STALE in text for text in texts(outcome))
    assert outcome.events == ()
    assert_unchanged(state, outcome)


def test_double_tap_on_send_completes_once(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_REVIEW_NO)
    tap = Press(state.seq, "send")
    first = engine.handle(state, tap, t)
    second = engine.handle(new_state(first), tap, t)
    assert first.events == (FieldCompleted(FIELD),)
    assert second.events == ()


def test_forged_option_id_is_rejected(engine: Engine, t: Translator) -> None:
    state, before = at(engine, t, *TO_SINGLE_YES)
    outcome = press(engine, state, t, "pick", "vielleicht")
    assert outcome.events == ()
    assert any(STALE in text for text in texts(outcome))
    assert last(outcome).text == last(before).text
    assert_unchanged(state, outcome)


@pytest.mark.parametrize(
    ("action", "arg"),
    [("open", "nirgendwo"), ("explode", ""), ("edit", "q_scale"), ("resume", ""), ("done", "")],
)
def test_forged_actions_change_nothing(engine: Engine, t: Translator, action: str, arg: str) -> None:
    state, _ = at(engine, t, *TO_SINGLE_YES)
    outcome = press(engine, state, t, action, arg)
    assert outcome.events == ()
    assert any(STALE in text for text in texts(outcome))
    assert Q_SINGLE in last(outcome).text
    assert_unchanged(state, outcome)


# -- unsupported input --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location"])
def test_unsupported_input_repeats_the_question(engine: Engine, t: Translator, kind: str) -> None:
    state, before = at(engine, t, *TO_MULTI_NO)
    outcome = send(engine, state, t, Unsupported(kind))
    assert "Das kann ich leider nicht lesen" in texts(outcome)[0]
    assert last(outcome).text == last(before).text
    assert outcome.events == ()
    assert_unchanged(state, outcome)


# -- purity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inp",
    [
        Start(),
        Text("Ja"),
        Text("unsinn"),
        Unsupported("sticker"),
        Command("fields"),
        Command("pause"),
        Press(0, "pick", "ja"),  # seq fixed below
        Press(0, "open", "wohnen"),
        Press(0, "pause"),
    ],
)
def test_engine_does_not_mutate_the_given_state(engine: Engine, t: Translator, inp: Input) -> None:
    state, _ = open_field(engine, t)
    if isinstance(inp, Press):
        inp = Press(state.seq, inp.action, inp.arg)
    before = state.model_dump()
    outcome = engine.handle(state, inp, t)
    assert state.model_dump() == before
    assert outcome.state is not state


def test_engine_does_not_mutate_state_on_multi_toggle(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_MULTI_NO)
    before = state.model_dump()
    press(engine, state, t, "tog", "sprache")
    press(engine, state, t, "done")
    assert state.model_dump() == before


# -- states saved under older definitions -------------------------------------------------


def old_state(**progress: object) -> ConversationState:
    return ConversationState(
        locale="de",
        seq=7,
        mode="field",
        field=FIELD,
        fields={FIELD: FieldProgress.model_validate({"status": "in_progress", **progress})},
    )


def test_repair_unknown_current_question(engine: Engine, t: Translator) -> None:
    state = old_state(current="q_entfernt", answers={"q_yesno": "nein"})
    outcome = send(engine, state, t, Start())
    assert Q_MULTI in last(outcome).text  # the first open question
    assert new_state(outcome).fields[FIELD].current == "q_multi"
    assert outcome.events == ()


def test_repair_drops_answers_to_unknown_questions(engine: Engine, t: Translator) -> None:
    state = old_state(
        current="q_scale",
        answers={"q_yesno": "nein", "q_multi": ["sprache"], "q_alt": "x"},
        skipped=["q_weg"],
    )
    outcome = send(engine, state, t, Text("4"))
    assert outcome.events == (AnswerSet(FIELD, "q_scale", 4),)
    fp = new_state(outcome).fields[FIELD]
    assert "q_alt" not in fp.answers
    assert fp.skipped == []
    assert Q_TEXT in last(outcome).text


def test_repair_review_with_an_open_question(engine: Engine, t: Translator) -> None:
    state = old_state(current=REVIEW, answers={"q_yesno": "nein", "q_multi": ["sprache"]})
    outcome = send(engine, state, t, Start())
    assert Q_SCALE in last(outcome).text


def test_repair_current_question_hidden_by_an_answer(engine: Engine, t: Translator) -> None:
    state = old_state(current="q_single", answers={"q_yesno": "nein"})
    outcome = send(engine, state, t, Start())
    assert Q_MULTI in last(outcome).text


def test_repair_unknown_field(engine: Engine, t: Translator) -> None:
    state = ConversationState(
        locale="de",
        seq=3,
        mode="field",
        field="abgeschafft",
        fields={"abgeschafft": FieldProgress(status="in_progress", current="q1")},
    )
    outcome = send(engine, state, t, Start())
    repaired = new_state(outcome)
    assert repaired.mode == "menu"
    assert repaired.field is None
    assert "abgeschafft" not in repaired.fields
    assert "Fertig: 0 von 9" in last(outcome).text


def test_repair_paused_in_unknown_field(engine: Engine, t: Translator) -> None:
    state = ConversationState(locale="de", seq=3, mode="paused", field="abgeschafft")
    outcome = send(engine, state, t, Press(3, "resume"))
    assert new_state(outcome).mode == "menu"
    assert "Fertig: 0 von 9" in last(outcome).text


def test_press_on_a_removed_question_is_not_stored_for_another(engine: Engine, t: Translator) -> None:
    # The person saw an (old) yes/no question 'q_entfernt', rendered for seq 7, and taps "Ja".
    state = old_state(current="q_entfernt")
    outcome = engine.handle(state, Press(7, "pick", "ja"), t)
    assert answer_events(outcome) == []
    assert Q_YESNO in last(outcome).text


def test_selection_with_a_removed_option_does_not_crash(engine: Engine, t: Translator) -> None:
    state = old_state(current="q_multi", answers={"q_yesno": "nein"}, selection=["sprache", "entfernt"])
    outcome = press(engine, state, t, "done")
    assert outcome.events == (AnswerSet(FIELD, "q_multi", ["sprache"]),)


# -- commands -----------------------------------------------------------------------------


def test_command_fields_shows_the_menu(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SCALE_NO)
    outcome = send(engine, state, t, Command("fields"))
    assert "Es gibt neun Themen" in last(outcome).text
    assert len([1 for _, action, _ in buttons(outcome) if action == "open"]) == 10  # nine + about
    assert new_state(outcome).mode == "menu"
    # The field keeps its place: opening it again continues at the scale question.
    outcome = press(engine, new_state(outcome), t, "open", FIELD)
    assert Q_SCALE in last(outcome).text
    assert "Einleitung" not in alltext(outcome)


def test_command_help(engine: Engine, t: Translator) -> None:
    state, before = at(engine, t, *TO_SINGLE_YES)
    outcome = send(engine, state, t, Command("help"))
    assert "So geht Mitsprache" in texts(outcome)[0]
    assert "/pause" in texts(outcome)[0]
    assert last(outcome).text == last(before).text
    assert outcome.events == ()


def test_command_pause(engine: Engine, t: Translator) -> None:
    state, _ = at(engine, t, *TO_SINGLE_YES)
    outcome = send(engine, state, t, Command("pause"))
    assert new_state(outcome).mode == "paused"
    assert ("Weitermachen", "resume", "") in buttons(outcome)


def test_command_pause_in_the_menu(engine: Engine, t: Translator) -> None:
    state = new_state(send(engine, consent(engine, t), t, Command("fields")))
    outcome = send(engine, state, t, Command("pause"))
    assert "Es gibt gerade nichts zu pausieren." in texts(outcome)
    assert new_state(outcome).mode == "menu"


def test_unknown_command(engine: Engine, t: Translator) -> None:
    state, _ = open_field(engine, t)
    outcome = send(engine, state, t, Command("frobnicate"))
    assert texts(outcome)[0] == "Diesen Befehl kenne ich nicht."
    assert "So geht Mitsprache" in alltext(outcome)
    assert outcome.events == ()
    assert_unchanged(state, outcome)


# -- the real questionnaires --------------------------------------------------------------


def walk_field(
    engine: Engine, state: ConversationState, t: Translator, field_id: str
) -> tuple[ConversationState, list[Outcome]]:
    """Open a field and answer every question with its first button ("Test" for free text)."""
    outcomes = [press(engine, state, t, "open", field_id)]
    state = new_state(outcomes[-1])
    for _ in range(60):
        reply = last(outcomes[-1])
        if any(action == "send" for _, action, _ in reply_buttons(reply)):
            outcomes.append(press(engine, state, t, "send"))
            return new_state(outcomes[-1]), outcomes
        if reply.expects_text:
            outcomes.append(send(engine, state, t, Text("Test")))
        else:
            _, action, arg = reply_buttons(reply)[0]
            outcomes.append(press(engine, state, t, action, arg))
            if action == "tog":
                state = new_state(outcomes[-1])
                outcomes.append(press(engine, state, t, "done"))
        assert answer_events(outcomes[-1]), f"{field_id}: no answer stored for {reply.text!r}"
        state = new_state(outcomes[-1])
    pytest.fail(f"{field_id}: never reached the review")


def test_real_questionnaires_can_be_walked_through(real_catalogue: Catalogue, t: Translator) -> None:
    engine = Engine(real_catalogue)
    state = consent(engine, t)
    for field_id in real_catalogue.field_ids:
        state, outcomes = walk_field(engine, state, t, field_id)
        assert FieldCompleted(field_id) in outcomes[-1].events
        assert state.status(field_id) == "done"
        for outcome in outcomes:
            for reply in outcome.replies:
                assert len(reply.text) <= 4096, f"{field_id}: reply too long for Telegram"
                assert all(label.strip() for label, _, _ in reply_buttons(reply)), field_id
    assert all(state.status(f) == "done" for f in FIELD_IDS)


# -- the real questionnaires: what the issue on content asked for ---------------------------


def real_field(engine: Engine, t: Translator, field_id: str, *moves: tuple[str, str] | Input) -> Outcome:
    state = new_state(press(engine, consent(engine, t), t, "open", field_id))
    return steps(engine, state, t, *moves)[1] if moves else press(engine, state, t, "menu")


def test_an_answer_with_a_retired_band_is_asked_again_with_the_new_bands(
    real_catalogue: Catalogue, t: Translator
) -> None:
    engine = Engine(real_catalogue)
    old = ConversationState(
        locale="de", seq=4, mode="field", field="about",
        fields={"about": FieldProgress(status="done", current=REVIEW,
                                       answers={"bezirk": "mitte", "alter": "a30_44", "zeit_in_de": "j1_3",
                                                "geschlecht": "weiblich", "herkunft_region": "amerika"})},
    )  # fmt: skip
    # /mydata still shows what the person chose, with its label.
    assert "1 bis 3 Jahre" in alltext(send(engine, old.model_copy(update={"mode": "menu", "field": None}), t,
                                            Command("mydata")))  # fmt: skip
    outcome = send(engine, old, t, Start())
    state = new_state(outcome)
    assert "zeit_in_de" not in state.fields["about"].answers
    assert state.fields["about"].current == "zeit_in_de"
    offered = [arg for _, action, arg in buttons(outcome) if action == "pick"]
    assert offered == ["unter_1", "j1_2", "j3_4", "j5_9", "j10_plus", NO_ANSWER]
    assert outcome.events == ()  # the stored answer is replaced only when the person answers again
    assert engine.handle(state, Press(state.seq, "pick", "j1_3"), t).events == ()  # a forged old band


def test_help_is_named_after_the_discrimination_question(real_catalogue: Catalogue, t: Translator) -> None:
    engine = Engine(real_catalogue)
    for answer in ("ja", "nein", NO_ANSWER):
        outcome = real_field(
            engine, t, "demokratie", ("pick", "3"), ("skip", ""), ("skip", ""), ("pick", answer)
        )
        help_text = texts(outcome)[0]
        assert "LADG-Ombudsstelle Berlin" in help_text and "Antidiskriminierungsnetzwerk Berlin" in help_text
        assert "www.berlin.de/sen/lads/recht/ladg/ombudsstelle" in help_text
    skipped = real_field(engine, t, "demokratie", ("pick", "3"), ("skip", ""), ("skip", ""), ("skip", ""))
    assert "LADG-Ombudsstelle" in texts(skipped)[0]


def test_help_is_named_after_the_mental_health_question(real_catalogue: Catalogue, t: Translator) -> None:
    engine = Engine(real_catalogue)
    outcome = real_field(engine, t, "gesundheit", ("pick", "nicht_gesucht"), ("pick", "3"), ("pick", "nein"))
    assert (
        "Berliner Krisendienst" in texts(outcome)[0] and "www.berliner-krisendienst.de" in texts(outcome)[0]
    )
    assert "Was kann es schwer machen" in last(outcome).text


def test_treatment_questions_only_for_people_who_looked_for_a_doctor(
    real_catalogue: Catalogue, t: Translator
) -> None:
    engine = Engine(real_catalogue)
    outcome = real_field(engine, t, "gesundheit", ("pick", "nicht_gesucht"))
    assert "Wie gut wissen Sie, wohin Sie gehen" in last(outcome).text  # not the interpreter or treatment
    outcome = real_field(engine, t, "gesundheit", ("pick", "eher_leicht"))
    assert "Dolmetscher" in last(outcome).text


def test_demokratie_reads_as_safety_and_trust_in_three_questions(
    real_catalogue: Catalogue, t: Translator
) -> None:
    engine = Engine(real_catalogue)
    state = new_state(press(engine, consent(engine, t), t, "open", "demokratie"))
    opened = engine.view(state, t)
    assert "Sicherheit, Demokratie – Frage 1" in opened[-1].text
    state, outcome = steps(engine, state, t, ("pick", "3"), ("skip", ""), ("skip", ""), ("pick", "nein"))
    for institution in ("der Polizei", "den Ämtern", "den Gerichten"):
        assert f"Wie sehr vertrauen Sie {institution} in Berlin?" in last(outcome).text
        state, outcome = steps(engine, state, t, ("pick", "2"))
    mydata = alltext(send(engine, state, t, Command("mydata")))
    assert "Sicherheit, Vertrauen und Demokratie" in mydata
    assert "Radikal" not in mydata


def test_under_16_in_the_real_catalogue_stores_nothing_until_a_parent_agrees(
    real_catalogue: Catalogue, t: Translator
) -> None:
    engine = Engine(real_catalogue)
    said_yes = engine.handle(None, Press(0, "agree"), t)
    _, action, arg = next(b for b in buttons(said_yes) if b[1] == "minor")
    asked = engine.handle(None, Press(0, action, arg), t)
    assert asked.state is None and asked.events == ()
    agreed = engine.handle(None, Press(0, "parents", arg), t)
    assert agreed.events == (ConsentGiven("de"),)
