"""Zones stay points fall in (community polygons or a square grid) and facility matching."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

__all__ = ["FacilityIndex", "Zones"]

NO_ZONE: Final = -1
_GRID_SHIFT: Final = 1 << 31
_GRID_OFFSET: Final = 1 << 30
#: Facility categories whose visitors stop farther from the point (a park is large).
DEFAULT_RADIUS_BY_CATEGORY: Final = {"park": 250.0, "sports_court": 150.0, "fitness_ground": 150.0}


@dataclass(frozen=True, eq=False)
class Zones:
    """Where a point is: the community polygon holding it, or a grid cell of ``cell_m``.

    Zone codes are int64: a polygon's row index, or a packed cell (column, row), so codes
    stay the same over every chunk of a stream. `NO_ZONE` (-1) is outside every polygon.
    """

    crs: pyproj.CRS
    polygons: gpd.GeoDataFrame | None = None
    cell_m: float = 500.0
    _tree: shapely.STRtree | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.polygons is not None:
            object.__setattr__(self, "_tree", shapely.STRtree(self.polygons.geometry.to_numpy()))

    @property
    def kind(self) -> str:
        """``"community"`` for polygons, ``"grid"`` for cells."""
        return "community" if self.polygons is not None else "grid"

    def locate(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Zone code of each point (metric CRS)."""
        if self.polygons is None:
            ix = np.floor(x / self.cell_m).astype(np.int64) + _GRID_OFFSET
            iy = np.floor(y / self.cell_m).astype(np.int64) + _GRID_OFFSET
            return np.asarray(ix * _GRID_SHIFT + iy, dtype=np.int64)
        out = np.full(len(x), NO_ZONE, dtype=np.int64)
        if len(x) == 0:
            return out
        assert self._tree is not None
        pi, zi = self._tree.query(shapely.points(x, y), predicate="intersects")
        order = np.lexsort((zi, pi))  # a point on a shared border goes to the lower index
        pi, zi = pi[order], zi[order]
        first = np.ones(len(pi), dtype=bool)
        first[1:] = pi[1:] != pi[:-1]
        out[pi[first]] = zi[first]
        return out

    def ids(self, codes: NDArray[np.int64]) -> NDArray[np.object_]:
        """Zone id text of each code (``"区外"`` outside every polygon)."""
        codes = np.asarray(codes, dtype=np.int64)
        if self.polygons is not None:
            names = np.append(self.polygons["id"].astype(str).to_numpy(), "区外").astype(object)
            return np.asarray(names[np.where(codes >= 0, codes, len(names) - 1)], dtype=object)
        ix, iy = np.divmod(codes, _GRID_SHIFT)
        size = f"{self.cell_m:g}"
        return np.array(
            [f"G{size}_{a}_{b}" for a, b in zip(ix - _GRID_OFFSET, iy - _GRID_OFFSET, strict=True)],
            dtype=object,
        )

    def cells(self, ids: list[str]) -> gpd.GeoDataFrame:
        """Square polygons of grid cells named by `ids` (metric CRS)."""
        boxes = []
        for text in ids:
            _, a, b = text.split("_")
            x0, y0 = int(a) * self.cell_m, int(b) * self.cell_m
            boxes.append(shapely.box(x0, y0, x0 + self.cell_m, y0 + self.cell_m))
        return gpd.GeoDataFrame({"zone_id": ids}, geometry=boxes, crs=self.crs)


@dataclass(frozen=True, eq=False)
class FacilityIndex:
    """Facilities (metric points) to match stay points to, each with its own radius."""

    ids: NDArray[np.object_]
    category: NDArray[np.object_]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    radius: NDArray[np.float64]
    _tree: shapely.STRtree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tree", shapely.STRtree(shapely.points(self.x, self.y)))

    @classmethod
    def from_layer(
        cls,
        layer: gpd.GeoDataFrame,
        *,
        radius_m: float = 100.0,
        radius_by_category: Mapping[str, float] | None = None,
    ) -> FacilityIndex:
        """From a validated facilities layer (``id``, ``category``, points, metric CRS)."""
        by_cat = dict(
            DEFAULT_RADIUS_BY_CATEGORY if radius_by_category is None else radius_by_category
        )
        cats = layer["category"].astype(str).to_numpy().astype(object)
        xy = shapely.get_coordinates(layer.geometry.to_numpy())
        radius = np.array(
            [max(by_cat.get(str(c), radius_m), radius_m) for c in cats], dtype=np.float64
        )
        return cls(
            ids=layer["id"].astype(str).to_numpy().astype(object),
            category=cats,
            x=xy[:, 0].astype(np.float64),
            y=xy[:, 1].astype(np.float64),
            radius=radius,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def match(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Nearest facility within its category's radius of each point, or -1.

        Ties (equal distance) go to the lower facility index.
        """
        out = np.full(len(x), -1, dtype=np.int64)
        if len(x) == 0 or len(self.ids) == 0:
            return out
        pi, fi = self._tree.query(
            shapely.points(x, y), predicate="dwithin", distance=float(self.radius.max())
        )
        d = np.hypot(x[pi] - self.x[fi], y[pi] - self.y[fi])
        ok = d <= self.radius[fi]
        pi, fi, d = pi[ok], fi[ok], d[ok]
        order = np.lexsort((fi, d, pi))
        pi, fi = pi[order], fi[order]
        first = np.ones(len(pi), dtype=bool)
        first[1:] = pi[1:] != pi[:-1]
        out[pi[first]] = fi[first]
        return out
