"""The Teams adapter's pure parts and its setup: rendering within Teams' limits, reading card
submissions and mentions, contacts per surface, settings refused before start, the app
package, the app token (password and certificate), and the web app without Teams."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import zipfile

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from starlette.testclient import TestClient

from assistant.answer import Answer, Citation
from bench.fakes.teams import APP_ID, APP_PASSWORD, TENANT, FakeMicrosoft, new_key
from channels.contacts import for_surface
from channels.teams.activity import question_text
from channels.teams.auth import AppTokens
from channels.teams.endpoint import check_teams_settings
from channels.teams.package import write_package
from channels.teams.render import (
    ABSTRACT_CHARS,
    NAME_CHARS,
    answer_activity,
    clip,
    submitted,
)
from channels.teams.retries import retry_after
from channels.web.app import build_web_app
from config.errors import GuideError
from config.settings import Settings


def cite(number: int, **kw) -> Citation:
    values = {"doc_id": "mfa", "title": "MFA and password reset", "source": "/kb/mfa.md",
              "quote": "Call the IT service desk.", "chunk_id": "c1", "content_hash": "h"}
    return Citation(number=number, **{**values, **kw})


def dumped(answer: Answer) -> dict:
    return answer_activity(answer).model_dump(by_alias=True, exclude_none=True, mode="json")


def test_citations_fit_teams_limits_and_every_quote_is_in_the_pop_up():
    long_title = "Information Sharing Agreement between the Partnership and " * 3
    long_quote = "Staff must record every disclosure in the case record on the same day. " * 6
    answer = Answer(status="answered", text="Record it [1]. Ask first [2].", citations=[
        cite(1, title=long_title, quote=long_quote, page=4, heading_path="Sharing > Records"),
        cite(1, quote="A second quote from the same document."),
        cite(2, doc_id="other", title="Short", quote="Ask first.")], record_id="r1")
    body = dumped(answer)
    claims = [c for e in body["entities"] for c in e.get("citation") or []]
    assert [c["position"] for c in claims] == [1, 2]
    for claim in claims:
        assert len(claim["appearance"]["name"]) <= NAME_CHARS
        assert len(claim["appearance"]["abstract"]) <= ABSTRACT_CHARS
    pop_up = json.loads(claims[0]["appearance"]["text"])
    shown = json.dumps(pop_up)
    assert "A second quote" in shown and "page 4" in shown and "Sharing > Records" in shown
    assert claims[0]["appearance"]["keywords"] == ["Sharing > Records", "page 4"]
    assert body["text"].count("[1]") == 1 and "[2]" in body["text"]


def test_the_ai_label_only_when_a_language_model_wrote_the_text():
    def labelled(mode: str) -> bool:
        body = dumped(Answer(status="answered", text="Yes [1].", citations=[cite(1)],
                             mode=mode, record_id="r"))
        return any("AIGeneratedContent" in (e.get("additionalType") or [])
                   for e in body["entities"])

    assert labelled("llm") and not labelled("extractive")


def test_buttons_follow_the_status_and_a_blocked_answer_has_none():
    blocked = dumped(Answer(status="blocked", text="I can't help with <that>.", record_id="r"))
    assert "attachments" not in blocked and "&lt;that&gt;" in blocked["text"]
    talk = dumped(Answer(status="talk_to_a_person", text="Ask HR.", record_id="r"))
    [card] = talk["attachments"]
    kinds = [a.get("data", {}).get("guide_action") for a in card["content"]["actions"]]
    assert kinds == ["ask_person"]
    assert dumped(Answer(status="answered", text="x", record_id=None)).get("attachments") is None


def test_card_submissions_are_read_only_when_they_are_ours():
    assert submitted({"guide_action": "unhelpful", "record": "r1", "reason": "  vague "}) \
        == ("unhelpful", "r1", "vague")
    assert submitted({"guide_action": "helpful", "record": "r1"}) == ("helpful", "r1", "")
    assert submitted({"record": "r1"}) is None and submitted("text") is None
    assert submitted({"guide_action": "helpful", "record": ""}) is None


def test_mentions_and_markup_are_stripped_from_the_question():
    assert question_text("<at>Guide</at> How do I <b>reset</b> my MFA?&nbsp;") \
        == "How do I reset my MFA?"
    assert question_text("<at>Guide Bot</at>") == ""
    assert clip("one two three four", 10) == "one two…"


def test_contacts_are_chosen_per_surface():
    contacts = {"mfa": "C0IT|teams:19:it@thread.tacv2", "hr": "teams:19:hr@thread.tacv2",
                "default": "C0HELP"}
    assert for_surface(contacts, "slack") == {"mfa": "C0IT", "default": "C0HELP"}
    assert for_surface(contacts, "teams") == {"mfa": "19:it@thread.tacv2",
                                              "hr": "19:hr@thread.tacv2"}


def test_unsafe_or_incomplete_teams_settings_are_refused(tmp_path):
    base = {"data_dir": tmp_path, "teams_app_id": APP_ID}
    with pytest.raises(GuideError, match="TEAMS_APP_PASSWORD"):
        check_teams_settings(Settings(**base))
    with pytest.raises(GuideError, match="loopback"):
        check_teams_settings(Settings(**base, teams_app_password="x", host="0.0.0.0",
                                      teams_allow_anonymous=True))
    check_teams_settings(Settings(**base, teams_app_password="x", host="127.0.0.1",
                                  teams_allow_anonymous=True))
    check_teams_settings(Settings(data_dir=tmp_path))  # no Teams at all: nothing to check


def test_teams_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "secret")
    monkeypatch.setenv("GUIDE_TEAMS_TRAINERS", "oid-1, oid-2")
    monkeypatch.setenv("GUIDE_TEAMS_OPENID_URL", "https://login.botframework.azure.us/v1/"
                       ".well-known/openidconfiguration")
    settings = Settings()
    assert settings.teams_app_id == APP_ID and settings.teams_trainers == ["oid-1", "oid-2"]
    assert settings.teams_app_password.get_secret_value() == "secret"
    assert "azure.us" in settings.teams_openid_url
    assert Settings(data_dir=tmp_path).teams_token_url.startswith(
        "https://login.microsoftonline.com/")


def test_the_app_package_has_the_app_id_and_both_icons(tmp_path):
    path = write_package(tmp_path, APP_ID, name="Guide", developer="Westbrook",
                         website="https://westbrook.example/", version="1.0.0")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("color.png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["bots"][0]["supportsFiles"] is True
    assert manifest["developer"]["privacyUrl"] == "https://westbrook.example/privacy"
    with pytest.raises(GuideError, match="GUID"):
        write_package(tmp_path, "not-an-id", name="G", developer="W",
                      website="https://w.example", version="1.0.0")


def test_retry_after_is_honoured_and_bounded():
    assert retry_after(httpx.Response(429, headers={"Retry-After": "2"}), 1) == 2.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "999"}), 1) == 10.0
    assert 0 < retry_after(httpx.Response(503), 1) < retry_after(httpx.Response(503), 4)


@pytest.mark.integration  # a loopback server
def test_app_tokens_by_password_are_fetched_once_and_cached(tmp_path):
    asyncio.run(password_tokens(tmp_path))


async def password_tokens(tmp_path) -> None:
    with FakeMicrosoft() as fake:
        tokens = AppTokens(Settings(data_dir=tmp_path, teams_app_id=APP_ID,
                                    teams_app_password=APP_PASSWORD, teams_tenant_id=TENANT,
                                    teams_token_url=fake.token_url))
        first = await tokens("https://api.botframework.com/.default", None)
        assert first in fake.issued
        assert await tokens("https://api.botframework.com/.default", None) == first
        [call] = [c for c in fake.calls if c.path == f"/{TENANT}/oauth2/v2.0/token"]
        assert call.body["client_secret"] == APP_PASSWORD
        wrong = AppTokens(Settings(data_dir=tmp_path, teams_app_id=APP_ID,
                                   teams_app_password="wrong", teams_tenant_id=TENANT,
                                   teams_token_url=fake.token_url))
        with pytest.raises(GuideError, match="refused"):
            await wrong("https://api.botframework.com/.default", None)


@pytest.mark.integration  # a loopback server
def test_app_tokens_by_certificate_sign_a_client_assertion(tmp_path):
    asyncio.run(certificate_tokens(tmp_path))


async def certificate_tokens(tmp_path) -> None:
    key = new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "guide-bot")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    pem = tmp_path / "bot.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
                    + cert.public_bytes(serialization.Encoding.PEM))
    with FakeMicrosoft() as fake:
        fake.certificate_key = key.public_key()
        tokens = AppTokens(Settings(data_dir=tmp_path, teams_app_id=APP_ID,
                                    teams_certificate=pem, teams_tenant_id=TENANT,
                                    teams_token_url=fake.token_url))
        assert await tokens("https://api.botframework.com/.default", None) in fake.issued
        [call] = [c for c in fake.calls if c.path.endswith("/token")]
        assert "client_secret" not in call.body and call.body["client_assertion"]


def test_without_teams_settings_the_web_chat_serves_and_there_is_no_teams_endpoint(kb):
    from assistant.core import Assistant
    from usage.log import UsageLog

    settings = kb.settings
    usage = UsageLog.open(f"sqlite:///{settings.data_dir / 'u.sqlite3'}", b"k" * 32)
    with TestClient(build_web_app(settings, Assistant(settings, kb, usage=usage), usage)) as c:
        assert c.get("/").status_code == 200
        assert c.post("/api/messages", json={"type": "message"}).status_code in (404, 405)


def test_reports_show_teams_beside_slack_and_the_web(tmp_path):
    from usage.log import Asked, UsageLog
    from usage.report import Period, build_report, export_csv, report_markdown

    usage = UsageLog.open(f"sqlite:///{tmp_path / 'u.sqlite3'}", b"k" * 32)
    answer = {"status": "answered", "text": "Yes [1].", "question": "Can I?",
              "citations": [], "mode": "extractive"}
    for surface, user in (("teams", f"{TENANT}:aad-1"), ("teams", f"{TENANT}:aad-2"),
                          ("slack", "T1:U1"), ("web", "visitor-1")):
        usage.record(Asked(surface, user=user, channel_type="personal"), answer)
    period = Period.parse("30d")
    report = build_report(usage.engine, period)
    assert report["per_surface"] == {"teams": 2, "slack": 1, "web": 1}
    assert "| teams | 2 |" in report_markdown(report)
    exported = export_csv(usage.engine, period)
    assert exported.count(",teams,") == 2 and "aad-1" not in exported  # pseudonymised
