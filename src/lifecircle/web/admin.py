"""Account pages: user management for administrators, one's own password for everyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lifecircle.errors import InputError, RuleError
from lifecircle.web.deps import page_actor, web, work
from lifecircle.web.render import csrf_guard, redirect, render, set_session_cookie, staff_or_login
from lifecircle.workflow import accounts, overview
from lifecircle.workflow.permissions import ROLE_ZH, Actor, require

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])


def _users_page(
    request: Request,
    actor: Actor,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with work(request, actor) as s:
        users = [accounts.describe(u) for u in accounts.list_users(s)]
        today = web(request).settings.current_day()
        return render(
            request,
            "admin_users.html",
            {
                "users": users,
                "roles": ROLE_ZH,
                "streets": overview.streets(s),
                "units": overview.units(s),
                "circles": overview.circle_rows(s, today=today),
                "form": form or {},
                "form_error": error,
            },
            status=status,
        )


@router.get("/admin/users")
def users_page(request: Request, actor: ActorDep) -> Response:
    staff_or_login(actor, request)
    require(actor, "user.manage")
    return _users_page(request, actor)


@router.post("/admin/users")
def add_user(
    request: Request,
    actor: ActorDep,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    street: Annotated[str, Form()] = "",
    circles: Annotated[list[str] | None, Form()] = None,
    unit: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password2: Annotated[str, Form()] = "",
) -> Response:
    staff_or_login(actor, request)
    require(actor, "user.manage")
    form = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "street": street,
        "unit": unit,
    }
    try:
        if password != password2:
            raise InputError("两次输入的密码不一致", field="password", fix="重新输入")
        with work(request, actor) as s:
            accounts.add_user(
                s,
                username,
                role=role,
                password=password,
                display_name=display_name.strip() or None,
                street=street or None,
                circles=circles or [],
                unit=unit or None,
            )
    except (InputError, RuleError) as exc:
        return _users_page(request, actor, form=form, error=str(exc), status=400)
    return redirect(request, "/admin/users", flash=("ok", f"已添加用户 {username.strip()}。"))


@router.post("/admin/users/{username}/active")
def set_active(
    request: Request, username: str, actor: ActorDep, active: Annotated[str, Form()] = "0"
) -> Response:
    staff_or_login(actor, request)
    require(actor, "user.manage")
    on = active == "1"
    try:
        with work(request, actor) as s:
            accounts.set_active(s, username, on, by=actor.name)
    except RuleError as exc:
        return redirect(request, "/admin/users", flash=("error", str(exc)))
    return redirect(
        request, "/admin/users", flash=("ok", f"已{'启用' if on else '停用'}用户 {username}。")
    )


@router.get("/account")
def account_page(request: Request, actor: ActorDep) -> Response:
    staff_or_login(actor, request, staff=False)
    return render(request, "account.html", {})


@router.post("/account/password")
def change_password(
    request: Request,
    actor: ActorDep,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    new2: Annotated[str, Form()] = "",
) -> Response:
    staff_or_login(actor, request, staff=False)
    st = web(request)
    try:
        if new != new2:
            raise InputError("两次输入的新密码不一致", field="new", fix="重新输入")
        with work(request, actor) as s:
            user = accounts.change_own_password(s, actor.name, current, new)
            token = accounts.start_session(s, user, hours=st.settings.session_hours)
    except InputError as exc:
        return render(request, "account.html", {"error": str(exc)}, status=400)
    response = redirect(
        request, "/account", flash=("ok", "密码已修改；其他设备上的登录和接口令牌已失效。")
    )
    set_session_cookie(request, response, token, max_age=int(st.settings.session_hours * 3600))
    return response
