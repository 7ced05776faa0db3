"""Pattern pieces shared by the recognizers: letters of each script, house numbers, unit words.

storage/recognizers.py compiles our patterns with the third-party ``regex`` module, case-sensitively (see
``FLAGS``): ``\\p{…}`` classes, ``\\K`` (the match starts after it, so a keyword before a value is
looked for but not replaced) and variable-length lookbehinds are available. The texts the
patterns see have ASCII digits only (Arabic-Indic and Persian digits are translated first) and
their dates and times blanked out with ``_`` (see ``Scrubber._prepare``).
"""

from __future__ import annotations

import re

#: Case-sensitive: capital letters carry meaning (names, German nouns); case-insensitive parts use
#: ``(?i:…)``. The recognizers' default would add IGNORECASE. (``re``'s flag values are ``regex``'s.)
FLAGS = re.MULTILINE | re.DOTALL


def alternation(words: str) -> str:
    """``(?:a|b|…)`` of the whitespace-separated literal ``words``, longest first.

    A ``+`` inside a word stands for any run of whitespace ("تشرين+الأول"). Longest first so that a
    word is not cut short by one of its own prefixes ("Straße" before "Str").
    """
    escaped = {re.escape(word).replace(r"\+", r"\s+") for word in words.split()}
    return "(?:" + "|".join(sorted(escaped, key=lambda w: (-len(w), w))) + ")"


# ---------------------------------------------------------------------------------------------
# Letters per script.

#: Arabic-script letters (Arabic, Persian, Pashto, Kurdish Sorani), without digits and punctuation.
AR = "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff\u0750-\u077f"
#: Vowel marks and the tatweel, which may sit inside an Arabic-script word.
AR_MARKS = "\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed"
ZWNJ = "\u200c"
#: One Arabic-script word; a zero-width non-joiner joins the parts of a Persian word ("می‌کنیم").
AR_WORD = rf"[{AR}][{AR}{AR_MARKS}]*(?:{ZWNJ}[{AR}][{AR}{AR_MARKS}]*)*"
#: Not preceded / followed by an Arabic-script letter (``\\b`` counts the ZWNJ as a word character).
AR_START = rf"(?<![{AR}{AR_MARKS}{ZWNJ}])"
AR_END = rf"(?![{AR}{AR_MARKS}])"

CYR_UP = "А-ЯЁІЇЄҐЎ"
CYR_LO = "а-яёіїєґў"
#: Ukrainian writes an apostrophe inside words (ім'я, Мар'яна).
CYR_APOSTROPHE = "'’ʼ"

#: Ge'ez script (Tigrinya) syllables and their combining marks; not its punctuation (። ፣ …) or digits.
ETHIOPIC = "\u1200-\u135a\u135d-\u135f"
ETHIOPIC_WORD = rf"[{ETHIOPIC}]+"

#: A capital letter of the Latin script (Vietnamese and Turkish capitals included).
LAT_UP = r"(?=\p{Latin})\p{Lu}"
LAT_LO = r"[\p{Ll}\p{M}]"

# ---------------------------------------------------------------------------------------------
# Numbers after a street name that are a quantity, not a house number ("Turmstraße 6 Stunden").

_UNITS_GERMAN = (
    r"Uhr|h|Euro|EUR|€|%|Prozent|Jahre?n?|Monate?n?|Wochen?|Tage?n?|Stunden?|Minuten?|Min"
    r"|[Mm]al|km|m|qm|m²|Kinder|Personen|Leute|Menschen|Familien|Plätze|Termine?|Nächte|Semester"
    r"|Klasse|Bewohner|Zimmer"
)
_UNITS_LATIN = alternation(
    # en
    "years year months month weeks week days day hours hour hrs minutes minute mins times people"
    " persons children kids euros euro families rooms percent kilometres kilometers metres meters"
    " stops floors"
    # tr
    " yıl yıldır yaşında ay aydır gün saat dakika kişi çocuk avro kez defa oda"
    # ro
    " ani luni lună zile ore oră minute copii persoane oameni lei ori camere"
    # vi
    " năm tháng ngày giờ phút người lần phòng tuổi"
    # ku
    " sal meh roj saet deqîqe zarok kes car"
    # ru
    " год года годам лет месяц месяца месяцев недели недель неделю дня дней день час часа часов"
    " минут минуты раз раза евро человек человека детей ребёнка ребенка семей семьи комнат комнаты"
    " этаж этажа процентов остановок остановки км метров метра метр квадратных кв"
    # uk
    " рік роки років місяць місяці місяців тиждень тижні тижнів дні днів годину години годин"
    " хвилин хвилини рази разів євро людей люди осіб дітей дитини дитина сімей сім'ї кімнат кімнати"
    " поверх поверсі відсотків зупинок зупинки метрів метри квадратних"
)
_UNITS_ARABIC_SCRIPT = alternation(
    # ar
    "سنة سنوات سنين عام أعوام اعوام شهر أشهر اشهر شهور أسبوع أسابيع اسبوع يوم أيام ايام ساعة ساعات"
    " دقيقة دقائق مرة مرات يورو دولار أطفال اطفال طفل أولاد اولاد أشخاص اشخاص شخص أفراد افراد"
    " عائلات عائلة غرف غرفة مدارس طلاب بالمئة بالمائة كم كيلو طوابق طابق محطات محطة متر أمتار"
    " سنتين سنتان شهرين يومين أسبوعين اسبوعين ساعتين"
    # fa
    " سال سالگی سالها سال‌ها ماه هفته روز ساعت دقیقه بار یورو دلار بچه فرزند نفر خانواده اتاق"
    " مدرسه کلاس تا درصد کیلومتر طبقه ایستگاه"
    # ps
    " کاله کلن میاشتې میاشت اونۍ ورځې ورځ ساعته دقیقې ځله ماشومان ماشوم کسان کسه تنه کوټې کوټه سلنه"
)

NOT_A_HOUSE_NUMBER = (
    rf"(?!\s*(?:{_UNITS_GERMAN})\b)"
    rf"(?!\s*(?i:{_UNITS_LATIN})\b)"
    rf"(?!\s*{_UNITS_ARABIC_SCRIPT}{AR_END})"
    r"(?!\s*[€%٪])(?![.:,]\d)"
)

#: Words that announce a house number: "Haus 147", "Nr. 5", "д. 3", "буд. 12", "رقم ١٢", "پلاک ۱۲".
HOUSE_NUMBER_WORD = (
    r"(?:Hausnummer|Hausnr\.?|Haus|Nr\.?|No\.?|№|(?i:house|number)"
    r"|дом|д\.|будинок|буд\.|رقم|پلاک|پلاك|شماره|نمبر|نمره)"
)
# A letter after the house number, in any script: 5a, 3а (Cyrillic, written on: a separate "а" is
# a conjunction), ۱۲ب, ١٢ أ, ۱۲ الف.
_HOUSE_LETTER = rf"(?:\s?[a-hA-H](?!\w)|[а-еА-Е](?!\w)|\s?(?:الف|[أابجده]){AR_END})"
_DIGITS = rf"\d{{1,3}}(?!\d){_HOUSE_LETTER}?(?:\s?[-–/]\s?\d{{1,3}}(?!\d){_HOUSE_LETTER}?)?"

#: A house number right after a street name, perhaps with a word for it ("Müllerstraße, Haus 147").
HOUSE_NUMBER = rf"(?:\s*,?\s*{HOUSE_NUMBER_WORD}\s*|\s*){_DIGITS}{NOT_A_HOUSE_NUMBER}"
#: The same, where a comma alone may separate name and number (Russian style: "ул. Ленина, 5").
HOUSE_NUMBER_AFTER_COMMA = rf"(?:\s*,?\s*{HOUSE_NUMBER_WORD}\s*|\s*,?\s*){_DIGITS}{NOT_A_HOUSE_NUMBER}"
