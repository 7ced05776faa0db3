"""Street addresses (``[ADRESSE]``) in Latin, Cyrillic and Arabic script, and German postcodes (``[PLZ]``).

A street address is a street name followed by a house number. The street name is recognised by
its street word: German ones (Straße, Allee, Weg, Platz, Damm, …), their transliterations into
Cyrillic (штрассе, аллее, плац, дамм, …) and Arabic script (اشتراسه, آله, پلاتز, دام, …), and the
native words for a street (улица, вулиця, проспект, شارع, خیابان, …). House numbers may be written
in Latin, Arabic-Indic or Persian digits (all are ASCII by the time the patterns see them) and may
carry a letter in any script (5a, 3а, ۱۲ب); a number followed by a unit ("6 Stunden", "٣ سنوات") is
a quantity, not a house number (``text.NOT_A_HOUSE_NUMBER``).

A street mentioned without a house number ("in der Turmstraße", "در خیابان") is not an address and
stays.
"""

from __future__ import annotations

from storage.recognizers import Pattern
from storage.scrubbing.text import (
    AR,
    AR_END,
    AR_MARKS,
    AR_START,
    CYR_APOSTROPHE,
    CYR_LO,
    CYR_UP,
    HOUSE_NUMBER,
    HOUSE_NUMBER_AFTER_COMMA,
    HOUSE_NUMBER_WORD,
    NOT_A_HOUSE_NUMBER,
    ZWNJ,
    alternation,
)

__all__ = ["ADDRESS_PATTERNS", "POSTCODE_PATTERNS"]

# ---------------------------------------------------------------------------------------------
# Latin script (German street names, written by anyone).
_UP = "[A-ZÄÖÜ]"
_LO = "[a-zäöüßéèáàóç]"
_WORD = f"{_UP}{_LO}+"

_STREET_SUFFIX_LOWER = (
    "straße|strasse|str\\.|str|weg|allee|platz|damm|ufer|ring|gasse|chaussee|steig|pfad|promenade"
    "|zeile|graben|brücke|markt|korso"
)
_STREET_SUFFIX_UPPER = (
    "Straße|Strasse|Str\\.|Str|Weg|Allee|Platz|Damm|Ufer|Ring|Gasse|Chaussee|Steig|Pfad|Promenade"
    "|Zeile|Graben|Brücke|Markt|Korso|Tor|Park|Kiez|Höhe|Bogen|Karree|Anger|Berg|Hof|Wall|Steg|Aue"
)
# Everyday compounds with a street suffix that are not streets ("Kitaplatz 3 Monate").
_NOT_STREET_COMPOUND = (
    r"(?!(?:Kita|Schul|Arbeits|Ausbildungs|Studien|Spiel|Park|Sitz|Wohn|Praktikums|Kurs|Therapie"
    r"|Heim|Termin|Betreuungs|Krippen|Hort|Stell|Camping|Sport|Bau|Rück|Um|Fuß|Aus|Rechts"
    r"|Bildungs|Lösungs|Dienst|Super|Floh|Wochen|Woh?nungs|Sack|Esels)"
    r"(?:pl[aä]tz|weg|markt|gasse|brücke|ring))"
    r"(?!\w*[kl][aä]ufer\b)"  # Verkäufer, Läufer
)
_STREET_COMPOUND = (
    # Müllerstr. 147, Hauptstraße 5a, Kurfürstendamm 21, Karl-Marx-Straße 12, müllerstr 147
    rf"(?<![\w\-]){_NOT_STREET_COMPOUND}"
    rf"(?:(?:{_UP}{_LO}*\.?-)+(?:{_STREET_SUFFIX_UPPER}|{_STREET_SUFFIX_LOWER})"
    rf"|{_UP}{_LO}+(?:{_STREET_SUFFIX_LOWER})"
    rf"|[a-zäöü]{_LO}+(?:straße|strasse|str\.|str|allee|damm|ufer|chaussee|promenade))"
)
_STREET_TWO_WORDS = (
    # Prenzlauer Allee 227, Berliner Straße 12, Karl Marx Straße 3
    rf"(?<![\w\-])(?!(?:Der|Die|Das|Dem|Den|Des|Ein|Eine|Einen|Mein|Meine|Unser|Unsere|Dieser|Diese"
    rf"|Jeder|Kein|Keine|Im|Am|Zum|Zur)\s)"
    # a leading word only before a name, not before an adjective: "Kita Berliner Straße 12"
    rf"(?:{_WORD}\s+(?!{_UP}{_LO}*er\s))?{_WORD}(?:-{_WORD})*\s+(?:{_STREET_SUFFIX_UPPER})(?![\w])"
)
# Straße des 17. Juni 135, Platz der Luftbrücke 6
_STREET_OF = (
    rf"(?<![\w\-])(?:Straße|Platz|Allee|Ufer|Brücke)\s+(?:der|des|am|an\s+der|zum|zur)\s+"
    rf"(?:17\.\s*Juni|{_WORD}(?:[\s\-]{_WORD}){{0,2}})(?=\s*\d)"
)
# Am Tempelhofer Berg 12, An der Urania 4, Unter den Linden 5, Alt-Moabit 101.
_NOT_A_STREET_NAME = (
    r"(?!(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag|Wochenende|Januar"
    r"|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|Anfang|Ende|Abend"
    r"|Morgen|Mittag|Nachmittag|Vormittag|Tag|Telefon|Termin|Schalter|Gleis|Tür|Kasse|Haltestelle"
    r"|Bahnsteig|Eingang|Ausgang|Platz|Tisch|Zeit|Beispiel|Glück|Schule|Uni|Universität|Kita|Arbeit"
    r"|Stelle|Stunde|Woche|Jahr|Monat|Zimmer|Raum|Haus|Etage|Bus|Kurs|Klasse)\b)"
)
_PREFIX_UPPER = (
    r"(?:Am|An\s+der|An\s+den|An\s+dem|Auf\s+dem|Auf\s+der|Zum|Zur|Unter\s+den|Hinter\s+der|Vor\s+dem)"
)
_PREFIX_LOWER = r"(?:am|an\s+der|an\s+den|an\s+dem|auf\s+dem|auf\s+der|zum|zur|unter\s+den)"
_STREET_PREFIXED = (
    rf"(?<![\w\-])(?:"
    rf"{_PREFIX_UPPER}\s+{_NOT_A_STREET_NAME}{_WORD}(?:[\s\-]{_WORD}){{0,2}}"
    # "am Kottbusser Damm 22": the street is "Kottbusser Damm", the lowercase "am" is the sentence's
    rf"|{_PREFIX_LOWER}\s+{_NOT_A_STREET_NAME}{_WORD}(?:[\s\-]{_WORD}){{1,2}}(?<!{_STREET_SUFFIX_UPPER})"
    rf"|Alt-{_WORD}"
    rf")(?=\s*\d)"
)

# ---------------------------------------------------------------------------------------------
# Cyrillic script: German street names transliterated (Мюллерштрассе, Карл-Маркс-Аллее,
# Пренцлауэр аллее), and native street words (ул. Ленина, 5; вулиця Шевченка, буд. 12).
_CYR_NAME = rf"[{CYR_UP}][{CYR_LO}{CYR_APOSTROPHE}]+"
# The German street words as they are transliterated, also inflected ("на Карл-Маркс-Аллее").
_CYR_STREET_WORD = (
    r"(?:штрасс?е|штрас|штр\.|штр|аллее|аллея|аллеи|алле|алея|плац|платц|дамм|вег|ринг|уфер|гассе|шоссе"
    r"|штайг|цайле|променаде|маркт|брюкке|корсо)"
)
# Capitalised words that start a sentence or a phrase rather than a street name.
_CYR_NOT_A_NAME = (
    r"(?!(?:На|В|Во|У|Из|По|От|До|За|С|Со|К|Ко|И|А|Но|Мы|Я|Он|Она|Они|Наш|Наша|Наше|Мой|Моя|Мне|Нас"
    r"|Живу|Живём|Живем|Живемо|Адрес|Адреса|Адресу|Улица|Вулиця|Ми|Мій|Біля|Возле|Около|Рядом|Поруч"
    r"|Там|Тут|Здесь|Это|Це|Офис|Офіс|Центр|Школа|Дом|Будинок)"
    rf"(?![{CYR_LO}{CYR_APOSTROPHE}]))"
)
_STREET_CYRILLIC = (
    rf"(?<![\w\-])(?:"
    # Мюллерштрассе 147, Зонненаллее 221, Карл-Маркс-Аллее 3а, Карл-Маркс-аллее
    rf"{_CYR_NOT_A_NAME}{_CYR_NAME}(?:-{_CYR_NAME})*-?(?i:{_CYR_STREET_WORD})"
    # Пренцлауэр Аллее 227, Карл Маркс Аллее 3, Франкфуртер аллее 5
    rf"|(?:{_CYR_NOT_A_NAME}{_CYR_NAME}[\s\-]+){{1,3}}(?i:{_CYR_STREET_WORD})"
    rf")(?![{CYR_LO}])"
)
_CYR_NATIVE = (
    r"(?i:улиц[аеуы]|ул\.|вулиц[яіюе]|вул\.|проспект[еау]?|просп\.|пр-т|пр\.|бульвар[еау]?|бул\.|б-р"
    r"|переул(?:ок|ке|ка)|пер\.|провул(?:ок|ку|ка)|пров\.|площад(?:ь|и)|пл\.|площ[аіу]"
    r"|набережн(?:ая|ой)|наб\.|шоссе)"
)
# "ул. Ленина, 5", "вулиця Тараса Шевченка, буд. 12", "на улице Мюллерштрассе 147".
_STREET_CYRILLIC_NATIVE = (
    rf"(?<![\w\-]){_CYR_NATIVE}\s*"
    rf"(?:(?:\d{{1,2}}\s+)?[{CYR_UP}{CYR_LO}][{CYR_LO}{CYR_APOSTROPHE}]+(?:[\s\-][{CYR_UP}][{CYR_LO}{CYR_APOSTROPHE}]+){{0,2}})"
)
# "Садовая улица 5", "Московский проспект 12".
_STREET_CYRILLIC_NAME_FIRST = (
    rf"(?<![\w\-]){_CYR_NOT_A_NAME}{_CYR_NAME}\s+"
    r"(?i:улица|вулиця|проспект|бульвар|переулок|провулок|площадь|площа|шоссе)"
)

# ---------------------------------------------------------------------------------------------
# Arabic script (Arabic, Persian, Pashto): German street names transliterated ("موللر اشتراسه 12",
# "زونن آله ۲۲۱", "کارل مارکس آله ۳ب") and native street words ("شارع …", "خیابان …").
_AR_PART = rf"[{AR}][{AR}{AR_MARKS}]*"
# German street words in Arabic letters. Long ones may be written together with the name
# ("مولراشتراسه", "زونن‌آله"); short ones only as a word of their own: "دام" ends "استخدام".
_AR_STREET_WORD_LONG = (
    r"(?:ا?[شس]ترا(?:س|ص|ز|ث|سس)(?:ه|ة|ي|ی|ى|ە|ا)?"  # Straße: اشتراسه شتراسه شتراسي اشتراسة
    r"|آل(?:ی|ي)?(?:ه|ة|ە)|آلی|آلي|أل(?:ي|ی)(?:ه|ة)"  # Allee: آله آلیه أليه
    r"|[پب]لات(?:ز|س|ص)"  # Platz: پلاتز بلاتس
    r"|[پب]رومناد(?:ه|ة)?"  # Promenade
    r"|شوس(?:ه|يه|یه|ي|ی))"  # Chaussee
)
_AR_STREET_WORD_SHORT = (
    r"(?:[فوڤ][يی][گغ]"  # Weg: فيگ ویگ فيغ
    r"|دام|دامّ"  # Damm
    r"|ر[يی]ن(?:گ|غ)"  # Ring: رینگ رينغ
    r"|[اأ]وف(?:ر|ير|یر)"  # Ufer
    r"|[گغ]اس(?:ه|ة)"  # Gasse
    r"|[بپ]روک(?:ه|ة)|[بپ]روك(?:ه|ة))"  # Brücke
)
# Words that belong to the sentence, not to the street's name.
_AR_FUNCTION_WORDS = alternation(
    # ar
    "في فى على من إلى الى عند قرب بقرب بجانب جنب قريب قريبة بالقرب عنوان عنواني العنوان عنواننا"
    " نسكن أسكن اسكن يسكن تسكن نعيش أعيش اعيش هو هي نحن انا أنا و أو او ثم بعد قبل مع كان كانت"
    " فيه فيها هذا هذه ذلك تلك الذي التي شارع الشارع بشارع بالشارع وشارع ساكن ساكنة ساكنين"
    # fa
    " در به از تا با نزدیک نزديک کنار پیش آدرس ادرس آدرسم آدرس‌مان نشانی ما من شما او که را"
    " زندگی هستیم هستم است هست می خانه خانه‌ام خیابان خيابان کوچه"
    # ps
    " په کې کی پته پته‌مو زه موږ مونږ دی ده د له سره ته"
)
_AR_NAME_PART = rf"{AR_START}(?!{_AR_FUNCTION_WORDS}{AR_END}){_AR_PART}"
_AR_SEPARATOR = rf"[\s\-{ZWNJ}]"
_STREET_ARABIC_SCRIPT = (
    # one or two name words, then the street word: apart, or joined to the last name word
    rf"{_AR_NAME_PART}(?:{_AR_SEPARATOR}+{_AR_NAME_PART})?"
    rf"(?:{_AR_SEPARATOR}+(?:{_AR_STREET_WORD_LONG}|{_AR_STREET_WORD_SHORT})"
    rf"|{ZWNJ}?{_AR_STREET_WORD_LONG}){AR_END}"
)
_AR_NATIVE = alternation("شارع خیابان خيابان کوچه كوچه ميدان میدان بلوار جادة جاده ساحة سړک کوڅه")
# "شارع الملك فيصل ١٢", "خیابان زونن آله پلاک ۲۲۱": one to three words after the street word.
_STREET_ARABIC_NATIVE = (
    rf"{AR_START}{_AR_NATIVE}{ZWNJ}?\s+{_AR_NAME_PART}(?:{_AR_SEPARATOR}+{_AR_NAME_PART}){{0,2}}{AR_END}"
)
# In Arabic script a comma before the number is common ("شارع الملك فيصل، رقم ١٢").
_AR_HOUSE_NUMBER = HOUSE_NUMBER.replace(r"\s*,?\s*", r"\s*[,،]?\s*", 1)
# After a native street word and a name, a number followed by a noun is more often a count
# ("خیابان اصلی ۲ بانک دارد", "main street has 2 banks"): without a house-number word ("پلاک",
# "رقم"), the number must end the clause or be followed by a word that goes on after an address.
_AR_AFTER_ADDRESS = alternation(
    "في و من قرب بجانب عند حي برلين بالقرب است هست هستیم هستم بود زندگی در نزدیک کنار و کې کی دی ده"
    " اوسېږم اوسیږم اوسیږو اوسېږو نسكن أسكن اسكن نعيش قريب قريبة بعيد بعيدة خوب"
)
_AR_NATIVE_HOUSE_NUMBER = (
    rf"(?:\s*[,،]?\s*{HOUSE_NUMBER_WORD}\s*\d{{1,3}}(?!\d)"
    rf"|\s*[,،]?\s*\d{{1,3}}(?!\d)(?=\s*(?:[.,،؛:!?؟)\n]|$)|\s+{_AR_AFTER_ADDRESS}{AR_END}|\s*[A-Za-z]))"
    rf"(?:\s?(?:الف|[أابجده]){AR_END})?{NOT_A_HOUSE_NUMBER}"
)

ADDRESS_PATTERNS = [
    Pattern("street compound", _STREET_COMPOUND + HOUSE_NUMBER, 0.7),
    Pattern("adjective and street noun", _STREET_TWO_WORDS + HOUSE_NUMBER, 0.7),
    # A capitalised word after the number ("An der Schule 3 Kinder") is a count, not a house.
    Pattern("prefixed street", _STREET_PREFIXED + HOUSE_NUMBER + r"(?!\s+[A-ZÄÖÜ])", 0.6),
    Pattern("street of", _STREET_OF + HOUSE_NUMBER + r"(?!\s+[A-ZÄÖÜ])", 0.6),
    Pattern("Cyrillic transliteration", _STREET_CYRILLIC + HOUSE_NUMBER, 0.6),
    Pattern("Cyrillic street word", _STREET_CYRILLIC_NATIVE + HOUSE_NUMBER_AFTER_COMMA, 0.6),
    Pattern("Cyrillic name and street word", _STREET_CYRILLIC_NAME_FIRST + HOUSE_NUMBER_AFTER_COMMA, 0.6),
    Pattern("Arabic-script transliteration", _STREET_ARABIC_SCRIPT + _AR_HOUSE_NUMBER, 0.6),
    Pattern("Arabic-script street word", _STREET_ARABIC_NATIVE + _AR_NATIVE_HOUSE_NUMBER, 0.6),
]

# ---------------------------------------------------------------------------------------------
# German postcodes: five digits with a city after them, a "PLZ" word before them, or, bare, in
# Berlin's range 10115–14199 and not a round number (amounts and counts usually are).
_CITIES = (
    "Berlin|Potsdam|Hamburg|München|Köln|Frankfurt|Leipzig|Dresden|Hannover|Bremen|Stuttgart|Düsseldorf"
    "|Dortmund|Essen|Nürnberg|Bonn|Cottbus|Brandenburg|Oranienburg|Bernau|Falkensee|Eisenhüttenstadt"
    "|Magdeburg|Rostock|Halle|Erfurt|Kiel|Schwerin|Mitte|Wedding|Moabit|Neukölln|Kreuzberg|Pankow"
    "|Spandau|Lichtenberg|Marzahn|Hellersdorf|Reinickendorf|Steglitz|Zehlendorf|Tempelhof|Schöneberg"
    "|Charlottenburg|Wilmersdorf|Friedrichshain|Treptow|Köpenick|Tegel|Gesundbrunnen|Prenzlauer"
    "|Берлин|برلين|برلین"
)
_POSTCODE_KEYWORDS = (
    r"(?i:PLZ|Postleitzahl|post\s?code|postal\s+code|zip(?:\s?code)?|индекс|індекс|поштовий\s+індекс"
    r"|почтовый\s+индекс|کد\s?پستی|الرمز\s+البريدي|رمز\s+بريدي)"
)
_FIVE_DIGITS = r"(?<![\d.,:/+\-€$])(?:0[1-9]|[1-9]\d)\d{3}(?!\d|[.,:/\-]\d)"
POSTCODE_PATTERNS = [
    Pattern("postcode and city", _FIVE_DIGITS + rf"(?=[\s,]+(?:{_CITIES})\b)", 0.7),
    Pattern("postcode keyword", rf"{_POSTCODE_KEYWORDS}[\s.:\-]{{0,3}}\K" + _FIVE_DIGITS, 0.7),
    Pattern(
        "Berlin postcode",
        r"(?<![\d.,:/+\-€$])(?:10[1-9]\d\d|1[234][0-9]\d\d)(?<!00)(?!\d|[.,:/\-]\d)" + NOT_A_HOUSE_NUMBER,
        0.5,
    ),
]
