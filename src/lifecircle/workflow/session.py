"""Opening the programme database: migrated or refused, who acts, and the database commands."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lifecircle.errors import InputError, RuleError
from lifecircle.store import backup as _backup
from lifecircle.store import is_migrated, make_engine, session_scope, upgrade
from lifecircle.workflow.places import seed_units
from lifecircle.workflow.subsidies import ensure_default_rules

DbTarget = str | os.PathLike[str] | None
"""A database URL, a SQLite file, or None for ``$LIFECIRCLE_DB_URL`` / ``./lifecircle.db``."""


def resolve_actor(actor: str | None = None) -> str:
    """Who acts, for the audit log: ``actor`` when given, else the login user.

    Parameters
    ----------
    actor : str, optional
        The name given by the caller (the CLI's ``--actor``, the web's signed-in user).

    Returns
    -------
    str
        The name, stripped.

    Raises
    ------
    RuleError
        When ``actor`` is blank, or not given and the login user cannot be found.
    """
    if actor is not None:
        name = actor.strip()
        if not name:
            raise RuleError("操作人不能为空：请用 --actor 写明操作人姓名")
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise RuleError("无法确定当前登录用户：请用 --actor 写明操作人姓名") from None


_SQLITE_HEADER = b"SQLite format 3\x00"


def check_database(db: DbTarget = None) -> str:
    """The database URL for ``db``, refused with a clear message when it cannot be one.

    A SQLite target must be a SQLite file (or a new file in an existing folder): a folder,
    a text file or a path through a file is an ``InputError`` naming ``--db``; a URL that
    cannot be parsed likewise.

    Parameters
    ----------
    db : str or path-like, optional
        Database URL or SQLite file (default ``$LIFECIRCLE_DB_URL`` or ``./lifecircle.db``).

    Returns
    -------
    str
        The URL ``make_engine`` will open.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from lifecircle.store.db import database_url

    fix_db = "用 --db 给出 SQLite 数据库文件（如 lifecircle.db）或 postgresql:// 地址"
    try:
        url = database_url(db)
        parsed = make_url(url)
    except (ArgumentError, ValueError, OSError) as exc:
        raise InputError(f"数据库地址无法识别：{exc}", field="--db", fix=fix_db) from None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return url
    path = Path(parsed.database)
    try:
        if path.is_dir():
            raise InputError(
                "这是一个文件夹，不是数据库文件", file=str(path), field="--db", fix=fix_db
            )
        if path.exists():
            with path.open("rb") as fh:
                head = fh.read(len(_SQLITE_HEADER))
            if head and head != _SQLITE_HEADER:
                raise InputError(
                    "这个文件不是 SQLite 数据库", file=str(path), field="--db", fix=fix_db
                )
        elif not path.parent.is_dir():
            raise InputError(
                "数据库文件所在的文件夹不存在", file=str(path), field="--db", fix=fix_db
            )
    except OSError as exc:
        raise InputError(
            f"无法打开数据库文件：{exc.strerror or exc}", file=str(path), field="--db", fix=fix_db
        ) from None
    return url


def database_engine(db: DbTarget = None) -> Engine:
    """``make_engine`` on a target ``check_database`` accepted."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    url = check_database(db)
    try:
        return make_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise InputError(
            f"不支持的数据库地址 {url!r}：{exc}",
            field="--db",
            fix="用 SQLite 文件（如 lifecircle.db）或 postgresql://用户@主机/库名",
        ) from None


def _refused(engine: Engine, exc: Exception) -> InputError:
    from sqlalchemy.exc import DBAPIError

    reason = str(exc.orig) if isinstance(exc, DBAPIError) else str(exc)
    return InputError(
        f"无法打开数据库 {engine.url.render_as_string()}：{reason}",
        field="--db",
        fix="核对 --db 或 LIFECIRCLE_DB_URL：文件是否为本系统的数据库，服务器是否可连接",
    )


def programme_engine(db: DbTarget = None) -> Engine:
    """An engine on a migrated programme database; an unmigrated one is refused.

    Parameters
    ----------
    db : str or path-like, optional
        Database URL or SQLite file (default ``$LIFECIRCLE_DB_URL`` or ``./lifecircle.db``).

    Returns
    -------
    sqlalchemy.Engine
        The caller disposes of it.

    Raises
    ------
    RuleError
        When the database has no schema yet (``lifecircle db upgrade`` was not run).
    """
    from sqlalchemy.exc import DBAPIError

    engine = database_engine(db)
    try:
        migrated = is_migrated(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise _refused(engine, exc) from None
    except BaseException:
        engine.dispose()
        raise
    if not migrated:
        where = engine.url.render_as_string()
        engine.dispose()
        raise RuleError(
            f"数据库 {where} 还没有建立表结构（未迁移）：请先运行 `lifecircle db upgrade`"
        )
    return engine


@contextmanager
def open_programme(
    db: DbTarget = None, *, actor: str | None = None, write: bool = True
) -> Iterator[Session]:
    """One unit of work on the programme database, as ``actor``.

    Refuses an unmigrated database, resolves the actor (``resolve_actor``), commits when the
    block ends normally and rolls back on any error; the engine is disposed afterwards.

    Parameters
    ----------
    db : str or path-like, optional
        Database URL or SQLite file (default ``$LIFECIRCLE_DB_URL`` or ``./lifecircle.db``).
    actor : str, optional
        Who acts (written to the audit log); default the login user.
    write : bool, default True
        Take SQLite's write lock at the start, so a command queues behind a running web
        server's writes (up to the busy timeout) instead of failing half-way.

    Yields
    ------
    sqlalchemy.orm.Session
    """
    who = resolve_actor(actor)
    engine = programme_engine(db)
    try:
        with session_scope(engine, actor=who, write=write) as session:
            yield session
    finally:
        engine.dispose()


def seed_programme(session: Session) -> dict[str, int]:
    """Write what the plan fixes before any work starts, where it is not there yet.

    The responsible units and street offices (``units.yaml``) and the default subsidy rules
    (``programme.yaml``; only when the database holds no rule at all). Run by
    ``upgrade_database``; repeating it changes nothing.

    Parameters
    ----------
    session : sqlalchemy.orm.Session

    Returns
    -------
    dict of str -> int
        ``seed_units``'s counts plus ``subsidy_rules`` (rules added).
    """
    counts = dict(seed_units(session))
    counts["subsidy_rules"] = ensure_default_rules(session)
    return counts


def upgrade_database(db: DbTarget = None, *, seed: bool = True) -> str:
    """Create or upgrade the schema (Alembic), then seed it (``seed_programme``).

    Parameters
    ----------
    db : str or path-like, optional
        Database URL or SQLite file.
    seed : bool, default True
        Also write units, streets and default subsidy rules.

    Returns
    -------
    str
        The database URL (password hidden), for the user.
    """
    from sqlalchemy.exc import DBAPIError

    engine = database_engine(db)
    try:
        try:
            upgrade(engine)
        except DBAPIError as exc:
            raise _refused(engine, exc) from None
        if seed:
            with session_scope(engine, actor="lifecircle db upgrade") as session:
                seed_programme(session)
        return engine.url.render_as_string()
    finally:
        engine.dispose()


def backup_database(db: DbTarget, path: str | os.PathLike[str]) -> dict[str, int]:
    """Write a portable JSON backup of every table to ``path`` (complete or absent).

    Parameters
    ----------
    db : str or path-like or None
        Database URL or SQLite file; None for the default.
    path : str or path-like
        The backup file.

    Returns
    -------
    dict of str -> int
        Rows per table.
    """
    engine = programme_engine(db)
    try:
        return _backup.backup(engine, Path(path))
    finally:
        engine.dispose()


def restore_database(db: DbTarget, path: str | os.PathLike[str]) -> dict[str, int]:
    """Replace all rows with a backup's, in one transaction, and check them table by table.

    Parameters
    ----------
    db : str or path-like or None
        Database URL or SQLite file; None for the default.
    path : str or path-like
        A file written by ``backup_database``.

    Returns
    -------
    dict of str -> int
        Rows per table.
    """
    engine = programme_engine(db)
    try:
        return _backup.restore(engine, Path(path))
    finally:
        engine.dispose()
