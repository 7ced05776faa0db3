"""Who a broadcast reaches: one audience type for the staff dialog, the command line and storage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Audience:
    """Subscribers by district, field and language; an empty list on either side means "all"."""

    districts: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, districts: Sequence[str] = (), fields: Sequence[str] = (), langs: Sequence[str] = ()
    ) -> Audience:
        return cls(tuple(districts), tuple(fields), tuple(langs))

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Audience:
        data = data or {}
        return cls.of(data.get("districts") or (), data.get("fields") or (), data.get("langs") or ())

    def to_json(self) -> dict[str, list[str]]:
        """Only the lists that narrow the audience, as stored with a broadcast."""
        found = {"districts": self.districts, "fields": self.fields, "langs": self.langs}
        return {key: list(values) for key, values in found.items() if values}

    def matches(self, districts: Sequence[str], fields: Sequence[str], locale: str) -> bool:
        """Whether a subscriber with these wishes and language belongs to the audience."""
        if self.langs and locale not in self.langs:
            return False
        if self.districts and districts and not set(self.districts) & set(districts):
            return False
        return not (self.fields and fields and not set(self.fields) & set(fields))
