"""Sign-in tries counted before the password is checked, under a keyed hash; one vote per
person per answer.

The old failures table held unkeyed SHA-256 of the addresses typed (a dictionary finds them):
it is dropped, not converted (its rows lapse within 15 minutes anyway). Duplicate votes (a
burst that raced) keep the person's latest.

Revision ID: 0008_sign_in_attempts
Revises: 0007_skill_snapshots
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_sign_in_attempts"
down_revision = "0007_skill_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("web_sign_in_failures")
    op.create_table(
        "web_sign_in_attempts",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("tries", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_sign_in_attempts_expires_at", "web_sign_in_attempts",
                    ["expires_at"])
    op.execute("DELETE FROM usage_feedback WHERE user_hash IS NOT NULL AND id NOT IN ("
               "SELECT latest FROM (SELECT max(id) AS latest FROM usage_feedback "
               "WHERE user_hash IS NOT NULL GROUP BY question_id, user_hash) AS kept)")
    op.create_index("uq_usage_feedback_person", "usage_feedback", ["question_id", "user_hash"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("uq_usage_feedback_person", "usage_feedback")
    op.drop_table("web_sign_in_attempts")
    op.create_table(
        "web_sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account_key", sa.String(64), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_index("ix_web_sign_in_failures_account", "web_sign_in_failures",
                    ["account_key", "created_at"])
    op.create_index("ix_web_sign_in_failures_client", "web_sign_in_failures",
                    ["client_key", "created_at"])
