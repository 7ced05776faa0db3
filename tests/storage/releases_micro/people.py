"""Realistic censuses for the microdata tests, built by hand from the real catalogue (no database).

People are drawn the way a real field fills up: a few districts, languages and regions hold most of
the people, and answers lean towards a few options, so that most combinations are rare and some are
common. Each person walks the questionnaire in order and is asked a question only where its `show_if`
holds, as the engine does.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from dialogs.definitions import NO, NO_ANSWER, YES, Catalogue, Question
from storage.releases.census import Census, Respondent

# (value, weight): skewed as in the Berlin pilot (many in Neukölln and Lichtenberg, many from Syria,
# Afghanistan and Ukraine).
DISTRICTS = [
    ("neukoelln", 10), ("mitte", 8), ("lichtenberg", 6), ("marzahn", 5), ("spandau", 4),
    ("friedrichshain", 3), ("tempelhof", 3), ("reinickendorf", 2), ("pankow", 2),
    ("charlottenburg", 1), ("steglitz", 1), ("treptow", 1), ("nicht_in_berlin", 1),
    ("weiss_nicht", 1), (NO_ANSWER, 1),
]  # fmt: skip
AGES = [("a18_29", 8), ("a30_44", 10), ("a45_64", 4), ("unter_18", 1), ("a65_plus", 1), (NO_ANSWER, 1)]
TIMES = [
    ("j1_2", 8), ("unter_1", 4), ("j3_4", 5), ("j5_9", 6), ("j10_plus", 2), ("j1_3", 1), (NO_ANSWER, 1),
]  # fmt: skip
GENDERS = [("maennlich", 10), ("weiblich", 8), ("divers", 1), (NO_ANSWER, 1)]
REGIONS = [
    ("westasien", 10), ("osteuropa", 8), ("zentral_suedasien", 6), ("ostafrika", 3), ("nordafrika", 1),
    ("balkan_kaukasus", 1), ("west_zentralafrika", 1), (NO_ANSWER, 1),
]  # fmt: skip
LANGUAGES: Mapping[str, list[tuple[str, int]]] = {
    "westasien": [("ar", 6), ("fa", 2), ("ku", 2), ("tr", 1)],
    "osteuropa": [("uk", 6), ("ru", 3)],
    "zentral_suedasien": [("fa", 5), ("ps", 2)],
    "ostafrika": [("ti", 3), ("ar", 1)],
    "nordafrika": [("ar", 1)],
}
OTHER_LANGUAGES = [("de", 2), ("en", 2), ("ro", 1), ("vi", 1)]
TEXTS = ["Die Wartezeiten sind zu lang.", "Danke für die Umfrage.", "Mehr Beratung auf Arabisch bitte."]


def _draw(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _leaning(question: Question, seed: int) -> list[tuple[Any, int]]:
    """The answers of one question with weights that lean towards a few of them (the same in every
    census drawn with this seed, so that a field's answers have one shape)."""
    shape = random.Random(f"{seed}:{question.id}")
    values: list[Any] = (
        [o.id for o in question.offered_options]
        if question.type in ("single", "multi")
        else [YES, NO]
        if question.type == "yesno"
        else [1, 2, 3, 4, 5]
    )
    shape.shuffle(values)
    if question.type == "scale":
        values.sort(key=lambda v: abs(v - shape.choice([2, 4])))  # one end of the scale is favoured
    return [(value, 2 ** max(0, 6 - 2 * rank)) for rank, value in enumerate(values)]


def _answer(question: Question, rng: random.Random, seed: int) -> Any:
    if rng.random() < 0.05:
        return NO_ANSWER
    weighted = _leaning(question, seed)
    if question.type != "multi":
        return _draw(rng, weighted)
    exclusive = question.exclusive_ids() - {NO_ANSWER}
    if exclusive and rng.random() < 0.15:
        return [sorted(exclusive)[0]]
    weighted = [(v, w) for v, w in weighted if v not in exclusive]
    count = min(question.max_choices, max(question.min_choices, _draw(rng, [(1, 5), (2, 3), (3, 2)])))
    chosen: list[str] = []
    while len(chosen) < count:
        value = _draw(rng, weighted)
        if value not in chosen:
            chosen.append(value)
    return chosen


def _shown(question: Question, answers: Mapping[str, Any]) -> bool:
    if question.show_if is None:
        return True
    given = answers.get(question.show_if.question)
    values = given if isinstance(given, list) else [given]
    return any(v in question.show_if.any_of for v in values)


def person(
    catalogue: Catalogue, field_id: str, rng: random.Random, seed: int, submitted: bool = True
) -> Respondent:
    questionnaire = catalogue.get(field_id)
    assert questionnaire is not None
    about: dict[str, Any] = {}
    if rng.random() > 0.04:  # a few never answered anything about themselves
        region = _draw(rng, REGIONS)
        about = {
            "bezirk": _draw(rng, DISTRICTS),
            "alter": _draw(rng, AGES),
            "zeit_in_de": _draw(rng, TIMES),
            "geschlecht": _draw(rng, GENDERS),
            "herkunft_region": region,
        }
        locale = _draw(rng, LANGUAGES.get(region, OTHER_LANGUAGES))
    else:
        locale = _draw(rng, [*OTHER_LANGUAGES, ("ar", 3), ("uk", 3)])
    answers: dict[str, Any] = {}
    asked: set[str] = set()
    released: set[str] = set()
    for question in questionnaire.questions:
        if not _shown(question, answers):
            continue
        asked.add(question.id)
        if question.type == "text":
            if rng.random() < 0.4:
                answers[question.id] = rng.choice(TEXTS)
                if rng.random() < 0.5:
                    released.add(question.id)
            continue
        if rng.random() < 0.03:
            continue  # went on without answering
        answers[question.id] = _answer(question, rng, seed)
    return Respondent(
        submitted=submitted,
        locale=locale,
        about=about,
        answers=answers,
        asked=frozenset(asked),
        released_texts={question: answers[question] for question in released},
    )


def census(catalogue: Catalogue, field_id: str, n: int, seed: int = 1, unsubmitted: int = 0) -> Census:
    """n people who submitted the field (and `unsubmitted` who only started it), in a random order."""
    rng = random.Random(seed)
    people = [person(catalogue, field_id, rng, seed) for _ in range(n)]
    people += [person(catalogue, field_id, rng, seed, submitted=False) for _ in range(unsubmitted)]
    rng.shuffle(people)
    questionnaire = catalogue.get(field_id)
    assert questionnaire is not None
    return Census(questionnaire=questionnaire, about=catalogue.about, people=people)
