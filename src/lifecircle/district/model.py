"""The in-memory district: compounds, facilities, walking graph, circles and manual values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj

from lifecircle.network import WalkGraph

WARNING_KEYS = ("code", "message", "file", "row", "field")


def warning(
    code: str,
    message: str,
    *,
    file: str | None = None,
    row: int | None = None,
    field: str | None = None,
) -> dict:
    """A reported (not fatal) problem, in the shape ``checkup.json`` carries."""
    return {"code": code, "message": message, "file": file, "row": row, "field": field}


@dataclass(eq=False)
class District:
    """Everything the checkup needs about one district, in one metric CRS.

    Attributes
    ----------
    root : Path or None
        Package folder (None for a district derived from OSM).
    name, admin_code : str, str or None
        District name and administrative code.
    generated : bool
        True when the geometry is generated (demo data).
    notice, notice_en : str or None
        Text shown on every output (e.g. "示例数据：几何为生成数据").
    circles_note : str or None
        What the circles are (e.g. provisional, generated).
    compounds : GeoDataFrame
        Points: id, name, community, street, population, households, share_0_3, share_3_6,
        share_60_plus (NaN when absent), circle_id.
    facilities : GeoDataFrame
        Points: id, name, category (taxonomy id), capacity, floor_area_m2, circle_id (the
        circle whose polygon holds it, or None).
    graph : WalkGraph
        The walking network, same CRS.
    circles : GeoDataFrame
        circle_id, name, street, communities (list of str), population, households,
        area_km2, geometry (Polygon/MultiPolygon, None when nothing locates the circle).
    communities : GeoDataFrame or None
        Community polygons (name, street, circle_id) when the package has them.
    manual_values : DataFrame
        scope (circle id or "district"), indicator_id, value, evidence, date.
    warnings : list of dict
        ``{"code", "message", "file", "row", "field"}``: reported, not fatal.
    input_hash : str
        ``"sha256:..."`` over the manifest and every input file, in a fixed order.
    crs : pyproj.CRS
        The metric CRS of every layer.
    """

    root: Path | None
    name: str
    admin_code: str | None
    generated: bool
    notice: str | None
    notice_en: str | None
    circles_note: str | None
    compounds: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    graph: WalkGraph
    circles: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame | None
    manual_values: pd.DataFrame
    warnings: list[dict] = field(default_factory=list)
    input_hash: str = ""
    crs: pyproj.CRS | None = None

    def summary(self) -> dict[str, object]:
        """Counts for a terminal line: circles, compounds, population, facilities, warnings."""
        return {
            "name": self.name,
            "circles": len(self.circles),
            "compounds": len(self.compounds),
            "population": float(self.compounds["population"].sum()),
            "facilities": len(self.facilities),
            "nodes": self.graph.n_nodes,
            "warnings": len(self.warnings),
        }
