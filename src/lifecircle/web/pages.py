"""Server-rendered pages (Chinese): sign-in, 一张图, circle pages, public pages, help."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from lifecircle.store.models import User
from lifecircle.web import resident_pages
from lifecircle.web.deps import client_ip, cookie_token, page_actor, web, work
from lifecircle.web.render import (
    csrf_guard,
    error_page,
    local_path,
    redirect,
    render,
    render_cached,
    set_session_cookie,
    today_of,
)
from lifecircle.workflow import accounts, maps, overview, ranking, suggestions
from lifecircle.workflow.permissions import ANONYMOUS, Actor, Scope, can, require

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])

__all__ = ["error_page", "router"]


# --- sign-in --------------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, actor: ActorDep, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": local_path(next), "username": ""})


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    st = web(request)
    request.state.actor = ANONYMOUS
    keys = [f"ip:{client_ip(request)}", f"user:{username.strip()}"]
    ctx = {"next": local_path(next), "username": username}
    wait = st.limiter.retry_after(keys)
    if wait is not None:
        return render(
            request,
            "login.html",
            ctx | {"error": f"登录失败次数过多，请 {wait} 秒后再试。"},
            status=429,
            headers={"Retry-After": str(wait)},
        )
    who = Actor(name=username.strip()[:100] or "?", role="public")
    # the password check (Argon2, slow on purpose) holds no write lock: a morning's rush of
    # sign-ins must not queue behind each other on SQLite's one writer
    with work(request, who, write=False) as s:
        user = accounts.authenticate(s, username, password)
    if user is None:
        st.limiter.failed(keys)
        return render(
            request,
            "login.html",
            ctx | {"error": "用户名或密码错误，或账号已停用。"},
            status=401,
        )
    st.limiter.succeeded(keys[1])
    with work(request, who) as s:
        user = s.get(User, user.id)
        if user is None:  # disabled and removed between the two steps
            raise HTTPException(401, "用户名或密码错误，或账号已停用。")
        token = accounts.start_session(s, user, hours=st.settings.session_hours)
    response = redirect(
        request, local_path(next), flash=("ok", f"欢迎，{user.display_name or user.username}。")
    )
    set_session_cookie(request, response, token, max_age=int(st.settings.session_hours * 3600))
    return response


@router.post("/logout")
def logout(request: Request, actor: ActorDep) -> Response:
    token = cookie_token(request)
    if token is not None:
        with work(request, actor) as s:
            accounts.end_session(s, token)
    response = redirect(request, "/public", flash=("ok", "已退出登录。"))
    set_session_cookie(request, response, web(request).keys.new_cookie_token(), max_age=None)
    return response


# --- 一张图 and circles ------------------------------------------------------------------------


@router.get("/")
def district_map(
    request: Request, actor: ActorDep, street: str | None = None, year: int | None = None
) -> Response:
    if actor.user_id is None:
        return RedirectResponse("/public", status_code=303)
    require(actor, "map.read")
    today = today_of(request)
    year = year or today.year
    street = street or None
    with work(request, actor) as s:
        request.state.notice = overview.data_notice(s)
        return render_cached(
            request, s, "map.html", (street, year), lambda: _map_context(s, today, year, street)
        )


def _map_context(s: Session, today: date, year: int, street: str | None) -> dict[str, Any]:
    """What 一张图 shows (every figure from workflow; cached with the rendered page)."""
    from lifecircle.workflow.geometry import outline_collection, outline_geometries

    rows = overview.circle_rows(s, today=today, street=street)
    geo = outline_collection(
        outline_geometries(s),
        [
            {
                "id": r.code,
                "name": r.name,
                "street": r.street,
                "grade": r.grade or "UNKNOWN",
                "grade_zh": r.grade_zh,
                "overdue": r.projects_overdue,
                "url": f"/circles/{r.code}",
            }
            for r in rows
        ],
    )
    progress = overview.year_progress(s, year, today=today, street=street)
    ranks = ranking.unit_ranking(s, today=today, street=street)
    grades = {g: sum(1 for r in rows if r.grade == g) for g in ("AAA", "AA", "NONE")}
    grades["UNKNOWN"] = sum(1 for r in rows if r.grade is None)
    chart = {
        "labels": [overview_target_zh(code) for code in _TARGET_ORDER],
        "values": [progress.counts.get(code, 0) for code in _TARGET_ORDER],
    }
    return {
        "rows": rows,
        "geo": geo,
        "grades": grades,
        "progress": progress,
        "chart": chart,
        "streets": overview.streets(s),
        "street": street,
        "year": year,
        "overdue_total": sum(r.projects_overdue for r in rows),
        "ranking": ranks,
        "ranking_chart": [{"unit": r.unit, "rate": r.rate} for r in ranks if r.due],
    }


_TARGET_ORDER = ("met", "met_late", "on_track", "at_risk", "missed")


def overview_target_zh(code: str) -> str:
    from lifecircle.workflow.schedule import TARGET_ZH

    return TARGET_ZH[code]


@router.get("/circles/{code}")
def circle_page(request: Request, code: str, actor: ActorDep) -> Response:
    if actor.user_id is None or not can(actor, "circle.read_internal"):
        return RedirectResponse(f"/public/circles/{quote(code)}", status_code=303)
    with work(request, actor) as s:
        return render_cached(
            request, s, "circle.html", code, lambda: _circle_context(s, code, actor, request)
        )


def _circle_context(s: Session, code: str, actor: Actor, request: Request) -> dict[str, Any]:
    """What a circle's internal page shows (cached with the rendered page per role/scope)."""
    from lifecircle.workflow.geometry import feature_collection

    d = overview.circle_detail(s, code, today=today_of(request))
    if d is None:
        raise HTTPException(404, f"没有编号为 {code} 的生活圈")
    geo = feature_collection(
        [d.circle.geom_wkb],
        [
            {
                "id": d.row.code,
                "name": d.row.name,
                "grade": d.row.grade or "UNKNOWN",
                "grade_zh": d.row.grade_zh,
            }
        ],
    )
    may_create = can(actor, "project.create", Scope(d.circle.id, d.circle.street_id, actor.unit_id))
    ctx = {
        "d": d,
        "geo": geo,
        "may_create": may_create,
        "map_categories": maps.map_categories(s, code),
        "suggestions": suggestions.suggestion_rows(d.shortfalls),
    }
    ctx |= resident_pages.circle_context(s, d, actor)
    return ctx


# --- public pages (no account) ----------------------------------------------------------------


@router.get("/public")
def public_index(request: Request, actor: ActorDep, street: str | None = None) -> Response:
    with work(request, actor) as s:
        today = today_of(request)
        return render_cached(
            request,
            s,
            "public_index.html",
            street or None,
            lambda: {
                "rows": overview.circle_rows(s, today=today, street=street or None),
                "streets": overview.streets(s),
                "street": street or None,
            },
        )


@router.get("/public/circles/{code}")
def public_circle(request: Request, code: str, actor: ActorDep) -> Response:
    return resident_pages.public_circle_page(request, code, actor)
