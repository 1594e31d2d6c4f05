"""``UsageLog``: the one place questions, answers, feedback and escalations are recorded.

Callers pass what the guard let through: a blocked question is recorded without its text.
User ids and conversation keys are pseudonymised here, before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from config.audiences import as_tags
from usage.database import connect
from usage.pseudonym import Pseudonymiser
from usage.report import Period, usage_figures
from usage.schema import (
    audit,
    citations,
    escalations,
    event_claims,
    feedback,
    question_areas,
    questions,
    skill_people,
    skill_ratings,
    walkthrough_events,
)

CLAIMS_KEPT = dt.timedelta(days=2)  # Slack retries within minutes; keep claims a while longer
CITATION_FIELDS = ("number", "doc_id", "title", "source", "page", "heading_path", "quote",
                   "version", "review_date", "warning", "chunk_id", "content_hash")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Asked:
    """Who asked, where: identifiers here are raw and are pseudonymised before storage."""

    surface: str  # slack | teams | web | cli
    user: str | None = None  # e.g. "T123:U456" for Slack
    channel_type: str | None = None
    conversation: str | None = None  # a thread key; follow-ups in it share context
    audiences: frozenset[str] = frozenset()  # what the answer was computed for (set by ask)


@dataclass
class Record:
    """One logged question as read back (the answer as staff saw it)."""

    public_id: str
    created_at: dt.datetime
    surface: str
    status: str
    question: str | None
    answer: str | None
    citations: list[dict[str, Any]] = field(default_factory=list)
    user_hash: str | None = None
    mode: str | None = None
    latency_ms: float | None = None


class UsageLog:
    def __init__(self, engine: Engine, pseudonymise: Pseudonymiser) -> None:
        self.engine = engine
        self.pseudonymise = pseudonymise

    @classmethod
    def open(cls, url: str, key: bytes) -> UsageLog:
        """Connect and migrate to the newest schema."""
        return cls(connect(url), Pseudonymiser(key))

    def user_hash(self, surface: str, user: str | None) -> str | None:
        return self.pseudonymise(surface, user) if user else None

    # -- writing --------------------------------------------------------------------------
    def record(self, asked: Asked, answer: Mapping[str, Any], *,
               identifier_kinds: Sequence[str] = (), model: str | None = None,
               cited_audiences: Mapping[str, Sequence[str]] | None = None,
               areas: Sequence[str] = ()) -> str:
        """Log one answered (or refused) question, with the skill areas it concerns;
        returns its public id. With each cited document's audiences (by doc id) kept,
        reports show a restricted document's passages only to its audience."""
        cited_audiences = cited_audiences or {}
        public_id = uuid.uuid4().hex
        blocked = answer.get("status") == "blocked"
        timings = dict(answer.get("timings_ms") or {})
        row = {
            "public_id": public_id,
            "created_at": now(),
            "surface": asked.surface,
            "user_hash": self.user_hash(asked.surface, asked.user),
            "channel_type": asked.channel_type,
            "conversation": self.pseudonymise(asked.surface, asked.conversation)
            if asked.conversation else None,
            # a blocked question keeps no text at all: what the guard missed stays unkept
            "question": None if blocked else answer.get("question"),
            "identifier_kinds": list(identifier_kinds) or None,
            "status": answer["status"],
            "answer": answer.get("text"),
            "citations": [{**{k: c.get(k) for k in CITATION_FIELDS},
                           "audience": as_tags(cited_audiences.get(c.get("doc_id") or ""))}
                          for c in answer.get("citations") or []],
            "mode": answer.get("mode"),
            "prompt_version": answer.get("prompt_version"),
            "model": model,
            "audience": as_tags(asked.audiences),
            "timings": timings,
            "latency_ms": round(sum(timings.values()), 2) if timings else None,
        }
        cited: dict[str, dict[str, Any]] = {}
        for c in row["citations"]:
            if c.get("doc_id"):
                cited.setdefault(c["doc_id"], c)
        with self.engine.begin() as conn:
            qid = conn.execute(insert(questions).values(**row)).inserted_primary_key[0]
            if cited:
                conn.execute(insert(citations), [
                    {"question_id": qid, "created_at": row["created_at"], "doc_id": doc_id,
                     "title": c.get("title"), "version": c.get("version"),
                     "review_date": c.get("review_date"), "content_hash": c.get("content_hash"),
                     "audience": c.get("audience")}
                    for doc_id, c in cited.items()])
            if areas and not blocked:
                conn.execute(insert(question_areas), [
                    {"question_id": qid, "created_at": row["created_at"], "area": area,
                     "status": row["status"]}
                    for area in dict.fromkeys(areas)])
        return public_id

    def _question_id(self, conn: Any, public_id: str) -> int | None:
        return conn.execute(select(questions.c.id).where(questions.c.public_id == public_id)
                            ).scalar_one_or_none()

    def _attach(self, table: Any, public_id: str, surface: str, user: str | None,
                **values: Any) -> bool:
        """A row about a logged answer (feedback, an escalation); False if the answer is gone."""
        with self.engine.begin() as conn:
            qid = self._question_id(conn, public_id)
            if qid is None:
                return False
            conn.execute(insert(table).values(
                question_id=qid, created_at=now(), user_hash=self.user_hash(surface, user),
                **values))
        return True

    def add_feedback(self, public_id: str, surface: str, user: str | None, helpful: bool
                     ) -> bool:
        """Helpful or not, on an answer; False if the answer is gone. One vote per person per
        answer: voting again changes their vote (an anonymous person has no vote to count)."""
        user_hash = self.user_hash(surface, user)
        if user_hash is None:
            return self._attach(feedback, public_id, surface, user, helpful=helpful)
        for attempt in range(2):  # two clicks at once: the second insert clashes, then updates
            try:
                with self.engine.begin() as conn:
                    qid = self._question_id(conn, public_id)
                    if qid is None:
                        return False
                    changed = conn.execute(feedback.update().where(
                        feedback.c.question_id == qid, feedback.c.user_hash == user_hash)
                        .values(helpful=helpful)).rowcount
                    if not changed:
                        conn.execute(insert(feedback).values(
                            question_id=qid, created_at=now(), user_hash=user_hash,
                            helpful=helpful))
                return True
            except IntegrityError:
                if attempt:
                    raise
        return True

    def add_reason(self, public_id: str, surface: str, user: str | None, reason: str) -> bool:
        """Attach a reason to this user's latest feedback on the answer."""
        user_hash = self.user_hash(surface, user)
        with self.engine.begin() as conn:
            qid = self._question_id(conn, public_id)
            if qid is None:
                return False
            latest = conn.execute(
                select(func.max(feedback.c.id)).where(feedback.c.question_id == qid,
                                                      feedback.c.user_hash == user_hash)
            ).scalar_one_or_none()
            if latest is None:
                conn.execute(insert(feedback).values(
                    question_id=qid, created_at=now(), user_hash=user_hash, helpful=False,
                    reason=reason))
            else:
                conn.execute(feedback.update().where(feedback.c.id == latest)
                             .values(reason=reason))
        return True

    def add_escalation(self, public_id: str, surface: str, user: str | None, topic: str,
                       contact: str) -> bool:
        return self._attach(escalations, public_id, surface, user, topic=topic, contact=contact)

    def claim(self, keys: Iterable[str]) -> bool:
        """Take these event keys for this process. False when any was taken before: the event
        is a retry or a duplicate, in this replica or another sharing the database."""
        stamp = now()
        try:
            with self.engine.begin() as conn:
                for key in dict.fromkeys(keys):
                    conn.execute(insert(event_claims).values(key=key[:200], claimed_at=stamp))
        except IntegrityError:
            return False
        return True

    def forget_claims(self, older_than: dt.timedelta = CLAIMS_KEPT) -> int:
        with self.engine.begin() as conn:
            return conn.execute(delete(event_claims).where(
                event_claims.c.claimed_at < now() - older_than)).rowcount

    def audit(self, actor: str, action: str, target: str,
              detail: Mapping[str, Any] | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(audit).values(created_at=now(), actor=actor, action=action,
                                              target=target, detail=dict(detail or {})))

    def purge(self, older_than_days: int) -> int:
        """Delete questions (with their feedback and escalations), walkthrough events and
        skills checks not updated in that time, older than N days."""
        cutoff = now() - dt.timedelta(days=older_than_days)
        with self.engine.begin() as conn:
            old = select(questions.c.id).where(questions.c.created_at < cutoff)
            conn.execute(delete(feedback).where(feedback.c.question_id.in_(old)))
            conn.execute(delete(escalations).where(escalations.c.question_id.in_(old)))
            conn.execute(delete(citations).where(citations.c.question_id.in_(old)))
            conn.execute(delete(question_areas).where(question_areas.c.question_id.in_(old)))
            removed = conn.execute(delete(questions).where(questions.c.created_at < cutoff))
            # skills checks nobody has touched in the period (a visitor's session has ended)
            stale = select(skill_people.c.person).where(skill_people.c.updated_at < cutoff)
            conn.execute(delete(skill_ratings).where(skill_ratings.c.person.in_(stale)))
            conn.execute(delete(skill_people).where(skill_people.c.updated_at < cutoff))
            conn.execute(delete(event_claims).where(event_claims.c.claimed_at < cutoff))
            conn.execute(delete(walkthrough_events)
                         .where(walkthrough_events.c.created_at < cutoff))
            return removed.rowcount

    # -- reading --------------------------------------------------------------------------
    def get(self, public_id: str) -> Record | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(questions).where(questions.c.public_id == public_id)
                               ).mappings().one_or_none()
        if row is None:
            return None
        return Record(public_id=row["public_id"], created_at=row["created_at"],
                      surface=row["surface"], status=row["status"], question=row["question"],
                      answer=row["answer"], citations=list(row["citations"] or []),
                      user_hash=row["user_hash"], mode=row["mode"],
                      latency_ms=row["latency_ms"])

    def turns(self, surface: str, conversation: str, within: dt.timedelta | None = None,
              limit: int = 6) -> list[str]:
        """The earlier questions of a conversation (as guarded), oldest first."""
        key = self.pseudonymise(surface, conversation)
        query = (select(questions.c.question).where(questions.c.conversation == key,
                                                    questions.c.question.is_not(None))
                 .order_by(questions.c.id.desc()).limit(limit))
        if within is not None:
            query = query.where(questions.c.created_at >= now() - within)
        with self.engine.connect() as conn:
            return list(reversed(conn.execute(query).scalars().all()))

    def headline(self, days: int = 30) -> dict[str, Any]:
        """The figures a manager sees at a glance, over the last ``days``: the report's."""
        figures = usage_figures(self.engine, Period.parse(f"{days}d"))
        return {
            "days": days,
            "questions": figures["questions"],
            "active_users": figures["active_users"],
            "answer_rate": figures["answer_rate"],
            "helpful_rate": figures["feedback"]["helpful_rate"],
            "unanswered": figures["status_mix"].get("cannot_answer", 0),
            "escalations": figures["escalations"],
        }

    def citation_counts(self, since: dt.datetime) -> dict[str, int]:
        """How often each document was cited since ``since``, by doc id."""
        with self.engine.connect() as conn:
            return dict(conn.execute(select(citations.c.doc_id, func.count())
                                     .where(citations.c.created_at >= since)
                                     .group_by(citations.c.doc_id)).all())
