"""Sign-in under a burst and under attack (external security review, findings 1 to 4): tries
are counted before the password is checked, checks are few at once and few a minute, what is
kept of a failed sign-in is keyed, and X-Forwarded-For counts only from a configured proxy.

Requests go concurrently through httpx's ASGI transport (one event loop, the real threadpool),
on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, text

import usage.accounts
from assistant.core import Assistant
from channels.web.app import build_web_app
from config.errors import GuideError
from config.settings import Settings
from usage.accounts import ACCOUNT_FAILURES, CLIENT_FAILURES, Accounts
from usage.log import UsageLog

PASSWORD = "a long enough password"
TRAINER = "trainer@example.org"
ROOMY = {"signin_per_minute": 10_000, "signin_wait_s": 60.0}  # only what a test looks at


class Checks:
    """Argon2 as the app uses it, counting the password checks (and how many run at once)."""

    def __init__(self, real: Any, delay: float = 0.0) -> None:
        self.real, self.delay = real, delay
        self.calls = self.running = self.peak = 0
        self.lock = threading.Lock()

    def verify(self, stored: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            time.sleep(self.delay)
            return self.real.verify(stored, password)
        finally:
            with self.lock:
                self.running -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def checks(monkeypatch) -> Checks:
    counting = Checks(usage.accounts._hasher)
    monkeypatch.setattr(usage.accounts, "_hasher", counting)
    return counting


@pytest.fixture
def make_app(tmp_path, kb) -> Iterator[Callable[..., tuple[Any, UsageLog]]]:
    opened: list[UsageLog] = []

    def make(url: str | None = None, key: bytes = b"t" * 32, **changes: Any
             ) -> tuple[Any, UsageLog]:
        settings = Settings(data_dir=tmp_path / "data", **{**ROOMY, **changes})
        log = UsageLog.open(url or f"sqlite:///{tmp_path / f'usage{len(opened)}.sqlite3'}", key)
        opened.append(log)
        if Accounts(log.engine).get(TRAINER) is None:
            Accounts(log.engine).add(TRAINER, "trainer", PASSWORD)
        return build_web_app(settings, Assistant(settings, kb, usage=log), log), log

    yield make
    for log in opened:
        log.engine.dispose()


def sign_ins(app: Any, forms: list[dict[str, str]], peer: str = "127.0.0.1",
             headers: list[dict[str, str]] | None = None) -> list[httpx.Response]:
    """POST /login once per form, all at once, from one browser session at ``peer``."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=(peer, 50123))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            page = await c.get("/login")
            token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
            return await asyncio.gather(*(
                c.post("/login", data={**form, "csrf": token},
                       headers=headers[n] if headers else None)
                for n, form in enumerate(forms)))

    return asyncio.run(run())


def wrong(email: str = TRAINER) -> dict[str, str]:
    return {"email": email, "password": "not the password"}


# -- finding 1: a burst of wrong passwords ---------------------------------------------------
def test_a_burst_of_wrong_passwords_has_at_most_the_limit_checked(make_app, checks,
                                                                    usage_db_url):
    app, _ = make_app(usage_db_url)
    replies = sign_ins(app, [wrong()] * 60)
    statuses = [r.status_code for r in replies]
    assert checks.calls <= ACCOUNT_FAILURES, f"{checks.calls} passwords checked"
    assert set(statuses) <= {401, 429} and statuses.count(401) == checks.calls
    assert all("Too many failed sign-ins" in r.text for r in replies if r.status_code == 429)
    [right] = sign_ins(app, [{"email": TRAINER, "password": PASSWORD}])
    assert right.status_code == 429  # the address stays locked: the right password too


# -- finding 2: memory and CPU under a flood of sign-ins ---------------------------------------
def test_password_checks_run_at_most_signin_concurrency_at_once(make_app, checks):
    checks.delay = 0.1
    app, _ = make_app(signin_concurrency=2)
    replies = sign_ins(app, [wrong(f"nobody{n}@example.org") for n in range(12)])
    assert [r.status_code for r in replies] == [401] * 12  # they waited their turn
    assert checks.calls == 12 and checks.peak <= 2


def test_a_sign_in_that_finds_no_free_check_gets_503_and_keeps_its_try(make_app, checks):
    checks.delay = 0.5
    app, _ = make_app(signin_concurrency=1, signin_wait_s=0.05)
    replies = sign_ins(app, [wrong()] * 3)
    busy = [r for r in replies if r.status_code == 503]
    assert len(busy) == 2 and checks.calls == 1
    assert "busy" in busy[0].text and busy[0].headers["retry-after"]
    checks.delay = 0
    # only the one checked counted: four more wrong passwords are checked, then it locks
    later = [sign_ins(app, [wrong()])[0].status_code for _ in range(ACCOUNT_FAILURES)]
    assert later == [401] * (ACCOUNT_FAILURES - 1) + [429]


def test_sign_ins_beyond_the_servers_rate_get_429(make_app, checks):
    app, _ = make_app(signin_per_minute=3)
    replies = [sign_ins(app, [wrong(f"who{n}@example.org")])[0] for n in range(4)]
    assert [r.status_code for r in replies] == [401, 401, 401, 429]
    assert "sign-ins to Guide" in replies[3].text and replies[3].headers["retry-after"]
    assert checks.calls == 3  # the refused one checked nothing


def test_an_unknown_address_takes_a_password_check_like_a_known_one(make_app, checks):
    app, _ = make_app()
    [known] = sign_ins(app, [wrong()])
    after_known = checks.calls
    [unknown] = sign_ins(app, [wrong("nobody@example.org")])
    assert after_known == 1 and checks.calls == 2  # Argon2 either way: same time
    assert known.status_code == unknown.status_code == 401
    assert re.sub(r'content="[^"]+"|value="[^"]+"', "", known.text) == \
        re.sub(r'content="[^"]+"|value="[^"]+"', "", unknown.text)


# -- finding 3: what a failed sign-in leaves behind ---------------------------------------------
def sign_in_rows(log: UsageLog) -> str:
    with log.engine.connect() as conn:
        return str([conn.execute(text(f"SELECT * FROM {name}")).all()
                    for name in inspect(conn).get_table_names() if "sign_in" in name])


def test_failed_sign_ins_are_kept_under_the_deployments_key(make_app):
    kept = []
    for key in (b"t" * 32, b"u" * 32):
        app, log = make_app(key=key)
        assert sign_ins(app, [wrong()], peer="192.0.2.10")[0].status_code == 401
        kept.append(sign_in_rows(log))
    for typed in (TRAINER, "192.0.2.10"):  # an unkeyed hash can be looked up
        assert hashlib.sha256(typed.encode()).hexdigest() not in kept[0] + kept[1]
    assert kept[0] != kept[1]  # another deployment's key, other keys kept


# -- finding 4: who the client is ---------------------------------------------------------------
def test_forwarded_for_counts_only_from_a_configured_proxy(make_app):
    app, _ = make_app(trusted_proxies="10.0.0.1, 192.168.0.0/24")
    via_proxy = [{"x-forwarded-for": "203.0.113.7"}] * CLIENT_FAILURES
    guesses = [wrong(f"guess{n}@example.org") for n in range(CLIENT_FAILURES)]
    assert {r.status_code for r in sign_ins(app, guesses, "10.0.0.1", via_proxy)} == {401}
    [locked] = sign_ins(app, [wrong("one@example.org")], "192.168.0.5",
                        [{"x-forwarded-for": "203.0.113.7"}])
    [other] = sign_ins(app, [wrong("one@example.org")], "10.0.0.1",
                       [{"x-forwarded-for": "203.0.113.8"}])
    assert locked.status_code == 429 and other.status_code == 401  # not the proxy's lockout

    spoofed = [{"x-forwarded-for": f"198.51.100.{n}"} for n in range(CLIENT_FAILURES + 1)]
    guesses = [wrong(f"try{n}@example.org") for n in range(CLIENT_FAILURES + 1)]
    replies = sign_ins(app, guesses, "127.0.0.1", spoofed)  # loopback is no proxy here
    assert sorted(r.status_code for r in replies) == [401] * CLIENT_FAILURES + [429]


def test_trusted_proxies_are_addresses_or_networks():
    settings = Settings(trusted_proxies="10.0.0.1, 192.168.0.0/24,::1")
    assert settings.trusted_proxies == ["10.0.0.1", "192.168.0.0/24", "::1"]
    assert Settings().trusted_proxies == []
    for bad in ("*", "proxy.example.org", "10.0.0.0/33"):
        with pytest.raises(GuideError, match="GUIDE_TRUSTED_PROXIES"):
            Settings().replace(trusted_proxies=bad)
