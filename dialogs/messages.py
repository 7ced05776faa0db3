"""What goes into and comes out of the engine: inputs, replies with buttons, answer events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeGuard, get_args

from dialogs.definitions import AnswerValue
from dialogs.state import ConversationState

# Button actions. Kept short: they travel inside Telegram's 64-byte callback data.
Action = Literal[
    "agree",  # "yes" to the consent text: the age question follows
    "adult",  # 16 or older: consent given
    "minor",  # younger than 16: ask a parent first
    "parents",  # a parent (or guardian) agrees: consent given
    "more",  # arg of agree, adult, minor, parents and more: the field a start link asked for, or ""
    "decline",  # consent
    "open",  # open a field (arg: field id)
    "pick",  # answer a single/scale/yesno question (arg: option id or scale value)
    "tog",  # toggle a multiple-choice option (arg: option id)
    "done",  # confirm a multiple-choice selection
    "skip",
    "back",
    "pause",
    "resume",
    "menu",
    "edit",  # from the review: change the answer to a question (arg: question id)
    "send",  # from the review: finish the field
    "withdraw",  # withdraw consent: leads to the same confirmation as /delete
    "forget",
    "keep",  # confirm or cancel deleting everything
    # Outside the questionnaire; each goes to its own use case, not to the engine:
    "rsvp",  # answer an event invitation (arg: "<event id>:yes|maybe|no")
    "sub",  # the invitation subscription (arg: "yes", "no", "district:<id>", "field:<id>", "next", "done")
    "form",  # a staff dialog's button (arg: the value the form gets back)
    "ev",  # staff actions on a listed event (arg: "<event id>:edit|publish|cancel|cancel_yes")
    "lang",  # choose a language (arg: the locale)
    "exp",  # confirm a staff export through the messenger's servers (arg: "<field>:<format>" or "no")
]
OTHER_ACTIONS = frozenset({"rsvp", "sub", "form", "ev", "lang", "exp"})
# Before consent: the steps that store nothing, and the two that give consent (a shell that must create
# something for a person, like the web chat's code, does so only for these).
BEFORE_CONSENT_ACTIONS = frozenset({"agree", "minor", "more", "decline"})
CONSENT_ACTIONS = frozenset({"adult", "parents"})
QUESTIONNAIRE_ACTIONS = frozenset(get_args(Action)) - OTHER_ACTIONS

_ACTIONS = frozenset(get_args(Action))


def is_action(name: str) -> TypeGuard[Action]:
    """For button actions read back from outside (a form, a stored notice)."""
    return name in _ACTIONS


@dataclass(frozen=True)
class Start:
    """The person opened the conversation (or came back). `field`: the field a start link (a poster's QR
    code) asked for; it opens after consent and the "about you" block."""

    field: str | None = None


@dataclass(frozen=True)
class Command:
    name: str


@dataclass(frozen=True)
class Press:
    """A button press; `seq` is the state version the button was rendered for."""

    seq: int
    action: str
    arg: str = ""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Unsupported:
    """Something the engine cannot read: a sticker, photo, voice note, document, location..."""

    kind: str


@dataclass(frozen=True)
class SetLocale:
    """The person chose another language."""

    locale: str


Input = Start | Command | Press | Text | Unsupported | SetLocale


@dataclass(frozen=True)
class Button:
    label: str
    action: Action
    arg: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply: an .ics calendar entry, an export."""

    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class Reply:
    """One message to a person, in plain text, the same for every channel; buttons in rows."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    # True when this reply redraws the message whose button was just pressed (a toggle).
    replaces_pressed: bool = False
    expects_text: bool = False
    attachment: Attachment | None = None
    # What the reply is about, for a shell that adds words of its own (e.g. a notice about its channel
    # to "consent" and "privacy"); empty for most replies.
    topic: str = ""


@dataclass(frozen=True)
class AnswerSet:
    field: str
    question: str
    value: AnswerValue


@dataclass(frozen=True)
class AnswerCleared:
    field: str
    question: str


@dataclass(frozen=True)
class FieldCompleted:
    field: str


@dataclass(frozen=True)
class ConsentGiven:
    locale: str


@dataclass(frozen=True)
class Forgotten:
    """The person asked to delete everything: storage removes all rows under their pseudonym."""


Event = AnswerSet | AnswerCleared | FieldCompleted | ConsentGiven | Forgotten


@dataclass(frozen=True)
class Outcome:
    """The engine's answer: the new state (None: nothing may be stored), replies and events."""

    state: ConversationState | None
    replies: tuple[Reply, ...]
    events: tuple[Event, ...] = field(default=())
