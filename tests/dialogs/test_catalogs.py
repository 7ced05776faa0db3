"""The shipped catalogs: complete, consistent with the code, checked by msgfmt; a new one needs no code."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po, write_po

from bot import catalogs
from bot.locales import translator
from bot.telegram.commands import app_languages
from dialogs.bidi import FSI, MARKS, PDI
from dialogs.definitions import load_catalogue
from dialogs.i18n import Translator
from dialogs.languages import match_locale

# The product brief's languages; every other catalog folder is checked as well (TRANSLATED).
REQUIRED = {"de", "en", "ar", "fa", "fa_AF", "ps", "uk", "ru", "tr", "ku", "ti", "vi", "ro"}
TRANSLATED = sorted(set(catalogs.shipped_locales()) - {"de"})


def test_every_required_language_is_shipped() -> None:
    assert set(catalogs.shipped_locales()) >= REQUIRED


def test_the_template_matches_the_code() -> None:
    """Forgetting `mitsprache catalogs update` after changing a text fails here."""
    with (catalogs.SHIPPED / "messages.pot").open("rb") as handle:
        committed = {(m.context, str(m.id)) for m in read_po(handle) if m.id}
    extracted = {(m.context, str(m.id)) for m in catalogs.extract() if m.id}
    assert extracted == committed, "run `mitsprache catalogs update`"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_is_complete_and_consistent(locale: str) -> None:
    report = catalogs.check(locale)
    assert report.untranslated == []
    assert report.fuzzy == []
    assert report.mismatched == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_unreviewed_catalogs_say_so(locale: str) -> None:
    report = catalogs.check(locale)
    text = catalogs.po_path(locale).read_text(encoding="utf-8")
    assert report.reviewed or catalogs.NOT_REVIEWED in text


@pytest.mark.parametrize("locale", TRANSLATED)
def test_msgfmt_check_passes(locale: str) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI") == "true":
            pytest.fail("msgfmt (GNU gettext) is missing; .ci/run installs it", pytrace=False)
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "-o", os.devnull, str(catalogs.po_path(locale, catalogs.LOCALES_DIR))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_arabic_has_six_plural_forms() -> None:
    t = translator("ar")
    assert "nplurals=6" in catalogs.po_path("ar").read_text(encoding="utf-8")
    forms = {
        t.n_("Sie können höchstens {n} Antwort wählen.", "Sie können höchstens {n} Antworten wählen.", n)
        for n in (0, 1, 2, 3, 11, 100)
    }
    assert len(forms) == 6


def test_ukrainian_plural_follows_its_own_rule() -> None:
    t = translator("uk")
    one, few, many = (
        t.n_("Bitte wählen Sie mindestens {n} Antwort.", "Bitte wählen Sie mindestens {n} Antworten.", n)
        for n in (1, 3, 5)
    )
    assert len({one, few, many}) == 3


def test_a_new_catalog_is_picked_up_without_code(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(catalogs.LOCALES_DIR, locales)
    assert "so" not in catalogs.shipped_locales(locales)
    source = catalogs.po_path("en", locales)
    target = catalogs.po_path("so", locales)
    target.parent.mkdir(parents=True)
    with source.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    catalog.locale = "so"  # type: ignore[assignment]
    next(iter(m for m in catalog if m.id == "Hilfe")).string = "Caawimaad"
    with target.open("wb") as handle:
        write_po(handle, catalog)
    assert "so" in catalogs.shipped_locales(locales)
    loaded = catalogs.load("so", locales)
    assert loaded is not None and loaded.gettext("Hilfe") == "Caawimaad"


def test_update_starts_a_new_language_with_its_plural_rule(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    locales.mkdir()
    shutil.copy(catalogs.LOCALES_DIR / "babel.cfg", locales / "babel.cfg")
    catalogs.update(locales, new_locale="so")
    text = catalogs.po_path("so", locales).read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=2" in text and catalogs.NOT_REVIEWED in text
    report = catalogs.check("so", locales)
    assert report.untranslated and not report.ok  # reported, never silent


def test_a_missing_translation_falls_back_to_german_and_is_reported(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(catalogs.LOCALES_DIR, locales)
    path = catalogs.po_path("en", locales)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    next(iter(m for m in catalog if m.id == "Hilfe")).string = ""
    with path.open("wb") as handle:
        write_po(handle, catalog)
    loaded = catalogs.load("en", locales)
    assert loaded is not None and loaded.gettext("Hilfe") == "Hilfe"
    assert "Hilfe" in catalogs.check("en", locales).untranslated


def test_dates_are_written_the_languages_way_in_berlin_time() -> None:
    moment = datetime(2017, 11, 9, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
    assert translator("de").datetime(moment) == "Donnerstag, 9. November 2017, 18:00"
    assert "листопада" in translator("uk").datetime(moment)
    arabic = translator("ar").datetime(moment)
    assert arabic.startswith(FSI) and arabic.endswith(PDI) and "نوفمبر" in arabic
    with pytest.raises(ValueError, match="naive"):
        Translator("de").datetime(datetime(2017, 11, 9, 18, 0))


HELP_FACTS = {
    ("gesundheit", "seele_hilfe_wissen"): (
        "Berliner Krisendienst", "www.berliner-krisendienst.de", "0800 111 0 111", "112",
    ),
    ("demokratie", "schlecht_behandelt"): (
        "ADNB des TBB", "LADG-Ombudsstelle Berlin", "www.berlin.de/sen/lads/recht/ladg/ombudsstelle", "110",
    ),
}  # fmt: skip


@pytest.mark.parametrize("locale", TRANSLATED)
def test_help_after_a_question_keeps_names_numbers_and_addresses(locale: str) -> None:
    """A person who needs help must be able to find the service: its name, number and web address stay
    as they are in every language."""
    t, catalogue = translator(locale), load_catalogue()
    for (field, question_id), facts in HELP_FACTS.items():
        questionnaire = catalogue.get(field)
        question = questionnaire.question(question_id) if questionnaire else None
        assert question is not None and question.help_after
        text = t.p_(f"{field}.{question_id}.help_after", question.help_after)
        assert text != question.help_after  # translated
        for fact in facts:
            assert fact in text, (locale, field, fact)


# By language: a regional catalog (fa_AF) quotes like its language.
QUOTES = {"en": "“”", "ar": "«»", "fa": "«»", "ps": "«»", "ku": "“”", "ro": "„”", "ru": "«»", "uk": "«»",
          "ti": "«»", "tr": "“”", "vi": "“”"}  # fmt: skip


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_use_their_own_quotation_marks(locale: str) -> None:
    with catalogs.po_path(locale).open("rb") as handle:
        catalog = read_po(handle)
    opening, closing = QUOTES.get(locale) or QUOTES.get(locale.split("_")[0]) or "“”"
    # German quotes are „…“: a language that opens otherwise has no „, and Romanian closes with ”.
    german = "„" if opening != "„" else "“"
    for message in catalog:
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        for text in (str(s) for s in strings if s):
            assert german not in text, f"{locale}: German quotation marks in {text[:60]!r}"
            assert text.count(opening) == text.count(closing) or opening == closing, (locale, text[:60])


def _strings(locale: str) -> list[str]:
    """Every translation in the catalog, plural forms one by one."""
    with catalogs.po_path(locale).open("rb") as handle:
        catalog = read_po(handle)
    found: list[str] = []
    for message in catalog:
        if message.id:
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            found += [str(s) for s in strings if s]
    return found


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogs_carry_no_direction_marks(locale: str) -> None:
    """The bot adds them where a line needs them (dialogs/bidi.py); marks in a catalog would double up."""
    for text in _strings(locale):
        assert not MARKS & set(text), (locale, text[:60])


def test_dari_is_its_own_language_named_laid_out_and_dated_the_afghan_way() -> None:
    t = translator("fa_AF")
    assert catalogs.language_name("fa_AF") == "دری" and t.language_name == "دری"
    assert catalogs.language_name("fa") == "فارسی"  # Iranian Persian stays what it was
    assert t.rtl and translator("fa").rtl
    day = date(2026, 12, 2)
    assert format_date(day, "MMMM", locale="fa_AF") == "دسمبر"  # Babel's fa_AF: the Afghan month names
    assert "دسمبر" in t.date(day) and "دسامبر" not in t.date(day)
    assert "دسامبر" in translator("fa").date(day)
    assert "جنوری" in t.datetime(datetime(2027, 1, 14, 17, 0, tzinfo=UTC))


# Iranian words with an Afghan one (the Dari catalog's header names them all).
IRANIAN = {"دکتر": "داکتر", "دانشگاه": "پوهنتون", "مدرسه": "مکتب", "آلمان": "جرمنی", "بیمارستان": "شفاخانه",
           "پلیس": "پولیس", "تلفن": "تیلفون", "مهدکودک": "کودکستان", "رویداد": "برنامه"}  # fmt: skip
_WORD = "(?<![\u0621-\u06ff])({})"


def test_dari_uses_afghan_words_where_persian_uses_iranian_ones() -> None:
    iranian = re.compile(_WORD.format("|".join(IRANIAN)))
    for text in _strings("fa_AF"):
        assert not iranian.search(text), text[:80]
    arzt = ("gesundheit.arzt_zugang", "Wie leicht finden Sie in Berlin eine Ärztin oder einen Arzt?")
    t = translator("fa_AF")
    assert "داکتر" in t.p_(*arzt)
    assert "جرمنی" in t.p_("about.zeit_in_de", "Wie lange leben Sie schon in Deutschland?")
    assert "مکتب" in t.p_("familie.short_title", "Kinder, Familie, Schule")
    assert "دکتر" in translator("fa").p_(*arzt)  # the Iranian catalog is not touched


def test_pashto_spells_germany_the_afghan_way() -> None:
    for text in _strings("ps"):
        assert "آلمان" not in text and "المان" not in text, text[:80]
    t = translator("ps")
    assert "جرمني" in t.p_("about.zeit_in_de", "Wie lange leben Sie schon in Deutschland?")
    assert "جرمني" in t._("Schreiben Sie die Nachricht auf Deutsch.")  # the German language too


def test_a_regional_catalog_needs_no_code(tmp_path: Path) -> None:
    """One more folder, here Syrian Arabic: found, matched to the phone's code before its language, named
    by CLDR, laid out by its language's direction, left out of Telegram's menus by app language (which
    take a two-letter code; its people get theirs per chat)."""
    locales = tmp_path / "locales"
    shutil.copytree(catalogs.LOCALES_DIR, locales)
    target = catalogs.po_path("ar_SY", locales)
    target.parent.mkdir(parents=True)
    with catalogs.po_path("ar", locales).open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    catalog.locale = "ar_SY"  # type: ignore[assignment]
    with target.open("wb") as handle:
        write_po(handle, catalog)
    shipped = catalogs.shipped_locales(locales)
    assert "ar_SY" in shipped and "ar" in shipped
    assert match_locale("ar-SY", shipped) == "ar_SY" and match_locale("ar-IQ", shipped) == "ar"
    assert catalogs.is_rtl("ar_SY")
    assert catalogs.language_name("ar_SY") not in ("ar_SY", catalogs.language_name("ar"))
    assert "ar_SY" not in app_languages(shipped) and "ar" in app_languages(shipped)
    assert catalogs.check("ar_SY", locales).ok
