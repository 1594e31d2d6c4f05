"""Engine and migrations for the usage log: SQLite in the data dir, or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from config.errors import DatabaseUnavailable

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 4_7_1_1  # a PostgreSQL advisory lock id: replicas migrate one at a time


def shown(url: str) -> str:
    """The database's URL as it may be printed: never its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the configured database"


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """SQLAlchemy's errors, where they enter, as one ``DatabaseUnavailable`` naming the
    database (a server that is down, refuses us, or a URL that cannot work)."""
    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseUnavailable(f"the usage log's database {shown(url)} cannot be used: "
                                  f"{reason}") from exc
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUnavailable(f"GUIDE_DATABASE_URL is not a database URL Guide can use: "
                                  f"{shown(url)} ({exc})") from exc


def connect(url: str) -> Engine:
    """An engine on ``url`` with the schema migrated to the newest revision."""
    with database_errors(url):
        engine = make_engine(url)
        migrate(engine)
        return engine


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True,
                               connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record) -> None:  # readers never wait for the writer
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, hide_parameters=True, pool_pre_ping=True, pool_size=10,
                         max_overflow=10)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (from an empty database too)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
