"""Reading a checkup output directory (checkup.json + GeoPackages) for the renderers."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lifecircle.errors import FileFormatError, InputError, SchemaError

# The plan's text came from a mirror that replaced "政府" with this string; it must never be
# shown. Any text read from a checkup is cleaned of it on the way in.
_MIRROR_JUNK = "\u548c\u8bb0AG"  # escaped so the string itself never sits in the tree

WGS84 = "EPSG:4326"


def clean_text(obj: Any) -> Any:
    """Return ``obj`` with every string cleaned of the mirror's advertising string."""
    if isinstance(obj, str):
        return obj.replace(_MIRROR_JUNK, "政府")
    if isinstance(obj, list):
        return [clean_text(v) for v in obj]
    if isinstance(obj, dict):
        return {k: clean_text(v) for k, v in obj.items()}
    return obj


@dataclass
class CheckupOutput:
    """One checkup run as the renderers see it.

    Attributes
    ----------
    doc : the parsed ``checkup.json``.
    circles : one polygon per circle, EPSG:4326, column ``circle_id``.
    compounds : one point per compound, EPSG:4326, columns ``id``, ``circle_id``,
        ``population`` and ``nearest_m__<category>``.
    facilities : points with ``id``, ``name``, ``category`` (``None`` when the directory
        has no ``facilities.gpkg``).
    service_areas : polygons with ``category``, ``radius_m`` (``None`` when absent).
    """

    path: Path
    doc: dict
    circles: gpd.GeoDataFrame
    compounds: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None = None
    service_areas: gpd.GeoDataFrame | None = None
    _by_id: dict = field(default_factory=dict, repr=False)
    _metric: dict = field(default_factory=dict, repr=False)

    def metric(self, name: str) -> gpd.GeoDataFrame | None:
        """A layer (``circles``, ``compounds``, ``facilities``) in one metric CRS, cached.

        The CRS is the UTM zone of the whole district, so every circle's maps share it.
        """
        if not self._metric:
            self._metric["crs"] = self.circles.estimate_utm_crs()
        if name not in self._metric:
            layer = getattr(self, name)
            self._metric[name] = None if layer is None else layer.to_crs(self._metric["crs"])
        return self._metric[name]

    @property
    def run(self) -> dict:
        return self.doc["run"]

    @property
    def district_name(self) -> str:
        return (self.run.get("district") or {}).get("name") or ""

    def circle(self, circle_id: str) -> dict:
        """The ``circles[]`` entry of ``checkup.json`` with this id."""
        if not self._by_id:
            self._by_id = {c["id"]: c for c in self.doc["circles"]}
        try:
            return self._by_id[circle_id]
        except KeyError:
            known = ", ".join(list(self._by_id)[:10])
            raise InputError(
                f"no circle with id {circle_id!r} in the checkup",
                file=str(self.path / "checkup.json"),
                field="circles[].id",
                fix=f"use one of: {known} …",
            ) from None

    def circle_ids(self) -> list[str]:
        return [c["id"] for c in self.doc["circles"]]


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise InputError(
            "checkup.json not found",
            file=str(path),
            fix="point `lifecircle report` at the output directory of `lifecircle checkup`.",
        )
    try:
        with path.open(encoding="utf-8") as fh:
            doc = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileFormatError(
            f"not valid UTF-8 JSON ({exc})", file=str(path), fix="re-run the checkup."
        ) from exc
    for key in ("schema_version", "run", "summary", "circles"):
        if key not in doc:
            raise SchemaError(
                "missing top-level key",
                file=str(path),
                field=key,
                fix="the file must follow docs/interfaces.md (checkup.json).",
            )
    major = str(doc["schema_version"]).split(".")[0]
    if major != "1":
        raise SchemaError(
            f"schema_version {doc['schema_version']} is not supported (this version reads 1.x)",
            file=str(path),
            field="schema_version",
            fix="upgrade lifecircle or re-run the checkup with this version.",
        )
    return clean_text(doc)


def _read_layer(path: Path, required: tuple[str, ...], *, optional: bool = False):
    if not path.is_file():
        if optional:
            return None
        raise InputError(
            f"{path.name} not found beside checkup.json",
            file=str(path),
            fix="re-run the checkup; it writes circles.gpkg and compounds.gpkg.",
        )
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types
        raise FileFormatError(f"cannot read GeoPackage ({exc})", file=str(path)) from exc
    if "circle_id" not in gdf.columns and "id" in gdf.columns and "circle_id" in required:
        gdf = gdf.rename(columns={"id": "circle_id"})
    for col in required:
        if col not in gdf.columns:
            raise SchemaError(
                "missing column",
                file=str(path),
                field=col,
                fix="the layer must follow docs/interfaces.md.",
            )
    if gdf.crs is None:
        raise SchemaError("layer has no CRS", file=str(path), field="geometry")
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(WGS84)
    for col in gdf.columns:
        if gdf[col].dtype == object:
            gdf[col] = gdf[col].map(clean_text)
    return gdf


def load_checkup(checkup_dir: str | Path) -> CheckupOutput:
    """Read a checkup output directory.

    Needs ``checkup.json``, ``circles.gpkg`` and ``compounds.gpkg``; reads
    ``facilities.gpkg`` and ``service_areas.gpkg`` when they are there.
    """
    d = Path(checkup_dir)
    if not d.is_dir():
        from lifecircle.checkup.write import missing_checkup_folder

        raise missing_checkup_folder(d)
    doc = _read_json(d / "checkup.json")
    circles = _read_layer(d / "circles.gpkg", ("circle_id",))
    circles["circle_id"] = circles["circle_id"].astype(str)
    compounds = _read_layer(d / "compounds.gpkg", ("id", "circle_id", "population"))
    compounds["id"] = compounds["id"].astype(str)
    compounds["circle_id"] = compounds["circle_id"].astype(str)
    facilities = _read_layer(d / "facilities.gpkg", ("id", "category"), optional=True)
    if facilities is not None:
        facilities["id"] = facilities["id"].astype(str)
        if "name" not in facilities.columns:
            facilities["name"] = facilities["id"]
    service_areas = _read_layer(d / "service_areas.gpkg", ("category", "radius_m"), optional=True)
    return CheckupOutput(d, doc, circles, compounds, facilities, service_areas)


def distance_columns(compounds: pd.DataFrame) -> list[str]:
    """Facility categories that have a ``nearest_m__<category>`` column."""
    return [c.split("__", 1)[1] for c in compounds.columns if c.startswith("nearest_m__")]


def finite(x: Any) -> float | None:
    """``x`` as a float, or ``None`` for null / NaN / infinity."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
