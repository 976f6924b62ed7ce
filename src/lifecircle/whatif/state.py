"""What a what-if keeps of a checkup: snapped homes and facilities, distance fields, columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from lifecircle.network.graph import WalkGraph
from lifecircle.network.snap import snap_points
from lifecircle.whatif import _kernels

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NEAREST_M, NEAREST_ID = "nearest_m__", "nearest_id__"


def by_edge(edge: IntArray, items: IntArray, n_edges: int) -> tuple[IntArray, IntArray]:
    """Group ``items`` by their ``edge`` (>= 0): a CSR pointer over edges, items in order."""
    order = np.argsort(edge, kind="stable")
    ptr = np.zeros(n_edges + 1, dtype=np.int64)
    np.cumsum(np.bincount(edge, minlength=n_edges), out=ptr[1:])
    return ptr, np.asarray(items[order], dtype=np.int64)


@dataclass
class Points:
    """Points on the network (homes or facilities), growable: snap and what they carry."""

    edge: IntArray
    offset: FloatArray
    gap: FloatArray
    alive: BoolArray

    def copy(self) -> Points:
        """An independent copy."""
        return Points(self.edge.copy(), self.offset.copy(), self.gap.copy(), self.alive.copy())

    def append(self, edge: int, offset: float, gap: float) -> int:
        """Add one point; returns its index."""
        self.edge = np.append(self.edge, np.int64(edge))
        self.offset = np.append(self.offset, offset)
        self.gap = np.append(self.gap, gap)
        self.alive = np.append(self.alive, True)
        return len(self.edge) - 1


class Snapper:
    """Snap single points as :func:`lifecircle.network.snap.snap_points` does, tree built once.

    Nearest edge (ties to the lowest index), offset along it, clipped to its length;
    farther than ``max_snap_m``: not snapped (edge -1).
    """

    def __init__(self, graph: WalkGraph, max_snap_m: float) -> None:
        self.graph = graph
        self.max_snap_m = float(max_snap_m)
        self.tree = shapely.STRtree(graph.edge_geometry)

    def snap(self, point: Any) -> tuple[int, float, float]:
        """``(edge, offset, gap)`` of one shapely point; edge -1 when too far or empty."""
        if point is None or shapely.is_empty(point):
            return -1, 0.0, float("nan")
        if shapely.get_type_id(point) != 0:  # a polygon: walk from a point inside
            point = shapely.point_on_surface(point)
        (_, ei), dist = self.tree.query_nearest(
            np.array([point]), return_distance=True, all_matches=True
        )
        k = int(np.argmin(ei))
        e, d = int(ei[k]), float(dist[k])
        if d > self.max_snap_m:
            return -1, 0.0, d
        g = self.graph
        off = float(shapely.line_locate_point(g.edge_geometry[e], point))
        return e, float(np.clip(off, 0.0, g.edge_length[e])), d


@dataclass
class Field:
    """One category's nearest-facility field: per node, the walk and the facility index."""

    dist: FloatArray
    label: IntArray


@dataclass
class Base:
    """The checkup a what-if starts from, prepared once (fields computed on first use).

    Homes are the checkup's compounds in the order of ``Checkup.homes``; facilities the
    district's, in its order; both snapped exactly as the access engine snapped them.
    """

    graph: WalkGraph
    homes: pd.DataFrame
    home_pts: Points
    facilities: pd.DataFrame  # district.facilities (geometry kept), string ids
    fac_pts: Points
    fac_category: npt.NDArray[np.object_]
    fac_capacity: FloatArray
    radii: FloatArray
    labels: tuple[str, ...]
    bounded: frozenset[str]
    wanted: frozenset[str]
    snapper: Snapper
    fields: dict[str, Field] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    by_category: dict[str, IntArray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cats = self.fac_category
        for cat in dict.fromkeys(cats.tolist()):
            self.by_category[str(cat)] = np.flatnonzero(cats == cat).astype(np.int64)
        self.fac_ids = self.facilities["id"].astype(str).to_numpy(dtype=object)
        self.fac_circle = self.facilities["circle_id"].to_numpy(dtype=object)
        self.home_ids = self.homes["id"].astype(str).to_numpy(dtype=object)
        self.home_circle = self.homes["circle_id"].astype(str).to_numpy(dtype=object)
        self.home_pop = self.homes["population"].to_numpy(dtype=np.float64)
        self.home_id_set = frozenset(self.home_ids.tolist())
        self.fac_id_set = frozenset(self.fac_ids.tolist())

    def array(self, name: str) -> np.ndarray:
        """Column ``name`` of the base homes as a numpy array (text as objects), cached."""
        got = self.arrays.get(name)
        if got is None:
            col = self.homes[name]
            got = col.to_numpy(dtype=object) if not _numeric(col) else col.to_numpy()
            self.arrays[name] = got
        return got

    @classmethod
    def prepare(
        cls,
        graph: WalkGraph,
        homes: pd.DataFrame,
        home_geometry: Any,
        facilities: pd.DataFrame,
        *,
        radii: tuple[float, ...],
        labels: tuple[str, ...],
        wanted: set[str],
        max_snap_m: float,
    ) -> Base:
        """Snap homes and facilities as the checkup did.

        Parameters
        ----------
        graph
            The district's walking network.
        homes
            ``Checkup.homes`` (every compound, checkup order).
        home_geometry
            Their geometries, in the same order (the district's CRS).
        facilities
            ``district.facilities``.
        radii, labels
            The radii measured (metres, ascending) and their column labels.
        wanted
            Categories every result has columns for (the catalogue's).
        max_snap_m
            The checkup's snapping limit.

        Returns
        -------
        Base
        """
        hs = snap_points(graph, _points(home_geometry), max_snap_m=max_snap_m)
        fs = snap_points(graph, _points(facilities.geometry.values), max_snap_m=max_snap_m)
        cap = (
            pd.to_numeric(facilities["capacity"], errors="coerce").to_numpy(dtype=np.float64)
            if "capacity" in facilities.columns
            else np.full(len(facilities), np.nan)
        )
        bounded = frozenset(
            c.split("__", 1)[1] for c in homes.columns if c.startswith(f"count_{labels[-1]}__")
        )
        return cls(
            graph=graph,
            homes=homes,
            home_pts=Points(
                hs.edge.astype(np.int64),
                hs.offset.astype(np.float64),
                np.nan_to_num(hs.distance, nan=0.0).astype(np.float64),
                np.ones(len(homes), dtype=bool),
            ),
            facilities=facilities,
            fac_pts=Points(
                fs.edge.astype(np.int64),
                fs.offset.astype(np.float64),
                np.nan_to_num(fs.distance, nan=0.0).astype(np.float64),
                np.ones(len(facilities), dtype=bool),
            ),
            fac_category=facilities["category"].astype(str).to_numpy(dtype=object),
            fac_capacity=cap,
            radii=np.asarray(radii, dtype=np.float64),
            labels=tuple(labels),
            bounded=bounded,
            wanted=frozenset(wanted),
            snapper=Snapper(graph, max_snap_m),
        )

    def field(self, category: str) -> Field:
        """The base field of ``category`` (computed once)."""
        got = self.fields.get(category)
        if got is None:
            members = self.by_category.get(category, np.zeros(0, dtype=np.int64))
            got = compute_field(self.graph, self.fac_pts, members)
            self.fields[category] = got
        return got


def compute_field(graph: WalkGraph, pts: Points, members: IntArray) -> Field:
    """The field of the facilities ``members`` (those on the network count)."""
    m = members[(pts.edge[members] >= 0) & pts.alive[members]].astype(np.int64)
    node, dist, lab = seeds(graph, pts, m)
    d, label = _kernels.field(
        graph.indptr, graph.indices, graph.weights, node, dist, lab, graph.n_nodes
    )
    return Field(d, label)


def seeds(
    graph: WalkGraph, pts: Points, members: IntArray
) -> tuple[IntArray, FloatArray, IntArray]:
    """Seeds of facilities: both ends of each one's edge, at gap + offset (the engine's)."""
    e = pts.edge[members]
    node = np.concatenate([graph.edge_u[e], graph.edge_v[e]]).astype(np.int64)
    snap, off = pts.gap[members], pts.offset[members]
    dist = np.concatenate([snap + off, snap + graph.edge_length[e] - off])
    lab = np.concatenate([members, members]).astype(np.int64)
    return node, dist, lab


def _numeric(col: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(col)) and not pd.api.types.is_bool_dtype(col)


def _points(geoms: Any) -> Any:
    g = np.asarray(geoms)
    not_point = ~shapely.is_missing(g) & (shapely.get_type_id(g) != 0)
    if not_point.any():  # polygons (compound outlines): walk from a point inside
        g = g.copy()
        g[not_point] = shapely.point_on_surface(g[not_point])
    return g
