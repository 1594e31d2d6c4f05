"""Per-citation rows and a covering index for reports; web accounts and sign-in links.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_usage_questions_report", "usage_questions",
                    ["created_at", "status", "surface", "user_hash", "latency_ms"])
    op.create_table(
        "usage_citations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("question_id", sa.Integer,
                  sa.ForeignKey("usage_questions.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("doc_id", sa.String(200), nullable=False, index=True),
        sa.Column("title", sa.Text),
        sa.Column("version", sa.String(64)),
        sa.Column("review_date", sa.String(10)),
        sa.Column("content_hash", sa.String(64)),
    )
    # answers logged before this revision: their documents, from the JSON kept with them
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, created_at, citations FROM usage_questions"))
    table = sa.table("usage_citations", *(sa.column(c) for c in (
        "question_id", "created_at", "doc_id", "title", "version", "review_date",
        "content_hash")))
    for qid, created_at, cited in rows:
        if isinstance(cited, str):  # SQLite hands JSON back as text here
            cited = json.loads(cited)
        seen = set()
        for c in cited or []:
            if c.get("doc_id") and c["doc_id"] not in seen:
                seen.add(c["doc_id"])
                op.execute(table.insert().values(
                    question_id=qid, created_at=created_at, doc_id=c["doc_id"],
                    title=c.get("title"), version=c.get("version"),
                    review_date=c.get("review_date"), content_hash=c.get("content_hash")))
    op.create_table(
        "web_users",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("slack_user", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "web_login_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254),
                  sa.ForeignKey("web_users.email", ondelete="CASCADE"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("web_login_links")
    op.drop_table("web_users")
    op.drop_table("usage_citations")
    op.drop_index("ix_usage_questions_report", "usage_questions")
