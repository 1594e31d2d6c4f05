"""The skills pages in real headless Chromium: a person rates themselves, sees their gaps with
links to the guidance, exports their record (JSON, PDF) and deletes it; a manager sees the
skills-gap view with self-ratings only over groups of at least 5, and never anyone's record."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from assistant.core import Assistant
from bench.live_server import LiveServer
from channels.web.app import build_web_app
from config.settings import Settings
from tests.channels.web import test_web_browser as web_browser
from usage.accounts import Accounts
from usage.log import Asked, UsageLog
from usage.skills import SkillsRecords
from usage.walkthroughs import WalkEvent, record_walk_event

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web_browser.CHROMIUM.exists(),
                       reason=f"no Chromium at {web_browser.CHROMIUM}"),
]
TEAMS = ["Courts", "Prisons", "Probation"]
CHROMIUM, MANAGER, shot, sign_in = (web_browser.CHROMIUM, web_browser.MANAGER, web_browser.shot,
                                    web_browser.sign_in)
browser, page = web_browser.browser, web_browser.page  # the same Chromium fixtures


@pytest.fixture
def site(tmp_path, hashed_kb) -> Iterator[dict[str, Any]]:
    settings = Settings(data_dir=tmp_path / "data", skills_teams=TEAMS)
    usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", b"w" * 32)
    Accounts(usage.engine).add(MANAGER[0], "manager", MANAGER[1])
    assistant = Assistant(settings, hashed_kb, usage=usage)
    with LiveServer(build_web_app(settings, assistant, usage)) as server:
        yield {"url": server.url, "usage": usage,
               "records": SkillsRecords(usage.engine, usage.pseudonymise)}
    usage.engine.dispose()


def rate(page: Any, ratings: dict[str, tuple[int, int]]) -> None:
    for statement, (now, need) in ratings.items():
        page.select_option(f"select[name='now:{statement}']", str(now))
        page.select_option(f"select[name='need:{statement}']", str(need))
    page.click("form.skills button[type=submit]")
    page.wait_for_selector("p.flash")


def test_staff_rate_see_gaps_with_links_export_and_delete_their_record(site, page, tmp_path):
    page.goto(f"{site['url']}/skills")
    assert "only you can see your ratings" in page.inner_text("#privacy")
    rate(page, {"reset-mfa": (1, 4), "spot-phishing": (2, 3), "teams-meetings": (3, 3),
                "official-sensitive": (2, 4)})
    assert "Saved your ratings for 4 statements." in page.inner_text("p.flash")
    gaps = page.locator("li.gap")
    assert gaps.count() == 3  # no gap where now meets need
    assert "multi-factor" in gaps.first.inner_text()
    link = gaps.first.locator("a.doc").first
    assert link.get_attribute("href") == "/skills/documents/mfa-password-reset"
    shot(page, tmp_path, "skills-check.png")
    link.click()
    page.wait_for_selector("section.passage")
    assert "Resetting your Password" in page.inner_text("h1")

    page.goto(f"{site['url']}/skills/record")
    assert page.locator("table.record tbody tr").count() == 4
    with page.expect_download() as download:
        page.click("text=Download JSON")
    record = json.loads(Path(download.value.path()).read_text())
    assert [g["statement_id"] for g in record["gaps"]] == ["reset-mfa", "official-sensitive",
                                                           "spot-phishing"]
    assert record["gaps"][0]["documents"][0]["title"].startswith("Resetting your Password")
    with page.expect_download() as download:
        page.click("text=Download PDF")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Delete my record")
    page.wait_for_selector("p.flash")
    assert "deleted" in page.inner_text("p.flash")
    with site["usage"].engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM skill_ratings")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM skill_people")).scalar() == 0


def seed_people(site: dict[str, Any], names: list[str], team: str | None) -> list[str]:
    people = []
    for n, name in enumerate(names):
        person = site["records"].person("web", name)
        site["records"].save(person, [
            ("reset-mfa", "problem-solving", "foundation", 1 + n % 2, 4),
            ("spot-phishing", "being-safe", "life", 2, 3 + n % 2),
            ("official-sensitive", "handling-information", "work", 2, 4),
            ("teams-meetings", "communicating", "foundation", 3, 3)], team=team)
        people.append(person)
    return people


def a_week_later(site: dict[str, Any]) -> None:
    """The figures are published weekly: make the latest snapshot a week old."""
    with site["usage"].engine.begin() as conn:
        conn.execute(text("UPDATE skill_snapshots SET made_at = :old"),
                     {"old": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)})


def seed_questions(usage: UsageLog) -> None:
    asked = Asked("slack", user="T1:U1")
    rows = [("cannot_answer", "How do I report a lost work phone?", ["being-safe"], None, 4),
            ("answered", "Is this email a phishing attempt?", ["being-safe"],
             "incident-reporting", 3),
            ("answered", "How do I reset my MFA on a new phone?", ["problem-solving"],
             "mfa-password-reset", 6),
            ("cannot_answer", "How do I book a pool car online?", ["transacting"], None, 2),
            ("answered", "How do I mark a document OFFICIAL-SENSITIVE?",
             ["handling-information"], "data-sharing-policy", 2)]
    for status, question, areas, doc, times in rows:
        for n in range(times):
            record = usage.record(asked, {
                "status": status, "question": question, "text": "t", "timings_ms": {},
                "citations": [{"doc_id": doc, "title": doc}] if doc else []}, areas=areas)
            if status == "answered" and n == 0 and "phishing" in question:
                usage.add_feedback(record, "slack", "T1:U1", helpful=False)
    # eight walkthroughs of the MFA reset: one stuck at step 1; of the seven that reach step 2,
    # four finish it and three are stuck there (one of them asks a person)
    for n in range(8):
        moves = [("started", 1)] + ([("stuck", 1)] if n == 7 else [("done", 1)])
        if n < 7:
            moves += [("done", 2)] if n < 4 else [("stuck", 2)] + (
                [("escalated", 2)] if n == 4 else [])
        for event, step in moves:
            record_walk_event(usage, Asked("web", user=f"walker-{n}"), WalkEvent(
                walk_id=f"walk{n}", event=event, step=step, steps_total=3,
                procedure_id="mfa-password-reset#reset", doc_id="mfa-password-reset",
                section="Reset your MFA", title="Resetting your MFA", version="2.1",
                fingerprint="f", request="walk me through resetting my MFA"))


def test_managers_see_groups_of_five_never_four_and_no_ones_record(site, page, tmp_path):
    people = seed_people(site, [f"staff{n}@westbrook.example" for n in range(4)], "Courts")
    sign_in(page, site["url"], MANAGER, "/skills/gaps")
    ratings = page.locator("section", has_text="Self-rated gaps")
    assert "Fewer than 5 people have rated themselves" in ratings.inner_text()
    assert ratings.locator("svg rect.cell").count() == 15  # 5 areas x 3 levels...
    assert "<5 people" in ratings.locator("svg").text_content()  # ...the rated ones hidden
    html = page.content()
    assert not any(p in html for p in people) and "staff0" not in html
    assert "<5 people" in page.locator("svg[aria-label^='Self-rated gap']").text_content()
    # the manager's own record is all the record pages give them
    page.goto(f"{site['url']}/skills/record")
    assert "no skills check on record" in page.inner_text("main")
    assert page.request.get(f"{site['url']}/skills/record.json").status == 404

    people += seed_people(site, ["staff4@westbrook.example"], "Courts")  # the fifth
    page.goto(f"{site['url']}/skills/gaps")
    assert "Fewer than 5 people" in page.inner_text("main")  # this week's figures stand
    a_week_later(site)
    page.goto(f"{site['url']}/skills/gaps")
    assert "5+ people have rated themselves" in page.inner_text("main")
    cell = page.locator("svg[aria-label^='Self-rated gap'] rect.cell title",
                        has_text="Problem solving, Foundation")
    assert cell.text_content() == "Problem solving, Foundation: 2.5"  # 2.6, to half a point
    assert page.locator("table.skill-teams").count() == 0  # one team: nothing more to show

    people += seed_people(site, [f"p{n}@westbrook.example" for n in range(3)], "Prisons")
    people += seed_people(site, [f"q{n}@westbrook.example" for n in range(3)], "Probation")
    seed_questions(site["usage"])
    a_week_later(site)
    page.goto(f"{site['url']}/skills/gaps")
    teams = page.inner_text("table.skill-teams")
    assert "Courts" in teams and "Other teams" in teams  # 3 + 3 merged into 6
    assert "Prisons" not in teams and "Probation" not in teams
    needs = page.inner_text("table.needs")
    assert needs.index("Being safe") < needs.index("Transacting")
    assert "How do I report a lost work phone?" in needs
    stuck = page.inner_text("table.stuck")
    assert "Resetting your MFA" in stuck and "43%" in stuck  # step 2: 3 stuck of 7
    html = page.content()
    assert not any(p in html for p in people)
    shot(page, tmp_path, "skills-gaps.png")


def test_the_skills_gap_view_is_refused_to_visitors(site, page):
    page.goto(f"{site['url']}/skills/gaps")
    assert page.url.endswith("/login?next=/skills/gaps")
