"""Server-rendered pages (Chinese): sign-in, 一张图, circle, projects, public pages, help."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lifecircle.errors import ConflictError, InputError, LifecircleError, RuleError
from lifecircle.web.deps import SAFE_METHODS, client_ip, cookie_token, page_actor, web, work
from lifecircle.web.security import FLASH_COOKIE, SESSION_COOKIE
from lifecircle.workflow import accounts, config, intake, overview, projects
from lifecircle.workflow.permissions import ANONYMOUS, Actor, Scope, can, require, scope_of_project

ActorDep = Annotated[Actor, Depends(page_actor)]


async def csrf_guard(request: Request) -> None:
    """Every unsafe request to a page carries the form token bound to its session cookie."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    submitted = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not web(request).keys.csrf_ok(
        cookie_token(request), submitted if isinstance(submitted, str) else None
    ):
        raise HTTPException(403, "表单已过期或来源不明：请刷新页面后重新提交。")


router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])


# --- rendering ------------------------------------------------------------------------------


def _nav(actor: Actor) -> list[tuple[str, str]]:
    if actor.is_staff:
        items = [("/", "一张图"), ("/projects", "项目库"), ("/public", "公众页面")]
    else:
        items = [("/public", "生活圈")]
    if can(actor, "user.manage"):
        items.append(("/admin/users", "用户管理"))
    return [*items, ("/help", "帮助")]


def _set_cookie(request: Request, response: Response, token: str, *, max_age: int | None) -> None:
    st = web(request)
    response.set_cookie(
        SESSION_COOKIE,
        st.keys.sign_cookie(token),
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=st.settings.secure_cookies,
        path="/",
    )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page from ``template`` with the layout's context: who is acting, the form token,
    navigation by role, the demo-data notice and the message left by the last action."""
    st = web(request)
    actor: Actor = getattr(request.state, "actor", None) or page_actor(request)
    token = cookie_token(request)
    new_token = token is None
    if new_token:
        token = st.keys.new_cookie_token()
    assert token is not None
    flash = st.keys.read_flash(request.cookies.get(FLASH_COOKIE))
    notice = getattr(request.state, "notice", None)
    if notice is None:
        try:
            with work(request, actor) as s:
                notice = overview.data_notice(s)
        except Exception:  # an error page must render even when the database does not
            notice = None
    ctx = {
        "actor": actor,
        "csrf_token": st.keys.csrf_for(token),
        "nav": _nav(actor),
        "path": request.url.path,
        "flash": flash,
        "notice": notice,
        "today": st.settings.current_day(),
        "grade_zh": config.GRADE_ZH,
        **(context or {}),
    }
    response = st.templates.TemplateResponse(
        request, template, ctx, status_code=status, headers=headers
    )
    if new_token:
        _set_cookie(request, response, token, max_age=None)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    titles = {
        400: "操作未完成",
        403: "无权访问",
        404: "找不到页面",
        409: "数据已被他人修改",
        422: "输入有误",
        429: "请稍后再试",
    }
    return render(
        request,
        "error.html",
        {"title": titles.get(status, "出错了"), "message": message, "status": status},
        status=status,
        headers=headers,
    )


def redirect(
    request: Request, url: str, *, flash: tuple[str, str] | None = None
) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        response.set_cookie(
            FLASH_COOKIE,
            web(request).keys.sign_flash(*flash),
            max_age=120,
            httponly=True,
            samesite="lax",
            path="/",
        )
    return response


def _today(request: Request) -> date:
    return web(request).settings.current_day()


def _local(url: str | None) -> str:
    """Only paths of this site are followed after sign-in (no open redirect)."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/"


def _staff_or_login(actor: Actor, request: Request, *, staff: bool = True) -> None:
    """Send the public to sign in; refuse signed-in users who are not staff (when asked)."""
    if actor.user_id is None:
        raise _login_needed(request)
    if staff:
        require(actor, "map.read")


_staff = _staff_or_login


def _login_needed(request: Request) -> HTTPException:
    return HTTPException(
        303, "请先登录", headers={"Location": f"/login?next={quote(request.url.path)}"}
    )


# --- sign-in --------------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, actor: ActorDep, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _local(next), "username": ""})


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
    ctx = {"next": _local(next), "username": username}
    wait = st.limiter.retry_after(keys)
    if wait is not None:
        return render(
            request,
            "login.html",
            ctx | {"error": f"登录失败次数过多，请 {wait} 秒后再试。"},
            status=429,
            headers={"Retry-After": str(wait)},
        )
    with work(request, Actor(name=username.strip()[:100] or "?", role="public")) as s:
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
        token = accounts.start_session(s, user, hours=st.settings.session_hours)
    response = redirect(
        request, _local(next), flash=("ok", f"欢迎，{user.display_name or user.username}。")
    )
    _set_cookie(request, response, token, max_age=int(st.settings.session_hours * 3600))
    return response


@router.post("/logout")
def logout(request: Request, actor: ActorDep) -> Response:
    token = cookie_token(request)
    if token is not None:
        with work(request, actor) as s:
            accounts.end_session(s, token)
    response = redirect(request, "/public", flash=("ok", "已退出登录。"))
    _set_cookie(request, response, web(request).keys.new_cookie_token(), max_age=None)
    return response


# --- 一张图 and circles ------------------------------------------------------------------------


@router.get("/")
def district_map(
    request: Request, actor: ActorDep, street: str | None = None, year: int | None = None
) -> Response:
    if actor.user_id is None:
        return RedirectResponse("/public", status_code=303)
    require(actor, "map.read")
    from lifecircle.workflow.geometry import feature_collection, outlines

    today = _today(request)
    year = year or today.year
    street = street or None
    with work(request, actor) as s:
        rows = overview.circle_rows(s, today=today, street=street)
        wkb = outlines(s, [r.code for r in rows])
        geo = feature_collection(
            [wkb.get(r.code) for r in rows],
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
        grades = {g: sum(1 for r in rows if r.grade == g) for g in ("AAA", "AA", "NONE")}
        grades["UNKNOWN"] = sum(1 for r in rows if r.grade is None)
        chart = {
            "labels": [overview_target_zh(code) for code in _TARGET_ORDER],
            "values": [progress.counts.get(code, 0) for code in _TARGET_ORDER],
        }
        request.state.notice = overview.data_notice(s)
        return render(
            request,
            "map.html",
            {
                "rows": rows,
                "geo": geo,
                "grades": grades,
                "progress": progress,
                "chart": chart,
                "streets": overview.streets(s),
                "street": street,
                "year": year,
                "overdue_total": sum(r.projects_overdue for r in rows),
            },
        )


_TARGET_ORDER = ("met", "met_late", "on_track", "at_risk", "missed")


def overview_target_zh(code: str) -> str:
    from lifecircle.workflow.schedule import TARGET_ZH

    return TARGET_ZH[code]


@router.get("/circles/{code}")
def circle_page(request: Request, code: str, actor: ActorDep) -> Response:
    if actor.user_id is None or not can(actor, "circle.read_internal"):
        return RedirectResponse(f"/public/circles/{quote(code)}", status_code=303)
    from lifecircle.workflow.geometry import feature_collection

    with work(request, actor) as s:
        d = overview.circle_detail(s, code, today=_today(request))
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
        may_create = can(
            actor, "project.create", Scope(d.circle.id, d.circle.street_id, actor.unit_id)
        )
        return render(request, "circle.html", {"d": d, "geo": geo, "may_create": may_create})


# --- projects -------------------------------------------------------------------------------


def _project_form_choices(request: Request, actor: Actor, s: Any) -> dict[str, Any]:
    rows = overview.circle_rows(s, today=_today(request))
    unit_rows = overview.units(s)
    circles = [
        r for r in rows if can(actor, "project.create", Scope(r.id, r.street_id, actor.unit_id))
    ]
    if actor.role == "unit":
        unit_rows = [u for u in unit_rows if u.id == actor.unit_id]
    return {
        "form_circles": circles,
        "form_units": unit_rows,
        "project_types": config.project_types(),
        "funding_sources": config.funding_sources(),
        "suggested_code": intake.suggest_project_code(s, _today(request).year),
    }


def _projects_page(
    request: Request,
    actor: Actor,
    filters: dict[str, str | None],
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    today = _today(request)
    with work(request, actor) as s:
        st = filters.get("status")
        rows = overview.search_projects(
            s,
            today=today,
            circle=filters.get("circle") or None,
            street=filters.get("street") or None,
            unit=filters.get("unit") or None,
            status=overview.parse_status(st) if st else None,
            text=filters.get("q") or None,
            timeliness_code=filters.get("timeliness") or None,
        )
        ctx = _project_form_choices(request, actor, s)
        ctx |= {
            "rows": rows,
            "filters": filters,
            "streets": overview.streets(s),
            "all_circles": overview.circle_rows(s, today=today),
            "statuses": projects.STATUS_ZH,
            "form": form or {},
            "form_error": error,
        }
        return render(request, "projects.html", ctx, status=status)


@router.get("/projects")
def project_list(
    request: Request,
    actor: ActorDep,
    circle: str | None = None,
    street: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    q: str | None = None,
    timeliness: str | None = None,
) -> Response:
    _staff(actor, request)
    filters = {
        "circle": circle,
        "street": street,
        "unit": unit,
        "status": status,
        "q": q,
        "timeliness": timeliness,
    }
    return _projects_page(request, actor, filters)


@router.post("/projects")
def project_create(
    request: Request,
    actor: ActorDep,
    name: Annotated[str, Form()] = "",
    circle: Annotated[str, Form()] = "",
    project_type: Annotated[str, Form()] = "",
    lead_unit: Annotated[str, Form()] = "",
    due_date: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    start_date: Annotated[str, Form()] = "",
    budget_yuan: Annotated[str, Form()] = "0",
    funding_source: Annotated[str, Form()] = "district_finance",
    indicator_ids: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    _staff(actor, request)
    form = {k: v for k, v in locals().items() if isinstance(v, str)}
    try:
        due = _date(due_date, "完成时限", required=True)
        start = _date(start_date, "开工日期")
        budget = _int(budget_yuan, "投资（元）")
        if not name.strip():
            raise InputError("项目名称不能为空", field="name", fix="填写项目名称")
        with work(request, actor) as s:
            c = overview.find_circle(s, circle)
            if c is None:
                raise InputError(
                    f"没有编号为 {circle!r} 的生活圈", field="circle", fix="从列表中选择生活圈"
                )
            from lifecircle.workflow._common import get_unit

            lead = get_unit(s, lead_unit)
            require(actor, "project.create", Scope(c.id, c.street_id, lead.id))
            assert due is not None
            p = intake.create_project(
                s,
                code=code,
                name=name.strip(),
                circle=c.code,
                project_type=project_type,
                lead_unit=lead.code,
                due_date=due,
                on=_today(request),
                indicator_ids=[
                    x.strip() for x in indicator_ids.replace("，", ",").split(",") if x.strip()
                ],
                budget_yuan=budget,
                funding_source=funding_source,
                start_date=start,
                note=note.strip() or None,
            )
            new_code = p.code
    except (InputError, RuleError) as exc:
        return _projects_page(
            request, actor, {"circle": circle}, form=form, error=str(exc), status=400
        )
    return redirect(
        request,
        f"/projects/{quote(new_code)}",
        flash=("ok", f"已新建项目 {new_code}（状态：计划）。"),
    )


def _date(value: str, label: str, *, required: bool = False) -> date | None:
    v = (value or "").strip()
    if not v:
        if required:
            raise InputError(f"{label}不能为空", field=label, fix="按 年-月-日 填写，如 2025-08-31")
        return None
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise InputError(
            f"{label} {v!r} 不是有效日期", field=label, fix="按 年-月-日 填写，如 2025-08-31"
        ) from None


def _int(value: str, label: str) -> int:
    v = (value or "0").strip().replace(",", "")
    try:
        n = int(v)
    except ValueError:
        raise InputError(f"{label} {v!r} 不是整数", field=label, fix="填写整数（元）") from None
    if not 0 <= n <= 10**12:
        raise InputError(f"{label} {n} 超出范围", field=label, fix="填写 0 到 1 万亿之间的整数")
    return n


@router.get("/projects/{code}")
def project_page(request: Request, code: str, actor: ActorDep) -> Response:
    _staff(actor, request)
    today = _today(request)
    with work(request, actor) as s:
        p = overview.find_project(s, code)
        if p is None:
            raise HTTPException(404, f"没有编号为 {code} 的项目")
        row = overview.project_rows([p], today)[0]
        scope = scope_of_project(p)
        next_statuses = [
            t for t in row.next_statuses if can(actor, "project.transition", scope, to_status=t)
        ]
        evidence = projects.evidence_of(s, p.id)
        return render(
            request,
            "project.html",
            {
                "row": row,
                "p": p,
                "next_statuses": next_statuses,
                "statuses": projects.STATUS_ZH,
                "may_edit": can(actor, "project.edit", scope),
                "evidence": evidence,
            },
        )


@router.post("/projects/{code}/status")
def project_status(
    request: Request,
    code: str,
    actor: ActorDep,
    to_status: Annotated[str, Form()] = "",
    version: Annotated[int, Form()] = 0,
    note: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    new_due_date: Annotated[str, Form()] = "",
) -> Response:
    _staff(actor, request)
    back = f"/projects/{quote(code)}"
    try:
        status = overview.parse_status(to_status)
        with work(request, actor) as s:
            p = overview.find_project(s, code)
            if p is None:
                raise HTTPException(404, f"没有编号为 {code} 的项目")
            require(actor, "project.transition", scope_of_project(p), to_status=status)
            projects.transition(
                s,
                p,
                status,
                on=_date(on, "变更日期") or _today(request),
                expected_version=version,
                note=note.strip() or None,
                new_due_date=_date(new_due_date, "新完成时限"),
            )
    except ConflictError as exc:
        return redirect(request, back, flash=("error", _zh_conflict(exc, code)))
    except (InputError, RuleError) as exc:
        return redirect(request, back, flash=("error", f"状态未变更：{exc}"))
    return redirect(
        request, back, flash=("ok", f"项目 {code} 已改为“{projects.STATUS_ZH[status]}”。")
    )


@router.post("/projects/{code}/progress")
def project_progress(
    request: Request,
    code: str,
    actor: ActorDep,
    progress: Annotated[str, Form()] = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    _staff(actor, request)
    back = f"/projects/{quote(code)}"
    try:
        value = _int(progress, "进度")
        with work(request, actor) as s:
            p = overview.find_project(s, code)
            if p is None:
                raise HTTPException(404, f"没有编号为 {code} 的项目")
            require(actor, "project.edit", scope_of_project(p))
            projects.report_progress(s, p, value, expected_version=version)
    except ConflictError as exc:
        return redirect(request, back, flash=("error", _zh_conflict(exc, code)))
    except (InputError, RuleError) as exc:
        return redirect(request, back, flash=("error", f"进度未更新：{exc}"))
    return redirect(request, back, flash=("ok", f"项目 {code} 进度已更新为 {value}%。"))


def _zh_conflict(exc: LifecircleError, code: str) -> str:
    text = str(exc)
    return (
        text
        if any("\u4e00" <= ch <= "\u9fff" for ch in text)
        else f"项目 {code} 已被他人修改，请查看最新内容后重新操作。"
    )


# --- public pages (no account) ----------------------------------------------------------------


@router.get("/public")
def public_index(request: Request, actor: ActorDep, street: str | None = None) -> Response:
    with work(request, actor) as s:
        rows = overview.circle_rows(s, today=_today(request), street=street or None)
        return render(
            request,
            "public_index.html",
            {"rows": rows, "streets": overview.streets(s), "street": street or None},
        )


@router.get("/public/circles/{code}")
def public_circle(request: Request, code: str, actor: ActorDep) -> Response:
    today = _today(request)
    with work(request, actor) as s:
        d = overview.circle_detail(s, code, today=today)
        if d is None:
            raise HTTPException(404, f"没有编号为 {code} 的生活圈")
        planned = [
            r for r in d.projects if can(ANONYMOUS, "project.read", scope_of_project(r.project))
        ]
        return render(request, "public_circle.html", {"d": d, "planned": planned})


@router.get("/help")
def help_page(request: Request, actor: ActorDep) -> Response:
    return render(request, "help.html", {})
