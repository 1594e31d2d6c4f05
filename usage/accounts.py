"""Who may sign in to the web pages (managers, trainers), and one-time sign-in links.

Passwords are hashed with Argon2 (argon2-cffi); a sign-in link's token is stored only as its
SHA-256, used once, and expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from config.errors import AccountError
from usage.schema import login_links, web_users

ROLES = ("manager", "trainer")
LINK_LIFETIME = dt.timedelta(minutes=15)
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    email: str
    role: str
    slack_user: str | None = None


def normalise(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise AccountError(f"not an e-mail address: {email!r}")
    return email


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, email: str, role: str, password: str | None = None,
            slack_user: str | None = None) -> User:
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if password is not None and len(password) < 12:
            raise AccountError("use a password of at least 12 characters")
        if password is None and not slack_user:
            raise AccountError("give a password, or a Slack user id for sign-in links")
        user = User(normalise(email), role, slack_user)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(web_users).values(
                    email=user.email, role=role, slack_user=slack_user,
                    password_hash=_hasher.hash(password) if password else None,
                    created_at=dt.datetime.now(dt.UTC)))
        except IntegrityError as exc:
            raise AccountError(f"{user.email} already has an account") from exc
        return user

    def remove(self, email: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(login_links).where(login_links.c.email == normalise(email)))
            return conn.execute(delete(web_users).where(
                web_users.c.email == normalise(email))).rowcount > 0

    def all(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(web_users.c.email, web_users.c.role,
                                       web_users.c.slack_user).order_by(web_users.c.email))
            return [User(*row) for row in rows]

    def get(self, email: str) -> User | None:
        try:
            key = normalise(email)
        except AccountError:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(web_users.c.email, web_users.c.role, web_users.c.slack_user)
                               .where(web_users.c.email == key)).one_or_none()
        return User(*row) if row else None

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
        return User(row["email"], row["role"], row["slack_user"])

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
            expires = row["expires_at"]
            if expires.tzinfo is None:  # SQLite returns naive UTC
                expires = expires.replace(tzinfo=dt.UTC)
            if expires < now:
                return None
            used = conn.execute(update(login_links).where(
                login_links.c.token_hash == digest, login_links.c.used_at.is_(None))
                .values(used_at=now)).rowcount
        return self.get(row["email"]) if used else None


_DUMMY = _hasher.hash("not a password anyone has")
