"""Walkthrough events: started, done / stuck / escalated at a step.

Revision ID: 0004_walkthroughs
Revises: 0003_skills
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_walkthroughs"
down_revision = "0003_skills"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_walkthrough_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("walk_id", sa.String(32), nullable=False, index=True),
        sa.Column("surface", sa.String(16), nullable=False),
        sa.Column("user_hash", sa.String(64), index=True),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("steps_total", sa.Integer, nullable=False),
        sa.Column("procedure_id", sa.String(300), nullable=False),
        sa.Column("doc_id", sa.String(200), nullable=False, index=True),
        sa.Column("section", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("version", sa.String(64)),
        sa.Column("fingerprint", sa.String(16)),
        sa.Column("request", sa.Text),
    )
    op.create_index("ix_usage_walkthrough_events_steps", "usage_walkthrough_events",
                    ["doc_id", "procedure_id", "step", "event"])


def downgrade() -> None:
    op.drop_index("ix_usage_walkthrough_events_steps", "usage_walkthrough_events")
    op.drop_table("usage_walkthrough_events")
