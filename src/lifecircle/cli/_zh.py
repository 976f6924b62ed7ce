"""Click's and Typer's own words in Chinese: usage, help, panel titles and every error message.

Typer vendors its own copy of Click (``typer._click``) with the English texts written in
the code, so they cannot be translated by gettext. :func:`install` is called once when the
``lifecircle`` command is built (``lifecircle.cli``): it sets the panel titles, the usage
prefix and the ``--help`` text, and gives the exception classes a ``format_message`` that
says the same thing in Chinese. Anything this module does not recognise is shown as it was.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

HELP_TEXT = "显示本帮助并退出。"

PARAM_TYPE = {"argument": "参数", "option": "选项", "parameter": "参数"}
TYPE_NAME = {
    "integer": "整数",
    "int": "整数",
    "float": "数字",
    "boolean": "是/否",
    "bool": "是/否",
    "text": "文本",
    "str": "文本",
    "path": "路径",
    "file": "文件",
    "directory": "文件夹",
    "datetime": "日期时间",
    "date": "日期",
    "uuid": "UUID",
}

USAGE_WORDS = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]..."}

# (pattern on Click's English message, Chinese with the same groups)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Missing command\.$"), "缺少子命令。"),
    (re.compile(r"^No such command (.+)\.$"), r"没有命令 \1。"),
    (re.compile(r"^No such option: (.+)$"), r"没有选项 \1"),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)$"), r"多余的参数：\1"),
    (re.compile(r"^Option (.+) does not take a value\.$"), r"选项 \1 不带值。"),
    (re.compile(r"^Option (.+) requires an argument\.$"), r"选项 \1 需要一个值。"),
    (re.compile(r"^Option (.+) requires (\d+) arguments\.$"), r"选项 \1 需要 \2 个值。"),
    (re.compile(r"^Argument (.+) takes (\d+) values\.$"), r"参数 \1 需要 \2 个值。"),
    (re.compile(r"^Value (.+) is not a valid (\w+)\.$"), "{0} 不是有效的{1}。"),
    (re.compile(r"^(.+) is not one of (.+)\.$"), r"\1 不是可选值之一：\2。"),
    (re.compile(r"^(.+) is not a valid (\w+)\.$"), "{0} 不是有效的{1}。"),
    (re.compile(r"^(\w+) (.+) does not exist\.$"), "{0} {1} 不存在。"),
    (re.compile(r"^(\w+) (.+) is a file\.$"), "{0} {1} 是文件，这里要文件夹。"),
    (re.compile(r"^(\w+) (.+) is a directory\.$"), "{0} {1} 是文件夹，这里要文件。"),
    (re.compile(r"^(\w+) (.+) is not readable\.$"), "{0} {1} 无法读取。"),
    (re.compile(r"^(\w+) (.+) is not writable\.$"), "{0} {1} 无法写入。"),
    (re.compile(r"^Value must be an iterable\.$"), "这里要一组值。"),
    (re.compile(r"^Choose from:\s*(.+)$", re.S), r"可选值：\1"),
    (re.compile(r"^Aborted!?$"), "已取消。"),
    (re.compile(r"^unknown error$"), "未知错误"),
]


def _type_zh(name: str) -> str:
    return TYPE_NAME.get(name.strip().lower(), name)


def translate(message: str) -> str:
    """Click's English ``message`` in Chinese (unchanged when it is not one of Click's)."""
    for pattern, zh in _PATTERNS:
        m = pattern.match(message.strip())
        if not m:
            continue
        if "{0}" in zh:
            groups = list(m.groups())
            # the type or kind word is translated; the value is kept as typed
            if pattern.pattern.startswith("^(\\w+)"):
                return zh.format(_type_zh(groups[0]), groups[1])
            return zh.format(groups[0], _type_zh(groups[1]))
        return m.expand(zh)
    return message


_PYDANTIC: dict[str, str] = {
    "int_parsing": "不是整数",
    "int_from_float": "必须是整数",
    "int_parsing_size": "超出整数范围",
    "float_parsing": "不是数字",
    "finite_number": "必须是有限的数",
    "bool_parsing": "不是是/否（可写 yes/no、true/false、1/0）",
    "string_type": "不是文本",
    "path_type": "不是路径",
    "date_parsing": "不是日期（请写成 2024-09-30）",
    "date_from_datetime_parsing": "不是日期（请写成 2024-09-30）",
    "datetime_parsing": "不是日期时间（请写成 2024-09-30T08:00）",
    "enum": "不是可选值之一",
    "literal_error": "不是可选值之一",
}
_PYDANTIC_CTX: dict[str, str] = {
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
}


def validation_message(exc: Any) -> str:
    """A pydantic ``ValidationError`` (Typer converts values with pydantic) in Chinese."""
    errors = exc.errors()
    if not errors:
        return "值无效"
    first = errors[0]
    kind = str(first.get("type", ""))
    value = first.get("input")
    shown = f"{value!r} " if isinstance(value, str | int | float) else ""
    if kind in _PYDANTIC_CTX:
        return shown + _PYDANTIC_CTX[kind].format(**(first.get("ctx") or {}))
    text = _PYDANTIC.get(kind)
    if text is None:
        return shown + "无效：" + re.sub(r"[\x00-\x1f\x7f]", " ", str(first.get("msg", "")))
    return shown + text


def _hint(exc: Any) -> str | None:
    hint: Sequence[str] | str | None = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint()
    if hint is None:
        return None
    if not isinstance(hint, str):
        return " / ".join(repr(x) for x in hint)
    return hint


def _bad_parameter(self: Any) -> str:
    hint = _hint(self)
    message = translate(str(self.message))
    return f"{hint} 的值无效：{message}" if hint else f"值无效：{message}"


def _missing_parameter(self: Any) -> str:
    hint = _hint(self)
    kind = self.param_type or (self.param.param_type_name if self.param is not None else "")
    text = f"缺少{PARAM_TYPE.get(kind, kind)}" + (f" {hint}" if hint else "")
    extra = self.param.get_missing_message(ctx=self.ctx) if self.param is not None else None
    msg = "。".join(translate(m) for m in (self.message, extra) if m)
    return f"{text}。{msg}" if msg else f"{text}。"


def _no_such_option(self: Any) -> str:
    text = translate(str(self.message))
    name = str(getattr(self, "option_name", ""))
    if re.fullmatch(r"-\d+(\.\d*)?", name):
        text += "（负数不能作为这里的值）"
    if self.possibilities:
        text += f"（是否要写：{', '.join(sorted(self.possibilities))}？）"
    return text


def _plain(original: Callable[[Any], str]) -> Callable[[Any], str]:
    def format_message(self: Any) -> str:
        return translate(original(self))

    return format_message


def _file_error(self: Any) -> str:
    return f"无法打开文件 {self.ui_filename!r}：{translate(str(self.message))}"


def _rich_constants(ru: Any) -> None:
    ru.ARGUMENTS_PANEL_TITLE = "参数"
    ru.OPTIONS_PANEL_TITLE = "选项"
    ru.COMMANDS_PANEL_TITLE = "命令"
    ru.ERRORS_PANEL_TITLE = "错误"
    ru.ABORTED_TEXT = "已取消。"
    ru.DEFAULT_STRING = "[默认：{}]"
    ru.ENVVAR_STRING = "[环境变量：{}]"
    ru.REQUIRED_LONG_STRING = "[必填]"
    ru.DEPRECATED_STRING = "（已停用）"
    ru.RICH_HELP = "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"


class _ThenPatch(importlib.abc.Loader):
    """A module's own loader, then ``patch(module)``; anything else asked goes to the loader."""

    def __init__(self, loader: Any, patch: Callable[[Any], None]) -> None:
        self._loader, self._patch = loader, patch

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        self._patch(module)

    def __getattr__(self, name: str) -> Any:  # get_source for tracebacks, and the like
        return getattr(self._loader, name)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches module ``name`` right after its first import (once; then leaves ``sys.meta_path``)."""

    def __init__(self, name: str, patch: Callable[[Any], None]) -> None:
        self.name, self.patch = name, patch

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenPatch(spec.loader, self.patch)
        return spec


def _patch_when_imported(name: str, patch: Callable[[Any], None]) -> None:
    """``patch(module)`` now if ``name`` is loaded, else right after it is first imported.

    Typer imports its rich help renderer (0.3 s of imports: rich, markdown-it) only to
    show help or an error; translating its titles must not import it on every run.
    """
    module = sys.modules.get(name)
    if module is not None:
        patch(module)
    else:
        sys.meta_path.insert(0, _PatchOnImport(name, patch))


def _usage_pieces(collect: Callable[[Any, Any], list[str]]) -> Callable[[Any, Any], list[str]]:
    def usage_pieces(self: Any, ctx: Any) -> list[str]:
        return [USAGE_WORDS.get(piece, piece) for piece in collect(self, ctx)]

    return usage_pieces


_installed = False


def install() -> None:
    """Put Click's and Typer's own words in Chinese (once; safe to call again)."""
    global _installed
    if _installed:
        return
    _installed = True
    try:
        _patch()
    except (ImportError, AttributeError):  # pragma: no cover - a Typer whose insides moved
        return  # its own English words, rather than no command at all


def _patch() -> None:
    from typer import _click
    from typer._click import core as ccore
    from typer._click import exceptions as cexc
    from typer._click import formatting
    from typer._click._compat import get_text_stderr

    cexc.BadParameter.format_message = _bad_parameter  # type: ignore[method-assign]
    cexc.MissingParameter.format_message = _missing_parameter  # type: ignore[method-assign]
    cexc.NoSuchOption.format_message = _no_such_option  # type: ignore[method-assign]
    cexc.FileError.format_message = _file_error  # type: ignore[method-assign]
    plain = _plain(cexc.ClickException.format_message)
    cexc.ClickException.format_message = plain  # type: ignore[method-assign,assignment]

    def show(self: Any, file: Any = None) -> None:
        _click.echo(f"错误：{self.format_message()}", file=file or get_text_stderr())

    def usage_show(self: Any, file: Any = None) -> None:
        file = file or get_text_stderr()
        ctx = self.ctx
        if ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = f"运行 '{ctx.command_path} {ctx.help_option_names[0]}' 查看帮助。\n"
            _click.echo(f"{ctx.get_usage()}\n{hint}", file=file, color=ctx.color)
        _click.echo(f"错误：{self.format_message()}", file=file)

    cexc.ClickException.show = show  # type: ignore[method-assign]
    cexc.UsageError.show = usage_show  # type: ignore[method-assign]

    write_usage = formatting.HelpFormatter.write_usage

    def usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, "用法：" if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = usage  # type: ignore[method-assign]

    get_help_option = ccore.Command.get_help_option

    def help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    ccore.Command.get_help_option = help_option  # type: ignore[method-assign]

    from typer import _coercion, _param_types
    from typer import core as tcore

    for cls in (ccore.Command, tcore.TyperGroup):
        pieces = _usage_pieces(cls.collect_usage_pieces)
        cls.collect_usage_pieces = pieces  # type: ignore[method-assign,assignment]

    display_type = tcore._TyperParameter.display_type

    def display(self: Any, ctx: Any) -> str:
        if getattr(self, "is_flag", False):
            return ""
        label = display_type(self, ctx)
        inner = label[1:-1] if label.startswith("<") and label.endswith(">") else None
        if inner is None:
            return label
        many = re.fullmatch(r"list\[(.+)\]", inner)
        if many:
            return f"<{_type_zh(many.group(1))}，可重复>"
        return f"<{_type_zh(inner)}>"

    tcore._TyperParameter.display_type = display  # type: ignore[method-assign]

    _coercion.get_error_msg = validation_message
    _param_types.get_error_msg = validation_message
    _patch_when_imported("typer.rich_utils", _rich_constants)
