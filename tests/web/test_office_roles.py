"""The role × endpoint table of the office API (schedule, evaluations, bulletins, imports):
every cell is a test, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from lifecircle.store import session_scope
from lifecircle.store.models import Circle, Evaluation, EvidenceFile
from lifecircle.workflow import evaluation

from .conftest import ROLES

WHO = (*ROLES, "anonymous")

# endpoint → expected status for admin, district, street, circle_leader, unit, assessor,
# evaluator, public (an account), anonymous (no token). "A" is the circle leader's circle in
# the street user's street; "B" a circle of another street.
TABLE: dict[str, tuple[int, ...]] = {
    "GET /schedule": (200, 200, 200, 200, 200, 200, 200, 403, 401),
    "GET /schedule/export.xlsx": (200, 200, 200, 200, 200, 200, 200, 403, 401),
    "GET /evaluations": (200, 200, 200, 200, 200, 200, 200, 403, 401),
    "POST /evaluations self-assessment of A": (201, 201, 201, 201, 403, 201, 403, 403, 401),
    "POST /evaluations self-assessment of B": (201, 201, 403, 403, 403, 201, 403, 403, 401),
    "declare A": (200, 200, 200, 200, 403, 403, 403, 403, 401),
    "declare B": (200, 200, 403, 403, 403, 403, 403, 403, 401),
    "review A": (200, 200, 403, 403, 403, 403, 403, 403, 401),
    "joint A": (200, 200, 403, 403, 403, 403, 200, 403, 401),
    "publish A": (200, 200, 403, 403, 403, 403, 403, 403, 401),
    "plaque A": (200, 200, 200, 200, 403, 403, 403, 403, 401),
    "plaque B": (200, 200, 403, 403, 403, 403, 403, 403, 401),
    "GET /bulletins": (200, 200, 200, 200, 200, 200, 200, 403, 401),
    "POST /bulletins": (201, 201, 403, 403, 403, 403, 403, 403, 401),
    "GET /bulletins/{p}/download/docx": (200, 200, 200, 200, 200, 200, 200, 403, 401),
    "POST /imports/schedule (check)": (200, 200, 403, 403, 403, 403, 403, 403, 401),
}
STAGE_BEFORE = {
    "declare": "self",
    "review": "declare",
    "joint": "review",
    "publish": "joint",
    "plaque": "publish",
}


def _fresh(seeded, circle: str, stop: str | None) -> int:
    """A new AA evaluation of ``circle`` walked up to ``stop`` (earlier test ones removed)."""
    with session_scope(seeded.engine, actor="test") as s:
        cid = s.scalar(select(Circle.id).where(Circle.code == circle))
        ids = list(s.scalars(select(Evaluation.id).where(Evaluation.circle_id == cid)))
        if ids:
            s.execute(delete(EvidenceFile).where(EvidenceFile.evaluation_id.in_(ids)))
            s.execute(delete(Evaluation).where(Evaluation.id.in_(ids)))
        if stop is None:
            return 0
        e = evaluation.self_assessment(
            s, circle, "AA", year=2024, on=date(2024, 7, 1), respondents=100, satisfaction=90
        )
        steps = ["self", "declare", "review", "joint", "publish"]
        for step in steps[1 : steps.index(stop) + 1]:
            if step == "declare":
                evaluation.declare(s, e, on=date(2024, 7, 2), override_reason="测试例外申报")
            elif step == "review":
                evaluation.district_review(s, e, on=date(2024, 7, 3), passed=True)
            elif step == "joint":
                evaluation.joint_evaluation(
                    s, e, on=date(2024, 7, 4), accepted=True, evidence=[("意见.txt", b"ok")]
                )
            elif step == "publish":
                evaluation.publish(s, e, on=date(2024, 7, 5))
        return e.id


def _call(client, seeded, tokens, endpoint: str, who: str):
    headers = {"Authorization": f"Bearer {tokens[who]}"} if who != "anonymous" else {}
    a, b = seeded.circle_a, seeded.circle_b
    if endpoint.startswith("GET /bulletins/"):
        client.post(
            "/api/v1/bulletins",
            json={"period": "2024-08"},
            headers={"Authorization": f"Bearer {tokens['district']}"},
        )
        return client.get("/api/v1/bulletins/2024-08/download/docx", headers=headers)
    if endpoint.startswith("GET "):
        return client.get("/api/v1" + endpoint.split(" ")[1], headers=headers)
    if endpoint.startswith("POST /evaluations"):
        circle = a if endpoint.endswith(" A") else b
        _fresh(seeded, circle, None)
        body = {
            "circle_id": circle,
            "grade": "AA",
            "year": 2024,
            "respondents": 120,
            "satisfaction": 88.5,
        }
        return client.post("/api/v1/evaluations", json=body, headers=headers)
    if endpoint == "POST /bulletins":
        return client.post("/api/v1/bulletins", json={"period": "2024-09"}, headers=headers)
    if endpoint.startswith("POST /imports"):
        csv = f"年度,生活圈编号,目标等级\n2025,{a},AA\n".encode()
        return client.post(
            "/api/v1/imports/schedule",
            files={"file": ("任务铺排表.csv", csv, "text/csv")},
            headers=headers,
        )
    step, where = endpoint.split(" ")
    eid = _fresh(seeded, a if where == "A" else b, STAGE_BEFORE[step])
    data = {"passed": "true", "note": "测试", "on": "2024-08-01"}
    files = {"evidence": ("验收意见.txt", "验收意见".encode(), "text/plain")}
    return client.post(
        f"/api/v1/evaluations/{eid}/steps/{step}",
        data=data,
        files=files if step == "joint" else None,
        headers=headers,
    )


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
    if expected >= 400:
        detail = r.json()["detail"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail  # said in Chinese
        return
    if endpoint.endswith(".xlsx") or "download" in endpoint:
        assert r.content[:2] == b"PK" and "filename*=UTF-8''" in r.headers["content-disposition"]
        return
    body = r.json()
    if endpoint.startswith(("declare", "review", "joint", "publish", "plaque")):
        step = endpoint.split(" ")[0]
        expected_stage = {
            "declare": "declared",
            "review": "reviewed",
            "joint": "accepted",
            "publish": "published",
            "plaque": "plaqued",
        }[step]
        assert body["stage"] == expected_stage
    if endpoint.startswith("POST /evaluations"):
        assert body["stage"] == "self_assessed" and body["next_step"] == "declare"
    if endpoint == "POST /bulletins":
        assert body["period"] == "2024-09" and body["issue"].endswith("期")
    if endpoint.startswith("POST /imports"):
        assert body["ok"] and not body["committed"] and body["counts"]["新增目标"] == 1
