"""The pages: sign-in (CSRF, rotation, limits, sign-out), 一张图, circle, projects, public pages."""

from __future__ import annotations

import re

import pytest

from lifecircle.web.security import SESSION_COOKIE

from .conftest import PASSWORD, make_client

NOTICE = "示例数据：几何为生成数据"


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no form token on the page"
    return m.group(1)


def _login(c, user: str, password: str = PASSWORD, next_: str = "/"):
    page = c.get("/login")
    return c.post(
        "/login",
        data={
            "username": user,
            "password": password,
            "csrf_token": _csrf(page.text),
            "next": next_,
        },
        follow_redirects=False,
    )


@pytest.fixture
def browser(seeded):
    """A fresh client (own cookies, own login limiter) per test."""
    with make_client(seeded.engine) as c:
        yield c


def test_cookie_flags_and_headers(browser):
    r = browser.get("/login")
    cookie = r.headers["set-cookie"]
    assert (
        cookie.startswith(f"{SESSION_COOKIE}=")
        and "HttpOnly" in cookie
        and "SameSite=lax" in cookie
    )
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self';" in csp
        and "unsafe-inline" not in csp
        and "frame-ancestors 'none'" in csp
    )
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


def test_login_needs_the_form_token(browser):
    browser.get("/login")
    r = browser.post(
        "/login", data={"username": "district", "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 403 and "表单已过期或来源不明" in r.text
    r = browser.post(
        "/login",
        data={"username": "district", "password": PASSWORD, "csrf_token": "0" * 64},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_login_rotates_the_session_and_logout_ends_it(browser, seeded):
    browser.get("/login")
    planted = browser.cookies.get(SESSION_COOKIE)
    r = _login(browser, "district")
    assert r.status_code == 303 and r.headers["location"] == "/"
    session = browser.cookies.get(SESSION_COOKIE)
    assert session and session != planted
    page = browser.get("/")
    assert page.status_code == 200 and "全域一张图" in page.text and "district（区级" in page.text
    # the value known before sign-in (a fixation attempt) is worth nothing
    with make_client(seeded.engine) as other:
        other.cookies.set(SESSION_COOKIE, planted)
        assert other.get("/", follow_redirects=False).headers["location"] == "/public"
    r = browser.post("/logout", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    with make_client(seeded.engine) as thief:  # the signed-out cookie no longer opens anything
        thief.cookies.set(SESSION_COOKIE, session)
        assert thief.get("/projects", follow_redirects=False).status_code == 303


def test_wrong_password_then_limit(browser):
    for _ in range(5):
        r = _login(browser, "street", "wrong-password")
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = _login(browser, "street")
    assert r.status_code == 429 and "登录失败次数过多" in r.text and "retry-after" in r.headers


def test_next_is_followed_only_inside_the_site(browser):
    assert _login(browser, "district", next_="https://evil.example/").headers["location"] == "/"
    browser.cookies.clear()
    assert _login(browser, "district", next_="/projects").headers["location"] == "/projects"


def test_staff_pages_send_the_public_to_sign_in(browser, seeded):
    assert browser.get("/", follow_redirects=False).headers["location"] == "/public"
    r = browser.get("/projects", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/projects"
    r = browser.get(f"/circles/{seeded.circle_a}", follow_redirects=False)
    assert r.headers["location"] == f"/public/circles/{seeded.circle_a}"


def test_public_account_is_not_staff(browser):
    assert _login(browser, "public").status_code == 303
    assert browser.get("/projects").status_code == 403


def test_map_page(browser, seeded):
    _login(browser, "district")
    page = browser.get("/").text
    assert NOTICE in page
    assert page.count('href="/circles/C') >= 49
    geo = re.search(
        r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S
    ).group(1)
    import json

    features = json.loads(geo)["features"]
    assert len(features) == 49 and {f["properties"]["grade"] for f in features} <= {
        "AAA",
        "AA",
        "NONE",
    }
    street_page = browser.get("/", params={"street": seeded.street_a}).text
    assert f"全域一张图 · {seeded.street_a}" in street_page
    assert street_page.count('href="/circles/C') < page.count('href="/circles/C')


def test_circle_page(browser, seeded):
    _login(browser, "assessor")
    page = browser.get(f"/circles/{seeded.circle_a}").text
    for text in ("指标达标情况", "短板与受影响居民", "本生活圈项目", NOTICE, "差距"):
        assert text in page
    assert browser.get("/circles/NOPE").status_code == 404


def test_create_and_advance_a_project_by_form(browser, seeded):
    _login(browser, "circle_leader")
    page = browser.get("/projects", params={"circle": seeded.circle_a}).text
    options = re.findall(
        r'<option value="(C\d+)"', page.split('id="n-circle"')[1].split("</select>")[0]
    )
    assert options == [seeded.circle_a]  # a circle leader creates only in their circles
    r = browser.post(
        "/projects",
        data={
            "csrf_token": _csrf(page),
            "code": "",
            "name": "口袋公园建设",
            "circle": seeded.circle_a,
            "project_type": "micro_renewal",
            "lead_unit": "区园林绿化维护中心",
            "due_date": "2025-06-30",
            "budget_yuan": "300000",
            "funding_source": "city_subsidy",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    page = browser.get(url).text
    assert "已新建项目" in page and "口袋公园建设" in page and "计划" in page
    for to in ("approved", "in_progress"):
        r = browser.post(
            f"{url}/status",
            data={
                "csrf_token": _csrf(page),
                "to_status": to,
                "version": re.search(r'name="version" value="(\d+)"', page).group(1),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        page = browser.get(url).text
        assert "已改为" in page
    assert (
        page.count("<tr><td>2024-09-30</td>") == 3
    )  # created, approved, in progress: three history rows
    # a stale form (version 1) is refused with a Chinese message
    r = browser.post(
        f"{url}/status",
        data={"csrf_token": _csrf(page), "to_status": "delayed", "note": "雨季", "version": "1"},
        follow_redirects=True,
    )
    assert "已被他人修改" in r.text
    # verification is the district's: not offered to the circle leader
    assert 'value="verified"' not in page


def test_form_errors_are_shown_in_chinese(browser, seeded):
    _login(browser, "district")
    page = browser.get("/projects").text
    r = browser.post(
        "/projects",
        data={
            "csrf_token": _csrf(page),
            "name": "x",
            "circle": seeded.circle_a,
            "project_type": "micro_renewal",
            "lead_unit": "区教育局",
            "due_date": "2025-02-30",
        },
    )
    assert r.status_code == 400 and "不是有效日期" in r.text and 'value="x"' in r.text


def test_leader_cannot_change_other_circles_projects(browser, seeded):
    _login(browser, "district")
    page = browser.get("/projects").text
    r = browser.post(
        "/projects",
        data={
            "csrf_token": _csrf(page),
            "name": "他圈项目",
            "circle": seeded.circle_b,
            "project_type": "micro_renewal",
            "lead_unit": "区教育局",
            "due_date": "2025-08-31",
        },
        follow_redirects=False,
    )
    url = r.headers["location"]
    browser.cookies.clear()
    _login(browser, "circle_leader")
    page = browser.get(url).text
    assert "变更状态" not in page
    r = browser.post(
        f"{url}/status", data={"csrf_token": _csrf(page), "to_status": "approved", "version": "1"}
    )
    assert r.status_code == 403 and "无权" in r.text


def test_public_pages_without_account(browser, seeded):
    index = browser.get("/public")
    assert index.status_code == 200 and NOTICE in index.text and "工作人员登录" in index.text
    page = browser.get(f"/public/circles/{seeded.circle_a}").text
    assert "评级结果" in page and "还缺什么" in page and "正在做的事" in page
    assert "元" not in page.split('id="pj-h"')[1]  # no budgets
    assert "已取消" not in page


def test_pages_have_no_inline_script_or_style(browser, seeded):
    _login(browser, "district")
    for url in (
        "/",
        f"/circles/{seeded.circle_a}",
        "/projects",
        "/public",
        f"/public/circles/{seeded.circle_a}",
        "/help",
        "/login",
    ):
        html = browser.get(url).text
        for tag in re.findall(r"<script[^>]*>", html):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, (url, tag)
        assert " style=" not in html, url
        assert 'lang="zh-CN"' in html and 'href="/help"' in html


def test_static_assets_are_served_locally(browser):
    for path in (
        "/static/app.css",
        "/static/app.js",
        "/static/map.js",
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/echarts/echarts.common.min.js",
        "/static/axe/axe.min.js",
    ):
        assert browser.get(path).status_code == 200, path


def test_admin_manages_users_and_others_may_not(browser, seeded):
    _login(browser, "district")
    assert browser.get("/admin/users").status_code == 403
    browser.cookies.clear()
    _login(browser, "admin")
    page = browser.get("/admin/users")
    assert page.status_code == 200 and "用户管理" in page.text
    form = {
        "csrf_token": _csrf(page.text),
        "username": "wang",
        "role": "circle_leader",
        "circles": [seeded.circle_a],
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    r = browser.post("/admin/users", data=form, follow_redirects=True)
    assert "已添加用户 wang" in r.text and seeded.circle_a in r.text
    r = browser.post("/admin/users", data=form | {"username": "wang2", "circles": []})
    assert r.status_code == 400 and "圈长账号需要指定生活圈" in r.text
    r = browser.post(
        "/admin/users/wang/active",
        data={"csrf_token": _csrf(page.text), "active": "0"},
        follow_redirects=True,
    )
    assert "已停用用户 wang" in r.text
    r = browser.post(
        "/admin/users/admin/active",
        data={"csrf_token": _csrf(page.text), "active": "0"},
        follow_redirects=True,
    )
    assert "不能停用自己" in r.text
    with make_client(seeded.engine) as other:
        assert _login(other, "wang").status_code == 401


def test_own_password_change_keeps_this_session_and_ends_others(browser, seeded):
    from lifecircle.store import session_scope
    from lifecircle.workflow import accounts

    with session_scope(seeded.engine, actor="test") as s:
        accounts.add_user(s, "pwuser", role="assessor", password=PASSWORD)
    with make_client(seeded.engine) as elsewhere:
        _login(elsewhere, "pwuser")
        _login(browser, "pwuser")
        page = browser.get("/account").text
        r = browser.post(
            "/account/password",
            data={
                "csrf_token": _csrf(page),
                "current": "wrong",
                "new": "new-password-9",
                "new2": "new-password-9",
            },
        )
        assert r.status_code == 400 and "当前密码不对" in r.text
        r = browser.post(
            "/account/password",
            data={
                "csrf_token": _csrf(page),
                "current": PASSWORD,
                "new": "new-password-9",
                "new2": "new-password-9",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert browser.get("/projects").status_code == 200  # this browser stays signed in
        assert (
            elsewhere.get("/projects", follow_redirects=False).status_code == 303
        )  # the other is out
