"""The staff dialog that creates or changes an event, step by step; pure: (form, input) -> outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, HttpUrl, ValidationError

from dialogs.events import DISTRICT_NAMES, DISTRICTS, EventDefinition, EventView, invitation
from dialogs.forms import (
    FormInput,
    Pressed,
    choice,
    navigation,
    parse_moment,
    toggled,
    toggles,
)
from dialogs.i18n import Translator
from dialogs.messages import Button, Reply

Step = Literal[
    "title", "description", "starts", "ends", "where", "district", "fields", "interpreted",
    "accessibility", "capacity", "confirm",
]  # fmt: skip
STEPS: tuple[Step, ...] = (
    "title", "description", "starts", "ends", "where", "district", "fields", "interpreted",
    "accessibility", "capacity", "confirm",
)  # fmt: skip
OPTIONAL: frozenset[Step] = frozenset({"description", "accessibility", "capacity"})
TEXT_STEPS: frozenset[Step] = frozenset(
    {"title", "description", "starts", "ends", "where", "accessibility", "capacity"}
)
MAX_TITLE = 200
MAX_TEXT = 2000
MAX_ACCESSIBILITY = 500


class EventForm(BaseModel):
    """The dialog's state, stored as JSON between messages. `editing` is the id of a changed event."""

    step: Step = "title"
    seq: int = 0
    editing: int | None = None
    status: str = "draft"
    title: dict[str, str] = {}
    description: dict[str, str] = {}
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str | None = None
    district: str | None = None
    online_url: str | None = None
    fields: list[str] = []
    interpreted: list[str] = []
    accessibility: dict[str, str] = {}
    capacity: int | None = None

    @classmethod
    def for_event(cls, event: EventDefinition, event_id: int) -> EventForm:
        data = event.model_dump(mode="python")
        data["online_url"] = str(event.online_url) if event.online_url else None
        return cls(editing=event_id, **data)

    def definition(self, status: str | None = None) -> EventDefinition:
        data = self.model_dump(exclude={"step", "seq", "editing"})
        data["status"] = status or self.status
        return EventDefinition.model_validate(data)


@dataclass(frozen=True)
class FormContext:
    """What the form offers to choose from, in the staff member's language."""

    fields: Sequence[tuple[str, str]]  # (field id, short title)
    languages: Sequence[tuple[str, str]]  # (locale, language name)
    now: datetime


@dataclass
class EventFormOutcome:
    form: EventForm | None  # None: the dialog is over
    prompts: list[Reply] = field(default_factory=list)
    saved: EventDefinition | None = None  # create it (or, with form.editing, change it)
    editing: int | None = None


def start(
    t: Translator, ctx: FormContext, existing: tuple[int, EventDefinition] | None = None
) -> EventFormOutcome:
    form = EventForm() if existing is None else EventForm.for_event(existing[1], existing[0])
    intro = (
        t._("Neue Veranstaltung. Ich frage Schritt für Schritt; „Abbrechen“ beendet jederzeit.")
        if existing is None
        else t._("Veranstaltung ändern. Bei jedem Schritt können Sie „Beibehalten“ wählen.")
    )
    return EventFormOutcome(form, [Reply(intro), prompt(form, t, ctx)])


def handle(form: EventForm, answer: FormInput, t: Translator, ctx: FormContext) -> EventFormOutcome:
    form = form.model_copy(deep=True)
    form.seq += 1
    if isinstance(answer, Pressed):
        if answer.value == "cancel":
            return EventFormOutcome(None, [Reply(t._("Abgebrochen. Nichts wurde gespeichert."))])
        if answer.value == "back":
            form.step = _neighbour(form, -1)
            return EventFormOutcome(form, [prompt(form, t, ctx)])
        if answer.value == "keep":
            return _advance(form, t, ctx)
        if answer.value == "skip" and form.step in OPTIONAL:
            _clear(form)
            return _advance(form, t, ctx)
        return _press(form, answer.value, t, ctx)
    if form.step not in TEXT_STEPS:
        return EventFormOutcome(
            form, [Reply(t._("Bitte wählen Sie eine der Schaltflächen.")), prompt(form, t, ctx)]
        )
    problem = _take_text(form, answer.text.strip(), t, ctx)
    if problem is not None:
        return EventFormOutcome(form, [Reply(problem), prompt(form, t, ctx)])
    return _advance(form, t, ctx)


def _press(form: EventForm, value: str, t: Translator, ctx: FormContext) -> EventFormOutcome:
    kind, _, arg = value.partition(":")
    if form.step == "district" and kind == "district" and arg in DISTRICTS:
        form.district = arg
        return _advance(form, t, ctx)
    if form.step == "fields" and kind == "field" and arg in {f for f, _ in ctx.fields}:
        form.fields = toggled(form.fields, arg)
        return EventFormOutcome(form, [prompt(form, t, ctx)])
    if form.step == "interpreted" and kind == "lang" and arg in {code for code, _ in ctx.languages}:
        form.interpreted = toggled(form.interpreted, arg)
        return EventFormOutcome(form, [prompt(form, t, ctx)])
    if form.step in ("fields", "interpreted") and kind == "next":
        return _advance(form, t, ctx)
    if form.step == "confirm" and kind in ("publish", "draft", "save"):
        status = {"publish": "published", "draft": "draft"}.get(kind, form.status)
        try:
            definition = form.definition(status)
        except ValidationError as exc:
            problem = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            return EventFormOutcome(
                form, [Reply(t._("Das geht so nicht: {problem}", problem=problem)), prompt(form, t, ctx)]
            )
        return EventFormOutcome(None, [], saved=definition, editing=form.editing)
    return EventFormOutcome(form, [Reply(t._("Diese Schaltfläche passt nicht mehr.")), prompt(form, t, ctx)])


def _take_text(form: EventForm, text: str, t: Translator, ctx: FormContext) -> str | None:
    """Store what was typed for the current step; a problem to show instead, or None."""
    if not text:
        return t._("Bitte schreiben Sie etwas, oder wählen Sie eine Schaltfläche.")
    step = form.step
    if step in ("title", "description", "accessibility"):
        limit = {"title": MAX_TITLE, "description": MAX_TEXT}.get(step, MAX_ACCESSIBILITY)
        if len(text) > limit:
            return t._("Das ist zu lang: höchstens {limit} Zeichen.", limit=limit)
        getattr(form, step)["de"] = text
        return None
    if step == "starts":
        moment = parse_moment(text)
        if moment is None:
            return t._("Das Datum verstehe ich nicht. Bitte so schreiben: 24.12.2026 17:00")
        if moment <= ctx.now and form.editing is None:
            return t._("Dieser Zeitpunkt liegt in der Vergangenheit.")
        length = form.ends_at - form.starts_at if form.starts_at and form.ends_at else None
        form.starts_at = moment
        if length is not None:  # a moved event keeps its length unless the end is changed too
            form.ends_at = moment + length
        return None
    if step == "ends":
        assert form.starts_at is not None
        moment = parse_moment(text, day_of=form.starts_at)
        if moment is None:
            return t._("Das verstehe ich nicht. Bitte eine Uhrzeit (19:00) oder Datum und Uhrzeit schreiben.")
        if moment <= form.starts_at:
            return t._("Das Ende muss nach dem Beginn liegen.")
        form.ends_at = moment
        return None
    if step == "where":
        if text.lower().startswith(("http://", "https://")):
            try:
                form.online_url = str(HttpUrl(text))
            except ValidationError:
                return t._("Dieser Link ist nicht gültig.")
            form.place, form.district = None, None
            return None
        if len(text) > MAX_TITLE:
            return t._("Das ist zu lang: höchstens {limit} Zeichen.", limit=MAX_TITLE)
        form.place, form.online_url = text, None
        return None
    if step == "capacity":
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            return t._("Bitte eine ganze Zahl ab 1 schreiben, oder „Ohne Begrenzung“ wählen.")
        form.capacity = int(text)
        return None
    return None


def _clear(form: EventForm) -> None:
    if form.step == "capacity":
        form.capacity = None
    elif form.step in ("description", "accessibility"):
        getattr(form, form.step).clear()  # every language: an empty German text hides them all


def _neighbour(form: EventForm, direction: int) -> Step:
    index = STEPS.index(form.step)
    while 0 <= index + direction < len(STEPS):
        index += direction
        if STEPS[index] == "district" and not form.place:
            continue  # an online event has no district
        return STEPS[index]
    return form.step


def _advance(form: EventForm, t: Translator, ctx: FormContext) -> EventFormOutcome:
    if form.step == "ends" and form.starts_at and form.ends_at and form.ends_at <= form.starts_at:
        return EventFormOutcome(
            form, [Reply(t._("Das Ende muss nach dem Beginn liegen.")), prompt(form, t, ctx)]
        )
    if not _filled(form):
        return EventFormOutcome(
            form, [Reply(t._("Dieser Schritt braucht eine Angabe.")), prompt(form, t, ctx)]
        )
    form.step = _neighbour(form, +1)
    return EventFormOutcome(form, [prompt(form, t, ctx)])


def _filled(form: EventForm) -> bool:
    required = {
        "title": bool(form.title.get("de")),
        "starts": form.starts_at is not None,
        "ends": form.ends_at is not None,
        "where": bool(form.place or form.online_url),
        "district": form.district is not None,
    }
    return required.get(form.step, True)


def _current(form: EventForm, t: Translator) -> str | None:
    """The step's stored value as text, for "keep" when changing an event."""
    step = form.step
    values: dict[str, str | None] = {
        "title": form.title.get("de"),
        "description": form.description.get("de"),
        "accessibility": form.accessibility.get("de"),
        "starts": t.datetime(form.starts_at) if form.starts_at else None,
        "ends": t.datetime(form.ends_at) if form.ends_at else None,
        "where": form.place or form.online_url,
        "capacity": str(form.capacity) if form.capacity else None,
    }
    return values.get(step)


def prompt(form: EventForm, t: Translator, ctx: FormContext) -> Reply:
    """The question for the form's current step, with its buttons."""
    step = form.step
    nav = navigation(t, back=step != "title")
    if step == "district":
        options = [(d, DISTRICT_NAMES[d]) for d in DISTRICTS]
        rows = tuple(
            tuple(choice(label, f"district:{value}") for value, label in options[i : i + 2])
            for i in range(0, len(options), 2)
        )
        keep = ((choice(t._("Beibehalten"), "keep"),),) if form.district else ()
        return Reply(t._("In welchem Bezirk?"), (*rows, *keep, nav))
    if step == "fields":
        return Reply(
            t._("Welche Handlungsfelder betrifft sie? (Mehrere möglich, dann „Weiter“.)"),
            (*toggles(ctx.fields, form.fields, "field", 1), (choice(t._("Weiter"), "next"),), nav),
        )
    if step == "interpreted":
        return Reply(
            t._("In welche Sprachen wird gedolmetscht? (Mehrere möglich, dann „Weiter“.)"),
            (*toggles(ctx.languages, form.interpreted, "lang", 3), (choice(t._("Weiter"), "next"),), nav),
        )
    if step == "confirm":
        return _confirm(form, t)
    questions: dict[str, str] = {
        "title": t._("Wie heißt die Veranstaltung? Bitte den Titel auf Deutsch schreiben."),
        "description": t._("Beschreibung auf Deutsch: worum geht es, für wen, gibt es Kinderbetreuung?"),
        "starts": t._("Wann beginnt sie? Zum Beispiel: 24.12.2026 17:00 (Berliner Zeit)"),
        "ends": t._("Wann endet sie? Eine Uhrzeit (19:00) oder Datum und Uhrzeit."),
        "where": t._("Wo findet sie statt? Die Adresse schreiben, oder einen Link (https://…) für online."),
        "accessibility": t._("Hinweise zur Barrierefreiheit (zum Beispiel: rollstuhlgerecht, Aufzug)?"),
        "capacity": t._("Wie viele Plätze gibt es? Eine Zahl schreiben."),
    }
    text = questions[step]
    row: list[Button] = []
    current = _current(form, t)
    if current is not None:
        text += "\n\n" + t._("Bisher: {value}", value=current)
        row.append(choice(t._("Beibehalten"), "keep"))
    if step == "capacity":
        row.append(choice(t._("Ohne Begrenzung"), "skip"))
    elif step in OPTIONAL:
        row.append(choice(t._("Überspringen"), "skip"))
    return Reply(text, (tuple(row), nav) if row else (nav,))


def _confirm(form: EventForm, t: Translator) -> Reply:
    try:
        definition = form.definition()
    except ValidationError:
        return Reply(t._("Es fehlen noch Angaben. Bitte mit „Zurück“ ergänzen."), (navigation(t),))
    preview = invitation(_preview_view(definition, form.editing or 0), t, with_buttons=False).text
    if form.editing is None:
        text = t._("So sieht die Einladung aus:") + "\n\n" + preview
        buttons: tuple[Button, ...] = (
            choice(t._("Veröffentlichen"), "publish"),
            choice(t._("Als Entwurf speichern"), "draft"),
        )
    else:
        text = t._("So sieht die geänderte Einladung aus:") + "\n\n" + preview
        buttons = (choice(t._("Änderung speichern"), "save"),)
    return Reply(text, (buttons, navigation(t)))


def _preview_view(definition: EventDefinition, event_id: int) -> EventView:
    data = definition.model_dump(mode="python", exclude={"fields"})
    data["online_url"] = str(definition.online_url) if definition.online_url else None
    return EventView(id=event_id, **data)
