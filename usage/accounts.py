"""Who may sign in to the web pages (managers, trainers), and one-time sign-in links.

Passwords are hashed with Argon2 (argon2-cffi); a sign-in link's token is stored only as its
SHA-256, used once, and expires. Web sessions live here too (a cookie holds only a session
token), so removing an account, changing its role or signing out takes effect on the next
request. Password tries are counted before the password is checked, per address typed and
per client, under the usage log's keyed hash: too many lock that address (or client) for a
while, however many arrive at once.
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
from sqlalchemy import case, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from config.audiences import as_tags, from_tags
from config.errors import AccountError
from usage.pseudonym import Pseudonymiser
from usage.schema import login_links, sign_in_attempts, web_sessions, web_users

ROLES = ("manager", "trainer")
PUBLIC = (web_users.c.email, web_users.c.role, web_users.c.slack_user, web_users.c.audiences)
LINK_LIFETIME = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=8)
FAILURE_WINDOW = dt.timedelta(minutes=15)  # a try counts until this long after the last one
ACCOUNT_FAILURES = 5  # tries for one address in the window: it is locked
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
    def __init__(self, engine: Engine, pseudonymise: Pseudonymiser | None = None) -> None:
        """``pseudonymise``: the usage log's keyed hash, for the sign-in tries kept (the web
        app passes it, so replicas count together); without it, a key of this process only
        (the CLI, which signs nobody in)."""
        self.engine = engine
        self.pseudonymise = pseudonymise or Pseudonymiser(secrets.token_bytes(32))

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
            key = ""
        with self.engine.connect() as conn:
            row = conn.execute(select(web_users).where(web_users.c.email == key)
                               ).mappings().one_or_none() if key else None
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

    # -- password tries ---------------------------------------------------------------------
    def attempt(self, email: str, client: str) -> bool:
        """Count a password try, before the password is checked. False, with nothing counted,
        when the address typed has had ACCOUNT_FAILURES tries or the client CLIENT_FAILURES,
        each within FAILURE_WINDOW of the one before. Each count is one upsert that takes the
        row (a row lock in PostgreSQL, the write lock in SQLite) until the transaction ends, so
        a burst has at most the limit checked, across replicas too."""
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:  # rows nobody has tried for a window and more
            conn.execute(delete(sign_in_attempts).where(sign_in_attempts.c.key.in_(
                select(sign_in_attempts.c.key)
                .where(sign_in_attempts.c.expires_at < now - FAILURE_WINDOW)
                .with_for_update(skip_locked=True))))  # never wait on a try in progress
        with self.engine.connect() as conn:
            for key, most in zip(self._keys(email, client), (ACCOUNT_FAILURES, CLIENT_FAILURES),
                                 strict=True):  # always this order: no deadlock
                if not _count_try(conn, key, most, now):
                    conn.rollback()  # the address's try is not counted either
                    return False
            conn.commit()
        return True

    def release(self, email: str, client: str) -> None:
        """Give back a try whose password was never checked (the server was busy)."""
        with self.engine.begin() as conn:
            for key in self._keys(email, client):
                _give_back(conn, key)

    def signed_in(self, email: str, client: str | None = None) -> None:
        """A right password clears the address's tries, and gives the client its try back
        (a client's count is of failures)."""
        account, client_key = self._keys(email, client or "")
        with self.engine.begin() as conn:
            conn.execute(delete(sign_in_attempts).where(sign_in_attempts.c.key == account))
            if client is not None:
                _give_back(conn, client_key)

    def _keys(self, email: str, client: str) -> tuple[str, str]:
        """Keyed hashes (as the usage log pseudonymises): an unkeyed hash of an address is
        found again by hashing a list of addresses."""
        hashed = self.pseudonymise
        return (f"a{hashed('web sign-in', 'address', email.strip().lower())}",
                f"c{hashed('web sign-in', 'client', client)}")


def _count_try(conn: Connection, key: str, most: int, now: dt.datetime) -> bool:
    """One more try for ``key``, unless it has had ``most`` in the window: an upsert whose
    update applies only under the limit (RETURNING no row: over it)."""
    tries = sign_in_attempts.c
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    lapsed = tries.expires_at <= now  # quiet for a window: counting starts again
    upsert = dialect.insert(sign_in_attempts).values(
        key=key, tries=1, expires_at=now + FAILURE_WINDOW)
    upsert = upsert.on_conflict_do_update(
        index_elements=[tries.key],
        set_={"tries": case((lapsed, 1), else_=tries.tries + 1),
              "expires_at": now + FAILURE_WINDOW},
        where=or_(lapsed, tries.tries < most))
    return conn.execute(upsert.returning(tries.tries)).first() is not None


def _give_back(conn: Connection, key: str) -> None:
    conn.execute(update(sign_in_attempts)
                 .where(sign_in_attempts.c.key == key, sign_in_attempts.c.tries > 0)
                 .values(tries=sign_in_attempts.c.tries - 1))


_DUMMY = _hasher.hash("not a password anyone has")
