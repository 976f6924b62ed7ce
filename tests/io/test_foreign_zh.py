"""Other libraries' errors said in Chinese (lifecircle.io.foreign_zh.explain)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import yaml

from lifecircle.io.foreign_zh import explain


def _raised(fn: object) -> BaseException:
    with pytest.raises(Exception) as info:
        fn()  # type: ignore[operator]
    return info.value


def test_decoding_error_names_the_byte_and_encoding() -> None:
    exc = _raised(lambda: b"ab\x89cd".decode("utf-8"))
    assert explain(exc) == "第 2 字节处的 0x89 不是有效的 UTF-8 编码文字"


def test_json_error_names_line_column_and_problem() -> None:
    exc = _raised(lambda: json.loads('{"a": [1,\n  '))
    assert explain(exc) == "JSON 第 2 行第 3 列：缺少值（文件可能被截断）"


def test_yaml_error_names_line_column_and_problem() -> None:
    exc = _raised(lambda: yaml.safe_load("a: 1\nb: c: d\n"))
    said = explain(exc)
    assert said.startswith("YAML 第 2 行第 5 列：")
    assert "此处不能写“键: 值”" in said


def test_zip_and_geojson_and_pbf_errors() -> None:
    exc = _raised(lambda: zipfile.ZipFile(io.BytesIO(b"not a zip")))
    assert explain(exc) == "不是 zip（Office Open XML）文件，或已被截断"
    gdal = RuntimeError("Failed to read GeoJSON data; At line 9, character 4: Unterminated object")
    assert explain(gdal) == "GeoJSON 第 9 行第 4 个字符处：对象 { } 没有闭合（文件可能被截断）"
    assert explain(RuntimeError("x: database disk image is malformed")).startswith(
        "数据库文件已损坏"
    )
    pbf = ValueError("'a.pbf' is not a valid OSM PBF file. (the file is empty).")
    assert explain(pbf) == "文件是空的"


def test_unknown_error_keeps_the_original_text_after_a_chinese_lead() -> None:
    assert explain(KeyError("zz")) == "读取程序报错（KeyError：'zz'）"
