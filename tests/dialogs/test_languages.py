"""Telegram's language_code onto the shipped locales: regions, macrolanguages and old codes; what a
language is called."""

from __future__ import annotations

import pytest

from dialogs.events import language_names
from dialogs.i18n import Translator
from dialogs.languages import display_name, match_locale, shipped_code

SHIPPED = {"de", "en", "ar", "fa", "fa_AF", "ps", "uk", "ru", "tr", "ku", "ti", "vi", "ro"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("en-GB", "en"),
        ("fa-IR", "fa"),
        ("fa", "fa"),
        ("pes", "fa"),
        ("fa-AF", "fa_AF"),  # Dari, the Persian of Afghanistan
        ("fa_AF", "fa_AF"),
        ("fa-af", "fa_AF"),
        ("fa-Arab-AF", "fa_AF"),
        ("prs", "fa_AF"),
        ("prs-AF", "fa_AF"),
        ("uk-UA", "uk"),
        ("uk_UA", "uk"),
        ("kmr", "ku"),
        ("ku-TR", "ku"),
        ("ar-SY", "ar"),
        ("apc", "ar"),
        ("ps-AF", "ps"),
        ("pbu", "ps"),
        ("ti-ER", "ti"),
        ("mo", "ro"),
        ("ro-MD", "ro"),
        ("ru-RU", "ru"),
        ("tr", "tr"),
        ("vi-VN", "vi"),
        ("EN-us", "en"),
    ],
)
def test_codes_map_onto_shipped_locales(code: str, expected: str) -> None:
    assert match_locale(code, SHIPPED) == expected


@pytest.mark.parametrize("code", [None, "", "so", "sw-KE", "zz"])
def test_unknown_codes_get_the_default(code: str | None) -> None:
    assert match_locale(code, SHIPPED, default="de") == "de"


def test_an_unshipped_language_is_never_returned() -> None:
    assert match_locale("fa-IR", {"de", "en"}) == "de"


def test_dari_falls_back_to_persian_where_it_is_not_shipped() -> None:
    without = SHIPPED - {"fa_AF"}
    assert match_locale("prs", without) == "fa"
    assert match_locale("fa-AF", without) == "fa"


@pytest.mark.parametrize(("code", "expected"), [("fa-AF", "fa_AF"), ("FA_af", "fa_AF"), ("ar", "ar")])
def test_a_typed_code_finds_its_catalog_in_any_spelling(code: str, expected: str) -> None:
    assert shipped_code(code, SHIPPED) == expected


@pytest.mark.parametrize("code", [None, "", "prs", "fa-IR", "de-AT"])
def test_a_typed_code_is_not_guessed(code: str | None) -> None:
    """A URL's ?lang= or --lang names one catalog; only the phone's own code is matched loosely."""
    assert shipped_code(code, SHIPPED) is None


@pytest.mark.parametrize(
    ("locale", "reader", "name"),
    [
        ("fa_AF", "fa_AF", "دری"),  # CLDR's own name for the regional language, not "Persian (Afghanistan)"
        ("fa_AF", "de", "Dari"),
        ("fa_AF", "en", "Dari"),
        ("fa", "fa", "فارسی"),
        ("fa", "de", "Persisch"),
        ("de_AT", "de", "Österreichisches Deutsch"),
        ("pt_MZ", "de", "Portugiesisch (Mosambik)"),  # no name of its own: language (region)
        ("zz", "de", "zz"),
    ],
)
def test_languages_are_called_by_cldr(locale: str, reader: str, name: str) -> None:
    assert display_name(locale, reader) == name


def test_interpreting_into_dari_says_dari() -> None:
    """An event's "Dolmetschen in:" line and the staff's language buttons use the same names."""
    assert language_names(["ar", "fa", "fa_AF"], Translator("de")) == "Arabisch, Persisch, Dari"
