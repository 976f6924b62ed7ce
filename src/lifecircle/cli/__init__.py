"""The ``lifecircle`` command: one typer app; each room adds its commands from its own module."""

from __future__ import annotations

import typer

from lifecircle.cli._zh import install as _install_chinese

_install_chinese()  # Click's and Typer's own words (usage, --help, errors) in Chinese

app = typer.Typer(
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
    """Entry point of the console script: user errors print plainly (exit 2), no traceback."""
    import sys

    from lifecircle.errors import LifecircleError

    _register()
    try:
        app()
    except LifecircleError as exc:
        typer.secho(f"错误：{exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)
