"""Shared fixtures. Database: every test that takes ``engine`` runs on SQLite and PostgreSQL.

Real checkups (the small demo, the hand-built district): tests/checkup_fixtures.py.
"""

from __future__ import annotations

import os

import pytest

from db_testing import (
    empty_tables,
    migrated_sqlite_copy,
    postgres_available,
    temporary_postgres_database,
)
from lifecircle.store import session_scope, upgrade
from lifecircle.store.db import make_engine

# the real checkups every workflow and report test runs on (built once per session)
pytest_plugins = ["checkup_fixtures"]


@pytest.fixture(scope="session")
def _pg_url():
    if not postgres_available():
        msg = "PostgreSQL server on 127.0.0.1:5432 is not reachable"
        if os.environ.get("CI"):  # CI must test both databases: never skip there
            pytest.fail(msg)
        pytest.skip(msg)
    with temporary_postgres_database() as url:
        eng = make_engine(url)
        upgrade(eng)
        eng.dispose()
        yield url


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def engine(request, tmp_path_factory, tmp_path):
    if request.param == "sqlite":
        template = tmp_path_factory.getbasetemp() / "template.db"
        eng = migrated_sqlite_copy(template, tmp_path / "test.db")
        yield eng
        eng.dispose()
    else:
        url = request.getfixturevalue("_pg_url")
        eng = make_engine(url)
        empty_tables(eng)
        yield eng
        eng.dispose()


@pytest.fixture
def session(engine):
    """A session whose changes are committed by the test (or rolled back on error)."""
    with session_scope(engine, actor="tester") as s:
        yield s
