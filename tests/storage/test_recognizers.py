"""The pattern recognizers behind the scrubber (storage/recognizers.py), on their own: what each finds in
running text and what it leaves alone. The scrubber's own tests (test_scrubbing.py) cover the whole."""

from __future__ import annotations

import logging

import phonenumbers
import pytest
import tldextract

import storage.recognizers
from storage.recognizers import (
    Match,
    Pattern,
    PatternRecognizer,
    PhoneRecognizer,
    analyze,
    email_recognizer,
    iban_recognizer,
    url_recognizer,
    valid_iban,
)

OFFLINE = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def spans(found: list[Match], text: str) -> list[str]:
    return [text[m.start : m.end] for m in sorted(found, key=lambda m: m.start)]


def test_email_addresses_need_a_real_suffix() -> None:
    text = "Schreibt an mariam.haddad@gmx.de oder an admin@localhost, nicht an @handle."
    assert spans(email_recognizer(OFFLINE).find(text), text) == ["mariam.haddad@gmx.de"]


def test_web_addresses_with_and_without_a_scheme() -> None:
    text = "Infos auf https://www.berlin.de/laf und auf WWW.EXAMPLE.COM, nicht auf Seite 3.5"
    found = spans(url_recognizer().find(text), text)
    assert "https://www.berlin.de/laf" in found and "WWW.EXAMPLE.COM" in found
    assert not any("3.5" in f for f in found)


def test_ibans_need_the_check_digits_and_the_countrys_format() -> None:
    text = "Kaution auf DE89 3704 0044 0532 0130 00 2 Tage später, nicht auf DE89 3704 0044 0532 0130 01."
    assert spans(iban_recognizer().find(text), text) == ["DE89 3704 0044 0532 0130 00"]
    assert valid_iban("GB82WEST12345698765432") and valid_iban("NL91-ABNA-0417-1643-00")
    assert valid_iban("FR1420041010050500013M02606") and valid_iban("UA213223130000026007233566001")
    assert not valid_iban("GB82WEST1234569876543")  # one character short
    assert not valid_iban("ZZ89370400440532013000")  # no such country
    assert not valid_iban("DE0537040044053201300A")  # right check digits, but German accounts are digits
    # Check digits are written 02 to 98: 99, 00 and 01 pass MOD 97 too, as aliases of 02, 97 and 98.
    assert valid_iban("DE02798071607331343342") and not valid_iban("DE99798071607331343342")
    assert valid_iban("DE97902393135281268701") and not valid_iban("DE00902393135281268701")


def test_phone_numbers_for_each_region_once() -> None:
    text = "Ruf an: +49 30 901820 oder 0151 23456789, Zimmer 12"
    found = spans(PhoneRecognizer(("DE", "SY"), phonenumbers.Leniency.VALID).find(text), text)
    assert "+49 30 901820" in found and "0151 23456789" in found and "12" not in found
    assert len(found) == len(set(found))  # a number both regions find is reported once


def test_a_finding_within_a_finding_of_its_kind_is_reported_only_with_a_higher_score() -> None:
    """Presidio's rule: "www.berlin.de/laf" (score 0.5) inside "https://www.berlin.de/laf" (0.6) is
    not a finding of its own; a number inside a room with a higher score than the room is."""
    text = "Infos auf https://www.berlin.de/laf oder 030/12345678"
    assert spans(url_recognizer().find(text), text) == ["https://www.berlin.de/laf"]
    phones = PhoneRecognizer(("DE", "SY", "IR"), phonenumbers.Leniency.VALID).find(text)
    assert spans(phones, text) == ["030/12345678"]

    text = "Zimmer 12"
    for inner_score, found in ((0.5, ["Zimmer 12"]), (0.7, ["Zimmer 12", "12"])):
        patterns = [Pattern("room", r"Zimmer \d+", 0.5), Pattern("number", r"\d+", inner_score)]
        together = PatternRecognizer("ZIMMER", patterns).find(text)
        apart = analyze([PatternRecognizer("ZIMMER", [pattern]) for pattern in patterns], text)
        for result in (together, apart):
            assert sorted(spans(result, text), key=len, reverse=True) == found


def test_a_runaway_pattern_is_abandoned_and_what_it_found_counts(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Catastrophic backtracking ((a|aa)+ before a "b" takes 2^60 steps) must not hang an export."""
    monkeypatch.setattr(storage.recognizers, "TIMEOUT_SECONDS", 0.05)
    recognizer = PatternRecognizer("RUNAWAY", [Pattern("runaway", r"(a|aa)+$")])
    text = "aa\n" + "a" * 60 + "b"
    with caplog.at_level(logging.WARNING, logger="storage.recognizers"):
        assert spans(recognizer.find(text), text) == ["aa"]
    assert [r.getMessage() for r in caplog.records] == [
        "pattern 'runaway' (RUNAWAY) timed out after 0.05 seconds, skipped"
    ]


def test_pattern_recognizers_check_what_they_find() -> None:
    recognizer = PatternRecognizer(
        "ZIMMER", [Pattern("room", r"Zimmer \d+"), Pattern("room again", r"Zimmer \d+")],
        validate=lambda found: not found.endswith("0"),
    )  # fmt: skip
    text = "zimmer 12 und Zimmer 20"
    assert spans(recognizer.find(text), text) == ["zimmer 12"]  # case ignored by default, once


def test_analyze_runs_the_wanted_kinds_in_reading_order() -> None:
    """Overlapping candidates (the domain of an address is a URL too) are all reported: the scrubber
    decides between them."""
    text = "a@b.de, www.berlin.de"
    recognizers = [url_recognizer(), email_recognizer(OFFLINE)]
    found = [(m.kind, text[m.start : m.end]) for m in analyze(recognizers, text)]
    assert found == [("EMAIL", "a@b.de"), ("URL", "b.de"), ("URL", "www.berlin.de")]
    assert {m.kind for m in analyze(recognizers, text, ["URL"])} == {"URL"}
