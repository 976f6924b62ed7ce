"""数据导入 (admin): office spreadsheets, district packages and checkup results by upload.
The file is checked first and its validation report shown (rows, columns, problems, fixes in
Chinese) with nothing written; a confirm button then commits it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from lifecircle.errors import InputError, RuleError
from lifecircle.standards.loader import list_catalogues
from lifecircle.web.deps import page_actor, work
from lifecircle.web.office import rendered, zh
from lifecircle.web.render import csrf_guard, redirect, render, staff_or_login, today_of
from lifecircle.workflow import checkup_jobs, staging
from lifecircle.workflow.imports import REPORT_HEAD, ImportReport
from lifecircle.workflow.office_imports import KINDS, check_staged, checkup_runs, parse_kind
from lifecircle.workflow.permissions import Actor, require

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])


def _guard(request: Request, actor: Actor) -> None:
    staff_or_login(actor, request)
    require(actor, "data.import")


def _form_page(
    request: Request,
    actor: Actor,
    *,
    kind: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    with work(request, actor) as s:
        return render(
            request,
            "admin_imports.html",
            {
                "kinds": KINDS,
                "kind": kind,
                "runs": checkup_runs(s),
                "form_error": error,
                "jobs": checkup_jobs.list_jobs(),
                "catalogues": list_catalogues(),
            },
            status=status,
        )


def _report_page(
    request: Request, actor: Actor, report: ImportReport, staged: staging.Staged, *, status: int
) -> Response:
    return render(
        request,
        "admin_import_report.html",
        {
            "report": report,
            "kind": KINDS[staged.kind],
            "token": staged.token,
            "head": REPORT_HEAD,
            "rows": report.rows_for_output(),
        },
        status=status,
    )


@router.get("/admin/imports")
def imports_page(request: Request, actor: ActorDep, kind: str = "") -> Response:
    _guard(request, actor)
    return _form_page(request, actor, kind=kind)


@router.post("/admin/imports")
def import_check(
    request: Request,
    actor: ActorDep,
    kind: Annotated[str, Form()] = "",
    sheet: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    _guard(request, actor)
    try:
        k = parse_kind(kind)
        if file is None or not file.filename:
            raise InputError("没有选择文件", field="file", fix="选择要导入的文件后再点“检查”")
        content = file.file.read(staging.MAX_UPLOAD_BYTES + 1)
        staged = staging.stage(
            kind=k.code,
            filename=file.filename,
            content=content,
            owner=actor.name,
            sheet=sheet.strip() or None,
        )
    except (InputError, RuleError) as exc:
        return _form_page(request, actor, kind=kind, error=zh(exc), status=400)
    with work(request, actor) as s:
        report = check_staged(s, staged, commit=False, on=today_of(request))
        s.rollback()  # a check never writes
    # the check itself succeeded: its report (errors included) is the answer
    return _report_page(request, actor, report, staged, status=200)


@router.post("/admin/imports/{token}/commit")
def import_commit(request: Request, token: str, actor: ActorDep) -> Response:
    _guard(request, actor)
    try:
        staged = staging.load(token, owner=actor.name)
    except RuleError as exc:
        return redirect(request, "/admin/imports", flash=("error", zh(exc)))
    with work(request, actor) as s:
        report = check_staged(s, staged, commit=True, on=today_of(request))
        if not report.committed:
            s.rollback()
    if not report.committed:  # the database changed since the check
        return _report_page(request, actor, report, staged, status=400)
    staging.discard(staged)
    return redirect(request, f"/admin/imports?kind={staged.kind}", flash=("ok", report.summary()))


@router.get("/admin/imports/{token}/report.xlsx")
def import_report_file(request: Request, token: str, actor: ActorDep) -> Response:
    _guard(request, actor)
    try:
        staged = staging.load(token, owner=actor.name)
    except RuleError as exc:
        return redirect(request, "/admin/imports", flash=("error", zh(exc)))
    with work(request, actor) as s:
        report = check_staged(s, staged, commit=False, on=today_of(request))
        s.rollback()
    return rendered(lambda folder: report.write(folder / "report.xlsx"), "校验报告.xlsx")


@router.post("/admin/checkup-jobs")
def checkup_job_start(
    request: Request,
    actor: ActorDep,
    catalogue: Annotated[str, Form()] = "changsha-provisional",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Run ``lifecircle checkup`` on an uploaded district package in the background."""
    _guard(request, actor)
    try:
        if file is None or not file.filename:
            raise InputError("没有选择文件", field="file", fix="选择区数据包的 zip 压缩包")
        if not file.filename.lower().endswith(".zip"):
            raise InputError(
                "区数据包须压缩为 .zip 上传", file=file.filename, fix="把数据包文件夹压缩为 zip"
            )
        staged = staging.stage(
            kind="district",
            filename=file.filename,
            content=file.file.read(staging.MAX_UPLOAD_BYTES + 1),
            owner=actor.name,
        )
        try:
            job = checkup_jobs.start_checkup(
                staging.unpack(staged),
                catalogue=catalogue,
                owner=actor.name,
                package_name=staged.name,
            )
        finally:
            staging.discard(staged)
    except (InputError, RuleError) as exc:
        return redirect(request, "/admin/imports#jobs", flash=("error", f"未能开始体检：{zh(exc)}"))
    return redirect(
        request,
        "/admin/imports#jobs",
        flash=("ok", f"体检任务 {job.id} 已开始（{job.package}），完成后可导入结果。"),
    )


@router.post("/admin/checkup-jobs/{job_id}/import")
def checkup_job_import(request: Request, job_id: str, actor: ActorDep) -> Response:
    """Check the finished job's result for import (its validation report, nothing written)."""
    _guard(request, actor)
    try:
        job = checkup_jobs.read_job(job_id)
        staged = staging.stage(
            kind="checkup",
            filename=f"体检结果_{job.id}.zip",
            content=checkup_jobs.result_zip(job),
            owner=actor.name,
        )
    except (InputError, RuleError) as exc:
        return redirect(request, "/admin/imports#jobs", flash=("error", zh(exc)))
    with work(request, actor) as s:
        report = check_staged(s, staged, commit=False, on=today_of(request))
        s.rollback()
    return _report_page(request, actor, report, staged, status=200)
