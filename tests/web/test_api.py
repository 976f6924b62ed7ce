"""The API beyond the role table: tokens, limits, optimistic locking, audit, OpenAPI, errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lifecircle.store import session_scope
from lifecircle.store.models import AuditLog, Project
from lifecircle.workflow import accounts

from .conftest import PASSWORD, UNIT, make_client


def _auth(tokens, who):
    return {"Authorization": f"Bearer {tokens[who]}"}


def _new(client, tokens, circle, **extra):
    body = {
        "name": "社区食堂新建",
        "circle_id": circle,
        "project_type": "micro_renewal",
        "lead_unit": UNIT,
        "due_date": "2025-08-31",
    } | extra
    r = client.post("/api/v1/projects", json=body, headers=_auth(tokens, "district"))
    assert r.status_code == 201, r.text
    return r.json()


def test_token_answer_and_use(client, seeded):
    r = client.post("/api/v1/auth/token", data={"username": "unit", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).json()
    assert me == {
        "username": "unit",
        "role": "unit",
        "role_zh": "责任单位",
        "street_id": None,
        "unit_id": me["unit_id"],
        "circles": [],
    }
    assert me["unit_id"] is not None


def test_bad_tokens_are_refused_in_chinese(client, tokens):
    for bad in ("nonsense", tokens["admin"][:-3] + "AAA"):
        r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401
        assert r.json()["detail"] == "令牌无效"
        assert r.headers["www-authenticate"] == "Bearer"


def test_expired_token_is_refused(client, seeded, monkeypatch):
    import itsdangerous.timed

    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: 1_000_000_000
    )
    r = client.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
    monkeypatch.undo()
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert r.status_code == 401
    assert "过期" in r.json()["detail"]


def test_login_limit_per_user_then_429_in_chinese(seeded):
    with make_client(seeded.engine) as c:  # its own limiter
        for _ in range(5):
            r = c.post(
                "/api/v1/auth/token", data={"username": "evaluator", "password": "wrong-password"}
            )
            assert r.status_code == 401
            assert r.json()["detail"] == "用户名或密码错误，或账号已停用。"
        r = c.post("/api/v1/auth/token", data={"username": "evaluator", "password": PASSWORD})
        assert r.status_code == 429
        assert "登录失败次数过多" in r.json()["detail"]
        assert int(r.headers["retry-after"]) >= 1


def test_login_limit_per_ip_across_user_names(seeded):
    with make_client(seeded.engine) as c:
        for i in range(5):
            assert (
                c.post(
                    "/api/v1/auth/token", data={"username": f"nobody{i}", "password": "x"}
                ).status_code
                == 401
            )
        assert (
            c.post(
                "/api/v1/auth/token", data={"username": "admin", "password": PASSWORD}
            ).status_code
            == 429
        )


def test_stale_version_is_409_in_chinese(client, seeded, tokens):
    p = _new(client, tokens, seeded.circle_a)
    code = p["id"]
    ok = client.patch(
        f"/api/v1/projects/{code}",
        json={"version": 1, "budget_yuan": 200000},
        headers=_auth(tokens, "district"),
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(
        f"/api/v1/projects/{code}",
        json={"version": 1, "note": "晚到的修改"},
        headers=_auth(tokens, "unit"),
    )
    assert stale.status_code == 409
    assert (
        stale.json()["detail"]
        == f"项目 {code} 已被他人修改：您编辑的是第 1 版，当前为第 2 版。请刷新后重新修改。"
    )
    after = client.get(f"/api/v1/projects/{code}", headers=_auth(tokens, "admin")).json()
    assert after["note"] is None and after["budget_yuan"] == 200000


def test_rule_breaks_are_400_and_change_nothing(client, seeded, tokens):
    code = _new(client, tokens, seeded.circle_a)["id"]
    r = client.patch(
        f"/api/v1/projects/{code}",
        json={"version": 1, "status": "completed"},
        headers=_auth(tokens, "district"),
    )
    assert r.status_code == 400
    r = client.patch(
        f"/api/v1/projects/{code}",
        json={"version": 1, "status": "延期"},
        headers=_auth(tokens, "district"),
    )
    assert r.status_code == 400  # delayed needs a reason
    r = client.patch(
        f"/api/v1/projects/{code}",
        json={"version": 1, "status": "半完工"},
        headers=_auth(tokens, "district"),
    )
    assert r.status_code == 400 and "未知项目状态" in r.json()["detail"]
    r = client.patch(
        f"/api/v1/projects/{code}", json={"version": 1}, headers=_auth(tokens, "district")
    )
    assert r.status_code == 400 and "没有要修改的内容" in r.json()["detail"]
    got = client.get(f"/api/v1/projects/{code}", headers=_auth(tokens, "district")).json()
    assert got["status"] == "planned" and got["version"] == 1


def test_delay_with_reason_and_new_date(client, seeded, tokens):
    code = _new(client, tokens, seeded.circle_a)["id"]
    r = client.patch(
        f"/api/v1/projects/{code}",
        json={
            "version": 1,
            "status": "delayed",
            "status_note": "征地未完成",
            "new_due_date": "2025-12-31",
        },
        headers=_auth(tokens, "district"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["due_date"] == "2025-12-31" and body["original_due_date"] == "2025-08-31"
    assert "征地未完成" in body["history"][-1]["note"]


def test_validation_errors_in_chinese(client, seeded, tokens):
    r = client.post(
        "/api/v1/projects",
        json={"name": "", "circle_id": seeded.circle_a},
        headers=_auth(tokens, "district"),
    )
    assert r.status_code == 422
    body = r.json()
    assert body["detail"].startswith("请求有误")
    fields = {e["field"]: e["detail"] for e in body["errors"]}
    assert fields["project_type"] == "缺少此项" and fields["due_date"] == "缺少此项"
    assert fields["name"] == "不能为空"
    r = client.patch(
        "/api/v1/projects/X",
        json={"version": 1, "budget_yuan": -5},
        headers=_auth(tokens, "district"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["detail"] == "太小"


def test_unknown_things_are_404_in_chinese(client, tokens):
    assert client.get("/api/v1/circles/NOPE").json() == {"detail": "没有编号为 NOPE 的生活圈"}
    r = client.get("/api/v1/projects/NOPE", headers=_auth(tokens, "admin"))
    assert r.status_code == 404 and r.json()["detail"] == "没有编号为 NOPE 的项目"
    assert client.get("/api/v1/nothing").status_code == 404


def test_writes_are_audited_with_the_user(client, seeded, tokens):
    code = _new(client, tokens, seeded.circle_a)["id"]
    r = client.patch(
        f"/api/v1/projects/{code}",
        json={"version": 1, "progress": 10, "status": "approved"},
        headers=_auth(tokens, "unit"),
    )
    assert r.status_code == 200 and r.json()["progress"] == 10, r.text
    with session_scope(seeded.engine) as s:
        pid = s.scalar(select(Project.id).where(Project.code == code))
        rows = list(
            s.scalars(
                select(AuditLog).where(AuditLog.table_name == "project").order_by(AuditLog.id)
            )
        )
    rows = [r for r in rows if r.row_key == str(pid)]  # the insert names its new row too
    assert (rows[0].action, rows[0].actor) == ("insert", "district")
    assert any(
        r.action == "update" and r.actor == "unit" and r.after.get("status") == "approved"
        for r in rows
    )


def test_secrets_never_reach_the_audit(seeded):
    with session_scope(seeded.engine) as s:
        rows = list(
            s.scalars(select(AuditLog).where(AuditLog.table_name.in_(("users", "app_setting"))))
        )
    assert rows
    for r in rows:
        for values in (r.before or {}, r.after or {}):
            assert values.get("password_hash") in (None, "<redacted>")
            assert "argon2" not in str(values)


def test_disabled_user_and_changed_password_lose_their_tokens(client, seeded):
    with session_scope(seeded.engine, actor="test") as s:
        accounts.add_user(s, "temp-user", role="district", password=PASSWORD)
        accounts.add_user(s, "temp-user2", role="district", password=PASSWORD)
    t1 = client.post(
        "/api/v1/auth/token", data={"username": "temp-user", "password": PASSWORD}
    ).json()["access_token"]
    t2 = client.post(
        "/api/v1/auth/token", data={"username": "temp-user2", "password": PASSWORD}
    ).json()["access_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {t1}"}).status_code == 200
    with session_scope(seeded.engine, actor="test") as s:
        accounts.set_active(s, "temp-user", False)
        accounts.set_password(s, "temp-user2", "another-password-2")
    for t in (t1, t2):
        r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {t}"})
        assert r.status_code == 401 and "令牌已失效" in r.json()["detail"]
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": "temp-user", "password": PASSWORD}
        ).status_code
        == 401
    )


def test_cookie_alone_cannot_write_through_the_api(client, seeded):
    """A signed-in browser's cookie reads the API but never writes through it (no CSRF there)."""
    page = client.get("/login")
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": "district", "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "held_grade" in client.get("/api/v1/circles").json()[0]  # read as staff
    r = client.post(
        "/api/v1/projects",
        json={
            "name": "x",
            "circle_id": seeded.circle_a,
            "project_type": "micro_renewal",
            "lead_unit": UNIT,
            "due_date": "2025-08-31",
        },
    )
    assert r.status_code == 401
    client.cookies.clear()


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert {
        "/api/v1/auth/token",
        "/api/v1/circles",
        "/api/v1/circles/{circle_id}",
        "/api/v1/projects",
        "/api/v1/projects/{project_id}",
    } <= set(paths)
    assert "patch" in paths["/api/v1/projects/{project_id}"] and "post" in paths["/api/v1/projects"]
    assert not any(
        p.startswith(("/login", "/public", "/projects")) for p in paths
    )  # pages are not API
    assert client.get("/docs").status_code == 404  # no Swagger UI from a CDN


def test_api_answers_carry_security_headers(client):
    r = client.get("/api/v1/circles")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("field", ["circle_id", "lead_unit"])
def test_unknown_circle_or_unit_is_400(client, seeded, tokens, field):
    body = {
        "name": "x",
        "circle_id": seeded.circle_a,
        "project_type": "micro_renewal",
        "lead_unit": UNIT,
        "due_date": str(date(2025, 8, 31)),
    }
    body[field] = "不存在"
    r = client.post("/api/v1/projects", json=body, headers=_auth(tokens, "district"))
    assert r.status_code == 400
