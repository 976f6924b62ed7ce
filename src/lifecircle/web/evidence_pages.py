"""Evidence (佐证材料) of a project: upload on the project page and by the API, download for
those who may read it. Kinds and size are checked in ``workflow.evidence``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lifecircle.errors import InputError, RuleError
from lifecircle.store.models import EvidenceFile, Project
from lifecircle.web.api import ERRORS
from lifecircle.web.deps import RowId, api_actor, page_actor, web, work
from lifecircle.web.render import csrf_guard, redirect, staff_or_login
from lifecircle.workflow import evidence, overview, projects
from lifecircle.workflow.evidence_store import EvidenceStore
from lifecircle.workflow.permissions import Actor, can, require, scope_of_project

PageActor = Annotated[Actor, Depends(page_actor)]
ApiActor = Annotated[Actor, Depends(api_actor)]
pages = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])
api = APIRouter(prefix="/api/v1", tags=["evidence"], responses=ERRORS)


class EvidenceOut(BaseModel):
    id: int
    filename: str
    size: int = Field(description="字节数")
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    url: str = Field(description="下载地址")


def _store(request: Request) -> EvidenceStore:
    return EvidenceStore(web(request).settings.evidence_dir())


def _max_mb(request: Request) -> float:
    return web(request).settings.evidence_max_mb


def _read_upload(request: Request, upload: UploadFile) -> bytes:
    """At most one byte more than the limit is read, so a huge upload is refused early."""
    limit = int(_max_mb(request) * 1024 * 1024)
    return upload.file.read(limit + 1)


def _project(s: Session, code: str, actor: Actor) -> Project:
    p = overview.find_project(s, code)
    if p is None or not can(actor, "project.read", scope_of_project(p)):
        raise HTTPException(404, f"没有编号为 {code} 的项目")
    return p


def _out(ev: EvidenceFile, code: str) -> dict[str, Any]:
    return {
        "id": ev.id,
        "filename": ev.filename,
        "size": ev.size,
        "sha256": ev.sha256,
        "uploaded_at": ev.uploaded_at,
        "uploaded_by": ev.uploaded_by,
        "url": f"/api/v1/projects/{quote(code)}/evidence/{ev.id}",
    }


def _download(request: Request, actor: Actor, code: str, evidence_id: int) -> Response:
    with work(request, actor) as s:
        p = _project(s, code, actor)
        require(actor, "evidence.read", scope_of_project(p))
        ev = evidence.find(s, p, evidence_id)
        if ev is None:
            raise HTTPException(404, f"项目 {code} 没有编号为 {evidence_id} 的佐证材料")
        try:
            content = projects.evidence_content(ev, _store(request))
        except RuleError as exc:
            raise HTTPException(500, evidence.message_zh(exc)) from None
        name = ev.filename
    return Response(
        content,
        media_type=evidence.media_type(name, content),
        headers={"Content-Disposition": evidence.content_disposition(name)},
    )


def _upload(
    request: Request, actor: Actor, code: str, upload: UploadFile
) -> tuple[EvidenceFile, str]:
    content = _read_upload(request, upload)
    with work(request, actor) as s:
        p = _project(s, code, actor)
        require(actor, "evidence.upload", scope_of_project(p))
        ev = evidence.upload(
            s,
            p,
            upload.filename or "",
            content,
            store=_store(request),
            max_mb=_max_mb(request),
        )
        return ev, p.code


# --- pages ----------------------------------------------------------------------------------


@pages.post("/projects/{code}/evidence")
def upload_page(
    request: Request,
    code: str,
    actor: PageActor,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    staff_or_login(actor, request)
    back = f"/projects/{quote(code)}"
    if file is None or not file.filename:
        return redirect(request, back, flash=("error", "材料未上传：请先选择要上传的文件。"))
    try:
        ev, _ = _upload(request, actor, code, file)
    except InputError as exc:
        name = evidence.safe_filename(file.filename)
        return redirect(
            request, back, flash=("error", f"材料“{name}”未上传：{evidence.message_zh(exc)}")
        )
    return redirect(
        request, back, flash=("ok", f"已上传佐证材料“{ev.filename}”（{_size_zh(ev.size)}）。")
    )


@pages.get("/projects/{code}/evidence/{evidence_id}")
def download_page(request: Request, code: str, evidence_id: RowId, actor: PageActor) -> Response:
    staff_or_login(actor, request)
    return _download(request, actor, code, evidence_id)


def _size_zh(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


# --- API ------------------------------------------------------------------------------------


@api.get(
    "/projects/{project_id}/evidence",
    response_model=list[EvidenceOut],
    summary="一个项目的佐证材料（工作人员）",
)
def list_evidence(request: Request, project_id: str, actor: ApiActor) -> Any:
    with work(request, actor) as s:
        p = _project(s, project_id, actor)
        require(actor, "evidence.read", scope_of_project(p))
        return [_out(ev, p.code) for ev in projects.evidence_of(s, p.id)]


@api.post(
    "/projects/{project_id}/evidence",
    response_model=EvidenceOut,
    status_code=201,
    summary="上传佐证材料（PDF、JPEG、PNG、Word、Excel；按内容判断类型）",
    responses={413: {"description": "文件过大"}},
)
def upload_evidence(
    request: Request, project_id: str, actor: ApiActor, file: Annotated[UploadFile, File()]
) -> Any:
    try:
        ev, code = _upload(request, actor, project_id, file)
    except InputError as exc:
        status = 413 if exc.message.startswith("文件过大") else 400
        raise HTTPException(status, evidence.message_zh(exc)) from None
    return _out(ev, code)


@api.get(
    "/projects/{project_id}/evidence/{evidence_id}",
    summary="下载一份佐证材料",
    response_class=Response,
    responses={200: {"description": "文件内容（Content-Disposition 带中文文件名）"}},
)
def download_evidence(
    request: Request, project_id: str, evidence_id: RowId, actor: ApiActor
) -> Response:
    return _download(request, actor, project_id, evidence_id)
