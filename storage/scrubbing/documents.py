"""Document numbers (``[DOKUMENT]``) and dates of birth (``[GEBURTSDATUM]``).

Document numbers: residence permits (eAT card numbers such as "Y12345678"), passports ("N012345678",
"FA123456", Russian "45 06 123456"), identity cards and tazkiras, and file numbers of the BAMF and the
Ausländerbehörde ("1234567-439"). A number counts when a word for the document stands up to three
words before it ("Aktenzeichen: …", "my passport number is …", "رقم جواز السفر …", "номер паспорта …"),
or, without such a word, when its form leaves no doubt: a BAMF file number (7–8 digits, a dash, 3
digits), one or two capital letters and 7–8 digits (a passport or card number), a Jobcenter number
("96301BG0012345"). Only the number is replaced.

Dates of birth: a date (day and month, with or without the year; in digits of any script or with a
month's name) right after a word for birth ("geboren am …", "DOB …", "تاريخ الميلاد …", "تاریخ تولد …",
"дата рождения …", "народився …") or right before one ("am 12.03.1990 geboren", "۱۳۶۹/۰۵/۱۲ متولد شدم",
"12.03.1990'da doğdum"). A year alone ("seit 2015", "من مواليد ١٩٩٠") stays: it says little more than
the age band the export already has. Other dates stay too ("Termin am 14.12.2025").

Numeric dates arrive blanked out (``_`` for each character, see ``Scrubber._prepare``) so that no
phone number is read into them; a run of six or more ``_`` is a numeric date (times are shorter).
"""

from __future__ import annotations

from storage.recognizers import Pattern
from storage.scrubbing.text import alternation

__all__ = ["BIRTH_DATE_PATTERNS", "DOCUMENT_PATTERNS"]

# Up to three words between a keyword and its value ("Passnummer ist …", "جواز السفر الخاص بي هو …"),
# none of them a word that starts something new ("geboren 1990 und seit 12.03.2016 hier").
_NEW_THOUGHT = alternation(
    "und and seit since bis until aber but или и і та с з від от до منذ و ولكن از تا ولی ve ama"
    " și dar và nhưng û"
)
_WORD = r"(?![\d_])[\p{L}\p{M}'’\u200c]+"
_NOT_NEW = rf"(?!{_NEW_THOUGHT}(?![\p{{L}}\p{{M}}]))"
# Between a document word and its number: "Passnummer: …", "Aufenthaltstitel Nr. …", "(AZ) …".
_DOCUMENT_SEPARATOR = r"[\s:.,#№()\-–]"
_DOCUMENT_FILLER = rf"(?:{_DOCUMENT_SEPARATOR}+{_NOT_NEW}{_WORD}){{0,3}}?{_DOCUMENT_SEPARATOR}*"
# Between a word for birth and the date, within one clause: no comma or full stop, so that in
# "in Syrien geboren, am 12.03.2016 kam ich" the date of arrival stays.
_BIRTH_SEPARATOR = r"[\s:()\-–]"
_BIRTH_FILLER_BEFORE = rf"(?:{_BIRTH_SEPARATOR}+{_NOT_NEW}{_WORD}){{0,3}}?{_BIRTH_SEPARATOR}*"
_BIRTH_FILLER_AFTER = rf"(?:[ \t]+{_NOT_NEW}{_WORD}){{0,3}}?[ \t]*"

# ---------------------------------------------------------------------------------------------
# Document numbers.

_DOCUMENT_WORDS = (
    r"(?:(?i:"
    # de
    r"Aktenzeichen|Geschäftszeichen|BAMF(?:-Nummer|-Aktenzeichen)?|Reisepass(?:nummer)?|Pass(?:nummer|-Nr\.?|nr\.?)?"
    r"|Personalausweis(?:nummer)?|Ausweis(?:nummer)?|Aufenthaltstitel|Aufenthaltserlaubnis"
    r"|Aufenthaltsgestattung|Ankunftsnachweis|Duldung|Fiktionsbescheinigung|Niederlassungserlaubnis"
    r"|eAT(?:-Karte)?|Kartennummer|Dokumentennummer|Seriennummer|BG-Nummer|Kundennummer"
    # en
    r"|passport(?:\s+number|\s+no\.?)?|residence\s+permit|permit\s+(?:number|card)|file\s+number"
    r"|case\s+number|reference\s+number|ID\s+card|ID\s+number|document\s+number|card\s+number"
    # tr, ro, vi, ku
    r"|pasaport(?:um|umun|a|ê)?|kimlik(?:\s+numaras[ıi])?|oturma\s+izni|ikamet|dosya\s+numaras[ıi]|dosya\s+no"
    r"|pa[șs]aport(?:ul)?|permis(?:ul)?\s+de\s+[șs]edere|num[ăa]r(?:ul)?\s+(?:de\s+)?dosar|dosar(?:ul)?"
    r"|buletin(?:ul)?|hộ\s+chiếu|thẻ\s+cư\s+trú|số\s+hồ\s+sơ|căn\s+cước|nasname|qert[êe]"
    # ru, uk
    r"|загранпаспорт[аеу]?|паспорт(?:а|е|у|і)?|вид(?:а|е)?\s+на\s+жительство|номер\s+дела|дела"
    r"|удостоверени[еяю]|id-карт(?:а|ы|ка|ки)|посвідк(?:а|и|у|ою)(?:\s+на\s+проживання)?|номер\s+справи"
    r"|справи"
    r")"
    r"|AZ|Az\.?|Gz\.?|ВНЖ"
    # ar, fa, ps
    r"|جواز(?:ي|\s+السفر|\s+سفري)?|الجواز|الإقامة|الاقامة|إقامتي|اقامتي|بطاقة\s+الإقامة|رقم\s+الملف"
    r"|ملفي|رقم\s+القضية|الهوية|هويتي|رقم\s+الهوية"
    r"|پاسپورت(?:م)?|گذرنامه(?:‌ام)?|کارت\s+اقامت|اقامت(?:م)?|شماره\s+پرونده|پرونده(?:‌ام)?"
    r"|تذکره|تذكره|کارت\s+ملی|کد\s+ملی|شماره\s+ملی|پاسپورټ|د\s+پاسپورټ\s+شمېره"
    # ti
    r"|ፓስፖር[ትተ]\p{L}*|መንነት\p{L}*|መታወቂያ\p{L}*"
    r")"
)
_DOCUMENT_NUMBER = (
    r"(?:"
    # letters and digits: N012345678, FA 123456, ЕК123456, P01234567
    r"[A-ZА-ЯЁІЇЄ]{1,3}[ \-]?\d{6,9}"
    # German document numbers (eAT, passport, ID card): 9 characters of a restricted alphabet,
    # at least three of them digits: C01X00T47, Y1234567X
    r"|(?=(?:[A-Z]*\d){3})[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}"
    # file numbers: 1234567-439, 12345678
    r"|[1-9]\d{6,7}(?:\s?[-–]\s?\d{3})?"
    # grouped digits: 45 06 123456, 1400-0101-12345
    r"|[1-9]\d{1,3}(?:[ \-]\d{2,4})*[ \-]\d{4,7}"
    # long numbers: 9 to 12 digits, not a dialled one (no leading 0)
    r"|[1-9]\d{8,11}"
    # Jobcenter numbers: 123D456789, 96301BG0012345
    r"|\d{2,5}[A-Z]{1,2}\d{5,8}"
    r")(?![\w\-])"
)
DOCUMENT_PATTERNS = [
    Pattern(
        "document word and number",
        rf"(?<![\p{{L}}\p{{M}}]){_DOCUMENT_WORDS}{_DOCUMENT_FILLER}\K{_DOCUMENT_NUMBER}",
        0.7,
    ),
    Pattern("BAMF file number", r"(?<![\w\-])[1-9]\d{6,7}\s?-\s?\d{3}(?![\w\-])", 0.6),
    Pattern("passport or card number", r"(?<![\w\-])[A-Z]{1,2}\d{7,8}(?![\w\-])", 0.5),
    Pattern("Jobcenter number", r"(?<![\w\-])\d{5}\s?BG\s?\d{7}(?![\w\-])", 0.6),
]

# ---------------------------------------------------------------------------------------------
# Dates of birth.

_MONTHS = alternation(
    # de, en
    "Januar Jänner Februar März Maerz April Mai Juni Juli August September Oktober November Dezember"
    " Jan Feb Mär Apr Jun Jul Aug Sep Sept Okt Nov Dez"
    " January February March May June July October December Mar Oct Dec"
    # tr, ro, ku
    " Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık"
    " ianuarie februarie martie aprilie iunie iulie septembrie octombrie noiembrie decembrie"
    " Çile Sibat Adar Nîsan Gulan Hezîran Tîrmeh Tebax Îlon Cotmeh Mijdar Berfanbar"
    # ru, uk (genitive)
    " января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
    " січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня"
    # ar (Levantine and Egyptian names)
    " كانون+الثاني شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين+الأول تشرين+الثاني كانون+الأول"
    " يناير فبراير مارس أبريل ابريل إبريل مايو يونيو يوليو أغسطس اغسطس سبتمبر أكتوبر اكتوبر نوفمبر"
    " ديسمبر"
    # fa (solar and Gregorian), Dari and Pashto solar months
    " فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر دی بهمن اسفند"
    " ژانویه فوریه آوریل مه ژوئن ژوئیه اوت سپتامبر اکتبر نوامبر دسامبر"
    " حمل ثور جوزا سرطان اسد سنبله میزان عقرب قوس جدی دلو حوت"
    " جنوري فبروري مارچ اپریل جون جولای اګست اگست سپتمبر اکتوبر نومبر دسمبر"
    # ti
    " ጥሪ ለካቲት መጋቢት ሚያዝያ ግንቦት ሰነ ሓምለ ነሓሰ መስከረም ጥቅምቲ ሕዳር ታሕሳስ"
)
_DATE = (
    r"(?:"
    r"(?<!_)_{6,10}(?!_)"  # a numeric date with its year, blanked out: 12.03.1990, ۱۳۶۹/۰۵/۱۲
    r"|(?<![\d.])\d{1,2}\.\s?\d{1,2}\.(?![\d_])"  # 12.03.
    # 12. März 1990, 12 марта 1990, ١٢ آذار ١٩٩٠, ۱۲ مرداد ۱۳۶۹, 12th of March 1990
    rf"|(?<![\d.])\d{{1,2}}(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(?i:{_MONTHS})(?![\p{{L}}\p{{M}}])"
    r"(?:\s*,?\s*\d{4}(?!\d)|\s+\d{2}(?![\d\w]))?"
    # March 12, 1990
    rf"|(?i:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d)"
    # ngày 12 tháng 3 năm 1990
    r"|(?i:ngày\s+)?\d{1,2}\s+(?i:tháng)\s+\d{1,2}(?:\s*,?\s*(?i:năm\s+)?\d{4})?"
    r")"
)
_BIRTH_BEFORE = (
    r"(?:(?i:"
    r"geboren(?:\s+am)?|geb\.(?:\s+am)?|geb\s+am|Geburtsdatum|Geburtstag|Geb\.-?Datum"
    r"|born(?:\s+on)?|date\s+of\s+birth|birth\s*date|birthday|d\.o\.b\.?|dob"
    r"|doğum\s+tarihi(?:m)?|doğum\s+günü(?:m)?|doğumlu"
    r"|data\s+na[șs]terii|data\s+de\s+na[șs]tere|n[ăa]scut[ăa]?(?:\s+(?:pe|la|în|in))?|ziua\s+de\s+na[șs]tere"
    r"|ngày\s+sinh|sinh\s+ngày|sinh\s+nhật|roja\s+(?:bûyînê|jidayikbûnê)|dîroka\s+jidayikbûnê"
    r"|дата\s+рождения|день\s+рождения|д\.\s?р\.|родил(?:ся|ась|ись)"
    r"|дата\s+народження|день\s+народження|д\.\s?н\.|народи(?:вся|лася|лась|лися)"
    r")"
    r"|تاريخ\s+(?:ال)?ميلاد(?:ي|ه|ها)?|تاريخ\s+الولادة|تاريخ\s+ولادتي|عيد\s+ميلاد(?:ي|ه|ها)?|مواليد"
    r"|ولدت|وُلدت|ولد|تولد|تولدي|تولدم"
    r"|تاریخ\s+تولد(?:م)?|تاريخ\s+تولد|روز\s+تولد(?:م)?|متولد"
    r"|د\s+(?:زیږیدو|زېږېدو|زیږېدو)\s+(?:نیټه|نېټه)|د\s+تولد\s+(?:نیټه|نېټه)|زیږیدلی|زېږېدلی"
    # ልደት "birth", ልደተይ "my birth"; ተወሊደ "I was born"
    r"|ዕለ[ተት]\s+ልደ[ትተ]\p{L}*|ልደ[ትተ]\p{L}*|ተወሊደ\p{L}*"
    r")"
)
_BIRTH_AFTER = (
    r"(?:(?i:"
    r"geboren|born|doğdum|doğmuşum|doğumluyum|n[ăa]scut[ăa]?|sinh\s+ra|ji\s+dayik\s+b[ûu]m"
    r"|hatim(?:e)?\s+din[yi]ayê|родил(?:ся|ась)|народи(?:вся|лася|лась)"
    r")"
    r"|ولدت|وُلدت|متولد|به\s+دنیا\s+آمدم|بدنیا\s+آمدم|زیږیدلی|زېږېدلی|زیږېدلی|ተወሊደ"
    r")"
)
_WORD_START = r"(?<![\p{L}\p{M}])"
BIRTH_DATE_PATTERNS = [
    Pattern("birth word and date", rf"{_WORD_START}{_BIRTH_BEFORE}{_BIRTH_FILLER_BEFORE}\K{_DATE}", 0.7),
    Pattern(
        "date and birth word",
        # Dates before the word start with a digit (a month's name first, "March 12, 1990", comes
        # after "born"); the guard lets the engine skip every other position quickly.
        # "12.03.1990'da doğdum": a Turkish case ending may stick to the date.
        rf"(?=[\d_]){_DATE}(?=(?:['’]\p{{L}}{{1,4}})?{_BIRTH_FILLER_AFTER}{_BIRTH_AFTER}(?![\p{{L}}\p{{M}}]))",
        0.7,
    ),
]
