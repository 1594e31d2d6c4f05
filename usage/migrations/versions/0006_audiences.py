"""Audiences: what each web account reads, which audiences each cited document was for, and
room for every audience an answer was computed for.

Revision ID: 0006_audiences
Revises: 0005_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_audiences"
down_revision = "0005_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("web_users", sa.Column("audiences", sa.Text))
    op.add_column("usage_citations", sa.Column("audience", sa.Text))
    widen_audience(sa.Text, "TEXT")


def downgrade() -> None:
    widen_audience(sa.String(64), "VARCHAR(64)")
    # plain ALTERs: Alembic's batch mode would copy the tables (see widen_audience)
    op.drop_column("usage_citations", "audience")
    op.drop_column("web_users", "audiences")


def widen_audience(type_: sa.types.TypeEngine, sqlite_type: str) -> None:
    """The questions' audience column as ``type_``. SQLite cannot alter a column's type in
    place, and Alembic's way there copies the table, whose DROP would cascade-delete the
    feedback and escalations about it: a new column takes the values instead (ALTER TABLE
    ADD, DROP and RENAME COLUMN need SQLite 3.35)."""
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("usage_questions", "audience", type_=type_)
        return
    for statement in (
            f"ALTER TABLE usage_questions ADD COLUMN audience_new {sqlite_type}",
            "UPDATE usage_questions SET audience_new = audience",
            "ALTER TABLE usage_questions DROP COLUMN audience",
            "ALTER TABLE usage_questions RENAME COLUMN audience_new TO audience"):
        op.execute(statement)
