"""The strict questionnaire loader: every mistake in a definition file stops start-up with a
message that names the file and the question, and the real catalogue passes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from dialogs.definitions import (
    ABOUT_ID,
    DEFAULT_TEXT_LIMIT,
    FIELD_IDS,
    NO_ANSWER,
    Catalogue,
    DefinitionError,
    Questionnaire,
    load_catalogue,
    load_questionnaire,
)
from tests.support.sample_questionnaires import write_sample_catalogue

CHOICE_TYPES = ("single", "multi", "scale", "yesno")

BASE: dict[str, Any] = {
    "id": "ankommen",
    "title": "Ankommen und Bleiben",
    "short_title": "Ankommen",
    "intro": "Einleitung",
    "outro": "Danke",
    "questions": [
        {"id": "erfahrung", "type": "yesno", "text": "Waren Sie schon beim Amt?"},
        {
            "id": "amt",
            "type": "single",
            "text": "Bei welchem Amt?",
            "show_if": {"question": "erfahrung", "any_of": ["ja"]},
            "options": [{"id": "lea", "label": "LEA"}, {"id": "laf", "label": "LAF"}],
        },
        {
            "id": "probleme",
            "type": "multi",
            "text": "Was war schwierig?",
            "max": 2,
            "options": [
                {"id": "sprache", "label": "Sprache"},
                {"id": "wartezeit", "label": "Wartezeit"},
                {"id": "nichts", "label": "Nichts davon", "exclusive": True},
            ],
        },
        {"id": "zufrieden", "type": "scale", "text": "Wie zufrieden?", "words": "zufrieden"},
        {"id": "sonstiges", "type": "text", "text": "Noch etwas?", "optional": True},
    ],
}


# -- helpers ------------------------------------------------------------------------------


def definition(**changes: Any) -> dict[str, Any]:
    """A valid definition with top-level keys replaced (None removes a key)."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def with_question(index: int, **changes: Any) -> dict[str, Any]:
    """A valid definition with keys of question `index` replaced (None removes a key)."""
    data = definition()
    question = data["questions"][index]
    for key, value in changes.items():
        if value is None:
            question.pop(key, None)
        else:
            question[key] = value
    return data


def write(directory: Path, data: dict[str, Any] | list[Any] | str, name: str = "ankommen") -> Path:
    path = directory / f"{name}.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path, *fragments: str) -> str:
    """Load `path`, expect DefinitionError naming the file and every fragment; return the message."""
    with pytest.raises(DefinitionError) as info:
        load_questionnaire(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# -- the valid base -----------------------------------------------------------------------


def test_the_base_definition_is_valid(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, definition()))
    assert isinstance(questionnaire, Questionnaire)
    assert [q.id for q in questionnaire.questions] == [
        "erfahrung",
        "amt",
        "probleme",
        "zufrieden",
        "sonstiges",
    ]


# -- one test per error -------------------------------------------------------------------


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = yaml.safe_dump(definition(), allow_unicode=True, sort_keys=False)
    text = text.replace("title:", "title: Doppelt\ntitle:", 1)
    load_error(write(tmp_path, text), "duplicate key 'title'")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    load_error(write(tmp_path, definition(beschreibung="x")), "unknown key 'beschreibung'")


def test_unknown_question_key(tmp_path: Path) -> None:
    load_error(write(tmp_path, with_question(3, farbe="rot")), "question 'zufrieden'", "unknown key 'farbe'")


def test_misspelt_question_key(tmp_path: Path) -> None:
    data = with_question(4, optional=None)
    data["questions"][4]["optinal"] = True
    load_error(write(tmp_path, data), "question 'sonstiges'", "optinal")


def test_duplicate_question_id(tmp_path: Path) -> None:
    data = definition()
    data["questions"][4]["id"] = "zufrieden"
    load_error(write(tmp_path, data), "question 'zufrieden'", "duplicate question id")


def test_duplicate_option_id(tmp_path: Path) -> None:
    options = [{"id": "lea", "label": "LEA"}, {"id": "lea", "label": "LEA 2"}]
    load_error(
        write(tmp_path, with_question(1, options=options)), "question 'amt'", "duplicate option", "lea"
    )


def test_show_if_points_to_a_missing_question(tmp_path: Path) -> None:
    data = with_question(1, show_if={"question": "gibt_es_nicht", "any_of": ["ja"]})
    load_error(write(tmp_path, data), "question 'amt'", "show_if", "gibt_es_nicht")


def test_show_if_points_to_a_later_question(tmp_path: Path) -> None:
    data = with_question(1, show_if={"question": "zufrieden", "any_of": [1]})
    load_error(write(tmp_path, data), "question 'amt'", "zufrieden", "not an earlier question")


def test_show_if_points_to_itself(tmp_path: Path) -> None:
    data = with_question(1, show_if={"question": "amt", "any_of": ["lea"]})
    load_error(write(tmp_path, data), "question 'amt'", "not an earlier question")


def test_show_if_names_a_missing_option(tmp_path: Path) -> None:
    data = with_question(1, show_if={"question": "erfahrung", "any_of": ["vielleicht"]})
    load_error(write(tmp_path, data), "question 'amt'", "vielleicht", "erfahrung")


def test_show_if_on_a_text_question(tmp_path: Path) -> None:
    data = definition()
    data["questions"].append(
        {
            "id": "nachfrage",
            "type": "yesno",
            "text": "Dürfen wir nachfragen?",
            "show_if": {"question": "sonstiges", "any_of": ["ja"]},
        }
    )
    load_error(write(tmp_path, data), "question 'nachfrage'", "free-text question 'sonstiges'")


def test_bad_type(tmp_path: Path) -> None:
    load_error(write(tmp_path, with_question(3, type="slider")), "question 'zufrieden'", "type")


def test_options_on_a_scale(tmp_path: Path) -> None:
    data = with_question(3, options=[{"id": "a", "label": "A"}, {"id": "b", "label": "B"}])
    load_error(write(tmp_path, data), "question 'zufrieden'", "'options' is not allowed for type 'scale'")


def test_max_length_on_a_yesno(tmp_path: Path) -> None:
    data = with_question(0, max_length=100)
    load_error(write(tmp_path, data), "question 'erfahrung'", "'max_length' is not allowed for type 'yesno'")


def test_no_answer_on_a_text(tmp_path: Path) -> None:
    data = with_question(4, no_answer=False)
    load_error(write(tmp_path, data), "question 'sonstiges'", "'no_answer' is not allowed for type 'text'")


def test_exclusive_on_a_single_choice(tmp_path: Path) -> None:
    options = [{"id": "lea", "label": "LEA"}, {"id": "keins", "label": "Keins", "exclusive": True}]
    load_error(write(tmp_path, with_question(1, options=options)), "question 'amt'", "exclusive")


def test_multi_min_greater_than_max(tmp_path: Path) -> None:
    load_error(write(tmp_path, with_question(2, min=3, max=2)), "question 'probleme'", "min (3)", "max (2)")


def test_multi_max_greater_than_options(tmp_path: Path) -> None:
    load_error(write(tmp_path, with_question(2, max=4)), "question 'probleme'", "max (4)", "options (3)")


def test_multi_min_zero(tmp_path: Path) -> None:
    load_error(write(tmp_path, with_question(2, min=0)), "question 'probleme'", "min (0)")


@pytest.mark.parametrize("words", [None, "schön"])
def test_scale_needs_known_words(tmp_path: Path, words: str | None) -> None:
    data = with_question(3, words=words)
    load_error(write(tmp_path, data), "question 'zufrieden'", "'words'", "gut", "zufrieden")


def test_the_old_low_and_high_labels_are_refused(tmp_path: Path) -> None:
    data = with_question(3, low="gar nicht")
    load_error(write(tmp_path, data), "question 'zufrieden'", "unknown key 'low'")


def test_words_on_a_single_choice(tmp_path: Path) -> None:
    load_error(write(tmp_path, with_question(1, words="gut")), "question 'amt'", "'words' is not allowed")


# -- retired options, help after a question, the title respondents read ---------------------


def test_a_retired_option_is_not_offered_but_keeps_its_label(tmp_path: Path) -> None:
    options = [
        {"id": "lea", "label": "LEA"},
        {"id": "laf", "label": "LAF"},
        {"id": "alt", "label": "Altes Amt", "retired": True},
    ]
    question = load_questionnaire(write(tmp_path, with_question(1, options=options))).questions[1]
    assert question.answer_ids() == ["lea", "laf", NO_ANSWER]
    assert question.retired_ids() == ["alt"]
    assert question.option_label("alt") == "Altes Amt"


def test_retired_options_do_not_count_as_choices(tmp_path: Path) -> None:
    options = [{"id": "lea", "label": "LEA"}, {"id": "alt", "label": "Alt", "retired": True}]
    load_error(write(tmp_path, with_question(1, options=options)), "question 'amt'", "not retired")
    multi = [
        {"id": "sprache", "label": "Sprache"},
        {"id": "wartezeit", "label": "Wartezeit"},
        {"id": "alt", "label": "Alt", "retired": True},
    ]
    load_error(write(tmp_path, with_question(2, options=multi, max=3)), "question 'probleme'", "options (2)")


def test_show_if_cannot_name_a_retired_option(tmp_path: Path) -> None:
    options = [{"id": "lea", "label": "LEA"}, {"id": "laf", "label": "LAF"}]
    data = with_question(1, options=[*options, {"id": "alt", "label": "Alt", "retired": True}])
    data["questions"].insert(2, {"id": "folge", "type": "yesno", "text": "Und?", "show_if": {
        "question": "amt", "any_of": ["alt"]}})  # fmt: skip
    load_error(write(tmp_path, data), "question 'folge'", "'amt' has no option alt")


def test_help_after_is_allowed_on_any_question(tmp_path: Path) -> None:
    data = with_question(0, help_after="Hilfe: www.example.org")
    assert load_questionnaire(write(tmp_path, data)).questions[0].help_after == "Hilfe: www.example.org"


def test_display_title_defaults_to_the_official_title(tmp_path: Path) -> None:
    plain = load_questionnaire(write(tmp_path, definition()))
    assert (plain.shown_title, plain.title_context) == ("Ankommen und Bleiben", "ankommen.title")
    shown = load_questionnaire(write(tmp_path, definition(display_title="Ankommen")))
    assert (shown.title, shown.shown_title) == ("Ankommen und Bleiben", "Ankommen")
    assert shown.title_context == "ankommen.display_title"


@pytest.mark.parametrize("limit", [0, 5000])
def test_text_max_length_out_of_range(tmp_path: Path, limit: int) -> None:
    data = with_question(4, max_length=limit)
    load_error(write(tmp_path, data), "question 'sonstiges'", "max_length must be between 1 and 4000")


def test_text_max_length_bounds_are_allowed(tmp_path: Path) -> None:
    for limit in (1, 4000):
        questionnaire = load_questionnaire(write(tmp_path, with_question(4, max_length=limit)))
        assert questionnaire.questions[4].text_limit == limit


def test_fewer_than_two_options(tmp_path: Path) -> None:
    data = with_question(1, options=[{"id": "lea", "label": "LEA"}])
    load_error(write(tmp_path, data), "question 'amt'", "at least 2 options")


def test_single_without_options(tmp_path: Path) -> None:
    load_error(write(tmp_path, with_question(1, options=None)), "question 'amt'", "at least 2 options")


def test_reserved_option_id_no_answer(tmp_path: Path) -> None:
    options = [{"id": "lea", "label": "LEA"}, {"id": NO_ANSWER, "label": "Keine Angabe"}]
    load_error(
        write(tmp_path, with_question(1, options=options)), "question 'amt'", "'no_answer'", "reserved"
    )


def test_invalid_question_id(tmp_path: Path) -> None:
    data = definition()
    data["questions"][3]["id"] = "Zufrieden-Sein"
    load_error(write(tmp_path, data), "question 'Zufrieden-Sein'", "id", "pattern")


def test_invalid_option_id(tmp_path: Path) -> None:
    options = [{"id": "lea", "label": "LEA"}, {"id": "LAF amt", "label": "LAF"}]
    load_error(write(tmp_path, with_question(1, options=options)), "question 'amt'", "options.1.id")


def test_invalid_questionnaire_id(tmp_path: Path) -> None:
    path = write(tmp_path, definition(id="Ankommen_2"), name="Ankommen_2")
    load_error(path, "id", "pattern")


def test_id_does_not_match_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, definition(id="wohnen"), name="ankommen")
    load_error(path, "'wohnen'", "file name")


def test_missing_required_key(tmp_path: Path) -> None:
    load_error(write(tmp_path, definition(outro=None)), "outro")


def test_question_without_text(tmp_path: Path) -> None:
    load_error(write(tmp_path, with_question(0, text=None)), "question 'erfahrung'", "text")


def test_short_title_too_long(tmp_path: Path) -> None:
    load_error(write(tmp_path, definition(short_title="x" * 25)), "short_title")


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "id: ankommen\nquestions: [\n  - id: a\n    text: 'offen\n")
    load_error(path, "cannot read YAML")


@pytest.mark.parametrize("content", ["- id: ankommen\n- title: x\n", "nur ein Satz\n", ""])
def test_top_level_not_a_mapping(tmp_path: Path, content: str) -> None:
    load_error(write(tmp_path, content), "expected a mapping at the top level")


def test_missing_file(tmp_path: Path) -> None:
    load_error(tmp_path / "ankommen.yaml", "cannot read")


def test_a_broken_question_is_named_by_position_without_id(tmp_path: Path) -> None:
    data = definition()
    data["questions"].append("keine Frage")
    load_error(write(tmp_path, data), "question #6")


# -- the catalogue ------------------------------------------------------------------------


def test_catalogue_with_a_missing_field_file(tmp_path: Path) -> None:
    directory = write_sample_catalogue(tmp_path / "q")
    (directory / "wohnen.yaml").unlink()
    with pytest.raises(DefinitionError) as info:
        load_catalogue(directory)
    message = str(info.value)
    assert str(directory) in message
    assert "missing" in message and "wohnen" in message


def test_catalogue_with_a_missing_about_file(tmp_path: Path) -> None:
    directory = write_sample_catalogue(tmp_path / "q")
    (directory / "about.yaml").unlink()
    with pytest.raises(DefinitionError, match=r"missing.*about"):
        load_catalogue(directory)


def test_catalogue_with_an_extra_unknown_file(tmp_path: Path) -> None:
    directory = write_sample_catalogue(tmp_path / "q")
    write(directory, definition(id="sport"), name="sport")
    with pytest.raises(DefinitionError) as info:
        load_catalogue(directory)
    message = str(info.value)
    assert str(directory) in message
    assert "unknown" in message and "sport" in message


def test_catalogue_with_a_broken_field_names_the_file(tmp_path: Path) -> None:
    directory = write_sample_catalogue(tmp_path / "q")
    write(directory, with_question(3, type="slider", id="zufrieden"), name="ankommen")
    with pytest.raises(DefinitionError) as info:
        load_catalogue(directory)
    assert str(directory / "ankommen.yaml") in str(info.value)
    assert "question 'zufrieden'" in str(info.value)


def test_sample_catalogue_loads_in_menu_order(tmp_path: Path) -> None:
    catalogue = load_catalogue(write_sample_catalogue(tmp_path / "q"))
    assert catalogue.field_ids == FIELD_IDS
    assert catalogue.about.id == ABOUT_ID


# -- "Keine Angabe" and defaults ----------------------------------------------------------


def test_keine_angabe_is_added_to_every_choice_question(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, definition()))
    ids = {q.id: q.answer_ids() for q in questionnaire.questions}
    assert ids["erfahrung"] == ["ja", "nein", NO_ANSWER]
    assert ids["amt"] == ["lea", "laf", NO_ANSWER]
    assert ids["probleme"] == ["sprache", "wartezeit", "nichts", NO_ANSWER]
    assert ids["zufrieden"] == [1, 2, 3, 4, 5, NO_ANSWER]
    assert ids["sonstiges"] == []


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_no_answer_false_removes_keine_angabe(tmp_path: Path, index: int) -> None:
    questionnaire = load_questionnaire(write(tmp_path, with_question(index, no_answer=False)))
    question = questionnaire.questions[index]
    assert NO_ANSWER not in question.answer_ids()
    assert not question.offers_no_answer


def test_show_if_may_name_keine_angabe(tmp_path: Path) -> None:
    data = with_question(1, show_if={"question": "erfahrung", "any_of": [NO_ANSWER]})
    assert load_questionnaire(write(tmp_path, data)).questions[1].show_if is not None


def test_show_if_cannot_name_keine_angabe_when_it_is_switched_off(tmp_path: Path) -> None:
    data = with_question(0, no_answer=False)
    data["questions"][1]["show_if"] = {"question": "erfahrung", "any_of": [NO_ANSWER]}
    load_error(write(tmp_path, data), "question 'amt'", NO_ANSWER)


def test_default_text_limit(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, definition()))
    assert questionnaire.questions[4].max_length is None
    assert questionnaire.questions[4].text_limit == DEFAULT_TEXT_LIMIT == 1000


def test_multi_defaults_min_one_max_all(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, with_question(2, max=None)))
    multi = questionnaire.questions[2]
    assert (multi.min_choices, multi.max_choices) == (1, 3)
    assert multi.exclusive_ids() == {"nichts", NO_ANSWER}


# -- the real catalogue -------------------------------------------------------------------


def test_real_catalogue_loads_in_order(real_catalogue: Catalogue) -> None:
    assert real_catalogue.field_ids == FIELD_IDS
    assert real_catalogue.about.id == ABOUT_ID
    assert [q.id for q in real_catalogue.all()] == [ABOUT_ID, *FIELD_IDS]


@pytest.mark.parametrize("field_id", FIELD_IDS)
def test_real_field_is_complete(real_catalogue: Catalogue, field_id: str) -> None:
    questionnaire = real_catalogue.get(field_id)
    assert questionnaire is not None
    assert 6 <= len(questionnaire.questions) <= 13
    assert questionnaire.intro.strip()
    assert questionnaire.outro.strip()
    assert len({q.type for q in questionnaire.questions}) >= 4


def test_real_choice_questions_offer_keine_angabe(real_catalogue: Catalogue) -> None:
    for questionnaire in real_catalogue.all():
        for question in questionnaire.questions:
            where = f"{questionnaire.id}.{question.id}"
            if question.type in CHOICE_TYPES and question.no_answer is not False:
                assert NO_ANSWER in question.answer_ids(), where
            else:
                assert NO_ANSWER not in question.answer_ids(), where


def test_real_about_block_has_one_way_to_decline(real_catalogue: Catalogue) -> None:
    """ "Keine Angabe" on every question, and no second way ("Überspringen") beside it."""
    for question in real_catalogue.about.questions:
        assert question.offers_no_answer and not question.optional, question.id


def test_real_time_in_germany_bands_do_not_overlap(real_catalogue: Catalogue) -> None:
    question = real_catalogue.about.question("zeit_in_de")
    assert question is not None
    assert [question.option_label(str(v)) for v in question.answer_ids()] == [
        "unter 1 Jahr", "1 oder 2 Jahre", "3 oder 4 Jahre", "5 bis 9 Jahre", "10 Jahre oder mehr", None,
    ]  # fmt: skip
    # The old, overlapping bands stay readable for answers given with them.
    assert question.retired_ids() == ["j1_3", "j3_5", "j5_10", "ueber_10"]


NOTHING_IDS = {"nichts", "nirgends", "keine", "gar_nicht"}


def test_real_nothing_options_cannot_be_combined(real_catalogue: Catalogue) -> None:
    """ "Nichts", "Nirgends", "Gar nicht" next to other answers would make no sense."""
    found = []
    for questionnaire in real_catalogue.all():
        for question in questionnaire.questions:
            for option in question.options or []:
                if question.type == "multi" and option.id in NOTHING_IDS:
                    assert option.exclusive, f"{questionnaire.id}.{question.id}.{option.id}"
                    found.append(f"{questionnaire.id}.{question.id}")
    for where in ("demokratie.unsicher_orte", "sozialraum.angebote_huerden", "familie.ohne_eltern_hilfe",
                  "partizipation.wege"):  # fmt: skip
        assert where in found


def test_real_demokratie_shows_respondents_another_title(real_catalogue: Catalogue) -> None:
    demokratie = real_catalogue.get("demokratie")
    assert demokratie is not None
    assert demokratie.title == "Demokratieförderung, Sicherheit und Radikalisierungsprävention"
    assert demokratie.shown_title == "Sicherheit, Vertrauen und Demokratie"
    for text in (demokratie.shown_title, demokratie.short_title, demokratie.intro, demokratie.outro):
        assert "Radikal" not in text
