"""The translation catalogs (``<language>/LC_MESSAGES/messages.po`` and ``messages.pot``) as package
data: an installed wheel carries them, and ``bot.catalogs`` reads them with importlib.resources. The
folder stays at the top of the repository where translators look for it. The one function here lists
the languages without loading Babel, for the command line's help pages."""

from __future__ import annotations

from importlib.resources import files

SOURCE = "de"  # the language the texts are written in (dialogs.i18n.SOURCE_LOCALE)


def shipped() -> list[str]:
    """The language codes with a catalog, and the source language."""
    folder = files(__name__)
    found = {d.name for d in folder.iterdir() if d.is_dir() and (d / "LC_MESSAGES" / "messages.po").is_file()}
    return sorted(found | {SOURCE})
