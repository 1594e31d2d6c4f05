"""Signing in to the web pages: by password, or by a one-time link sent in Slack.

A password sign-in is refused before anything else when the server has taken
``signin_per_minute`` this minute; its try is then counted (``Accounts.attempt``) before the
password is checked, so a burst for one address has at most the lockout's limit checked; and
only ``signin_concurrency`` checks run at once (Argon2 takes 64 MiB each), the others waiting
``signin_wait_s`` at most. An unknown address takes the same path and the same check.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from channels.web import messages as text
from channels.web.security import RateLimit, client_address, csrf_ok, session_token, sign_in
from channels.web.site import Site, blocking
from usage.accounts import User
from usage.skills import SkillsRecords

log = logging.getLogger(__name__)
BUSY = "Guide is busy checking other sign-ins. Try again in a few seconds."
TOO_MANY_SIGN_INS = ("There are too many sign-ins to Guide just now. Wait a minute and try "
                     "again, or ask for a sign-in link in Slack.")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return ""


def home_of(role: str) -> str:
    return "/dashboard" if role == "manager" else "/documents"


class SignInPages:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.per_minute = RateLimit(site.settings.signin_per_minute)
        # anyio's, not asyncio's: not tied to one event loop (tests run several)
        self.checks = anyio.Semaphore(site.settings.signin_concurrency)

    def routes(self) -> list[BaseRoute]:
        return [Route("/login", self.login_page, methods=["GET"]),
                Route("/login", self.login, methods=["POST"]),
                Route("/login/link", self.send_link, methods=["POST"]),
                Route("/login/link", self.redeem_link, methods=["GET"], name="redeem_link"),
                Route("/logout", self.logout, methods=["POST"])]

    async def start(self, request: Request, email: str, role: str) -> None:
        """A new signed-in session. A skills record the visitor made before signing in is
        carried over to the account, so it is neither orphaned nor counted twice."""
        visitor = request.session.get("visitor")
        sign_in(request, email, role, await blocking(self.site.accounts.start_session, email))
        if isinstance(visitor, str):
            records = SkillsRecords(self.site.usage.engine, self.site.usage.pseudonymise)
            await blocking(records.carry_over, records.person("web", visitor),
                           records.person("web", email))

    async def login_page(self, request: Request) -> Response:
        return self.site.page(request, "login.html",
                              next=safe_next(request.query_params.get("next")),
                              slack=self.site.slack_client is not None)

    async def login(self, request: Request) -> Response:
        site = self.site
        form = await request.form()
        if not csrf_ok(request, form):
            return site.bad_csrf(request)
        if not self.per_minute.allow():  # not audited: a flood would fill the audit table
            return self.refused(request, form, 429, TOO_MANY_SIGN_INS, retry_after=60)
        email, password = str(form.get("email", ""))[:254], str(form.get("password", ""))
        client = client_address(request)
        if not await blocking(site.accounts.attempt, email, client):
            await blocking(site.usage.audit, await self.who(email), "sign-in refused",
                           "password", {"reason": "too many failed sign-ins"})
            return self.refused(request, form, 429, text.TOO_MANY_TRIES)
        try:
            user = await self.check(email, password)
        except TimeoutError:
            await blocking(site.accounts.release, email, client)  # never checked: no try
            return self.refused(request, form, 503, BUSY, retry_after=5)
        if user is None:
            await blocking(site.usage.audit, await self.who(email), "sign-in failed",
                           "password")
            return self.refused(request, form, 401, text.WRONG_PASSWORD)
        await blocking(site.accounts.signed_in, email, client)
        await self.start(request, user.email, user.role)
        await blocking(site.usage.audit, user.email, "sign-in", "password")
        return RedirectResponse(safe_next(str(form.get("next", ""))) or home_of(user.role), 303)

    async def check(self, email: str, password: str) -> User | None:
        """The password checked once one of the ``signin_concurrency`` checks is free;
        TimeoutError when none is within ``signin_wait_s``."""
        with anyio.fail_after(self.site.settings.signin_wait_s):
            await self.checks.acquire()
        try:
            return await blocking(self.site.accounts.authenticate, email, password)
        finally:
            self.checks.release()

    async def who(self, email: str) -> str:
        """The audit's actor for a sign-in attempt: the account, never what else was typed
        (a password typed into the e-mail field must not be kept)."""
        user = await blocking(self.site.accounts.get, email)
        return user.email if user else "unknown address"

    def refused(self, request: Request, form: Any, status: int, error: str,
                retry_after: int | None = None) -> Response:
        response = self.site.page(request, "login.html", status, error=error,
                                  next=safe_next(str(form.get("next", ""))),
                                  slack=self.site.slack_client is not None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    async def send_link(self, request: Request) -> Response:
        site = self.site
        form = await request.form()
        if not csrf_ok(request, form):
            return site.bad_csrf(request)
        user = await blocking(site.accounts.get, str(form.get("email", "")))
        if user and user.slack_user and site.slack_client is not None:
            token = await blocking(site.accounts.issue_link, user.email)
            url = str(request.url_for("redeem_link").include_query_params(token=token))
            try:
                await blocking(site.slack_client.chat_postMessage, channel=user.slack_user,
                               text=text.SIGN_IN_LINK.format(url=url), unfurl_links=False)
            except Exception:
                log.exception("could not send a sign-in link in Slack")
        site.flash(request, text.LINK_SENT)  # the same answer whether or not the account exists
        return RedirectResponse("/login", 303)

    async def redeem_link(self, request: Request) -> Response:
        site = self.site
        user = await blocking(site.accounts.redeem_link, request.query_params.get("token", ""))
        if user is None:
            return site.message(request, *text.LINK_EXPIRED, 400)
        await self.start(request, user.email, user.role)
        await blocking(site.usage.audit, user.email, "sign-in", "slack link")
        return RedirectResponse(home_of(user.role), 303)

    async def logout(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request, form):
            return self.site.bad_csrf(request)
        if token := session_token(request):  # the cookie, if kept, no longer signs anyone in
            await blocking(self.site.accounts.end_session, token)
        request.session.clear()
        return RedirectResponse("/", 303)
