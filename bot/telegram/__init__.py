"""The Telegram shell (aiogram 3): parses updates into engine inputs and renders replies."""

from bot.telegram.lean_aiogram import import_aiogram

import_aiogram()  # before any module of this package imports aiogram (see lean_aiogram)
