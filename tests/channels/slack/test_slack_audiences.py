"""A Slack user's audiences from user groups, looked up against the fake Slack Web API."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bench.fakes.slack import BOT_TOKEN, FakeSlack
from channels.slack.audiences import SlackAudiences
from config.audiences import STAFF, AudienceDirectory

pytestmark = pytest.mark.integration  # a server on loopback


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake():
    with FakeSlack() as fake:
        yield fake


def lookup(tmp_path, fake: FakeSlack, clock: Clock) -> tuple[SlackAudiences, WebClient]:
    path = tmp_path / "audiences.yaml"
    path.write_text("managers:\n  slack: [S0MANAGERS]\nprobation:\n  slack: [U0PROB]\n")
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    return SlackAudiences(AudienceDirectory(path), ttl_s=60, clock=clock), client


def test_user_group_members_are_looked_up_and_kept_for_the_ttl(tmp_path, fake):
    fake.usergroups["S0MANAGERS"] = ["U0BOSS"]
    clock = Clock()
    audiences, client = lookup(tmp_path, fake, clock)
    assert audiences.of(client, "U0BOSS") == {"all-staff", "managers"}
    assert audiences.of(client, "U0PROB") == {"all-staff", "probation"}  # by user id
    assert audiences.of(client, "U0STAFF") == STAFF
    [call] = fake.of("usergroups.users.list")
    assert call.body["usergroup"] == "S0MANAGERS"

    fake.usergroups["S0MANAGERS"] = []  # taken out of the group: it shows after the TTL
    clock.now += 59
    assert audiences.of(client, "U0BOSS") == {"all-staff", "managers"}
    clock.now += 2
    assert audiences.of(client, "U0BOSS") == STAFF
    assert len(fake.of("usergroups.users.list")) == 2


def test_a_failed_lookup_means_all_staff_and_is_tried_again(tmp_path, fake):
    fake.usergroups["S0MANAGERS"] = ["U0BOSS"]
    fake.script("usergroups.users.list", 200, {"ok": False, "error": "missing_scope"})
    audiences, client = lookup(tmp_path, fake, Clock())
    assert audiences.of(client, "U0BOSS") == STAFF
    assert audiences.of(client, "U0BOSS") == {"all-staff", "managers"}
    assert audiences.of(None, None) == STAFF  # type: ignore[arg-type]
