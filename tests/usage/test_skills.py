"""Skills in the usage log: a person's record is theirs alone; managers get only figures over
groups of at least 5 people; the skills-gap figures count a seeded log right."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from usage.log import Asked, UsageLog
from usage.skills import (
    OTHER_TEAMS,
    SkillsRecords,
    questions_by_area,
    rating_figures,
    skills_figures,
    stuck_rates,
)
from usage.walkthroughs import WalkEvent, record_walk_event

KEY = b"k" * 32
DAY = dt.timedelta(days=1)


@pytest.fixture
def usage(usage_db_url):
    log = UsageLog.open(usage_db_url, KEY)
    yield log
    log.engine.dispose()


def records(usage: UsageLog) -> SkillsRecords:
    return SkillsRecords(usage.engine, usage.pseudonymise)


def rate(usage: UsageLog, who: str, now: int, need: int, team: str | None = None,
         statements: tuple[tuple[str, str, str], ...] = (("reset-mfa", "problem-solving",
                                                          "foundation"),)) -> str:
    person = records(usage).person("web", who)
    records(usage).save(person, [(s, a, lv, now, need) for s, a, lv in statements], team=team)
    return person


def test_a_record_is_kept_under_a_pseudonym_read_back_and_deleted(usage):
    person = rate(usage, "alex@westbrook.example", 1, 3)
    assert person == usage.user_hash("web", "alex@westbrook.example")  # as the usage log does
    with usage.engine.connect() as conn:
        stored = json.dumps([list(r) for r in conn.execute(text(
            "SELECT * FROM skill_ratings")).all()], default=str)
    assert "alex" not in stored
    held = records(usage).get(person)
    assert held.ratings == {"reset-mfa": (1, 3)}
    records(usage).save(person, [("reset-mfa", "problem-solving", "foundation", 2, 3)])
    assert records(usage).get(person).ratings == {"reset-mfa": (2, 3)}  # replaced, not added
    other = rate(usage, "sam@westbrook.example", 4, 4)
    assert records(usage).delete(person) is True
    assert records(usage).get(person) is None and records(usage).delete(person) is False
    assert records(usage).get(other) is not None  # someone else's record is untouched
    usage.purge(30)
    assert records(usage).get(other) is not None  # updated within the retention period
    usage.purge(0)
    assert records(usage).get(other) is None  # not touched since: gone with the usage log


WEEK = dt.timedelta(days=7)


class Clock:
    """The skills module's clock, moved by hand: records and snapshots are stamped by it."""

    def __init__(self) -> None:
        self.time = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.time += dt.timedelta(seconds=1)  # every stamp after the one before
        return self.time

    def wait(self, delta: dt.timedelta) -> None:
        self.time += delta


def figures_after(usage: UsageLog, clock: Clock, wait: dt.timedelta, min_group: int = 5
                  ) -> dict:
    clock.wait(wait)
    return rating_figures(usage.engine, min_group=min_group)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("usage.skills.now", clock)
    return clock


def test_a_group_of_four_is_never_shown_and_nothing_says_it_was_left_out(usage, clock):
    for n in range(4):
        rate(usage, f"p{n}", 1, 4, team="Probation North")
    figures = figures_after(usage, clock, dt.timedelta(0))
    assert figures["people"] is None and figures["cells"] == [] and figures["teams"] == []
    assert set(figures) == {"min_group", "people", "cells", "teams", "as_of"}  # no hidden list
    rate(usage, "p4", 2, 3, team="Probation North")  # the fifth person
    assert figures_after(usage, clock, DAY)["cells"] == []  # the week's snapshot holds
    figures = figures_after(usage, clock, WEEK)
    assert figures["people"] == 5
    # means to half a point (1.2 -> 1.0, 3.8 -> 4.0, 2.6 -> 2.5), the share to a tenth
    assert figures["cells"] == [{"area": "problem-solving", "level": "foundation", "people": 5,
                                 "mean_now": 1.0, "mean_need": 4.0, "mean_gap": 2.5,
                                 "share_with_gap": 1.0}]


def test_anonymous_web_records_never_count(usage, clock):
    """A manager rating four times from private windows adds nobody to the figures."""
    for n in range(4):
        person = records(usage).person("web", f"visitor-{n}")
        records(usage).save(person, [("reset-mfa", "problem-solving", "foundation", 0, 4)],
                            anonymous=True)
    rate(usage, "real@westbrook.example", 1, 2)
    assert figures_after(usage, clock, dt.timedelta(0))["cells"] == []
    for n in range(4):
        rate(usage, f"known{n}@westbrook.example", 3, 3)
    [cell] = figures_after(usage, clock, WEEK)["cells"]
    assert cell["people"] == 5 and cell["mean_now"] == 2.5  # (1 + 4 * 3) / 5 = 2.6: known only


def test_one_more_person_never_moves_a_published_figure(usage, clock):
    """Exporting before and after one person rates gives nothing away: a group's figures are
    republished only once at least five of its people changed."""
    for n in range(5):
        rate(usage, f"p{n}", 1, 2)
    before = figures_after(usage, clock, dt.timedelta(0))["cells"]
    rate(usage, "newcomer", 4, 4)  # 6 people: a live mean would move from 1.0 to 1.5
    assert figures_after(usage, clock, WEEK)["cells"] == before
    for n in range(3):
        rate(usage, f"p{n}", 4, 4)  # 1 + 3 changed: still fewer than five
    assert figures_after(usage, clock, WEEK)["cells"] == before
    rate(usage, "p3", 4, 4)  # the fifth changed person since the figures were published
    [after] = figures_after(usage, clock, WEEK)["cells"]
    assert after != before[0] and after["people"] == 5  # 6 people, counted down to five
    records(usage).delete(records(usage).person("web", "p4"))
    # one person gone is no more visible than one added
    assert figures_after(usage, clock, WEEK)["cells"] == [after]


def test_a_visitors_record_is_carried_over_at_sign_in_and_forgotten_with_its_session(usage, clock):
    visitor = records(usage).person("web", "visitor-1")
    account = records(usage).person("web", "alex@westbrook.example")
    records(usage).save(account, [("reset-mfa", "problem-solving", "foundation", 1, 1),
                                  ("teams", "communicating", "foundation", 2, 2)], team="Courts")
    records(usage).save(visitor, [("reset-mfa", "problem-solving", "foundation", 3, 4)],
                        anonymous=True)
    assert records(usage).carry_over(visitor, account) == 1
    assert records(usage).get(visitor) is None
    held = records(usage).get(account)
    assert held.ratings == {"reset-mfa": (3, 4), "teams": (2, 2)} and held.team == "Courts"
    with usage.engine.connect() as conn:
        flags = conn.execute(text("SELECT anonymous FROM skill_people")).scalars().all()
    assert flags == [False]  # the account's record counts
    stale = records(usage).person("web", "visitor-2")
    records(usage).save(stale, [("reset-mfa", "problem-solving", "foundation", 0, 1)],
                        anonymous=True)
    assert records(usage).forget_anonymous(dt.timedelta(hours=8)) == 0  # its session is live
    assert records(usage).forget_anonymous(dt.timedelta(0)) == 1
    assert records(usage).get(stale) is None and records(usage).get(account) is not None


def test_small_teams_are_merged_and_withheld_when_the_merged_group_is_small(usage, clock):
    for n in range(6):
        rate(usage, f"a{n}", 1, 3, team="Courts")
    for n in range(4):
        rate(usage, f"b{n}", 3, 3, team="Prisons")  # a team of 4
    figures = figures_after(usage, clock, dt.timedelta(0))
    assert figures["people"] == 10
    # the 4 would be "Other teams" alone: Courts beside it would give them away by subtraction
    assert figures["teams"] == []
    for n in range(2):
        rate(usage, f"c{n}", 2, 4, team="Youth")  # 4 + 2 = 6 in the merged group
    rate(usage, "d0", 2, 4)  # no team given: merged too
    figures = figures_after(usage, clock, WEEK)
    teams = {t["team"]: t for t in figures["teams"]}
    assert set(teams) == {"Courts", OTHER_TEAMS}
    assert teams["Courts"] == {"area": "problem-solving", "team": "Courts", "people": 5,
                               "mean_gap": 2.0}
    assert teams[OTHER_TEAMS]["people"] == 5  # 7, counted down
    assert teams[OTHER_TEAMS]["mean_gap"] == 1.0  # (0 * 4 + 2 * 3) / 7 = 0.86, to half a point


def test_the_minimum_group_can_be_raised_but_not_lowered(usage, clock):
    for n in range(6):
        rate(usage, f"p{n}", 1, 2)
    assert figures_after(usage, clock, dt.timedelta(0), min_group=10)["cells"] == []
    assert figures_after(usage, clock, WEEK, min_group=2)["min_group"] == 5


def answer(status: str, question: str, doc: str | None = None) -> dict:
    return {"status": status, "question": question, "text": "t",
            "citations": [{"doc_id": doc, "title": doc.upper()}] if doc else [],
            "timings_ms": {"retrieve": 5.0}}


def seed(usage: UsageLog) -> None:
    asked = Asked("web", user="u1")
    usage.record(asked, answer("answered", "How do I reset my MFA?", "mfa"),
                 areas=["problem-solving"])
    usage.record(asked, answer("answered", "How do I reset my MFA?", "mfa"),
                 areas=["problem-solving", "being-safe"])
    gone = usage.record(asked, answer("answered", "Is this a phishing email?", "phish"),
                        areas=["being-safe"])
    usage.add_feedback(gone, "web", "u1", helpful=False)
    usage.add_feedback(gone, "web", "u2", helpful=False)  # two votes, one unhelpful question
    usage.record(asked, answer("cannot_answer", "How do I report a lost laptop?"),
                 areas=["being-safe"])
    usage.record(asked, answer("cannot_answer", "How do I report a lost laptop?"),
                 areas=["being-safe"])
    usage.record(asked, answer("cannot_answer", "What is on the canteen menu?"))  # no area
    usage.record(asked, {"status": "blocked", "question": None, "text": "no"},
                 areas=["being-safe"])  # a blocked question keeps no areas


def test_skills_figures_count_a_seeded_log(usage):
    seed(usage)
    since, until = dt.datetime.now(dt.UTC) - DAY, dt.datetime.now(dt.UTC) + DAY
    month = dt.date.today().isoformat()[:7]
    figures = skills_figures(usage.engine, since, until)
    assert figures["questions"] == {
        "problem-solving": {"asked": 2, "unanswered": 0, "unhelpful": 0, "by_month": {month: 2}},
        "being-safe": {"asked": 4, "unanswered": 2, "unhelpful": 1, "by_month": {month: 4}}}
    assert figures["failed"] == {"being-safe": [
        {"question": "How do I report a lost laptop?", "times": 2},
        {"question": "Is this a phishing email?", "times": 1}]}
    assert figures["cited"] == {
        "problem-solving": [{"doc_id": "mfa", "citations": 2}],
        "being-safe": [{"doc_id": "mfa", "citations": 1}, {"doc_id": "phish", "citations": 1}]}
    assert questions_by_area(usage.engine, until, until + DAY) == {}  # another period: none
    assert figures["walkthroughs"] == {"available": True, "steps": []}  # none walked yet
    usage.purge(0)  # purged with their questions
    with usage.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM usage_question_areas")).scalar() == 0


def test_stuck_rates_come_from_the_walkthrough_events(usage):
    since, until = dt.datetime.now(dt.UTC) - DAY, dt.datetime.now(dt.UTC) + DAY
    for n, moves in enumerate([[("started", 1), ("done", 1), ("stuck", 2), ("escalated", 2)],
                               [("started", 1), ("done", 1), ("done", 2)],
                               [("started", 1), ("stuck", 1), ("done", 1), ("stuck", 2)]]):
        for event, step in moves:
            record_walk_event(usage, Asked("web", user=f"visitor-{n}"), WalkEvent(
                walk_id=f"w{n}", event=event, step=step, steps_total=2,
                procedure_id="mfa#reset", doc_id="mfa", section="Reset", title="MFA",
                version="1", fingerprint="f", request="walk me through my MFA"))
    rates = stuck_rates(usage.engine, since, until)
    assert rates["available"] is True
    assert [(s["step"], s["shown"], s["stuck"], s["stuck_rate"], s["asked_person"])
            for s in rates["steps"]] == [(2, 3, 2, 0.6667, 1), (1, 3, 1, 0.3333, 0)]
