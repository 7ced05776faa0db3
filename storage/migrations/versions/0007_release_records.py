"""release records: when each release of a field was made, and how many of its people left since;
when a participant last switched language

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("microdata", sa.Boolean(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("departed", sa.Integer(), nullable=False),
        sa.Column("departed_unsubmitted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_releases")),
    )
    op.create_index(op.f("ix_releases_field"), "releases", ["field"], unique=False)
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("locale_changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("locale_changed_at")
    op.drop_index(op.f("ix_releases_field"), table_name="releases")
    op.drop_table("releases")
