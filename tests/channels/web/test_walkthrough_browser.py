"""A walkthrough in the web chat, in real headless Chromium: steps one at a time with their
sources, Done, Stuck (the step's own guidance), Ask a person; every press recorded."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from assistant.core import Assistant
from bench.live_server import LiveServer
from channels.web.app import build_web_app
from config.settings import Settings
from usage.log import UsageLog
from usage.schema import questions, walkthrough_events

CHROMIUM = Path(os.environ.get("GUIDE_TEST_CHROMIUM", "/usr/bin/chromium"))
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} "
                       "(apt-get install chromium)"),
]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set to docs/ to refresh the README's picture


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def site(tmp_path, sample_kb) -> Iterator[dict[str, Any]]:
    settings = Settings(data_dir=tmp_path / "data", walkthrough_contact="the digital champions")
    usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", b"w" * 32)
    assistant = Assistant(settings, sample_kb, usage=usage)
    with LiveServer(build_web_app(settings, assistant, usage)) as server:
        yield {"url": server.url, "usage": usage}
    usage.engine.dispose()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def submit(page: Any, question: str) -> None:
    page.fill("#question", question)
    page.click("form.ask button")


def test_walkthrough_step_by_step_in_the_web_chat(site, page, tmp_path):
    page.goto(site["url"])
    submit(page, "walk me through resetting my MFA")
    walk = page.locator("article.walkthrough")
    walk.wait_for()
    assert walk.locator("h2.walk-name").inner_text() == "Reset your MFA"
    current = walk.locator("li.step.current")
    assert current.locator(".step-of").inner_text() == "Step 1 of 4"
    assert "Call the IT Service Desk on extension 4000 and ask for an MFA reset." in \
        current.locator("blockquote.quote").inner_text()
    assert "Resetting your Password and Multi-Factor Authentication" in \
        walk.locator("ol.sources").inner_text()

    current.locator("button.walk-done").click()
    page.wait_for_selector("li.step.current >> text=Step 2 of 4")
    second = walk.locator("li.step.current")
    second.locator("button.walk-stuck").click()
    guidance = second.locator(".guidance")
    guidance.wait_for()
    assert "If you work from home and have no desk phone" in guidance.inner_text()
    second.locator("button.walk-ask-person").click()
    page.wait_for_selector("p.contact")
    assert "the digital champions" in second.locator("p.contact").inner_text()
    assert "step 2" in second.locator("p.contact").inner_text()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(tmp_path / "walkthrough.png"), full_page=True)
        shutil.copy(tmp_path / "walkthrough.png", Path(SHOTS) / "walkthrough.png")
    for n in (2, 3, 4):
        page.locator("li.step.current button.walk-done").click()
        if n < 4:
            page.wait_for_selector(f"li.step.current >> text=Step {n + 1} of 4")
    page.wait_for_selector("p.finished")
    assert walk.locator("li.step.done").count() == 4

    # a question that is not a walk request, and one with no procedure, are answered as usual
    submit(page, "How long must my password be?")
    page.locator("article.answer").nth(1).wait_for()
    submit(page, "walk me through booking annual leave")
    page.locator("article.answer").nth(2).wait_for()
    assert "cannot_answer" in page.locator("article.answer").last.get_attribute("class")

    with site["usage"].engine.connect() as conn:
        events = [(r.event, r.step, r.surface) for r in conn.execute(
            select(walkthrough_events).order_by(walkthrough_events.c.id))]
        asked = conn.execute(select(questions.c.status).order_by(questions.c.id)).scalars().all()
    assert events == [("started", 1, "web"), ("done", 1, "web"), ("stuck", 2, "web"),
                      ("escalated", 2, "web"), ("done", 2, "web"), ("done", 3, "web"),
                      ("done", 4, "web")]
    assert asked == ["answered", "cannot_answer"]  # the walkthrough is not logged as an answer


def test_step_api_refuses_a_changed_procedure_and_bad_input(site, page):
    page.goto(site["url"])
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    headers = {"X-CSRF-Token": csrf}
    started = page.request.post(f"{site['url']}/api/walk", headers=headers,
                                data={"question": "walk me through sending an encrypted email"})
    walk = started.json()
    assert walk["status"] == "found" and len(walk["steps"]) == 3
    assert "source" not in walk["steps"][0]["citation"]  # no server paths reach the browser
    stale = page.request.post(f"{site['url']}/api/walk/step", headers=headers, data={
        "walk_id": walk["walk_id"], "procedure_id": walk["procedure_id"],
        "fingerprint": "0" * 12, "step": 1, "action": "done"})
    assert stale.status == 409
    bad = page.request.post(f"{site['url']}/api/walk/step", headers=headers, data={
        "walk_id": walk["walk_id"], "procedure_id": walk["procedure_id"],
        "fingerprint": walk["fingerprint"], "step": 1, "action": "skip"})
    assert bad.status == 400
    forged = page.request.post(f"{site['url']}/api/walk", data={"question": "walk me through"})
    assert forged.status == 403
    with site["usage"].engine.connect() as conn:
        events = [r.event for r in conn.execute(select(walkthrough_events))]
    assert events == ["started"]
