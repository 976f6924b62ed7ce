"""``lifecircle serve`` and ``lifecircle user``: the web platform and its accounts."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from lifecircle.cli import app

console = Console()
user_app = typer.Typer(help="平台账号：添加、列出、停用。", no_args_is_help=True)
app.add_typer(user_app, name="user")

DbOpt = typer.Option(
    None, "--db", help="数据库 URL 或 SQLite 文件（默认 $LIFECIRCLE_DB_URL 或 ./lifecircle.db）"
)


def _engine(db: str | None):
    from lifecircle.workflow.session import programme_engine

    return programme_engine(db)  # checked: a SQLite file, migrated


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="端口"),
    db: str = DbOpt,
    today: str = typer.Option(
        None, "--today", help="按此日期判定逾期与目标（演示用，如 2024-09-30）；默认今天"
    ),
    workers: int = typer.Option(1, "--workers", min=1, help="进程数（PostgreSQL 时可多于 1）"),
    backup_dir: Path | None = typer.Option(
        None, "--backup-dir", help="定时备份目录（数据库与佐证材料；不给则不定时备份）"
    ),
    backup_every_hours: float = typer.Option(
        24.0, "--backup-every-hours", min=0.01, help="定时备份的间隔（小时）"
    ),
    backup_keep: int = typer.Option(14, "--backup-keep", min=1, help="备份目录中保留的份数"),
) -> None:
    """启动网页平台（一张图、生活圈、项目库、公众页面与 /api/v1 接口）。"""
    import os

    import uvicorn

    from lifecircle.errors import InputError
    from lifecircle.store.db import ENV_URL, database_url
    from lifecircle.web.settings import (
        ENV_BACKUP_DIR,
        ENV_BACKUP_EVERY_HOURS,
        ENV_BACKUP_KEEP,
        ENV_TODAY,
    )

    if today:
        try:
            date.fromisoformat(today)
        except ValueError:
            raise InputError(
                f"日期 {today!r} 无效", field="--today", fix="按 年-月-日 填写，如 2024-09-30"
            ) from None
        os.environ[ENV_TODAY] = today
    url = database_url(db)
    os.environ[ENV_URL] = url
    if backup_dir is not None:  # read by every worker's Settings.from_env()
        os.environ[ENV_BACKUP_DIR] = str(backup_dir.resolve())
        os.environ[ENV_BACKUP_EVERY_HOURS] = str(backup_every_hours)
        os.environ[ENV_BACKUP_KEEP] = str(backup_keep)
    _engine(url).dispose()  # refuse an unmigrated database before the server starts
    if workers > 1 and url.startswith("sqlite"):
        console.print("提示：SQLite 只宜单进程；多人并发请用 PostgreSQL。")
    console.print(f"平台地址：http://{host}:{port}/  （数据库 {url}；按 Ctrl+C 停止）")
    if backup_dir is not None:
        console.print(
            f"定时备份：每 {backup_every_hours:g} 小时备份到 {backup_dir}，保留最新 {backup_keep} 份"
        )
    uvicorn.run(
        "lifecircle.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=False,
    )


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="用户名"),
    role: str = typer.Option(
        ...,
        "--role",
        help="角色：admin/district/street/circle_leader/unit/assessor/evaluator/public（或中文，如 圈长）",
    ),
    street: str = typer.Option(None, "--street", help="所属街道（街道账号必填）"),
    circle: list[str] = typer.Option(None, "--circle", help="负责的生活圈编号（圈长必填，可多次）"),
    unit: str = typer.Option(None, "--unit", help="所属单位名称或代码（责任单位账号必填）"),
    display_name: str = typer.Option(None, "--display-name", help="显示名称"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="从标准输入读取密码（一行）"
    ),
    db: str = DbOpt,
) -> None:
    """添加平台账号（密码只保存 Argon2 哈希）。"""
    import getpass

    from lifecircle.store import session_scope
    from lifecircle.workflow import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("密码：")
        if getpass.getpass("再输入一次：") != password:
            raise typer.BadParameter("两次输入的密码不一致")
    engine = _engine(db)
    try:
        with session_scope(engine, actor=f"lifecircle user add ({getpass.getuser()})") as s:
            u = accounts.add_user(
                s,
                name,
                role=role,
                password=password,
                display_name=display_name,
                street=street,
                circles=circle or [],
                unit=unit,
            )
            d = accounts.describe(u)
    finally:
        engine.dispose()
    scope = d["street"] or d["unit"] or "、".join(d["circles"]) or "全区"  # type: ignore[arg-type]
    console.print(f"已添加用户 {d['username']}（{d['role_zh']}，范围：{scope}）")


@user_app.command("list")
def user_list(db: str = DbOpt) -> None:
    """列出平台账号。"""
    from lifecircle.store import session_scope
    from lifecircle.workflow import accounts

    engine = _engine(db)
    try:
        with session_scope(engine) as s:
            rows = [accounts.describe(u) for u in accounts.list_users(s)]
    finally:
        engine.dispose()
    table = Table("用户名", "角色", "街道", "单位", "生活圈", "状态")
    for d in rows:
        table.add_row(
            str(d["username"]),
            str(d["role_zh"]),
            str(d["street"] or ""),
            str(d["unit"] or ""),
            "、".join(d["circles"]),  # type: ignore[arg-type]
            "启用" if d["active"] else "已停用",
        )
    console.print(table)
    console.print(f"共 {len(rows)} 个账号")


@user_app.command("disable")
def user_disable(name: str = typer.Argument(..., help="用户名"), db: str = DbOpt) -> None:
    """停用账号（立即结束其登录会话，令牌失效）。"""
    import getpass

    from lifecircle.store import session_scope
    from lifecircle.workflow import accounts

    engine = _engine(db)
    try:
        with session_scope(engine, actor=f"lifecircle user disable ({getpass.getuser()})") as s:
            accounts.set_active(s, name, False)
    finally:
        engine.dispose()
    console.print(f"已停用用户 {name}")
