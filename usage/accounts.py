"""Who may sign in to the web pages (managers, trainers), and one-time sign-in links.

Passwords are hashed with Argon2 (argon2-cffi); a sign-in link's token is stored only as its
SHA-256, used once, and expires. Web sessions live here too (a cookie holds only a session
token), so removing an account, changing its role or signing out takes effect on the next
request. Repeated failed sign-ins lock the account, and slow the client, for a while.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from config.audiences import as_tags, from_tags
from config.errors import AccountError
from usage.schema import login_links, sign_in_failures, web_sessions, web_users

ROLES = ("manager", "trainer")
PUBLIC = (web_users.c.email, web_users.c.role, web_users.c.slack_user, web_users.c.audiences)
LINK_LIFETIME = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=8)
FAILURE_WINDOW = dt.timedelta(minutes=15)
ACCOUNT_FAILURES = 5  # wrong passwords for one address in the window: it is locked
CLIENT_FAILURES = 20  # from one client address (guessing across many accounts)
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    email: str
    role: str
    slack_user: str | None = None
    audiences: tuple[str, ...] = ()  # given to this account, beyond all-staff and its role


def user_of(row: Any) -> User:
    return User(row["email"], row["role"], row["slack_user"],
                tuple(from_tags(row["audiences"])))


def normalise(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise AccountError(f"not an e-mail address: {email!r}")
    return email


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite: naive UTC


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, email: str, role: str, password: str | None = None,
            slack_user: str | None = None, audiences: Iterable[str] = ()) -> User:
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if password is not None and len(password) < 12:
            raise AccountError("use a password of at least 12 characters")
        if password is None and not slack_user:
            raise AccountError("give a password, or a Slack user id for sign-in links")
        user = User(normalise(email), role, slack_user, tuple(sorted(set(audiences))))
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(web_users).values(
                    email=user.email, role=role, slack_user=slack_user,
                    audiences=as_tags(user.audiences),
                    password_hash=_hasher.hash(password) if password else None,
                    created_at=dt.datetime.now(dt.UTC)))
        except IntegrityError as exc:
            raise AccountError(f"{user.email} already has an account") from exc
        return user

    def remove(self, email: str) -> bool:
        """Remove an account, its sign-in links and its sessions (signed out at once)."""
        with self.engine.begin() as conn:
            conn.execute(delete(login_links).where(login_links.c.email == normalise(email)))
            conn.execute(delete(web_sessions).where(web_sessions.c.email == normalise(email)))
            return conn.execute(delete(web_users).where(
                web_users.c.email == normalise(email))).rowcount > 0

    def set_role(self, email: str, role: str) -> bool:
        """Change an account's role; its open sessions have the new role on their next page."""
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        with self.engine.begin() as conn:
            return conn.execute(update(web_users).where(web_users.c.email == normalise(email))
                                .values(role=role)).rowcount > 0
    def set_audiences(self, email: str, audiences: Iterable[str]) -> bool:
        """Replace what an account reads beyond all-staff and its role; False: no account."""
        with self.engine.begin() as conn:
            return conn.execute(update(web_users).where(web_users.c.email == normalise(email))
                                .values(audiences=as_tags(audiences))).rowcount > 0

    def all(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(*PUBLIC).order_by(web_users.c.email)).mappings()
            return [user_of(row) for row in rows]

    def get(self, email: str) -> User | None:
        try:
            key = normalise(email)
        except AccountError:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(*PUBLIC).where(web_users.c.email == key)
                               ).mappings().one_or_none()
        return user_of(row) if row else None

    def authenticate(self, email: str, password: str) -> User | None:
        """The user, if the password is theirs; None otherwise (same time either way)."""
        try:
            key = normalise(email)
        except AccountError:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(web_users).where(web_users.c.email == key)
                               ).mappings().one_or_none()
        stored = row["password_hash"] if row else None
        try:
            _hasher.verify(stored or _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or stored is None:
            return None
        if _hasher.check_needs_rehash(stored):
            with self.engine.begin() as conn:
                conn.execute(update(web_users).where(web_users.c.email == key)
                             .values(password_hash=_hasher.hash(password)))
        return user_of(row)

    def issue_link(self, email: str) -> str:
        """A one-time sign-in token for a user (send it to them; it is not kept)."""
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(insert(login_links).values(
                token_hash=hashlib.sha256(token.encode()).hexdigest(), email=normalise(email),
                expires_at=dt.datetime.now(dt.UTC) + LINK_LIFETIME))
        return token

    def redeem_link(self, token: str) -> User | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            row = conn.execute(select(login_links).where(login_links.c.token_hash == digest)
                               ).mappings().one_or_none()
            if row is None or row["used_at"] is not None:
                return None
            if aware(row["expires_at"]) < now:
                return None
            used = conn.execute(update(login_links).where(
                login_links.c.token_hash == digest, login_links.c.used_at.is_(None))
                .values(used_at=now)).rowcount
        return self.get(row["email"]) if used else None


    # -- sessions ---------------------------------------------------------------------------
    def start_session(self, email: str) -> str:
        """A new session for a signed-in user: the token goes in their cookie only."""
        token = secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
            conn.execute(insert(web_sessions).values(
                token_hash=digest(token), email=normalise(email), created_at=now,
                expires_at=now + SESSION_LIFETIME))
        return token

    def session_user(self, token: str) -> User | None:
        """The account behind a session as it is now; None if the session was ended, has
        expired, or its account is gone."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(web_users.c.email, web_users.c.role, web_users.c.slack_user,
                       web_sessions.c.expires_at)
                .join(web_sessions, web_sessions.c.email == web_users.c.email)
                .where(web_sessions.c.token_hash == digest(token))).one_or_none()
        if row is None or aware(row.expires_at) < dt.datetime.now(dt.UTC):
            return None
        return User(row.email, row.role, row.slack_user)

    def end_session(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == digest(token)))

    # -- failed sign-ins ----------------------------------------------------------------------
    def locked(self, email: str, client: str) -> bool:
        """Too many failed sign-ins lately, for this address or from this client."""
        since = dt.datetime.now(dt.UTC) - FAILURE_WINDOW
        failures = sign_in_failures.c
        with self.engine.connect() as conn:
            for column, key, most in ((failures.account_key, digest(email.strip().lower()),
                                       ACCOUNT_FAILURES),
                                      (failures.client_key, digest(client), CLIENT_FAILURES)):
                count = conn.execute(select(func.count()).where(
                    column == key, failures.created_at >= since)).scalar_one()
                if count >= most:
                    return True
        return False

    def failed_sign_in(self, email: str, client: str) -> None:
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(sign_in_failures).where(
                sign_in_failures.c.created_at < now - FAILURE_WINDOW))
            conn.execute(insert(sign_in_failures).values(
                account_key=digest(email.strip().lower()), client_key=digest(client),
                created_at=now))

    def signed_in(self, email: str) -> None:
        """A right password clears the address's failures (not the client's)."""
        with self.engine.begin() as conn:
            conn.execute(delete(sign_in_failures).where(
                sign_in_failures.c.account_key == digest(email.strip().lower())))


_DUMMY = _hasher.hash("not a password anyone has")
