"""Participation events as data: the strict definition (YAML or a staff dialog) and the invitation text."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable
from string import Template
from typing import Annotated, Literal

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

from dialogs.i18n import BERLIN, Translator
from dialogs.languages import display_name
from dialogs.messages import Button, Reply
from dialogs.vocabulary import DISTRICTS as DISTRICTS  # here too, where it always was
from dialogs.vocabulary import FIELD_IDS

# German names, as in the "about you" block; a place name stays German in every language.
DISTRICT_NAMES = {
    "mitte": "Mitte", "friedrichshain": "Friedrichshain-Kreuzberg", "pankow": "Pankow",
    "charlottenburg": "Charlottenburg-Wilmersdorf", "spandau": "Spandau",
    "steglitz": "Steglitz-Zehlendorf", "tempelhof": "Tempelhof-Schöneberg", "neukoelln": "Neukölln",
    "treptow": "Treptow-Köpenick", "marzahn": "Marzahn-Hellersdorf", "lichtenberg": "Lichtenberg",
    "reinickendorf": "Reinickendorf",
}  # fmt: skip
Status = Literal["draft", "published", "cancelled"]
RsvpAnswer = Literal["yes", "maybe", "no"]


class EventDefinition(BaseModel):
    """An event as staff describe it; unknown keys, a missing German title or a bad time stop it."""

    model_config = ConfigDict(extra="forbid")

    # Bounded so that every invitation fits into one Telegram message (4096 characters).
    title: Annotated[dict[str, Annotated[str, Field(max_length=200)]], Field(min_length=1)]
    description: dict[str, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: Annotated[str, Field(max_length=200)] | None = None
    district: Literal[DISTRICTS] | None = None  # type: ignore[valid-type]
    online_url: HttpUrl | None = None
    fields: list[Literal[FIELD_IDS]] = Field(default_factory=list)  # type: ignore[valid-type]
    interpreted: list[str] = Field(default_factory=list)
    accessibility: dict[str, Annotated[str, Field(max_length=500)]] = Field(default_factory=dict)
    capacity: Annotated[int, Field(ge=1)] | None = None
    status: Status = "draft"

    @model_validator(mode="after")
    def _check(self) -> EventDefinition:
        if not self.title.get("de"):
            raise ValueError("title needs German ('de'); other languages fall back to it")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if not (self.place or self.online_url):
            raise ValueError("give a place (with a district) or an online_url")
        if self.place and not self.district:
            raise ValueError("a place needs its district (one of the twelve Bezirke)")
        return self


class EventView(BaseModel):
    """What an invitation needs to know about a stored event."""

    id: int
    title: dict[str, str]
    description: dict[str, str]
    starts_at: datetime
    ends_at: datetime
    place: str | None
    district: str | None
    online_url: str | None
    interpreted: list[str]
    accessibility: dict[str, str]
    capacity: int | None
    status: str
    seats_taken: int = 0


def language_names(codes: list[str], t: Translator) -> str:
    """Language codes as names in the reader's language ("ar, fa" -> "Arabisch, Persisch")."""
    return t.join(display_name(code, t.locale) for code in codes)


def in_language(texts: dict[str, str], t: Translator) -> tuple[str, bool]:
    """The text in the person's language, else German; True when it fell back."""
    if texts.get(t.locale):
        return texts[t.locale], False
    return texts.get("de", ""), t.locale != "de"


def invitation(event: EventView, t: Translator, with_buttons: bool = True) -> Reply:
    title, fell_back = in_language(event.title, t)
    description, _ = in_language(event.description, t)
    lines = [
        t._("Einladung: {title}", title=title),
        "",
        t._("Wann: {when}", when=t.datetime(event.starts_at)),
    ]
    if event.place:
        district = DISTRICT_NAMES.get(event.district or "", event.district or "")
        lines.append(t._("Wo: {place} ({district})", place=event.place, district=district))
    if event.online_url:
        lines.append(t._("Online: {url}", url=event.online_url))
    if event.interpreted:
        lines.append(t._("Dolmetschen in: {languages}", languages=language_names(event.interpreted, t)))
    access, _ = in_language(event.accessibility, t)
    if access:
        lines.append(t._("Barrierefreiheit: {notes}", notes=access))
    if event.capacity:
        free = max(event.capacity - event.seats_taken, 0)
        lines.append(t._("Freie Plätze: {free} von {capacity}", free=free, capacity=event.capacity))
    if description:  # written by staff: every line isolated, like a value
        lines += ["", t.isolate(description)]
    if fell_back:
        lines += [
            "",
            t._("(Diese Einladung gibt es noch nicht in Ihrer Sprache, darum steht sie auf Deutsch.)"),
        ]
    if event.status == "cancelled":
        lines.insert(0, t._("ABGESAGT"))
    buttons: tuple[tuple[Button, ...], ...] = ()
    if with_buttons and event.status == "published":
        buttons = (
            (
                Button(t._("Ich komme"), "rsvp", f"{event.id}:yes"),
                Button(t._("Vielleicht"), "rsvp", f"{event.id}:maybe"),
                Button(t._("Nein"), "rsvp", f"{event.id}:no"),
            ),
        )
    return Reply(t.lines(lines), buttons)


class EventFileError(ValueError):
    """An event file is invalid; the message names the file, the entry and the problem."""


DEMO_EVENTS: Traversable = files("dialogs") / "demo_events.yaml"
EVENT_TEMPLATE: Traversable = files("dialogs") / "event_template.yaml"


def event_template(now: datetime) -> str:
    """A commented example event file (every key explained), dated two weeks from `now`; valid as it
    is (a draft), so staff can copy it, edit it, and add it."""
    day = (now + timedelta(days=14)).astimezone(BERLIN).replace(hour=18, minute=0, second=0, microsecond=0)
    return Template(EVENT_TEMPLATE.read_text(encoding="utf-8")).substitute(
        starts_at=day.isoformat(),
        ends_at=(day + timedelta(hours=2)).isoformat(),
        districts=", ".join(DISTRICTS),
        fields=", ".join(FIELD_IDS),
    )


def load_event_file(path: Traversable) -> list[EventDefinition]:
    """One event (a mapping) or several (a list) from YAML."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EventFileError(f"{path}: cannot read YAML: {exc}") from exc
    entries = raw if isinstance(raw, list) else [raw]
    events = []
    for number, entry in enumerate(entries, start=1):
        try:
            events.append(EventDefinition.model_validate(entry))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            raise EventFileError(f"{path}: event {number}: {problems}") from None
    return events


def upcoming_demo_event(now: datetime) -> EventDefinition:
    """A future event for the demo, two weeks from `now`, so invitations can be tried out."""
    day = (now + timedelta(days=14)).astimezone(BERLIN).replace(hour=17, minute=0, second=0, microsecond=0)
    return EventDefinition(
        title={
            "de": "Mitsprache-Treffen: Ihre Ideen für Berlin",
            "en": "Mitsprache meeting: your ideas for Berlin",
        },
        description={"de": "Wir sprechen über die Ergebnisse der Befragung. Mit Kinderbetreuung."},
        starts_at=day,
        ends_at=day + timedelta(hours=2),
        place="Rathaus Neukölln, Karl-Marx-Straße 83",
        district="neukoelln",
        fields=["partizipation", "sozialraum"],
        interpreted=["ar", "fa", "uk"],
        accessibility={"de": "Rollstuhlgerecht, Aufzug vorhanden."},
        capacity=30,
        status="published",
    )
