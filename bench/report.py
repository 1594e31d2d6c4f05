"""``guide bench report``: drawing the manager's report over a large usage log, beside the
naive way (every row loaded and counted in Python)."""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.indexed import SAMPLE, indexed_assistant
from channels.reporting import full_report, skills_report
from config.settings import Settings
from usage.log import UsageLog
from usage.report import Period
from usage.schema import (
    citations,
    escalations,
    feedback,
    question_areas,
    questions,
    skill_people,
    skill_ratings,
)

DOCS = [("data-sharing-policy", "Data Sharing Policy", "3.0", "2027-04-01"),
        ("secure-email-guide", "Secure Email Guide", "2.0", "2027-06-01"),
        ("mfa-password-reset", "Resetting your Password and MFA", "2.1", "2027-02-01"),
        ("removable-media-policy", "Removable Media Policy", "1.4", "2025-06-30"),
        ("ai-tools-guidance", "Using AI Tools", "1.0", "2027-05-01")]
ANSWERED = ["How do I reset my MFA?", "Can I email a risk assessment to the council?",
            "Can I put OFFICIAL data into ChatGPT?", "How do I share information with police?",
            "Can I use a USB stick?", "What should I record when I disclose personal data?"]
UNANSWERED = ["What is on the canteen menu?", "When is the canteen open?",
              "How do I book annual leave?", "How do I claim travel expenses?",
              "Where do I park at head office?", "How do I request a new desk chair?"]
STATUSES = [("answered", 0.78), ("cannot_answer", 0.1), ("need_more_detail", 0.05),
            ("talk_to_a_person", 0.02), ("blocked", 0.05)]
SURFACES = [("slack", 0.7), ("web", 0.2), ("teams", 0.05), ("cli", 0.05)]
AREAS = ["communicating", "handling-information", "transacting", "problem-solving",
         "being-safe"]
LEVELS = ["foundation", "life", "work"]
TEAMS = ["Courts", "Prisons", "Probation North", "Probation South", "Youth Justice"]
RATED = 3  # statements per area and level a seeded person rates (as the default framework)


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def seed(usage: UsageLog, rows: int, days: int = 90, seed_value: int = 7) -> None:
    """``rows`` questions over ``days``, with citations, feedback and escalations."""
    rng = random.Random(seed_value)
    now = dt.datetime.now(dt.UTC)
    batch: list[dict[str, Any]] = []
    cited: list[dict[str, Any]] = []
    votes: list[dict[str, Any]] = []
    handed: list[dict[str, Any]] = []
    tagged: list[dict[str, Any]] = []
    with usage.engine.begin() as conn:
        for n in range(1, rows + 1):
            status = pick(rng, STATUSES)
            when = now - dt.timedelta(seconds=rng.uniform(0, days * 86400))
            docs = rng.sample(DOCS, rng.randint(1, 2)) if status == "answered" else []
            question = None if status == "blocked" else rng.choice(
                ANSWERED if status != "cannot_answer" else UNANSWERED)
            batch.append({
                "id": n, "public_id": uuid.UUID(int=rng.getrandbits(128)).hex,
                "created_at": when, "surface": pick(rng, SURFACES),
                "user_hash": f"u{rng.randrange(600):04d}", "channel_type": "channel",
                "conversation": None, "question": question, "status": status,
                "answer": "An answer [1]." if docs else "See a person.",
                "citations": [{"doc_id": d, "title": t, "version": v, "review_date": r}
                              for d, t, v, r in docs],
                "mode": "extractive", "prompt_version": "messages-1", "model": None,
                "audience": None, "identifier_kinds": None, "timings": {},
                "latency_ms": round(rng.lognormvariate(4.3, 0.4), 1)})
            cited += [{"question_id": n, "created_at": when, "doc_id": d, "title": t,
                       "version": v, "review_date": r, "content_hash": "h"}
                      for d, t, v, r in docs]
            if status != "blocked" and rng.random() < 0.06:
                votes.append({"question_id": n, "created_at": when, "user_hash": "u",
                              "helpful": rng.random() < 0.75, "reason": None})
            if status in ("cannot_answer", "talk_to_a_person") and rng.random() < 0.2:
                handed.append({"question_id": n, "created_at": when, "user_hash": "u",
                               "topic": "default", "contact": "C0HELP"})
            if question is not None and rng.random() < 0.8:  # most questions have an area
                tagged += [{"question_id": n, "created_at": when, "area": area, "status": status}
                           for area in rng.sample(AREAS, 1 if rng.random() < 0.8 else 2)]
            if len(batch) == 5000:
                conn.execute(insert(questions), batch)
                batch = []
        if batch:
            conn.execute(insert(questions), batch)
        for table, items in ((citations, cited), (feedback, votes), (escalations, handed),
                             (question_areas, tagged)):
            if items:
                conn.execute(insert(table), items)
        seed_ratings(conn, rng, now, people=rows // 200)


def seed_ratings(conn: Any, rng: random.Random, when: dt.datetime, people: int) -> None:
    """Skills checks of ``people`` staff: every statement of a framework the default's size."""
    conn.execute(insert(skill_people), [
        {"person": f"p{n:05d}", "team": rng.choice([*TEAMS, None]), "updated_at": when}
        for n in range(people)])
    rows = []
    for n in range(people):
        for area in AREAS:
            for level in LEVELS:
                for k in range(RATED if level != "life" else 1):
                    now = rng.randint(1, 4)
                    rows.append({"person": f"p{n:05d}", "statement_id": f"{area}-{level}-{k}",
                                 "area": area, "level": level, "now": now,
                                 "need": min(4, now + rng.choice([0, 0, 1, 2])),
                                 "updated_at": when})
    for start in range(0, len(rows), 5000):
        conn.execute(insert(skill_ratings), rows[start:start + 5000])


def naive_report(usage: UsageLog, period: Period) -> dict[str, Any]:
    """What a first version does: load every row of the period and count in Python."""
    with usage.engine.connect() as conn:
        rows = conn.execute(select(questions).where(
            questions.c.created_at >= period.since, questions.c.created_at < period.until)
        ).mappings().all()
        votes = conn.execute(select(feedback)).mappings().all()
    ids = {r["id"] for r in rows}
    docs: Counter[str] = Counter()
    for r in rows:
        cited = r["citations"] if isinstance(r["citations"], list) else json.loads(r["citations"])
        docs.update({c["doc_id"] for c in cited})
    latencies = [r["latency_ms"] for r in rows if r["latency_ms"] and r["status"] != "blocked"]
    return {"questions": len(rows), "per_day": Counter(r["created_at"].date() for r in rows),
            "status": Counter(r["status"] for r in rows),
            "surface": Counter(r["surface"] for r in rows),
            "users": len({r["user_hash"] for r in rows}),
            "helpful": Counter(v["helpful"] for v in votes if v["question_id"] in ids),
            "p50": statistics.median(latencies) if latencies else None,
            "top": docs.most_common(10)}


def run(settings: Settings, rows: int, database_url: str | None) -> dict[str, Any]:
    """Report generation time over a seeded log of ``rows`` questions (90 days), beside the
    naive load-everything report."""
    with tempfile.TemporaryDirectory(prefix="guide-bench-report-") as tmp:
        settings = settings.model_copy(update={"data_dir": Path(tmp)})
        url = database_url or f"sqlite:///{Path(tmp) / 'usage.sqlite3'}"
        usage = UsageLog.open(url, b"bench-key-0123456789abcdef012345")
        started = time.perf_counter()
        seed(usage, rows)
        seeded = time.perf_counter() - started
        assistant = indexed_assistant(settings, SAMPLE)
        assistant.ask("warm up")
        period = Period.parse("90d")
        timings: dict[str, float] = {}
        for name, fn in (("guide_report_first", lambda: full_report(usage, assistant, period)),
                         ("guide_report_again", lambda: full_report(usage, assistant, period)),
                         ("guide_figures_only", lambda: full_report(usage, None, period)),
                         ("skills_view_only", lambda: skills_report(usage, assistant, period,
                                                                    [])),
                         ("naive_report", lambda: naive_report(usage, period))):
            begun = time.perf_counter()
            result = fn()
            timings[name] = round(time.perf_counter() - begun, 3)
            if name == "guide_report_first":
                report = result
        usage.engine.dispose()
    figures = {"rows": rows, "database": url.split(":", 1)[0], "seed_seconds": round(seeded, 1),
               "report_seconds": timings, "questions_in_report": report["questions"],
               "gap_topics": len(report["gaps"]),
               "skill_areas_tagged": sum(a["asked"] for a in report["skills"]["areas"]),
               "skills_people_rated": report["skills"]["ratings"]["people"],
               "training_needs": len(report["skills"]["training_needs"]),
               "target_met": timings["guide_report_first"] < 2}
    return figures
