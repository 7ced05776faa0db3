"""The staff dialog that prepares a broadcast: an event or a free message, the audience, then a
preview in each language and a confirmation. Pure: (form, input) -> outcome; the shell previews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from dialogs.audience import Audience
from dialogs.events import DISTRICT_NAMES, DISTRICTS
from dialogs.forms import FormInput, Pressed, choice, navigation, toggled, toggles
from dialogs.i18n import SOURCE_LOCALE, Translator
from dialogs.messages import Button, Reply

Step = Literal[
    "kind", "event", "text", "translations", "translation", "districts", "fields", "langs", "confirm"
]
MAX_MESSAGE = 3500  # leaves room in Telegram's 4096 for escaping


class BroadcastForm(BaseModel):
    """The dialog's state, stored as JSON between messages."""

    step: Step = "kind"
    seq: int = 0
    kind: Literal["invitation", "message"] | None = None
    event_id: int | None = None
    text: dict[str, str] = {}
    translating: str | None = None
    districts: list[str] = []
    fields: list[str] = []
    langs: list[str] = []

    def audience(self) -> Audience:
        return Audience.of(self.districts, self.fields, self.langs)


@dataclass(frozen=True)
class BroadcastContext:
    events: Sequence[tuple[int, str]]  # published upcoming events: (id, label)
    fields: Sequence[tuple[str, str]]
    languages: Sequence[tuple[str, str]]  # (locale, name); the first is German


@dataclass
class BroadcastFormOutcome:
    form: BroadcastForm | None  # None: the dialog is over
    prompts: list[Reply] = field(default_factory=list)
    preview: bool = False  # the audience is chosen: show the previews, then `confirm_prompt`
    send: BroadcastForm | None = None  # confirmed: send this


def start(t: Translator, ctx: BroadcastContext) -> BroadcastFormOutcome:
    form = BroadcastForm()
    return BroadcastFormOutcome(form, [prompt(form, t, ctx)])


def handle(
    form: BroadcastForm, answer: FormInput, t: Translator, ctx: BroadcastContext
) -> BroadcastFormOutcome:
    form = form.model_copy(deep=True)
    form.seq += 1
    if isinstance(answer, Pressed):
        return _press(form, answer.value, t, ctx)
    text = answer.text.strip()
    if form.step == "confirm":  # the shell shows the previews and the confirmation again
        return BroadcastFormOutcome(
            form, [Reply(t._("Bitte wählen Sie eine der Schaltflächen."))], preview=True
        )
    if form.step not in ("text", "translation"):
        return BroadcastFormOutcome(
            form, [Reply(t._("Bitte wählen Sie eine der Schaltflächen.")), prompt(form, t, ctx)]
        )
    if not text:
        return BroadcastFormOutcome(form, [prompt(form, t, ctx)])
    if len(text) > MAX_MESSAGE:
        problem = t._("Das ist zu lang: höchstens {limit} Zeichen.", limit=MAX_MESSAGE)
        return BroadcastFormOutcome(form, [Reply(problem), prompt(form, t, ctx)])
    form.text[form.translating or SOURCE_LOCALE] = text
    form.translating = None
    form.step = "translations"
    return BroadcastFormOutcome(form, [prompt(form, t, ctx)])


def _press(form: BroadcastForm, value: str, t: Translator, ctx: BroadcastContext) -> BroadcastFormOutcome:
    kind, _, arg = value.partition(":")
    if value == "cancel":
        return BroadcastFormOutcome(None, [Reply(t._("Abgebrochen. Nichts wurde gesendet."))])
    if value == "back":
        form.step = _back(form)
        form.translating = None
        return BroadcastFormOutcome(form, [prompt(form, t, ctx)])
    step = form.step
    if step == "kind" and value in ("invitation", "message"):
        form.kind = value  # type: ignore[assignment]
        if value == "invitation":
            form.text = {}
        else:
            form.event_id = None
        form.step = "event" if value == "invitation" else "text"
        return BroadcastFormOutcome(form, [prompt(form, t, ctx)])
    event_id = int(arg) if arg.isascii() and arg.isdigit() else None
    if step == "event" and kind == "event" and event_id in dict(ctx.events):
        form.event_id = event_id
        form.step = "districts"
        return BroadcastFormOutcome(form, [prompt(form, t, ctx)])
    if step == "translations" and kind == "lang" and arg in {code for code, _ in ctx.languages}:
        form.translating, form.step = arg, "translation"
        return BroadcastFormOutcome(form, [prompt(form, t, ctx)])
    toggle_steps = {"districts": ("district", DISTRICTS), "fields": ("field", [f for f, _ in ctx.fields]),
                    "langs": ("lang", [c for c, _ in ctx.languages])}  # fmt: skip
    if step in toggle_steps and kind == toggle_steps[step][0] and arg in toggle_steps[step][1]:
        chosen: list[str] = getattr(form, step)
        setattr(form, step, toggled(chosen, arg))
        return BroadcastFormOutcome(form, [prompt(form, t, ctx)])
    if value == "next" and step in ("translations", "districts", "fields"):
        form.step = {"translations": "districts", "districts": "fields", "fields": "langs"}[step]  # type: ignore[assignment]
        return BroadcastFormOutcome(form, [prompt(form, t, ctx)])
    if value == "next" and step == "langs":
        form.step = "confirm"
        return BroadcastFormOutcome(form, preview=True)
    if value == "send" and step == "confirm":
        return BroadcastFormOutcome(None, send=form)
    if step == "confirm":
        return BroadcastFormOutcome(form, [Reply(t._("Diese Schaltfläche passt nicht mehr."))], preview=True)
    return BroadcastFormOutcome(
        form, [Reply(t._("Diese Schaltfläche passt nicht mehr.")), prompt(form, t, ctx)]
    )


def _back(form: BroadcastForm) -> Step:
    previous: dict[str, Step] = {
        "event": "kind", "text": "kind", "translations": "text", "translation": "translations",
        "fields": "districts", "langs": "fields", "confirm": "langs",
        "districts": "event" if form.kind == "invitation" else "translations",
    }  # fmt: skip
    return previous.get(form.step, "kind")


def prompt(form: BroadcastForm, t: Translator, ctx: BroadcastContext) -> Reply:
    """The question for the form's current step (not "confirm": see `confirm_prompt`)."""
    step = form.step
    nav = (navigation(t, back=step != "kind"),)
    next_row: tuple[tuple[Button, ...], ...] = ((choice(t._("Weiter"), "next"),),)
    if step == "kind":
        choices: tuple[tuple[Button, ...], ...] = (
            (choice(t._("Einladung zu einer Veranstaltung"), "invitation"),),
            (choice(t._("Freie Nachricht"), "message"),),
        )
        return Reply(t._("Was möchten Sie senden?"), (*choices, *nav))
    if step == "event":
        if not ctx.events:
            return Reply(
                t._(
                    "Es gibt keine veröffentlichte kommende Veranstaltung. Legen Sie eine mit /event_new an."
                ),
                nav,
            )
        rows = tuple((choice(label, f"event:{event_id}"),) for event_id, label in ctx.events)
        return Reply(t._("Zu welcher Veranstaltung?"), (*rows, *nav))
    if step == "text":
        return Reply(t._("Schreiben Sie die Nachricht auf Deutsch."), nav)
    if step == "translation":
        name = dict(ctx.languages).get(form.translating or "", form.translating or "")
        return Reply(t._("Schreiben Sie die Nachricht auf {language}.", language=name), nav)
    if step == "translations":
        names = dict(ctx.languages)
        done = t.join(names.get(code, code) for code in form.text) or "–"
        translations = toggles(
            [(code, name) for code, name in ctx.languages if code != SOURCE_LOCALE],
            list(form.text),
            "lang",
            3,
        )
        text = t._(
            "Vorhanden: {languages}. Übersetzungen hinzufügen? Wer keine Übersetzung hat, bekommt den "
            "deutschen Text.",
            languages=done,
        )
        return Reply(text, (*translations, *next_row, *nav))
    if step == "districts":
        options = [(d, DISTRICT_NAMES[d]) for d in DISTRICTS]
        text = t._("An wen? Bezirke wählen; nichts gewählt heißt: alle Bezirke.")
        return Reply(text, (*toggles(options, form.districts, "district"), *next_row, *nav))
    if step == "fields":
        text = t._("Welche Themen? Nichts gewählt heißt: alle Themen.")
        return Reply(text, (*toggles(ctx.fields, form.fields, "field", 1), *next_row, *nav))
    text = t._("Welche Sprachen? Nichts gewählt heißt: alle Sprachen.")
    return Reply(text, (*toggles(ctx.languages, form.langs, "lang", 3), *next_row, *nav))


def confirm_prompt(recipients: int, t: Translator) -> Reply:
    """After the previews: send to `recipients` people, or go back."""
    if recipients == 0:
        return Reply(t._("Niemand passt zu dieser Auswahl. Bitte mit „Zurück“ ändern."), (navigation(t),))
    text = t.n_(
        "Oben sehen Sie die Vorschau. Jetzt an {n} Person senden?",
        "Oben sehen Sie die Vorschau. Jetzt an {n} Personen senden?",
        recipients,
    )
    return Reply(text, ((choice(t._("Jetzt senden"), "send"),), navigation(t)))
