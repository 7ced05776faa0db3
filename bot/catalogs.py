"""Translation catalogs: extract messages.pot, update or add a language, check completeness, load.

Two places, one folder in a checkout: the shipped catalogs (:data:`SHIPPED`, the package `locales` read
through importlib.resources, so an installed wheel serves every language) and the checkout's `locales/`
(:data:`LOCALES_DIR`), which `mitsprache catalogs update` rewrites from the sources."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import overload

from babel import Locale, localedata
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from dialogs.i18n import SOURCE_LOCALE
from dialogs.languages import display_name

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
DOMAIN = "messages"
KEYWORDS = {"_": None, "n_": (1, 2), "p_": ((1, "c"), 2), "pgettext": ((1, "c"), 2)}
# Marks a catalog that no native speaker has checked yet; a reviewer deletes this line.
NOT_REVIEWED = "NOT REVIEWED: machine translation, not yet checked by a native speaker."
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)[sd]")
_TAG = re.compile(r"</?[a-z]+[^>]*>")


class CatalogsMissing(RuntimeError):
    """The package `locales` is not importable: an editable install older than it, or a broken one."""


def _shipped() -> Traversable:
    try:
        return files("locales")
    except ModuleNotFoundError as exc:
        # Loud, not German for everyone: that silent fallback is what a missing folder used to cause.
        raise CatalogsMissing(
            "The translation catalogs (the package 'locales') are not installed. Install Mitsprache "
            "again; in a checkout: .venv/bin/pip install -e ."
        ) from exc


SHIPPED: Traversable = _shipped()


def in_checkout() -> bool:
    """True in a source checkout, where `catalogs update` can extract texts and rewrite the catalogs."""
    return (LOCALES_DIR / "babel.cfg").is_file()


@overload
def po_path(locale: str, directory: Path) -> Path: ...
@overload
def po_path(locale: str, directory: Traversable = ...) -> Traversable: ...
def po_path(locale: str, directory: Traversable = SHIPPED) -> Traversable:
    return directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(root: Path = ROOT) -> Catalog:
    """Everything translatable: Python sources (_, n_, p_) and the questionnaire data files."""
    # Imported here: only `catalogs update` extracts; the running bot need not hold these modules.
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (root / "locales" / "babel.cfg").open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)  # type: ignore[no-untyped-call]
    template = Catalog(project="Mitsprache", locale=None, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def write_template(template: Catalog, directory: Path = LOCALES_DIR) -> Path:
    path = directory / f"{DOMAIN}.pot"
    with path.open("wb") as handle:
        write_po(handle, template, width=100, sort_output=False)
    return path


def update(directory: Path = LOCALES_DIR, new_locale: str | None = None) -> list[str]:
    """Refresh messages.pot and merge it into every catalog (and a new one, if asked)."""
    template = extract()
    write_template(template, directory)
    locales = [p.parent.parent.name for p in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))]
    if new_locale and new_locale not in locales:
        Locale.parse(new_locale)  # unknown codes fail here, before a folder is made
        locales.append(new_locale)
    for locale in locales:
        path = po_path(locale, directory)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            language = Locale.parse(locale).get_display_name("en")
            catalog = Catalog(
                locale=locale,
                project="Mitsprache",
                version="1",
                fuzzy=False,
                header_comment=f"# {language} translations for Mitsprache.\n# {NOT_REVIEWED}",
            )
        # No fuzzy guesses: a new text stays untranslated (and the check says so) until a person
        # translates it, instead of showing a neighbouring message's translation.
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=False, ignore_obsolete=True)
    return locales


def load(locale: str, directory: Traversable = SHIPPED) -> Translations | None:
    """Compile a .po in memory: a fresh clone needs no compile step, and no .mo goes stale."""
    path = po_path(locale, directory)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def shipped_locales(directory: Traversable = SHIPPED) -> list[str]:
    found = {d.name for d in directory.iterdir() if d.is_dir() and po_path(d.name, directory).is_file()}
    return sorted(found | {SOURCE_LOCALE})


def language_name(locale: str) -> str:
    """The language's own name in its own script, from CLDR (e.g. "العربية", "Українська", "دری" for
    fa_AF): see dialogs.languages.display_name."""
    return _facts(locale)[0]


def is_rtl(locale: str) -> bool:
    """By the language's script as CLDR records it, so a regional catalog (fa_AF) is laid out like its
    language without being named anywhere."""
    return _facts(locale)[1]


@cache
def _facts(locale: str) -> tuple[str, bool]:
    """Name and direction, read once per language. Babel keeps a language's whole CLDR data (about 1 MB)
    once read, 15 MB for the shipped languages, for these two facts; so it is let go here (dates read
    a language's data again when first formatted)."""
    name = display_name(locale, locale)
    rtl = Locale.parse(locale).character_order == "right-to-left"
    localedata.clear_caches()
    return name[:1].upper() + name[1:], rtl


@dataclass
class Report:
    locale: str
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    reviewed: bool = False

    @property
    def ok(self) -> bool:
        return not (self.untranslated or self.fuzzy or self.mismatched)


def check(locale: str, directory: Traversable = SHIPPED, template: Catalog | None = None) -> Report:
    """Every template message translated, not fuzzy, with identical placeholders and tags."""
    report = Report(locale)
    with po_path(locale, directory).open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    report.reviewed = NOT_REVIEWED not in (catalog.header_comment or "")
    wanted = template if template is not None else _read_template(directory)
    for message in wanted:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        label = _label(message)
        if found is None or not _translated(found):
            report.untranslated.append(label)
        elif found.fuzzy:
            report.fuzzy.append(label)
        else:
            problem = _compare(found)
            if problem:
                report.mismatched.append(f"{label}: {problem}")
    return report


def _read_template(directory: Traversable) -> Catalog:
    with (directory / f"{DOMAIN}.pot").open("rb") as handle:
        return read_po(handle)


def _label(message: Message) -> str:
    text = message.id if isinstance(message.id, str) else message.id[0]
    short = text if len(text) <= 60 else text[:57] + "..."
    return f"[{message.context}] {short}" if message.context else short


def _translated(message: Message) -> bool:
    if isinstance(message.string, (list, tuple)):
        return all(s for s in message.string)
    return bool(message.string)


def _compare(message: Message) -> str | None:
    sources = [str(s) for s in (message.id if isinstance(message.id, (list, tuple)) else [message.id])]
    raw = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    targets = [str(s or "") for s in raw]
    wanted_places = set(_PLACEHOLDER.findall(sources[-1])) | set(_PLACEHOLDER.findall(sources[0]))
    wanted_tags = sorted(_TAG.findall(sources[0]))
    for target in targets:
        places = set(_PLACEHOLDER.findall(target))
        # A plural form may leave out {n} (e.g. Arabic "one" and "two" forms spell the number out).
        if places - wanted_places or (wanted_places - {"{n}"}) - places:
            return f"placeholders {sorted(places)} instead of {sorted(wanted_places)}"
        if sorted(_TAG.findall(target)) != wanted_tags:
            return "HTML tags differ"
    return None
