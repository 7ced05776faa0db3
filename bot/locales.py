"""Loads the gettext catalogs from locales/ and hands out one Translator per language."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from dialogs.i18n import SOURCE_LOCALE, Translator

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
log = logging.getLogger(__name__)


def available_locales(directory: Path = LOCALES_DIR) -> list[str]:
    """The source language plus every language that has a catalog."""
    found = {p.parent.parent.name for p in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return sorted(found | {SOURCE_LOCALE})


@cache
def translator(locale: str, directory: Path = LOCALES_DIR) -> Translator:
    if locale == SOURCE_LOCALE:
        return Translator(SOURCE_LOCALE)
    catalog = Translations.load(str(directory), [locale], DOMAIN)
    if type(catalog) is NullTranslations:
        log.warning("no compiled catalog for locale %s; falling back to German", locale)
        return Translator(SOURCE_LOCALE)
    return Translator(locale, catalog)
