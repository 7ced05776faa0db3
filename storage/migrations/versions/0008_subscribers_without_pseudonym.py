"""subscribers without the pseudonym: the database alone can no longer join a subscriber to their answers

A subscription is found by its channel and chat id (unique now); where a person must be matched, the
link is computed under the pseudonym key, and the time of subscribing is kept to the day. Web
subscribers' chat ids were 52 bits of the pseudonym, itself a link: they become a keyed hash of it
under a key of their own, so this migration needs the pseudonym key when there are web subscribers
(`mitsprache db upgrade` hands it over). The key is checked against the Telegram subscribers first,
whose stored pseudonym must be the one their chat id gives under it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09
"""

import hashlib
import hmac
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from storage.migrate import needs_key

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WEB = "web"
CHECKED = 100  # Telegram subscribers the key is checked against
WHY = "web subscribers get chat ids computed under it"

subscribers = sa.table(
    "subscribers",
    sa.column("id", sa.Integer()),
    sa.column("pseudonym", sa.String()),
    sa.column("channel", sa.String()),
    sa.column("chat_id", sa.BigInteger()),
    sa.column("subscribed_at", sa.DateTime(timezone=True)),
)
participants = sa.table("participants", sa.column("pseudonym", sa.String()))


# The derivations as of this migration (storage/pseudonym.py), copied so that a later change there
# cannot change what this migration does.
def _pseudonym(key: bytes, channel: str, user_id: int) -> str:
    return hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()


def _web_chat_id(key: bytes, person: str) -> int:
    own = hmac.new(key, b"mitsprache:web-chat-id", hashlib.sha256).digest()
    digest = hmac.new(own, person.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - 52)


def _old_web_chat_id(person: str) -> int:
    return int(person[:13], 16)


def _checked_key() -> bytes:
    """The key, refused when it is not the one the Telegram subscribers' pseudonyms were made with."""
    key = needs_key(context.config, WHY)
    rows = op.get_bind().execute(
        sa.select(subscribers.c.pseudonym, subscribers.c.channel, subscribers.c.chat_id)
        .where(subscribers.c.channel != WEB)
        .order_by(subscribers.c.id)
        .limit(CHECKED)
    )
    checked = [(stored, _pseudonym(key, channel, chat_id)) for stored, channel, chat_id in rows]
    if checked and not any(stored == made for stored, made in checked):
        raise RuntimeError(
            "The pseudonym key does not match this database: no subscriber's pseudonym is the one the key "
            "gives. Run the upgrade with the key the bot uses (MITSPRACHE_PSEUDONYM_KEY or its data folder)."
        )
    return key


def upgrade() -> None:
    bind = op.get_bind()
    web = bind.execute(
        sa.select(subscribers.c.id, subscribers.c.pseudonym).where(subscribers.c.channel == WEB)
    ).all()
    if web:
        key = _checked_key()
        for subscriber_id, person in web:
            bind.execute(
                subscribers.update()
                .where(subscribers.c.id == subscriber_id)
                .values(chat_id=_web_chat_id(key, person))
            )
    # The day of subscribing only: the moment would match the moments of the person's answers.
    for subscriber_id, at in bind.execute(sa.select(subscribers.c.id, subscribers.c.subscribed_at)).all():
        day = at.replace(hour=0, minute=0, second=0, microsecond=0)
        if day != at:
            bind.execute(
                subscribers.update().where(subscribers.c.id == subscriber_id).values(subscribed_at=day)
            )
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_constraint("uq_subscribers_pseudonym", type_="unique")
        batch.drop_column("pseudonym")
        batch.create_unique_constraint("uq_subscribers_channel_chat_id", ["channel", "chat_id"])


def downgrade() -> None:
    """The pseudonyms come back under the key: a messenger's from its chat id, a web subscriber's by
    finding the participant whose pseudonym gives its chat id. A web subscription whose person is gone
    has no pseudonym to come back to and is deleted."""
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("pseudonym", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(subscribers.c.id, subscribers.c.channel, subscribers.c.chat_id)).all()
    if rows:
        key = needs_key(context.config, "the subscribers' pseudonyms are computed under it")
        web_people = {}
        if any(channel == WEB for _, channel, _ in rows):
            for (person,) in bind.execute(sa.select(participants.c.pseudonym)):
                web_people[_web_chat_id(key, person)] = person
        for subscriber_id, channel, chat_id in rows:
            found = subscribers.c.id == subscriber_id
            if channel != WEB:
                bind.execute(
                    subscribers.update().where(found).values(pseudonym=_pseudonym(key, channel, chat_id))
                )
            elif (person := web_people.get(chat_id)) is not None:
                bind.execute(
                    subscribers.update()
                    .where(found)
                    .values(pseudonym=person, chat_id=_old_web_chat_id(person))
                )
            else:
                bind.execute(subscribers.delete().where(found))
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_constraint("uq_subscribers_channel_chat_id", type_="unique")
        batch.alter_column("pseudonym", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_subscribers_pseudonym", ["pseudonym"])
