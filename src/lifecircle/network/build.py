"""Build a :class:`WalkGraph` from any line layer: nodes where lines meet, one edge between."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.errors import CRSError, NetworkError
from lifecircle.network.graph import WalkGraph

_KEEP = ("highway", "name", "bridge", "tunnel", "osm_id")


def graph_from_lines(
    lines: gpd.GeoDataFrame,
    *,
    source: str | None = None,
    tolerance_m: float = 0.01,
    node_crossings: bool = False,
    keep_attrs: tuple[str, ...] = _KEEP,
) -> WalkGraph:
    """Node a line layer and return its walking graph.

    A node is placed at every line end and at every vertex that two lines (or one line
    twice) share, to within ``tolerance_m``; lines that cross without a shared vertex stay
    apart (a bridge over a street is not a junction). Each line is cut at its nodes into
    edges whose length is the geometry's length in metres.

    Parameters
    ----------
    lines : geopandas.GeoDataFrame
        LineString / MultiLineString rows in a projected (metric) CRS.
    source : str, optional
        File (or layer) name, for error messages; default ``"network"``.
    tolerance_m : float
        Vertices closer than this are the same node.
    node_crossings : bool
        Also join lines wherever they cross or touch (GEOS noding), for road layers drawn
        without vertices at junctions. Bridges then become junctions too, and line
        attributes are dropped: prefer a properly noded layer.
    keep_attrs : tuple of str
        Line attributes carried onto the edges when present.

    Returns
    -------
    WalkGraph
        The graph, in the CRS of ``lines``.

    Raises
    ------
    CRSError
        ``lines`` has no CRS or a geographic one.
    NetworkError
        No lines, or a row that is not a line (naming the row).
    """
    src = source or "network"
    if lines.crs is None or lines.crs.is_geographic:
        msg = "路网图层不是米制（投影）坐标系"
        raise CRSError(
            msg, file=src, field="geometry", fix="先投影到米制坐标系（lifecircle.io.to_metric）"
        )
    geoms = np.asarray(lines.geometry.values)
    if len(geoms) == 0:
        raise NetworkError("路网图层是空的", file=src, fix="请给出有线要素的图层")
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    bad |= ~np.isin(types, (1, 5))  # LineString, MultiLineString
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        first = shapely.to_wkt(geoms[row - 1]) if not shapely.is_missing(geoms[row - 1]) else "None"
        msg = f"路网中有 {int(bad.sum())} 行不是线（第一个：{first[:60]}）"
        raise NetworkError(msg, file=src, row=row, field="geometry", fix="只保留 LineString 线要素")
    if (types == 1).all():  # LineStrings only: each row is its own part
        parts, part_row = geoms, np.arange(len(geoms))
    else:
        parts, part_row = shapely.get_parts(geoms, return_index=True)
    if node_crossings:
        parts = shapely.get_parts(shapely.node(shapely.multilinestrings(parts)))
        part_row = np.zeros(len(parts), dtype=np.int64)
        keep_attrs = ()
    columns = [c for c in keep_attrs if c in lines.columns]
    u, v, node_xy, edge_geom, eline = _noded(parts, tolerance_m)
    length = np.asarray(shapely.length(edge_geom))
    keep = ~((u == v) & (length <= 0.0))  # zero-length loops carry no walk
    edge_row = part_row[eline][keep]
    del eline
    edge_attrs = {c: _edge_values(lines[c], edge_row) for c in columns}
    # nodes numbered along a space-filling curve: the searches walk nodes that lie near
    # one another, and now they lie near one another in memory too
    order = _curve_order(node_xy)
    number = np.empty(len(order), dtype=np.int64)
    number[order] = np.arange(len(order))
    node_xy = node_xy[order]
    return WalkGraph(
        node_x=node_xy[:, 0].copy(),
        node_y=node_xy[:, 1].copy(),
        edge_u=number[u[keep]],
        edge_v=number[v[keep]],
        edge_length=length[keep],
        edge_geometry=edge_geom[keep],
        crs=lines.crs,
        edge_attrs=edge_attrs,
    )


def _noded(
    parts: np.ndarray, tolerance_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nodes and edges of the line ``parts``: each edge's end nodes, the nodes'
    coordinates, each edge's geometry and the part it comes from.

    A function of its own so that its arrays (a dozen of one number per vertex: 114 MB at
    once for the demo's 229,211 lines) are freed before the graph is built from it.
    """
    coords, line_of = shapely.get_coordinates(parts, return_index=True)
    n = len(coords)
    first = np.ones(n, dtype=bool)
    first[1:] = line_of[1:] != line_of[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = line_of[1:] != line_of[:-1]
    _, vid, occurrences = np.unique(
        _vertex_keys(coords, tolerance_m), return_inverse=True, return_counts=True
    )
    vid = vid.ravel()
    interior_node = (occurrences[vid] > 1) & ~first & ~last
    del last
    # node coordinates: the first coordinate seen for each vertex id
    first_seen = np.empty(len(occurrences), dtype=np.int64)
    first_seen[vid[::-1]] = np.arange(n - 1, -1, -1)
    del occurrences
    if interior_node.any():
        # Interior nodes end one edge and start the next: repeat them once.
        rep = 1 + interior_node.astype(np.int64)
        xcoords = np.repeat(coords, rep, axis=0)
        xvid = np.repeat(vid, rep)
        xline = np.repeat(line_of, rep)
        starts = np.repeat(first, rep)
        pos = np.cumsum(rep) - 1  # index of the last copy of each original coordinate
        del rep
        starts[pos[interior_node]] = True  # a second copy starts an edge
        del pos
    else:  # a noded layer: every line is one edge, no copies needed
        xcoords, xvid, xline, starts = coords, vid, line_of, first
    del interior_node, line_of, first
    edge_of = np.cumsum(starts) - 1
    del starts
    n_edges = int(edge_of[-1]) + 1
    estart = np.searchsorted(edge_of, np.arange(n_edges), side="left")
    eend = np.searchsorted(edge_of, np.arange(n_edges), side="right") - 1
    eline = xline[estart]
    del xline
    edge_geom = _edge_geometries(parts, eline, xcoords, edge_of)
    del xcoords, edge_of
    # nodes: the vertex ids that end an edge, numbered in vertex-id order
    is_end = np.zeros(len(first_seen), dtype=bool)
    is_end[xvid[estart]] = True
    is_end[xvid[eend]] = True
    node_vids = np.flatnonzero(is_end)
    node_number = np.cumsum(is_end) - 1
    u = node_number[xvid[estart]]
    v = node_number[xvid[eend]]
    node_xy = coords[first_seen[node_vids]]
    return u, v, node_xy, edge_geom, eline


def _edge_geometries(
    parts: np.ndarray, eline: np.ndarray, xcoords: np.ndarray, edge_of: np.ndarray
) -> np.ndarray:
    """Edge lines: a part that is one whole edge is kept as it is, the rest are cut anew.

    Creating geometries is the costly step of graph building; most parts of a noded
    layer are single edges already. Parts with Z or M values are always rebuilt, so every
    edge is a plain 2-D line.
    """
    per_part = np.bincount(eline, minlength=len(parts))
    whole = per_part[eline] == 1
    flat = ~(shapely.has_z(parts) | shapely.has_m(parts))
    whole &= flat[eline]
    if whole.all():
        return np.asarray(parts[eline], dtype=object)
    geoms = np.empty(len(eline), dtype=object)
    geoms[whole] = parts[eline[whole]]
    rebuild = ~whole
    in_cut = rebuild[edge_of]  # coordinates of the edges to build, in edge order
    rank = np.cumsum(rebuild) - 1  # each rebuilt edge's place among them
    geoms[rebuild] = shapely.linestrings(xcoords[in_cut], indices=rank[edge_of[in_cut]])
    return geoms


def _curve_order(xy: np.ndarray, *, bits: int = 16) -> np.ndarray:
    """The order of points ``xy`` along a Z (Morton) curve over their bounding box, on a
    grid of ``2**bits`` cells a side; ties in their given order."""
    if len(xy) == 0:
        return np.arange(0)
    lo = xy.min(axis=0)
    span = float(np.max(xy.max(axis=0) - lo)) or 1.0
    cell = np.minimum(((xy - lo) / span * (1 << bits)).astype(np.uint64), (1 << bits) - 1)
    code = np.zeros(len(xy), dtype=np.uint64)
    for b in range(bits):  # interleave the bits of x and y
        code |= ((cell[:, 0] >> np.uint64(b)) & np.uint64(1)) << np.uint64(2 * b)
        code |= ((cell[:, 1] >> np.uint64(b)) & np.uint64(1)) << np.uint64(2 * b + 1)
    return np.argsort(code, kind="stable")


def _vertex_keys(coords: np.ndarray, tolerance_m: float) -> np.ndarray:
    """One int64 per vertex, equal for vertices within ``tolerance_m`` on a grid.

    A single integer sorts far faster than rows of two (np.unique(axis=0)), which
    matters for city networks of a million vertices.
    """
    key = np.round(coords / tolerance_m).astype(np.int64)
    key -= key.min(axis=0)
    span = int(key[:, 1].max()) + 1
    if (int(key[:, 0].max()) + 1) * span < 2**62:
        return key[:, 0] * span + key[:, 1]
    # an extent too large for one integer at this tolerance: number the rows instead
    return np.unique(key, axis=0, return_inverse=True)[1].ravel()


def _edge_values(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The values of ``column`` at ``rows``, with one Python object per distinct value.

    A text column read from a file is coded first: its strings are made once per
    distinct value, not once per row (229,211 rows of the demo, a handful of values).
    """
    if column.dtype == "str":
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        if len(uniques):
            picked = codes[rows]
            out: np.ndarray = np.asarray(uniques, dtype=object)[picked]
            out[picked < 0] = column.dtype.na_value  # what to_numpy gives for missing
            return out
    return _one_object_per_value(column.to_numpy()[rows])


def _one_object_per_value(values: np.ndarray) -> np.ndarray:
    """``values`` with one Python object per distinct value: a text column read from a
    file holds a new string per row (the demo's 229,211 ``highway`` strings, 13 MB, are
    a handful of values). Missing values are kept as they are."""
    if values.dtype != object or len(values) == 0:
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return values
    out: np.ndarray = np.asarray(uniques, dtype=object)[codes]
    missing = codes < 0
    out[missing] = values[missing]
    return out
