"""Engines, sessions and migrations: SQLite file by default, PostgreSQL by ``LIFECIRCLE_DB_URL``."""

from __future__ import annotations

import json
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from lifecircle.store import audit, version  # noqa: F401  (their session events)

#: json.dumps's own parts: its C encoder (None without the accelerator), the default hook
#: (refuses what JSON cannot hold, with json's message) and the string encoder
_C_ENCODER: Callable[..., Any] | None = getattr(json.encoder, "c_make_encoder", None)
_JSON_DEFAULT = json.JSONEncoder().default
_ENCODE_STR = json.encoder.encode_basestring_ascii

DEFAULT_SQLITE = "lifecircle.db"
#: how long a SQLite writer waits for the write lock: a busy platform (100 users, writers
#: queueing) makes a request wait a few seconds, never fail (measured in benchmarks/soak.py)
BUSY_TIMEOUT_MS = 30_000
ENV_URL = "LIFECIRCLE_DB_URL"


def database_url(url_or_path: str | os.PathLike | None = None) -> str:
    """The database URL: an explicit URL or SQLite path, else ``$LIFECIRCLE_DB_URL``, else
    ``./lifecircle.db``. ``postgresql://`` URLs are routed to psycopg 3."""
    value = str(url_or_path) if url_or_path is not None else os.environ.get(ENV_URL)
    if not value:
        value = DEFAULT_SQLITE
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def json_text(value: Any) -> str:
    """``json.dumps(value)`` (the same text), for the JSON columns: the encoder is made
    without `json.dumps`'s layers, 4 µs of its 10 on an audit entry (a demo writes 30,000).
    Circular values are still refused (a fresh ``markers`` per call, as json.dumps has)."""
    if _C_ENCODER is None:  # no C accelerator (another Python): json.dumps itself
        return json.dumps(value)
    return "".join(
        _C_ENCODER({}, _JSON_DEFAULT, _ENCODE_STR, None, ": ", ", ", False, False, True)(value, 0)
    )


def make_engine(url_or_path: str | os.PathLike | None = None, **kwargs) -> Engine:
    """Create an engine; SQLite gets foreign keys, real transactions (SAVEPOINT works), WAL
    journaling and a 30 s busy timeout, so concurrent users wait for a lock instead of failing.
    JSON columns are written by `json_text` unless ``json_serializer`` is given."""
    url = database_url(url_or_path)
    kwargs.setdefault("json_serializer", json_text)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):  # pragma: no cover - trivial
            dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # WAL: readers never block a writer and a writer never blocks readers (the web
            # platform serves many users from one file); a no-op for in-memory databases.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # pragma: no cover - trivial
            # A unit of work that will write takes the write lock at its start (IMMEDIATE):
            # a deferred one that read first cannot upgrade once another writer committed,
            # and fails at once with "database is locked" instead of waiting its turn.
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(
    engine: Engine, actor: str = "system", *, write: bool = False
) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. ``actor`` goes to the audit.
    ``write=True`` on SQLite takes the write lock at the start, so concurrent writers queue
    (up to the busy timeout) instead of failing."""
    queue = _write_queue(engine) if write and engine.dialect.name == "sqlite" else None
    if queue is not None:
        queue.acquire()
    try:
        session = session_factory(engine)()
        audit.set_actor(session, actor)
        if queue is not None:
            session.connection(execution_options={"sqlite_immediate": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    finally:
        if queue is not None:
            queue.release()


_QUEUES: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_QUEUES_LOCK = threading.Lock()


def _write_queue(engine: Engine) -> threading.RLock:
    """Writers of one process take turns in this lock before SQLite's: SQLite's busy wait
    polls, so under load a waiting writer can be overtaken again and again until its busy
    timeout ends (measured in benchmarks/soak.py); here they queue. Other processes still
    meet the busy timeout."""
    with _QUEUES_LOCK:
        lock = _QUEUES.get(engine)
        if lock is None:
            lock = _QUEUES[engine] = threading.RLock()
        return lock


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "lifecircle.store:migrations")
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations shipped in the package (works from an installed wheel)."""
    from alembic import command

    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_migrated(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version") and current_revision(engine) is not None
