"""The 评价 pages: the evaluation path per circle (居民自评 → 街道申报 → 区级审核 → 联合评定
→ 公布 → 挂牌), each step offered only to the roles that may take it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from lifecircle.errors import ConflictError, InputError, RuleError
from lifecircle.web.deps import RowId, page_actor, web, work
from lifecircle.web.office import download, read_upload, zh
from lifecircle.web.render import csrf_guard, form_date, redirect, render, staff_or_login, today_of
from lifecircle.workflow import evaluation, overview
from lifecircle.workflow.evaluation import STAGE_ZH, evidence_of_evaluation
from lifecircle.workflow.evaluation_board import (
    STEP_ACTION,
    STEP_ZH,
    advance,
    evaluation_rows,
    get_evaluation,
    row_of,
    scope_of_evaluation,
)
from lifecircle.workflow.evidence_store import EvidenceStore
from lifecircle.workflow.permissions import Actor, Scope, can, require
from lifecircle.workflow.projects import evidence_content

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])
MAX_EVIDENCE = 20 * 1024 * 1024


def assessable_circles(request: Request, actor: Actor, s: Any) -> list[Any]:
    """Circles ``actor`` may record a self-assessment for."""
    return [
        r
        for r in overview.circle_rows(s, today=today_of(request))
        if can(actor, "evaluation.self_assess", Scope(r.id, r.street_id))
    ]


def _list_page(
    request: Request,
    actor: Actor,
    filters: dict[str, Any],
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with work(request, actor) as s:
        rows = evaluation_rows(
            s,
            circle=filters.get("circle") or None,
            street=filters.get("street") or None,
            year=filters.get("year"),
            open_only=bool(filters.get("open")),
        )
        return render(
            request,
            "evaluations.html",
            {
                "rows": rows,
                "filters": filters,
                "streets": overview.streets(s),
                "all_circles": overview.circle_rows(s, today=today_of(request)),
                "form_circles": assessable_circles(request, actor, s),
                "form": form or {},
                "form_error": error,
                "may": {r.evaluation.id for r in rows if r.may_advance(actor)},
            },
            status=status,
        )


@router.get("/evaluation")
def evaluation_list(
    request: Request,
    actor: ActorDep,
    circle: str | None = None,
    street: str | None = None,
    year: str | None = None,
    open: str | None = None,
) -> Response:
    staff_or_login(actor, request)
    require(actor, "evaluation.read")
    filters = {
        "circle": circle,
        "street": street,
        "year": int(year) if year and year.isdigit() else None,
        "open": open == "1",
    }
    return _list_page(request, actor, filters)


@router.post("/evaluation")
def self_assess(
    request: Request,
    actor: ActorDep,
    circle: Annotated[str, Form()] = "",
    grade: Annotated[str, Form()] = "AA",
    year: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    respondents: Annotated[str, Form()] = "",
    satisfaction: Annotated[str, Form()] = "",
) -> Response:
    staff_or_login(actor, request)
    form = {k: v for k, v in locals().items() if isinstance(v, str)}
    try:
        n = _number(respondents, "问卷份数", integer=True)
        pct = _number(satisfaction, "满意度（%）")
        y = int(_number(year, "年度", integer=True))
        day = form_date(on, "自评日期") or today_of(request)
        with work(request, actor) as s:
            c = overview.find_circle(s, circle)
            if c is None:
                raise InputError(
                    f"没有编号为 {circle!r} 的生活圈", field="circle", fix="从列表中选择生活圈"
                )
            require(actor, "evaluation.self_assess", Scope(c.id, c.street_id))
            e = evaluation.self_assessment(
                s,
                c.code,
                grade.strip().upper(),
                year=y,
                on=day,
                respondents=int(n),
                satisfaction=pct,
            )
            eid = e.id
    except (InputError, RuleError) as exc:
        return _list_page(request, actor, {"circle": circle}, form=form, error=zh(exc), status=400)
    return redirect(
        request,
        f"/evaluation/{eid}",
        flash=("ok", f"已登记 {circle} 的居民自评（评定编号 {eid}），下一步：街道申报。"),
    )


def _number(value: str, label: str, *, integer: bool = False) -> float:
    v = (value or "").strip().replace("%", "").replace("％", "")
    try:
        return float(int(v)) if integer else float(v)
    except ValueError:
        raise InputError(
            f"{label} {v!r} 不是{'整数' if integer else '数字'}",
            field=label,
            fix="填写数字" if not integer else "填写整数",
        ) from None


@router.get("/evaluation/{evaluation_id}")
def evaluation_page(request: Request, evaluation_id: RowId, actor: ActorDep) -> Response:
    staff_or_login(actor, request)
    require(actor, "evaluation.read")
    with work(request, actor) as s:
        try:
            e = get_evaluation(s, evaluation_id)
        except RuleError as exc:
            raise HTTPException(404, zh(exc)) from None
        row = row_of(e)
        history = [r for r in evaluation_rows(s, circle=e.circle.code) if r.evaluation.id != e.id]
        return render(
            request,
            "evaluation.html",
            {
                "row": row,
                "e": e,
                "may_advance": row.may_advance(actor),
                "evidence": evidence_of_evaluation(s, e.id),
                "history": history,
                "stages": STAGE_ZH,
            },
        )


@router.get("/evaluation/{evaluation_id}/evidence/{file_id}")
def evaluation_evidence(
    request: Request, evaluation_id: RowId, file_id: RowId, actor: ActorDep
) -> Response:
    staff_or_login(actor, request)
    require(actor, "evaluation.read")
    with work(request, actor) as s:
        for f in evidence_of_evaluation(s, evaluation_id):
            if f.id == file_id:
                store = EvidenceStore(web(request).settings.evidence_dir())
                return download(evidence_content(f, store), f.filename)
    raise HTTPException(404, "没有这个佐证文件")


@router.post("/evaluation/{evaluation_id}/{step}")
def evaluation_step(
    request: Request,
    evaluation_id: RowId,
    step: str,
    actor: ActorDep,
    version: Annotated[int | None, Form()] = None,
    on: Annotated[str, Form()] = "",
    passed: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    override_reason: Annotated[str, Form()] = "",
    evidence: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    staff_or_login(actor, request)
    back = f"/evaluation/{evaluation_id}"
    if step not in STEP_ZH:
        raise HTTPException(404, "没有这个评定步骤")
    try:
        files = [
            (u.filename or "佐证", read_upload(u, limit=MAX_EVIDENCE, label="佐证文件"))
            for u in (evidence or [])
            if u.filename
        ]
        with work(request, actor) as s:
            try:
                e = get_evaluation(s, evaluation_id)
            except RuleError as exc:
                raise HTTPException(404, zh(exc)) from None
            row = row_of(e)
            if row.next_step != step:
                raise RuleError(
                    f"评定 {e.id} 处于“{row.stage_zh}”阶段，现在不能办理“{STEP_ZH[step]}”",
                    fix="刷新页面，按页面上的下一步办理",
                )
            require(actor, STEP_ACTION[step], scope_of_evaluation(e))
            e = advance(
                s,
                evaluation_id,
                step,
                on=form_date(on, "日期") or today_of(request),
                expected_version=version,
                passed={"1": True, "0": False}.get(passed),
                note=note,
                override_reason=override_reason.strip() or None,
                evidence=files,
            )
            stage = STAGE_ZH[e.stage]
    except ConflictError:
        return redirect(
            request,
            back,
            flash=("error", f"评定 {evaluation_id} 已被他人办理，请查看最新状态后重新操作。"),
        )
    except (InputError, RuleError) as exc:
        return redirect(request, back, flash=("error", f"未办理：{zh(exc)}"))
    return redirect(
        request, back, flash=("ok", f"评定 {evaluation_id} 已办理“{STEP_ZH[step]}”：{stage}。")
    )
