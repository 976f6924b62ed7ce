"""Residents on a circle's public page (no account): the satisfaction questionnaire and the
feedback form, limited per client IP address; and their counts and messages on the internal
circle page for the circle's leader, its street and the district."""

from __future__ import annotations

import threading
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lifecircle.errors import ConflictError, InputError
from lifecircle.web.deps import RowId, client_ip, page_actor, web, work
from lifecircle.web.render import (
    csrf_guard,
    form_int,
    redirect,
    render,
    render_cached,
    staff_or_login,
    today_of,
)
from lifecircle.web.security import LoginLimiter
from lifecircle.workflow import overview, residents
from lifecircle.workflow.evidence import message_zh
from lifecircle.workflow.overview import CircleDetail
from lifecircle.workflow.permissions import ANONYMOUS, Actor, Scope, can, require, scope_of_project

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])
_LIMITER_LOCK = threading.Lock()


def _limiter(request: Request) -> LoginLimiter:
    """Submissions per client IP address (kept in this process's memory)."""
    state = request.app.state
    with _LIMITER_LOCK:
        if not hasattr(state, "resident_limiter"):
            st = web(request).settings
            state.resident_limiter = LoginLimiter(st.resident_submissions, st.resident_window_s)
        limiter: LoginLimiter = state.resident_limiter
    return limiter


def _scope(d: CircleDetail) -> Scope:
    return Scope(circle_id=d.circle.id, street_id=d.circle.street_id)


def circle_context(s: Session, d: CircleDetail, actor: Actor) -> dict[str, Any]:
    """For the internal circle page: the counts for every staff member; the messages with
    name and phone for the circle's leader, its street and the district."""
    may_read = can(actor, "feedback.read", _scope(d))
    return {
        "residents": residents.summary(s, d.circle.id),
        "feedback": residents.feedback_list(s, d.circle.id, limit=50) if may_read else None,
        "may_handle": can(actor, "feedback.handle", _scope(d)),
        "questionnaire": residents.questionnaire(),
        "feedback_status_zh": residents.STATUS_ZH,
    }


def public_circle_page(
    request: Request,
    code: str,
    actor: Actor,
    *,
    survey_form: dict[str, str] | None = None,
    feedback_form: dict[str, str] | None = None,
    error: tuple[str, str] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A circle's public page: grade and shortfalls in plain words, planned projects, what
    residents said (counted, nothing personal), the questionnaire and the feedback form."""
    forms = {
        "survey_form": survey_form or {},
        "feedback_form": feedback_form or {},
        "form_error": error,  # (which form, message)
    }
    with work(request, actor) as s:

        def context() -> dict[str, Any]:
            d = overview.circle_detail(s, code, today=today_of(request))
            if d is None:
                raise HTTPException(404, f"没有编号为 {code} 的生活圈")
            planned = [
                r for r in d.projects if can(ANONYMOUS, "project.read", scope_of_project(r.project))
            ]
            return {
                "d": d,
                "planned": planned,
                "residents": residents.summary(s, d.circle.id),
                "questionnaire": residents.questionnaire(),
                "message_max": residents.MESSAGE_MAX,
                **forms,
            }

        if (survey_form, feedback_form, error, status, headers) == (None, None, None, 200, None):
            # the page as everyone first sees it: rendered once per programme version
            return render_cached(request, s, "public_circle.html", code, context)
        return render(request, "public_circle.html", context(), status=status, headers=headers)


def _too_many(request: Request) -> tuple[str, int] | None:
    wait = _limiter(request).retry_after([f"ip:{client_ip(request)}"])
    if wait is None:
        return None
    minutes = max(1, round(wait / 60))
    return (
        f"提交过于频繁：同一网络每小时最多提交 {_limiter(request).attempts} 次，请约 {minutes} 分钟后再试。",
        wait,
    )


async def _text_fields(request: Request) -> dict[str, str]:
    return {k: v[:2000] for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post("/public/circles/{code}/survey")
def submit_survey(
    request: Request,
    code: str,
    actor: ActorDep,
    form: Annotated[dict[str, str], Depends(_text_fields)],
) -> Response:
    limited = _too_many(request)
    if limited is not None:
        text, wait = limited
        return public_circle_page(
            request,
            code,
            actor,
            survey_form=form,
            error=("survey", text),
            status=429,
            headers={"Retry-After": str(wait)},
        )
    q = residents.questionnaire()
    answers = {x.id: form.get(f"q_{x.id}") for x in q.questions}
    try:
        with work(request, actor) as s:
            residents.submit_survey(
                s,
                code,
                answers={k: v for k, v in answers.items() if v},
                overall=form.get("q_overall"),
                community=form.get("community"),
            )
    except InputError as exc:
        return public_circle_page(
            request, code, actor, survey_form=form, error=("survey", message_zh(exc)), status=400
        )
    _limiter(request).failed([f"ip:{client_ip(request)}"])  # counts every submission
    return redirect(
        request,
        f"/public/circles/{quote(code)}",
        flash=("ok", "问卷已提交，感谢您参与生活圈评价！"),
    )


@router.post("/public/circles/{code}/feedback")
def submit_feedback(
    request: Request,
    code: str,
    actor: ActorDep,
    topic: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
) -> Response:
    form = {"topic": topic, "message": message, "name": name, "phone": phone}
    limited = _too_many(request)
    if limited is not None:
        text, wait = limited
        return public_circle_page(
            request,
            code,
            actor,
            feedback_form=form,
            error=("feedback", text),
            status=429,
            headers={"Retry-After": str(wait)},
        )
    try:
        with work(request, actor) as s:
            residents.submit_feedback(s, code, topic=topic, message=message, name=name, phone=phone)
    except InputError as exc:
        return public_circle_page(
            request,
            code,
            actor,
            feedback_form=form,
            error=("feedback", message_zh(exc)),
            status=400,
        )
    _limiter(request).failed([f"ip:{client_ip(request)}"])
    return redirect(
        request,
        f"/public/circles/{quote(code)}",
        flash=("ok", "反馈已收到，圈长和街道会及时办理。感谢您的意见！"),
    )


@router.post("/circles/{code}/feedback/{feedback_id}/handled")
def handle_feedback(
    request: Request,
    code: str,
    feedback_id: RowId,
    actor: ActorDep,
    reply: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    staff_or_login(actor, request)
    back = f"/circles/{quote(code)}#rs-h"
    try:
        expected = form_int(version, "版本") if version else None
        with work(request, actor) as s:
            c = overview.find_circle(s, code)
            if c is None:
                raise HTTPException(404, f"没有编号为 {code} 的生活圈")
            require(actor, "feedback.handle", Scope(circle_id=c.id, street_id=c.street_id))
            residents.mark_handled(
                s, feedback_id, circle_id=c.id, reply=reply, expected_version=expected
            )
    except ConflictError:
        return redirect(
            request, back, flash=("error", "该反馈已被他人办理或修改，请查看最新内容。")
        )
    except InputError as exc:
        return redirect(request, back, flash=("error", f"未保存：{message_zh(exc)}"))
    return redirect(request, back, flash=("ok", f"第 {feedback_id} 条反馈已记为“已办理”。"))
