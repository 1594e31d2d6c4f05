"""The web pages in real headless Chromium (Debian's, driven by Playwright): the chat, the
manager's dashboard and export, a trainer's upload, refusals and CSRF."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from assistant.core import Assistant
from bench.live_server import LiveServer
from channels.web.app import build_web_app
from config.settings import Settings
from usage.accounts import Accounts
from usage.log import UsageLog

CHROMIUM = Path(os.environ.get("GUIDE_TEST_CHROMIUM", "/usr/bin/chromium"))
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} "
                       "(apt-get install chromium)"),
]
MANAGER = ("manager@westbrook.example", "manager password 1")
TRAINER = ("trainer@westbrook.example", "trainer password 1")
UPLOAD_MS = 300_000  # an upload is read and indexed in a worker: slow on a loaded machine
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set to docs/ to refresh the README's pictures


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
    settings = Settings(data_dir=tmp_path / "data")
    usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", b"w" * 32)
    accounts = Accounts(usage.engine)
    accounts.add(MANAGER[0], "manager", MANAGER[1])
    accounts.add(TRAINER[0], "trainer", TRAINER[1])
    assistant = Assistant(settings, sample_kb, usage=usage)
    with LiveServer(build_web_app(settings, assistant, usage)) as server:
        yield {"url": server.url, "usage": usage, "assistant": assistant}
    usage.engine.dispose()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def shot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(SHOTS) / name)


def ask(page: Any, question: str) -> Any:
    before = page.locator("article.answer").count()
    page.fill("#question", question)
    page.click("form.ask button")
    page.locator("article.answer").nth(before).wait_for()  # (the page's CSP forbids eval)
    return page.locator("article.answer").last


def sign_in(page: Any, url: str, who: tuple[str, str], target: str) -> None:
    page.goto(f"{url}/login?next={target}")
    page.fill("input[name=email]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("form[action='/login'] button")
    page.wait_for_url(f"{url}{target}")


def test_web_chat_shows_a_cited_answer_and_takes_feedback(site, page, tmp_path):
    page.goto(site["url"])
    answer = ask(page, "How do I reset my MFA?")
    assert "answered" in answer.get_attribute("class")
    assert "[1]" in answer.locator("p.text").inner_text()
    assert answer.locator("blockquote.quote").count() >= 1
    assert "MFA" in answer.locator("ol.sources").inner_text()
    follow = ask(page, "What if I am locked out?")  # a follow-up in the same conversation
    assert "answered" in follow.get_attribute("class")
    answer.locator("button.vote", has_text="Yes").click()
    page.wait_for_selector("text=Thanks, glad it helped.")
    blocked = ask(page, "Can I share prisoner A1234BC's licence conditions?")
    assert "blocked" in blocked.get_attribute("class")
    assert "A1234BC" not in blocked.inner_text()
    shot(page, tmp_path, "chat.png")
    with site["usage"].engine.connect() as conn:
        rows = conn.execute(text("SELECT status, question FROM usage_questions ORDER BY id")).all()
        votes = conn.execute(text("SELECT helpful FROM usage_feedback")).scalars().all()
    assert [r.status for r in rows] == ["answered", "answered", "blocked"]
    assert rows[2].question is None and votes == [True]


def test_manager_sees_charts_counts_and_exports_csv(site, page, tmp_path):
    page.goto(site["url"])
    for question in ("Can I email a risk assessment to the council?",
                     "What is on the canteen menu this week?"):
        ask(page, question)
    sign_in(page, site["url"], MANAGER, "/dashboard")
    assert page.inner_text("#questions") == "2"
    assert page.locator("svg.chart").count() >= 5
    assert page.locator("svg.chart rect.bar").count() >= 3
    assert "canteen" in page.inner_text("table.gaps")  # the unanswered question is a gap
    shot(page, tmp_path, "dashboard.png")
    with page.expect_download() as download:
        page.click("text=Export CSV")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [r["status"] for r in rows] == ["answered", "cannot_answer"]
    assert rows[0]["question"] == "Can I email a risk assessment to the council?"
    with site["usage"].engine.connect() as conn:
        actions = conn.execute(text("SELECT actor, action FROM usage_audit")).all()
    assert (MANAGER[0], "export") in [tuple(a) for a in actions]


def test_trainer_uploads_a_document_and_the_chat_cites_it(site, page, tmp_path):
    doc = tmp_path / "visits-policy.md"
    doc.write_text("---\ntitle: Home Visits Policy\nversion: \"1.0\"\nowner: Probation\n---\n\n"
                   "# Home Visits Policy\n\n## Planning a visit\n\nBefore any home visit, staff "
                   "must complete the visit risk checklist and tell the duty manager the "
                   "address and expected return time.\n")
    sign_in(page, site["url"], TRAINER, "/documents")
    page.set_input_files("input[type=file]", str(doc))
    page.click("form.upload button", timeout=UPLOAD_MS)
    page.wait_for_selector("p.flash")
    assert "Added Home Visits Policy" in page.inner_text("p.flash")
    assert "Home Visits Policy" in page.inner_text("table.documents")
    page.goto(site["url"])
    page.wait_for_timeout(2100)  # the retriever looks for index changes every 2 s
    answer = ask(page, "What must staff do before a home visit?")
    assert "Home Visits Policy" in answer.locator("ol.sources").inner_text()


def test_dashboard_is_refused_to_visitors_and_trainers(site, page):
    page.goto(f"{site['url']}/dashboard")
    assert page.url.endswith("/login?next=/dashboard")
    sign_in(page, site["url"], TRAINER, "/documents")
    response = page.goto(f"{site['url']}/dashboard")
    assert response.status == 403 and "Not for your role" in page.inner_text("h1")
    response = page.goto(f"{site['url']}/dashboard/export.csv")
    assert response.status == 403


def test_a_forged_form_post_without_the_csrf_token_is_refused(site, page):
    sign_in(page, site["url"], TRAINER, "/documents")
    source = page.locator("input[name=doc]").first.get_attribute("value")
    forged = page.request.post(f"{site['url']}/documents/remove", form={"doc": source})
    assert forged.status == 403
    assert site["assistant"].kb.catalog.get(source) is not None  # still indexed
    api = page.request.post(f"{site['url']}/api/ask", data={"question": "hello"})
    assert api.status == 403


def test_a_hostile_document_title_never_runs_as_script(site, page, tmp_path):
    """Issue 14, defect 3: a title inside the old inline onsubmit ran as JavaScript."""
    title = "Visits' + (window.pwned = 'onsubmit') + '<img src=x onerror=\"window.pwned=1\">"
    doc = tmp_path / "hostile.md"
    doc.write_text(f"---\ntitle: {json.dumps(title)}\n---\n\n# Visits\n\nPlan every home "
                   "visit with the duty manager before you leave the office.\n")
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text
            else None)
    sign_in(page, site["url"], TRAINER, "/documents")
    page.set_input_files("input[type=file]", str(doc))
    page.click("form.upload button", timeout=UPLOAD_MS)
    page.wait_for_selector("p.flash")
    assert "Added" in page.inner_text("p.flash")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    row = page.locator("table.documents tr", has_text="Visits' +")
    row.locator("button.danger").click()
    page.wait_for_selector("p.flash")
    assert asked == [f"Remove {title} from Guide?"]  # the title shown as text, whole
    assert "Removed" in page.inner_text("p.flash")
    assert page.evaluate("window.pwned") is None
    # and were a template ever to slip, the policy would stop inline script
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.pwned = "inline"';
                             document.body.append(s); }""")
    assert page.evaluate("window.pwned") is None
    csp = page.request.get(f"{site['url']}/documents").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
