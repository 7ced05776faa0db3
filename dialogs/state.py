"""Conversation state: where a person is, what they answered; serialised to JSON by storage."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dialogs.definitions import AnswerValue

REVIEW = "__review__"
FieldStatus = Literal["not_started", "in_progress", "done"]
Mode = Literal["menu", "field", "paused"]


class FieldProgress(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: FieldStatus = "not_started"
    current: str | None = None
    answers: dict[str, AnswerValue] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list)
    selection: list[str] = Field(default_factory=list)

    def visited(self, question_id: str) -> bool:
        return question_id in self.answers or question_id in self.skipped


class ConversationState(BaseModel):
    """One consenting person's conversation; a person without consent has no state at all."""

    model_config = ConfigDict(extra="ignore")

    locale: str
    seq: int = 0
    mode: Mode = "menu"
    field: str | None = None
    fields: dict[str, FieldProgress] = Field(default_factory=dict)
    # A field a start link asked for, opened once the "about you" block is sent (a poster's QR code
    # leads there); opening any other field settles it.
    after_about: str | None = None

    def progress(self, field_id: str) -> FieldProgress:
        return self.fields.setdefault(field_id, FieldProgress())

    def status(self, field_id: str) -> FieldStatus:
        entry = self.fields.get(field_id)
        return entry.status if entry else "not_started"
