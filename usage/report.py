"""The manager's report: figures over a period from the usage log, a knowledge-gap report, and
exports. Counting happens in SQL; only latencies and gap questions come back to Python.

The gap report groups the questions Guide failed on (not covered, found unhelpful, passed to a
person) into topics by embedding similarity; the embedder and the "nearest document" lookup
are passed in, so this module stays a leaf.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.engine import Engine

from usage.schema import citations, escalations, feedback, questions
from usage.stats import percentile_of_counts

GAP_QUESTIONS = 1000  # the most recent failed questions that are grouped
GAP_SIMILARITY = 0.6  # cosine: questions at least this close share a topic
EXAMPLES = 3
TOP_DOCUMENTS = 10

Embed = Callable[[list[str]], Sequence[Sequence[float]]]
Nearest = Callable[[str], dict[str, Any] | None]
# Whether the reader of a report may see a document's passages: (doc id, the audiences it was
# cited for, or None where the log did not record them). None as a whole: the operator's
# own CLI report, which reads the database it could read anyway.
MaySee = Callable[[str, list[str] | None], bool]
WITHHELD = "(withheld: it quotes a document for an audience you are not in)"


@dataclass(frozen=True)
class Period:
    since: dt.datetime
    until: dt.datetime

    @classmethod
    def parse(cls, since: str | None = "30d", until: str | None = None,
              now: dt.datetime | None = None) -> Period:
        """``since``: "30d", "12w", "6m" (days/weeks/months back) or an ISO date; ``until``:
        an ISO date (inclusive) or now."""
        now = now or dt.datetime.now(dt.UTC)
        try:
            end = now if not until else dt.datetime.combine(
                dt.date.fromisoformat(until) + dt.timedelta(days=1), dt.time(), dt.UTC)
        except OverflowError as exc:  # 9999-12-31: the day after cannot be written
            raise ValueError(f"'until' must be a date before 9999-12-31, not {until!r}") from exc
        text = (since or "30d").strip()
        match = re.fullmatch(r"(\d{1,6})\s*([dwm])", text)
        if match:
            n, unit = int(match.group(1)), match.group(2)
            try:
                start = end - dt.timedelta(days=n * {"d": 1, "w": 7, "m": 30}[unit])
            except OverflowError as exc:
                raise ValueError(f"'since' reaches back before the year 1: {text!r}") from exc
        else:
            try:
                start = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
            except ValueError as exc:
                raise ValueError(f"--since takes 30d, 12w, 6m or a date (YYYY-MM-DD), "
                                 f"not {text!r}") from exc
        if start >= end:
            raise ValueError("the period is empty: 'since' must come before 'until'")
        return cls(start, end)

    def as_dict(self) -> dict[str, str]:
        return {"since": self.since.isoformat(timespec="seconds"),
                "until": self.until.isoformat(timespec="seconds")}


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def in_period(column: Any, period: Period) -> Any:
    return and_(column >= period.since, column < period.until)


def day_of(column: Any) -> Any:
    return func.date(column)  # SQLite and PostgreSQL both know date()


def recorded(value: str | None) -> list[str] | None:
    return [v for v in value.split("|") if v] if value else None


def usage_figures(engine: Engine, period: Period, today: dt.date | None = None,
                  may_see: MaySee | None = None) -> dict[str, Any]:
    """Every figure from a handful of grouped queries: nothing is counted row by row."""
    today = today or dt.date.today()
    where = in_period(questions.c.created_at, period)
    day = day_of(questions.c.created_at).label("day")
    with engine.connect() as conn:
        groups = conn.execute(
            select(day, questions.c.status, questions.c.surface, func.count())
            .where(where).group_by(day, questions.c.status, questions.c.surface)
            .order_by(day)).all()
        users = conn.execute(select(func.count(distinct(questions.c.user_hash)))
                             .where(where)).scalar_one()
        # latencies to the millisecond, counted in the database: percentiles need no rows
        ms = func.round(questions.c.latency_ms).label("ms")
        latency_counts = conn.execute(
            select(ms, func.count()).where(where, questions.c.latency_ms.is_not(None),
                                           questions.c.status != "blocked")
            .group_by(ms).order_by(ms)).all()
        # feedback and escalations count with the question they are about
        votes = dict(conn.execute(
            select(feedback.c.helpful, func.count())
            .join(questions, questions.c.id == feedback.c.question_id)
            .where(where).group_by(feedback.c.helpful)).all())
        escalated = conn.execute(
            select(func.count()).select_from(escalations)
            .join(questions, questions.c.id == escalations.c.question_id).where(where)
        ).scalar_one()
        cited = conn.execute(
            select(citations.c.doc_id, func.max(citations.c.title), func.count(),
                   func.max(citations.c.version), func.max(citations.c.review_date),
                   func.max(citations.c.audience))
            .where(in_period(citations.c.created_at, period))
            .group_by(citations.c.doc_id).order_by(func.count().desc(), citations.c.doc_id)
        ).all()
    per_day: dict[str, dict[str, Any]] = {}
    status_mix: Counter[str] = Counter()
    per_surface: Counter[str] = Counter()
    for day_value, status, surface, n in groups:
        entry = per_day.setdefault(str(day_value), {"day": str(day_value), "questions": 0})
        entry["questions"] += n
        entry[status] = entry.get(status, 0) + n
        status_mix[status] += n
        per_surface[surface] += n
    total = sum(status_mix.values())
    answerable = total - status_mix.get("blocked", 0)
    rated = votes.get(True, 0) + votes.get(False, 0)
    documents = [{"doc_id": d, "title": t or d, "citations": n, "version": v, "review_date": r}
                 for d, t, n, v, r, a in cited
                 if may_see is None or may_see(d, recorded(a))]
    iso_today = today.isoformat()
    pairs = [(float(v), int(n)) for v, n in latency_counts]
    return {
        "period": period.as_dict(),
        "questions": total,
        "active_users": users,
        "per_day": list(per_day.values()),
        "per_surface": dict(per_surface.most_common()),
        "status_mix": dict(status_mix.most_common()),
        "answer_rate": round(status_mix.get("answered", 0) / answerable, 3) if answerable
        else None,
        "feedback": {"helpful": votes.get(True, 0), "unhelpful": votes.get(False, 0),
                     "helpful_rate": round(votes.get(True, 0) / rated, 3) if rated else None},
        "escalations": escalated,
        "latency_ms": {"p50": rounded(percentile_of_counts(pairs, 0.5)),
                       "p95": rounded(percentile_of_counts(pairs, 0.95))},
        "top_documents": documents[:TOP_DOCUMENTS],
        "cited_past_review": [d for d in documents
                              if d["review_date"] and d["review_date"] < iso_today],
    }


def gap_questions(engine: Engine, period: Period, limit: int = GAP_QUESTIONS
                  ) -> list[tuple[str, str]]:
    """(question, why) for answers that failed staff, most recent first."""
    where = and_(in_period(questions.c.created_at, period), questions.c.question.is_not(None))
    unhelpful = select(feedback.c.question_id).where(feedback.c.helpful.is_(False))
    escalated = select(escalations.c.question_id)
    with engine.connect() as conn:
        rows = conn.execute(
            select(questions.c.question, questions.c.status,
                   questions.c.id.in_(unhelpful).label("unhelpful"),
                   questions.c.id.in_(escalated).label("escalated"))
            .where(where, (questions.c.status == "cannot_answer") | questions.c.id.in_(unhelpful)
                   | questions.c.id.in_(escalated))
            .order_by(questions.c.id.desc()).limit(limit)).all()
    out = []
    for question, status, was_unhelpful, was_escalated in rows:
        why = ("unanswered" if status == "cannot_answer" else
               "escalated" if was_escalated else "unhelpful" if was_unhelpful else "unanswered")
        out.append((question, why))
    return out


def group_gaps(items: list[tuple[str, str]], embed: Embed, nearest: Nearest | None = None,
               threshold: float = GAP_SIMILARITY) -> list[dict[str, Any]]:
    """Topics of failed questions: each with how often, why, examples and the document
    closest to it (where the guidance nearly answers, or should)."""
    if not items:
        return []
    counts = Counter(q for q, _ in items)
    texts = [q for q, _ in counts.most_common()]  # each distinct question embedded once
    vectors = np.asarray(embed(texts), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)
    topics: list[dict[str, Any]] = []
    centroids: list[np.ndarray] = []
    for text, vector in zip(texts, vectors, strict=True):
        if centroids:
            sims = np.stack(centroids) @ vector
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                topic = topics[best]
                topic["members"].append(text)
                total = centroids[best] * topic["weight"] + vector * counts[text]
                topic["weight"] += counts[text]
                centroids[best] = total / np.linalg.norm(total).clip(1e-12)
                continue
        topics.append({"members": [text], "weight": counts[text]})
        centroids.append(vector)
    reasons: dict[str, Counter[str]] = {}
    for question, why in items:
        reasons.setdefault(question, Counter())[why] += 1
    out = []
    for topic in sorted(topics, key=lambda t: -t["weight"]):
        why: Counter[str] = Counter()
        for member in topic["members"]:
            why.update(reasons[member])
        label = topic["members"][0]  # the most asked question of the topic
        near = nearest(label) if nearest else None
        out.append({"topic": label, "questions": topic["weight"],
                    "distinct_questions": len(topic["members"]),
                    "reasons": dict(why.most_common()),
                    "examples": topic["members"][:EXAMPLES],
                    "nearest_document": near})
    return out


def build_report(engine: Engine, period: Period, embed: Embed | None = None,
                 nearest: Nearest | None = None, today: dt.date | None = None,
                 may_see: MaySee | None = None) -> dict[str, Any]:
    """The figures and gap topics; with ``may_see``, only the documents its reader may see
    (``nearest`` should then look among those alone)."""
    report = usage_figures(engine, period, today, may_see)
    items = gap_questions(engine, period)
    report["gaps"] = group_gaps(items, embed, nearest) if embed else []
    return report


EXPORT_COLUMNS = ["id", "asked_at", "surface", "channel_type", "user", "status", "question",
                  "answer", "cited_documents", "mode", "prompt_version", "latency_ms",
                  "helpful", "unhelpful", "escalated"]


def export_rows(engine: Engine, period: Period, may_see: MaySee | None = None
                ) -> Iterator[list[Any]]:
    """One row per question in the period (as guarded; users pseudonymised). With
    ``may_see``, an answer quoting a document its reader may not see is withheld, and so is
    that document's name."""
    votes = (select(feedback.c.question_id,
                    func.sum(case((feedback.c.helpful, 1), else_=0)).label("up"),
                    func.count().label("all"))
             .group_by(feedback.c.question_id).subquery())
    escalated = select(escalations.c.question_id, func.count().label("n")) \
        .group_by(escalations.c.question_id).subquery()
    query = (select(questions, votes.c.up, votes.c["all"], escalated.c.n)
             .outerjoin(votes, votes.c.question_id == questions.c.id)
             .outerjoin(escalated, escalated.c.question_id == questions.c.id)
             .where(in_period(questions.c.created_at, period)).order_by(questions.c.id))
    with engine.connect() as conn:
        for row in conn.execute(query).mappings():
            cited = row["citations"] or []
            hidden = may_see is not None and not all(
                may_see(c.get("doc_id") or "", recorded(c.get("audience"))) for c in cited)
            docs = WITHHELD if hidden else "; ".join(dict.fromkeys(
                f"{c.get('doc_id')}@{c.get('version') or '-'}" for c in cited))
            up = int(row["up"] or 0)
            yield [row["public_id"], row["created_at"].isoformat(timespec="seconds"),
                   row["surface"], row["channel_type"], row["user_hash"], row["status"],
                   row["question"], WITHHELD if hidden else row["answer"], docs, row["mode"],
                   row["prompt_version"],
                   row["latency_ms"], up, int(row["all"] or 0) - up, int(row["n"] or 0)]


def export_csv(engine: Engine, period: Period, may_see: MaySee | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows([spreadsheet_safe(v) for v in row]
                     for row in export_rows(engine, period, may_see))
    return out.getvalue()


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (a question typed as ``=HYPERLINK(...)``)
    starts with an apostrophe, which Excel and LibreOffice show as plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def percent(value: float | None) -> str:
    """A rate for people: "75%", or a dash when there is nothing to rate."""
    return "–" if value is None else f"{value:.0%}"


def report_markdown(report: dict[str, Any]) -> str:
    period = report["period"]
    lines = [f"# Guide usage report: {period['since'][:10]} to {period['until'][:10]}", "",
             f"- Questions: {report['questions']} from {report['active_users']} staff",
             f"- Answered: {percent(report['answer_rate'])} of the questions Guide could take",
             f"- Feedback: {report['feedback']['helpful']} helpful, "
             f"{report['feedback']['unhelpful']} not helpful",
             f"- Passed to a person: {report['escalations']}",
             f"- Latency: median {report['latency_ms']['p50']} ms, "
             f"p95 {report['latency_ms']['p95']} ms", "",
             "## Status mix", "", "| status | questions |", "|---|---|"]
    lines += [f"| {s} | {n} |" for s, n in report["status_mix"].items()]
    lines += ["", "## By surface", "", "| surface | questions |", "|---|---|"]
    lines += [f"| {s} | {n} |" for s, n in sorted(report["per_surface"].items())]
    lines += ["", "## Questions per day", "", "| day | questions |", "|---|---|"]
    lines += [f"| {d['day']} | {d['questions']} |" for d in report["per_day"]]
    lines += ["", "## Most cited documents", "", "| document | version | citations |",
              "|---|---|---|"]
    lines += [f"| {d['title']} | {d['version'] or ''} | {d['citations']} |"
              for d in report["top_documents"]]
    lines += ["", "## Cited documents past their review date", ""]
    lines += [f"- {d['title']} (review date {d['review_date']}): cited {d['citations']} times"
              for d in report["cited_past_review"]] or ["None."]
    lines += ["", "## Knowledge gaps", "",
              "Questions Guide could not answer, that staff found unhelpful, or that were "
              "passed to a person, grouped by topic.", ""]
    for gap in report["gaps"]:
        near = gap["nearest_document"]
        reasons = ", ".join(f"{n} {why}" for why, n in gap["reasons"].items())
        lines.append(f"- **{gap['topic']}** ({gap['questions']} questions: {reasons}); "
                     f"nearest document: {near['title'] if near else 'none'}")
        lines += [f"  - {example}" for example in gap["examples"][1:]]
    if not report["gaps"]:
        lines.append("None in this period.")
    return "\n".join(lines) + "\n"
