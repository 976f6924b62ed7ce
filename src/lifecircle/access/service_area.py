"""Service areas (服务范围): the part of the walking network within a radius of a category.

For each facility category, one multi-source Dijkstra from every facility of the category
(seeded at both ends of the edge it is snapped to, like ``compute_access``) gives each node
its walk to the nearest facility. An edge is then reached from either end as far as the
remaining budget allows, and the facility's own edge around its snap point; partial edges
are cut at the exact distance. The reached lines are buffered and unioned into polygons for
maps. Walks include the facility's snap gap, as every access measure does.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from lifecircle.access.engine import _points
from lifecircle.network.graph import WalkGraph
from lifecircle.network.snap import snap_points

#: cells a side of the tiles a service area's band is traced in (``band_polygons``).
#: contourpy holds ~30 bytes a cell of a tile while it traces (its x and y grids, z as
#: float64): with 1024, 34 of a demo 1,000 m band's 56 MB at once; with 512, 14 of 37 MB,
#: in the same time
TILE_CELLS = 512


def reached_intervals(
    graph: WalkGraph,
    f_edge: npt.ArrayLike,
    f_off: npt.ArrayLike,
    f_snap: npt.ArrayLike,
    radius_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parts of edges within ``radius_m`` of the nearest seed facility.

    Parameters
    ----------
    graph
        The walking network.
    f_edge, f_off, f_snap
        The seed facilities' snaps: edge index, offset from the edge's u end (m) and gap
        between the facility and its edge (m).
    radius_m
        Walking budget in metres (snap gap included).

    Returns
    -------
    tuple of numpy.ndarray
        ``(edge, lo, hi)``: disjoint, merged intervals along each edge, measured from the
        edge's u end, sorted by edge then ``lo``.
    """
    from lifecircle.network.warmup import wait_for_kernels

    wait_for_kernels()  # a background start may still be compiling them
    from lifecircle.network import kernels  # numba: imported when first needed

    r = float(radius_m)
    f_edge_a = np.asarray(f_edge, dtype=np.int64)
    f_off_a = np.asarray(f_off, dtype=np.float64)
    f_snap_a = np.asarray(f_snap, dtype=np.float64)
    empty = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    if len(f_edge_a) == 0 or r < 0:
        return empty
    length = graph.edge_length
    seed_node = np.concatenate([graph.edge_u[f_edge_a], graph.edge_v[f_edge_a]])
    seed_dist = np.concatenate([f_snap_a + f_off_a, f_snap_a + length[f_edge_a] - f_off_a])
    seed_label = np.concatenate([np.arange(len(f_edge_a)), np.arange(len(f_edge_a))]).astype(
        np.int64
    )
    dist, _ = kernels.nearest_search(graph, seed_node, seed_dist, seed_label)
    du, dv = dist[graph.edge_u], dist[graph.edge_v]
    a = np.minimum(r - du, length)  # reached from the u end: [0, a]
    b = np.minimum(r - dv, length)  # reached from the v end: [L - b, L]
    from_u = np.flatnonzero(a >= 0)
    from_v = np.flatnonzero(b >= 0)
    # a facility's own edge: reached around its snap point, not only through the nodes
    own = np.flatnonzero(f_snap_a <= r)
    rest = r - f_snap_a[own]
    e_own = f_edge_a[own]
    edge = np.concatenate([from_u, from_v, e_own])
    lo = np.concatenate([np.zeros(len(from_u)), length[from_v] - b[from_v],
                         np.maximum(f_off_a[own] - rest, 0.0)])  # fmt: skip
    hi = np.concatenate([a[from_u], length[from_v],
                         np.minimum(f_off_a[own] + rest, length[e_own])])  # fmt: skip
    if len(edge) == 0:
        return empty
    # merge overlapping intervals of an edge: shift each edge onto its own stretch of one
    # line, then a running maximum finds where a new interval starts. The ends returned
    # are the unshifted ones: less the shift, a city's 10⁸ m put rounding errors of 10⁻⁸ m
    # on them, and whole edges became partial ones (twice as many in 441 circles).
    shift = np.concatenate([[0.0], np.cumsum(length + 1.0)])[edge]
    order = np.lexsort((lo, edge))
    edge, lo, hi, shift = edge[order], lo[order], hi[order], shift[order]
    run_max = np.maximum.accumulate(hi + shift)
    start = np.ones(len(edge), dtype=bool)
    start[1:] = lo[1:] + shift[1:] > run_max[:-1]
    g_first = np.flatnonzero(start)
    e = edge[g_first]
    out_lo = lo[g_first]
    out_hi = np.maximum.reduceat(hi, g_first)
    return e, np.clip(out_lo, 0.0, length[e]), np.clip(out_hi, 0.0, length[e])


def reached_lines(
    graph: WalkGraph, edge: npt.ArrayLike, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """The reached intervals as line geometries (whole edges kept as they are).

    Parameters
    ----------
    graph
        The walking network.
    edge, lo, hi
        Intervals as :func:`reached_intervals` returns them.

    Returns
    -------
    numpy.ndarray
        One shapely line per interval (object array).
    """
    edge = np.asarray(edge, dtype=np.int64)
    length = graph.edge_length[edge]
    whole = (lo <= 1e-9) & (hi >= length - 1e-9)
    out = np.empty(len(edge), dtype=object)
    out[whole] = graph.edge_geometry[edge[whole]]
    part = np.flatnonzero(~whole)
    if len(part):
        geoms = graph.edge_geometry[edge[part]]
        glen = shapely.length(geoms)
        scale = np.divide(glen, length[part], out=np.ones(len(part)), where=length[part] > 0)
        out[part] = _substrings(geoms, lo[part] * scale, hi[part] * scale)
    return out


def _substrings(geoms: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Each line between ``start <= end`` metres along it, all lines at once.

    As ``shapely.ops.substring`` draws it (the vertices strictly between the two
    distances, and the two end points where ``line_interpolate_point`` puts them),
    without its Python loop over the vertices of every line, and without a shapely
    Point per end: every tracked object made here costs garbage-collector passes over a
    city's millions, and the two cost 12x the CPU for a city 4.5x larger. Where
    ``start == end`` the line has two equal points (``substring`` gives a Point).
    """
    n = len(geoms)
    n_xy = shapely.get_num_coordinates(geoms)
    xy, idx = shapely.get_coordinates(geoms, return_index=True)
    if (n_xy == 2).all():  # straight edges only (a generated city's): no vertex between
        a, b = xy[0::2], xy[1::2]
        d = b - a
        seg = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
        ends = np.stack([_on_segment(a, b, seg, start), _on_segment(a, b, seg, end)], axis=1)
        straight: np.ndarray = shapely.linestrings(ends)
        return straight
    first = np.concatenate([[0], np.cumsum(n_xy)[:-1]])
    d_xy = np.diff(xy, axis=0)
    seg_xy = np.sqrt(d_xy[:, 0] * d_xy[:, 0] + d_xy[:, 1] * d_xy[:, 1])
    along = _along(seg_xy[idx[1:] == idx[:-1]], n_xy - 1)  # no segment between two lines
    last = first + n_xy - 1

    def point_at(dist: np.ndarray) -> np.ndarray:
        # the segment from the line's last vertex at or before ``dist``, as GEOS takes it
        j = first + np.bincount(idx[along <= dist[idx]], minlength=n) - 1
        past = j >= last  # at or past the line's length: its last point
        j = np.clip(j, first, last - 1)
        rest = np.where(past, np.inf, dist - along[j])
        return _on_segment(xy[j], xy[j + 1], seg_xy[j], rest)

    p0, p1 = point_at(start), point_at(end)
    inner = np.ones(len(xy), dtype=bool)  # neither a line's first vertex nor its last
    inner[first] = False
    inner[last] = False
    keep = np.flatnonzero(inner & (along > start[idx]) & (along < end[idx]))
    kept = np.bincount(idx[keep], minlength=n)
    # line i's points: its start, its kept vertices, its end
    at = 2 * np.arange(n) + np.concatenate([[0], np.cumsum(kept)[:-1]])
    coords = np.empty((2 * n + len(keep), 2))
    coords[at] = p0
    coords[at + kept + 1] = p1
    line = idx[keep]
    rank = np.arange(len(keep)) - (np.cumsum(kept) - kept)[line]
    coords[at[line] + 1 + rank] = xy[keep]
    lines: np.ndarray = shapely.linestrings(coords, indices=np.repeat(np.arange(n), kept + 2))
    return lines


def _on_segment(a: np.ndarray, b: np.ndarray, seg: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """The point ``dist`` metres along each segment from ``a`` to ``b`` (``seg`` long).

    GEOS's arithmetic (``LinearLocation::pointAlongSegmentByFraction``): the fraction of
    the segment, an end itself when the fraction reaches it.
    """
    frac = np.divide(dist, seg, out=np.ones(len(seg)), where=seg > 0)[:, None]
    out: np.ndarray = np.where(frac <= 0.0, a, np.where(frac >= 1.0, b, (b - a) * frac + a))
    return out


def _along(seg: np.ndarray, n_seg: np.ndarray) -> np.ndarray:
    """Distance of every vertex along its own line, from its segments' lengths.

    Summed segment by segment from each line's start, as ``ops.substring`` sums them: a
    cumulative sum over all lines less each line's start is off by a rounding error and
    keeps a vertex lying exactly at a cut. Lines are padded to rows of a power of two
    segments, one ``numpy.cumsum`` a row width.
    """
    n = len(n_seg)
    out = np.zeros(len(seg) + n)
    first_seg = np.concatenate([[0], np.cumsum(n_seg)[:-1]]).astype(np.int64)
    first_xy = first_seg + np.arange(n)
    width = 1 << np.ceil(np.log2(np.maximum(n_seg, 1))).astype(np.int64)
    for w in np.unique(width):
        rows = np.flatnonzero(width == w)
        col = np.arange(w)
        valid = col[None, :] < n_seg[rows, None]
        grid = np.zeros((len(rows), int(w)))
        grid[valid] = seg[(first_seg[rows, None] + col)[valid]]
        out[(first_xy[rows, None] + 1 + col)[valid]] = np.cumsum(grid, axis=1)[valid]
    return out


#: one row of a service-area layer: category, radius (m), reached length (m), outline
AreaRow = tuple[str, float, float, Any]


def service_areas(
    graph: WalkGraph,
    facilities: gpd.GeoDataFrame,
    *,
    categories: Iterable[str],
    radius_m: float,
    max_snap_m: float = 200.0,
    buffer_m: float = 40.0,
    resolution_m: float | None = None,
    simplify_m: float | None = None,
    workers: int | None = None,
) -> gpd.GeoDataFrame:
    """Walking service area of each category: network within ``radius_m`` of its nearest facility.

    Parameters
    ----------
    graph
        The walking network (metric CRS).
    facilities
        GeoDataFrame with ``category`` and point geometry, in the graph's CRS.
    categories
        Categories to draw; a category with no facility on the network gets an empty row.
    radius_m
        Walking distance (metres, snap gap included); an edge at exactly the radius is in.
    max_snap_m
        Facilities farther than this from every edge are left out.
    buffer_m
        Half-width of the band drawn around the reached streets.
    resolution_m, simplify_m
        Cell size of the band's outline and its simplification tolerance (default
        ``buffer_m / 4`` and ``resolution_m / 2``): see :func:`band_polygons`.
    workers
        Categories drawn at once (default one per core). Each holds its band's cell and
        tile numbers (at most 37 MB for the demo district's 1,000 m categories): 1 keeps
        the memory of one.

    Returns
    -------
    geopandas.GeoDataFrame
        ``category``, ``radius_m``, ``length_m`` (reached network length) and
        (Multi)Polygon geometry, one row per category, in the graph's CRS.
    """
    jobs = service_area_jobs(
        graph,
        facilities,
        groups=[(radius_m, categories)],
        max_snap_m=max_snap_m,
        buffer_m=buffer_m,
        resolution_m=resolution_m,
        simplify_m=simplify_m,
    )
    return areas_frame(run_jobs(jobs, workers=workers), crs=graph.crs)


def service_area_jobs(
    graph: WalkGraph,
    facilities: gpd.GeoDataFrame,
    *,
    groups: Iterable[tuple[float, Iterable[str]]],
    max_snap_m: float = 200.0,
    buffer_m: float = 40.0,
    resolution_m: float | None = None,
    simplify_m: float | None = None,
) -> list[Callable[[], AreaRow]]:
    """One job per (radius, category) drawing its service area, for a pool of the caller's.

    The facilities of every category are snapped here, once for all the radii (a snap
    depends on its point only: one spatial index of the edges instead of one per
    radius); each job keeps the snaps of its category's facilities only.

    Parameters
    ----------
    graph, facilities, max_snap_m, buffer_m, resolution_m, simplify_m
        As for :func:`service_areas`.
    groups
        ``(radius_m, categories)`` pairs, the layer's rows in that order.

    Returns
    -------
    list of callable
        A job per row, each returning an `AreaRow` (`areas_frame` makes the layer).
    """
    rows = [(float(r), list(dict.fromkeys(str(c) for c in cats))) for r, cats in groups]
    every = list(dict.fromkeys(c for _, cats in rows for c in cats))
    fac_cat = facilities["category"].astype(str).to_numpy()
    wanted = np.isin(fac_cat, every)
    sub_cat = fac_cat[wanted]
    snapped = snap_points(graph, _points(facilities)[wanted], max_snap_m=max_snap_m)
    seeds: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for cat in every:
        m = np.flatnonzero((sub_cat == cat) & snapped.ok)
        seeds[cat] = (snapped.edge[m], snapped.offset[m], snapped.distance[m])
    band = functools.partial(
        band_polygons, buffer_m=buffer_m, resolution_m=resolution_m, simplify_m=simplify_m
    )
    return [
        functools.partial(_service_area, graph, cat, seeds[cat], r, band)
        for r, cats in rows
        for cat in cats
    ]


def run_jobs(jobs: Sequence[Callable[[], AreaRow]], *, workers: int | None = None) -> list[AreaRow]:
    """The jobs' rows in order, ``workers`` at once (default one per core).

    Categories are independent, and most of each runs in C without the GIL (the search,
    GEOS, numpy): one thread per core.
    """
    from lifecircle.network.kernels import thread_count

    n_threads = min(workers or thread_count(), len(jobs))
    if n_threads > 1:
        with ThreadPoolExecutor(n_threads, thread_name_prefix="lifecircle-areas") as pool:
            return list(pool.map(lambda job: job(), jobs))
    return [job() for job in jobs]


def areas_frame(rows: Sequence[AreaRow], *, crs: Any) -> gpd.GeoDataFrame:
    """The layer of the rows: ``category``, ``radius_m``, ``length_m`` and the outlines.

    Parameters
    ----------
    rows
        What the jobs of :func:`service_area_jobs` return, in the layer's order.
    crs
        The network's CRS.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    return gpd.GeoDataFrame(
        {
            "category": [r[0] for r in rows],
            "radius_m": [r[1] for r in rows],
            "length_m": [r[2] for r in rows],
        },
        geometry=[r[3] for r in rows],
        crs=crs,
    )


def _service_area(
    graph: WalkGraph,
    cat: str,
    seeds: tuple[np.ndarray, np.ndarray, np.ndarray],
    radius_m: float,
    band: Callable[[np.ndarray], Any],
) -> AreaRow:
    """One category's row: the network its facilities (``seeds``) reach, and its band."""
    e, lo, hi = reached_intervals(graph, *seeds, radius_m)
    keep = hi - lo > 1e-9
    e, lo, hi = e[keep], lo[keep], hi[keep]
    lines = reached_lines(graph, e, lo, hi)
    return cat, float(radius_m), float((hi - lo).sum()), band(lines)


def band_polygons(
    lines: npt.ArrayLike,
    buffer_m: float,
    *,
    resolution_m: float | None = None,
    simplify_m: float | None = None,
    tile: int = TILE_CELLS,
) -> Any:
    """Polygons of everything within ``buffer_m`` of ``lines`` (a map band, not a survey).

    GEOS buffers and unions of 10⁵ street pieces take seconds per category, so the band is
    traced on a grid instead: the lines are sampled into cells, the cells dilated by a disk
    of ``buffer_m`` and the mask's outline traced and simplified. The outline is within
    about one cell of the exact buffer; reached lengths are computed exactly elsewhere
    (``reached_intervals``).

    The grid is worked tile by tile (``tile`` cells a side), and only the tiles near a
    line: one grid over a city's bounding box held 27 M cells a category and cost more
    per circle the larger the city. Outlines crossing a tile's edge are joined there; the
    result is the outline of the whole grid (a test compares them).

    Parameters
    ----------
    lines
        Shapely lines (missing and empty ones are skipped).
    buffer_m
        Half-width of the band in metres.
    resolution_m, simplify_m
        Grid cell size (default ``buffer_m / 4``) and outline simplification tolerance
        (default half a cell).
    tile
        Cells a side of a tile.

    Returns
    -------
    shapely.MultiPolygon or shapely.Polygon
        The band (an empty MultiPolygon when there is nothing to draw).
    """
    arr = np.asarray(lines, dtype=object)
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    if len(arr) == 0 or buffer_m <= 0:
        return shapely.MultiPolygon()
    res = float(resolution_m or buffer_m / 4.0)
    tol = res / 2.0 if simplify_m is None else float(simplify_m)
    rad = max(1, round(buffer_m / res))
    pad = rad + 2
    p0, p1 = _segments(arr)
    if len(p0) == 0:
        return shapely.MultiPolygon()
    corner = np.minimum(p0.min(axis=0), p1.min(axis=0)) - pad * res
    far = np.maximum(p0.max(axis=0), p1.max(axis=0))
    x0, y0 = float(corner[0]), float(corner[1])
    nx = int(np.floor((far[0] - x0) / res)) + pad + 1
    ny = int(np.floor((far[1] - y0) / res)) + pad + 1
    cell = _sampled_cells(p0, p1, step=res, x0=x0, y0=y0, res=res, nx=nx)
    del p0, p1
    iy, ix = np.divmod(cell, nx)
    del cell
    ix, iy = ix.astype(np.int32), iy.astype(np.int32)
    polys = _traced_tiles(ix, iy, nx=nx, ny=ny, rad=rad, x0=x0, y0=y0, res=res, tile=tile)
    if tol > 0:
        # part by part: GEOS simplifies a whole MultiPolygon in time growing faster than its
        # parts (a city of 441 circles: 12x the time for 4.6x the parts; part by part 4.5x,
        # the same outlines); parts lie a cell or more apart, the check below catches any
        # that would touch
        polys = list(shapely.simplify(np.array(polys, dtype=object), tol))
    shape = shapely.MultiPolygon(polys)
    if not shape.is_valid:  # cells touching at a corner
        shape = shapely.make_valid(shape)
    return shape


def _traced_tiles(
    ix: np.ndarray,
    iy: np.ndarray,
    *,
    nx: int,
    ny: int,
    rad: int,
    x0: float,
    y0: float,
    res: float,
    tile: int,
) -> list[Any]:
    """Outlines of the cells ``(ix, iy)`` dilated by ``rad``, on an ``nx`` by ``ny`` grid.

    Each tile holds its cells and one more row and column (the next tile's first): both
    tiles trace the same seam, so the parts that reach it are unioned into one outline.
    A tile is dilated with the points up to ``rad`` cells around it, so its cells are
    those of the whole grid dilated. Cell centres are at ``x0 + (i + 0.5) * res``.
    """
    import contourpy

    ntx = -(-nx // tile)
    # 32-bit numbers and each array dropped once used: a band holds millions of cells
    tx, ty = ix // tile, iy // tile
    keys, which = [ty * ntx + tx], [np.arange(len(ix), dtype=np.int32)]
    # points within rad of a tile's edge also go to the tiles beside it
    rx, ry = ix - tx * tile, iy - ty * tile
    near = np.flatnonzero((rx <= rad) | (rx >= tile - rad) | (ry <= rad) | (ry >= tile - rad))
    del rx, ry
    nix, niy, ntx0, nty0 = ix[near], iy[near], tx[near], ty[near]
    del tx, ty
    for dty, dtx in itertools.product((-1, 0, 1), repeat=2):
        if dty == dtx == 0:
            continue
        ntx_, nty_ = ntx0 + dtx, nty0 + dty
        ok = (ntx_ >= 0) & (nty_ >= 0) & (ntx_ * tile < nx) & (nty_ * tile < ny)
        ok &= (nix + rad >= ntx_ * tile) & (nix - rad <= (ntx_ + 1) * tile)
        ok &= (niy + rad >= nty_ * tile) & (niy - rad <= (nty_ + 1) * tile)
        keys.append(nty_[ok] * ntx + ntx_[ok])
        which.append(near[ok].astype(np.int32))
    key, idx = np.concatenate(keys), np.concatenate(which)
    del keys, which
    # tile numbers are small: a stable sort of 16-bit keys is a radix sort
    order = np.argsort(
        key.astype(np.uint16) if ntx * (-(-ny // tile)) <= 1 << 16 else key, kind="stable"
    )
    key, idx = key[order], idx[order]
    del order
    starts = np.flatnonzero(np.r_[True, np.diff(key) != 0])
    inner: list[Any] = []  # parts within a tile
    seam: list[Any] = []  # parts reaching a tile's edge inside the grid
    aside: list[np.ndarray] = []  # their holes within the tile, added back after the union
    for first, p in zip(starts, np.split(idx, starts[1:]), strict=True):
        row, col = divmod(int(key[first]), ntx)
        cx0, cy0 = col * tile, row * tile
        cx1, cy1 = min(cx0 + tile, nx - 1), min(cy0 + tile, ny - 1)  # last cells, inclusive
        # the tile's edges inside the grid (the grid's own edges are empty, never a seam)
        edges = (_centre(x0, cx0, res) if cx0 > 0 else -np.inf,
                 _centre(x0, cx1, res) if cx1 < nx - 1 else np.inf)  # fmt: skip
        edges_y = (_centre(y0, cy0, res) if cy0 > 0 else -np.inf,
                   _centre(y0, cy1, res) if cy1 < ny - 1 else np.inf)  # fmt: skip
        # only the part of the tile the points' disks reach, and one unset cell around it:
        # the same outlines (traced in the same order), from a smaller grid (a tile at a
        # district's edge holds a few streets)
        px, py = ix[p], iy[p]
        bx0, bx1 = max(cx0, int(px.min()) - rad - 1), min(cx1, int(px.max()) + rad + 1)
        by0, by1 = max(cy0, int(py.min()) - rad - 1), min(cy1, int(py.max()) + rad + 1)
        w, h = bx1 - bx0 + 1, by1 - by0 + 1
        mask = np.zeros((h + 2 * rad, w + 2 * rad), dtype=bool)
        mask[py - by0 + rad, px - bx0 + rad] = True
        del px, py
        mask = dilate_disk(mask, rad)[rad : rad + h, rad : rad + w]
        if not mask.any():
            continue
        gx = x0 + (np.arange(bx0, bx1 + 1) + 0.5) * res  # the whole grid's centres, exactly
        gy = y0 + (np.arange(by0, by1 + 1) + 0.5) * res
        gen = contourpy.contour_generator(
            gx, gy, mask.astype(np.float64), fill_type="OuterOffset", name="serial"
        )
        # fill_type "OuterOffset": a list of outline points and a list of ring offsets
        points, offsets = cast("tuple[list[np.ndarray], list[np.ndarray]]", gen.filled(0.5, 2.0))
        for pt, o in zip(points, offsets, strict=True):
            rings = [pt[o[k] : o[k + 1]] for k in range(len(o) - 1)]
            if not _reaches(rings[0], edges, edges_y):
                inner.append(shapely.Polygon(rings[0], rings[1:]))
                continue
            # a hole that does not reach the tile's edge stays as it is: no other tile's
            # part reaches into it. Out of the union, which places every hole of its
            # result by testing it against the outlines (a city's union grew with the
            # square of its size: 441 circles 9x the time of 98)
            holes: list[np.ndarray] = []
            for ring in rings[1:]:
                (holes if _reaches(ring, edges, edges_y) else aside).append(ring)
            seam.append(shapely.Polygon(rings[0], holes))
    if seam:
        seam = _with_holes(_joined(np.array(seam, dtype=object)), aside)
    return inner + seam


def _joined(parts: np.ndarray) -> list[Any]:
    """The coverage union of ``parts`` (polygons that meet only along shared edges), as
    its polygons: each group of parts whose bounding boxes chain together is unioned on
    its own (one union of everything took 0.3 s where its 43 groups took 0.15 s, and grew
    faster than the city)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a, b = shapely.STRtree(parts).query(parts)
    n = len(parts)
    ones = np.ones(len(a), dtype=np.int8)
    _, group = connected_components(coo_matrix((ones, (a, b)), shape=(n, n)), directed=False)
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
    out: list[Any] = []
    for members in np.split(order, starts[1:]):
        if len(members) == 1:
            out.append(parts[members[0]])
        else:
            out.extend(shapely.get_parts(shapely.coverage_union_all(parts[members])))
    return out


def _reaches(ring: np.ndarray, edges: tuple[float, float], edges_y: tuple[float, float]) -> bool:
    """Whether an outline ``ring`` (points) reaches its tile's edges (a seam)."""
    lo, hi = ring.min(axis=0), ring.max(axis=0)
    return bool(
        float(lo[0]) <= edges[0]
        or float(hi[0]) >= edges[1]
        or float(lo[1]) <= edges_y[0]
        or float(hi[1]) >= edges_y[1]
    )


def _with_holes(parts: list[Any], holes: list[np.ndarray]) -> list[Any]:
    """``parts`` (polygons) with ``holes`` (rings, each inside exactly one part) added.

    A point inside a hole lies inside its part (the hole is not cut out yet): each part,
    prepared, is tested only against the points in its bounding box.
    """
    if not holes:
        return parts
    rings = shapely.linearrings(
        np.concatenate(holes), indices=np.repeat(np.arange(len(holes)), [len(r) for r in holes])
    )
    inside = shapely.point_on_surface(shapely.polygons(rings))
    part_of, hole = shapely.STRtree(inside).query(
        np.array(parts, dtype=object), predicate="contains"
    )
    found: dict[int, list[np.ndarray]] = {}
    for i, h in zip(part_of.tolist(), hole.tolist(), strict=True):
        found.setdefault(i, []).append(holes[h])
    if len(part_of) != len(holes):
        raise RuntimeError(f"服务范围拼接：{len(holes) - len(part_of)} 个内孔未落在任何面内")
    return [
        shapely.Polygon(p.exterior, [*p.interiors, *found[i]]) if i in found else p
        for i, p in enumerate(parts)
    ]


def _centre(origin: float, i: int, res: float) -> float:
    """The centre of cell ``i`` along an axis, as ``origin + (np.arange(...) + 0.5) * res``."""
    return float(origin + (np.float64(i) + 0.5) * res)


def dilate_disk(mask: np.ndarray, rad: int) -> np.ndarray:
    """``mask`` dilated by a disk of ``rad`` cells: every cell within ``rad`` of a set one.

    Equal to ``scipy.ndimage.binary_dilation`` with the structure ``x² + y² <= rad²``
    (outside the array counts as unset; a test compares the two), ten times faster: the
    disk is a stack of rows, so each row's dilation is built once and shifted up and down.

    Parameters
    ----------
    mask : numpy.ndarray
        2-D boolean grid.
    rad : int
        Disk radius in cells (>= 0).

    Returns
    -------
    numpy.ndarray
        A new boolean grid of the same shape.
    """
    mask = np.asarray(mask, dtype=bool)
    rows = [mask]  # rows[w]: each row dilated by w cells either way
    for w in range(1, rad + 1):
        wider = rows[-1].copy()
        wider[:, w:] |= mask[:, :-w]
        wider[:, :-w] |= mask[:, w:]
        rows.append(wider)
    out = rows[rad].copy()
    for dy in range(1, rad + 1):
        w = max(k for k in range(rad + 1) if k * k + dy * dy <= rad * rad)
        out[dy:, :] |= rows[w][:-dy, :]
        out[:-dy, :] |= rows[w][dy:, :]
    return out


def _segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end points of every segment of ``lines``."""
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    return coords[:-1][same], coords[1:][same]


#: sample points made at once by `_sampled_cells`: bounds the band's memory (about 80 bytes
#: a point while a chunk is made, 8 a cell kept)
SAMPLE_CHUNK = 1 << 14


def _sampled_cells(
    p0: np.ndarray, p1: np.ndarray, *, step: float, x0: float, y0: float, res: float, nx: int
) -> np.ndarray:
    """Numbers (``iy * nx + ix``) of the cells holding points along the segments ``p0``-``p1``.

    Points are at most ``step`` apart, ends included; a cell is given once for a run of
    points in it. The points are made a chunk of segments at a time and kept only as cell
    numbers: a band of a district holds millions of points.
    """
    seg = np.hypot(*(p1 - p0).T)
    n = np.floor(seg / step).astype(np.int64) + 1  # intervals per segment
    ends = np.cumsum(n + 1)
    bounds = np.searchsorted(ends, np.arange(SAMPLE_CHUNK, int(ends[-1]), SAMPLE_CHUNK))
    cells = []
    for a, b in itertools.pairwise([0, *np.unique(bounds).tolist(), len(n)]):
        if a == b:
            continue
        nk = n[a:b]
        first = np.concatenate([[0], np.cumsum(nk + 1)[:-1]])
        k = np.arange(int((nk + 1).sum())) - np.repeat(first, nk + 1)
        t = (k / np.repeat(nk, nk + 1))[:, None]
        pts = np.repeat(p0[a:b], nk + 1, axis=0)
        pts += t * np.repeat(p1[a:b] - p0[a:b], nk + 1, axis=0)
        ix = np.floor((pts[:, 0] - x0) / res).astype(np.int64)
        iy = np.floor((pts[:, 1] - y0) / res).astype(np.int64)
        c = iy * nx + ix
        # neighbours along a segment share a cell (a demo band: 1.12 M points, 0.95 M kept);
        # sorting out every repeat (0.76 M cells) took four times the whole band
        cells.append(c[np.r_[True, c[1:] != c[:-1]]])
    return np.concatenate(cells)


__all__ = [
    "AreaRow",
    "areas_frame",
    "band_polygons",
    "dilate_disk",
    "reached_intervals",
    "reached_lines",
    "run_jobs",
    "service_area_jobs",
    "service_areas",
]
