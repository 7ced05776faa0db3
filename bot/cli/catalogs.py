"""`mitsprache catalogs update|check`: the translation catalogs in locales/. No database. `check` reads the
catalogs this copy serves; `update` rewrites a checkout's."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.cli.common import actions, command

if TYPE_CHECKING:
    from bot.cli.common import Subparsers
    from bot.settings import Settings


def register(sub: Subparsers) -> None:
    cat = command(
        sub, "catalogs",
        summary="translation catalogs in locales/",
        description="""
            The translations of everything people read: locales/messages.pot holds the German texts
            from the code and the questionnaires, and locales/LANG/LC_MESSAGES/messages.po one
            language's translations (see docs/translating.md). For translators and developers; needs
            the source tree, not the database.""",
        examples=[("mitsprache catalogs update", "after changing texts: extract them and merge every .po"),
                  ("mitsprache catalogs check", "what is untranslated, fuzzy or broken, per language")],
    )  # fmt: skip
    action = actions(cat, "catalogs_command")
    upd = command(
        action, "update",
        summary="extract all texts into messages.pot and merge every .po",
        description="""
            Extract every text in _() from the code and every text of the questionnaires into
            locales/messages.pot, and merge it into each language's messages.po: new texts appear
            untranslated, changed ones as fuzzy.""",
        examples=[("mitsprache catalogs update", "every shipped language"),
                  ("mitsprache catalogs update --add so", "also start a catalog for Somali")],
    )  # fmt: skip
    upd.add_argument("--add", metavar="LANG", help="also start a catalog for a new language, e.g. so")
    upd.set_defaults(handler=update)
    command(
        action, "check",
        summary="report untranslated, fuzzy or mismatched entries",
        description="""
            For every language: whether its catalog is complete, whether a native speaker reviewed it,
            and each entry that is untranslated, fuzzy, or whose placeholders differ from the German.
            Exits with 1 when a catalog is incomplete.""",
        examples=[("mitsprache catalogs check", "all languages")],
    ).set_defaults(handler=check)  # fmt: skip


def update(settings: Settings, args: argparse.Namespace) -> int:
    from bot import catalogs

    if not catalogs.in_checkout():
        # An installed copy has no sources to extract from, and its catalogs are not for editing.
        print(
            "mitsprache: `catalogs update` works in a source checkout (it rewrites locales/ from the code); "
            f"this is an installed copy without {catalogs.LOCALES_DIR / 'babel.cfg'}.",
            file=sys.stderr,
        )
        return 1
    for locale in catalogs.update(new_locale=args.add):
        print(f"updated {catalogs.po_path(locale, catalogs.LOCALES_DIR).relative_to(catalogs.ROOT)}")
    return 0


def check(settings: Settings, args: argparse.Namespace) -> int:
    from bot import catalogs
    from dialogs.i18n import SOURCE_LOCALE

    failed = False
    for locale in catalogs.shipped_locales():
        if locale == SOURCE_LOCALE and not catalogs.po_path(locale).is_file():
            continue
        report = catalogs.check(locale)
        review = "reviewed" if report.reviewed else "NOT reviewed by a native speaker"
        status = "ok" if report.ok else "INCOMPLETE"
        print(f"{locale}: {status}, {review}")
        for kind in ("untranslated", "fuzzy", "mismatched"):
            for entry in getattr(report, kind):
                print(f"  {kind}: {entry}")
        failed |= not report.ok
    return 1 if failed else 0
