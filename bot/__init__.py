"""Shells around the conversation: the `mitsprache` CLI, the terminal chat, and (later) Telegram."""
