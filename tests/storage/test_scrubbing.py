"""Offline PII scrubbing: every kind in several languages and scripts, non-PII that must survive,
overlaps, no network access, and the labelled corpus.

The corpus (tests/data/scrubbing_corpus.jsonl, also measured by benchmarks/scrubbing.py) holds short
answers in all twelve languages of the people we serve. Each text with labels must come out with
exactly its labelled values replaced by their placeholders and every other word kept; each text
without labels must come out unchanged. ``KNOWN_MISSES`` lists what the scrubber does not find.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import tldextract

from storage.scrubbing import KINDS, Finding, Scrubbed, Scrubber

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "scrubbing_corpus.jsonl"


# (language, text, kind, the exact personal value)
POSITIVE = [
    # TELEFON
    ("de", "Meine Nummer ist 0151 2345678, bitte zurückrufen.", "TELEFON", "0151 2345678"),
    ("de", "Festnetz im Heim: 030/12345678, nur abends.", "TELEFON", "030/12345678"),
    ("en", "Call me on +49 30 1234567 after work.", "TELEFON", "+49 30 1234567"),
    ("ar", "يمكنكم التواصل معي على +963 944 123 456 عبر واتساب", "TELEFON", "+963 944 123 456"),
    ("ar", "هاتفي ٠٥٠١٢٣٤٥٦٧ وهو رقم قديم", "TELEFON", "٠٥٠١٢٣٤٥٦٧"),
    ("fa", "شماره من ۰۹۱۲۳۴۵۶۷۸۹ است، لطفاً فقط پیام بدهید", "TELEFON", "۰۹۱۲۳۴۵۶۷۸۹"),
    ("fa", "شماره ایران ۰۰۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹ مال مادرم است", "TELEFON", "۰۰۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹"),
    ("uk", "Мій номер +380 67 123 4567, пишіть у Viber.", "TELEFON", "+380 67 123 4567"),
    ("ru", "Мой номер 8 (916) 123-45-67, звоните вечером.", "TELEFON", "8 (916) 123-45-67"),
    ("tr", "Numaram 0532 123 45 67, akşam arayın.", "TELEFON", "0532 123 45 67"),
    ("vi", "Số của tôi là +84 912 345 678.", "TELEFON", "+84 912 345 678"),
    # EMAIL
    ("de", "Schreiben Sie mir an mariam.haddad@gmx.de, danke.", "EMAIL", "mariam.haddad@gmx.de"),
    ("ar", "بريدي الإلكتروني ahmad.alhassan@gmail.com وأنتظر الرد", "EMAIL", "ahmad.alhassan@gmail.com"),
    ("ru", "Почта: dmitri.ivanov@mail.ru", "EMAIL", "dmitri.ivanov@mail.ru"),
    # URL
    (
        "de",
        "Alles hochgeladen auf https://www.dropbox.com/s/abc123/bescheid.pdf, bitte ansehen.",
        "URL",
        "https://www.dropbox.com/s/abc123/bescheid.pdf",
    ),
    (
        "fa",
        "اطلاعات در سایت www.integrationsbeauftragte.berlin هست",
        "URL",
        "www.integrationsbeauftragte.berlin",
    ),
    ("uk", "Пишіть мені: t.me/olena_kov", "URL", "t.me/olena_kov"),
    # IBAN
    ("de", "Kaution bitte auf DE89 3704 0044 0532 0130 00 zurück.", "IBAN", "DE89 3704 0044 0532 0130 00"),
    (
        "ar",
        "رقم الحساب DE02 1203 0000 0000 2020 51 لكن المكتب لم يحول المبلغ",
        "IBAN",
        "DE02 1203 0000 0000 2020 51",
    ),
    (
        "ru",
        "Турецкий счёт TR33 0006 1005 1978 6457 8413 26 закрыт.",
        "IBAN",
        "TR33 0006 1005 1978 6457 8413 26",
    ),
    # TELEGRAM
    ("de", "Bitte kontaktiert mich auf Telegram: @ahmad_k93", "TELEGRAM", "@ahmad_k93"),
    ("fa", "آیدی تلگرام من @reza_ahmadi است", "TELEGRAM", "@reza_ahmadi"),
    ("uk", "Мій телеграм @olena_kov, пишіть.", "TELEGRAM", "@olena_kov"),
    # ADRESSE
    ("de", "Die Unterkunft in der Müllerstr. 147 ist laut.", "ADRESSE", "Müllerstr. 147"),
    ("de", "Die Kita in der Prenzlauer Allee 227 hat keinen Platz.", "ADRESSE", "Prenzlauer Allee 227"),
    ("de", "Die Ärztin in der Hauptstraße 5a spricht Arabisch.", "ADRESSE", "Hauptstraße 5a"),
    ("de", "Am Tempelhofer Berg 12 ist eine Beratungsstelle.", "ADRESSE", "Am Tempelhofer Berg 12"),
    ("en", "We live at Karl-Marx-Straße 12, second floor.", "ADRESSE", "Karl-Marx-Straße 12"),
    ("ar", "نسكن في Müllerstr. 147 والغرف صغيرة جداً", "ADRESSE", "Müllerstr. 147"),
    ("ru", "Нас поселили на Мюллерштрассе 147, там шумно.", "ADRESSE", "Мюллерштрассе 147"),
    # ADRESSE in Arabic, Persian and Cyrillic letters (the examples), with Arabic-Indic and
    # Persian digits and a house-number letter in any script
    ("ar", "نسكن في موللر اشتراسه 12 منذ سنتين", "ADRESSE", "موللر اشتراسه 12"),
    ("fa", "ما در زونن آله ۲۲۱ زندگی می‌کنیم", "ADRESSE", "زونن آله ۲۲۱"),
    ("ru", "Мы живём на Карл-Маркс-Аллее 3а, второй этаж.", "ADRESSE", "Карл-Маркс-Аллее 3а"),
    ("fa", "آدرس کمپ: کارل مارکس آله ۱۲ب است", "ADRESSE", "کارل مارکس آله ۱۲ب"),
    ("ar", "العيادة في شارع هيرمان ١٠ قريبة من المترو", "ADRESSE", "شارع هيرمان ١٠"),
    ("uk", "Моя адреса в Києві: вулиця Шевченка, буд. 12", "ADRESSE", "вулиця Шевченка, буд. 12"),
    ("tr", "Karl-Marx-Allee 3a'da oturuyoruz.", "ADRESSE", "Karl-Marx-Allee 3a"),
    # PLZ
    ("de", "Unsere Adresse endet mit 10115 Berlin, Mitte.", "PLZ", "10115"),
    ("fa", "کد پستی ۱۰۱۱۵ است", "PLZ", "۱۰۱۱۵"),
    ("ru", "Индекс 12627, общежитие.", "PLZ", "12627"),
    # NAME: after an introduction, a family word or a form of address
    ("de", "Ich heiße Ahmad Al-Hassan und komme aus Syrien.", "NAME", "Ahmad Al-Hassan"),
    ("de", "Frau Schneider vom Jobcenter hat uns sehr geholfen.", "NAME", "Schneider"),
    ("en", "My daughter Sara is in the welcome class.", "NAME", "Sara"),
    ("ar", "اسمي محمد الأحمد وعمري ٣٥ سنة", "NAME", "محمد الأحمد"),
    ("ar", "ابنتي مريم تحتاج إلى مكان في الروضة", "NAME", "مريم"),
    ("fa", "نام من رضا احمدی است و از هرات آمده‌ام", "NAME", "رضا احمدی"),
    ("ps", "زما نوم احمد شاه دی", "NAME", "احمد شاه"),
    ("ru", "Мой сын Артём ходит в садик.", "NAME", "Артём"),
    ("uk", "Мене звати Олена Коваленко.", "NAME", "Олена Коваленко"),
    ("tr", "Benim adım Mehmet Yılmaz, Berlin'de yaşıyorum.", "NAME", "Mehmet Yılmaz"),
    ("ro", "Mă numesc Ana Popescu și locuiesc în Spandau.", "NAME", "Ana Popescu"),
    ("vi", "Tên tôi là Nguyễn Văn An.", "NAME", "Nguyễn Văn An"),
    ("ku", "Navê min Rojda ye, ez ji Efrînê me.", "NAME", "Rojda"),
    ("ti", "ስመይ ዮናስ እዩ፣ ካብ ኤርትራ እየ", "NAME", "ዮናስ"),
    # DOKUMENT: BAMF file numbers, passports, residence permits
    (
        "de",
        "Mein Aktenzeichen beim BAMF ist 1234567-439, bitte nicht weitergeben.",
        "DOKUMENT",
        "1234567-439",
    ),
    ("de", "Aufenthaltstitel Nr. Y12345678 läuft im Mai ab.", "DOKUMENT", "Y12345678"),
    ("ar", "رقم جواز السفر N012345678 وقد انتهت صلاحيته", "DOKUMENT", "N012345678"),
    ("fa", "شماره پرونده‌ام ۸۷۶۵۴۳۲-۴۳۹ است", "DOKUMENT", "۸۷۶۵۴۳۲-۴۳۹"),
    ("ru", "Номер паспорта 45 06 123456, но он остался дома.", "DOKUMENT", "45 06 123456"),
    # GEBURTSDATUM: after or before a word for birth, in any digits, with a month's name
    ("de", "Ich bin am 12.03.1990 in Aleppo geboren.", "GEBURTSDATUM", "12.03.1990"),
    ("en", "I was born on 5 March 1988 in Herat.", "GEBURTSDATUM", "5 March 1988"),
    ("ar", "تاريخ الميلاد ١٢/٣/١٩٩٠ في دمشق", "GEBURTSDATUM", "١٢/٣/١٩٩٠"),
    ("fa", "من ۱۲ مرداد ۱۳۶۹ در کابل به دنیا آمدم", "GEBURTSDATUM", "۱۲ مرداد ۱۳۶۹"),
    ("uk", "Народилася 12.03.1990 у Львові.", "GEBURTSDATUM", "12.03.1990"),
    ("tr", "12.03.1990'da Halep'te doğdum.", "GEBURTSDATUM", "12.03.1990"),
]


@pytest.mark.parametrize(("lang", "text", "kind", "value"), POSITIVE)
def test_each_kind_is_replaced(scrubber: Scrubber, lang: str, text: str, kind: str, value: str) -> None:
    result = scrubber.scrub(text)
    assert value not in result.text, lang
    assert result.text == text.replace(value, f"[{kind}]")
    assert result.found == (kind,)


def test_every_kind_is_covered_in_several_languages() -> None:
    languages: dict[str, set[str]] = {}
    for lang, _, kind, _ in POSITIVE:
        languages.setdefault(kind, set()).add(lang)
    assert set(languages) == set(KINDS)
    assert all(len(langs) >= 2 for langs in languages.values()), languages


NEGATIVE = [
    "Seit 2017 warte ich auf die Anerkennung meines Diploms.",
    "Die Miete ist 450 Euro warm, das Jobcenter Mitte zahlt nur 400 €.",
    "Die Veranstaltung am 9.11.2017 um 18:00 war gut.",
    "Wir sind 5 Personen in Raum 214, im dritten Stock.",
    "Die Kita Sonnenschein in Pankow hat 2 Jahre Warteliste.",
    "Mit der U8 und dem Bus M29 brauche ich 50 Minuten.",
    "Nur 30% der Kinder haben einen Schulplatz.",
    "Im LAF in der Turmstraße wartet man oft 6 Stunden.",
    "Von 2019-2021 haben wir 1.200 Euro für Kurse bezahlt, Kurs von 8:30-12:00 Uhr.",
    "Am Montag 18 Uhr ist Sprechstunde, an der Schule 3 Kinder ohne Platz.",
    "Kitaplatz seit 2 Jahren beantragt, Termin am 14.12.2025.",
    "The appointment was at 10:30 on 14.09.2023, room 1204, counter 3.",
    "Between 2015 and 2019 I lived in Turkey, now in Spandau.",
    "Jobcenter.Es ist schlecht organisiert, Kita.Der Platz fehlt.",
    "الموعد كان في ٩.١١.٢٠١٧ الساعة ١٨:٠٠ وكان مفيداً",
    "أنتظر منذ عام ٢٠١٧ الاعتراف بشهادتي، الإيجار ٤٥٠ يورو",
    "فقط ٣٠٪ من الأطفال حصلوا على مكان في المدرسة",
    "از سال ۱۳۹۸ در آلمان هستم، تاریخ مصاحبه ۱۴۰۲/۰۵/۱۲ بود",
    "کلاس زبان ساعت ۸:۳۰ تا ۱۲:۰۰ است و ۱۲۰۰ یورو هزینه دارد",
    "10 000 людей чекають на квартиру, 2022-2023 я жила в хостелі.",
    "Курс стоит 1 200 евро, приём в 9:30, кабинет 305.",
    "Долг 1 250 000 рублей остался в России.",
    # family without names, years of birth, streets without a house number, counts after a street
    "Mein Sohn geht seit 2019 in die Kita, meine Tochter noch nicht.",
    "Als Frau Deutsch zu lernen ist mit Kindern schwer.",
    "Ich bin in Syrien geboren, am 12.03.2016 kam ich nach Deutschland.",
    "My name is not important, please help the families.",
    "ابني يذهب إلى المدرسة منذ ٢٠١٩",
    "الانتظار دام ٣ سنوات",
    "خیابان اصلی ۲ بانک دارد",
    "اسم من مهم نیست",
    "Babam İstanbul'da yaşıyor.",
    "Adım adım Almanca öğreniyorum.",
    "50 чоловік чекали в черзі.",
    "Площадь квартиры 45 метров, нас 5 человек.",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_non_pii_survives_unchanged(scrubber: Scrubber, text: str) -> None:
    assert scrubber.scrub(text) == Scrubbed(text, ())


def test_several_findings_in_reading_order(scrubber: Scrubber) -> None:
    text = (
        "Ruf an unter +49 30 1234567 oder schreib an familie.sayed@web.de, "
        "wir wohnen Müllerstr. 147, 13353 Berlin."
    )
    result = scrubber.scrub(text)
    assert (
        result.text == "Ruf an unter [TELEFON] oder schreib an [EMAIL], wir wohnen [ADRESSE], [PLZ] Berlin."
    )
    assert result.found == ("TELEFON", "EMAIL", "ADRESSE", "PLZ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The domain of an e-mail address is also a URL, and "@web" looks like a handle.
        ("Mail: ali.h@web.de bitte", "Mail: [EMAIL] bitte"),
        # An IBAN's digit groups look like a phone number.
        ("IBAN DE89 3704 0044 0532 0130 00 danke", "IBAN [IBAN] danke"),
        # A URL with a phone number and a postcode in it.
        ("Siehe https://example.org/kontakt?tel=030123456&plz=10115 bitte", "Siehe [URL] bitte"),
        # An Instagram handle with dots contains a domain name.
        ("Folgt @syrer.in.berlin", "Folgt [TELEGRAM]"),
    ],
)
def test_overlapping_findings_give_one_placeholder(scrubber: Scrubber, text: str, expected: str) -> None:
    result = scrubber.scrub(text)
    assert result.text == expected
    assert len(result.found) == 1


def test_overlap_resolution_keeps_the_longest_span() -> None:
    candidates = [
        Finding(5, 10, "PLZ"),
        Finding(0, 20, "URL"),
        Finding(18, 30, "TELEFON"),  # overlaps the URL partly: the URL is longer and wins
        Finding(30, 35, "PLZ"),
        Finding(30, 35, "TELEFON"),  # same span: the earlier kind in KINDS wins
        Finding(30, 35, "TELEFON"),
    ]
    assert Scrubber._resolve(candidates) == [Finding(0, 20, "URL"), Finding(30, 35, "TELEFON")]


def test_digit_scripts_keep_spans(scrubber: Scrubber) -> None:
    text = "رقمي ٠١٥١٢٣٤٥٦٧٨ والرمز البريدي ١٣٣٥٣ والموعد ٢٠١٧"
    result = scrubber.scrub(text)
    assert result.text == "رقمي [TELEFON] والرمز البريدي [PLZ] والموعد ٢٠١٧"


def test_scrubbed_is_frozen(scrubber: Scrubber) -> None:
    result = scrubber.scrub("0151 2345678")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "x"  # type: ignore[misc]


def test_empty_and_huge_texts(scrubber: Scrubber) -> None:
    assert scrubber.scrub("") == Scrubbed("", ())
    huge = "Kita 2017, 450 Euro. " * 500 + "0151 2345678"
    result = scrubber.scrub(huge)
    assert result.found == ("TELEFON",)
    assert result.text.endswith("[TELEFON]")


# ---------------------------------------------------------------------------------------------
# No network


def test_no_network_access_during_construction_and_scrubbing(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def _refuse(*args: object, **kwargs: object) -> Any:
            attempts.append(f"{name}{args[:2]}")
            raise OSError(f"network access attempted: {name}")

        return _refuse

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))

    # tldextract's module-level extractor would fetch the public suffix list (and swallow the
    # error, falling back to its snapshot); tldextract.extract is that extractor. The e-mail
    # check must not use it at all.
    def module_level_extract(*args: object, **kwargs: object) -> Any:
        attempts.append("tldextract.extract")
        raise AssertionError("the module-level tldextract extractor was used")

    monkeypatch.setattr(tldextract, "extract", module_level_extract)

    scrubber = Scrubber()
    result = scrubber.scrub("Mail an anna.k@gmx.de oder www.berlin.de, Tel. 0151 2345678, @ali_berlin")
    assert result.found == ("EMAIL", "URL", "TELEFON", "TELEGRAM")
    assert attempts == []


def test_fresh_process_without_network_or_cache(tmp_path: Path) -> None:
    """Import and build in a new process whose sockets all fail and whose caches are empty."""
    script = textwrap.dedent(
        """
        import socket, sys

        attempts = []

        def refuse(*args, **kwargs):
            attempts.append(args[:2])
            raise OSError("no network")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse

        from storage.scrubbing import Scrubber

        result = Scrubber().scrub("a.b@example.de, 0151 2345678")
        assert result.found == ("EMAIL", "TELEFON"), result
        assert not attempts, attempts
        print("ok")
        """
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TLDEXTRACT_CACHE": str(home / "tldextract"),
        "PYTHONPATH": str(ROOT),
    }
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"
    assert "Exception reading Public Suffix List" not in completed.stderr
    # Nothing was cached on disk either (no suffix list, no model).
    assert list(home.rglob("*")) == []


def test_the_scrubber_brings_no_nlp_stack() -> None:
    """Patterns only: importing and building the scrubber loads no spaCy, thinc, blis or numpy (about
    250 MB of the container image when presidio-analyzer brought them, never used)."""
    heavy = {"spacy", "thinc", "blis", "numpy", "presidio_analyzer"}
    script = (
        "import sys; from storage.scrubbing import Scrubber; Scrubber(); "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy!r}))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert completed.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# Labelled corpus


LANGUAGES = {"de", "en", "ar", "fa", "ps", "ku", "tr", "ro", "ru", "uk", "vi", "ti"}


def load_corpus() -> list[dict[str, Any]]:
    with CORPUS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def expected(item: dict[str, Any]) -> str:
    text: str = item["text"]
    for label in item["pii"]:
        text = text.replace(label["value"], f"[{label['kind']}]")
    return text


CORPUS_ITEMS = load_corpus()
LABELLED = [item for item in CORPUS_ITEMS if item["pii"]]
CLEAN = [item for item in CORPUS_ITEMS if not item["pii"]]


def test_corpus_is_well_formed() -> None:
    assert len(CORPUS_ITEMS) >= 400
    per_language = Counter(item["lang"] for item in CORPUS_ITEMS)
    assert set(per_language) == LANGUAGES
    assert min(per_language.values()) >= 15, per_language
    assert 0.4 <= len(LABELLED) / len(CORPUS_ITEMS) <= 0.6
    for item in LABELLED:
        for label in item["pii"]:
            assert label["kind"] in KINDS, label
            assert label["value"] in item["text"], (item["text"], label)
    assert {label["kind"] for item in LABELLED for label in item["pii"]} == set(KINDS)
    # the kinds of the issue in every language, and ordinary answers in every language
    covered = {(label["kind"], item["lang"]) for item in LABELLED for label in item["pii"]}
    for kind in ("ADRESSE", "NAME", "DOKUMENT", "GEBURTSDATUM"):
        missing = {lang for lang in LANGUAGES if (kind, lang) not in covered}
        assert not missing, (kind, missing)
    clean_per_language = Counter(item["lang"] for item in CLEAN)
    assert all(clean_per_language[lang] >= 5 for lang in LANGUAGES), clean_per_language


@pytest.mark.parametrize(
    "item", LABELLED, ids=[f"{item['lang']}-{index}" for index, item in enumerate(LABELLED)]
)
def test_labelled_corpus_text_is_scrubbed_exactly(scrubber: Scrubber, item: dict[str, Any]) -> None:
    """Every labelled value is replaced by its placeholder, and nothing else changes."""
    assert scrubber.scrub(item["text"]).text == expected(item)


@pytest.mark.parametrize("item", CLEAN, ids=[f"{item['lang']}-{index}" for index, item in enumerate(CLEAN)])
def test_clean_corpus_text_stays_unchanged(scrubber: Scrubber, item: dict[str, Any]) -> None:
    assert scrubber.scrub(item["text"]) == Scrubbed(item["text"], ())


# What the scrubber does not find, with the reason; each is expected to fail (strict), so that a
# change that finds one shows up here and the list and the docs can be brought up to date.
KNOWN_MISSES = [
    # a name that nothing announces: no language model is loaded
    ("Kinder: Ahmad (5), Sara (3)", "Kinder: [NAME] (5), [NAME] (3)"),
    # "ich bin …" also introduces nationalities and jobs ("ich bin Syrer"), so it is not used
    ("ich bin ahmad aus syrien", "ich bin [NAME] aus syrien"),
    # a lowercase name after a lowercase family word
    ("meine tochter layla braucht einen kitaplatz", "meine tochter [NAME] braucht einen kitaplatz"),
    # after an Arabic-script family word only listed given names count; "زين" is also "fine"
    ("ابني زين عمره ٥ سنوات", "ابني [NAME] عمره ٥ سنوات"),
    # a street written all in lowercase words, none of them a street word of its own
    ("we live in karl marx str 5", "we live in [ADRESSE]"),
    # a year of birth alone is kept on purpose (it says little more than the age band)
    ("Ich bin 1990 geboren.", "Ich bin [GEBURTSDATUM] geboren."),
]


@pytest.mark.xfail(strict=True, reason="a documented limit of the pattern-based scrubber")
@pytest.mark.parametrize(("text", "wanted"), KNOWN_MISSES)
def test_known_misses(scrubber: Scrubber, text: str, wanted: str) -> None:
    assert scrubber.scrub(text).text == wanted
