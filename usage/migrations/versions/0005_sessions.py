"""Server-side web sessions (revocable at once) and failed sign-ins (for lockout).

Revision ID: 0005_sessions
Revises: 0004_walkthroughs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_sessions"
down_revision = "0004_walkthroughs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), sa.ForeignKey("web_users.email", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
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


def downgrade() -> None:
    op.drop_table("web_sign_in_failures")
    op.drop_table("web_sessions")
