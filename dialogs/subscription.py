"""Event invitations as pure flows: the subscription (a consent of its own, then districts and topics)
and the answers to an RSVP. No I/O: (what is stored, what was pressed) -> (what to store, replies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.events import DISTRICT_NAMES, DISTRICTS
from dialogs.forms import toggled
from dialogs.i18n import Translator
from dialogs.messages import Button, Reply


@dataclass(frozen=True)
class Wishes:
    """What a subscriber wants invitations for; empty means "all"."""

    districts: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubscriptionOutcome:
    replies: tuple[Reply, ...]
    store: Wishes | None = None  # subscribe (or update) with these wishes; None: store nothing


def ask(t: Translator) -> Reply:
    """The consent question that starts the subscription."""
    return Reply(
        t._(
            "Einladungen zu Veranstaltungen sind eine eigene Zustimmung. Dafür speichern wir Ihre "
            "Chat-Nummer, Ihre Sprache und die Bezirke und Themen, die Sie wählen. "
            "Mit /unsubscribe beenden Sie das jederzeit, mit /delete löschen Sie alles.\n\n"
            "Möchten Sie Einladungen bekommen?"
        ),
        (
            (Button(t._("Ja, Einladungen bekommen"), "sub", "yes"),),
            (Button(t._("Nein"), "sub", "no"),),
        ),
    )


def handle(
    arg: str, current: Wishes | None, fields: Sequence[tuple[str, str]], t: Translator
) -> SubscriptionOutcome:
    """One button of the subscription. `current` is the stored subscription (None: there is none);
    `fields` are (field id, short title) in the person's language."""
    if arg == "no":
        return SubscriptionOutcome((Reply(t._("In Ordnung. Sie bekommen keine Einladungen.")),))
    if arg == "yes":
        wishes = current or Wishes()
        return SubscriptionOutcome((_districts(wishes, t),), wishes)
    if current is None:  # a button from before an /unsubscribe or /delete: no consent any more
        return SubscriptionOutcome((not_subscribed(t),))
    kind, _, value = arg.partition(":")
    if kind == "district" and value in DISTRICTS:
        wishes = Wishes(tuple(toggled(current.districts, value)), current.fields)
        return SubscriptionOutcome((_districts(wishes, t),), wishes)
    field_ids = {field_id for field_id, _ in fields}
    if kind == "field" and value in field_ids:
        wishes = Wishes(current.districts, tuple(toggled(current.fields, value)))
        return SubscriptionOutcome((_fields(wishes, fields, t),), wishes)
    if arg == "next":
        return SubscriptionOutcome((_fields(current, fields, t),))
    if arg == "done":
        return SubscriptionOutcome(
            (
                Reply(
                    t._(
                        "Fertig. Sie bekommen Einladungen in Ihrer Sprache. "
                        "Mit /events sehen Sie, was geplant ist."
                    )
                ),
            )
        )
    return SubscriptionOutcome((Reply(t._("Dieser Knopf ist nicht mehr aktuell.")),))


def not_subscribed(t: Translator) -> Reply:
    return Reply(t._("Bitte melden Sie sich zuerst mit /subscribe für Einladungen an."))


def unsubscribed(removed: bool, t: Translator) -> Reply:
    if removed:
        return Reply(t._("Sie bekommen keine Einladungen mehr. Ihre Angaben dazu sind gelöscht."))
    return Reply(t._("Sie bekommen keine Einladungen."))


def _toggle_rows(
    options: Sequence[tuple[str, str]], chosen: Sequence[str], kind: str, following: str, t: Translator
) -> tuple[tuple[Button, ...], ...]:
    rows = tuple(
        (Button(("☑ " if value in chosen else "☐ ") + label, "sub", f"{kind}:{value}"),)
        for value, label in options
    )
    return (*rows, (Button(t._("Weiter"), "sub", following),))


def _districts(wishes: Wishes, t: Translator) -> Reply:
    options = [(d, DISTRICT_NAMES[d]) for d in DISTRICTS]
    return Reply(
        t._("Für welche Bezirke möchten Sie Einladungen? Nichts gewählt heißt: alle Bezirke."),
        _toggle_rows(options, wishes.districts, "district", "next", t),
        replaces_pressed=True,
    )


def _fields(wishes: Wishes, fields: Sequence[tuple[str, str]], t: Translator) -> Reply:
    return Reply(
        t._("Zu welchen Themen? Nichts gewählt heißt: alle Themen."),
        _toggle_rows(fields, wishes.fields, "field", "done", t),
        replaces_pressed=True,
    )


RSVP_ANSWERS = ("yes", "maybe", "no")


def rsvp_reply(status: str, t: Translator) -> Reply:
    """What a person hears after answering an invitation (`status` from storage.events.answer)."""
    answers = {
        "confirmed": t._("Danke! Sie sind angemeldet. Wir erinnern Sie einen Tag vorher."),
        "waitlisted": t._(
            "Die Veranstaltung ist voll. Sie stehen auf der Warteliste. "
            "Wird ein Platz frei, sagen wir Bescheid."
        ),
        "maybe": t._("Danke! Wir haben „vielleicht“ notiert."),
        "no": t._("Danke für Ihre Antwort."),
    }
    return Reply(answers.get(status) or t._("Diese Veranstaltung gibt es nicht mehr."))
