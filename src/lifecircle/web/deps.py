"""Per-request plumbing: the app's state, who is acting (cookie or bearer token), units of work."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import HTTPException, Path, Query, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from lifecircle.store import session_scope
from lifecircle.store.models import User
from lifecircle.web.security import SESSION_COOKIE, Keys, LoginLimiter
from lifecircle.web.settings import Settings
from lifecircle.workflow import accounts, overview
from lifecircle.workflow.permissions import ANONYMOUS, Actor, actor_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A row number in a path or query: what the databases can hold (SQLite's INTEGER is 64-bit;
# a larger number would fail inside the driver instead of answering 404 or 422).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=0, le=MAX_ROW_ID, description="编号")]
OptionalRowIdQuery = Annotated[int | None, Query(ge=0, le=MAX_ROW_ID, description="编号")]


@dataclass
class WebState:
    settings: Settings
    engine: Engine
    keys: Keys
    limiter: LoginLimiter
    templates: Jinja2Templates


def web(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


@contextmanager
def work(request: Request, actor: Actor, *, write: bool | None = None) -> Iterator[Session]:
    """One unit of work for ``actor`` (named in the audit log); commits on success. Requests
    that may write take SQLite's write lock up front, so concurrent writers queue;
    ``write=False`` for a POST that only reads (checking a password holds no lock)."""
    if write is None:
        write = request.method not in SAFE_METHODS
    with session_scope(web(request).engine, actor=actor.name, write=write) as s:
        yield s


def cookie_token(request: Request) -> str | None:
    """The session cookie's token when its signature holds."""
    return web(request).keys.read_cookie(request.cookies.get(SESSION_COOKIE))


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _user_by_token(request: Request, token: str) -> Actor:
    st = web(request)
    read = st.keys.read_token(token, st.settings.token_minutes * 60)
    if isinstance(read, str):
        raise HTTPException(401, read, headers={"WWW-Authenticate": "Bearer"})
    user_id, fingerprint = read
    with session_scope(st.engine) as s:
        user = s.scalar(select(User).where(User.id == user_id).options(selectinload(User.circles)))
        if user is None or not user.active or accounts.credential_fingerprint(user) != fingerprint:
            raise HTTPException(
                401, "令牌已失效（账号已停用或密码已更改）", headers={"WWW-Authenticate": "Bearer"}
            )
        return actor_of(user)


def _user_by_cookie(request: Request) -> Actor:
    """The cookie's user; also reads the page's data notice in the same unit of work, so a
    page never needs a second database connection while its handler holds one (with more
    requests than pooled connections, nested checkouts would wait on each other)."""
    token = cookie_token(request)
    with session_scope(web(request).engine) as s:
        if not hasattr(request.state, "notice"):
            request.state.notice = overview.data_notice(s)
        if token is None:
            return ANONYMOUS
        user = accounts.session_user(s, token)
        return actor_of(user) if user is not None else ANONYMOUS


def page_actor(request: Request) -> Actor:
    """Who is acting on a page: the signed-in user of the session cookie, or the public."""
    if not hasattr(request.state, "actor"):
        request.state.actor = _user_by_cookie(request)
    actor: Actor = request.state.actor
    return actor


def api_actor(request: Request) -> Actor:
    """Who is acting on the API: a bearer token, or (for reading only) the session cookie.
    A write carried by the cookie alone is the public's, so no other site can make a
    signed-in browser write through the API."""
    if not hasattr(request.state, "actor"):
        token = _bearer(request)
        if token is not None:
            request.state.actor = _user_by_token(request, token)
        elif request.method in SAFE_METHODS:
            request.state.actor = _user_by_cookie(request)
        else:
            request.state.actor = ANONYMOUS
    actor: Actor = request.state.actor
    return actor


def actor_profile(actor: Actor) -> tuple[Hashable, ...]:
    """What a cached page body or API answer may depend on about who reads it: role and
    scope, as every permission check reads them (not the name: only the layout shows it)."""
    return (actor.role, actor.user_id is None, actor.street_id, actor.unit_id, actor.circle_ids)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
