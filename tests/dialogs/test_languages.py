"""Telegram's language_code onto the shipped locales: regions, macrolanguages and old codes."""

from __future__ import annotations

import pytest

from dialogs.languages import match_locale

SHIPPED = {"de", "en", "ar", "fa", "ps", "uk", "ru", "tr", "ku", "ti", "vi", "ro"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("en-GB", "en"),
        ("fa-IR", "fa"),
        ("fa-AF", "fa"),
        ("prs", "fa"),
        ("prs-AF", "fa"),
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
