"""Accounts of the web platform: users with a role and scope, Argon2 passwords, sessions."""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lifecircle.errors import InputError, RuleError
from lifecircle.store.models import AppSetting, Circle, Street, User, UserSession, utcnow
from lifecircle.workflow._common import flush, get_unit
from lifecircle.workflow.permissions import ROLE_ZH, SCOPE_OF_ROLE, parse_role

MIN_PASSWORD = 8
_HASHER = PasswordHasher()
# verified when the user does not exist, so a wrong name costs as much time as a wrong password
_DUMMY_HASH = _HASHER.hash("lifecircle-dummy-password")
#: argon2 takes 64 MB per check on purpose; at most this many at once, so a crowd signing
#: in (or an attacker) queues instead of taking the server's memory
_CHECKS = threading.BoundedSemaphore(max(2, min(4, os.cpu_count() or 2)))


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _HASHER.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"密码太短（{len(password)} 个字符）",
            field="password",
            fix=f"使用至少 {MIN_PASSWORD} 个字符的密码",
        )


def _street(session: Session, name: str) -> Street:
    st = session.scalar(select(Street).where(Street.name == name.strip()))
    if st is None:
        known = "、".join(session.scalars(select(Street.name).order_by(Street.name)))
        raise InputError(
            f"没有名为 {name!r} 的街道",
            field="street",
            fix=f"使用已有街道名称：{known}" if known else "先导入生活圈清单（lifecircle import）",
        )
    return st


def _circles(session: Session, codes: Iterable[str]) -> list[Circle]:
    out = []
    for code in codes:
        c = session.scalar(select(Circle).where(Circle.code == code.strip()))
        if c is None:
            raise InputError(
                f"没有编号为 {code!r} 的生活圈",
                field="circle",
                fix="使用生活圈清单中的编号（如 C01）",
            )
        out.append(c)
    return out


def add_user(
    session: Session,
    username: str,
    *,
    role: str,
    password: str,
    display_name: str | None = None,
    street: str | None = None,
    circles: Iterable[str] = (),
    unit: str | None = None,
) -> User:
    """Create an account. A street user needs ``street``, a circle leader at least one circle,
    a unit user its ``unit``; roles are accepted in Chinese (``圈长``).

    Parameters
    ----------
    session : Session
        Open session (the caller commits).
    username : str
        Login name, unique, without spaces.
    role : str
        A role code or its Chinese name.
    password : str
        At least ``MIN_PASSWORD`` characters; only its Argon2 hash is stored.
    display_name, street, circles, unit
        Name shown on pages; the scope of street, circle-leader and unit accounts.

    Returns
    -------
    User
    """
    name = (username or "").strip()
    if not name or any(ch.isspace() for ch in name) or len(name) > 100:
        raise InputError(
            f"用户名 {username!r} 不可用",
            field="username",
            fix="用户名不能为空、不含空格，最长 100 字",
        )
    if session.scalar(select(User).where(User.username == name)) is not None:
        raise RuleError(f"用户 {name} 已存在", fix="换一个用户名，或用 lifecircle user list 查看")
    code = parse_role(role)
    _check_password(password)
    circle_codes = [c for c in circles if c and c.strip()]
    need = SCOPE_OF_ROLE.get(code)
    if need == "street" and not street:
        raise InputError("街道账号需要指定街道", field="street", fix="加上 --street 街道名称")
    if need == "circles" and not circle_codes:
        raise InputError(
            "圈长账号需要指定生活圈", field="circle", fix="加上 --circle C01（可多次）"
        )
    if need == "unit" and not unit:
        raise InputError("责任单位账号需要指定单位", field="unit", fix="加上 --unit 单位名称或代码")
    user = User(
        username=name,
        display_name=display_name,
        role=code,
        street_id=_street(session, street).id if street else None,
        unit_id=get_unit(session, unit).id if unit else None,
        password_hash=hash_password(password),
        active=True,
    )
    user.circles = _circles(session, circle_codes)
    if code == "circle_leader" and street:
        wrong = [c.code for c in user.circles if c.street_id != user.street_id]
        if wrong:
            raise InputError(
                f"生活圈 {'、'.join(wrong)} 不属于街道 {street}",
                field="circle",
                fix="圈长的生活圈须在其街道内，或不指定街道",
            )
    session.add(user)
    flush(session, "user", name)
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(
        select(User).where(User.username == username.strip()).options(selectinload(User.circles))
    )
    if user is None:
        raise RuleError(f"没有用户 {username}", fix="用 lifecircle user list 查看已有用户")
    return user


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(
        session.scalars(select(User).order_by(User.username).options(selectinload(User.circles)))
    )


def set_active(session: Session, username: str, active: bool, *, by: str | None = None) -> User:
    """Disable (or re-enable) an account; disabling ends its sessions at once. ``by`` is the
    one doing it: nobody disables the account they are using."""
    if not active and by is not None and by == username.strip():
        raise RuleError("不能停用自己正在使用的账号", fix="请另一位管理员停用")
    user = get_user(session, username)
    user.active = active
    if not active:
        for s in session.scalars(select(UserSession).where(UserSession.user_id == user.id)):
            session.delete(s)
    flush(session, "user", user.username)
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """Replace the password; sessions and API tokens issued before stop working."""
    _check_password(password)
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    for s in session.scalars(select(UserSession).where(UserSession.user_id == user.id)):
        session.delete(s)
    flush(session, "user", user.username)
    return user


def change_own_password(session: Session, username: str, current: str, new: str) -> User:
    """A user replaces their own password, confirming the current one first."""
    if authenticate(session, username, current) is None:
        raise InputError("当前密码不对", field="current", fix="输入您现在使用的密码")
    return set_password(session, username, new)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with that name and password, or None (same work either way)."""
    user = session.scalar(
        select(User)
        .where(User.username == (username or "").strip())
        .options(selectinload(User.circles))
    )
    try:
        with _CHECKS:
            _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        flush(session, "user", user.username)
    return user


def credential_fingerprint(user: User) -> str:
    """Changes when the password changes: stamped into API tokens so old ones stop working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, *, hours: float = 8.0) -> str:
    """A new session for ``user``: returns the token for the cookie (only its hash is stored).
    A fresh token at every sign-in, so a token planted before sign-in is worthless."""
    now = utcnow()
    session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at < now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=_token_id(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    flush(session, "session")
    return token


def session_user(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The active user of an unexpired session token, or None."""
    row = session.get(UserSession, _token_id(token))
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    user = session.scalar(
        select(User).where(User.id == row.user_id).options(selectinload(User.circles))
    )
    return user if user is not None and user.active else None


def end_session(session: Session, token: str) -> None:
    """Sign out: the session row goes (and with it the cookie's worth)."""
    row = session.get(UserSession, _token_id(token))
    if row is not None:
        session.delete(row)
        flush(session, "session")


def installation_secret(session: Session, key: str = "session_secret") -> str:
    """The installation's signing secret, generated once and kept in the database (so every
    server process of one installation signs alike). Its value never enters the audit log."""
    row = session.get(AppSetting, key)
    if row is not None:
        return row.value
    value = secrets.token_urlsafe(48)
    try:
        with session.begin_nested():
            session.add(AppSetting(key=key, value=value))
    except IntegrityError:  # another process made it first
        row = session.get(AppSetting, key)
        assert row is not None
        return row.value
    return value


def describe(user: User) -> dict[str, object]:
    """A user as plain values (for listings; no hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_zh": ROLE_ZH[user.role],
        "street": user.street.name if user.street else None,
        "unit": user.unit.name if user.unit else None,
        "circles": [c.code for c in user.circles],
        "active": user.active,
    }
