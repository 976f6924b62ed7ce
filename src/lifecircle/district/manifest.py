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
    """The JSON Schema of ``district.yaml`` shipped in this package."""
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
        extra = [p for p in err.instance if p not in err.schema.get("properties", {})]
        path.append(str(extra[0]) if extra else "?")
    return ".".join(p for p in path if p) or "(top level)"


def _fix_for(err: jsonschema.ValidationError, field: str) -> str:
    if err.validator == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        near = difflib.get_close_matches(field.rsplit(".", 1)[-1], allowed, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        return hint + "allowed keys here: " + ", ".join(allowed) + "."
    if err.validator == "required":
        return f"add '{field}' (see docs/district-format.md)."
    if err.validator in ("enum", "const"):
        allowed = err.validator_value if err.validator == "enum" else [err.validator_value]
        return "use one of: " + ", ".join(map(str, allowed)) + "."
    if field.startswith("layers."):
        return "give the file name (e.g. compounds.gpkg) or {file: ..., layer: ..., crs: ...}."
    return "see docs/district-format.md for the allowed values."


def _validate(data: Any, path: Path) -> None:
    if not isinstance(data, dict):
        raise DistrictError(
            "the manifest is not a YAML mapping of keys to values",
            file=str(path),
            fix="write 'key: value' lines (see docs/district-format.md).",
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
        message = err.message if len(err.message) < 200 else err.message[:200] + "…"
        raise DistrictError(
            f"invalid manifest: {message}", file=str(path), field=field, fix=_fix_for(err, field)
        )
    layers = data["layers"]
    if ("network" in layers) == ("osm" in layers):
        raise DistrictError(
            "the manifest needs exactly one walking network: 'network' (lines) or 'osm' (PBF)",
            file=str(path),
            field="layers.network",
            fix="give either layers.network: network.gpkg or layers.osm: extract.osm.pbf.",
        )


def _spec(key: str, value: str | dict[str, Any], root: Path, manifest: Path) -> LayerSpec:
    entry = {"file": value} if isinstance(value, str) else dict(value)
    file = root / entry.pop("file")
    if not file.exists():
        raise DistrictError(
            f"the {key} layer file '{file.name}' does not exist",
            file=str(manifest),
            field=f"layers.{key}",
            fix=f"put {file.name} beside district.yaml or correct the file name.",
        )
    return LayerSpec(key=key, path=file, **entry)


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read and check ``district.yaml`` (``path`` is the folder or the file itself).

    Raises
    ------
    DistrictError
        Missing or unreadable manifest, a schema violation (naming the field and the fix),
        no or two networks, or a layer file that does not exist.
    """
    p = Path(path)
    mpath = p / MANIFEST if p.is_dir() else p
    if not mpath.exists():
        raise DistrictError(
            "no district.yaml found",
            file=str(mpath),
            fix="give the package folder holding district.yaml (see docs/district-format.md).",
        )
    try:
        # UTF-8 (with or without BOM), else GB18030: a manifest saved by Notepad on a
        # Chinese Windows is GBK
        text, _ = decode_text(mpath.read_bytes(), source=str(mpath))
        alias = first_alias_line(text)
        data = yaml.load(text, Loader=_TextDates) if alias is None else None
    except FileFormatError as exc:
        raise DistrictError(
            exc.message, file=str(mpath), fix="save district.yaml as UTF-8 (or GBK) text."
        ) from exc
    except yaml.YAMLError as exc:
        raise DistrictError(
            f"cannot be read as YAML ({type(exc).__name__}: {exc})",
            file=str(mpath),
            fix="save it as UTF-8 YAML; quote values that contain ':' or '#'.",
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
