"""The Telegram shell (aiogram 3): parses updates into engine inputs and renders replies."""
