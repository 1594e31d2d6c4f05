"""Restricted documents on every surface: a managers-only and a probation-only document in the
index (real model), asked about on the web (anonymous and signed in), in Slack (a channel
mention, a DM, /guide) and with ``guide ask``: who gets quotes from them and who does not."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from assistant.core import Assistant
from bench.fakes.slack import TEAM, FakeSlack
from bot import build_cli
from channels.reporting import export_for, full_report
from channels.slack import messages as msg
from channels.web.app import build_web_app
from config.settings import Settings
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from tests.conftest import SAMPLE
from tests.slack_harness import CHANNEL, MANAGER, STAFF, build_harness, new_ts, slack_settings
from usage.accounts import Accounts
from usage.log import UsageLog
from usage.report import Period
from usage.schema import questions

pytestmark = pytest.mark.integration
MANAGERS_DOC = "managers-escalation-guide"
PROBATION_DOC = "approved-premises-curfew"
MANAGERS_TITLE = "Handling Escalated Information Requests"  # shown with its quotes
PROBATION_TITLE = "Curfew Breaches at Approved Premises"
MANAGERS_Q = "Can a line manager approve disclosing health information without consent?"
PROBATION_Q = "What do I do when a resident breaches their curfew at an approved premises?"
PROBATION_TEXT = """---
id: approved-premises-curfew
title: Curfew Breaches at Approved Premises (Probation)
owner: Probation Service
version: "1.0"
effective_date: 2026-06-01
review_date: 2027-06-01
audience: probation
---

# Curfew breaches at approved premises

## When a resident breaches their curfew

When a resident of an approved premises breaches their curfew, the duty officer records the
breach in the case record within one hour of the curfew time.

The duty officer tells the resident's probation practitioner about the curfew breach on the
same day, and the probation practitioner decides whether to start recall or breach action.
"""
PROBATION_USER = "U0PROBATION"
AUDIENCES_YAML = f"""
managers:
  roles: [manager]
  slack: [S0MANAGERS]
probation:
  slack: [{PROBATION_USER}]
"""
SAMPLE_PART = ("managers-escalation-guide.md", "data-sharing-policy.md",
               "mfa-and-password-reset.md", "health-information-sharing-agreement.docx",
               "incident-reporting.html")
PASSWORD = "a long enough password"
KEY = b"a" * 32


@pytest.fixture(scope="module")
def restricted_kb(tmp_path_factory, real_embeddings) -> KnowledgeBase:
    """Part of the sample (with its managers-only guide) and a probation-only document."""
    root = tmp_path_factory.mktemp("restricted-kb")
    (root / "kb").mkdir()
    for name in SAMPLE_PART:  # enough for all-staff answers, and quick to embed
        shutil.copy(SAMPLE / name, root / "kb" / name)
    (root / "kb" / "approved-premises-curfew.md").write_text(PROBATION_TEXT)
    settings = Settings(data_dir=root / "data")
    kb = KnowledgeBase(settings, real_embeddings)
    assert Ingestor(settings, kb).run([root / "kb"]).ok
    return kb


def cited(citations: list[dict[str, Any]]) -> set[str]:
    return {c["doc_id"] for c in citations}


def quoted(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks)


def audiences_file(tmp_path) -> Any:
    path = tmp_path / "audiences.yaml"
    path.write_text(AUDIENCES_YAML)
    return path


# -- the web chat ---------------------------------------------------------------------------

@pytest.fixture
def web(tmp_path, restricted_kb) -> Iterator[tuple[TestClient, UsageLog, Assistant]]:
    settings = Settings(data_dir=tmp_path / "data", audiences_file=audiences_file(tmp_path))
    usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", KEY)
    accounts = Accounts(usage.engine)
    accounts.add("boss@example.org", "manager", PASSWORD)
    accounts.add("trainer@example.org", "trainer", PASSWORD, audiences=["probation"])
    assistant = Assistant(settings, restricted_kb, usage=usage)
    with TestClient(build_web_app(settings, assistant, usage)) as client:
        yield client, usage, assistant
    usage.engine.dispose()


def csrf(client: TestClient, path: str = "/") -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text).group(1)


def web_ask(client: TestClient, question: str) -> dict[str, Any]:
    response = client.post("/api/ask", json={"question": question},
                           headers={"x-csrf-token": csrf(client)})
    assert response.status_code == 200, response.text
    return response.json()


def sign_in(client: TestClient, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf": csrf(client, "/login")},
                           follow_redirects=False)
    assert response.status_code == 303


def test_web_anonymous_visitor_gets_no_restricted_quotes(web):
    client, usage, _ = web
    for question in (MANAGERS_Q, PROBATION_Q):
        answer = web_ask(client, question)
        assert not cited(answer["citations"]) & {MANAGERS_DOC, PROBATION_DOC}
    with usage.engine.connect() as conn:
        logged = conn.execute(select(questions.c.audience)).scalars().all()
    assert logged == ["|all-staff|", "|all-staff|"]  # what the answers were computed for


def test_web_signed_in_reads_as_role_and_account_audiences(web):
    client, usage, assistant = web
    sign_in(client, "boss@example.org")  # a manager: 'managers' by role
    assert MANAGERS_DOC in cited(web_ask(client, MANAGERS_Q)["citations"])
    assert PROBATION_DOC not in cited(web_ask(client, PROBATION_Q)["citations"])
    client.post("/logout", data={"csrf": csrf(client)})
    sign_in(client, "trainer@example.org")  # a trainer given 'probation'
    assert PROBATION_DOC in cited(web_ask(client, PROBATION_Q)["citations"])
    assert MANAGERS_DOC not in cited(web_ask(client, MANAGERS_Q)["citations"])

    # the manager's dashboard: the probation document was cited, but not for them
    client.post("/logout", data={"csrf": csrf(client)})
    sign_in(client, "boss@example.org")
    exported = client.get("/dashboard/export.json").json()
    assert PROBATION_DOC not in {d["doc_id"] for d in exported["top_documents"]}
    assert MANAGERS_DOC in {d["doc_id"] for d in exported["top_documents"]}
    assert "duty officer" not in client.get("/dashboard/export.csv").text
    period = Period.parse("1d")
    for_manager = full_report(usage, assistant, period, {"managers"})
    shown = {d["doc_id"] for d in for_manager["top_documents"]}
    assert MANAGERS_DOC in shown and PROBATION_DOC not in shown
    csv_text = export_for(usage, assistant, period, {"managers"})
    assert "duty officer" not in csv_text and PROBATION_DOC not in csv_text
    assert "(withheld" in csv_text
    assert MANAGERS_DOC in csv_text  # their own audience's answers are there
    for_probation = full_report(usage, assistant, period, {"probation"})
    assert PROBATION_DOC in {d["doc_id"] for d in for_probation["top_documents"]}
    everything = full_report(usage, assistant, period)  # the operator's CLI report
    assert {MANAGERS_DOC, PROBATION_DOC} <= {d["doc_id"] for d in everything["top_documents"]}


def test_documents_page_is_only_for_trainers_and_managers(web):
    client, _, _ = web
    assert client.get("/documents", follow_redirects=False).status_code == 303  # sign in
    sign_in(client, "trainer@example.org")
    assert "Curfew Breaches at Approved Premises" in client.get("/documents").text


# -- Slack ----------------------------------------------------------------------------------

@pytest.fixture
def slack(tmp_path, restricted_kb) -> Iterator[Any]:
    with FakeSlack() as fake:
        fake.usergroups["S0MANAGERS"] = [MANAGER]
        usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", KEY)
        settings = slack_settings(tmp_path / "data", fake,
                                  audiences_file=audiences_file(tmp_path))
        harness = build_harness(settings, restricted_kb, fake, usage)
        yield harness
        harness.server.__exit__(None, None, None)
        usage.engine.dispose()


def dm(slack, user: str, text: str) -> dict[str, Any]:
    """Ask in the user's own DM; the bot's reply there."""
    before = len(slack.fake.of("chat.postMessage"))
    status, _ = slack.event({"type": "message", "channel_type": "im", "channel": f"D{user}",
                             "user": user, "text": text, "ts": new_ts(), "team": TEAM})
    assert status == 200
    return slack.fake.wait_for("chat.postMessage", before + 1)[before].body


def test_channel_answer_is_for_all_staff_and_the_asker_is_offered_a_private_one(slack):
    slack.mention(MANAGERS_Q, user=MANAGER)
    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert post["channel"] == CHANNEL
    assert MANAGERS_TITLE not in quoted(post["blocks"])
    offer = slack.fake.wait_for("chat.postEphemeral")[0].body
    assert offer["user"] == MANAGER and "Handling Escalated Information Requests" in offer["text"]
    value = next(e["value"] for b in offer["blocks"] if b["type"] == "actions"
                 for e in b["elements"])

    slack.action("answer_privately", value, user=MANAGER)
    private = slack.fake.wait_for("response_url")[0].body
    assert private["response_type"] == "ephemeral"
    assert MANAGERS_TITLE in quoted(private["blocks"])
    with slack.usage.engine.connect() as conn:
        logged = conn.execute(select(questions.c.channel_type, questions.c.audience)
                              .order_by(questions.c.id)).all()
    assert logged == [("channel", "|all-staff|"), ("ephemeral", "|all-staff|managers|")]


def test_channel_asker_outside_the_audience_is_offered_nothing(slack):
    slack.mention(MANAGERS_Q, user=STAFF)
    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert MANAGERS_TITLE not in quoted(post["blocks"])
    slack.fake.settle()
    assert not slack.fake.of("chat.postEphemeral")
    # the private answer, asked for by someone outside the audience, stays all-staff
    record_id = slack.usage.engine.connect().execute(select(questions.c.public_id)).scalar()
    slack.action("answer_privately", record_id, user=STAFF)
    assert MANAGERS_TITLE not in quoted(
        slack.fake.wait_for("response_url")[0].body["blocks"])


def test_dm_uses_the_askers_audiences_from_their_slack_user_group(slack):
    assert MANAGERS_TITLE in quoted(dm(slack, MANAGER, MANAGERS_Q)["blocks"])
    assert MANAGERS_TITLE not in quoted(dm(slack, STAFF, MANAGERS_Q)["blocks"])
    assert PROBATION_TITLE not in quoted(dm(slack, MANAGER, PROBATION_Q)["blocks"])
    assert len(slack.fake.of("usergroups.users.list")) == 1  # members kept for the TTL


def test_slash_command_answers_privately_from_the_askers_audiences_and_never_shares_it(slack):
    slack.command(PROBATION_Q, user=PROBATION_USER)
    reply = slack.fake.wait_for("response_url")[0].body
    assert reply["response_type"] == "ephemeral"
    assert PROBATION_TITLE in quoted(reply["blocks"])
    values = {e["action_id"]: e["value"] for b in reply["blocks"] if b["type"] == "actions"
              for e in b["elements"]}
    assert "share_answer" not in values  # it quotes a probation-only document
    # a share button forged for it is refused
    record_id = values["feedback_helpful"]
    slack.action("share_answer", record_id, user=PROBATION_USER)
    refused = slack.fake.wait_for("response_url", 2)[1].body
    assert refused["text"] == msg.NOT_SHAREABLE and refused["response_type"] == "ephemeral"

    slack.command(PROBATION_Q, user=STAFF)
    staff = slack.fake.wait_for("response_url", 3)[2].body
    assert PROBATION_TITLE not in quoted(staff["blocks"])


# -- the CLI --------------------------------------------------------------------------------

def test_cli_ask_is_all_staff_unless_given_audiences(restricted_kb):
    runner = CliRunner()
    env = {"GUIDE_DATA_DIR": str(restricted_kb.settings.data_dir), "COLUMNS": "250"}

    def ask(*args: str) -> set[str]:
        result = runner.invoke(build_cli(), ["ask", PROBATION_Q, "--json", *args], env=env,
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return cited(json.loads(result.stdout)["citations"])

    assert PROBATION_DOC not in ask()
    assert PROBATION_DOC in ask("--audience", "probation")
    assert PROBATION_DOC in ask("--audience", "managers,probation")
    assert PROBATION_DOC in ask("--audience", "managers", "--audience", "Probation")


def test_app_home_lists_only_the_documents_the_person_may_read(slack):
    for user in (STAFF, MANAGER):
        slack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME",
                     "tab": "home", "event_ts": new_ts()})
    views = slack.fake.wait_for("views.publish", 2)
    by_user = {c.body["user_id"]: json.dumps(c.body["view"]) for c in views}
    assert "Data Sharing Policy" in by_user[STAFF]
    assert MANAGERS_TITLE not in by_user[STAFF] and PROBATION_TITLE not in by_user[STAFF]
    assert MANAGERS_TITLE in by_user[MANAGER] and PROBATION_TITLE not in by_user[MANAGER]
