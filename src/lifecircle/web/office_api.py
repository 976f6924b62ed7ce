"""The office API under ``/api/v1``: schedule, evaluations, bulletins and imports by upload;
the same workflow functions as the pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from lifecircle.errors import InputError, RuleError
from lifecircle.store.models import Evaluation
from lifecircle.web.api import ERRORS
from lifecircle.web.deps import RowId, api_actor, web, work
from lifecircle.web.office import read_upload, rendered, zh
from lifecircle.workflow import evaluation, overview, staging
from lifecircle.workflow.bulletin_archive import (
    FORMATS,
    BulletinEntry,
    get_bulletin,
    judge_day,
    list_bulletins,
    write_file,
)
from lifecircle.workflow.bulletins import file_stem, publish_bulletin
from lifecircle.workflow.evaluation_board import (
    STEP_ACTION,
    STEP_ZH,
    EvaluationRow,
    advance,
    evaluation_rows,
    get_evaluation,
    row_of,
    scope_of_evaluation,
)
from lifecircle.workflow.imports import ImportReport
from lifecircle.workflow.office_imports import check_staged, parse_kind
from lifecircle.workflow.permissions import Actor, Scope, require
from lifecircle.workflow.schedule_board import export_board, schedule_board

ActorDep = Annotated[Actor, Depends(api_actor)]
router = APIRouter(prefix="/api/v1", responses=ERRORS)


def _today(request: Request) -> date:
    return web(request).settings.current_day()


def _bad(exc: InputError | RuleError) -> HTTPException:
    return HTTPException(400, zh(exc))


# --- schedule ---------------------------------------------------------------------------------


@router.get("/schedule", tags=["schedule"], summary="任务铺排表：计划与实际等级")
def api_schedule(
    request: Request, actor: ActorDep, year: int | None = None, street: str | None = None
) -> Any:
    require(actor, "schedule.read")
    with work(request, actor) as s:
        b = schedule_board(s, on=_today(request), year=year, street=street or None)
        return {
            "on": b.on,
            "year": b.year,
            "street": b.street,
            "counts": b.counts,
            "totals": [
                {
                    "id": t.id,
                    "label": t.label,
                    "grade": t.grade,
                    "required": t.required,
                    "planned": t.planned,
                    "achieved": t.achieved,
                }
                for t in b.totals
            ],
            "targets": [
                {
                    "year": r.year,
                    "circle_id": r.circle,
                    "circle_name": r.circle_name,
                    "street": r.street,
                    "leader": r.leader,
                    "grade": r.grade,
                    "due_date": r.due,
                    "state": r.state,
                    "state_zh": r.state_zh,
                    "reason": r.reason,
                    "held_grade": r.held_grade,
                    "checkup_grade": r.checkup_grade,
                }
                for r in b.rows
            ],
        }


@router.get(
    "/schedule/export.xlsx",
    tags=["schedule"],
    summary="导出任务铺排表（计划与实际）为 Excel",
    response_class=Response,
)
def api_schedule_export(
    request: Request, actor: ActorDep, year: int | None = None, street: str | None = None
) -> Response:
    require(actor, "schedule.read")
    with work(request, actor) as s:
        b = schedule_board(s, on=_today(request), year=year, street=street or None)
    name = f"任务铺排表_计划与实际_{year or '全部年度'}.xlsx"
    return rendered(lambda folder: export_board(b, folder / "plan.xlsx"), name)


# --- evaluations ------------------------------------------------------------------------------


def _evaluation(r: EvaluationRow, actor: Actor) -> dict[str, Any]:
    e: Evaluation = r.evaluation
    return {
        "id": e.id,
        "circle_id": e.circle.code,
        "circle_name": e.circle.name,
        "street": e.circle.street.name,
        "grade": e.grade,
        "year": e.year,
        "is_recheck": e.is_recheck,
        "stage": e.stage,
        "stage_zh": r.stage_zh,
        "steps": [{"name": st.zh, "on": st.on, "note": st.note} for st in r.steps],
        "next_step": r.next_step,
        "next_step_zh": r.next_zh,
        "may_take_next_step": r.may_advance(actor),
        "version": e.version,
    }


class SelfAssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    circle_id: str = Field(min_length=1, description="生活圈编号")
    grade: str = Field(description="AA 或 AAA")
    year: int
    respondents: int = Field(ge=1, description="问卷份数")
    satisfaction: float = Field(ge=0, le=100, description="满意度（%）")
    on: date | None = Field(None, description="自评日期，默认今天")


@router.get("/evaluations", tags=["evaluation"], summary="评定记录及下一步")
def api_evaluations(
    request: Request,
    actor: ActorDep,
    circle_id: str | None = None,
    year: int | None = None,
    open_only: bool = False,
) -> Any:
    require(actor, "evaluation.read")
    with work(request, actor) as s:
        rows = evaluation_rows(s, circle=circle_id, year=year, open_only=open_only)
        return [_evaluation(r, actor) for r in rows]


@router.get("/evaluations/{evaluation_id}", tags=["evaluation"], summary="一条评定记录")
def api_evaluation(request: Request, evaluation_id: RowId, actor: ActorDep) -> Any:
    require(actor, "evaluation.read")
    with work(request, actor) as s:
        try:
            e = get_evaluation(s, evaluation_id)
        except RuleError as exc:
            raise HTTPException(404, zh(exc)) from None
        return _evaluation(row_of(e), actor)


@router.post(
    "/evaluations", tags=["evaluation"], status_code=201, summary="登记居民自评（开启评定）"
)
def api_self_assess(request: Request, body: SelfAssessmentIn, actor: ActorDep) -> Any:
    with work(request, actor) as s:
        c = overview.find_circle(s, body.circle_id)
        if c is None:
            raise HTTPException(404, f"没有编号为 {body.circle_id} 的生活圈")
        require(actor, "evaluation.self_assess", Scope(c.id, c.street_id))
        try:
            e = evaluation.self_assessment(
                s,
                c.code,
                body.grade.strip().upper(),
                year=body.year,
                on=body.on or _today(request),
                respondents=body.respondents,
                satisfaction=body.satisfaction,
            )
        except (InputError, RuleError) as exc:
            raise _bad(exc) from None
        return _evaluation(row_of(e), actor)


@router.post(
    "/evaluations/{evaluation_id}/steps/{step}",
    tags=["evaluation"],
    summary="办理下一步：declare 申报、review 区级审核、joint 联合评定、publish 公布、plaque 挂牌",
)
def api_step(
    request: Request,
    evaluation_id: RowId,
    step: str,
    actor: ActorDep,
    version: Annotated[int | None, Form()] = None,
    on: Annotated[date | None, Form()] = None,
    passed: Annotated[bool | None, Form()] = None,
    note: Annotated[str, Form()] = "",
    override_reason: Annotated[str, Form()] = "",
    evidence: Annotated[list[UploadFile] | None, File()] = None,
) -> Any:
    if step not in STEP_ZH:
        raise HTTPException(404, f"没有评定步骤 {step}（可用：{'、'.join(STEP_ZH)}）")
    with work(request, actor) as s:
        try:
            e = get_evaluation(s, evaluation_id)
        except RuleError as exc:
            raise HTTPException(404, zh(exc)) from None
        require(actor, STEP_ACTION[step], scope_of_evaluation(e))
        try:
            files = [
                (u.filename or "佐证", read_upload(u, limit=20 * 1024 * 1024, label="佐证文件"))
                for u in evidence or []
                if u.filename
            ]
            e = advance(
                s,
                evaluation_id,
                step,
                on=on or _today(request),
                expected_version=version,
                passed=passed,
                note=note,
                override_reason=override_reason.strip() or None,
                evidence=files,
            )
        except (InputError, RuleError) as exc:
            raise _bad(exc) from None
        return _evaluation(row_of(e), actor)


# --- bulletins --------------------------------------------------------------------------------


class BulletinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="通报月份 YYYY-MM")
    issued_on: date | None = Field(None, description="成文日期，默认判定日期")
    number: int | None = Field(None, ge=1, description="期号，默认本年下一期")
    issuer: str | None = Field(None, max_length=100, description="发文机关")


def _bulletin(b: BulletinEntry, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "period": b.period,
        "title": b.title,
        "issue": b.issue,
        "issued_on": b.issued_on,
        "summary": b.summary,
        "praised": b.praised,
        "criticised": b.criticised,
        "files": {fmt: f"/api/v1/bulletins/{b.period}/download/{fmt}" for fmt in FORMATS},
    }
    if full:
        out["content"] = b.bulletin.data
    return out


@router.get("/bulletins", tags=["bulletins"], summary="已生成的通报")
def api_bulletins(request: Request, actor: ActorDep) -> Any:
    require(actor, "bulletin.read")
    with work(request, actor) as s:
        return [_bulletin(b) for b in list_bulletins(s)]


@router.post("/bulletins", tags=["bulletins"], status_code=201, summary="生成某月通报")
def api_publish_bulletin(request: Request, body: BulletinIn, actor: ActorDep) -> Any:
    require(actor, "bulletin.publish")
    import tempfile

    with work(request, actor) as s, tempfile.TemporaryDirectory() as tmp:
        try:
            file_stem(body.period)
            publish_bulletin(
                s,
                body.period,
                out_dir=tmp,
                today=judge_day(body.period, _today(request)),
                issued_on=body.issued_on,
                number=body.number,
                issuer=body.issuer,
            )
            return _bulletin(get_bulletin(s, body.period), full=True)
        except (InputError, RuleError) as exc:
            raise _bad(exc) from None


@router.get("/bulletins/{period}", tags=["bulletins"], summary="一期通报的内容")
def api_bulletin(request: Request, period: str, actor: ActorDep) -> Any:
    require(actor, "bulletin.read")
    with work(request, actor) as s:
        try:
            return _bulletin(get_bulletin(s, period), full=True)
        except (InputError, RuleError) as exc:
            raise HTTPException(404, zh(exc)) from None


@router.get(
    "/bulletins/{period}/download/{fmt}",
    tags=["bulletins"],
    summary="下载通报：docx（Word 公文）或 xlsx（Excel）",
    response_class=Response,
)
def api_bulletin_file(request: Request, period: str, fmt: str, actor: ActorDep) -> Response:
    require(actor, "bulletin.read")
    if fmt not in FORMATS:
        raise HTTPException(404, "只提供 docx 与 xlsx 两种格式")
    with work(request, actor) as s:
        try:
            entry = get_bulletin(s, period)
        except (InputError, RuleError) as exc:
            raise HTTPException(404, zh(exc)) from None
        return rendered(lambda folder: write_file(entry, fmt, folder), f"{file_stem(period)}.{fmt}")


# --- imports ----------------------------------------------------------------------------------


def report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "title": report.title,
        "file": report.file,
        "rows": report.rows,
        "layout": report.layout,
        "header_row": report.header_row,
        "table_title": report.table_title,
        "columns": report.columns,
        "ok": report.ok,
        "committed": report.committed,
        "counts": report.counts,
        "summary": report.summary().replace("（加 --commit 写入）", "（commit=true 时写入）"),
        "problems": [
            {
                "severity": p.severity,
                "row": p.row,
                "file_row": p.file_row,
                "field": p.field,
                "column": p.column,
                "value": p.value,
                "message": p.message,
                "fix": p.fix,
            }
            for p in report.problems
        ],
    }


@router.post(
    "/imports/{kind}",
    tags=["imports"],
    summary="上传导入：先检查（校验报告）；commit=true 且无错误时写入",
)
def api_import(
    request: Request,
    kind: str,
    actor: ActorDep,
    file: Annotated[UploadFile, File()],
    sheet: Annotated[str, Form()] = "",
    commit: bool = False,
) -> Any:
    require(actor, "data.import")
    try:
        k = parse_kind(kind)
        staged = staging.stage(
            kind=k.code,
            filename=file.filename or "上传文件",
            content=file.file.read(staging.MAX_UPLOAD_BYTES + 1),
            owner=actor.name,
            sheet=sheet.strip() or None,
        )
    except (InputError, RuleError) as exc:
        raise _bad(exc) from None
    try:
        with work(request, actor) as s:
            report = check_staged(s, staged, commit=commit, on=_today(request))
            if not report.committed:
                s.rollback()
    finally:
        staging.discard(staged)
    return JSONResponse(_jsonable(report_json(report)), status_code=200 if report.ok else 422)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    from fastapi.encoders import jsonable_encoder

    out: dict[str, Any] = jsonable_encoder(data)
    return out
