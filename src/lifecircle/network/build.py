"""Build a :class:`WalkGraph` from any line layer: nodes where lines meet, one edge between."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
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
        msg = "the network layer is not in a metric (projected) coordinate system"
        raise CRSError(
            msg, file=src, field="geometry", fix="project it first (lifecircle.io.to_metric)."
        )
    geoms = np.asarray(lines.geometry.values)
    if len(geoms) == 0:
        raise NetworkError("the network layer is empty", file=src, fix="give a layer with lines.")
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    bad |= ~np.isin(types, (1, 5))  # LineString, MultiLineString
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        first = shapely.to_wkt(geoms[row - 1]) if not shapely.is_missing(geoms[row - 1]) else "None"
        msg = f"{int(bad.sum())} network rows are not lines (first: {first[:60]})"
        raise NetworkError(
            msg, file=src, row=row, field="geometry", fix="keep only LineString rows."
        )
    parts, part_row = shapely.get_parts(geoms, return_index=True)
    if node_crossings:
        parts = shapely.get_parts(shapely.node(shapely.multilinestrings(parts)))
        part_row = np.zeros(len(parts), dtype=np.int64)
        keep_attrs = ()
    attrs = {c: lines[c].to_numpy()[part_row] for c in keep_attrs if c in lines.columns}
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
    is_node = first | last | (occurrences[vid] > 1)
    interior_node = is_node & ~first & ~last
    # Interior nodes end one edge and start the next: repeat them once.
    rep = 1 + interior_node.astype(np.int64)
    xcoords = np.repeat(coords, rep, axis=0)
    xvid = np.repeat(vid, rep)
    xline = np.repeat(line_of, rep)
    starts = np.repeat(first, rep)
    second_copy = np.zeros(len(xcoords), dtype=bool)
    pos = np.cumsum(rep) - 1  # index of the last copy of each original coordinate
    second_copy[pos[interior_node]] = True
    edge_of = np.cumsum(starts | second_copy) - 1
    n_edges = int(edge_of[-1]) + 1
    estart = np.searchsorted(edge_of, np.arange(n_edges), side="left")
    eend = np.searchsorted(edge_of, np.arange(n_edges), side="right") - 1
    edge_geom = shapely.linestrings(xcoords, indices=edge_of)
    node_vids, node_idx = np.unique(np.concatenate([xvid[estart], xvid[eend]]), return_inverse=True)
    u = node_idx[:n_edges]
    v = node_idx[n_edges:]
    # node coordinates: the first coordinate seen for each vertex id
    first_seen = np.full(len(occurrences), -1, dtype=np.int64)
    order = np.arange(n)[::-1]
    first_seen[vid[order]] = order
    node_xy = coords[first_seen[node_vids]]
    keep = _drop_degenerate(edge_geom, u, v)
    eline = xline[estart]
    edge_attrs = {c: a[eline][keep] for c, a in attrs.items()}
    return WalkGraph(
        node_x=node_xy[:, 0].copy(),
        node_y=node_xy[:, 1].copy(),
        edge_u=u[keep],
        edge_v=v[keep],
        edge_length=shapely.length(edge_geom[keep]),
        edge_geometry=edge_geom[keep],
        crs=lines.crs,
        edge_attrs=edge_attrs,
    )


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


def _drop_degenerate(edge_geom: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Mask of edges worth keeping: zero-length loops carry no walk."""
    length = np.asarray(shapely.length(edge_geom))
    keep: np.ndarray = ~((u == v) & (length <= 0.0))
    return keep
