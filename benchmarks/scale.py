"""Benchmark: the access of a checkup on a generated city of about 1 million walkable nodes,
one process against a 2-worker dask LocalCluster (tiles with a buffer of twice the largest
radius), with the results asserted identical.

The city is generated with numpy (`lifecircle.scale.synth`: a jittered street grid in
several districts of different facility density; 示例数据：几何为生成数据) with the
checkup's workload: the 30 facility categories of the changsha-provisional catalogue, its
radii (300/500/800/1000 m) and 2SFCA supply for its six per-1,000 categories. Each run
is a child process (spawn) that generates the same city from the seed and times only the
access: ``compute_access`` in one process, ``tiled_access`` on the cluster (cutting the
tiles, shipping them, the workers' runs and the merge). Memory: the peak RSS (VmHWM) of
the process (the cluster's client) and, per worker, of the worker process.

    python benchmarks/scale.py [--side 1000] [--homes 60000] [--workers 2] [--tiles N]

Not a test: this machine is shared and noisy. Prints a table and the per-tile figures.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import pickle
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

RADII = (300.0, 500.0, 800.0, 1000.0)


def _workload() -> tuple[dict[str, float], tuple[str, ...]]:
    """The catalogue's categories (facilities per 1,000 homes) and its supply categories."""
    from lifecircle.standards import load_catalogue

    cat = load_catalogue("changsha-provisional")
    names = sorted({c for i in cat.indicators for c in i.facility_categories})
    supply = sorted(
        {c for i in cat.indicators if i.effective_kind == "per_1000" and i.radius_m
         for c in i.facility_categories}
    )  # fmt: skip
    density = (12.0, 6.0, 10.0, 25.0, 8.0, 3.0)
    return {n: density[k % len(density)] for k, n in enumerate(names)}, tuple(supply)


def _city(side: int, homes: int):
    from lifecircle.scale.synth import synth_city

    cats, supply = _workload()
    city = synth_city(
        side=side, homes=homes, districts=6, categories=cats, with_capacity=supply, seed=14
    )
    return city, supply


def _peak_mb() -> float:
    from lifecircle.scale.task import peak_rss_mb

    return peak_rss_mb()


def child(kind: str, side: int, homes: int, workers: int, tiles: int | None, out: str) -> None:
    """Generate the city, run one engine, write its result and figures to ``out``."""
    from lifecircle.network.warmup import compile_kernels_in_background, wait_for_kernels

    compile_kernels_in_background()
    t = time.perf_counter()
    city, supply = _city(side, homes)
    generate_s = time.perf_counter() - t
    wait_for_kernels()
    base_mb = _peak_mb()
    figures: dict = {"generate_s": generate_s, "nodes": city.graph.n_nodes,
                     "edges": city.graph.n_edges, "homes": len(city.homes),
                     "facilities": len(city.facilities), "base_mb": base_mb}  # fmt: skip
    if kind == "one":
        from lifecircle.access import compute_access

        t = time.perf_counter()
        res = compute_access(
            city.graph, city.homes, city.facilities, radii=RADII, counts_for=supply
        )
        figures["seconds"] = time.perf_counter() - t
        figures["timings"] = res.timings
    else:
        from lifecircle.scale.checkup import auto_tiles
        from lifecircle.scale.cluster import open_cluster
        from lifecircle.scale.tiled import tiled_access

        tile_figures: list[dict] = []

        class Recording:
            def __init__(self, runner):
                self.runner = runner

            def map(self, fn, tasks, *, stage, progress=None, total=None):
                results = self.runner.map(fn, tasks, stage=stage, progress=progress, total=total)
                for r in results:
                    tile_figures.append(
                        {"stage": stage, "tile": r.tile, "seconds": r.seconds, **r.sizes}
                    )
                return results

        t = time.perf_counter()
        with open_cluster(workers=workers) as runner:
            figures["cluster_start_s"] = time.perf_counter() - t
            n = tiles or auto_tiles(city.graph, workers=workers, radii_m=RADII)
            t = time.perf_counter()
            res = tiled_access(
                city.graph, city.homes, city.facilities, radii=RADII, counts_for=supply,
                tiles=n, runner=Recording(runner),
            )  # fmt: skip
            figures["seconds"] = time.perf_counter() - t
            figures["worker_peak_mb"] = sorted(runner.client.run(_peak_mb).values())
        figures["tiles"] = tile_figures
        figures["options"] = res.options
    figures["peak_mb"] = _peak_mb()
    with open(out, "wb") as f:
        pickle.dump({"homes": res.homes, "unsnapped": res.unsnapped, "warnings": res.warnings,
                     "figures": figures}, f)  # fmt: skip


def _run(kind: str, args, folder: Path) -> dict:
    out = str(folder / f"{kind}.pkl")
    ctx = mp.get_context("spawn")
    p = ctx.Process(target=child, args=(kind, args.side, args.homes, args.workers, args.tiles, out))
    p.start()
    p.join()
    if p.exitcode != 0:
        sys.exit(f"{kind} run failed (exit {p.exitcode})")
    with open(out, "rb") as f:
        return pickle.load(f)


def _same(a: dict, b: dict) -> None:
    """Identical results: rows, columns, distances, ids and counts exactly; supply to 1e-12."""
    ha, hb = a["homes"], b["homes"]
    supply = [c for c in ha.columns if c.startswith("supply_per_1000_")]
    assert list(ha.columns) == list(hb.columns)
    pd.testing.assert_frame_equal(
        ha.drop(columns=supply), hb.drop(columns=supply), check_exact=True
    )
    pd.testing.assert_frame_equal(ha[supply], hb[supply], rtol=1e-12)
    pd.testing.assert_frame_equal(a["unsnapped"], b["unsnapped"])
    assert a["warnings"] == b["warnings"]
    exact = sum(int((ha[c].to_numpy() == hb[c].to_numpy()).all()) for c in supply)
    print(f"identical: {len(ha):,} homes x {len(ha.columns)} columns; "
          f"supply columns bit-identical: {exact}/{len(supply)}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=1000, help="grid side (nodes): side² nodes")
    ap.add_argument("--homes", type=int, default=60_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tiles", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = _run("one", args, Path(tmp))
        many = _run("cluster", args, Path(tmp))
    _same(one, many)
    f1, f2 = one["figures"], many["figures"]
    print(f"city: {f1['nodes']:,} nodes, {f1['edges']:,} edges, {f1['homes']:,} homes, "
          f"{f1['facilities']:,} facilities (generated in {f1['generate_s']:.1f} s)")  # fmt: skip
    print(f"one process: {f1['seconds']:.1f} s, peak {f1['peak_mb']:,.0f} MB "
          f"(data and kernels loaded: {f1['base_mb']:,.0f} MB); phases {f1['timings']}")  # fmt: skip
    print(f"{args.workers}-worker LocalCluster: {f2['seconds']:.1f} s "
          f"(cluster start {f2['cluster_start_s']:.1f} s, not counted), "
          f"client peak {f2['peak_mb']:,.0f} MB, worker peaks "
          f"{', '.join(f'{m:,.0f}' for m in f2['worker_peak_mb'])} MB; {f2['options']}")  # fmt: skip
    print(f"speed-up: {f1['seconds'] / f2['seconds']:.2f}x")
    tiles = pd.DataFrame(f2["tiles"])
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(tiles.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    first = tiles[tiles["stage"] == "tiles"]
    per_node = first["seconds"].sum() / first["nodes"].sum() * 1e6
    print(f"per-tile: {per_node:.1f} s per million tile nodes (buffers included); "
          f"tile nodes / city nodes = {first['nodes'].sum() / f1['nodes']:.2f}; "
          f"largest tile peak {first['peak_rss_mb'].max():,.0f} MB at {first['nodes'].max():,} nodes")  # fmt: skip


if __name__ == "__main__":
    main()
