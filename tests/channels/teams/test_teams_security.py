"""The Teams channel under the findings of a security review, for real over HTTP: signing keys
that go stale or whose endpoint fails or hangs, activities that do not say where they were
sent or from which tenant, download URLs that point anywhere, and bodies that are not
activities. The production web app on a free port, the loopback fake of Microsoft's side."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from bench.fakes.teams import FakeMicrosoft
from channels.teams import auth
from tests.channels.teams.harness import (
    CHANNEL,
    STAFF,
    TRAINER,
    TeamsHarness,
    activity,
    http_post,
    teams_harnesses,
)
from usage.schema import questions

pytestmark = pytest.mark.integration
KEY = b"s" * 32
DAY = 24 * 3600.0
QUESTION = "How do I reset my MFA?"
FILE_INFO = "application/vnd.microsoft.teams.file.download.info"


@pytest.fixture
def make_teams(tmp_path, sample_kb) -> Iterator[Callable[..., TeamsHarness]]:
    with teams_harnesses(tmp_path, sample_kb, KEY) as make:
        yield make


@pytest.fixture
def teams(make_teams) -> TeamsHarness:
    return make_teams()


class Later:
    """The clock the signing keys read, moved forward by ``advance``; nothing else's."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def later(monkeypatch) -> Later:
    clock = Later()
    monkeypatch.setattr(auth, "time", clock)
    return clock


def logged(harness: TeamsHarness) -> list[dict[str, Any]]:
    with harness.usage.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(questions).order_by(questions.c.id))
                .mappings()]


def metadata_reads(fake: FakeMicrosoft) -> int:
    return sum(c.path == "/v1/.well-known/openidconfiguration" for c in fake.calls)


def timed_post(teams: TeamsHarness, body: dict[str, Any], token: str | None = None
               ) -> tuple[int, float]:
    started = time.monotonic()
    status, _ = teams.post(body, token=token or True)
    return status, time.monotonic() - started


def citations_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for e in message.get("entities") or [] for c in e.get("citation") or []]


# -- 1. signing keys ---------------------------------------------------------------------------
def test_stale_keys_keep_validating_while_a_failing_refresh_is_retried(teams, later):
    teams.replies(teams.send(QUESTION)["conversation"]["id"])  # the keys are read
    teams.fake.keys_status = 503
    later.advance(DAY + 60)  # a day old: due for a refresh, which fails
    reads = metadata_reads(teams.fake)
    body = activity(teams.fake, QUESTION)
    assert teams.post(body)[0] == 200
    [answer] = teams.replies(body["conversation"]["id"])
    assert citations_of(answer)
    teams.fake.wait_for(lambda _: metadata_reads(teams.fake) > reads)  # tried, in the background

    teams.fake.keys_status = None  # Microsoft is back: the next try reads the keys
    later.advance(120)
    fetched = teams.fake.key_fetches()
    assert teams.send(QUESTION)
    teams.fake.wait_for(lambda _: teams.fake.key_fetches() > fetched)
    teams.fake.settle()
    fetched = teams.fake.key_fetches()
    assert teams.send(QUESTION)  # fresh again: nothing more is read
    teams.fake.settle()
    assert teams.fake.key_fetches() == fetched


def test_keys_past_their_maximum_staleness_are_not_trusted(make_teams, later):
    teams = make_teams(teams_keys_max_stale_s=2 * DAY)
    teams.replies(teams.send(QUESTION)["conversation"]["id"])
    teams.fake.keys_status = 503
    later.advance(2 * DAY + 60)
    assert teams.post(activity(teams.fake, QUESTION))[0] == 401


def test_a_hanging_keys_endpoint_holds_no_request_up(teams, later):
    teams.replies(teams.send(QUESTION)["conversation"]["id"])
    teams.fake.keys_delay_s = 60
    later.advance(DAY + 60)
    bodies = [activity(teams.fake, QUESTION) for _ in range(4)]
    with ThreadPoolExecutor(len(bodies)) as pool:
        results = list(pool.map(lambda b: timed_post(teams, b), bodies))
    assert [status for status, _ in results] == [200] * 4
    assert max(seconds for _, seconds in results) < 3  # Teams gives up at 15 s


def test_with_no_keys_yet_a_hanging_endpoint_refuses_within_seconds(teams):
    teams.fake.keys_delay_s = 60
    bodies = [activity(teams.fake, QUESTION) for _ in range(4)]
    with ThreadPoolExecutor(len(bodies)) as pool:
        results = list(pool.map(lambda b: timed_post(teams, b), bodies))
    assert [status for status, _ in results] == [401] * 4
    assert max(seconds for _, seconds in results) < 8  # waited for one refresh, not in turn
    assert metadata_reads(teams.fake) == 1


def test_unknown_kids_read_the_keys_at_most_once_an_interval(teams, later):
    teams.replies(teams.send(QUESTION)["conversation"]["id"])
    teams.fake.keys_status = 503
    later.advance(61)
    reads = metadata_reads(teams.fake)
    for _ in range(5):
        token = teams.fake.inbound_token(kid=f"unknown-{uuid.uuid4().hex[:6]}")
        assert teams.post(activity(teams.fake, QUESTION), token=token)[0] == 401
    teams.fake.settle()
    assert metadata_reads(teams.fake) == reads + 1
    assert teams.post(activity(teams.fake, QUESTION))[0] == 200  # the cached key still works


def test_a_rolled_key_is_read_when_its_first_token_arrives(teams, later):
    teams.replies(teams.send(QUESTION)["conversation"]["id"])
    teams.fake.rotate_key()
    later.advance(61)
    body = activity(teams.fake, QUESTION)
    assert teams.post(body)[0] == 200
    assert citations_of(teams.replies(body["conversation"]["id"])[0])


def test_only_guides_check_reads_the_keys_not_the_sdks_own(teams):
    """The SDK checks the token again with its own key client: a second, blocking read of the
    keys on the event loop (every five minutes), which fails every message while Microsoft's
    keys endpoint is down. It checks against Guide's cached keys instead."""
    teams.replies(teams.send(QUESTION)["conversation"]["id"])
    teams.replies(teams.send(QUESTION)["conversation"]["id"])
    assert teams.fake.key_fetches() == 1


# -- 2. where an activity was sent -------------------------------------------------------------
RESTRICTED_QUESTION = ("Can a line manager approve disclosing health information without "
                       "consent?")


@pytest.mark.parametrize(("conversation", "said", "scope"), [
    (f"{CHANNEL};messageid=1700000000001", None, "channel"),
    ("19:legacy@thread.skype", None, "channel"),
    ("19:group@thread.v2", None, "groupChat"),
    ("29:an-id-of-no-known-shape", None, "channel"),
    (f"{CHANNEL};messageid=1700000000002", "personal", "channel"),  # the id says otherwise
])
def test_where_an_activity_was_sent_is_read_from_its_conversation_id(teams, conversation,
                                                                     said, scope):
    teams.assistant.settings.audiences_path.write_text(f"managers:\n  teams: [{STAFF}]\n")
    body = activity(teams.fake, RESTRICTED_QUESTION, scope="channel", mention=True,
                    conversation=conversation)
    if said is None:
        del body["conversation"]["conversationType"]
    else:
        body["conversation"]["conversationType"] = said
    assert teams.post(body)[0] == 200
    [reply] = teams.replies(conversation)
    assert "Handling Escalated Information Requests" not in str(reply)
    [row] = logged(teams)[:1]
    assert row["channel_type"] == scope
    assert "managers-escalation-guide" not in str(row["citations"])


def test_a_personal_chat_id_without_a_conversation_type_is_a_chat(teams):
    body = activity(teams.fake, QUESTION)
    del body["conversation"]["conversationType"]
    assert teams.post(body)[0] == 200
    [answer] = teams.replies(body["conversation"]["id"])
    assert citations_of(answer)
    assert logged(teams)[0]["channel_type"] == "personal"


# -- 3. the tenant -----------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["no tenant", "two tenants"])
def test_an_activity_that_does_not_name_our_tenant_alone_is_refused(teams, case):
    body = activity(teams.fake, QUESTION)
    if case == "no tenant":
        del body["conversation"]["tenantId"], body["channelData"]["tenant"]
    else:
        body["channelData"]["tenant"]["id"] = "22222222-2222-4222-8222-222222222222"
    assert teams.post(body)[0] == 403
    teams.fake.settle(0.3)
    assert teams.fake.activities() == [] and logged(teams) == []


# -- 4. where files are downloaded from --------------------------------------------------------
def send_file(teams: TeamsHarness, url: str, name: str = "lone-working.md") -> list[str]:
    """A trainer sends a file; Guide's two replies (adding it, and how that went)."""
    chat = f"a:1on1-{TRAINER}"
    before = len(teams.fake.activities(chat))
    teams.send(user=TRAINER, conversation=chat, attachments=[{
        "contentType": FILE_INFO, "name": name,
        "content": {"downloadUrl": url, "uniqueId": "u1", "fileType": "md"}}])
    return [r["text"] for r in teams.replies(chat, before + 2, timeout=300)][before:]


LONE_WORKING = (b"---\ntitle: Lone Working Procedure\n---\n\n# Phoning in\n\nStaff visiting "
                b"people on probation alone must phone the duty desk every two hours.\n")


def test_a_download_url_off_microsofts_hosts_is_never_fetched(teams):
    url = teams.fake.file_url("lone-working.md", LONE_WORKING)  # http, on loopback
    _, outcome = send_file(teams, url)
    assert "couldn't add lone-working.md" in outcome and "https" in outcome
    assert not [c for c in teams.fake.calls if c.path.startswith("/files/")]


@pytest.mark.parametrize(("hosts", "url", "why"), [
    (["localhost"], "https://localhost:{port}/files/lone-working.md", "loopback"),
    (["10.20.30.40"], "https://10.20.30.40/files/lone-working.md", "private"),
    (["169.254.169.254"], "https://169.254.169.254/latest/meta-data/", "link-local"),
    ([".sharepoint.com"], "https://contoso.sharepoint.com.evil.example/x.md", "Microsoft"),
])
def test_a_download_is_refused_where_the_host_resolves_to_a_private_address(
        make_teams, hosts, url, why):
    teams = make_teams(teams_download_hosts=hosts)
    port = teams.fake.server.server_address[1]
    _, outcome = send_file(teams, url.format(port=port))
    assert "couldn't add lone-working.md" in outcome and why in outcome
    assert not [c for c in teams.fake.calls if c.path.startswith("/files/")]


def test_a_storage_redirect_is_followed_and_each_hop_is_checked(trusting_teams):
    trusted = trusting_teams
    fake = trusted.fake
    fake.file_url("stored.md", LONE_WORKING)
    fake.redirects["lone-working.md"] = f"{fake.url}/files/stored.md?sig=granted"
    _, outcome = send_file(trusted, f"{fake.url}/files/lone-working.md")
    assert "Added **Lone Working Procedure**" in outcome
    fake.redirects["elsewhere.md"] = "http://169.254.169.254/latest/meta-data/"
    _, outcome = send_file(trusted, f"{fake.url}/files/elsewhere.md", name="elsewhere.md")
    assert "couldn't add elsewhere.md" in outcome and "https" in outcome


# -- 5. bodies that are not activities ---------------------------------------------------------
def raw_post(teams: TeamsHarness, body: bytes, token: bool = True) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {teams.fake.inbound_token()}"
    return http_post(teams.url, body, headers)


@pytest.mark.parametrize("token", [True, False])
def test_a_body_nested_too_deeply_gets_400_with_a_reason(teams, token):
    for depth in (100_000, 100):
        body = b'{"type": "message", "value": ' + b"[" * depth + b"]" * depth + b"}"
        status, reply = raw_post(teams, body, token)
        assert status == 400 and "nested too deeply" in json.loads(reply)["error"]


@pytest.mark.parametrize("change", [
    {"id": 5}, {"conversation": "19:general@thread.tacv2"}, {"from": ["someone"]},
    {"type": "noSuchActivity"}, {"timestamp": "yesterday"}, {"entities": {"type": "x"}},
])
def test_an_activity_the_sdk_cannot_parse_gets_400_not_500(teams, change):
    body = {**activity(teams.fake, QUESTION), **change}
    status, reply = raw_post(teams, json.dumps(body).encode())
    assert status == 400, reply
    assert 0 < len(json.loads(reply)["error"]) <= 200
    teams.fake.settle(0.3)
    assert teams.fake.activities() == [] and logged(teams) == []


def test_a_body_over_the_size_limit_is_refused_unread(teams):
    """Refused on its Content-Length, before a byte of it is read."""
    host, port = teams.server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("POST", "/api/messages")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(2 << 20))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    connection.close()
