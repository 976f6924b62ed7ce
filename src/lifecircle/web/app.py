"""The FastAPI application: settings, middleware, the API, the pages, static files, errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import inspect

from lifecircle import __version__
from lifecircle.errors import AccessDenied, ConflictError, InputError, LifecircleError, RuleError
from lifecircle.store import make_engine, session_scope
from lifecircle.web import (
    admin,
    api,
    bulletin_pages,
    evaluation_pages,
    evidence_pages,
    help_pages,
    import_pages,
    map_api,
    map_pages,
    mobility_pages,
    office_api,
    pages,
    project_pages,
    render,
    resident_pages,
    schedule_pages,
    timefmt,
)
from lifecircle.web.backup_schedule import lifespan_for
from lifecircle.web.deps import WebState
from lifecircle.web.openapi_errors import document_errors
from lifecircle.web.security import Keys, LoginLimiter, SecurityHeaders
from lifecircle.web.settings import Settings
from lifecircle.workflow import accounts

API_DESCRIPTION = (
    "绿色完整居住社区（一刻钟生活圈）平台的 JSON 接口。用 `POST /api/v1/auth/token`（表单字段 "
    "username、password）换取令牌，之后在请求头带 `Authorization: Bearer <令牌>`。"
    "未带令牌时按公众身份，只能读取公开的非个人数据。生活圈和项目的 id 为其编号（如 C01、XM2024-001）。"
)
_FIELD_ZH = {
    "missing": "缺少此项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "date_from_datetime_parsing": "应为日期（如 2025-08-31）",
    "date_parsing": "应为日期（如 2025-08-31）",
    "date_type": "应为日期（如 2025-08-31）",
    "string_too_short": "不能为空",
    "string_too_long": "太长",
    "greater_than_equal": "太小",
    "less_than_equal": "太大",
    "extra_forbidden": "不是可用的字段",
    "list_type": "应为列表",
    "string_type": "应为文字",
    "json_invalid": "不是有效的 JSON",
}


def _static_dirs() -> tuple[Path, Path]:
    web_static = Path(str(resources.files("lifecircle.web") / "static"))
    vendor = Path(str(resources.files("lifecircle.reports") / "static"))
    return web_static, vendor


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("lifecircle.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # compiled once per process: no file check on every page (templates ship with the
        # package and change only with an upgrade, which restarts the server)
        auto_reload=False,
    )
    env.filters["beijing"] = timefmt.beijing
    return Jinja2Templates(env=env)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web platform as an ASGI application.

    Parameters
    ----------
    settings : Settings, optional
        Default ``Settings.from_env()``.

    Returns
    -------
    FastAPI
    """
    settings = settings or Settings.from_env()
    engine = settings.engine or make_engine(settings.db_url)
    if not inspect(engine).has_table("users"):
        raise RuleError(
            f"数据库 {engine.url.render_as_string()} 尚未建立或版本过旧（没有 users 表）",
            fix="先运行 lifecircle db upgrade --db 同一数据库",
        )
    secret = settings.secret_key
    if not secret:
        with session_scope(engine, actor="lifecircle serve") as s:
            secret = accounts.installation_secret(s)
    state = WebState(
        settings=settings,
        engine=engine,
        keys=Keys(secret),
        limiter=LoginLimiter(settings.login_attempts, settings.login_window_s),
        templates=_templates(),
    )
    app = FastAPI(
        title="lifecircle 平台接口",
        description=API_DESCRIPTION,
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI would load from a CDN; the OpenAPI document is enough
        redoc_url=None,
        lifespan=lifespan_for(settings, engine),
    )
    app.state.web = state
    document_errors(app)
    app.add_middleware(SecurityHeaders)
    app.include_router(api.router)
    app.include_router(map_api.router)
    app.include_router(map_pages.router)
    app.include_router(help_pages.router)
    app.include_router(pages.router)
    app.include_router(project_pages.router)
    app.include_router(admin.router)
    for office in (schedule_pages, evaluation_pages, bulletin_pages, import_pages, office_api):
        app.include_router(office.router)
    app.include_router(mobility_pages.api_router)
    app.include_router(mobility_pages.page_router)
    app.include_router(evidence_pages.api)
    app.include_router(evidence_pages.pages)
    app.include_router(resident_pages.router)
    web_static, vendor = _static_dirs()
    app.mount("/static/vendor", StaticFiles(directory=vendor), name="vendor")
    app.mount("/static", StaticFiles(directory=web_static), name="static")
    _errors(app)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(AccessDenied)
    async def _denied(request: Request, exc: AccessDenied) -> Response:
        actor = getattr(request.state, "actor", None)
        anonymous = actor is None or actor.user_id is None
        if _is_api(request):
            if anonymous:
                return JSONResponse(
                    {"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
            return JSONResponse({"detail": str(exc)}, status_code=403)
        if anonymous:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render.error_page(request, 403, str(exc))

    @app.exception_handler(ConflictError)
    async def _conflict(request: Request, exc: ConflictError) -> Response:
        text = str(exc)
        if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
            text = "记录已被他人修改，请刷新后重新修改。"
        if _is_api(request):
            return JSONResponse({"detail": text}, status_code=409)
        return render.error_page(request, 409, text)

    @app.exception_handler(LifecircleError)
    async def _rule(request: Request, exc: LifecircleError) -> Response:
        status = 400 if isinstance(exc, InputError | RuleError) else 500
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return render.error_page(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        items: list[dict[str, Any]] = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
            items.append(
                {"field": ".".join(loc), "detail": _FIELD_ZH.get(e.get("type", ""), "取值无效")}
            )
        text = "；".join(f"{i['field']}：{i['detail']}" for i in items)
        if _is_api(request):
            return JSONResponse({"detail": f"请求有误：{text}", "errors": items}, status_code=422)
        return render.error_page(request, 422, f"表单有误：{text}")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "请求有误"
        if exc.status_code == 404 and detail == "Not Found":
            detail = "页面不存在"
        if exc.status_code == 405:
            detail = "不支持此请求方法"
        if _is_api(request):
            return JSONResponse(
                {"detail": detail}, status_code=exc.status_code, headers=exc.headers
            )
        return render.error_page(
            request, exc.status_code, detail, headers=dict(exc.headers) if exc.headers else None
        )

    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
