"""Skills figures that cannot single anyone out: anonymous web records marked (never counted,
forgotten with their session) and the published snapshots of the self-rating figures.

Revision ID: 0007_skill_snapshots
Revises: 0006_audiences
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_skill_snapshots"
down_revision = "0006_audiences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # records kept before this are of unknown origin: anonymous ones were made by visitors
    # nobody can tell apart, so they stay counted (they were already in the figures)
    op.add_column("skill_people", sa.Column("anonymous", sa.Boolean, nullable=False,
                                            server_default=sa.false()))
    op.create_table(
        "skill_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("groups", sa.Text, nullable=False),
    )
    op.create_index("ix_skill_snapshots_made_at", "skill_snapshots", ["made_at"])


def downgrade() -> None:
    op.drop_index("ix_skill_snapshots_made_at", "skill_snapshots")
    op.drop_table("skill_snapshots")
    op.drop_column("skill_people", "anonymous")
