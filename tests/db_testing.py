"""Test helpers: a throw-away migrated database on SQLite or on the local PostgreSQL server.

Kept under tests/ (not shipped in the package); tests/conftest.py imports it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from lifecircle.store.db import make_engine, upgrade
from lifecircle.store.models import Base

PG_ADMIN_URL = os.environ.get(
    "LIFECIRCLE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def postgres_available() -> bool:
    try:
        eng = make_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect():
            pass
        eng.dispose()
        return True
    except Exception:
        return False


@contextmanager
def temporary_postgres_database(prefix: str = "lifecircle_test") -> Iterator[str]:
    """Create a uniquely named database, yield its URL, drop it afterwards (only that one)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row (keeps the schema); PostgreSQL identities restart."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


def migrated_sqlite_copy(template: Path, target: Path) -> Engine:
    if not template.exists():
        eng = make_engine(template)
        upgrade(eng)
        eng.dispose()
    shutil.copyfile(template, target)
    return make_engine(target)
