"""Names of people (``[NAME]``) where a text introduces them or puts them next to a family word.

No language model is loaded, so a name is only recognised by what stands before it:

- an introduction: "ich heiße …", "my name is …", "اسمي …", "نام من …", "زما نوم …", "меня зовут …",
  "мене звати …", "benim adım …", "mă numesc …", "tên tôi là …", "navê min …", "ስመይ …";
- a family word: "mein Sohn Ahmad", "my daughter Sara", "мой сын Игорь", "ابني محمد", "پسرم علی";
- a form of address: "Frau Müller", "Herr Dr. Schmidt", "Mr Jones", "пані Олена", "آقای احمدی".

Only the name is replaced; the words before it stay ("mein Sohn [NAME] geht …").

What counts as the name:
- in scripts with capital letters (Latin, Cyrillic), one to three capitalised words ("Ahmad Al-Hassan",
  "Nguyễn Văn An"), never a word from a short list of capitalised words that are not names
  (pronouns, languages, countries, months, …). After an unambiguous introduction ("my name is"), a
  name written in lowercase is taken too if punctuation, the end of the text or "and"/"und"/"и"…
  follows it ("ich heiße ahmad und …"), so that "my name is not important" stays;
- in Arabic and Ge'ez script, which have no capitals, the one to three words after an introduction,
  up to a word that belongs to the sentence ("و", "من", "است", "دی", "እዩ", punctuation). After a
  family word, where a verb is just as likely as a name ("ابني يذهب …"), only a given name from the
  list below (``_GIVEN_NAMES_ARABIC_SCRIPT``) counts: a rarer name there is missed.
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
    ETHIOPIC,
    ETHIOPIC_WORD,
    LAT_LO,
    LAT_UP,
    ZWNJ,
    alternation,
)

__all__ = ["NAME_PATTERNS"]

# ---------------------------------------------------------------------------------------------
# Capitalised names (Latin and Cyrillic script).

# Capitalised words that follow a family word or an introduction without being a name.
_NOT_A_NAME_LATIN = alternation(
    # pronouns, articles, conjunctions at the start of the next sentence
    "Ich Du Er Sie Es Wir Ihr Und Aber Oder Der Die Das Ein Eine Mein Meine Sein Seine Ihre Ist Hat"
    " I He She It We They You The And But Or My His Her Our Is Has Was"
    " Ben Sen O Biz Ve Ama Bu Eu El Ea Noi Și Si Dar Tôi Anh Chị Em Và Nhưng Ez Tu Em Û Lê"
    # languages and countries, which are capitalised everywhere
    " Deutsch Deutschland Englisch Arabisch Persisch Farsi Dari Kurdisch Paschtu Russisch Ukrainisch"
    " Türkisch Rumänisch Vietnamesisch Tigrinya Syrien Afghanistan Iran Irak Türkei Ukraine Russland"
    " Eritrea Moldau Vietnam Georgien Berlin Europa German Germany English Arabic Persian Kurdish"
    " Russian Ukrainian Turkish Syria Syrian Afghan Iraq Iraqi Turkey Europe Almanca Almanya Türkçe"
    " İngilizce Arapça Farsça Rusça Germană Germania Română Engleză Đức Việt Tiếng Almanya"
    " Elmanya Almanî Kurdî Erebî"
    # days, months, institutions and everyday nouns German learners leave without an article
    " Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Monday Tuesday Wednesday Thursday"
    # (not the months that are also given names: April, Mai, August, June; nor "Nam" of "Việt Nam")
    " Friday Saturday Sunday Januar Februar März Juni Juli September Oktober"
    " November Dezember January February March July October December"
    " Kita Schule Arbeit Job Jobcenter Ausbildung Deutschkurs Integrationskurs Kurs Wohnung Heim"
    " Unterkunft Termin Arzt Ärztin Krankenhaus Angst Probleme Problem Hilfe Geld Zeit Hause"
    " Zuhause Platz Schulplatz Kitaplatz Sprachkurs Praktikum Uni Universität Studium Behörde"
    " Ausländerbehörde LAF BAMF Sozialamt Amt Bürgeramt Familie Kinder Kind Baby Schwester"
    " Bruder Sohn Tochter Mutter Vater Mann Frau School Work Hospital Doctor"
    " Bayram Dr Prof Herr Frau Mr Mrs Ms Doktor Doktorin"
    # places
    " Türkiye Suriye Irak İran Afganistan Ukrayna Rusya İstanbul Ankara Halep Şam Kabil Tahran"
    " Damaskus Aleppo Kabul Teheran Bagdad Mossul Herat Asmara Kyiv Kiew Kiev Odessa Charkiw"
    " Chișinău Chisinau Hamburg München Köln Potsdam Hanoi Efrîn Qamişlo Hewlêr"
)
_LAT_WORD_END = r"(?![\p{L}\p{M}])"
_LAT_TOKEN = rf"(?!{_NOT_A_NAME_LATIN}{_LAT_WORD_END}){LAT_UP}{LAT_LO}+(?:-{LAT_UP}?{LAT_LO}+)*"
# Particles inside a name: Ahmad al-Hassan, Mohammed bin Salman, Ursula von der Leyen.
_LAT_PARTICLE = r"(?:(?:al|el|Al|El)-|(?:bin|ibn|ben|abu|Abu|Bin|Ibn|von|van|ul)\s+(?:der\s+|den\s+)?)"
# O'Neil; a Turkish suffix after an apostrophe ("Ahmet'tir") is not part of the name.
_LAT_NAME_WORD = rf"{_LAT_PARTICLE}?{_LAT_TOKEN}(?:['’]{LAT_UP}{LAT_LO}+)?"


# A capitalised word with a Turkish case ending of place ("İstanbul'da", "Berlin'e") is a place.
_NOT_A_PLACE = r"(?!['’](?:[dt][ae]n?|y?[ae])(?![\p{L}\p{M}]))"


def _latin_name(most: int) -> str:
    return rf"{_LAT_NAME_WORD}(?:[ \t]+{_LAT_NAME_WORD}){{0,{most - 1}}}{_LAT_WORD_END}{_NOT_A_PLACE}"


_NOT_A_NAME_CYRILLIC = alternation(
    "Я Ты Он Она Оно Мы Вы Они И А Но Или Мой Моя Моё Мое Мій Моя Моє Его Её Ее Його Її Наш"
    " Наша Это Це Там Тут Здесь Уже Вже Ещё Ещe Ще Очень Дуже Сейчас Зараз Теперь Тепер Германия"
    " Германии Германию Германией Німеччина Німеччини Німеччину Німеччині Берлин Берлине Берлина"
    " Берліні Берліна Україна Украина Украины Украине Україні України Украину Україну Россия"
    " России Россию Росії Росія Европа Европе Європа Європі Молдова Молдове Грузия Грузии Январь"
    " Января Февраль Февраля Марта Апреля Мая Июня Июля Августа Сентября Октября Ноября Декабря"
    " Січня Лютого Березня Квітня Травня Червня Липня Серпня Вересня Жовтня Листопада Грудня"
    " Понедельник Вторник Среду Среда Четверг Пятницу Пятница Субботу Суббота Воскресенье"
    " Понеділок Вівторок Середу Середа Четвер Пʼятницю Пятницю Суботу Субота Неділю Неділя"
    " Джобцентр Jobcenter Школа Школу Школе Садик Садок Кита Курс Курсы Работа Работу Роботу"
    " Робота Немецкий Немецкого Німецька Німецької Німецьку Английский Англійська Русский"
    " Російська"
)
_CYR_WORD_END = rf"(?![{CYR_LO}{CYR_APOSTROPHE}])"
_CYR_TOKEN = (
    rf"(?!{_NOT_A_NAME_CYRILLIC}{_CYR_WORD_END})[{CYR_UP}][{CYR_LO}{CYR_APOSTROPHE}]+"
    rf"(?:-[{CYR_UP}][{CYR_LO}{CYR_APOSTROPHE}]+)*"
)


def _cyrillic_name(most: int) -> str:
    return rf"{_CYR_TOKEN}(?:[ \t]+{_CYR_TOKEN}){{0,{most - 1}}}{_CYR_WORD_END}"


_CAPITALISED_NAME = rf"(?:{_latin_name(3)}|{_cyrillic_name(3)})"

# A name in lowercase, after an unambiguous introduction only, and only where the sentence goes on
# with punctuation or "and" (so that "my name is not important" stays).
_LOWER_STOP = alternation(
    "not very too so a an the is was and und nicht kein keine egal unwichtig wichtig geheim"
    " privat secret private unknown important long difficult schwer lang kompliziert complicated"
    " ist auch also ve değil nu și không và là của û jî ne не ні і и а але но тоже також очень"
    " дуже"
)
_LOWER_TOKEN = rf"(?!{_LOWER_STOP}(?![\p{{L}}\p{{M}}]))\p{{Ll}}[\p{{Ll}}\p{{M}}'’ʼ]+"
# "and", the copulas that follow a name in Kurmanji ("navê min ahmed e"), and a pronoun that starts
# the next sentence in a text without punctuation ("ich heiße mohammad ich wohne …")
_AND = alternation("und and и і та ve și và û e ye ich wir i we я мы ми ben biz eu noi tôi ez em")
_LOWERCASE_NAME = (
    rf"{_LOWER_TOKEN}(?:[ \t]+{_LOWER_TOKEN}){{0,2}}"
    rf"(?=[ \t]*(?:[.,;:!?)\n]|$)|[ \t]+{_AND}(?![\p{{L}}\p{{M}}]))"
)

# ---------------------------------------------------------------------------------------------
# Introductions.

# After these, a name in lowercase is taken too.
_INTRODUCTIONS_CLEAR = (
    r"(?i:"
    r"ich\s+hei(?:ß|ss)e|mein\s+(?:vor|nach|familien|voller\s+)?name\s+(?:ist|lautet)"
    r"|my\s+(?:first\s+|last\s+|full\s+|sur)?name\s+is|my\s+name['’]s|(?:his|her)\s+name\s+is"
    r"|i\s+am\s+called|i['’]m\s+called"
    r"|(?:my|our|his|her)\s+(?:son|daughter|husband|wife|brother|sister|mother|father|child|kid)['’]s\s+name\s+is"
    r"|меня\s+(?:зовут|звать)|мо[её]\s+имя|моя\s+фамилия|(?:его|её|ее)\s+зовут"
    r"|мене\s+зв(?:ати|уть)|мо[єе]\s+ім['’ʼ]?я|моє\s+прізвище|(?:його|її)\s+зв(?:ати|уть)"
    r"|benim\s+ad[ıi]m|benim\s+ismim|ismim"
    r"|m[ăa]\s+numesc|numele\s+meu\s+(?:este|e)|m[ăa]\s+cheam[ăa]|se\s+nume[șs]te"
    r"|t[êe]n\s+t[ôo]i\s+l[àa]|t[ôo]i\s+t[êe]n\s+l[àa]|t[êe]n\s+c[ủu]a\s+t[ôo]i\s+l[àa]|t[êe]n\s+l[àa]"
    r"|em\s+t[êe]n\s+l[àa]|t[êe]n\s+em\s+l[àa]"
    r"|nav[êe]\s+min(?:\s+j[îi])?|nav[êe]\s+(?:w[îi]|w[êe])"
    r")"
)
# After these, only a capitalised name: "adım" is also "step" ("adım adım"), "heißt" also "means".
_INTRODUCTIONS_CAPITALISED = (
    # "tôi là Hùng": Vietnamese writes only names capitalised ("tôi là người Việt" stays)
    r"(?:(?i:ad[ıi]m|ad[ıi]|ismi|t[ôo]i\s+l[àa])"
    r"|(?:[Ee]r|[Ss]ie|Sohn|Tochter|Mann|Frau|Bruder|Schwester|Mutter|Vater|Kind|Baby)\s+hei(?:ß|ss)t"
    r"|(?:Vorname|Nachname|Familienname|Name|name|Имя|Ім['’ʼ]я|Фамилия|Прізвище|Adı|İsim|Nume"
    r"|Prenume|Tên|Nav)\s*:)"
)
_INTRODUCED_LATIN_CYRILLIC = [
    Pattern(
        "introduced name",
        rf"(?<![\p{{L}}\p{{M}}]){_INTRODUCTIONS_CLEAR}[ \t]*:?[ \t]+"
        rf"\K(?:{_CAPITALISED_NAME}|{_LOWERCASE_NAME})",
        0.7,
    ),
    Pattern(
        "introduced capitalised name",
        rf"(?<![\p{{L}}\p{{M}}]){_INTRODUCTIONS_CAPITALISED}[ \t]+\K{_CAPITALISED_NAME}",
        0.6,
    ),
]

# Arabic script: the words after "اسمي", "نام من", "زما نوم" up to a word of the sentence.
_AR_INTRODUCTIONS = (
    r"(?:(?:أنا|انا)\s+)?(?:اسمي|إسمي|أسمي|اسمى|اسمه|اسمها|إسمه|إسمها|يدعى|تدعى|يُدعى|تُدعى)"
    r"(?:\s+(?:هو|هي))?"
    r"|(?:اسم|إسم)\s+(?:ابني|ابنتي|بنتي|زوجي|زوجتي|أخي|اخي|أختي|اختي|أمي|امي|أبي|ابي)(?:\s+(?:هو|هي))?"
    r"|(?:نام|اسم)\s+(?:من|پسرم|دخترم|شوهرم|همسرم|برادرم|خواهرم|مادرم|پدرم|بچه‌ام|فرزندم)"
    r"|اسمم|نامم|اسمش|نامش"
    r"|زما\s+نوم|نوم\s+(?:مې|می|یې|يې)|زما\s+د\s+(?:زوی|لور|ښځې|میړه|مېړه|ورور|خور)\s+نوم"
    r"|(?:الاسم|اسم|نام|نوم)\s*:"
)
_AR_NAME_STOP = alternation(
    # ar
    "هو هي و أنا انا من في على عمري وعمري عمر عندي لدي منذ نحن مع الى إلى ولكن لكن بس"
    # "اسمي ليس مهماً", "اسم من مهم نیست": no name follows
    " ليس لا مش مو مهم مهما مهماً غير نیست نه مهم نشته"
    # fa
    " است هست هستم هستیم هستند می‌باشد میباشد میباشم می‌باشم از در به با که را و تا برای ولی"
    " سالمه ساله"
    # ps
    " دی دے ده دئ یم یو یې او زه په له د ته کې"
)
# A word starting with the conjunction "و" ends the name, unless it is one of these names.
_WAW_NAMES = "(?:ليد|ائل|سيم|فاء|داد|عد|لاء|صال|جدان|هيب|حيد|اصف|ئام|حید|اصل|جیهه|جیه)"
_AR_NAME_TOKEN = (
    rf"{AR_START}(?!{_AR_NAME_STOP}{AR_END})(?!و(?!{_WAW_NAMES}{AR_END}))"
    rf"[{AR}][{AR}{AR_MARKS}]*(?:{ZWNJ}[{AR}][{AR}{AR_MARKS}]*)*{AR_END}"
)
_AR_INTRODUCED_NAME = rf"{_AR_NAME_TOKEN}(?:[ \t]+{_AR_NAME_TOKEN}){{0,2}}"

# Ge'ez script (Tigrinya): "ስመይ ዮናስ እዩ" ("my name is Yonas").
# Only "my name": after "ስሙ" (his name) the sentence as often goes on without one ("ስሙ ኣይፈልጦን").
_ETHIOPIC_INTRODUCTIONS = r"(?:ስመይ|ሽመይ)(?:[\s፡]+ድማ)?"
_ETHIOPIC_STOP = alternation("እዩ እየ ኢዩ ኢየ ይብሃል ይበሃል ይባሃል ይባላል ነው ኮይኑ እንተ ድማ")
_ETHIOPIC_TOKEN = rf"(?<![{ETHIOPIC}])(?!{_ETHIOPIC_STOP}(?![{ETHIOPIC}])){ETHIOPIC_WORD}"
_ETHIOPIC_INTRODUCED_NAME = rf"{_ETHIOPIC_TOKEN}(?:[ \t፡]+{_ETHIOPIC_TOKEN}){{0,2}}"

_INTRODUCED_OTHER_SCRIPTS = [
    Pattern(
        "introduced name, Arabic script",
        rf"{AR_START}(?:{_AR_INTRODUCTIONS})[ \t]*:?[ \t]*\K{_AR_INTRODUCED_NAME}",
        0.7,
    ),
    Pattern(
        "introduced name, Ge'ez script",
        rf"(?<![{ETHIOPIC}]){_ETHIOPIC_INTRODUCTIONS}[\s፡:]+\K{_ETHIOPIC_INTRODUCED_NAME}",
        0.7,
    ),
]

# ---------------------------------------------------------------------------------------------
# Family words and forms of address, with capitalised names.

_FAMILY_GERMAN = (
    r"(?:[Mm]ein|[Mm]eine|[Mm]einem|[Mm]einen|[Mm]einer|[Mm]eines|[Uu]nser|[Uu]nsere|[Uu]nserem"
    r"|[Uu]nseren|[Uu]nserer|[Uu]nseres)\s+"
    r"(?:(?:kleine|große|grosse|älteste|jüngste|ältere|jüngere)[nrms]?\s+)?"
    r"(?:Sohn|Sohnes|Tochter|Ehemann|Ehemannes|Mann|Mannes|Ehefrau|Frau|Bruder|Bruders|Schwester"
    r"|Mutter|Vater|Vaters|Onkel|Tante|Cousin|Cousine|Neffe|Neffen|Nichte|Enkel|Enkelin|Oma|Opa"
    r"|Großmutter|Großvater|Schwiegermutter|Schwiegervater|Schwager|Schwägerin|Kind|Kindes|Baby)"
)
_FAMILY_ENGLISH = (
    r"(?i:my|our|his|her)\s+(?:(?i:little|older|younger|eldest|oldest|youngest|baby|big)\s+)?"
    r"(?i:son|daughter|husband|wife|brother|sister|mother|father|mom|mum|dad|uncle|aunt|cousin"
    r"|nephew|niece|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|child|kid|baby"
    r"|boy|girl|stepson|stepdaughter)"
)
_FAMILY_TURKISH = (
    r"(?i:oğlum|oğlumun|kızım|kızımın|eşim|eşimin|kocam|karım|annem|babam|kardeşim|ağabeyim|abim"
    r"|ablam|dayım|amcam|teyzem|halam|torunum|çocuğum|yeğenim)"
)
_FAMILY_ROMANIAN = (
    r"(?i:fiul|fiica|soțul|sotul|soția|sotia|fratele|sora|mama|tatăl|tatal|băiatul|baiatul|fata"
    r"|copilul|nepotul|nepoata|bunica|bunicul|unchiul|mătușa|matusa)\s+(?i:meu|mea|nostru|noastră|noastra)"
)
_FAMILY_VIETNAMESE = (
    r"(?i:con\s+trai|con\s+gái|con|chồng|vợ|anh\s+trai|em\s+trai|chị\s+gái|em\s+gái|mẹ|bố|ba|cháu)"
    r"\s+(?i:tôi|em|của\s+tôi|mình)"
)
_FAMILY_KURMANJI = (
    r"(?i:kur[êe]|keç[ae]|jin[ae]|m[êe]r[êe]|biray[êe]|xwi[şs]k[ae]|diya|bav[êe]|zarok[êe]|ap[êe]"
    r"|xal[êe]|met[ae])\s+(?i:min|me)"
)
_FAMILY_RUSSIAN = (
    r"(?:(?i:мой|моя|моего|моей|моему|моим|мою|наш|наша|нашего|нашей|нашу|нашим)\s+)?"
    r"(?i:сын|сына|сыну|сыном|сыне|сынок|дочь|дочери|дочерью|дочка|дочки|дочке|дочку|дочкой|муж|мужа"
    r"|мужу|мужем|жена|жены|жене|жену|женой|брат|брата|брату|братом|сестра|сестры|сестре|сестру"
    r"|сестрой|мама|мамы|маме|маму|мамой|мать|матери|папа|папы|папе|папу|отец|отца|отцу|бабушка"
    r"|бабушки|дедушка|дедушки|внук|внука|внучка|внучки|племянник|племянница|тётя|тетя|дядя"
    r"|ребёнок|ребенок|ребёнка|ребенка)"
)
_FAMILY_UKRAINIAN = (
    r"(?:(?i:мій|моя|мого|моєї|моєму|моїй|моїм|мою|наш|наша|нашого|нашої|нашу)\s+)?"
    r"(?i:син|сина|синові|сином|сину|синочок|донька|доньки|доньці|доньку|донькою|дочка|дочки|дочку"
    r"|дружина|дружини|дружину|дружиною|брат|брата|братові|братом|сестра|сестри|сестру|сестрою"
    r"|мама|мами|мамі|маму|мамою|мати|матері|тато|тата|татові|батько|батька|бабуся|бабусі|дідусь"
    r"|дідуся|онук|онука|онучка|дитина|дитини|дядько|тітка)"
    # "чоловік" is also "man"/"people" ("50 чоловік"): only with a possessive
    r"|(?i:мій|мого|моєму|моїм|наш|нашого)\s+(?i:чоловік|чоловіка|чоловікові|чоловіком)"
)
_FAMILY_CAPITALISED = (
    rf"(?:{_FAMILY_GERMAN}|{_FAMILY_ENGLISH}|{_FAMILY_TURKISH}|{_FAMILY_ROMANIAN}|{_FAMILY_VIETNAMESE}"
    rf"|{_FAMILY_KURMANJI}|{_FAMILY_RUSSIAN}|{_FAMILY_UKRAINIAN})"
)
# Frau Müller, Herr Dr. Schmidt, Mr Jones; not "als Frau Deutsch lernen", "jede Frau".
_ADDRESS_FORMS = (
    r"(?<!(?<!\p{L})(?i:als|eine|einer|jede|jeder|keine|die|der|den|dem|des|diese|dieser|welche|jeden|a|the)\s)"
    r"(?:Herr|Herrn|Frau|Hr\.|Fr\.|Dr\.|Prof\.|Mr\.?|Mrs\.?|Ms\.?"
    r"|(?i:пан|пані|пана|господин|господина|госпожа|госпожи|фрау|герр))"
    r"(?:\s+(?:Dr\.|Prof\.))?"
)
_FAMILY_AND_ADDRESS_LATIN_CYRILLIC = [
    Pattern(
        "family word and name",
        rf"(?<![\p{{L}}\p{{M}}]){_FAMILY_CAPITALISED},?[ \t]+\K(?:{_latin_name(2)}|{_cyrillic_name(2)})",
        0.6,
    ),
    Pattern(
        "form of address and name",
        rf"(?<![\p{{L}}\p{{M}}]){_ADDRESS_FORMS}[ \t]+\K(?:{_latin_name(2)}|{_cyrillic_name(2)})",
        0.6,
    ),
]

# ---------------------------------------------------------------------------------------------
# Family words in Arabic and Ge'ez script, with a given name from a list.

# Common given names of the people we serve (Syria, Iraq, Afghanistan, Iran, Eritrea), in Arabic
# script. Names that are also everyday words are left out: after "ابني" they are more often an
# adjective or a noun ("سعيد" happy, "نور" light, "أمل" hope, "كريم" generous).
_GIVEN_NAMES_ARABIC_SCRIPT = (
    # Arabic, men
    "محمد محمّد أحمد احمد علي عمر عمار خالد يوسف إبراهيم ابراهيم حسين حسن محمود مصطفى عبدالله"
    " عبدالرحمن عبد سامي سامر ماهر مازن وليد وائل فادي رامي طارق زياد باسل بشار بشير حمزة حمزه"
    " إياد اياد أيمن ايمن أنس انس آدم يزن يامن ياسين ياسر سليمان سليم كنان قصي مهند مجد نزار هادي"
    " هشام فراس رياض صالح سعد عادل عماد عدنان غسان إلياس الياس عيسى موسى داود نوح زكريا يحيى مالك"
    " كمال بلال أسامة اسامة حازم نادر نبيل أكرم اكرم ربيع جورج شادي راني عمرو معاذ مؤيد مروان"
    " جعفر عباس حيدر كاظم قاسم منصور ناصر زيد عثمان"
    # Arabic, women
    " فاطمة مريم زينب عائشة عايشة خديجة سارة ليلى هبة رنا رنيم ريم ريما رهف لمى لين لانا دانة دانا"
    " جنى جودي شهد تسنيم آمنة امنة هدى ياسمين نسرين سلمى سلوى سعاد منى رغد بيان حلا غنى ميس ميار"
    " سيدرا سدرة رزان روان علا ولاء وفاء إيمان ايمان أسماء اسماء سمية هالة رشا ديما نادية ناديا"
    " سهام أمينة امينة لبنى عبير جمانة لينا ماريا رولا"
    # Persian and Dari, Pashto
    " رضا مهدی حمید علی جواد مجید حسین مرتضی مصطفی سجاد امیر بهرام داریوش کامران فرهاد فرشید"
    " پرویز نوید شهاب سینا آرش آرمان رستم سهراب بابک مسعود محسن میلاد یاسین یوسف یعقوب ذبیح‌الله"
    " ذبیح حبیب نجیب‌الله نجیب نصیر بشیر وحید جمشید فرید عبدالله احمد محمود نعمت‌الله"
    " حمیدالله سمیع‌الله عبدالرحمن اسدالله عزیزالله شفیع‌الله"
    " زهرا زینب سارا سمیرا مینا نرگس لیلا پریسا مهسا نازنین الهام زهره ژیلا هانیه نیلوفر ملالی"
    " ملاله شکیلا ذکیه فریبا فرزانه مرسل مرضیه معصومه شبانه"
)
_FAMILY_ARABIC_SCRIPT = alternation(
    # ar
    "ابني إبني ابنى ابنتي بنتي إبنتي زوجي زوجتي مرتي أخي اخي أختي اختي أمي امي والدتي أبي ابي"
    " والدي عمي خالي عمتي خالتي جدي جدتي حفيدي حفيدتي طفلي طفلتي"
    # fa
    " پسرم دخترم شوهرم همسرم برادرم خواهرم مادرم پدرم فرزندم نوه‌ام"
    # ps
    " زوی لور ښځه میړه مېړه ورور خور مور پلار"
)
_AR_ADJECTIVES = alternation(
    "الصغير الصغيرة الكبير الكبيرة الأكبر الأصغر الاكبر الاصغر كوچکم بزرگم کوچک بزرگ"
)


def _tolerant(name: str) -> str:
    """``name`` as a pattern that accepts the usual spelling variants of Arabic-script letters."""
    variants = {
        "ي": "[يیى]",
        "ی": "[يیى]",
        "ى": "[يیى]",
        "ك": "[كک]",
        "ک": "[كک]",
        "أ": "[أإآا]",
        "إ": "[أإآا]",
        "آ": "[أإآا]",
        ZWNJ: f"{ZWNJ}?",
    }
    pattern = "".join(variants.get(ch, ch) for ch in name)
    if name.endswith(("ة", "ه")):
        pattern = pattern[:-1] + "[ةه]"
    if name[0] == "ا":
        pattern = "[أإآا]" + pattern[1:]
    return pattern


_GIVEN_NAME = (
    "(?:"
    + "|".join(
        sorted({_tolerant(name) for name in _GIVEN_NAMES_ARABIC_SCRIPT.split()}, key=lambda p: -len(p))
    )
    + ")"
)
_AR_FAMILY_NAME = rf"{AR_START}(?:ال)?{_GIVEN_NAME}{AR_END}"
_FAMILY_AND_LISTED_NAME = [
    Pattern(
        "family word and given name, Arabic script",
        rf"{AR_START}(?:زما\s+|زمونږ\s+|و)?{_FAMILY_ARABIC_SCRIPT}{AR_END}(?:\s+(?:من|{_AR_ADJECTIVES}))?"
        rf"[ \t]*[,،]?[ \t]*\K{AR_START}{_GIVEN_NAME}{AR_END}(?:[ \t]+{_AR_FAMILY_NAME}){{0,2}}",
        0.6,
    ),
]

# Tigrinya family words (my son, my daughter, my wife, my husband, my brother, my sister, my
# mother, my father, my child) and common Eritrean given names.
_FAMILY_ETHIOPIC = alternation("ወደይ ጓለይ ሰበይተይ ሰብኣየይ ሓወይ ሓፍተይ ኣደይ ኣቦይ ውላደይ ቆልዓይ")
_GIVEN_NAMES_ETHIOPIC = alternation(
    "ዮናስ ዳዊት ሳምሶን ሚኪኤል ኣማኑኤል ተስፋይ ሃብቶም ብርሃነ ፍሰሃ ሉዋም ሳባ ሩታ ኣዳነት ሄለን ፊልሞን ዮሃንስ ሰምሃር ኣብርሃም ኤልሳ ሊድያ"
    " ቢንያም ነጋሲ መሓሪ ኪዳነ ሰናይት ሚልዮን ዮርዳኖስ ሄኖክ ናትናኤል ሶሎሞን ሜሮን ቤተልሄም ሓጎስ ገብረ ኣሮን ያፌት ሙሴ"
)
_FAMILY_AND_LISTED_NAME.append(
    Pattern(
        "family word and given name, Ge'ez script",
        rf"(?<![{ETHIOPIC}]){_FAMILY_ETHIOPIC}[\s፡]+\K{_GIVEN_NAMES_ETHIOPIC}(?![{ETHIOPIC}])",
        0.6,
    )
)

# "السيد مولر", "السيدة شميت", "آقای احمدی": one word, the surname, after the form of address.
_AR_ADDRESS_FORMS = alternation("السيد السيدة السيده آقای آقاى")
_ADDRESS_ARABIC_SCRIPT = [
    Pattern(
        "form of address and name, Arabic script",
        rf"{AR_START}{_AR_ADDRESS_FORMS}[ \t]+\K{_AR_NAME_TOKEN}",
        0.6,
    ),
]

NAME_PATTERNS = [
    *_INTRODUCED_LATIN_CYRILLIC,
    *_INTRODUCED_OTHER_SCRIPTS,
    *_FAMILY_AND_ADDRESS_LATIN_CYRILLIC,
    *_FAMILY_AND_LISTED_NAME,
    *_ADDRESS_ARABIC_SCRIPT,
]
