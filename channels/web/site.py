"""What every web page shares: the parts of Guide it uses, and how it answers a person.

Handlers are async and run on the event loop that also acks Slack's HTTP events, so anything
that blocks (the database, the index, the model, files) goes through ``blocking``: Starlette's
threadpool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from slack_sdk import WebClient
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from assistant.core import Assistant
from channels.uploads import DocumentUploads
from channels.web import messages as text
from channels.web.security import csrf_token, current_user, visitor_id
from config.audiences import STAFF, AudienceDirectory, readers
from config.settings import Settings
from usage.accounts import Accounts
from usage.log import UsageLog

TEMPLATES = Path(__file__).parent / "templates"
T = TypeVar("T")


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


@dataclass
class Site:
    settings: Settings
    assistant: Assistant
    usage: UsageLog
    accounts: Accounts
    uploads: DocumentUploads
    slack_client: WebClient | None
    templates: Jinja2Templates
    directory: AudienceDirectory | None = None  # who is in which audience

    def __post_init__(self) -> None:
        if self.directory is None:
            self.directory = AudienceDirectory(self.settings.audiences_path)

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any
             ) -> Response:
        context.update(user=current_user(request), csrf=csrf_token(request),
                       flash=request.session.pop("flash", None))
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def message(self, request: Request, heading: str, body: str, status_code: int) -> Response:
        return self.page(request, "message.html", status_code, heading=heading, text=body)

    def forbidden(self, request: Request) -> Response:
        return self.message(request, *text.NOT_FOR_YOUR_ROLE, 403)

    def bad_csrf(self, request: Request) -> Response:
        return self.message(request, *text.FORM_EXPIRED, 403)

    @staticmethod
    def flash(request: Request, body: str, kind: str = "ok") -> None:
        request.session["flash"] = {"text": body, "kind": kind}

    @staticmethod
    def actor(request: Request) -> str:
        user = current_user(request)
        return user["email"] if user else "anonymous"

    @staticmethod
    def asker(request: Request) -> str:
        """Who asks, for the usage log (pseudonymised there): the account, else the visitor."""
        user = current_user(request)
        return user["email"] if user else visitor_id(request)

    def account_audiences(self, request: Request) -> frozenset[str]:
        """What the person at this browser reads as: an anonymous visitor all staff only; an
        account its role's audiences and its own (read each time: a change applies at once)."""
        user = current_user(request)
        account = self.accounts.get(user["email"]) if user else None
        if account is None:
            return STAFF
        assert self.directory is not None
        return self.directory.for_role(account.role) | readers(account.audiences)

    async def reader(self, request: Request) -> frozenset[str]:
        return await blocking(self.account_audiences, request)

    async def audit(self, request: Request, action: str, subject: str,
                    details: dict[str, Any] | None = None) -> None:
        await blocking(self.usage.audit, self.actor(request), action, subject, details)
