"""Tables of the usage log. Changes to them go through an Alembic migration in migrations/."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

questions = Table(
    "usage_questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("public_id", String(32), nullable=False, unique=True),  # in buttons and links
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("surface", String(16), nullable=False, index=True),  # slack | teams | web | cli
    Column("user_hash", String(64), index=True),  # pseudonymised, never the raw id
    Column("channel_type", String(24)),  # im | channel | assistant | command | ...
    Column("conversation", String(64), index=True),  # pseudonymised thread key
    Column("question", Text),  # as guarded; NULL for a blocked question
    Column("identifier_kinds", JSON),  # what the guard found, for a blocked question
    Column("status", String(24), nullable=False, index=True),
    Column("answer", Text),
    Column("citations", JSON, nullable=False),  # doc id, title, page, quote, version, hash...
    Column("mode", String(16)),  # extractive | llm
    Column("prompt_version", String(64)),
    Column("model", String(128)),
    Column("audience", Text),  # the audiences the answer was computed for: |a|b|
    Column("timings", JSON, nullable=False),
    Column("latency_ms", Float),
    # covers every figure of the report, so counting never reads the long text columns
    Index("ix_usage_questions_report", "created_at", "status", "surface", "user_hash",
          "latency_ms"),
)

feedback = Table(
    "usage_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question_id", Integer, ForeignKey("usage_questions.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("user_hash", String(64)),
    Column("helpful", Boolean, nullable=False),
    Column("reason", Text),  # as guarded
    # one vote per person per answer, however many arrive at once (NULL: nobody to count)
    Index("uq_usage_feedback_person", "question_id", "user_hash", unique=True),  # 0008
)

escalations = Table(
    "usage_escalations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question_id", Integer, ForeignKey("usage_questions.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("user_hash", String(64)),
    Column("topic", String(128), nullable=False),
    Column("contact", String(128), nullable=False),
)

# Keys of events already taken by one replica: a retried or duplicated delivery is dropped.
event_claims = Table(
    "usage_event_claims",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("claimed_at", DateTime(timezone=True), nullable=False, index=True),
)

audit = Table(
    "usage_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(128), nullable=False),  # pseudonymised user or an account name
    Column("action", String(32), nullable=False),  # upload | remove | reindex | export | ...
    Column("target", Text, nullable=False),
    Column("detail", JSON),
)

# One row per cited document of an answer, so reports count citations in SQL.
citations = Table(
    "usage_citations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question_id", Integer, ForeignKey("usage_questions.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("doc_id", String(200), nullable=False, index=True),
    Column("title", Text),
    Column("version", String(64)),
    Column("review_date", String(10)),  # ISO date, as the document's metadata gives it
    Column("content_hash", String(64)),
    Column("audience", Text),  # the document's audiences when cited: |a|b| (NULL: older)
    Index("ix_usage_citations_question_doc", "question_id", "doc_id"),  # migration 0003
)

# People who may sign in to the web pages, and one-time sign-in links.
web_users = Table(
    "web_users",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("role", String(16), nullable=False),  # manager | trainer
    Column("password_hash", Text),  # argon2; NULL: sign-in by Slack link only
    Column("slack_user", String(32)),  # where a one-time link is sent
    Column("audiences", Text),  # |a|b|: what this person reads beyond all-staff and their role
    Column("created_at", DateTime(timezone=True), nullable=False),
)

login_links = Table(
    "web_login_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # the token itself is never stored
    Column("email", String(254), ForeignKey("web_users.email", ondelete="CASCADE"),
           nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

# -- digital skills (migration 0003) -----------------------------------------------------------
# The skill areas a logged question concerns (tagged by similarity to the framework's
# statements), one row per area, so the skills-gap view counts in SQL.
question_areas = Table(
    "usage_question_areas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question_id", Integer, ForeignKey("usage_questions.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("area", String(64), nullable=False),
    Column("status", String(24), nullable=False),  # the question's, so counts need no join
    Index("ix_usage_question_areas_report", "created_at", "area", "status", "question_id"),
)

# A person's private skills check. ``person`` is pseudonymised like user_hash; only the
# person's own session reads these rows, and reports see nothing but k-anonymous aggregates.
skill_people = Table(
    "skill_people",
    metadata,
    Column("person", String(64), primary_key=True),
    Column("team", String(64)),  # optional, chosen by the person from Settings.skills_teams
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # a web visitor who has not signed in: never counted in figures, forgotten with its session
    Column("anonymous", Boolean, nullable=False, server_default=false()),
)

# The self-rating figures managers see, published as snapshots (never live means): each
# group's figure changes only when enough of its people changed, so no difference between
# two snapshots comes down to one person.
skill_snapshots = Table(
    "skill_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("made_at", DateTime(timezone=True), nullable=False, index=True),
    Column("groups", Text, nullable=False),  # JSON: group key -> published figures
)

skill_ratings = Table(
    "skill_ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person", String(64), ForeignKey("skill_people.person", ondelete="CASCADE"),
           nullable=False),
    Column("statement_id", String(100), nullable=False),
    Column("area", String(64), nullable=False),
    Column("level", String(32), nullable=False),
    Column("now", Integer, nullable=False),
    Column("need", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("person", "statement_id", name="uq_skill_ratings_person_statement"),
)

# What staff did in a walkthrough, one row per event: started (at step 1), done or stuck at a
# step, escalated (asked a person) at a step. Rows of one walkthrough share a random walk_id,
# so Stuck rates per step and document can be counted; the user is pseudonymised.
walkthrough_events = Table(
    "usage_walkthrough_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("walk_id", String(32), nullable=False, index=True),
    Column("surface", String(16), nullable=False),
    Column("user_hash", String(64), index=True),
    Column("event", String(16), nullable=False),  # started | done | stuck | escalated
    Column("step", Integer, nullable=False),  # 1-based step the event is about
    Column("steps_total", Integer, nullable=False),
    Column("procedure_id", String(300), nullable=False),  # "doc-id#section"
    Column("doc_id", String(200), nullable=False, index=True),
    Column("section", Text),  # heading path, as cited
    Column("title", Text),  # the document's title
    Column("version", String(64)),  # the document's version when the step was shown
    Column("fingerprint", String(16)),  # the steps' wording: versions told apart
    Column("request", Text),  # what was asked, as guarded (started only)
    Index("ix_usage_walkthrough_events_steps", "doc_id", "procedure_id", "step", "event"),
)

# Signed-in web sessions, kept here so removing an account, changing its role or signing out
# ends them at once (the cookie carries only the session's token; its SHA-256 is stored).
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("email", String(254), ForeignKey("web_users.email", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

# Password sign-in tries, counted before the password is checked (migration 0008): one row per
# keyed hash of the address typed ("a...") or of the client ("c..."), never the address itself.
sign_in_attempts = Table(
    "web_sign_in_attempts",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("tries", Integer, nullable=False),  # each within the window of the one before
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),  # then: from 0
)
