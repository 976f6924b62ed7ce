"""Generated walking network: a perturbed street grid with arterials, footpaths and bridges.

Every edge is one straight LineString between two nodes; nodes are grid intersections, so
lines meet exactly at shared endpoints. Arterials run every 16th grid line (720 m), local
streets every 4th (180 m blocks), footpaths in between (45 m). Some footpaths and local
segments are removed (cul-de-sacs), some blocks have no footpaths at all (campuses), the
river removes every crossing except a few bridges on arterials, and only the largest
connected piece is kept. All of it is vectorised numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from lifecircle.demo._layout import RURAL_BELOW, Layout
from lifecircle.demo._names import cn_number

SPACING_M = 45.0
ARTERIAL_EVERY = 16
LOCAL_EVERY = 4
N_BRIDGES = 5
DROP_FOOTWAY = 0.15
DROP_FOOTWAY_RURAL = 0.35
DROP_LOCAL = 0.04
# An end of an edge lies on the edge, so a point this much nearer than the limit to an end is
# within the limit of the edge whatever the rounding of either distance (errors are ~1e-12 m).
_SURE_M = 1e-6


@dataclass
class Network:
    """Edges as arrays: endpoint coordinates, class, name, bridge flag."""

    x1: np.ndarray
    y1: np.ndarray
    x2: np.ndarray
    y2: np.ndarray
    highway: np.ndarray
    name: np.ndarray
    bridge: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    bus_nodes: np.ndarray  # node indices on arterials, for bus stops
    metro_nodes: np.ndarray  # node indices for metro stations
    _lines: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _ends: cKDTree | None = field(default=None, init=False, repr=False, compare=False)

    def lines(self) -> np.ndarray:
        """One straight LineString per edge (built once; shapely geometries are immutable)."""
        if self._lines is None:
            coords = np.stack(
                [np.column_stack([self.x1, self.y1]), np.column_stack([self.x2, self.y2])], axis=1
            )
            self._lines = shapely.linestrings(coords)
        return self._lines

    def near(self, x: np.ndarray, y: np.ndarray, max_m: float) -> np.ndarray:
        """Mask of the points within ``max_m`` of a kept edge.

        Only the largest connected piece is kept, so land beyond the river or the district
        edge whose streets were dropped is not near: nothing may be placed there.
        """
        xy = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
        if self._ends is None:
            ends = [np.column_stack([self.x1, self.y1]), np.column_stack([self.x2, self.y2])]
            # unbalanced: built in a third of the time; asked for some 33,000 points in all
            self._ends = cKDTree(np.concatenate(ends), balanced_tree=False, compact_nodes=False)
        # Nearly every point is that near an edge's end (the grid is 45 m); only the few
        # others need their distance to the lines themselves.
        d_end, _ = self._ends.query(xy, distance_upper_bound=max_m)
        mask: np.ndarray = d_end <= max_m - _SURE_M
        rest = np.flatnonzero(~mask)
        if rest.size:
            mask[rest[self._within(xy[rest], max_m)]] = True
        return mask

    def _within(self, xy: np.ndarray, max_m: float) -> np.ndarray:
        """Indices of the points within ``max_m`` of a kept edge, as GEOS measures it.

        Only edges with an end within ``max_m`` plus half the longest edge can be that
        near (the nearest point of an edge is at most half its length from one of its
        ends); the points are tried against those alone, with the same predicate.
        """
        assert self._ends is not None
        n = len(self.x1)
        longest = float(np.hypot(self.x2 - self.x1, self.y2 - self.y1).max(initial=0.0))
        reach = max_m + longest / 2 + 1.0
        near_ends = self._ends.query_ball_point(xy, reach)
        edges = np.unique(np.concatenate([np.asarray(e, np.int64) for e in near_ends]) % n)
        if edges.size == 0:
            return np.empty(0, np.int64)
        tree = shapely.STRtree(self.lines()[edges])
        hit: np.ndarray = tree.query(shapely.points(xy), predicate="dwithin", distance=max_m)[0]
        return np.unique(hit)


def _line_class(k: np.ndarray) -> np.ndarray:
    """0 primary, 1 secondary, 2 residential, 3 footway for grid line index ``k``."""
    cls = np.full(k.shape, 3, dtype=np.int8)
    cls[k % LOCAL_EVERY == 0] = 2
    art = k % ARTERIAL_EVERY == 0
    cls[art] = np.where((k[art] // ARTERIAL_EVERY) % 2 == 0, 0, 1)
    return cls


def _line_name(vertical: bool, k: int) -> str | None:
    """经N路 run north-south, 纬N路 east-west; local streets are 支路; footpaths unnamed."""
    head = "经" if vertical else "纬"
    a, r = divmod(k, ARTERIAL_EVERY)
    if r == 0:
        return f"{head}{cn_number(a + 1)}路"
    if r % LOCAL_EVERY == 0:
        return f"{head}{cn_number(a + 1)}支{cn_number(r // LOCAL_EVERY)}路"
    return None


HIGHWAY = np.array(["primary", "secondary", "residential", "footway"], dtype=object)


def make_network(layout: Layout, rng: np.random.Generator) -> Network:
    nx = int(layout.width // SPACING_M) + 1
    ny = int(layout.height // SPACING_M) + 1
    grid_i, grid_j = np.meshgrid(np.arange(nx), np.arange(ny))  # node id = j * nx + i
    ii, jj = grid_i.ravel(), grid_j.ravel()
    bx, by = ii * SPACING_M, jj * SPACING_M
    # Smooth warp (gently curving streets) plus a small jitter at every node.
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    x = bx + 55.0 * np.sin(2 * np.pi * by / 3100.0 + p1) + rng.normal(0, 4.0, bx.size)
    y = by + 55.0 * np.sin(2 * np.pi * bx / 4300.0 + p2) + rng.normal(0, 4.0, bx.size)
    x = np.clip(x, 0, layout.width) + layout.x0
    y = np.clip(y, 0, layout.height) + layout.y0
    x, y = np.round(x, 2), np.round(y, 2)
    n_nodes = nx * ny

    # Candidate edges: horizontal (along row j) and vertical (along column i).
    node = np.arange(n_nodes).reshape(ny, nx)
    hu, hv = node[:, :-1].ravel(), node[:, 1:].ravel()
    vu, vv = node[:-1, :].ravel(), node[1:, :].ravel()
    u = np.concatenate([hu, vu])
    v = np.concatenate([hv, vv])
    vertical = np.concatenate([np.zeros(hu.size, bool), np.ones(vu.size, bool)])
    line_k = np.where(vertical, ii[u], jj[u])  # index of the grid line the edge lies on
    cls = _line_class(line_k)

    # Removals: random footpaths/locals (more footpaths missing in the rural south) and
    # "campus" blocks with no footpaths at all.
    rural = (y[u] - layout.y0) < RURAL_BELOW * layout.height
    r = rng.random(u.size)
    drop = ((cls == 3) & (r < np.where(rural, DROP_FOOTWAY_RURAL, DROP_FOOTWAY))) | (
        (cls == 2) & (r < DROP_LOCAL)
    )
    n_campus = max(1, round(layout.width * layout.height / 1e6 * 0.1))
    cx = rng.integers(0, max(1, nx // LOCAL_EVERY - 3), n_campus) * LOCAL_EVERY
    cy = rng.integers(0, max(1, ny // LOCAL_EVERY - 3), n_campus) * LOCAL_EVERY
    cw = rng.integers(2, 4, n_campus) * LOCAL_EVERY
    ch = rng.integers(2, 4, n_campus) * LOCAL_EVERY
    mi, mj = (ii[u] + ii[v]) / 2, (jj[u] + jj[v]) / 2
    for a, b, w, h in zip(cx, cy, cw, ch, strict=True):
        inside = (mi > a) & (mi < a + w) & (mj > b) & (mj < b + h)
        drop |= inside & (cls == 3)

    # The river: no nodes in the water, no edge from one bank to the other.
    wet = layout.in_river(x, y, margin=5.0)
    east = layout.east_of_river(x, y)
    keep = ~drop & ~wet[u] & ~wet[v] & (east[u] == east[v])

    # Bridges: on arterial lines (then locals, when few arterials cross) that cross the
    # river exactly once, join the last dry node on one bank to the first on the other.
    dry = ~wet
    bridges = []  # (u, v, class, vertical, k, position along river)
    for is_vert, count in ((False, ny), (True, nx)):
        for every in (ARTERIAL_EVERY, LOCAL_EVERY):
            for k in range(0, count, every):
                ids = node[:, k] if is_vert else node[k, :]
                ids = ids[dry[ids]]
                if ids.size < 2:
                    continue
                side = east[ids]
                flips = np.flatnonzero(side[1:] != side[:-1])
                if flips.size != 1:
                    continue
                a, b = ids[flips[0]], ids[flips[0] + 1]
                mid = shapely.Point((x[a] + x[b]) / 2, (y[a] + y[b]) / 2)
                pos = layout.river.line_locate_point(mid)
                bridges.append((a, b, int(_line_class(np.array([k]))[0]), is_vert, k, pos))
    bridges_art = [br for br in bridges if br[2] <= 1]
    pool = bridges_art if len(bridges_art) >= N_BRIDGES else bridges
    pool = sorted({(br[0], br[1]): br for br in pool}.values(), key=lambda br: br[5])
    if pool:
        pick = np.unique(np.round(np.linspace(0, len(pool) - 1, min(N_BRIDGES, len(pool)))))
        chosen = [pool[int(p)] for p in pick]
    else:  # pragma: no cover - the river always crosses the extent
        chosen = []

    u_k, v_k = u[keep], v[keep]
    cls_k, vert_k, k_k = cls[keep], vertical[keep], line_k[keep]
    bridge_k = np.zeros(u_k.size, bool)
    if chosen:
        bu = np.array([c[0] for c in chosen])
        bv = np.array([c[1] for c in chosen])
        u_k = np.concatenate([u_k, bu])
        v_k = np.concatenate([v_k, bv])
        cls_k = np.concatenate([cls_k, [c[2] for c in chosen]]).astype(np.int8)
        vert_k = np.concatenate([vert_k, [c[3] for c in chosen]])
        k_k = np.concatenate([k_k, [c[4] for c in chosen]])
        bridge_k = np.concatenate([bridge_k, np.ones(len(chosen), bool)])

    # Keep the largest connected piece only.
    graph = coo_matrix((np.ones(u_k.size), (u_k, v_k)), shape=(n_nodes, n_nodes))
    _, label = connected_components(graph, directed=False)
    used = np.zeros(n_nodes, bool)
    used[u_k] = True
    used[v_k] = True
    sizes = np.bincount(label[used], minlength=label.max() + 1)
    main = int(np.argmax(sizes))
    ok = label[u_k] == main
    u_k, v_k, cls_k, vert_k, k_k, bridge_k = (
        a[ok] for a in (u_k, v_k, cls_k, vert_k, k_k, bridge_k)
    )

    names_v = {k: _line_name(True, k) for k in np.unique(k_k[vert_k]).tolist()}
    names_h = {k: _line_name(False, k) for k in np.unique(k_k[~vert_k]).tolist()}
    name = np.array(
        [
            (names_v if vt else names_h)[k]
            for vt, k in zip(vert_k.tolist(), k_k.tolist(), strict=True)
        ],
        dtype=object,
    )

    on_main = np.zeros(n_nodes, bool)
    on_main[u_k] = True
    on_main[v_k] = True
    # Bus stops: every 10th node along arterials (about 450 m); in the rural south only on
    # every other arterial. Metro: one north-south and one east-west line, a station every
    # 24 nodes (about 1.1 km), north of the rural town.
    art_row = (jj % ARTERIAL_EVERY == 0) & (ii % 10 == 5)
    art_col = (ii % ARTERIAL_EVERY == 0) & (jj % 10 == 5)
    rural_n = (y - layout.y0) < RURAL_BELOW * layout.height
    sparse = rural_n & (
        ((jj // ARTERIAL_EVERY) % 2 == 1) & art_row | ((ii // ARTERIAL_EVERY) % 2 == 1) & art_col
    )
    bus = np.flatnonzero((art_row | art_col) & on_main & ~sparse)
    mcol = round(0.35 * nx / ARTERIAL_EVERY) * ARTERIAL_EVERY
    mrow = round(0.72 * ny / ARTERIAL_EVERY) * ARTERIAL_EVERY
    metro = ((ii == mcol) & (jj % 24 == 12) & ((y - layout.y0) > 0.34 * layout.height)) | (
        (jj == mrow) & (ii % 24 == 12)
    )
    metro_nodes = np.flatnonzero(metro & on_main)

    return Network(
        x1=x[u_k],
        y1=y[u_k],
        x2=x[v_k],
        y2=y[v_k],
        highway=HIGHWAY[cls_k],
        name=name,
        bridge=bridge_k,
        node_x=x,
        node_y=y,
        bus_nodes=bus,
        metro_nodes=metro_nodes,
    )
