"""Hands out one Translator per language, from the catalogs in locales/ (compiled in memory)."""

from __future__ import annotations

import logging
from functools import cache

from bot import catalogs
from dialogs.i18n import SOURCE_LOCALE, Translator

log = logging.getLogger(__name__)


@cache
def translator(locale: str) -> Translator:
    if locale == SOURCE_LOCALE:
        return Translator(SOURCE_LOCALE)
    catalog = catalogs.load(locale)
    if catalog is None:
        log.warning("no catalog for locale %s; falling back to German", locale)
        return Translator(SOURCE_LOCALE)
    return Translator(
        locale, catalog, rtl=catalogs.is_rtl(locale), language_name=catalogs.language_name(locale)
    )
