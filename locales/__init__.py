"""The translation catalogs (``<language>/LC_MESSAGES/messages.po`` and ``messages.pot``) as package
data: an installed wheel carries them, and ``bot.catalogs`` reads them with importlib.resources. No code
lives here; the folder stays at the top of the repository where translators look for it."""
