"""The role × endpoint table of the API: every cell is a test, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from lifecircle.store import session_scope
from lifecircle.workflow import projects

from .conftest import OTHER_UNIT, ROLES, UNIT

WHO = (*ROLES, "anonymous")
_ids = itertools.count(1)

# endpoint → expected status for admin, district, street, circle_leader, unit, assessor,
# evaluator, public (an account), anonymous (no token). "A" is the circle leader's circle in
# the street user's street; "B" is a circle of another street; "edu" is the unit user's unit.
TABLE: dict[str, tuple[int, ...]] = {
    "GET /circles": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /circles/A": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /projects?circle_id=A": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /projects/{cancelled in A}": (200, 200, 200, 200, 200, 200, 200, 404, 404),
    "POST /projects in A led by edu": (201, 201, 201, 201, 201, 403, 403, 403, 401),
    "POST /projects in B led by civil": (201, 201, 403, 403, 403, 403, 403, 403, 401),
    "PATCH {in A led by civil} progress": (200, 200, 200, 200, 403, 403, 403, 403, 401),
    "PATCH {in B led by edu} name": (200, 200, 403, 403, 200, 403, 403, 403, 401),
    "PATCH {in A led by edu} status approved": (200, 200, 200, 200, 200, 403, 403, 403, 401),
    "PATCH {completed in A led by edu} status verified": (
        200,
        200,
        403,
        403,
        403,
        403,
        403,
        403,
        401,
    ),
}
# what a reader sees: staff the internal fields, the public only public ones
INTERNAL = {"admin", "district", "street", "circle_leader", "unit", "assessor", "evaluator"}


def _make_project(
    seeded, circle: str, unit: str, *, status: str = "planned", evidence: bool = False
) -> str:
    code = f"T{next(_ids):04d}-{circle}"
    with session_scope(seeded.engine, actor="test") as s:
        p = projects.create_project(
            s,
            code=code,
            name=f"测试项目{code}",
            circle=circle,
            project_type="micro_renewal",
            lead_unit=unit,
            due_date=date(2025, 8, 31),
            on=date(2024, 3, 1),
            budget_yuan=100_000,
        )
        path = {
            "cancelled": ["cancelled"],
            "completed": ["approved", "in_progress", "completed"],
        }.get(status, [])
        for i, st in enumerate(path):
            projects.transition(
                s, p, st, on=date(2024, 4, 1 + i), note="测试" if st == "cancelled" else None
            )
        if evidence:
            projects.attach_evidence(s, p, "验收.txt", "竣工验收资料".encode())
    return code


def _version(client, code: str, headers: dict[str, str]) -> int:
    r = client.get(f"/api/v1/projects/{code}", headers=headers)
    return r.json().get("version", 1)


def _call(client, seeded, tokens, endpoint: str, who: str):
    headers = {"Authorization": f"Bearer {tokens[who]}"} if who != "anonymous" else {}
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    a, b = seeded.circle_a, seeded.circle_b
    if endpoint == "GET /circles":
        return client.get("/api/v1/circles", headers=headers)
    if endpoint == "GET /circles/A":
        return client.get(f"/api/v1/circles/{a}", headers=headers)
    if endpoint == "GET /projects?circle_id=A":
        _make_project(seeded, a, UNIT)
        return client.get("/api/v1/projects", params={"circle_id": a}, headers=headers)
    if endpoint == "GET /projects/{cancelled in A}":
        return client.get(
            f"/api/v1/projects/{_make_project(seeded, a, UNIT, status='cancelled')}",
            headers=headers,
        )
    if endpoint.startswith("POST /projects"):
        circle, unit = (a, UNIT) if " in A " in endpoint else (b, OTHER_UNIT)
        body = {
            "code": f"N{next(_ids):04d}",
            "name": "新建口袋公园",
            "circle_id": circle,
            "project_type": "街区微改造",
            "lead_unit": unit,
            "due_date": "2025-09-30",
            "budget_yuan": 500000,
        }
        return client.post("/api/v1/projects", json=body, headers=headers)
    if endpoint == "PATCH {in A led by civil} progress":
        code = _make_project(seeded, a, OTHER_UNIT)
        client.patch(
            f"/api/v1/projects/{code}", json={"version": 1, "status": "approved"}, headers=admin
        )
        return client.patch(
            f"/api/v1/projects/{code}",
            json={"version": _version(client, code, admin), "progress": 40},
            headers=headers,
        )
    if endpoint == "PATCH {in B led by edu} name":
        code = _make_project(seeded, b, UNIT)
        return client.patch(
            f"/api/v1/projects/{code}", json={"version": 1, "name": "改名后的项目"}, headers=headers
        )
    if endpoint == "PATCH {in A led by edu} status approved":
        code = _make_project(seeded, a, UNIT)
        return client.patch(
            f"/api/v1/projects/{code}", json={"version": 1, "status": "已立项"}, headers=headers
        )
    if endpoint == "PATCH {completed in A led by edu} status verified":
        code = _make_project(seeded, a, UNIT, status="completed", evidence=True)
        v = _version(client, code, admin)
        return client.patch(
            f"/api/v1/projects/{code}", json={"version": v, "status": "verified"}, headers=headers
        )
    raise AssertionError(endpoint)


CELLS = [
    (endpoint, who, expected[i])
    for endpoint, expected in TABLE.items()
    for i, who in enumerate(WHO)
]


def test_table_is_complete():
    assert all(len(v) == len(WHO) for v in TABLE.values())


@pytest.mark.parametrize(
    ("endpoint", "who", "expected"), CELLS, ids=[f"{e} | {w}" for e, w, _ in CELLS]
)
def test_cell(client, seeded, tokens, endpoint, who, expected):
    r = _call(client, seeded, tokens, endpoint, who)
    assert r.status_code == expected, r.text
    body = r.json()
    if expected >= 400:
        detail = body["detail"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail  # said in Chinese
        return
    if endpoint.startswith("GET /circles"):
        item = body[0] if isinstance(body, list) else body
        assert ("held_grade" in item) == (who in INTERNAL)
        if endpoint == "GET /circles/A":
            assert item["indicators"]
            for sf in item["shortfalls"]:
                assert ("affected_compounds" in sf) == (who in INTERNAL)
    if endpoint == "GET /projects?circle_id=A":
        assert body and all(p["circle_id"] == seeded.circle_a for p in body)
        assert all(("budget_yuan" in p) == (who in INTERNAL) for p in body)
        if who not in INTERNAL:
            assert all(p["status"] != "cancelled" for p in body)
    if endpoint.startswith("PATCH") and "status" in endpoint:
        assert body["status"] == endpoint.rsplit(" ", 1)[1]
        assert body["history"][-1]["actor"] == who
    if endpoint.startswith("POST"):
        assert body["status"] == "planned" and body["version"] == 1
