"""Questionnaire definitions: the data model and the strict loader for the YAML files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dialogs.scales import SCALE_KINDS
from dialogs.vocabulary import FIELD_IDS as FIELD_IDS  # here too, where it always was

# Package data, read through importlib.resources: the same from a checkout and from an installed wheel.
QUESTIONNAIRE_DIR: Traversable = files("dialogs") / "questionnaires"
_SUFFIX = ".yaml"

# The common "about you" block: the only demographic data, asked once.
ABOUT_ID = "about"
NO_ANSWER = "no_answer"
YES, NO = "ja", "nein"
SCALE_VALUES = (1, 2, 3, 4, 5)
DEFAULT_TEXT_LIMIT = 1000
MAX_TEXT_LIMIT = 4000
MAX_QUESTIONS = 14

QuestionType = Literal["single", "multi", "scale", "yesno", "text"]
AnswerValue = str | int | list[str]

_QUESTION_ID = r"^[a-z][a-z0-9_]{0,23}$"
_OPTION_ID = r"^[a-z][a-z0-9_]{0,19}$"
_ONLY_FOR: dict[str, set[QuestionType]] = {
    "options": {"single", "multi"},
    "min": {"multi"},
    "max": {"multi"},
    "words": {"scale"},
    "max_length": {"text"},
    "no_answer": {"single", "multi", "scale", "yesno"},
}


class DefinitionError(ValueError):
    """A questionnaire file is invalid; the message names the file and the question."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Option(_Strict):
    id: Annotated[str, Field(pattern=_OPTION_ID)]
    label: Annotated[str, Field(min_length=1, max_length=60)]
    # Multiple choice only: an option like "Nichts davon" that cannot be combined with others.
    exclusive: bool = False
    # No longer offered (its meaning changed, e.g. new age bands), but answers given with it stay in the
    # database: the label keeps them readable in exports and in /mydata. Never reuse a retired id.
    retired: bool = False


class ShowIf(_Strict):
    question: Annotated[str, Field(pattern=_QUESTION_ID)]
    any_of: Annotated[list[str | int], Field(min_length=1)]


class Question(_Strict):
    id: Annotated[str, Field(pattern=_QUESTION_ID)]
    type: QuestionType
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    optional: bool = False
    no_answer: bool | None = None
    options: list[Option] | None = None
    min: int | None = None
    max: int | None = None
    # Scale only: the words on the five buttons (dialogs/scales.py), e.g. "gut" for "Sehr schlecht"
    # ... "Sehr gut".
    words: str | None = None
    max_length: int | None = None
    show_if: ShowIf | None = None
    # Shown once the person has answered (or skipped) the question: where to get help, after
    # questions about discrimination or mental health.
    help_after: Annotated[str, Field(min_length=1, max_length=1000)] | None = None

    @model_validator(mode="after")
    def _check_type_specific(self) -> Question:
        for key, types in _ONLY_FOR.items():
            if getattr(self, key) is not None and self.type not in types:
                raise ValueError(f"key '{key}' is not allowed for type '{self.type}'")
        if self.type in ("single", "multi"):
            if not self.options or len(self.options) < 2:
                raise ValueError(f"type '{self.type}' needs at least 2 options")
            if len([o for o in self.options if not o.retired]) < 2:
                raise ValueError(f"type '{self.type}' needs at least 2 options that are not retired")
            if len(self.options) > 16:
                raise ValueError("at most 16 options fit on a phone screen")
            ids = [o.id for o in self.options]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate option id(s): {', '.join(dupes)}")
            if NO_ANSWER in ids:
                raise ValueError(f"option id '{NO_ANSWER}' is reserved for 'Keine Angabe'")
            if self.type == "single" and any(o.exclusive for o in self.options):
                raise ValueError("'exclusive' options only make sense in multiple choice")
        if self.type == "multi":
            offered = len(self.offered_options)
            lo, hi = self.min_choices, self.max_choices
            if not 1 <= lo <= hi <= offered:
                raise ValueError(f"multi needs 1 <= min ({lo}) <= max ({hi}) <= options ({offered})")
        if self.type == "scale" and self.words not in SCALE_KINDS:
            raise ValueError(
                f"type 'scale' needs 'words', one of {', '.join(SCALE_KINDS)} (the five button labels)"
            )
        if self.type == "text" and not 1 <= self.text_limit <= MAX_TEXT_LIMIT:
            raise ValueError(f"max_length must be between 1 and {MAX_TEXT_LIMIT}")
        return self

    @property
    def offers_no_answer(self) -> bool:
        return self.type != "text" and self.no_answer is not False

    @property
    def min_choices(self) -> int:
        return 1 if self.min is None else self.min

    @property
    def max_choices(self) -> int:
        return len(self.offered_options) if self.max is None else self.max

    @property
    def offered_options(self) -> list[Option]:
        """The options a person can choose now (not the retired ones)."""
        return [o for o in self.options or [] if not o.retired]

    @property
    def text_limit(self) -> int:
        return DEFAULT_TEXT_LIMIT if self.max_length is None else self.max_length

    def answer_ids(self) -> list[str | int]:
        """Every value a person may answer now (except free text); retired options are not among them."""
        values: list[str | int]
        if self.type in ("single", "multi"):
            values = [o.id for o in self.offered_options]
        elif self.type == "yesno":
            values = [YES, NO]
        elif self.type == "scale":
            values = list(SCALE_VALUES)
        else:
            values = []
        if self.offers_no_answer:
            values.append(NO_ANSWER)
        return values

    def exclusive_ids(self) -> set[str]:
        """Answers that stand alone in a multiple-choice selection ("Keine Angabe", "Nichts davon")."""
        return {o.id for o in self.options or [] if o.exclusive} | {NO_ANSWER}

    def retired_ids(self) -> list[str]:
        """Options no longer offered whose answers may still be stored."""
        return [o.id for o in self.options or [] if o.retired]

    def option_label(self, option_id: str) -> str | None:
        """The German label of a single/multi option id (retired ones too: stored answers use them)."""
        for option in self.options or []:
            if option.id == option_id:
                return option.label
        return None


class Questionnaire(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z]+$")]
    # The official name of the Handlungsfeld: exports and the working groups use it.
    title: Annotated[str, Field(min_length=1, max_length=200)]
    # What respondents read where the full name is shown (/mydata), when the official name would
    # mislead them (the field "Demokratieförderung, Sicherheit und Radikalisierungsprävention" asks about
    # experiences and safety); default: the official name.
    display_title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    short_title: Annotated[str, Field(min_length=1, max_length=24)]
    intro: Annotated[str, Field(min_length=1, max_length=1000)]
    outro: Annotated[str, Field(min_length=1, max_length=1000)]
    questions: Annotated[list[Question], Field(min_length=1, max_length=MAX_QUESTIONS)]

    @model_validator(mode="after")
    def _check_references(self) -> Questionnaire:
        seen: dict[str, Question] = {}
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question '{question.id}': duplicate question id")
            if question.show_if is not None:
                _check_show_if(question, question.show_if, seen)
            seen[question.id] = question
        return self

    @property
    def shown_title(self) -> str:
        """The German title respondents read (translated with the context `<id>.display_title` or
        `<id>.title`, see `title_context`)."""
        return self.display_title or self.title

    @property
    def title_context(self) -> str:
        return f"{self.id}.display_title" if self.display_title else f"{self.id}.title"

    def question(self, question_id: str) -> Question | None:
        for question in self.questions:
            if question.id == question_id:
                return question
        return None


def _check_show_if(question: Question, cond: ShowIf, earlier: dict[str, Question]) -> None:
    where = f"question '{question.id}': show_if"
    target = earlier.get(cond.question)
    if target is None:
        raise ValueError(f"{where} points to '{cond.question}', which is not an earlier question")
    if target.type == "text":
        raise ValueError(f"{where} cannot depend on the free-text question '{cond.question}'")
    allowed = target.answer_ids()
    missing = [v for v in cond.any_of if v not in allowed]
    if missing:
        raise ValueError(
            f"{where}: '{cond.question}' has no option {', '.join(map(str, missing))} "
            f"(allowed: {', '.join(map(str, allowed))})"
        )


@dataclass(frozen=True)
class Catalogue:
    """All questionnaires, in menu order, plus the 'about you' block."""

    about: Questionnaire
    fields: tuple[Questionnaire, ...]

    def get(self, field_id: str) -> Questionnaire | None:
        if field_id == ABOUT_ID:
            return self.about
        for q in self.fields:
            if q.id == field_id:
                return q
        return None

    @property
    def field_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.fields)

    def all(self) -> Iterable[Questionnaire]:
        yield self.about
        yield from self.fields


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML silently keeps the last of two equal keys; a definition file must not."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_questionnaire(path: Traversable) -> Questionnaire:
    """Load and validate one definition file; any problem raises DefinitionError."""
    try:
        raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path}: expected a mapping at the top level")
    try:
        questionnaire = Questionnaire.model_validate(raw)
    except ValidationError as exc:
        raise DefinitionError(f"{path}: {_describe(exc, raw)}") from None
    if questionnaire.id != path.name.removesuffix(_SUFFIX):
        raise DefinitionError(f"{path}: id '{questionnaire.id}' must match the file name")
    return questionnaire


def load_catalogue(directory: Traversable = QUESTIONNAIRE_DIR) -> Catalogue:
    """Load the nine fields and the about block; a missing or extra file stops start-up."""
    found = {p.name.removesuffix(_SUFFIX) for p in directory.iterdir() if p.name.endswith(_SUFFIX)}
    expected = {*FIELD_IDS, ABOUT_ID}
    if missing := sorted(expected - found):
        raise DefinitionError(f"{directory}: missing definition file(s): {', '.join(missing)}")
    if extra := sorted(found - expected):
        raise DefinitionError(
            f"{directory}: unknown definition file(s) {', '.join(extra)}; "
            f"expected the field ids {', '.join(FIELD_IDS)} and '{ABOUT_ID}'"
        )
    about = load_questionnaire(directory / f"{ABOUT_ID}{_SUFFIX}")
    fields = tuple(load_questionnaire(directory / f"{fid}{_SUFFIX}") for fid in FIELD_IDS)
    return Catalogue(about=about, fields=fields)


def _describe(exc: ValidationError, raw: dict[str, Any]) -> str:
    """Turn pydantic's error into one line that names the question concerned."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        questions = raw.get("questions") or []
        qid = questions[loc[1]].get("id") if isinstance(questions[loc[1]], dict) else None
        where = f"question '{qid}'" if qid else f"question #{loc[1] + 1}"
        loc = loc[2:]
    key = ".".join(str(part) for part in loc)
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = f"unknown key '{loc[-1]}'"
        key = ".".join(str(part) for part in loc[:-1])
    parts = [p for p in (where, key) if p]
    return f"{' '.join(parts)}: {message}" if parts else message
