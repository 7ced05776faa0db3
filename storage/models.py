"""Tables. Every row about a person is keyed by a pseudonym; no raw messenger id lives here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PSEUDONYM_LENGTH = 64  # hex of HMAC-SHA256

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Participant(Base):
    """A person who consented to answering questionnaires."""

    __tablename__ = "participants"

    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_LENGTH), primary_key=True)
    locale: Mapped[str] = mapped_column(String(16))
    consented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConversationStateRow(Base):
    """Where the person is in the conversation; `version` guards against concurrent updates."""

    __tablename__ = "conversation_states"

    pseudonym: Mapped[str] = mapped_column(
        ForeignKey("participants.pseudonym", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Answer(Base):
    """One answer per person and question; answering again replaces it."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("pseudonym", "field", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(
        ForeignKey("participants.pseudonym", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(32), index=True)
    question: Mapped[str] = mapped_column(String(32))
    value: Mapped[Any] = mapped_column(JSON)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FieldCompletion(Base):
    """When a person last sent a field; the export counts completed questionnaires from here."""

    __tablename__ = "field_completions"
    __table_args__ = (UniqueConstraint("pseudonym", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(
        ForeignKey("participants.pseudonym", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(32))
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TextReview(Base):
    """A staff decision on one scrubbed free-text answer; only released texts are exported.

    `text_hash` ties the decision to the text it was made on: a changed answer needs a new review.
    """

    __tablename__ = "text_reviews"

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # released | withheld
    reviewer: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExportAudit(Base):
    """Who exported what and when; `actor` is a staff member's Telegram id or a CLI login."""

    __tablename__ = "export_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(8))
    rows: Mapped[int] = mapped_column(Integer)
