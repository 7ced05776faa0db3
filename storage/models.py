"""Tables. A person's answers are keyed by a pseudonym; the one raw messenger id (a subscriber's chat
id, needed to send invitations) is stored without it, so no table joins the two."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

PSEUDONYM_LENGTH = 64  # hex of HMAC-SHA256
MAX_ID = 2**31 - 1  # the largest Integer key on PostgreSQL: bigger numbers from outside name nothing

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on PostgreSQL and on SQLite (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Participant(Base):
    """A person who consented to answering questionnaires."""

    __tablename__ = "participants"

    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_LENGTH), primary_key=True)
    locale: Mapped[str] = mapped_column(String(16))
    consented_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the person last switched language (None: never since consent). A release breaks answers
    # down by language, so a switch changes the person's part in it (storage/releases/differencing.py).
    locale_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ConversationStateRow(Base):
    """Where the person is in the conversation; `version` guards against concurrent updates."""

    __tablename__ = "conversation_states"

    pseudonym: Mapped[str] = mapped_column(
        ForeignKey("participants.pseudonym", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


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
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # A free text's scrubbed form, made once for staff review and releases (storage/reviews.py), with
    # the hash of the text it was made of and the version of the scrubber that made it. Answering
    # again clears all three in the same statement: the old words do not stay, even scrubbed.
    scrubbed: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    scrubbed_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    scrubbed_by: Mapped[str | None] = mapped_column(String(16), nullable=True)


class FieldCompletion(Base):
    """When a person first sent a field; the export counts completed questionnaires from here.

    Sending again keeps the first time: a later change is in Answer.answered_at, and the first time
    tells for certain whether the person was among the submitted answers of a release."""

    __tablename__ = "field_completions"
    __table_args__ = (UniqueConstraint("pseudonym", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(
        ForeignKey("participants.pseudonym", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(32))
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TextReview(Base):
    """A staff decision on one scrubbed free-text answer; only released texts are exported.

    `text_hash` ties the decision to the text it was made on: a changed answer needs a new review.
    """

    __tablename__ = "text_reviews"

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # released | withheld
    reviewer: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ExportAudit(Base):
    """Who exported what and when; `actor` is a staff member's Telegram id or a CLI login."""

    __tablename__ = "export_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(8))
    rows: Mapped[int] = mapped_column(Integer)


class Subscriber(Base):
    """A person who agreed to receive event invitations (a consent of its own).

    The only table with a raw messenger id: it is needed to send the messages. It holds no pseudonym,
    so the database alone cannot join a subscriber to their answers: the link is computed under the
    key where a person must be matched (storage/pseudonym.py: `subscriber_pseudonym` for a messenger's
    chat id, `web_chat_id` for the web chat's), and a person who is talking to us is found by their
    channel and chat id.
    """

    __tablename__ = "subscribers"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(16))
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every district
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every field
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | blocked | invalid
    subscribed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)  # the day (events.subscribe)


class Event(Base):
    """A participation event; texts per language, German required."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published | cancelled
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    district: Mapped[str | None] = mapped_column(String(32), nullable=True)
    online_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    interpreted: Mapped[list[str]] = mapped_column(JSON, default=list)
    accessibility: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Rsvp(Base):
    """One subscriber's answer to one event; `waitlisted` while a full event has no seat."""

    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("event_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(8))  # yes | maybe | no
    waitlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Broadcast(Base):
    """Something the bot sends on its own, to one person or many: an event invitation, a free message,
    a reminder, a waitlist promotion, a change or cancel notice, or a staff member's export file."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # invitation | message | reminder | promotion | change | cancel | export
    kind: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), nullable=True)
    text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # free message per language
    audience: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    started_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # staff chat for progress
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sending | done
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # first sending
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # A file that goes with the message (an export); deleted when the broadcast is done.
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    attachment_name: Mapped[str | None] = mapped_column(String(120), nullable=True)


class Delivery(Base):
    """The durable outbox: one row per broadcast and recipient, never two.

    A recipient is a subscriber, or (for a staff member's export) a chat given directly by channel,
    chat id and language.
    """

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("broadcast_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=True
    )
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # pending | sending | sent | blocked | invalid | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class StaffForm(Base):
    """A staff dialog in progress (/event_new, /broadcast), so a restart does not lose it."""

    __tablename__ = "staff_forms"

    person: Mapped[str] = mapped_column(
        String(PSEUDONYM_LENGTH), primary_key=True
    )  # the staff member's pseudonym
    kind: Mapped[str] = mapped_column(String(16))  # event | broadcast
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ProcessedUpdate(Base):
    """An update a shell has applied (e.g. "telegram:123"), written in the same transaction as its turn,
    so a redelivered update is recognised. Carries no id of a person; old rows are deleted."""

    __tablename__ = "processed_updates"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class WebNotice(Base):
    """A message the bot sent on its own to a person in the web chat (an invitation, a seat that became
    free): the browser cannot be reached, so it waits here until the person's next page. Deleted with
    the subscription (and so with "delete everything")."""

    __tablename__ = "web_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[list[dict[str, str]]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReleaseRecord(Base):
    """A release that was made of one field: when, of what kind, for how many people.

    Kept so that a later release that differs from it by only 1 to k-1 people can be refused
    (storage/releases/differencing.py). No identity: who left since is a counter, raised inside the
    deletion of everyone who was in the release; who joined or changed is read from the times the
    remaining data carries."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    field: Mapped[str] = mapped_column(String(32), index=True)
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)
    partial: Mapped[bool] = mapped_column(Boolean)  # with "nur angefangen" answers
    microdata: Mapped[bool] = mapped_column(Boolean)  # row-level data (admin, --microdata)
    respondents: Mapped[int] = mapped_column(Integer)
    # People who were in this release and have deleted their data (or were purged) since.
    departed: Mapped[int] = mapped_column(Integer, default=0)
    # Of them, those who were in it only with answers they had not sent (a partial release's
    # "nur angefangen" counts): those tables are compared on their own.
    departed_unsubmitted: Mapped[int] = mapped_column(Integer, default=0)
