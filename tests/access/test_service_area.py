"""Service areas: reached network against networkx, hand cases, polygons around the streets."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from lifecircle.access.service_area import (
    band_polygons,
    reached_intervals,
    reached_lines,
    service_areas,
)
from lifecircle.network.build import graph_from_lines
from lifecircle.network.snap import snap_points

CRS = "EPSG:32649"


def _graph(lines):
    return graph_from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS))


def _facilities(points, category="kindergarten"):
    return gpd.GeoDataFrame(
        {"id": [f"f{i}" for i in range(len(points))], "category": category},
        geometry=[Point(p) for p in points],
        crs=CRS,
    )


def _reached_length(sa, category):
    return float(sa.loc[sa["category"] == category, "length_m"].iloc[0])


def test_one_street_facility_in_the_middle_reaches_2r():
    g = _graph([LineString([(0, 0), (1000, 0)])])
    sa = service_areas(g, _facilities([(500, 0)]), categories=["kindergarten"], radius_m=200)
    assert _reached_length(sa, "kindergarten") == pytest.approx(400.0, abs=1e-9)
    # the cut is at the exact distance, and the polygon bands the reached part only
    e, lo, hi = reached_intervals(g, [0], [500.0], [0.0], 200)
    assert (e.tolist(), lo.tolist(), hi.tolist()) == ([0], [300.0], [700.0])
    line = reached_lines(g, e, lo, hi)[0]
    assert line.length == pytest.approx(400.0) and line.coords[0] == pytest.approx((300, 0))
    poly = sa.geometry.iloc[0]
    assert poly.geom_type in ("Polygon", "MultiPolygon")
    assert poly.contains(Point(500, 0)) and poly.contains(Point(690, 30))
    assert not poly.contains(Point(800, 0)) and not poly.contains(Point(500, 60))


def test_snap_gap_counts_and_ends_clip():
    g = _graph([LineString([(0, 0), (1000, 0)])])
    fac = _facilities([(500, 30), (50, 0)])
    sa = service_areas(g, fac, categories=["kindergarten"], radius_m=200)
    # 2 x (200 - 30) around x=500, and [0, 250] around x=50 (clipped at the street's end)
    assert _reached_length(sa, "kindergarten") == pytest.approx(340.0 + 250.0)


def test_corner_and_branches():
    # an L with a spur: the budget left at the corner is split over both ways
    g = _graph(
        [
            LineString([(0, 0), (300, 0)]),
            LineString([(300, 0), (300, 300)]),
            LineString([(300, 0), (600, 0)]),
        ]
    )
    sa = service_areas(g, _facilities([(200, 0)]), categories=["kindergarten"], radius_m=250)
    # back 200 to x=0, forward 100 to the corner, then 150 up and 150 on
    assert _reached_length(sa, "kindergarten") == pytest.approx(200 + 100 + 150 + 150)


def test_categories_without_facilities_or_off_network():
    g = _graph([LineString([(0, 0), (1000, 0)])])
    fac = _facilities([(500, 500)])  # 500 m off the street: not snapped at 200 m
    sa = service_areas(g, fac, categories=["kindergarten", "nursery"], radius_m=300)
    assert sa["category"].tolist() == ["kindergarten", "nursery"]
    assert sa["length_m"].tolist() == [0.0, 0.0]
    assert sa.geometry.is_empty.all()
    assert sa.crs == g.crs


def _random_network(rng, n=7, step=120.0, drop=0.25):
    """A jittered grid with some streets missing and some bent (three-vertex) edges."""
    xs = np.arange(n) * step
    pts = {(i, j): (xs[i] + rng.normal(0, 20), xs[j] + rng.normal(0, 20)) for i in range(n) for j in range(n)}  # fmt: skip
    lines = []
    for (i, j), p in pts.items():
        for q in ((i + 1, j), (i, j + 1)):
            if q in pts and rng.random() > drop:
                a, b = np.asarray(p), np.asarray(pts[q])
                if rng.random() < 0.4:  # bend it
                    mid = (a + b) / 2 + rng.normal(0, 25, 2)
                    lines.append(LineString([a, mid, b]))
                else:
                    lines.append(LineString([a, b]))
    return _graph(lines)


def _networkx_reached(graph, fac_points, radius, max_snap_m=200.0):
    """Reached network length by plain Dijkstra on the graph cut at every facility."""
    snapped = snap_points(graph, shapely.points(fac_points), max_snap_m=max_snap_m)
    g = nx.Graph()
    stops: dict[int, list[tuple[float, object]]] = {}
    for i in np.flatnonzero(snapped.ok):
        meet = ("meet", int(i))
        stops.setdefault(int(snapped.edge[i]), []).append((float(snapped.offset[i]), meet))
        g.add_edge("source", meet, weight=float(snapped.distance[i]))
    pieces = []
    for e in range(graph.n_edges):
        u, v, length = int(graph.edge_u[e]), int(graph.edge_v[e]), float(graph.edge_length[e])
        chain = [(0.0, ("node", u)), *sorted(stops.get(e, [])), (length, ("node", v))]
        for (o1, a), (o2, b) in itertools.pairwise(chain):
            pieces.append((a, b, o2 - o1))
            if a != b and not (g.has_edge(a, b) and g[a][b]["weight"] <= o2 - o1):
                g.add_edge(a, b, weight=o2 - o1)
    if "source" not in g:
        return 0.0
    d = nx.single_source_dijkstra_path_length(g, "source", weight="weight")
    total = 0.0
    for a, b, w in pieces:
        ra = min(w, max(0.0, radius - d.get(a, np.inf)))
        rb = min(w, max(0.0, radius - d.get(b, np.inf)))
        total += min(w, ra + rb)
    return total


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_reached_length_matches_networkx(seed):
    rng = np.random.default_rng(seed)
    g = _random_network(rng)
    # no parallel edges, so the exploded networkx graph is exact
    pairs = {tuple(sorted(p)) for p in zip(g.edge_u.tolist(), g.edge_v.tolist(), strict=True)}
    assert len(pairs) == g.n_edges
    nf = int(rng.integers(1, 6))
    pts = np.column_stack([rng.uniform(-50, 770, nf), rng.uniform(-50, 770, nf)])
    fac = _facilities(pts)
    for radius in (60.0, 150.0, 333.0, 900.0):
        sa = service_areas(g, fac, categories=["kindergarten"], radius_m=radius)
        want = _networkx_reached(g, pts, radius)
        assert _reached_length(sa, "kindergarten") == pytest.approx(want, abs=0.1), radius
        # the geometry drawn is the length measured
        sn = snap_points(g, shapely.points(pts))
        ok = sn.ok
        e, lo, hi = reached_intervals(g, sn.edge[ok], sn.offset[ok], sn.distance[ok], radius)
        drawn = shapely.length(reached_lines(g, e, lo, hi)).sum()
        assert drawn == pytest.approx(want, abs=0.1)
        assert np.all(np.diff(e) >= 0) and np.all(hi > lo - 1e-9)


def test_polygon_bands_the_reached_streets():
    rng = np.random.default_rng(11)
    g = _random_network(rng)
    fac = _facilities([(300.0, 300.0)])
    sa = service_areas(g, fac, categories=["kindergarten"], radius_m=250, buffer_m=40)
    poly = sa.geometry.iloc[0]
    assert poly.is_valid and not poly.is_empty
    sn = snap_points(g, shapely.points([(300.0, 300.0)]))
    e, lo, hi = reached_intervals(g, sn.edge, sn.offset, sn.distance, 250)
    lines = reached_lines(g, e, lo, hi)
    exact = shapely.union_all(shapely.buffer(lines, 40.0))
    # the traced band is the exact buffer to within about a cell (10 m): a little wide
    assert 0.97 < poly.area / exact.area < 1.10
    assert poly.symmetric_difference(exact).area / exact.area < 0.15
    assert shapely.buffer(exact, 12).contains(poly)
    assert poly.buffer(12).contains(shapely.union_all(lines))


def test_band_of_many_parts_is_simplified_as_the_whole_would_be():
    # parts are simplified one by one (the whole MultiPolygon at once grew faster than its
    # parts); the outline must be what simplifying the whole gives
    rng = np.random.default_rng(5)
    lines = [
        LineString([(x, y), (x + rng.uniform(50, 150), y + rng.uniform(-60, 60))])
        for x in range(0, 3000, 250)
        for y in range(0, 3000, 250)
    ]
    band = band_polygons(lines, 40.0)
    raw = band_polygons(lines, 40.0, simplify_m=0.0)
    assert len(band.geoms) == len(raw.geoms) == len(lines)
    assert shapely.equals_exact(band, shapely.simplify(raw, 5.0), tolerance=0.0)
    assert shapely.get_num_coordinates(band) < shapely.get_num_coordinates(raw)


def test_full_demo_scale(tmp_path):
    """The 1000 m categories of the small demo (speed: benchmarks, not asserted here)."""
    from lifecircle.demo import generate_demo
    from lifecircle.district import load_district

    d = load_district(generate_demo(tmp_path / "district", scale=0.05))
    cats = ["kindergarten", "nursery", "community_health_station", "pharmacy"]
    sa = service_areas(d.graph, d.facilities, categories=cats, radius_m=1000)
    assert sa["length_m"].gt(0).all() and sa.geometry.is_valid.all()
    assert (sa["length_m"] <= d.graph.edge_length.sum() + 1e-6).all()


def test_jobs_of_several_radii_give_the_rows_of_each_radius_drawn_alone(tmp_path):
    """service_area_jobs snaps the facilities once for every radius: the same rows, in
    the groups' order, as service_areas per radius (each snapping its own categories)."""
    from lifecircle.access.service_area import areas_frame, run_jobs, service_area_jobs
    from lifecircle.demo import generate_demo
    from lifecircle.district import load_district

    d = load_district(generate_demo(tmp_path / "district", scale=0.05))
    groups = [(300.0, ["pharmacy", "kindergarten"]), (1000.0, ["nursery", "kindergarten"])]
    jobs = service_area_jobs(d.graph, d.facilities, groups=groups)
    together = areas_frame(run_jobs(jobs, workers=2), crs=d.graph.crs)
    alone = pd.concat(
        [service_areas(d.graph, d.facilities, categories=c, radius_m=r) for r, c in groups],
        ignore_index=True,
    )
    assert list(zip(together["category"], together["radius_m"], strict=True)) == [
        (c, r) for r, cats in groups for c in cats
    ]
    assert together.drop(columns="geometry").equals(alone.drop(columns="geometry"))
    assert list(shapely.to_wkb(together.geometry.values)) == list(
        shapely.to_wkb(alone.geometry.values)
    )


@pytest.mark.parametrize("rad", [0, 1, 2, 3, 4, 5, 8])
def test_dilate_disk_is_binary_dilation_by_a_disk(rad: int) -> None:
    """The fast dilation of the service-area band equals scipy's, edges included."""
    from scipy import ndimage

    from lifecircle.access.service_area import dilate_disk

    rng = np.random.default_rng(rad)
    yy, xx = np.mgrid[-rad : rad + 1, -rad : rad + 1]
    disk = (xx * xx + yy * yy) <= rad * rad
    for shape, density in (((40, 57), 0.01), ((33, 21), 0.2), ((3, 2), 0.5), ((1, 9), 0.3)):
        mask = rng.random(shape) < density
        mask[0, 0] = mask[-1, -1] = True  # set cells on the border
        expected = ndimage.binary_dilation(mask, structure=disk) if rad else mask
        assert np.array_equal(dilate_disk(mask, rad), expected)


def _points_along(lines: list[LineString], step: float) -> np.ndarray:
    """Points at most ``step`` apart along every segment, ends included (one by one)."""
    out = []
    for line in lines:
        c = shapely.get_coordinates(line)
        for a, b in itertools.pairwise(c):
            n = int(np.floor(np.hypot(*(b - a)) / step)) + 1
            out.append(a + np.arange(n + 1)[:, None] / n * (b - a))
    return np.concatenate(out)


@pytest.mark.parametrize("chunk", [5, 1 << 18])
def test_sampled_cells_are_the_cells_of_the_points_along_the_lines(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made a chunk of segments at a time: the cells of every point, runs given once."""
    from lifecircle.access import service_area

    monkeypatch.setattr(service_area, "SAMPLE_CHUNK", chunk)
    rng = np.random.default_rng(7)
    lines = [LineString(rng.uniform(0, 800, (int(rng.integers(2, 6)), 2))) for _ in range(40)]
    p0, p1 = service_area._segments(np.asarray(lines, dtype=object))
    res, nx = 10.0, 200
    cells = service_area._sampled_cells(p0, p1, step=res, x0=-30.0, y0=-30.0, res=res, nx=nx)
    xy = _points_along(lines, res)
    ix, iy = np.floor((xy[:, 0] + 30.0) / res), np.floor((xy[:, 1] + 30.0) / res)
    expected = np.unique((iy * nx + ix).astype(np.int64))
    assert np.array_equal(np.unique(cells), expected)
    assert len(cells) < len(xy)  # runs of points in one cell kept once


def _whole_grid_band(lines: list[LineString], buffer_m: float) -> shapely.MultiPolygon:
    """The band as one grid over the lines' bounding box (scipy's dilation), unsimplified."""
    import contourpy
    from scipy import ndimage

    res = buffer_m / 4.0
    rad = round(buffer_m / res)
    pad = rad + 2
    xy = _points_along(lines, res)
    x0, y0 = xy.min(axis=0) - pad * res
    ix = np.floor((xy[:, 0] - x0) / res).astype(np.int64)
    iy = np.floor((xy[:, 1] - y0) / res).astype(np.int64)
    nx, ny = int(ix.max()) + pad + 1, int(iy.max()) + pad + 1
    mask = np.zeros((ny, nx), dtype=bool)
    mask[iy, ix] = True
    yy, xx = np.mgrid[-rad : rad + 1, -rad : rad + 1]
    mask = ndimage.binary_dilation(mask, structure=(xx * xx + yy * yy) <= rad * rad)
    gx, gy = x0 + (np.arange(nx) + 0.5) * res, y0 + (np.arange(ny) + 0.5) * res
    gen = contourpy.contour_generator(gx, gy, mask.astype(np.float32), fill_type="OuterOffset")
    points, offsets = gen.filled(0.5, 2.0)
    return shapely.MultiPolygon(
        [
            shapely.Polygon(p[o[0] : o[1]], [p[o[k] : o[k + 1]] for k in range(1, len(o) - 1)])
            for p, o in zip(points, offsets, strict=True)
        ]
    )


@pytest.mark.parametrize("tile", [7, 16, 50])
def test_band_traced_in_tiles_is_the_band_of_one_grid(tile: int) -> None:
    """Tiles joined at their edges give the outline one grid over everything gives."""
    rng = np.random.default_rng(tile)
    # streets, crossings and rings (holes) over many tiles, some along a tile's edge
    lines = [
        LineString([(x, y), (x + rng.uniform(-300, 300), y + rng.uniform(-300, 300))])
        for x, y in rng.uniform(0, 1500, (60, 2))
    ]
    lines += [LineString([(0, 10 * tile * k + 5), (1500, 10 * tile * k + 5)]) for k in range(3)]
    lines += [shapely.Point(700, 700).buffer(200).exterior]
    whole = _whole_grid_band(lines, 40.0)
    raw = band_polygons(lines, 40.0, simplify_m=0.0, tile=tile)
    assert raw.is_valid and len(raw.geoms) == len(whole.geoms)
    assert sum(len(p.interiors) for p in raw.geoms) == sum(len(p.interiors) for p in whole.geoms)
    assert raw.symmetric_difference(whole).area < 1e-6 * whole.area
    # simplified (half a cell): rings start elsewhere, so vertices differ, within a cell
    band, one = band_polygons(lines, 40.0, tile=tile), band_polygons(lines, 40.0, tile=10**6)
    assert len(band.geoms) == len(one.geoms)
    assert shapely.hausdorff_distance(band, one) <= 10.0
    assert band.symmetric_difference(one).area < 0.03 * one.area


def test_band_grid_covers_only_the_tiles_near_the_lines() -> None:
    """Two streets 20 000 km apart: a grid over both would need terabytes, tiles do not."""
    lines = [LineString([(0, 0), (300, 0)]), LineString([(2e7, 2e7), (2e7 + 300, 2e7)])]
    band = band_polygons(lines, 40.0)
    assert band.is_valid and len(band.geoms) == 2
    exact = shapely.union_all(shapely.buffer(lines, 40.0))
    assert 0.97 < band.area / exact.area < 1.10  # within a cell (10 m), as on one grid
    assert shapely.buffer(exact, 12).contains(band) and band.buffer(12).contains(exact)


def _random_lines(rng, n):
    """Random polylines, some with repeated vertices and some straight."""
    lines = []
    for _ in range(n):
        k = int(rng.integers(2, 9))
        xy = np.cumsum(rng.normal(0, 30, (k, 2)), axis=0) + rng.uniform(-1e3, 1e3, 2)
        if k > 2 and rng.random() < 0.3:  # a repeated vertex
            j = int(rng.integers(1, k))
            xy = np.insert(xy, j, xy[j - 1], axis=0)
        lines.append(LineString(xy))
    return np.array(lines, dtype=object)


def test_reached_lines_cut_as_shapely_substring():
    from shapely import ops

    from lifecircle.access.service_area import _substrings

    rng = np.random.default_rng(5)
    geoms = _random_lines(rng, 400)
    length = shapely.length(geoms)
    a, b = rng.uniform(0, 1, (2, len(geoms))) * length
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    kind = rng.integers(0, 5, len(geoms))  # degenerate ends on a fifth each
    lo[kind == 1] = 0.0
    hi[kind == 2] = length[kind == 2]
    hi[kind == 3] = lo[kind == 3]
    lo[kind == 4], hi[kind == 4] = 0.0, length[kind == 4]
    # an end on a vertex
    on_vertex = np.array([shapely.line_locate_point(g, shapely.points(g.coords[1])) for g in geoms])
    lo[::7] = on_vertex[::7]
    hi[::7] = np.maximum(hi[::7], lo[::7])
    got = _substrings(geoms, lo, hi)
    for g, s, e, line in zip(geoms, lo, hi, got, strict=True):
        want = ops.substring(g, s, e)
        assert line.geom_type == "LineString"
        if want.geom_type == "Point":  # start == end: two equal points
            assert s == e
            assert line.coords[:] == [want.coords[0]] * 2
        else:  # the same floating-point numbers
            assert line.equals_exact(want, 0.0), (line.wkt, want.wkt, s, e, g.wkt)
    # straight lines only: the short way, the same lines
    two = np.flatnonzero(shapely.get_num_coordinates(geoms) == 2)
    assert len(two) > 10
    for k, line in zip(two, _substrings(geoms[two], lo[two], hi[two]), strict=True):
        assert line.equals_exact(got[k], 0.0)
    # the whole service area's lines: partial edges through _substrings, whole ones kept
    g = _graph(list(geoms[:50]))
    e = np.arange(g.n_edges)
    lo_e = np.where(e % 3 == 0, 0.0, g.edge_length * 0.25)
    hi_e = np.where(e % 3 == 1, g.edge_length * 0.6, g.edge_length)
    lines = reached_lines(g, e, lo_e, hi_e)
    assert np.allclose(shapely.length(lines), hi_e - lo_e, atol=1e-6)
    assert all(lines[i] is g.edge_geometry[i] for i in e[e % 3 == 0])
