"""`mitsprache catalogs update|check`: the translation catalogs in locales/. No database. `check` reads the
catalogs this copy serves; `update` rewrites a checkout's."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    cat = sub.add_parser("catalogs", help="translation catalogs in locales/")
    actions = cat.add_subparsers(dest="catalogs_command", required=True, metavar="ACTION")
    upd = actions.add_parser("update", help="extract all texts into messages.pot and merge every .po")
    upd.add_argument("--add", metavar="LANG", help="also start a catalog for a new language")
    upd.set_defaults(handler=update)
    actions.add_parser("check", help="report untranslated, fuzzy or mismatched entries").set_defaults(
        handler=check
    )


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
