"""The ``lifecircle`` command: one typer app; each room adds its commands from its own module."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from lifecircle.cli._zh import install as _install_chinese

_install_chinese()  # Click's and Typer's own words (usage, --help, errors) in Chinese


class _Lifecircle(TyperGroup):
    """The root group: a user error from any command prints as one Chinese line (exit 2),
    a file the system refuses as one line too (exit 1), never as a traceback."""

    def invoke(self, ctx: Any) -> Any:
        from lifecircle.errors import LifecircleError

        try:
            return super().invoke(ctx)
        except LifecircleError as exc:
            typer.secho(f"错误：{exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None
        except BrokenPipeError:  # output piped into `head`: Click ends quietly
            raise
        except OSError as exc:
            where = f"（{exc.filename}）" if exc.filename else ""
            typer.secho(
                f"错误：无法读写文件{where}：{exc.strerror or exc} "
                "处理办法：检查磁盘空间、文件权限和路径",
                fg=typer.colors.RED,
                err=True,
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Lifecircle,
    name="lifecircle",
    help="15 分钟生活圈：步行可达性、专项体检、评级与创建工作管理。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Each module adds its commands to ``app`` on import; a module that is missing
    # (a room not built yet) is simply not registered.
    import importlib

    for name in (
        "access",
        "checkup",
        "demo",
        "report",
        "db",
        "maps",
        "bulletin",
        "mobility",
        "web",
        "whatif",
        "plan",
    ):
        try:
            importlib.import_module(f"lifecircle.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"lifecircle.cli.{name}":
                raise


def _show_version(value: bool) -> None:
    if value:
        from lifecircle import __version__

        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="显示版本号并退出。", is_eager=True, callback=_show_version
    ),
) -> None:
    """15 分钟生活圈：步行可达性、专项体检、评级与创建工作管理。"""


def main() -> None:
    """Entry point of the console script: user errors print plainly (exit 2), no traceback.

    An error no check foresaw (a bug) prints one Chinese line naming where the details were
    saved (exit 70), so a user never faces a Python traceback.
    """
    import sys

    from lifecircle.errors import LifecircleError

    _register()
    try:
        app()
    except LifecircleError as exc:
        typer.secho(f"错误：{exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)
    except Exception as exc:
        sys.exit(_internal_error(exc))


def run() -> None:
    """The console script (``lifecircle``, ``python -m lifecircle``): :func:`main`, and then
    the process ends without Python's teardown.

    The teardown frees every object one by one: after the demo, whose parent holds the
    checkup read for its reports, it took about half a second, waited for by the user and
    by nothing else. The exit handlers still run (``atexit``: files left to remove, logging)
    and the output is flushed; the exit status is Python's. Only when no other thread is
    left (Python would wait for it). :func:`main` itself returns as usual (tests call it).
    """
    import sys
    import threading

    try:
        main()
        code: str | int | None = 0
    except SystemExit as exc:
        code = exc.code
    if threading.active_count() > 1:
        sys.exit(code)
    _leave(code)


def _leave(code: str | int | None) -> None:
    """End the process at once with the status ``sys.exit(code)`` would give, after the
    exit handlers and with the output flushed."""
    import atexit
    import sys

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("text"): the text on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    end_at_once(status)


def end_at_once(status: int) -> None:
    """Flush the output and end the process now with ``status``, without Python's
    teardown (also the demo's pool processes, from their last exit handler)."""
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): what Python reports
            status = status or 120
    os._exit(status)


def _internal_error(exc: BaseException) -> int:
    """Save the traceback to a file and say so in Chinese; the exit code (70, EX_SOFTWARE)."""
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(exc))
    try:
        with tempfile.NamedTemporaryFile(
            "w", prefix="lifecircle-error-", suffix=".txt", delete=False, encoding="utf-8"
        ) as fh:
            fh.write(text)
        saved = f"详细信息已保存到 {fh.name}"
    except OSError:
        saved = "详细信息未能保存"
    typer.secho(
        f"错误：程序内部错误（{type(exc).__name__}: {exc}）。{saved} "
        "处理办法：请把这条信息和该文件发给系统维护人员",
        fg=typer.colors.RED,
        err=True,
    )
    return 70
