"""Shared parts of the programme commands: the console, error handling, options, the
``import`` command group (used by ``cli.db`` and ``cli.imports``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer
from rich.console import Console

from lifecircle.cli import app
from lifecircle.errors import InputError, LifecircleError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

console = Console()
err = Console(stderr=True)

import_app = typer.Typer(
    help="导入生活圈清单、区数据包、体检、铺排表、项目库、圈长名单（先检查，加 --commit 才写入）。",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

DbOpt = typer.Option(
    None, "--db", help="数据库 URL 或 SQLite 文件（默认 $LIFECIRCLE_DB_URL 或 ./lifecircle.db）"
)
ActorOpt = typer.Option(None, "--actor", help="操作人（写入审计日志），默认当前用户")


P = ParamSpec("P")
R = TypeVar("R")


def _handle(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except LifecircleError as exc:
            err.print(f"[red]错误：[/red]{exc}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _day(value: str | None, option: str = "--on") -> date:
    """A date typed as YYYY-MM-DD; today when not given."""
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{option} 的值 {value!r} 不是日期", field=option, fix="请写成 2024-09-30"
        ) from None


def open_programme(db: str | None, *, actor: str | None = None) -> AbstractContextManager[Session]:
    """``workflow.session.open_programme``, imported when a command runs (keeps start-up fast)."""
    from lifecircle.workflow.session import open_programme as open_

    return open_(db, actor=actor)


def _maybe_day(value: str | None, option: str) -> date | None:
    return _day(value, option) if value else None
