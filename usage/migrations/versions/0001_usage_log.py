"""The usage log: questions, feedback, escalations, event claims, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_questions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("surface", sa.String(16), nullable=False, index=True),
        sa.Column("user_hash", sa.String(64), index=True),
        sa.Column("channel_type", sa.String(24)),
        sa.Column("conversation", sa.String(64), index=True),
        sa.Column("question", sa.Text),
        sa.Column("identifier_kinds", sa.JSON),
        sa.Column("status", sa.String(24), nullable=False, index=True),
        sa.Column("answer", sa.Text),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("mode", sa.String(16)),
        sa.Column("prompt_version", sa.String(64)),
        sa.Column("model", sa.String(128)),
        sa.Column("audience", sa.String(64)),
        sa.Column("timings", sa.JSON, nullable=False),
        sa.Column("latency_ms", sa.Float),
    )
    for name, extra in (
        ("usage_feedback", [sa.Column("helpful", sa.Boolean, nullable=False),
                            sa.Column("reason", sa.Text)]),
        ("usage_escalations", [sa.Column("topic", sa.String(128), nullable=False),
                               sa.Column("contact", sa.String(128), nullable=False)]),
    ):
        op.create_table(
            name,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("question_id", sa.Integer,
                      sa.ForeignKey("usage_questions.id", ondelete="CASCADE"),
                      nullable=False, index=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("user_hash", sa.String(64)),
            *extra,
        )
    op.create_table(
        "usage_event_claims",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "usage_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("detail", sa.JSON),
    )


def downgrade() -> None:
    for name in ("usage_audit", "usage_event_claims", "usage_escalations", "usage_feedback",
                 "usage_questions"):
        op.drop_table(name)
