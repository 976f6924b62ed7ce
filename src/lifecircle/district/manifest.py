"""The district.yaml manifest: read, check against the JSON Schema, resolve layer paths."""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from lifecircle.errors import DistrictError, FileFormatError
from lifecircle.io._tables import decode_text
from lifecircle.io.foreign_zh import explain
from lifecircle.io.yaml_aliases import first_alias_line

MANIFEST = "district.yaml"
FORMAT = "lifecircle-district/1"
#: layer keys in the fixed order used for reading and for the input hash
LAYER_ORDER = (
    "compounds",
    "facilities",
    "network",
    "osm",
    "circles",
    "communities",
    "manual_values",
)


class _TextDates(yaml.SafeLoader):
    """The safe loader, leaving dates as text: ``data_date: 2025-02-30`` is reported by
    the data-date check with the field named, not lost in a YAML error."""


_TextDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the package: its file and how to read it."""

    key: str
    path: Path
    layer: str | None = None
    coords: str | None = None
    crs: str | int | None = None
    lon_col: str | None = None
    lat_col: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class Manifest:
    """The checked content of ``district.yaml``."""

    path: Path
    data: dict[str, Any]
    layers: dict[str, LayerSpec]

    @property
    def root(self) -> Path:
        """The package folder."""
        return self.path.parent

    def get(self, key: str, default: Any = None) -> Any:
        """A top-level manifest value."""
        return self.data.get(key, default)


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of ``district.yaml`` shipped in this package.

    Returns
    -------
    dict
        The parsed schema (cached: do not modify).
    """
    text = (
        resources.files("lifecircle.district").joinpath("district.schema.json").read_text("utf-8")
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _field_of(err: jsonschema.ValidationError) -> str:
    path = [str(p) for p in err.absolute_path]
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else ""
        path.append(missing)
    if err.validator == "additionalProperties":
        instance = err.instance if isinstance(err.instance, dict) else {}
        extra = [p for p in instance if p not in _properties(err)]
        path.append(str(extra[0]) if extra else "?")
    return ".".join(p for p in path if p) or "（顶层）"


def _properties(err: jsonschema.ValidationError) -> dict[str, Any]:
    """The ``properties`` of the schema part that ``err`` failed (empty if none)."""
    props = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
    return props if isinstance(props, dict) else {}


def _fix_for(err: jsonschema.ValidationError, field: str) -> str:
    if err.validator == "additionalProperties":
        allowed = list(_properties(err))
        near = difflib.get_close_matches(field.rsplit(".", 1)[-1], allowed, n=1)
        hint = f"是否是 {near[0]!r}？" if near else ""
        return hint + "这里可用的键：" + "、".join(allowed)
    if err.validator == "required":
        return f"加上“{field}”（见 docs/district-format.md）"
    if err.validator in ("enum", "const"):
        value: Any = err.validator_value
        choices: list[Any] = list(value) if err.validator == "enum" else [value]
        return "写以下之一：" + "、".join(map(str, choices))
    if field.startswith("layers."):
        return "写文件名（如 compounds.gpkg）或 {file: ..., layer: ..., crs: ...}"
    return "可用的值见 docs/district-format.md"


_TYPE_ZH = {"string": "文本", "integer": "整数", "number": "数", "boolean": "是/否",
            "object": "“键: 值”映射", "array": "列表", "null": "空"}  # fmt: skip


def _message_zh(err: jsonschema.ValidationError, field: str) -> str:
    """The schema violation in Chinese (the validator's English for kinds not listed)."""
    shown = repr(err.instance)
    shown = shown if len(shown) < 60 else shown[:60] + "…"
    if err.validator == "required":
        return f"缺少“{field.rsplit('.', 1)[-1]}”"
    if err.validator == "additionalProperties":
        return f"不认识的键“{field.rsplit('.', 1)[-1]}”"
    if err.validator in ("enum", "const"):
        return f"值 {shown} 不是可选值之一"
    if err.validator == "type":
        value: Any = err.validator_value
        want = [str(t) for t in (value if isinstance(value, list) else [value])]
        return f"值 {shown} 的类型不对（应为{'或'.join(_TYPE_ZH.get(t, t) for t in want)}）"
    if err.validator in ("anyOf", "oneOf"):
        return f"值 {shown} 的写法不对"
    if err.validator == "pattern":
        return f"值 {shown} 的格式不对"
    if err.validator in ("minimum", "exclusiveMinimum"):
        return f"值 {shown} 太小（下限 {err.validator_value}）"
    if err.validator in ("maximum", "exclusiveMaximum"):
        return f"值 {shown} 太大（上限 {err.validator_value}）"
    if err.validator in ("minItems", "minLength", "minProperties"):
        return f"值 {shown} 太短（至少 {err.validator_value} 个）"
    return err.message if len(err.message) < 200 else err.message[:200] + "…"


def _validate(data: Any, path: Path) -> None:
    if not isinstance(data, dict):
        raise DistrictError(
            "district.yaml 不是“键: 值”形式的 YAML",
            file=str(path),
            fix="按“键: 值”逐行书写（见 docs/district-format.md）",
        )
    validator = jsonschema.Draft202012Validator(schema())
    # shallowest first; a misspelt key before the 'required' error it causes
    errors = sorted(
        validator.iter_errors(data),
        key=lambda e: (len(e.absolute_path), e.validator != "additionalProperties", e.message),
    )
    if errors:
        err = errors[0]
        field = _field_of(err)
        message = _message_zh(err, field)
        raise DistrictError(
            f"district.yaml 有误：{message}", file=str(path), field=field, fix=_fix_for(err, field)
        )
    layers = data["layers"]
    if ("network" in layers) == ("osm" in layers):
        raise DistrictError(
            "district.yaml 须有且只有一个步行路网：'network'（线图层）或 'osm'（PBF 文件）",
            file=str(path),
            field="layers.network",
            fix="写 layers.network: network.gpkg 或 layers.osm: extract.osm.pbf，二选一",
        )


def _spec(key: str, value: str | dict[str, Any], root: Path, manifest: Path) -> LayerSpec:
    entry = {"file": value} if isinstance(value, str) else dict(value)
    file = root / entry.pop("file")
    if not file.exists():
        raise DistrictError(
            f"{key} 图层文件“{file.name}”不存在",
            file=str(manifest),
            field=f"layers.{key}",
            fix=f"把 {file.name} 放在 district.yaml 旁边，或改正文件名",
        )
    return LayerSpec(key=key, path=file, **entry)


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read and check ``district.yaml`` (``path`` is the folder or the file itself).

    Raises
    ------
    DistrictError
        Missing or unreadable manifest, a schema violation (naming the field and the fix),
        no or two networks, or a layer file that does not exist.

    Parameters
    ----------
    path : str or path-like
        The district folder, or its ``district.yaml``.

    Returns
    -------
    Manifest
        The checked manifest: its path, data and layer specs.
    """
    p = Path(path)
    mpath = p / MANIFEST if p.is_dir() else p
    if not mpath.exists():
        raise DistrictError(
            "没有找到 district.yaml",
            file=str(mpath),
            fix="请给出含 district.yaml 的区数据包文件夹（见 docs/district-format.md）",
        )
    try:
        # UTF-8 (with or without BOM), else GB18030: a manifest saved by Notepad on a
        # Chinese Windows is GBK
        text, _ = decode_text(mpath.read_bytes(), source=str(mpath))
        alias = first_alias_line(text)
        data: Any = yaml.load(text, Loader=_TextDates) if alias is None else None
    except FileFormatError as exc:
        raise DistrictError(
            exc.message, file=str(mpath), fix="把 district.yaml 另存为 UTF-8（或 GBK）文本"
        ) from exc
    except yaml.YAMLError as exc:
        raise DistrictError(
            f"无法按 YAML 读取：{explain(exc)}",
            file=str(mpath),
            fix="另存为 UTF-8 的 YAML；含“:”或“#”的值加引号",
        ) from exc
    if alias is not None:
        raise DistrictError(
            f"第 {alias} 行使用了 YAML 别名（*名称）；district.yaml 不允许锚点与别名",
            file=str(mpath),
            fix="把别名处写成完整的内容，删去 & 锚点与 * 别名。",
        )
    _validate(data, mpath)
    root = mpath.parent
    layers = {
        k: _spec(k, data["layers"][k], root, mpath) for k in LAYER_ORDER if k in data["layers"]
    }
    return Manifest(path=mpath, data=data, layers=layers)
