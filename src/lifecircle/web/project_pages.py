"""The project library's pages: list with filters and search, create, details, status and
progress, each within one's rights."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from lifecircle.errors import ConflictError, InputError, LifecircleError, RuleError
from lifecircle.web.deps import page_actor, work
from lifecircle.web.render import (
    csrf_guard,
    form_date,
    form_int,
    redirect,
    render,
    staff_or_login,
    today_of,
)
from lifecircle.workflow import config, intake, overview, projects
from lifecircle.workflow.permissions import Actor, Scope, can, require, scope_of_project

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])


def _project_form_choices(request: Request, actor: Actor, s: Any) -> dict[str, Any]:
    rows = overview.circle_rows(s, today=today_of(request))
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
        "suggested_code": intake.suggest_project_code(s, today_of(request).year),
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
    today = today_of(request)
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
    staff_or_login(actor, request)
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
    staff_or_login(actor, request)
    form = {k: v for k, v in locals().items() if isinstance(v, str)}
    try:
        due = form_date(due_date, "完成时限", required=True)
        start = form_date(start_date, "开工日期")
        budget = form_int(budget_yuan, "投资（元）")
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
                on=today_of(request),
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


@router.get("/projects/{code}")
def project_page(request: Request, code: str, actor: ActorDep) -> Response:
    staff_or_login(actor, request)
    today = today_of(request)
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
    staff_or_login(actor, request)
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
                on=form_date(on, "变更日期") or today_of(request),
                expected_version=version,
                note=note.strip() or None,
                new_due_date=form_date(new_due_date, "新完成时限"),
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
    staff_or_login(actor, request)
    back = f"/projects/{quote(code)}"
    try:
        value = form_int(progress, "进度")
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
