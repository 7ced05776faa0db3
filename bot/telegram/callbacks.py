"""Callback data factories; every packed string stays within Telegram's 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class Act(CallbackData, prefix="a"):
    """An engine button: `s` is the state version it was drawn for, so stale taps are detected.

    `l` carries the chosen language while nothing may be stored yet (before consent).
    """

    s: int
    a: str
    v: str = ""
    l: str = ""  # noqa: E741 - one letter keeps the packed data short


class PickLanguage(CallbackData, prefix="lang"):
    code: str


class Subscribe(CallbackData, prefix="sub"):
    """The invitation subscription: consent, then districts and fields toggled in place."""

    a: str  # yes | no | district | field | all_districts | all_fields | next | done
    v: str = ""


class Rsvp(CallbackData, prefix="rsvp"):
    e: int
    a: str  # yes | maybe | no


class Form(CallbackData, prefix="sf", sep="|"):
    """A button of a staff dialog; `s` is the dialog's step counter, so stale taps are detected."""

    s: int
    v: str


class EventAdmin(CallbackData, prefix="ev"):
    e: int
    a: str  # edit | publish | cancel | cancel_yes
