"""Web fixtures: a real checkup of the small demo district, seeded into SQLite and PostgreSQL
with one account per role, and a client per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from db_testing import empty_tables, migrated_sqlite_copy
from lifecircle.checkup import CheckupResult
from lifecircle.store import session_scope
from lifecircle.store.db import make_engine
from lifecircle.store.models import Circle
from lifecircle.web import Settings, create_app
from lifecircle.workflow import accounts
from lifecircle.workflow.checkups import import_checkup
from lifecircle.workflow.geometry import import_circle_geometry
from lifecircle.workflow.places import seed_units

PASSWORD = "test-password-1"
TODAY = date(2024, 9, 30)
ROLES = ("admin", "district", "street", "circle_leader", "unit", "assessor", "evaluator", "public")
UNIT = "区教育局"
OTHER_UNIT = "区民政局"


@dataclass
class Seeded:
    engine: Engine
    circle_a: str  # in street_a; the circle leader's circle
    circle_b: str  # in another street
    street_a: str


def seed_platform(engine: Engine, checkup_dir: Path) -> Seeded:
    """Units, the checkup, circle outlines and one account per role (user name = role)."""
    doc = CheckupResult.read(checkup_dir)
    with session_scope(engine, actor="test-seed") as s:
        seed_units(s)
        import_checkup(s, doc, source="demo checkup.json")
        import_circle_geometry(s, checkup_dir / "circles.gpkg")
        circles = list(s.scalars(select(Circle).order_by(Circle.code)))
        a = circles[0]
        b = next(c for c in circles if c.street_id != a.street_id)
        street_a = a.street.name
        scope = {
            "street": {"street": street_a},
            "circle_leader": {"circles": [a.code]},
            "unit": {"unit": UNIT},
        }
        for role in ROLES:
            accounts.add_user(s, role, role=role, password=PASSWORD, **scope.get(role, {}))
        return Seeded(engine, a.code, b.code, street_a)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def seeded(request, tmp_path_factory, demo_checkup_dir) -> Seeded:
    """A seeded database per backend, shared by one test module."""
    if request.param == "sqlite":
        template = tmp_path_factory.getbasetemp() / "template.db"
        engine = migrated_sqlite_copy(template, tmp_path_factory.mktemp("webdb") / "web.db")
    else:
        engine = make_engine(request.getfixturevalue("_pg_url"))
        empty_tables(engine)
    data = seed_platform(engine, demo_checkup_dir)
    yield data
    engine.dispose()


def make_client(engine: Engine, **settings: object) -> TestClient:
    app = create_app(Settings(engine=engine, secret_key="test-secret", today=TODAY, **settings))  # type: ignore[arg-type]
    return TestClient(app)


@pytest.fixture(scope="module")
def client(seeded) -> TestClient:
    with make_client(seeded.engine) as c:
        yield c


@pytest.fixture(scope="module")
def tokens(client) -> dict[str, str]:
    """A bearer token per role."""
    out = {}
    for role in ROLES:
        r = client.post("/api/v1/auth/token", data={"username": role, "password": PASSWORD})
        assert r.status_code == 200, r.text
        out[role] = r.json()["access_token"]
    return out
