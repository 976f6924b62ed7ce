"""A regular hexagon grid of a given cell area, covering a set of points (provisional circles)."""

from __future__ import annotations

import math

import numpy as np
import shapely

_ANCHOR = 0.381966  # fraction of a cell between the bounding box and the lattice origin


def hex_side(area_km2: float) -> float:
    """Side (= circumradius) in metres of a regular hexagon of ``area_km2``: A = 3√3/2 · s²."""
    return math.sqrt(2.0 * area_km2 * 1e6 / (3.0 * math.sqrt(3.0)))


def hexagon_grid(x: np.ndarray, y: np.ndarray, area_km2: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointy-top hexagons of ``area_km2`` that hold at least one of the points.

    The lattice is anchored a fixed fraction of a cell south-west of the points' bounding
    box, so the same points give the same cells and the extreme points do not sit on a
    cell edge. Cells are ordered north to south, then west to east.

    Returns
    -------
    cells : numpy.ndarray of shapely.Polygon
        One hexagon per occupied cell.
    cell_of : numpy.ndarray of int
        Index into ``cells`` of each point's cell (its nearest centre), so no point is
        lost to floating point on a shared edge.
    """
    if not area_km2 > 0:
        raise ValueError("hex_area_km2 must be positive")
    s = hex_side(area_km2)
    w = math.sqrt(3.0) * s  # distance between neighbouring centres in a row
    dy = 1.5 * s  # distance between rows
    x0 = float(np.min(x)) - _ANCHOR * w
    y0 = float(np.min(y)) - _ANCHOR * s
    # candidate cell per point: nearest centre among the two nearest rows (exact for hexagons)
    row_f = (y - y0) / dy
    best = np.full(len(x), np.inf)
    cell_r = np.zeros(len(x), dtype=np.int64)
    cell_c = np.zeros(len(x), dtype=np.int64)
    for r in (np.floor(row_f), np.floor(row_f) + 1):
        shift = np.where(r.astype(np.int64) % 2 == 1, w / 2.0, 0.0)
        c = np.round((x - x0 - shift) / w)
        cx = x0 + shift + c * w
        cy = y0 + r * dy
        d = (x - cx) ** 2 + (y - cy) ** 2
        take = d < best
        best = np.where(take, d, best)
        cell_r = np.where(take, r.astype(np.int64), cell_r)
        cell_c = np.where(take, c.astype(np.int64), cell_c)
    cells, cell_of = np.unique(
        np.column_stack([-cell_r, cell_c]), axis=0, return_inverse=True
    )  # north first, then west
    angles = np.deg2rad(np.arange(6) * 60.0 + 30.0)  # pointy top: vertices at 30°, 90° …
    out = np.empty(len(cells), dtype=object)
    for k, (neg_r, c) in enumerate(cells):
        r = -neg_r
        cx = x0 + (w / 2.0 if r % 2 else 0.0) + c * w
        cy = y0 + r * dy
        out[k] = shapely.Polygon(
            np.column_stack([cx + s * np.cos(angles), cy + s * np.sin(angles)])
        )
    return out, cell_of.ravel()


def hex_ids(n: int) -> list[str]:
    """Cell ids H001, H002 … (wider when there are more than 999 cells)."""
    width = max(3, len(str(n)))
    return [f"H{i:0{width}d}" for i in range(1, n + 1)]
