"""Other libraries' errors (decoders, YAML, JSON, zip, GDAL, pyrosm) said in Chinese.

A message a user reads names the problem in Chinese; the library's English is kept only
where no translation is known, in parentheses after a Chinese lead.
"""

from __future__ import annotations

import json
import re
import zipfile
from typing import Final

import yaml

_ENCODING_ZH: Final = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030",
                       "gbk": "GBK", "utf-16": "UTF-16"}  # fmt: skip

_JSON_ZH: Final = (
    ("Expecting value", "缺少值（文件可能被截断）"),
    ("Unterminated string", "字符串没有结尾的引号（文件可能被截断）"),
    ("Expecting ',' delimiter", "缺少逗号“,”（文件可能被截断）"),
    ("Expecting ':' delimiter", "缺少冒号“:”"),
    ("Expecting property name enclosed in double quotes", "键名须用英文双引号括起"),
    ("Extra data", "末尾有多余的内容"),
    ("Invalid control character", "含有控制字符"),
    ("Invalid \\escape", "含有无效的转义符“\\”"),
)

_YAML_ZH: Final = (
    ("could not find expected ':'", "缺少冒号“:”"),
    ("mapping values are not allowed here", "此处不能写“键: 值”（值中的“:”须加引号）"),
    ("found unexpected end of stream", "文件意外结束（可能被截断）"),
    ("found character '\\t' that cannot start any token", "含有制表符（YAML 缩进只能用空格）"),
    ("that cannot start any token", "含有不能出现在此处的字符"),
    ("did not find expected key", "缺少键（缩进或“- ”不对齐）"),
    ("did not find expected ',' or ']'", "列表 [ ] 没有闭合"),
    ("did not find expected ',' or '}'", "映射 { } 没有闭合"),
    ("did not find expected node content", "缺少内容"),
    ("expected <block end>", "缩进不对齐"),
    ("found undefined alias", "使用了未定义的别名（*名称）"),
    ("found duplicate anchor", "锚点（&名称）重复"),
    ("unacceptable character", "含有不允许的字符（可能不是文本文件）"),
)

_GDAL_ZH: Final = (
    ("Unterminated string", "字符串没有结尾的引号（文件可能被截断）"),
    ("Unterminated object", "对象 { } 没有闭合（文件可能被截断）"),
    ("Unterminated array", "数组 [ ] 没有闭合（文件可能被截断）"),
    ("database disk image is malformed", "数据库文件已损坏（可能被截断）"),
    ("file is not a database", "不是 SQLite/GeoPackage 数据库文件"),
    ("not recognized as being in a supported file format", "不是可识别的地理数据格式"),
    ("not recognized as a supported file format", "不是可识别的地理数据格式"),
    ("No such file or directory", "文件不存在"),
)

_GEOJSON_AT: Final = re.compile(
    r"Failed to read GeoJSON data; At line (\d+), character (\d+): (.+?)\s*$", re.S
)


def _lookup(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for english, chinese in table:
        if english in text:
            return chinese
    return None


def _unicode(exc: UnicodeDecodeError) -> str:
    enc = _ENCODING_ZH.get(exc.encoding.lower(), exc.encoding)
    byte = exc.object[exc.start : exc.start + 1]
    shown = f"0x{byte[0]:02X}" if byte else "（末尾）"
    return f"第 {exc.start} 字节处的 {shown} 不是有效的 {enc} 编码文字"


def _json(exc: json.JSONDecodeError) -> str:
    problem = _lookup(exc.msg, _JSON_ZH) or f"语法错误（{exc.msg}）"
    return f"JSON 第 {exc.lineno} 行第 {exc.colno} 列：{problem}"


def _yaml(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or ""
        said = _lookup(problem, _YAML_ZH) or (f"语法错误（{problem}）" if problem else "语法错误")
        if mark is not None:
            return f"YAML 第 {mark.line + 1} 行第 {mark.column + 1} 列：{said}"
        return f"YAML {said}"
    return f"YAML 语法错误（{exc}）"


def _gdal(text: str) -> str:
    at = _GEOJSON_AT.search(text)
    if at:
        line, char, what = at.groups()
        told = _lookup(what, _GDAL_ZH) or f"语法错误（{what}）"
        return f"GeoJSON 第 {line} 行第 {char} 个字符处：{told}"
    said = _lookup(text, _GDAL_ZH)
    return said if said else f"读取程序报错（{text}）"


def _pbf(text: str) -> str:
    if "the file is empty" in text:
        return "文件是空的"
    if "the file is truncated" in text:
        return "文件不完整（被截断）"
    if "BlobHeader" in text or "not a valid OSM PBF" in text:
        return "文件内容不是 OSM PBF 格式（可能是其它类型的文件，或已损坏）"
    return f"读取程序报错（{text}）"


def explain(exc: BaseException) -> str:
    """What went wrong, in Chinese, for an error raised by a decoder or a file reader.

    Parameters
    ----------
    exc : BaseException
        The library's exception (UnicodeDecodeError, JSONDecodeError, YAMLError, BadZipFile,
        pyogrio/GDAL and pyrosm errors; anything else is kept in parentheses).

    Returns
    -------
    str
        One Chinese phrase, without a trailing full stop.
    """
    if isinstance(exc, UnicodeDecodeError):
        return _unicode(exc)
    if isinstance(exc, json.JSONDecodeError):
        return _json(exc)
    if isinstance(exc, yaml.YAMLError):
        return _yaml(exc)
    if isinstance(exc, zipfile.BadZipFile):
        return "不是 zip（Office Open XML）文件，或已被截断"
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    text = str(exc)
    if type(exc).__name__ == "InvalidOSMFileError" or "OSM PBF" in text:
        return _pbf(text)
    if type(exc).__module__.startswith(("pyogrio", "fiona")) or "GeoJSON" in text:
        return _gdal(text)
    said = _lookup(text, _GDAL_ZH)
    return said if said else f"读取程序报错（{type(exc).__name__}：{text}）"
