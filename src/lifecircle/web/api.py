"""The JSON API under ``/api/v1``: tokens, circles and projects; every rule in workflow."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from lifecircle.errors import ConflictError
from lifecircle.web import present
from lifecircle.web.deps import actor_profile, api_actor, client_ip, web, work
from lifecircle.web.schemas import (
    CircleDetailOut,
    CircleOut,
    MeOut,
    Problem,
    ProjectCreate,
    ProjectOut,
    ProjectPatch,
    TokenOut,
)
from lifecircle.workflow import accounts, intake, overview, projects
from lifecircle.workflow._common import get_unit
from lifecircle.workflow.permissions import Actor, Scope, can, require, scope_of_project
from lifecircle.workflow.views import cached

ActorDep = Annotated[Actor, Depends(api_actor)]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "违反业务规则或输入有误"},
    401: {"model": Problem, "description": "未登录或令牌无效"},
    403: {"model": Problem, "description": "角色或范围不允许"},
    404: {"model": Problem, "description": "不存在"},
    409: {"model": Problem, "description": "版本冲突：已被他人修改"},
}

router = APIRouter(prefix="/api/v1", responses=ERRORS)


def _today(request: Request) -> date:
    return web(request).settings.current_day()


@functools.cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def _cached_json(
    request: Request,
    session: Session,
    actor: Actor,
    model: Any,
    key: Hashable,
    payload: Callable[[], Any],
) -> Response:
    """A read answer, validated and serialized through its response model as FastAPI would
    (same bytes), once per programme version, day and reader's role and scope."""
    adapter = _adapter(model)

    def body() -> bytes:
        value = adapter.validate_python(payload())
        return adapter.dump_json(value, by_alias=True, exclude_unset=True)

    full_key = (key, _today(request), actor_profile(actor))
    return Response(cached(session, "api", full_key, body), media_type="application/json")


@router.post(
    "/auth/token",
    response_model=TokenOut,
    tags=["auth"],
    summary="用户名密码换取访问令牌",
    responses={429: {"model": Problem, "description": "登录失败次数过多，稍后再试"}},
)
def issue_token(
    request: Request,
    username: Annotated[str, Form(min_length=1, max_length=200)],
    password: Annotated[str, Form(min_length=1, max_length=1000)],
) -> Any:
    st = web(request)
    keys = [f"ip:{client_ip(request)}", f"user:{username.strip()}"]
    wait = st.limiter.retry_after(keys)
    if wait is not None:
        raise HTTPException(
            429, f"登录失败次数过多，请 {wait} 秒后再试。", headers={"Retry-After": str(wait)}
        )
    # no write lock while Argon2 checks the password (many clients may sign in at once)
    with work(request, Actor(name=username.strip()[:100] or "?", role="public"), write=False) as s:
        user = accounts.authenticate(s, username, password)
        if user is None:
            st.limiter.failed(keys)
            raise HTTPException(401, "用户名或密码错误，或账号已停用。")
        st.limiter.succeeded(keys[1])
        token = st.keys.issue_token(user.id, accounts.credential_fingerprint(user))
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": st.settings.token_minutes * 60,
    }


@router.get("/me", response_model=MeOut, tags=["auth"], summary="当前身份")
def me(request: Request, actor: ActorDep) -> Any:
    circles: list[str] = []
    if actor.circle_ids:
        with work(request, actor) as s:
            circles = sorted(
                c.code
                for c in overview.circle_rows(s, today=_today(request))
                if c.id in actor.circle_ids
            )
    return {
        "username": actor.name if actor.user_id else None,
        "role": actor.role,
        "role_zh": actor.role_zh,
        "street_id": actor.street_id,
        "unit_id": actor.unit_id,
        "circles": circles,
    }


@router.get(
    "/circles",
    response_model=list[CircleOut],
    response_model_exclude_unset=True,
    tags=["circles"],
    summary="生活圈列表（含最新体检等级）",
)
def list_circles(request: Request, actor: ActorDep, street: str | None = None) -> Any:
    with work(request, actor) as s:
        return _cached_json(
            request,
            s,
            actor,
            list[CircleOut],
            ("circles", street),
            lambda: [
                present.circle(r, actor)
                for r in overview.circle_rows(s, today=_today(request), street=street)
            ],
        )


@router.get(
    "/circles/{circle_id}",
    response_model=CircleDetailOut,
    response_model_exclude_unset=True,
    tags=["circles"],
    summary="一个生活圈：指标、短板",
)
def get_circle(request: Request, circle_id: str, actor: ActorDep) -> Any:
    with work(request, actor) as s:

        def payload() -> dict[str, Any]:
            d = overview.circle_detail(s, circle_id, today=_today(request))
            if d is None:
                raise HTTPException(404, f"没有编号为 {circle_id} 的生活圈")
            return present.circle_detail(d, actor, overview.data_notice(s))

        return _cached_json(request, s, actor, CircleDetailOut, ("circle", circle_id), payload)


@router.get(
    "/projects",
    response_model=list[ProjectOut],
    response_model_exclude_unset=True,
    tags=["projects"],
    summary="项目列表",
)
def list_projects(
    request: Request,
    actor: ActorDep,
    circle_id: str | None = None,
    street: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> Any:
    with work(request, actor) as s:

        def payload() -> list[dict[str, Any]]:
            st = overview.parse_status(status) if status else None
            rows = overview.search_projects(
                s,
                today=_today(request),
                circle=circle_id,
                street=street,
                unit=unit,
                status=st,
                text=q,
            )
            return [
                present.project(r, actor)
                for r in rows
                if can(actor, "project.read", scope_of_project(r.project))
            ]

        key = ("projects", circle_id, street, unit, status, q)
        return _cached_json(request, s, actor, list[ProjectOut], key, payload)


@router.get(
    "/projects/{project_id}",
    response_model=ProjectOut,
    response_model_exclude_unset=True,
    tags=["projects"],
    summary="一个项目（工作人员可见状态历史）",
)
def get_project(request: Request, project_id: str, actor: ActorDep) -> Any:
    with work(request, actor) as s:
        p = overview.find_project(s, project_id)
        if p is None or not can(actor, "project.read", scope_of_project(p)):
            raise HTTPException(404, f"没有编号为 {project_id} 的项目")
        row = overview.project_rows([p], _today(request))[0]
        return present.project(row, actor, history=can(actor, "project.read_internal"))


@router.post(
    "/projects",
    response_model=ProjectOut,
    response_model_exclude_unset=True,
    status_code=201,
    tags=["projects"],
    summary="新建项目（状态为“计划”）",
)
def create_project(request: Request, body: ProjectCreate, actor: ActorDep) -> Any:
    today = _today(request)
    with work(request, actor) as s:
        c = overview.find_circle(s, body.circle_id)
        if c is None:
            raise HTTPException(400, f"没有编号为 {body.circle_id} 的生活圈")
        lead = get_unit(s, body.lead_unit)
        require(
            actor,
            "project.create",
            Scope(circle_id=c.id, street_id=c.street_id, lead_unit_id=lead.id),
        )
        p = intake.create_project(
            s,
            code=body.code,
            name=body.name.strip(),
            circle=c.code,
            project_type=body.project_type,
            lead_unit=lead.code,
            due_date=body.due_date,
            on=today,
            co_units=body.co_units,
            indicator_ids=body.indicator_ids,
            budget_yuan=body.budget_yuan,
            funding_source=body.funding_source,
            start_date=body.start_date,
            note=body.note,
        )
        saved = overview.find_project(s, p.code)
        assert saved is not None
        return present.project(overview.project_rows([saved], today)[0], actor, history=True)


@router.patch(
    "/projects/{project_id}",
    response_model=ProjectOut,
    response_model_exclude_unset=True,
    tags=["projects"],
    summary="修改项目、报告进度或变更状态（需带版本号）",
)
def patch_project(request: Request, project_id: str, body: ProjectPatch, actor: ActorDep) -> Any:
    today = _today(request)
    with work(request, actor) as s:
        p = overview.find_project(s, project_id)
        if p is None or not can(actor, "project.read", scope_of_project(p)):
            raise HTTPException(404, f"没有编号为 {project_id} 的项目")
        scope = scope_of_project(p)
        change = body.model_dump(
            exclude_unset=True,
            exclude={"version", "progress", "status", "status_note", "new_due_date", "on"},
        )
        status = overview.parse_status(body.status) if body.status else None
        if not change and body.progress is None and status is None:
            raise HTTPException(400, "没有要修改的内容：请给出要修改的字段、progress 或 status")
        if change or body.progress is not None:
            require(actor, "project.edit", scope)
        if status is not None:
            require(actor, "project.transition", scope, to_status=status)
        try:
            projects.update_project(s, p, expected_version=body.version, **change)
        except ConflictError as exc:
            raise ConflictError(
                f"项目 {project_id} 已被他人修改：您编辑的是第 {body.version} 版，"
                f"当前为第 {p.version} 版。请刷新后重新修改。",
                entity="project",
                key=project_id,
            ) from exc
        if status is not None:
            projects.transition(
                s,
                p,
                status,
                on=body.on or today,
                note=body.status_note,
                new_due_date=body.new_due_date,
            )
        if body.progress is not None:
            projects.report_progress(s, p, body.progress)
        saved = overview.find_project(s, project_id)
        assert saved is not None
        return present.project(overview.project_rows([saved], today)[0], actor, history=True)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)
