"""The staff desk's previews of a broadcast: packed into as few messages as fit, in order."""

from __future__ import annotations

from bot.usecases.staff import pack


def test_previews_are_packed_into_few_messages_in_order() -> None:
    assert pack(["aaaa", "bb", "cc", "dddddd"], "\n", limit=8) == ["aaaa\nbb", "cc", "dddddd"]
    assert pack([], "\n") == []
