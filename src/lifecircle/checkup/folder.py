"""A checkup output folder read back: the ``CheckupResult`` plus its map layers."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from lifecircle.checkup.result import CheckupResult
from lifecircle.errors import FileFormatError, InputError, SchemaError

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
                raise LookupError(f"the checkup has no {name} layer")
            self._metric[name] = layer.to_crs(self._metric["crs"])
        out: gpd.GeoDataFrame = self._metric[name]
        return out


def _read_optional(path: Path, required: tuple[str, ...]) -> gpd.GeoDataFrame | None:
    return _read_layer(path, required) if path.is_file() else None


def _read_layer(path: Path, required: tuple[str, ...]) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise InputError(
            f"{path.name} not found beside checkup.json",
            file=str(path),
            fix="run the checkup again; it writes circles.gpkg and compounds.gpkg.",
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
                fix="the layer must follow docs/checkup-schema.md.",
            )
    if gdf.crs is None:
        raise SchemaError("layer has no CRS", file=str(path), field="geometry")
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(WGS84)
    return gdf
