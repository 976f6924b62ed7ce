"""Web fixtures: a real checkup of the small demo district, seeded into SQLite and PostgreSQL
with one account per role, and a client per role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from lifecircle.store import session_scope
from lifecircle.store.db import make_engine
from lifecircle.store.models import Circle
from lifecircle.store.testing import empty_tables, migrated_sqlite_copy
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


@pytest.fixture(scope="session")
def demo_checkup(tmp_path_factory) -> Path:
    """The real checkup of the small demo district (49 circles), written once per session."""
    from lifecircle.checkup import run_checkup
    from lifecircle.demo import generate_demo
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue

    root = tmp_path_factory.mktemp("web-demo")
    package = generate_demo(root / "district", scale=0.05)
    ck = run_checkup(load_district(package), load_catalogue("changsha-provisional"))
    ck.write(root / "checkup")
    return root / "checkup"


@dataclass
class Seeded:
    engine: Engine
    circle_a: str  # in street_a; the circle leader's circle
    circle_b: str  # in another street
    street_a: str


def seed_platform(engine: Engine, checkup_dir: Path) -> Seeded:
    """Units, the checkup, circle outlines and one account per role (user name = role)."""
    doc = json.loads((checkup_dir / "checkup.json").read_text("utf-8"))
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
def seeded(request, tmp_path_factory, demo_checkup) -> Seeded:
    """A seeded database per backend, shared by one test module."""
    if request.param == "sqlite":
        template = tmp_path_factory.getbasetemp() / "template.db"
        engine = migrated_sqlite_copy(template, tmp_path_factory.mktemp("webdb") / "web.db")
    else:
        engine = make_engine(request.getfixturevalue("_pg_url"))
        empty_tables(engine)
    data = seed_platform(engine, demo_checkup)
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
