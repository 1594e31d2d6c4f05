"""A loopback fake of Microsoft's side of a Teams bot, for tests and ``guide bench teams``.

One stdlib ``ThreadingHTTPServer`` on port 0 plays four services:

- the Bot Framework's OpenID metadata and signing keys (``/v1/.well-known/openidconfiguration``
  and the ``jwks_uri`` it names), with an RS256 key generated here; ``inbound_token`` signs
  the tokens Teams would send the bot; ``rotate_key`` rolls the key (a new ``kid``), and the
  keys endpoint can be made to fail (``keys_status``) or hang (``keys_delay_s``);
- the token endpoint (``/{tenant}/oauth2/v2.0/token``, client credentials), which issues
  JWTs signed by the same key;
- the Bot Connector: ``POST /v3/conversations/{id}/activities[/{reply_to}]``, ``PUT`` updates
  and ``POST /v3/conversations`` are recorded with their headers and bodies; responses can be
  scripted (429 with Retry-After, 5xx) per request;
- attachment downloads (``/files/{name}?sig=...``, like Teams' pre-authorised download URLs;
  ``redirects`` sends a name elsewhere, as storage does) and Graph's ``checkMemberGroups``
  for trainer groups.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.fakes.loopback import Loopback, QuietHandler

APP_ID = "00000000-0000-4000-8000-00000000b0a7"
APP_PASSWORD = "test-app-password"
TENANT = "11111111-1111-4111-8111-111111111111"
ISSUER = "https://api.botframework.com"
KEY_ID = "guide-fake-key"
ENDORSEMENTS = ["msteams"]


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Call:
    method: str  # GET, POST, PUT
    path: str
    headers: dict[str, str]
    body: Any = None
    activity_id: str | None = None  # the id the connector gave the message sent or updated

    @property
    def conversation(self) -> str | None:
        parts = self.path.split("/")
        return parts[3] if len(parts) > 3 and parts[1:3] == ["v3", "conversations"] else None


def streamed_part(activity: Any) -> bool:
    """A streamed update or a stream's final message (not an informative update)."""
    if not isinstance(activity, dict):
        return False
    return (activity.get("channelData") or {}).get("streamType") in ("streaming", "final")


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class FakeMicrosoft(Loopback[Call]):
    def __init__(self, app_id: str = APP_ID, password: str = APP_PASSWORD) -> None:
        self.app_id = app_id
        self.password = password
        self.key = new_key()
        self.kid = KEY_ID
        self.keys_status: int | None = None  # answer the metadata and keys with this error
        self.keys_delay_s = 0.0  # ... or only after this long (a hanging endpoint)
        self._released = threading.Event()  # set on close: hanging handlers give up
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}  # /files/{name} answers 302 to this URL
        self.groups: dict[str, list[str]] = {}  # group id -> Entra object ids
        self.issued: set[str] = set()  # access tokens the token endpoint handed out
        self.certificate_key: Any = None  # public key of an app certificate, if one is used
        self._scripts: deque[Scripted] = deque()
        # the user presses Stop once they have seen this many streamed updates: the connector
        # then refuses every further part of the stream, as Teams does
        self.stop_streams_after: int | None = None
        self._streamed = 0
        self._ids = itertools.count(1)
        fake = self

        class Handler(QuietHandler):
            def reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None,
                      raw: bytes | None = None, content_type: str = "application/json") -> None:
                data = raw if raw is not None else json.dumps(body or {}).encode()
                self.send(status, data, content_type, headers)

            def read_body(self) -> Any:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "json" in (self.headers.get("Content-Type") or ""):
                    return json.loads(raw) if raw else None
                return {k: v[-1] for k, v in parse_qs(raw.decode()).items()}

            def do_GET(self) -> None:
                fake.route(self, "GET", None)

            def do_POST(self) -> None:
                fake.route(self, "POST", self.read_body())

            def do_PUT(self) -> None:
                fake.route(self, "PUT", self.read_body())

        super().__init__(Handler)

    # -- addresses ------------------------------------------------------------------------
    @property
    def openid_url(self) -> str:
        return f"{self.url}/v1/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return self.url + "/{tenant}/oauth2/v2.0/token"

    @property
    def service_url(self) -> str:
        """Where the connector is: the ``serviceUrl`` of activities sent to the bot."""
        return self.url + "/teams/"

    def file_url(self, name: str, content: bytes) -> str:
        self.files[name] = content
        return f"{self.url}/files/{name}?sig=granted"

    def key_fetches(self) -> int:
        """How many times the signing keys were read (by anyone)."""
        with self._changed:
            return sum(c.path == "/v1/.well-known/keys" for c in self.calls)

    # -- tokens ---------------------------------------------------------------------------
    def jwk(self) -> dict[str, Any]:
        data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "alg": "RS256",
                "endorsements": ENDORSEMENTS}

    def rotate_key(self) -> None:
        """Roll the signing key, as Microsoft does now and then: a new key with a new kid."""
        self.key, self.kid = new_key(), f"{KEY_ID}-{uuid.uuid4().hex[:8]}"

    def inbound_token(self, *, audience: str | None = None, expires_in: int = 3600,
                      key: Any = None, service_url: str | None = None, issuer: str = ISSUER,
                      kid: str | None = None, **claims: Any) -> str:
        """A token as the Bot Framework signs it for a request to the bot."""
        now = int(time.time())
        payload = {"iss": issuer, "aud": audience or self.app_id, "iat": now - 5,
                   "nbf": now - 5, "exp": now + expires_in,
                   "serviceurl": service_url or self.service_url, **claims}
        return jwt.encode(payload, key or self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})

    def script(self, *statuses: int, retry_after: float | None = None) -> None:
        """The next connector requests get these statuses (then normal service resumes)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        for status in statuses:
            self._scripts.append(Scripted(status, headers))

    # -- the server -----------------------------------------------------------------------
    def authorised(self, handler: BaseHTTPRequestHandler) -> bool:
        auth = handler.headers.get("Authorization") or ""
        return auth.startswith("Bearer ") and auth[7:] in self.issued

    def route(self, handler: Any, method: str, body: Any) -> None:
        parts = urlsplit(handler.path)
        path = parts.path
        call = Call(method, path, {k.lower(): v for k, v in handler.headers.items()}, body)
        if path in ("/v1/.well-known/openidconfiguration", "/v1/.well-known/keys"):
            self.record(call)
            if self.keys_delay_s:
                self._released.wait(self.keys_delay_s)
            if self.keys_status is not None:
                return handler.reply(self.keys_status, {"error": "unavailable"})
            if path.endswith("/keys"):
                return handler.reply(200, {"keys": [self.jwk()]})
            return handler.reply(200, {"issuer": ISSUER,
                                       "jwks_uri": f"{self.url}/v1/.well-known/keys",
                                       "id_token_signing_alg_values_supported": ["RS256"]})
        if path.endswith("/oauth2/v2.0/token") and method == "POST":
            self.record(call)
            return self.token(handler, body or {})
        if path.startswith("/files/"):
            name = path.removeprefix("/files/")
            self.record(call)
            if name in self.redirects:
                return handler.reply(302, headers={"Location": self.redirects[name]})
            if parse_qs(parts.query).get("sig") != ["granted"] or name not in self.files:
                return handler.reply(403, {"error": "forbidden"})
            return handler.reply(200, raw=self.files[name],
                                 content_type="application/octet-stream")
        if path.startswith("/v1.0/users/") and path.endswith("/checkMemberGroups"):
            self.record(call)
            if not self.authorised(handler):
                return handler.reply(401, {"error": "no token"})
            user = path.split("/")[3]
            wanted = (body or {}).get("groupIds") or []
            return handler.reply(200, {"value": [g for g in wanted
                                                 if user in self.groups.get(g, [])]})
        if path.startswith("/teams/v3/conversations"):
            call.path = path.removeprefix("/teams")
            if not self.authorised(handler):
                self.record(call)
                return handler.reply(401, {"error": {"code": "Unauthorized"}})
            if self.stop_streams_after is not None and streamed_part(body):
                self._streamed += 1
                if self._streamed > self.stop_streams_after:
                    self.record(call)
                    return handler.reply(403, {"error": {
                        "code": "ContentStreamNotAllowed",
                        "message": "Content stream was cancelled by user."}})
            if self._scripts:
                self.record(call)
                scripted = self._scripts.popleft()
                return handler.reply(scripted.status, {"error": {"code": "Throttled"}},
                                     scripted.headers)
            if call.path == "/v3/conversations":
                self.record(call)
                members = (body or {}).get("members") or [{}]
                return handler.reply(201, {"id": f"a:1on1-{members[0].get('id', 'x')}"})
            call.activity_id = path.rsplit("/", 1)[-1] if method == "PUT" \
                else str(next(self._ids))
            self.record(call)
            return handler.reply(201 if method == "POST" else 200, {"id": call.activity_id})
        handler.reply(404, {"error": "not found"})

    def token(self, handler: Any, form: dict[str, str]) -> None:
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != self.app_id:
            return handler.reply(400, {"error": "invalid_request"})
        if form.get("client_secret") != self.password and not self.valid_assertion(form):
            return handler.reply(401, {"error": "invalid_client"})
        now = int(time.time())
        scope = form.get("scope", "")
        token = jwt.encode({"iss": "https://sts.fake/", "aud": scope.removesuffix("/.default"),
                            "appid": self.app_id, "iat": now, "nbf": now, "exp": now + 3600,
                            "jti": uuid.uuid4().hex}, self.key, algorithm="RS256",
                           headers={"kid": KEY_ID})
        self.issued.add(token)
        handler.reply(200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
                            "access_token": token})

    def valid_assertion(self, form: dict[str, str]) -> bool:
        if self.certificate_key is None or "client_assertion" not in form:
            return False
        try:
            jwt.decode(form["client_assertion"], self.certificate_key, algorithms=["RS256"],
                       audience=f"{self.url}/{TENANT}/oauth2/v2.0/token")
        except jwt.InvalidTokenError:
            return False
        return True

    def __exit__(self, *exc: object) -> None:
        self._released.set()  # a hanging keys request ends now
        super().__exit__(*exc)

    # -- what tests look at -----------------------------------------------------------------
    def activities(self, conversation: str | None = None) -> list[Call]:
        """Messages the bot sent (created or updated), oldest first; not typing updates."""
        with self._changed:
            return [c for c in self.calls if c.conversation and "/activities" in c.path
                    and isinstance(c.body, dict) and c.body.get("type") == "message"
                    and (conversation is None or c.conversation == conversation)]

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> list[Call]:
        """Wait until ``predicate(calls)`` is true; returns the calls then."""
        return self.wait_until(predicate, timeout,
                               lambda: f"timed out; calls were: {[c.path for c in self.calls]}")
