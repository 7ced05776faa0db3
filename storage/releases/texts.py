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
from collections import Counter

from storage.releases.census import Census
from storage.releases.model import FreeText
from storage.releases.tables import language_name

OTHER_LANGUAGE = "andere Sprache"


def free_texts(
    census: Census, k: int, *, rng: random.Random, partial: bool = False
) -> tuple[list[FreeText], int]:
    """(the released texts, scrubbed and shuffled; how many texts were held back by review).

    The release's population: people who sent the field, and in a partial release the others too.
    """
    people = [p for p in census.people if p.submitted or partial]
    speakers = Counter(p.locale for p in people)
    questions = [q for q in census.questionnaire.questions if q.type == "text"]
    texts: list[FreeText] = []
    held_back = 0
    for person in people:
        language = language_name(person.locale) if speakers[person.locale] >= k else OTHER_LANGUAGE
        for question in questions:
            value = person.answers.get(question.id)
            if question.id not in person.asked or not isinstance(value, str) or not value.strip():
                continue
            scrubbed = person.released_texts.get(question.id)
            if scrubbed is not None:
                texts.append(FreeText(question.id, question.text, language, scrubbed))
            else:
                held_back += 1
    rng.shuffle(texts)
    return texts, held_back
