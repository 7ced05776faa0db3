"""Everyone who answered one field, read once and held without pseudonyms, for the release builders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs.definitions import Questionnaire


@dataclass(frozen=True)
class Respondent:
    """One person's answers to one field and about themselves; nothing that names them."""

    submitted: bool  # pressed "Absenden" for this field
    locale: str  # the language they answered in
    about: Mapping[str, Any]  # about-you answers by question id, as stored
    answers: Mapping[str, Any]  # this field's answers by question id, as stored (free texts raw)
    asked: frozenset[str]  # ids of this field's questions that were shown to them
    released_texts: frozenset[str]  # ids of free-text questions whose current text review released


@dataclass(frozen=True)
class Census:
    questionnaire: Questionnaire
    about: Questionnaire
    people: list[Respondent]  # in a random order
