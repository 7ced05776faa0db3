"""The released free texts of a field, as a list of their own.

Each text is cut off from everything else its author answered: no number, no demographic, no other
text of the same person next to it (the whole list is shuffled). It keeps its question and the
language it was written in, named in German, unless fewer than k people of the release share that
language: then it says "andere Sprache", since a rare language could point to one person.

The texts come scrubbed from the census (the form stored when staff listed or released them,
storage/reviews.py): nothing is scrubbed here, and a text without a scrubbed form of its current
version is held back.
"""

from __future__ import annotations

import random
from itertools import compress

import numpy as np

from storage.releases.census import Census
from storage.releases.model import FreeText
from storage.releases.tables import language_name, tally_of
from storage.releases.tally import Tally

OTHER_LANGUAGE = "andere Sprache"


def free_texts(
    data: Census | Tally, k: int, *, rng: random.Random, partial: bool = False
) -> tuple[list[FreeText], int]:
    """(the released texts, scrubbed and shuffled; how many texts were held back by review).

    The release's population: people who sent the field, and in a partial release the others too.
    """
    tally = tally_of(data)
    people = np.ones(tally.people, np.bool_) if partial else tally.submitted
    speakers = np.bincount(tally.locale[people], minlength=len(tally.locales)).tolist()
    questions = tally.questionnaire.questions
    languages = [
        language_name(locale) if many >= k else OTHER_LANGUAGE
        for locale, many in zip(tally.locales, speakers, strict=True)
    ]
    released = tally.texts
    authors, asked_ = np.asarray(released.person, np.intp), np.asarray(released.question, np.intp)
    shown = people[authors] & tally.asked[authors, asked_]
    texts = [
        FreeText(questions[i].id, questions[i].text, languages[locale], text)
        for i, locale, text in compress(
            zip(released.question, tally.locale[authors].tolist(), released.text, strict=True), shown.tolist()
        )
    ]
    written = 0  # texts of the population, to questions they were asked: released or held back
    for i, question in enumerate(questions):
        if question.type != "text":
            continue
        answers = tally.answers[i]
        wrote = np.array([picked == () for picked in answers.picked], dtype=np.bool_)  # per code: a text
        written += int(np.count_nonzero(wrote[answers.codes] & people & tally.asked[:, i]))
    rng.shuffle(texts)
    return texts, written - len(texts)
