"""Issue 15, API fuzzing: schemathesis generates requests from /api/v1/openapi.json and sends
them, as each role, to the ASGI app in-process: no 5xx, every answer as the document says
(status, content type, body schema, headers), invalid requests refused. Not checked:
schemathesis's "valid data accepted" heuristic, since a well-formed request naming a circle
or unit that does not exist is rightly refused (400).

Bounded for CI (``LIFECIRCLE_FUZZ_EXAMPLES``, default 8 per operation and role); set it
higher for a longer run, e.g. ``LIFECIRCLE_FUZZ_EXAMPLES=200``.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from db_testing import migrated_sqlite_copy
from lifecircle.web import Settings, create_app
from web.conftest import PASSWORD, ROLES, TODAY, seed_platform

EXAMPLES = int(os.environ.get("LIFECIRCLE_FUZZ_EXAMPLES", "8"))


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, demo_checkup_dir):
    template = tmp_path_factory.getbasetemp() / "template.db"
    engine = migrated_sqlite_copy(template, tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    seed_platform(engine, demo_checkup_dir)
    app = create_app(Settings(engine=engine, secret_key="fuzz-secret", today=TODAY))
    yield app
    engine.dispose()


@pytest.fixture(scope="module")
def tokens(fuzz_app) -> dict[str, str]:
    from fastapi.testclient import TestClient

    out: dict[str, str] = {}
    with TestClient(fuzz_app) as client:
        for role in ROLES:
            r = client.post("/api/v1/auth/token", data={"username": role, "password": PASSWORD})
            assert r.status_code == 200, r.text
            out[role] = r.json()["access_token"]
    return out


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_api_as_each_role(api_schema, tokens: dict[str, str], role: str) -> None:
    """Every operation, EXAMPLES generated requests each (valid and invalid data)."""
    auth = {} if role == "anonymous" else {"Authorization": f"Bearer {tokens[role]}"}
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:
        _fuzz(operation, {} if operation.path == "/api/v1/auth/token" else auth)


def _fuzz(operation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    run()
