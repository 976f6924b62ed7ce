"""Click's and Typer's own words in Chinese: usage, help, panel titles, parse errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lifecircle import __version__
from lifecircle.cli import _register, app

_register()
WIDE = {"COLUMNS": "200"}


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args), catch_exceptions=False, env=WIDE)
    return res.exit_code, res.output


@pytest.mark.parametrize("args", [("--help",), ("project", "--help"), ("project", "add", "--help")])
def test_help_is_chinese(args):
    code, out = _run(*args)
    assert code == 0
    assert "用法：" in out and "显示本帮助并退出。" in out and "选项" in out
    for english in ("Usage:", "Show this message", "Options", "Commands", "[required]"):
        assert english not in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("nosuch",), "没有命令 'nosuch'"),
        (("project", "status"), "缺少参数 'code'"),
        (("project", "add", "P1", "名"), "缺少选项 '--circle'"),
        (("project", "status", "--bogus"), "没有选项 --bogus"),
        (("project", "list", "--db"), "选项 '--db' 需要一个值"),
        (("schedule", "add", "C1", "abc", "AA"), "'year' 的值无效：'abc' 不是整数"),
        (("schedule", "add", "C1", "-1", "AA"), "负数不能作为这里的值"),
    ],
)
def test_parse_errors_are_chinese(args, says):
    code, out = _run(*args)
    assert code == 2 and says in out and "错误" in out
    assert "Error" not in out and "Try " not in out


def test_version_alone():
    code, out = _run("--version")
    assert code == 0 and out.strip() == __version__
