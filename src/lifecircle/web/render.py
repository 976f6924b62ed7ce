"""Rendering of the pages: the layout's context, the form token check, redirects with a
message, who may see staff pages, and reading form values."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from lifecircle.errors import InputError
from lifecircle.web.deps import SAFE_METHODS, actor_profile, cookie_token, page_actor, web, work
from lifecircle.web.security import FLASH_COOKIE, SESSION_COOKIE
from lifecircle.workflow import config, overview
from lifecircle.workflow.permissions import Actor, can, require
from lifecircle.workflow.views import cached


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


def nav(actor: Actor) -> list[tuple[str, str]]:
    if actor.is_staff:
        items = [("/", "一张图"), ("/projects", "项目库"), ("/schedule", "计划")]
        items += [("/evaluation", "评价"), ("/bulletins", "简报"), ("/public", "公众页面")]
    else:
        items = [("/public", "生活圈")]
    if can(actor, "user.manage"):
        items.append(("/admin/users", "用户管理"))
    if can(actor, "data.import"):
        items.append(("/admin/imports", "数据导入"))
    return [*items, ("/help", "帮助")]


def set_session_cookie(
    request: Request, response: Response, token: str, *, max_age: int | None
) -> None:
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


def _layout(request: Request) -> tuple[dict[str, Any], str, bool, Any]:
    """The layout's context (who is acting, the form token, navigation, the notice, the
    message left by the last action), the session token, whether it is new, and the flash."""
    st = web(request)
    actor: Actor = getattr(request.state, "actor", None) or page_actor(request)
    token = cookie_token(request)
    new_token = token is None
    if new_token:
        token = st.keys.new_cookie_token()
    assert token is not None
    flash = st.keys.read_flash(request.cookies.get(FLASH_COOKIE))
    notice = getattr(request.state, "notice", None)
    if not hasattr(request.state, "notice"):
        try:
            with work(request, actor, write=False) as s:  # may run inside a write unit
                notice = overview.data_notice(s)
        except Exception:  # an error page must render even when the database does not
            notice = None
    ctx = {
        "actor": actor,
        "csrf_token": st.keys.csrf_for(token),
        "nav": nav(actor),
        "path": request.url.path,
        "flash": flash,
        "notice": notice,
        "today": st.settings.current_day(),
        "grade_zh": config.GRADE_ZH,
    }
    return ctx, token, new_token, flash


def _finish(
    request: Request, response: HTMLResponse, token: str, new_token: bool, flash: Any
) -> HTMLResponse:
    if new_token:
        set_session_cookie(request, response, token, max_age=None)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


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
    layout, token, new_token, flash = _layout(request)
    response = web(request).templates.TemplateResponse(
        request, template, {**layout, **(context or {})}, status_code=status, headers=headers
    )
    return _finish(request, response, token, new_token, flash)


# Stands for the form token in a cached page body (each visitor gets their own token).
_TOKEN_MARK = f"csrf{secrets.token_hex(12)}mark"


def _keeping(
    block: Callable[[Any], Iterator[str]], name: str, kept: dict[str, str]
) -> Callable[[Any], Iterator[str]]:
    def render_block(ctx: Any) -> Iterator[str]:
        kept[name] = "".join(block(ctx))
        yield kept[name]

    return render_block


def _fixed(text: str) -> Callable[[Any], Iterator[str]]:
    def render_block(_ctx: Any) -> Iterator[str]:
        yield text

    return render_block


def render_cached(
    request: Request,
    session: Session,
    template: str,
    key: Hashable,
    context: Callable[[], dict[str, Any]],
) -> HTMLResponse:
    """``render`` for a page whose blocks (title, head, main, scripts) depend only on the
    database, ``key``, the day and the reader's role and scope: they are rendered once per
    programme version (``workflow.views``) and reused; the layout (name, form token,
    navigation, message) is rendered for each request. ``context()`` computes the page's
    context (only when the blocks are not cached yet)."""
    layout, token, new_token, flash = _layout(request)
    actor: Actor = layout["actor"]
    env = web(request).templates.env
    page = env.get_template(template)

    def blocks() -> dict[str, str]:
        # the whole page is rendered once (its top-level imports run), keeping each block
        ctx = page.new_context(
            {**layout, "csrf_token": _TOKEN_MARK, "request": request, **context()}
        )
        kept: dict[str, str] = {}
        for name in page.blocks:
            ctx.blocks[name][0] = _keeping(ctx.blocks[name][0], name, kept)
        "".join(page.root_render_func(ctx))
        return kept

    full_key = (key, layout["today"], request.url.path, actor_profile(actor))
    cached_blocks = cached(session, f"page:{template}", full_key, blocks)
    csrf = layout["csrf_token"]
    ctx = page.new_context({**layout, "request": request})
    for name, html in cached_blocks.items():
        text = Markup(html.replace(_TOKEN_MARK, csrf))
        ctx.blocks[name] = [_fixed(text)]
    body = "".join(page.root_render_func(ctx))
    return _finish(request, HTMLResponse(body), token, new_token, flash)


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


def today_of(request: Request) -> date:
    return web(request).settings.current_day()


def local_path(url: str | None) -> str:
    """Only paths of this site are followed after sign-in (no open redirect)."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/"


def staff_or_login(actor: Actor, request: Request, *, staff: bool = True) -> None:
    """Send the public to sign in; refuse signed-in users who are not staff (when asked)."""
    if actor.user_id is None:
        raise login_needed(request)
    if staff:
        require(actor, "map.read")


def login_needed(request: Request) -> HTTPException:
    return HTTPException(
        303, "请先登录", headers={"Location": f"/login?next={quote(request.url.path)}"}
    )


def form_date(value: str, label: str, *, required: bool = False) -> date | None:
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


def form_int(value: str, label: str) -> int:
    v = (value or "0").strip().replace(",", "")
    try:
        n = int(v)
    except ValueError:
        raise InputError(f"{label} {v!r} 不是整数", field=label, fix="填写整数（元）") from None
    if not 0 <= n <= 10**12:
        raise InputError(f"{label} {n} 超出范围", field=label, fix="填写 0 到 1 万亿之间的整数")
    return n
