"""Digital skills: the skill areas of each logged question, and people's private skills checks.

Revision ID: 0003_skills
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_skills"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # documents cited per skill area are counted from this index alone
    op.create_index("ix_usage_citations_question_doc", "usage_citations",
                    ["question_id", "doc_id"])
    op.create_table(
        "usage_question_areas",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("question_id", sa.Integer,
                  sa.ForeignKey("usage_questions.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
    )
    op.create_index("ix_usage_question_areas_report", "usage_question_areas",
                    ["created_at", "area", "status", "question_id"])
    op.create_table(
        "skill_people",
        sa.Column("person", sa.String(64), primary_key=True),
        sa.Column("team", sa.String(64)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "skill_ratings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person", sa.String(64),
                  sa.ForeignKey("skill_people.person", ondelete="CASCADE"), nullable=False),
        sa.Column("statement_id", sa.String(100), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("now", sa.Integer, nullable=False),
        sa.Column("need", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("person", "statement_id", name="uq_skill_ratings_person_statement"),
    )


def downgrade() -> None:
    op.drop_table("skill_ratings")
    op.drop_table("skill_people")
    op.drop_index("ix_usage_question_areas_report", table_name="usage_question_areas")
    op.drop_table("usage_question_areas")
    op.drop_index("ix_usage_citations_question_doc", table_name="usage_citations")
