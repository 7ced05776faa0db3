"""scrubbed free texts: each answer keeps its scrubbed form, made once per version of the text

The scrubber ran at each export and each review listing, on every text again. Now the scrubbed form
is stored on the answer with the hash of the text it was made of and the version of the scrubber
that made it; a changed answer clears it (so its old words, even scrubbed, do not stay), and it goes
with the answer's row when the person is deleted or purged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns without a default: no rewrite of the table on either database.
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("scrubbed", sa.Text(), nullable=True))
        batch.add_column(sa.Column("scrubbed_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("scrubbed_by", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("scrubbed_by")
        batch.drop_column("scrubbed_hash")
        batch.drop_column("scrubbed")
