"""The in-memory district: compounds, facilities, walking graph, circles and manual values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj

from lifecircle.network import WalkGraph

from ._build import fields_from_frames
from ._warnings import WARNING_KEYS, warning

__all__ = ["WARNING_KEYS", "District", "warning"]


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
    data_date : datetime.date or None
        The day the inputs describe (a third-party 体检's data date), distinct from the day
        the checkup runs; None when not given.
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
    warnings: list[dict[str, Any]] = field(default_factory=list)
    input_hash: str = ""
    crs: pyproj.CRS | None = None
    data_date: date | None = None

    @classmethod
    def from_frames(
        cls,
        *,
        name: str,
        network: gpd.GeoDataFrame | WalkGraph,
        compounds: pd.DataFrame,
        facilities: pd.DataFrame,
        circles: pd.DataFrame,
        communities: gpd.GeoDataFrame | None = None,
        manual_values: pd.DataFrame | None = None,
        crs: str | int | pyproj.CRS | None = None,
        admin_code: str | None = None,
        coords: str = "wgs84",
        generated: bool = False,
        notice: str | None = None,
        notice_en: str | None = None,
        circles_note: str | None = None,
        strict: bool = True,
        data_date: date | str | None = None,
    ) -> District:
        """A district from frames held in memory, checked exactly as a package folder is.

        Each frame is shaped as the layer of ``district.yaml`` with the same key
        (docs/district-format.md) and passes the checks `load_district` applies to that
        layer's file: the same errors and the same warnings, with the layer key in place
        of the file name (``file="compounds"``; rows are 1-based positions). No frame
        given is modified.

        Parameters
        ----------
        name : str
            District name.
        network : GeoDataFrame or WalkGraph
            Street lines (any CRS; noded where lines share a vertex), or a graph already
            built (`lifecircle.network.graph_from_lines`, `graph_from_osm`) in the
            district's metric CRS.
        compounds : GeoDataFrame or DataFrame
            Points (or a table with lon/lat columns): id, name, community, population,
            [street, households, share_0_3, share_3_6, share_60_plus].
        facilities : GeoDataFrame or DataFrame
            Points (or a lon/lat table): id, name, category (taxonomy id, 中文名 or Amap
            typecode), [capacity, floor_area_m2].
        circles : DataFrame or GeoDataFrame
            A table circle_id, name, street, communities (names separated by ; or 、, or
            a list), or polygons with circle_id, name, street (compounds then belong to
            the polygon that holds them).
        communities : GeoDataFrame, optional
            Community polygons: name, street.
        manual_values : DataFrame, optional
            scope, indicator_id, value, evidence, date.
        crs : str, int or pyproj.CRS, optional
            CRS of frames that carry none. When projected, also the district's metric
            CRS; else the CRS of a given `WalkGraph`, else the UTM zone of the compounds.
        admin_code : str, optional
            Administrative code.
        coords : {"wgs84", "cgcs2000", "gcj02", "bd09"}
            Offset system of lon/lat coordinates (tables and geographic frames).
        generated : bool
            The geometry is generated (demo data); needs ``notice``.
        notice, notice_en, circles_note : str, optional
            Text every output shows.
        strict : bool
            A compound in no circle stops (True) or is kept, reported and counted in no
            circle (False).
        data_date : datetime.date or str, optional
            The day the inputs describe (``2024-06-30`` or ``2024年6月30日``), as
            ``data_date`` of ``district.yaml``.

        Returns
        -------
        District
            ``root`` None; ``input_hash`` over the frames' content and these options.

        Raises
        ------
        SchemaError, CRSError, DistrictError, NetworkError, InputError
            As `load_district` raises them for the same content in files.
        """
        return cls(
            **fields_from_frames(
                name=name,
                network=network,
                compounds=compounds,
                facilities=facilities,
                circles=circles,
                communities=communities,
                manual_values=manual_values,
                crs=crs,
                admin_code=admin_code,
                coords=coords,
                generated=generated,
                notice=notice,
                notice_en=notice_en,
                circles_note=circles_note,
                strict=strict,
                data_date=data_date,
            )
        )

    def summary(self) -> dict[str, object]:
        """Counts for a terminal line: circles, compounds, population, facilities, warnings.

        Returns
        -------
        dict
            ``name``, ``circles``, ``compounds``, ``population``, ``facilities``, ``nodes``
            and ``warnings`` (their number).
        """
        return {
            "name": self.name,
            "circles": len(self.circles),
            "compounds": len(self.compounds),
            "population": float(self.compounds["population"].sum()),
            "facilities": len(self.facilities),
            "nodes": self.graph.n_nodes,
            "warnings": len(self.warnings),
        }
