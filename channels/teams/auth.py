"""Teams' two kinds of token.

Inbound: every request to ``/api/messages`` carries a Bot Framework JWT. It is checked here
before the SDK sees the activity (the SDK checks it again): RS256 with a key from the
``jwks_uri`` of ``GUIDE_TEAMS_OPENID_URL``, the issuer, audience = our app id, expiry, the
``serviceurl`` claim against the activity's ``serviceUrl``, and that the signing key is
endorsed for the activity's channel (the SDK checks neither the endorsement nor reads
``jwks_uri``). The SDK's own check is pointed at the same cached keys (``SdkTokenCheck``).

Outbound: calls to the Bot Connector (and Graph) carry an app token from the client
credentials grant at ``GUIDE_TEAMS_TOKEN_URL``, with the app password or a certificate. MSAL
would do this too, but refuses any authority that is not ``https://login...``; national
clouds and tests need the endpoint to be a setting.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt

from config.errors import GuideError
from config.settings import Settings

log = logging.getLogger(__name__)
FETCH_TIMEOUT_S = 10
KEYS_TIMEOUT_S = 3  # each read of the metadata or the keys; Teams waits 15 s for the reply
KEYS_WAIT_S = 5  # the longest a request waits for a refresh it needs (a key it has not seen)
KEYS_REFRESH_S = 24 * 3600  # Microsoft rolls keys slowly: re-read daily, in the background
REFRESH_INTERVAL_S = 30  # at most one refresh this often, whatever asks (unknown kids too)
TOKEN_MARGIN_S = 300  # renew app tokens this long before they expire
LEEWAY_S = 300  # clock skew tolerated, as Microsoft's own validators do


class Unauthorized(GuideError):
    """An inbound request whose token does not prove it came from Teams for this bot."""


Key = tuple[jwt.PyJWK, list[str]]  # a signing key and the channels it is endorsed for


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=KEYS_TIMEOUT_S) as response:
        return json.loads(response.read())


def read_keys(openid_url: str) -> dict[str, Key]:
    jwks_uri = fetch_json(openid_url)["jwks_uri"]
    keys = {}
    for data in fetch_json(jwks_uri).get("keys", []):
        if data.get("kid") and data.get("kty") == "RSA":
            keys[data["kid"]] = (jwt.PyJWK(data), list(data.get("endorsements") or []))
    if not keys:  # never swap working keys for none
        raise ValueError("the keys endpoint listed no RSA keys")
    return keys


class SigningKeys:
    """The Bot Framework's signing keys (with their endorsements), read via its metadata.

    Stale-while-revalidate: keys a day old go on validating while a refresh runs in the
    background (retried while it fails), until they are ``max_stale_s`` old. Only a token
    whose key is not cached (the first request, a rolled key) waits for a refresh, and for
    ``KEYS_WAIT_S`` at most. One refresh runs at a time, at most one per
    ``REFRESH_INTERVAL_S``, in its own thread: no lock is held while it is on the network.
    """

    def __init__(self, openid_url: str, max_stale_s: float) -> None:
        self.openid_url = openid_url
        self.max_stale_s = max_stale_s
        self._keys: dict[str, Key] = {}
        self._fetched = -math.inf  # when the keys were read
        self._tried = -math.inf  # when the last refresh started
        self._running: threading.Event | None = None  # set when the refresh in flight ends
        self._lock = threading.Lock()  # guards the fields above, and only them

    def get(self, kid: str) -> Key | None:
        with self._lock:
            found = self._usable(kid)
            if found is not None and time.monotonic() - self._fetched <= KEYS_REFRESH_S:
                return found
            done = self._refreshing()
        if found is not None or done is None:  # stale keys serve while the refresh runs
            return found
        done.wait(KEYS_WAIT_S)
        with self._lock:
            return self._usable(kid)

    def _usable(self, kid: str) -> Key | None:
        fresh_enough = time.monotonic() - self._fetched <= self.max_stale_s
        return self._keys.get(kid) if fresh_enough else None

    def _refreshing(self) -> threading.Event | None:
        """The refresh in flight, else a new one unless one started within the interval."""
        if self._running is None and time.monotonic() - self._tried >= REFRESH_INTERVAL_S:
            self._tried, self._running = time.monotonic(), threading.Event()
            threading.Thread(target=self._refresh, args=(self._running,), daemon=True,
                             name="guide-teams-keys").start()
        return self._running

    def _refresh(self, done: threading.Event) -> None:
        try:
            keys: dict[str, Key] | None = read_keys(self.openid_url)
        except Exception as exc:  # unreachable, an HTTP error, not JSON, not keys
            log.warning("could not read the Teams signing keys (cached keys stay in use): %s",
                        exc)
            keys = None
        with self._lock:
            if keys is not None:
                self._keys, self._fetched = keys, time.monotonic()
            self._running = None
        done.set()


class InboundValidator:
    def __init__(self, settings: Settings) -> None:
        self.app_id = settings.teams_app_id or ""
        self.issuer = settings.teams_token_issuer
        self.keys = SigningKeys(settings.teams_openid_url, settings.teams_keys_max_stale_s)

    def claims(self, authorization: str | None, activity: dict[str, Any]) -> dict[str, Any]:
        """The token's claims, or ``Unauthorized`` saying why not. Blocking: it may wait (a
        few seconds at most) for keys it has not seen."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Unauthorized("no bearer token")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"not a JWT: {exc}") from None
        if header.get("alg") != "RS256":
            raise Unauthorized("token is not RS256")
        found = self.keys.get(str(header.get("kid") or ""))
        if found is None:
            raise Unauthorized("token signed with an unknown key (or the keys could not be "
                               "read)")
        key, endorsements = found
        try:
            claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=self.app_id,
                                issuer=self.issuer, leeway=LEEWAY_S,
                                options={"require": ["exp", "iss", "aud"]})
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"token refused: {exc}") from None
        channel = activity.get("channelId")
        if endorsements and channel and channel not in endorsements:
            raise Unauthorized(f"signing key is not endorsed for channel {channel!r}")
        service_url = str(activity.get("serviceUrl") or "")
        if not service_url or str(claims.get("serviceurl", "")).rstrip("/") \
                != service_url.rstrip("/"):
            raise Unauthorized("serviceurl claim does not match the activity's serviceUrl")
        return claims


class SdkTokenCheck:
    """Stands in for the SDK's own inbound token check (its ``HttpServer._token_validator``),
    which reads the keys again through PyJWKClient: a blocking read on the event loop every
    five minutes (30 s timeout) that fails every message while the keys endpoint is down,
    and a rolled key refused for 30 s after any read (its refresh cooldown). This checks
    against Guide's cached keys instead; the endpoint has checked the token (with its
    endorsement) already."""

    def __init__(self, validator: InboundValidator) -> None:
        self.validator = validator

    async def validate_token(self, raw_token: str, service_url: str | None = None
                             ) -> dict[str, Any]:
        return await asyncio.to_thread(self.validator.claims, f"Bearer {raw_token}",
                                       {"serviceUrl": service_url or ""})


def certificate_assertion(pem_path: Path, app_id: str, token_url: str) -> str:
    """A client assertion signed with the app certificate's private key (x5t = thumbprint)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    pem = pem_path.read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    cert = x509.load_pem_x509_certificate(pem)
    thumb = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA1())).rstrip(b"=").decode()
    now = int(time.time())
    return jwt.encode({"aud": token_url, "iss": app_id, "sub": app_id, "jti": uuid.uuid4().hex,
                       "nbf": now, "iat": now, "exp": now + 600}, key, algorithm="RS256",
                      headers={"x5t": thumb})


class AppTokens:
    """App-only tokens by client credentials, cached per scope until shortly before expiry.
    Passed to the SDK as ``App(token=...)``: called with (scope, tenant id)."""

    def __init__(self, settings: Settings) -> None:
        if settings.teams_app_password is None and settings.teams_certificate is None:
            raise GuideError("Teams needs TEAMS_APP_PASSWORD or TEAMS_CERTIFICATE with "
                             "TEAMS_APP_ID")
        self.settings = settings
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    def token_url(self, tenant: str | None) -> str:
        tenant = self.settings.teams_tenant_id or tenant or "botframework.com"
        return self.settings.teams_token_url.replace("{tenant}", tenant)

    async def __call__(self, scope: str | list[str], tenant_id: str | None = None) -> str:
        scope = " ".join(scope) if isinstance(scope, list) else scope
        cached = self._cache.get(scope)
        if cached and cached[1] > time.time():
            return cached[0]
        async with self._lock:
            cached = self._cache.get(scope)
            if cached and cached[1] > time.time():
                return cached[0]
            token, expires_in = await self.fetch(scope, self.token_url(tenant_id))
            self._cache[scope] = (token, time.time() + max(expires_in - TOKEN_MARGIN_S, 30))
            return token

    async def fetch(self, scope: str, url: str) -> tuple[str, int]:
        s = self.settings
        form = {"grant_type": "client_credentials", "client_id": s.teams_app_id or "",
                "scope": scope}
        if s.teams_app_password is not None:
            form["client_secret"] = s.teams_app_password.get_secret_value()
        else:
            form["client_assertion_type"] = \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            form["client_assertion"] = certificate_assertion(
                s.teams_certificate, s.teams_app_id or "", url)  # type: ignore[arg-type]
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_S) as client:
            response = await client.post(url, data=form)
        if response.status_code != 200:
            raise GuideError(f"the Teams token endpoint refused Guide's credentials "
                             f"(HTTP {response.status_code}): {response.text[:200]}")
        body = response.json()
        return body["access_token"], int(body.get("expires_in") or 3600)

