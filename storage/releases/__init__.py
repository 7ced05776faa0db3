"""Releases for the working groups: tables first, free texts as their own list, row-level data only by
exception, and never two releases that can be subtracted (docs/privacy.md)."""
