"""Generated layout of the demo district: extent, streets, community cells and the river."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Polygon, box
from shapely.ops import split

CRS = "EPSG:32649"  # WGS 84 / UTM zone 49N, covers Changsha
CENTRE_LONLAT = (113.0, 28.1)  # roughly where 雨花区 lies
WIDTH_M = 12_000.0  # at scale 1: 12 km x 24 km = 288 km² (雨花区: 292.2 km²)
HEIGHT_M = 24_000.0
RIVER_HALF_WIDTH_M = 70.0  # 浏阳河 is roughly 120-200 m wide in the city
RIVER_NAME = "浏阳河（示意）"

# Where each street sits, as fractions of the extent (x0, x1, y0, y1; y grows northwards).
# Loosely after the real arrangement: the old city streets in the north, 跳马镇 in the south,
# 高桥/黎托/东山 along the river in the east. Not real boundaries.
STREET_BOXES: dict[str, tuple[float, float, float, float]] = {
    "侯家塘街道": (0.00, 0.22, 0.80, 1.00),
    "东塘街道": (0.22, 0.40, 0.80, 1.00),
    "左家塘街道": (0.40, 0.62, 0.80, 1.00),
    "高桥街道": (0.62, 1.00, 0.80, 1.00),
    "雨花亭街道": (0.00, 0.30, 0.62, 0.80),
    "砂子塘街道": (0.30, 0.50, 0.62, 0.80),
    "圭塘街道": (0.50, 0.75, 0.62, 0.80),
    "黎托街道": (0.75, 1.00, 0.62, 0.80),
    "井湾子街道": (0.00, 0.38, 0.42, 0.62),
    "洞井街道": (0.38, 0.68, 0.42, 0.62),
    "东山街道": (0.68, 1.00, 0.42, 0.62),
    "同升街道": (0.00, 1.00, 0.28, 0.42),
    "跳马镇": (0.00, 1.00, 0.00, 0.28),
}
RURAL_BELOW = 0.28  # fraction of height: south of this is the rural town (跳马镇)


@dataclass
class Layout:
    """Extent, river and side-of-river test in metric coordinates."""

    x0: float
    y0: float
    width: float
    height: float
    river: LineString
    river_area: Polygon
    east_bank: Polygon  # the part of the extent east/north of the river
    # river buffers by margin: built once, as every sampling round asks again
    _wet: dict[float, Polygon] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def extent(self) -> Polygon:
        return box(self.x0, self.y0, self.x0 + self.width, self.y0 + self.height)

    def street_box(self, street: str) -> Polygon:
        fx0, fx1, fy0, fy1 = STREET_BOXES[street]
        return box(
            self.x0 + fx0 * self.width,
            self.y0 + fy0 * self.height,
            self.x0 + fx1 * self.width,
            self.y0 + fy1 * self.height,
        )

    def east_of_river(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out: np.ndarray = shapely.contains_xy(self.east_bank, x, y)
        return out

    def in_river(self, x: np.ndarray, y: np.ndarray, margin: float = 0.0) -> np.ndarray:
        out: np.ndarray = shapely.contains_xy(self._river_with(margin), x, y)
        return out

    def _river_with(self, margin: float) -> Polygon:
        """The river area widened by ``margin`` metres (the same polygon on every call)."""
        if margin == 0:
            return self.river_area
        area = self._wet.get(margin)
        if area is None:
            area = self._wet[margin] = self.river.buffer(RIVER_HALF_WIDTH_M + margin)
        return area


def make_layout(scale: float, rng: np.random.Generator) -> Layout:
    """District extent centred on lon 113.0, lat 28.1 (UTM 49N) and a meandering river."""
    lin = float(np.sqrt(scale))
    width, height = WIDTH_M * lin, HEIGHT_M * lin
    cx, cy = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(*CENTRE_LONLAT)
    x0, y0 = float(round(cx - width / 2)), float(round(cy - height / 2))
    # The river enters at the east edge and leaves at the north edge, meandering.
    a = np.array([x0 + 1.05 * width, y0 + 0.36 * height])
    b = np.array([x0 + 0.56 * width, y0 + 1.05 * height])
    t = np.linspace(0.0, 1.0, 241)
    d = b - a
    normal = np.array([-d[1], d[0]]) / np.hypot(*d)
    phase = rng.uniform(0, 2 * np.pi)
    amp = 0.035 * min(width, height) * 3
    wiggle = amp * np.sin(2 * np.pi * 2.2 * t + phase) + 0.3 * amp * np.sin(2 * np.pi * 5.3 * t)
    pts = a + t[:, None] * d + wiggle[:, None] * normal
    river = LineString(np.round(pts, 2))
    river_area = river.buffer(RIVER_HALF_WIDTH_M, quad_segs=4)
    ext = box(x0 - 1, y0 - 1, x0 + width + 1, y0 + height + 1)
    parts = split(ext, river).geoms
    corner = shapely.Point(x0 + width, y0 + height)
    east = next(p for p in parts if p.buffer(1e-6).contains(corner))
    return Layout(x0, y0, width, height, river, river_area, east)


def community_cells(
    layout: Layout, street: str, n: int, rng: np.random.Generator
) -> tuple[list[Polygon], np.ndarray]:
    """Partition a street's box into ``n`` Voronoi cells (Lloyd-relaxed), north to south."""
    rect = layout.street_box(street)
    minx, miny, maxx, maxy = rect.bounds
    seeds = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    cells: list[Polygon] = []
    for _ in range(4):
        vor = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=rect, ordered=True)
        cells = [shapely.intersection(g, rect) for g in vor.geoms]
        cent = shapely.centroid(np.array(cells, dtype=object))
        seeds = shapely.get_coordinates(cent)
    cells = [shapely.set_precision(c, 0.01) for c in cells]
    order = np.lexsort((seeds[:, 0], -np.round(seeds[:, 1], -1)))
    return [cells[i] for i in order], seeds[order]
