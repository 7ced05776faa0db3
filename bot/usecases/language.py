"""Choosing a language, the same in every shell: the picker, and what a choice means for the person."""

from __future__ import annotations

from collections.abc import Sequence

from bot import catalogs
from dialogs.i18n import Translator
from dialogs.messages import Button, Input, Reply, SetLocale, Start


def picker(locales: Sequence[str], suggested: str, t: Translator) -> Reply:
    """Each language named in its own script; the suggested one (the phone's, or the current) first."""
    ordered = [suggested, *[code for code in locales if code != suggested]]
    buttons = [Button(catalogs.language_name(code), "lang", code) for code in ordered]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    return Reply(t._("Bitte wählen Sie Ihre Sprache."), rows)


def chosen(code: str, consented: bool) -> Input:
    """The input for `Conversations.handle(person, …, code)` once a language is picked: a consenting
    person keeps their place in the new language; anybody else is asked for consent in it (nothing
    about them is stored before that)."""
    return SetLocale(code) if consented else Start()
