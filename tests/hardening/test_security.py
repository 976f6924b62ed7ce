"""Issue 15, attacks on the web platform: SQL injection, XSS in rendered fields, CSRF on every
form POST, path traversal, insecure direct object references, secure headers on every page.

Sign-in rotation (session fixation) and the brute-force limit are tested in
tests/web/test_pages.py and tests/web/test_api.py; the routes are read from the app itself,
so a form or page added later is covered without editing this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.routing import Route

from lifecircle.store import session_scope
from lifecircle.store.models import Project, User
from web.conftest import PASSWORD, TODAY, UNIT, make_client, seeded  # noqa: F401  (fixture)

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
SQLI = [
    "' OR '1'='1",
    "'; DROP TABLE project; --",
    '" OR 1=1 --',
    "1; SELECT * FROM users",
    "C01' UNION SELECT password_hash FROM users --",
    "%' OR name LIKE '%",
]


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no form token on the page"
    return m.group(1)


def _login(c: TestClient, user: str) -> None:
    page = c.get("/login")
    r = c.post(
        "/login",
        data={"username": user, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


@pytest.fixture
def browser(seeded) -> Iterator[TestClient]:  # noqa: F811
    with make_client(seeded.engine) as c:
        yield c


def _token(c: TestClient, role: str) -> dict[str, str]:
    r = c.post("/api/v1/auth/token", data={"username": role, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _new_project(c: TestClient, circle: str, **extra: object) -> str:
    body = {
        "name": "安全测试项目",
        "circle_id": circle,
        "project_type": "micro_renewal",
        "lead_unit": UNIT,
        "due_date": "2025-06-30",
        **extra,
    }
    r = c.post("/api/v1/projects", json=body, headers=_token(c, "district"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _counts(engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Project)) or 0,
            s.scalar(select(func.count()).select_from(User)) or 0,
        )


# --------------------------------------------------------------------------- SQL injection
def test_sql_injection_in_query_parameters_is_inert(browser, seeded):  # noqa: F811
    before = _state(seeded.engine)
    auth = _token(browser, "district")
    _login(browser, "district")
    for payload in SQLI:
        for name in ("circle_id", "street", "unit", "q", "status"):
            r = browser.get("/api/v1/projects", params={name: payload}, headers=auth)
            assert r.status_code in (200, 400), (name, payload, r.text)
            if r.status_code == 200:
                assert r.json() == [], (name, payload)  # matched nothing: not "1=1"
        for url in (f"/api/v1/circles/{payload}", f"/api/v1/projects/{payload}"):
            assert browser.get(url, headers=auth).status_code == 404
        assert browser.get("/projects", params={"q": payload}).status_code in (200, 400)
        assert browser.get(f"/circles/{payload}").status_code == 404
    assert _state(seeded.engine) == before


def test_sql_injection_in_bodies_is_stored_as_text(browser, seeded):  # noqa: F811
    projects, users = _counts(seeded.engine)
    for payload in SQLI:
        code = _new_project(browser, seeded.circle_a, name=payload, note=payload)
        got = browser.get(f"/api/v1/projects/{code}", headers=_token(browser, "district")).json()
        assert got["name"] == payload and got["note"] == payload
    r = browser.post(
        "/api/v1/auth/token", data={"username": "admin' --", "password": "' OR '1'='1"}
    )
    assert r.status_code == 401
    assert _counts(seeded.engine) == (projects + len(SQLI), users)


# --------------------------------------------------------------------------- XSS
def test_every_rendered_field_is_escaped(browser, seeded):  # noqa: F811
    code = _new_project(browser, seeded.circle_a, name=XSS, note=XSS)
    auth = _token(browser, "district")
    version = browser.get(f"/api/v1/projects/{code}", headers=auth).json()["version"]
    r = browser.patch(
        f"/api/v1/projects/{code}",
        json={"version": version, "status": "approved", "status_note": XSS},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    _login(browser, "admin")
    page = browser.get("/admin/users").text
    r = browser.post(
        "/admin/users",
        data={"csrf_token": _csrf(page), "username": "xss_user", "display_name": XSS,
              "role": "district", "password": "Long-enough-pw-1", "password2": "Long-enough-pw-1"},
        follow_redirects=True,
    )  # fmt: skip
    assert r.status_code in (200, 400)
    pages = [
        "/",
        "/projects",
        f"/projects?q={code}",
        f"/projects/{code}",
        f"/circles/{seeded.circle_a}",
        f"/public/circles/{seeded.circle_a}",
        "/public",
        "/admin/users",
        "/account",
        f"/projects?q={XSS}",
        f"/circles/{XSS}",
    ]
    seen_escaped = 0
    for url in pages:
        r = browser.get(url)
        assert "<script>alert" not in r.text and "<img src=x" not in r.text, url
        seen_escaped += "&lt;script&gt;alert" in r.text
    assert seen_escaped >= 3  # the project page, the list and the user list show it escaped


# --------------------------------------------------------------------------- CSRF
def _routes(routes) -> Iterator[Route]:
    """Every route, through included routers (FastAPI >= 0.16x nests them)."""
    for r in routes:
        if isinstance(r, Route):
            yield r
        elif hasattr(r, "original_router"):
            yield from _routes(r.original_router.routes)
        elif hasattr(r, "routes"):
            yield from _routes(r.routes)


def _paths(app, method: str) -> list[str]:
    return [r.path for r in _routes(app.routes) if method in (r.methods or set())]


def _form_posts(app) -> list[str]:
    return [p for p in _paths(app, "POST") if not p.startswith("/api/")]


def _state(engine) -> str:
    """The business tables (sign-ins write sessions, last sign-in times and the audit log)."""
    import hashlib
    import json

    from lifecircle.store.backup import dump

    tables = dump(engine)["tables"]
    for name in ("user_session", "audit_log", "users"):
        tables.pop(name, None)
    return hashlib.sha256(json.dumps(tables, sort_keys=True, default=str).encode()).hexdigest()


# Path parameters of the other pages: real values where one reads well, else an id that may
# not exist (the form token and the headers are checked before and whatever the answer).
OTHER_PARAMS = {"evaluation_id": "1", "evidence_id": "1", "feedback_id": "1", "file_id": "1",
                "job_id": "1", "token": "0" * 32, "period": "2024-08", "fmt": "docx",
                "role": "district", "step": "declare"}  # fmt: skip


def test_every_form_post_needs_the_form_token(browser, seeded):  # noqa: F811
    code = _new_project(browser, seeded.circle_a)
    _login(browser, "admin")
    posts = _form_posts(browser.app)
    assert {"/login", "/logout", "/projects", "/admin/users"} <= set(posts)
    values = {"code": code, "username": "street", **OTHER_PARAMS}
    before = _state(seeded.engine)
    for path in posts:
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        form = {"name": "伪造", "circle": seeded.circle_a, "to_status": "cancelled",
                "version": "1", "progress": "50", "active": "0", "new": "x" * 12,
                "new2": "x" * 12, "current": PASSWORD, "username": "admin",
                "password": PASSWORD}  # fmt: skip
        for token in (None, "0" * 64, "forged"):
            data = form if token is None else {**form, "csrf_token": token}
            r = browser.post(url, data=data, follow_redirects=False)
            assert r.status_code == 403, (path, token, r.status_code, r.text[:300])
            assert "表单已过期或来源不明" in r.text
    assert _state(seeded.engine) == before
    assert browser.get("/projects").status_code == 200  # still signed in: logout refused too


# --------------------------------------------------------------------------- traversal
@pytest.mark.parametrize(
    "url",
    [
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/static/vendor/..%2f..%2fweb%2fapp.py",
        "/static/%2e%2e/%2e%2e/app.py",
        "/static/vendor/%2e%2e%2f%2e%2e%2f__init__.py",
        "/circles/..%2f..%2fetc%2fpasswd",
        "/public/circles/..%2f..%2fetc%2fpasswd",
        "/api/v1/circles/..%2f..%2fetc%2fpasswd",
        "/projects/..%2f..%2fetc%2fpasswd",
    ],
)
def test_path_traversal_finds_nothing(browser, url):
    r = browser.get(url, follow_redirects=False)
    assert r.status_code in (303, 404), r.status_code
    assert "root:" not in r.text and "import " not in r.text and "def " not in r.text


# --------------------------------------------------------------------------- IDOR
def test_circle_leader_cannot_act_on_another_circles_project_by_id(browser, seeded):  # noqa: F811
    other = _new_project(browser, seeded.circle_b, name="他圈项目")
    mine = _new_project(browser, seeded.circle_a, name="本圈项目")
    leader = _token(browser, "circle_leader")
    got = browser.get(f"/api/v1/projects/{other}", headers=leader)
    assert got.status_code in (200, 403, 404)  # staff may read; never write
    version = browser.get(f"/api/v1/projects/{other}", headers=_token(browser, "district")).json()[
        "version"
    ]
    before = _state(seeded.engine)
    for body in ({"name": "改"}, {"progress": 90}, {"status": "cancelled", "status_note": "x"}):
        r = browser.patch(
            f"/api/v1/projects/{other}", json={"version": version, **body}, headers=leader
        )
        assert r.status_code in (403, 404), r.text
    _login(browser, "circle_leader")
    page = browser.get(f"/projects/{mine}").text
    for action in ("status", "progress"):
        r = browser.post(
            f"/projects/{other}/{action}",
            data={"csrf_token": _csrf(page), "to_status": "cancelled", "note": "x",
                  "progress": "90", "version": str(version)},
        )  # fmt: skip
        assert r.status_code in (403, 404), (action, r.status_code)
    assert _state(seeded.engine) == before
    # the public sees neither the internal fields nor a project that is not public
    public = _token(browser, "public")
    r = browser.get(f"/api/v1/projects/{other}", headers=public)
    assert r.status_code == 404 or "history" not in r.json()


# --------------------------------------------------------------------------- headers
def _check_headers(r, url: str) -> None:
    h = r.headers
    csp = h.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, url
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
    assert h.get("x-content-type-options") == "nosniff", url
    assert h.get("x-frame-options") == "DENY", url
    assert h.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin"), url


def test_secure_headers_on_every_page(browser, seeded):  # noqa: F811
    code = _new_project(browser, seeded.circle_a)
    values = {"code": code, "circle_id": seeded.circle_a, "project_id": code,
              "username": "street", **OTHER_PARAMS}  # fmt: skip
    gets = [
        re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], p) for p in _paths(browser.app, "GET")
    ]
    assert len(gets) >= 10
    gets += ["/no-such-page", "/static/app.css", "/api/v1/openapi.json"]
    for url in gets:  # as the public, then signed in
        _check_headers(browser.get(url, follow_redirects=False), url)
    _login(browser, "admin")
    for url in gets:
        r = browser.get(url, follow_redirects=False)
        _check_headers(r, url)
        if r.headers.get("content-type", "").startswith("text/html"):
            assert r.headers.get("cache-control") == "no-store", url
    assert TODAY  # the pages were rendered on the fixture's day


# --------------------------------------------------------------------------- ids past 64 bits
@pytest.mark.parametrize(
    "url",
    [
        "/evaluation/9223372036854775808",
        "/api/v1/evaluations/9223372036854775808",
        "/api/v1/mobility/circles.geojson?run=9223372036854775808",
    ],
)
def test_an_id_past_what_the_database_holds_is_refused_not_a_crash(browser, url):
    """SQLite's INTEGER is 64-bit: a larger id used to fail inside the driver (HTTP 500)."""
    _login(browser, "admin")
    headers = _token(browser, "district") if url.startswith("/api/") else {}
    r = browser.get(url, headers=headers, follow_redirects=False)
    assert r.status_code in (404, 422), (url, r.status_code, r.text[:300])
