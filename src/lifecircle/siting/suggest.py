"""Fewest new sites for one group of homes (a circle) to pass a coverage threshold."""

from __future__ import annotations

import operator
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import scipy.sparse as sp
import shapely

from lifecircle.errors import SchemaError
from lifecircle.network import kernels as net_kernels
from lifecircle.network.graph import WalkGraph
from lifecircle.network.snap import snap_points
from lifecircle.siting import _kernels
from lifecircle.siting._coverage import BoolArray, FloatArray, IntArray, coverage_pairs
from lifecircle.siting._solution import SolverChoice
from lifecircle.siting.fewest import FewestToPass, TargetUnreachable
from lifecircle.siting.network import NetworkSites, network_sites

#: planners may answer from several threads; the pair searches take turns
_PAIRS_LOCK = threading.Lock()

#: candidates along the network: one every this many metres along each edge, and every node
DEFAULT_SPACING_M = 100.0
#: candidates along the network may lie this far outside the circle's outline
DEFAULT_NEAR_M = 100.0
#: up to this many bounded searches run in one thread (the pool's start costs more)
SERIAL_MAX_SEARCHES = 256


@dataclass(frozen=True)
class SiteSuggestion:
    """The answer of :meth:`SitePlanner.fewest` (and :func:`fewest_sites`).

    ``sites`` are indices into the planner's candidates (``xy`` / ``ids``), largest
    gain first, with ``residents_added`` per site: residents no existing facility
    reached, each counted at its nearest new site. ``share_after`` is the covered share
    (0–1) with them, or when ``reachable`` is false the most that every candidate
    considered reaches together. ``bound`` is a proven lower bound on the count
    (``count == bound`` when ``status`` is ``optimal``; NaN when unreachable).
    """

    reachable: bool
    count: int | None
    sites: IntArray
    residents_added: FloatArray
    share_before: float
    share_after: float
    n_candidates: int
    status: str
    bound: float


@dataclass(frozen=True)
class Snaps:
    """Where points meet the network: edge (-1 when not snapped), offset from u, gap (m)."""

    edge: IntArray
    offset: FloatArray
    gap: FloatArray

    @property
    def ok(self) -> BoolArray:
        """Points on the network."""
        return np.asarray(self.edge >= 0)

    def take(self, idx: IntArray) -> Snaps:
        """The snaps of points ``idx``."""
        return Snaps(self.edge[idx], self.offset[idx], self.gap[idx])


class SitePlanner:
    """Candidate sites over a walking network, prepared once for many suggestions.

    Candidates are the user's layer (``candidates``: points or polygons, the graph's
    CRS, optional ``id`` column), snapped once; or the network's own points (every node,
    and one every ``spacing_m`` metres along each edge), whose place on the network is
    known exactly. :meth:`fewest` then answers one group of homes at a time. They are
    kept as coordinates (``xy``, shape (n, 2)) and ids made when read: the demo district
    has ~137,000 network candidates, which as shapely points in a tree took ~20 MB.

    Parameters
    ----------
    graph
        The walking network.
    candidates
        The user's candidate sites, or None for points of the network.
    spacing_m
        Network candidates: spacing along each edge (metres).
    max_snap_m
        Farthest a candidate (or home) may lie from the network.
    """

    def __init__(
        self,
        graph: WalkGraph,
        *,
        candidates: Any = None,
        spacing_m: float = DEFAULT_SPACING_M,
        max_snap_m: float = 200.0,
    ) -> None:
        self.graph = graph
        self.max_snap_m = float(max_snap_m)
        self.from_layer = candidates is not None
        self.ids: Sequence[str]
        if candidates is None:
            sites = network_sites(graph, spacing_m=spacing_m)
            self.xy = _interpolate_xy(graph.edge_geometry, sites.edge, sites.offset)
            self.ids = _SiteIds(sites)
            self.snaps = Snaps(sites.edge, sites.offset, np.zeros(len(sites.edge)))
        else:
            points, self.ids = _layer_points(candidates)
            self.xy = np.column_stack([shapely.get_x(points), shapely.get_y(points)])
            self.snaps = self.snap(points)

    @property
    def points(self) -> Any:
        """The candidates as shapely points (made on each call: the planner keeps arrays)."""
        return shapely.points(self.xy)

    def snap(self, points: Any) -> Snaps:
        """Snap points (the graph's CRS) as the access engine does.

        Parameters
        ----------
        points
            Shapely points.

        Returns
        -------
        Snaps
        """
        s = snap_points(self.graph, np.asarray(points), max_snap_m=self.max_snap_m)
        return Snaps(
            s.edge.astype(np.int64),
            s.offset.astype(np.float64),
            np.nan_to_num(s.distance, nan=0.0).astype(np.float64),
        )

    def fewest(
        self,
        points: Any,
        snaps: Snaps,
        population: Any,
        covered: Any,
        *,
        radius: float,
        target_share: float,
        area: Any = None,
        near_m: float = DEFAULT_NEAR_M,
        solver: SolverChoice = "auto",
        time_limit: float | None = 60.0,
    ) -> SiteSuggestion:
        """The fewest new sites that bring the covered share up to ``target_share``.

        A :class:`lifecircle.siting.FewestToPass` model over the homes not yet covered:
        the residents already within ``radius`` of an existing facility (``covered``)
        count towards the target through one fixed site; every other home is a demand
        point. Candidates: those inside ``area`` widened by ``near_m`` (network
        candidates only; a layer is used whole) and within a straight ``radius`` of an
        uncovered home (a walk is never shorter). Homes off the network count in the
        total and are never covered, as in the checkup.

        Parameters
        ----------
        points
            Shapely points of the homes (the graph's CRS).
        snaps
            Their snaps (:meth:`snap`).
        population
            Residents per home.
        covered
            Per home: already within ``radius`` of an existing facility.
        radius
            Service radius (metres, boundary included).
        target_share
            Share of all residents to cover, 0–1 (an indicator's threshold / 100).
        area
            Outline (shapely polygon) network candidates lie in; None for anywhere.
        near_m
            How far outside ``area`` network candidates may lie.
        solver, time_limit
            As in :class:`lifecircle.siting.FewestToPass`.

        Returns
        -------
        SiteSuggestion
            ``reachable`` false (and ``count`` None) when every candidate falls short.
        """
        pts = np.asarray(points)
        pop = np.asarray(population, dtype=np.float64)
        done = np.asarray(covered, dtype=bool)
        if not (len(pts) == len(pop) == len(done) == len(snaps.edge)):
            msg = f"points、population、covered 长度不一致：{len(pts)}、{len(pop)}、{len(done)}"
            raise SchemaError(msg, field="points", fix="三者须逐个小区对应。")
        total = float(pop.sum())
        base = float(pop[done].sum())
        share_before = base / total if total > 0 else 1.0
        open_idx = np.flatnonzero(~done & (pop > 0))
        cand = self._near(pts[open_idx], radius, area, near_m)
        empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if share_before >= target_share - 1e-12:
            return SiteSuggestion(
                True, 0, empty_i, empty_f, share_before, share_before, len(cand), "optimal", 0.0
            )
        pairs = self._pairs(snaps.take(open_idx), cand, radius)
        cost, weights, fixed = _with_covered(pairs, pop[open_idx], base)
        try:
            model = FewestToPass.from_cost_matrix(
                cost,
                weights,
                service_radius=radius,
                target_share=target_share,  # the model holds every resident: same total
                fixed=fixed,
                solver=solver,
                time_limit=time_limit,
            ).solve()
        except TargetUnreachable as exc:
            best = exc.best_weight / total if total > 0 else 1.0
            return SiteSuggestion(
                False, None, empty_i, empty_f, share_before, best, len(cand), "unreachable",
                float("nan"),
            )  # fmt: skip
        new = model.new_selected
        added = np.asarray(model.allocation[:, new].sum(axis=0), dtype=np.float64).ravel()
        order = np.lexsort((new, -added))
        return SiteSuggestion(
            reachable=True,
            count=len(new),
            sites=cand[new[order]].astype(np.int64),
            residents_added=added[order],
            share_before=share_before,
            share_after=float(model.covered_weight) / total if total > 0 else 1.0,
            n_candidates=len(cand),
            status=str(model.status),
            bound=float(model.bound),
        )

    def _near(self, homes: Any, radius: float, area: Any, near_m: float) -> IntArray:
        """Candidates (indices) in the zone and within a straight ``radius`` of a home."""
        if len(homes) == 0 or len(self.ids) == 0:
            return np.zeros(0, dtype=np.int64)
        keep = within_of_any(self.xy, homes, float(radius))
        keep = keep[self.snaps.edge[keep] >= 0]
        if area is not None and not self.from_layer:
            zone = shapely.buffer(area, near_m)  # covers a point = intersects it
            keep = keep[shapely.intersects_xy(zone, self.xy[keep, 0], self.xy[keep, 1])]
        return keep

    def _pairs(self, homes: Snaps, cand: IntArray, radius: float) -> sp.csr_matrix:
        """Home × candidate walks within ``radius``; searches run from the smaller set.

        The graph is undirected, so a walk is the same either way round.
        """
        c = self.snaps.take(cand)
        h_ok = np.flatnonzero(homes.ok).astype(np.int64)
        c_ok = np.flatnonzero(c.ok).astype(np.int64)
        if len(c_ok) <= len(h_ok):
            src, dst, src_ok, dst_ok, flip = c, homes, c_ok, h_ok, False
        else:
            src, dst, src_ok, dst_ok, flip = homes, c, h_ok, c_ok, True
        g = self.graph
        d_edge = dst.edge[dst_ok]
        order = np.argsort(d_edge, kind="stable").astype(np.int64)
        ptr = np.zeros(g.n_edges + 1, dtype=np.int64)
        np.cumsum(np.bincount(d_edge, minlength=g.n_edges), out=ptr[1:])
        args = (
            g.indptr, g.indices, g.weights, g.csr_edge, g.edge_u, g.edge_v, g.edge_length,
            src_ok, src.edge, src.offset, src.gap,
            ptr, order, dst.offset[dst_ok], dst.gap[dst_ok], float(radius),
        )  # fmt: skip
        if len(src_ok) <= SERIAL_MAX_SEARCHES:  # nogil: beside another thread's
            offsets, target, dist = _kernels.serial_pairs(*args)
        else:
            with _PAIRS_LOCK:  # numba's default thread pool takes one parallel caller at a time
                chunks = net_kernels.default_chunks()
                offsets, target, dist = _kernels.bounded_pairs(*args, chunks)
        s_idx = np.repeat(src_ok, np.diff(offsets))
        t_idx = dst_ok[np.asarray(target)]
        rows, cols = (s_idx, t_idx) if flip else (t_idx, s_idx)
        n_h, n_c = len(homes.edge), len(cand)
        raw = sp.csr_matrix((np.asarray(dist), (rows, cols)), shape=(n_h, n_c))
        return coverage_pairs(raw, radius, name="walking distances")


def fewest_sites(
    graph: WalkGraph,
    points: Any,
    population: Any,
    covered: Any,
    *,
    radius: float,
    target_share: float,
    area: Any = None,
    candidates: Any = None,
    spacing_m: float = DEFAULT_SPACING_M,
    near_m: float = DEFAULT_NEAR_M,
    max_snap_m: float = 200.0,
    solver: SolverChoice = "auto",
    time_limit: float | None = 60.0,
) -> tuple[SiteSuggestion, SitePlanner]:
    """One suggestion at once: a :class:`SitePlanner` and its :meth:`SitePlanner.fewest`.

    Parameters are those of the two; see them.

    Returns
    -------
    (SiteSuggestion, SitePlanner)
        The answer, and the planner whose ``xy`` / ``ids`` its ``sites`` index.
    """
    planner = SitePlanner(graph, candidates=candidates, spacing_m=spacing_m, max_snap_m=max_snap_m)
    pts = np.asarray(points)
    ans = planner.fewest(
        pts,
        planner.snap(pts),
        population,
        covered,
        radius=radius,
        target_share=target_share,
        area=area,
        near_m=near_m,
        solver=solver,
        time_limit=time_limit,
    )
    return ans, planner


def _with_covered(
    pairs: sp.csr_matrix, weights: FloatArray, base: float
) -> tuple[sp.csr_matrix, FloatArray, BoolArray]:
    """Append the covered residents as one demand point that one fixed site covers."""
    n_dem, n_cand = pairs.shape
    coo = pairs.tocoo()
    row = np.concatenate([coo.row, [n_dem]]).astype(np.int64)
    col = np.concatenate([coo.col, [n_cand]]).astype(np.int64)
    data = np.concatenate([coo.data, [0.0]])
    cost = sp.csr_matrix((data, (row, col)), shape=(n_dem + 1, n_cand + 1))
    fixed = np.zeros(n_cand + 1, dtype=bool)
    fixed[n_cand] = True
    return cost, np.concatenate([weights, [base]]), fixed


#: candidates within this share of the radius of its edge are checked by GEOS itself
_EDGE_REL = 1e-9
#: above this many candidate × point distances, `within_of_any` uses a k-d tree
_LOOP_MAX_PAIRS = 50_000_000


def within_of_any(xy: FloatArray, points: Any, radius: float) -> IntArray:
    """Rows of ``xy`` within a straight ``radius`` (boundary included) of any of ``points``.

    What an STRtree of the ``xy`` points answers for ``query(points, "dwithin", radius)``
    (its unique hits, ascending), without a tree or points of ``xy``: the candidates in
    the points' box widened by ``radius`` get their straight distance to the nearest
    point (a compiled loop over the points: a circle's homes are few, and scipy's k-d
    tree took longer to import than all the suggestions' queries; a k-d tree beyond
    ``_LOOP_MAX_PAIRS`` distances, with the same decisions); those whose nearest
    point lies within a hair of ``radius`` are decided by ``shapely.dwithin``.

    Parameters
    ----------
    xy
        Candidate coordinates, shape (n, 2) (NaN rows never match).
    points
        Shapely points (missing ones match nothing).
    radius
        Metres.

    Returns
    -------
    numpy.ndarray
        Ascending int64 row numbers.
    """
    empty = np.zeros(0, dtype=np.int64)
    pts = np.asarray(points)
    px, py = shapely.get_x(pts), shapely.get_y(pts)
    ok = np.isfinite(px) & np.isfinite(py)
    if not ok.any() or len(xy) == 0:
        return empty
    pts, px, py = pts[ok], px[ok], py[ok]
    hair = _EDGE_REL * max(1.0, abs(radius))
    reach = radius + hair
    x, y = xy[:, 0], xy[:, 1]
    box = np.flatnonzero(
        (x >= px.min() - reach) & (x <= px.max() + reach)
        & (y >= py.min() - reach) & (y <= py.max() + reach)
    )  # fmt: skip
    if len(box) == 0:
        return empty
    if len(box) * len(px) <= _LOOP_MAX_PAIRS:
        d = _kernels.nearest_straight(
            np.ascontiguousarray(x[box]), np.ascontiguousarray(y[box]),
            px.astype(np.float64), py.astype(np.float64), float(reach),
        )  # fmt: skip
    else:  # many homes at once (not a circle's): a k-d tree pays for its import
        from scipy.spatial import cKDTree

        d, _ = cKDTree(np.column_stack([px, py])).query(xy[box], k=1, distance_upper_bound=reach)
    sure: BoolArray = np.asarray(d < radius - hair)
    close = np.flatnonzero(~sure & (d <= reach))
    if len(close):  # rounding may differ from GEOS's: it decides
        near = shapely.dwithin(shapely.points(xy[box[close]])[:, None], pts[None, :], radius)
        sure[close[near.any(axis=1)]] = True
    out: IntArray = box[sure].astype(np.int64)
    return out


def _interpolate_xy(lines: Any, edge: IntArray, offset: FloatArray) -> FloatArray:
    """Coordinates of the points ``offset`` metres along ``lines[edge]``, a block at a time.

    The same points as ``shapely.line_interpolate_point`` (it makes them), never all at once.
    """
    xy = np.empty((len(edge), 2), dtype=np.float64)
    step = 1 << 14
    for s in range(0, len(edge), step):
        pts = shapely.line_interpolate_point(lines[edge[s : s + step]], offset[s : s + step])
        xy[s : s + step, 0] = shapely.get_x(pts)
        xy[s : s + step, 1] = shapely.get_y(pts)
    return xy


class _SiteIds(Sequence[str]):
    """The ids of network candidates, each made when read (most are never read)."""

    def __init__(self, sites: NetworkSites) -> None:
        self._sites = sites

    def __len__(self) -> int:
        return len(self._sites.edge)

    @overload
    def __getitem__(self, k: int) -> str: ...
    @overload
    def __getitem__(self, k: slice) -> list[str]: ...
    def __getitem__(self, k: int | slice) -> str | list[str]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        i = operator.index(k)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(k)
        return self._sites.id(i)


def _layer_points(candidates: Any) -> tuple[Any, list[str]]:
    if hasattr(candidates, "geometry"):
        geoms = np.asarray(candidates.geometry.values)
        cols = getattr(candidates, "columns", [])
        n = len(geoms)
        ids = [str(i) for i in candidates["id"]] if "id" in cols else [str(i) for i in range(n)]
    else:
        geoms = np.asarray(candidates)
        ids = [str(i) for i in range(len(geoms))]
    not_point = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) != 0)
    if not_point.any():  # idle buildings drawn as polygons: a point inside
        geoms = geoms.copy()
        geoms[not_point] = shapely.point_on_surface(geoms[not_point])
    return geoms, ids
