"""`mitsprache qr`: a QR code for a poster that opens the chat in one language, maybe in one field.

No database and no Telegram: it only builds the start link (bot/start_links.py) and draws it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot import start_links
from bot.cli.common import EXIT_CONFIG, fail
from dialogs.languages import shipped_code
from dialogs.start_link import StartLink
from dialogs.vocabulary import FIELD_IDS
from locales import shipped

if TYPE_CHECKING:
    import segno

    from bot.cli.common import Subparsers
    from bot.settings import Settings

KINDS = {".svg": "svg", ".png": "png"}
# Q restores a quarter of the code: a poster that is dirty, torn or creased in a corner still scans.
ERROR_CORRECTION = "q"
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks

DESCRIPTION = """\
Write a QR code (SVG or PNG) for a poster. Scanned, it opens the web chat or the Telegram bot
with the language chosen, so the consent text appears in it at once; with --field, that field's
questions follow the consent and the questions about oneself. People who already take part keep
their own language and go to the field."""
EXAMPLES = """\
examples:
  mitsprache qr --lang ar -o poster-ar.svg
      the web chat in Arabic (MITSPRACHE_WEB_URL, else http://127.0.0.1:8080)
  mitsprache qr --lang fa_AF --field gesundheit -o gesundheit-fa_AF.png
      the web chat in Dari, leading into the health questions after consent
  mitsprache qr --lang uk --field wohnen --channel telegram --bot MitspracheBot -o wohnen-uk.svg
      Telegram (https://t.me/MitspracheBot?start=uk-wohnen); MITSPRACHE_BOT_USERNAME saves --bot

The address is printed too: open it once yourself before printing. Both channels carry the same
start payload, "<language>" or "<language>-<field>" (see docs/operating.md, "QR posters").
"""


def register(sub: Subparsers) -> None:
    qr = sub.add_parser(
        "qr",
        help="write a poster's QR code that opens the chat in one language (and field)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    languages = shipped()  # without Babel: every --help builds this parser
    qr.add_argument(
        "--lang", required=True, choices=languages, metavar="LANG",
        type=lambda code: shipped_code(code, languages) or code,  # fa-AF is fa_AF
        help=f"the language the chat opens in: {', '.join(languages)}",
    )  # fmt: skip
    qr.add_argument(
        "--field", choices=FIELD_IDS, metavar="FIELD",
        help=f"the field whose questions follow the consent: {', '.join(FIELD_IDS)}",
    )  # fmt: skip
    qr.add_argument(
        "--channel", choices=start_links.CHANNELS, default="web",
        help="web: the web chat at MITSPRACHE_WEB_URL; telegram: the bot (default: web)",
    )  # fmt: skip
    qr.add_argument(
        "--bot", metavar="NAME",
        help="the bot's username for --channel telegram (default: MITSPRACHE_BOT_USERNAME)",
    )  # fmt: skip
    qr.add_argument(
        "-o", "--output", required=True, type=Path, metavar="FILE",
        help="where to write it; the ending chooses the format: .svg (for print) or .png",
    )  # fmt: skip
    qr.add_argument(
        "--scale", type=int, default=20, metavar="N",
        help="size of one square of the code in pixels (default: 20; an SVG scales without loss)",
    )  # fmt: skip
    qr.set_defaults(handler=write)


def write(settings: Settings, args: argparse.Namespace) -> int:
    from bot import catalogs

    locales = catalogs.shipped_locales()
    if args.lang not in locales:
        return fail(
            f"--lang {args.lang}: not a shipped language; use one of {', '.join(locales)}", EXIT_CONFIG
        )
    output: Path = args.output
    kind = KINDS.get(output.suffix.lower())
    if kind is None:
        return fail(
            f"-o {output}: end the file name in .svg or .png (its ending chooses the format)", EXIT_CONFIG
        )
    if not 1 <= args.scale <= 100:
        return fail(f"--scale {args.scale}: use 1 to 100 pixels per square", EXIT_CONFIG)
    try:
        url = address(settings, args)
    except ValueError as exc:
        return fail(str(exc), EXIT_CONFIG)
    symbol = make(url)
    if kind == "svg":  # the address as its title: screen readers and file browsers show it
        symbol.save(str(output), kind="svg", scale=args.scale, border=QUIET_ZONE, title=url)
    else:
        symbol.save(str(output), kind="png", scale=args.scale, border=QUIET_ZONE)
    print(url)
    done = f"Wrote {output} (QR code version {symbol.version}, error correction {symbol.error})."
    print(done, file=sys.stderr)
    return 0


def address(settings: Settings, args: argparse.Namespace) -> str:
    """The URL the code opens; ValueError with the one line to print when it cannot be made."""
    link = StartLink(args.lang, args.field)
    if args.channel == "telegram":
        bot = args.bot or settings.bot_username
        if not bot:
            raise ValueError(
                "--channel telegram needs the bot's username: pass --bot NAME or set MITSPRACHE_BOT_USERNAME"
            )
        try:
            return start_links.telegram_url(bot, link)
        except ValueError as exc:
            raise ValueError(f"--bot: {exc}") from None
    if not settings.web_url:
        warning = (
            f"MITSPRACHE_WEB_URL is not set, so the code opens {start_links.DEFAULT_WEB_URL}, which works "
            "only on this computer. For a poster, set it to the web chat's public address."
        )
        print(f"mitsprache: {warning}", file=sys.stderr)
    return start_links.web_url(settings.web_url, link)


def make(url: str) -> segno.QRCode:
    """The QR code for `url`: a regular one (phones' cameras do not read Micro QR codes), at least Q."""
    import segno  # only this command needs it

    return segno.make_qr(url, error=ERROR_CORRECTION)
