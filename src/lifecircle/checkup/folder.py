"""A checkup output folder read back: the ``CheckupResult`` plus its map layers."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from lifecircle.checkup.result import CheckupResult
from lifecircle.errors import FileFormatError, InputError, SchemaError
from lifecircle.io.foreign_zh import explain

WGS84 = "EPSG:4326"
LAYERS = ("circles", "compounds", "facilities", "service_areas")


@dataclass(eq=False)
class CheckupFolder:
    """A checkup with its map layers, as ``Checkup.write`` leaves them (docs/checkup-schema.md).

    Attributes
    ----------
    result : CheckupResult
        ``checkup.json``, validated.
    circles : GeoDataFrame
        One polygon per circle, EPSG:4326, column ``circle_id`` (str).
    compounds : GeoDataFrame
        One point per compound, EPSG:4326: ``id``, ``circle_id`` (str), ``population``,
        optional ``name`` / ``community``, and the access columns (``nearest_m__<category>``
        …; infinite or null when unreachable).
    facilities : GeoDataFrame or None
        Points with ``id``, ``name``, ``category`` (None when the folder has none).
    service_areas : GeoDataFrame or None
        Polygons with ``category``, ``radius_m`` (None when the folder has none).
    path : Path or None
        The folder read (None when built in memory).

    Two folders are equal only when they are the same object (GeoDataFrames have no
    single truth value to compare by).
    """

    result: CheckupResult
    circles: gpd.GeoDataFrame
    compounds: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None = None
    service_areas: gpd.GeoDataFrame | None = None
    path: Path | None = None
    _metric: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, folder: str | os.PathLike[str]) -> CheckupFolder:
        """Read a checkup output folder.

        Needs ``checkup.json`` (validated against its schema), ``circles.gpkg`` and
        ``compounds.gpkg``; reads ``facilities.gpkg`` and ``service_areas.gpkg`` when they
        are there. Every layer is returned in EPSG:4326 with string ids.

        Parameters
        ----------
        folder : str or path-like
            The output folder of ``lifecircle checkup`` (or its ``checkup.json``).

        Returns
        -------
        CheckupFolder

        Raises
        ------
        InputError
            The folder or a required file is missing; ``FileFormatError`` / ``SchemaError``
            when a file cannot be read or lacks what it must hold.
        """
        d = Path(folder)
        if d.is_file():  # checkup.json given: its folder is meant
            d = d.parent
        if not d.is_dir():
            from lifecircle.checkup.write import missing_checkup_folder

            raise missing_checkup_folder(d)
        result = CheckupResult.read(d / "checkup.json")
        circles = _read_layer(d / "circles.gpkg", ("circle_id",))
        circles["circle_id"] = circles["circle_id"].astype(str)
        compounds = _read_layer(d / "compounds.gpkg", ("id", "circle_id", "population"))
        compounds["id"] = compounds["id"].astype(str)
        compounds["circle_id"] = compounds["circle_id"].astype(str)
        facilities = _read_optional(d / "facilities.gpkg", ("id", "category"))
        if facilities is not None:
            facilities["id"] = facilities["id"].astype(str)
            if "name" not in facilities.columns:
                facilities["name"] = facilities["id"]
        service_areas = _read_optional(d / "service_areas.gpkg", ("category", "radius_m"))
        _check_same_circles(d, result, circles, compounds)
        return cls(result, circles, compounds, facilities, service_areas, path=d)

    def layer(self, name: str) -> gpd.GeoDataFrame | None:
        """One of ``circles``, ``compounds``, ``facilities``, ``service_areas`` by name.

        Parameters
        ----------
        name : str
            The layer's name.

        Returns
        -------
        geopandas.GeoDataFrame or None
            The layer, or ``None`` when the folder does not hold it.
        """
        if name not in LAYERS:
            raise KeyError(name)
        layer: gpd.GeoDataFrame | None = getattr(self, name)
        return layer

    def metric(self, name: str) -> gpd.GeoDataFrame:
        """A layer in one metric CRS (the UTM zone of the whole district), cached.

        Every circle's maps share that CRS, so distances and scale bars agree.

        Parameters
        ----------
        name : str
            ``circles``, ``compounds``, ``facilities`` or ``service_areas``.

        Returns
        -------
        GeoDataFrame

        Raises
        ------
        LookupError
            When the folder has no such layer (``facilities`` and ``service_areas`` are
            optional: check the attribute first).
        """
        if "crs" not in self._metric:
            self._metric["crs"] = self.circles.estimate_utm_crs()
        if name not in self._metric:
            layer = self.layer(name)
            if layer is None:
                raise LookupError(f"体检结果没有 {name} 图层")
            self._metric[name] = layer.to_crs(self._metric["crs"])
        out: gpd.GeoDataFrame = self._metric[name]
        return out


def _check_same_circles(
    d: Path, result: CheckupResult, circles: gpd.GeoDataFrame, compounds: gpd.GeoDataFrame
) -> None:
    """checkup.json, circles.gpkg and compounds.gpkg name the same circles (one run wrote
    them); a folder mixed from two runs is refused before any report is drawn."""
    fix = "这几个文件应出自同一次体检：请重新运行 lifecircle checkup，不要混用不同体检的文件"
    in_json = [c.id for c in result.circles]
    known = set(in_json)
    polygons = circles["circle_id"].tolist()
    no_polygon = [c for c in in_json if c not in set(polygons)]
    if no_polygon:
        raise SchemaError(
            f"checkup.json 中的生活圈 {'、'.join(no_polygon[:5])} 在 circles.gpkg 中没有范围",
            file=str(d / "circles.gpkg"),
            field="circle_id",
            fix=fix,
        )
    for row, cid in enumerate(polygons, start=1):
        if cid not in known:
            raise SchemaError(
                f"生活圈 {cid} 不在 checkup.json 中",
                file=str(d / "circles.gpkg"),
                row=row,
                field="circle_id",
                fix=fix,
            )
    for row, cid in enumerate(compounds["circle_id"].tolist(), start=1):
        if cid not in known and cid not in ("", "None", "nan", "<NA>"):
            raise SchemaError(
                f"小区所属的生活圈 {cid} 不在 checkup.json 中",
                file=str(d / "compounds.gpkg"),
                row=row,
                field="circle_id",
                fix=fix,
            )


def _read_optional(path: Path, required: tuple[str, ...]) -> gpd.GeoDataFrame | None:
    return _read_layer(path, required) if path.is_file() else None


def _read_layer(path: Path, required: tuple[str, ...]) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise InputError(
            f"checkup.json 旁边没有 {path.name}",
            file=str(path),
            fix="重新运行体检（lifecircle checkup），它会写出 circles.gpkg 和 compounds.gpkg",
        )
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types
        raise FileFormatError(
            f"无法读取 GeoPackage：{explain(exc)}",
            file=str(path),
            fix="重新运行体检，或检查文件是否完整",
        ) from exc
    if "circle_id" not in gdf.columns and "id" in gdf.columns and "circle_id" in required:
        gdf = gdf.rename(columns={"id": "circle_id"})
    for col in required:
        if col not in gdf.columns:
            raise SchemaError(
                "缺少这一列",
                file=str(path),
                field=col,
                fix="图层须符合 docs/checkup-schema.md 的格式；请重新运行体检",
            )
    if gdf.crs is None:
        raise SchemaError(
            "图层没有坐标系", file=str(path), field="geometry", fix="重新运行体检写出图层"
        )
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(WGS84)
    return gdf
