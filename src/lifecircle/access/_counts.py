"""Counts and 2SFCA supply per home from one bounded search per facility.

`lifecircle.network.kernels.bounded_counts` runs every facility's search twice when it
works out the supply: a first pass for the counts and each facility's demand, a second
for the supply, once every demand is known. A facility's demand comes from its own
search only, so here its supply is spread right after its search, from the distances it
just found: half the searches, and the same additions in the same order (each chunk's
supply summed facility by facility, the chunks added in order), so the same figures.
"""
# numba's decorators are untyped; the typed entry point is `counts_and_supply`.

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numba import njit

from lifecircle.network.kernels import _bounded_from_facility, _f64, _i64, thread_count

INF = np.inf


@njit(cache=True, nogil=True)
def _chunk_once(
    fac_idx, lo, hi, indptr, indices, weights, csr_edge, edge_u, edge_v, edge_len,
    fac_edge, fac_off, fac_snap, fac_capacity, home_edge_ptr, home_sorted, home_off,
    home_snap, home_pop, radii, with_supply, counts, supply, demand,
):  # fmt: skip
    """Facilities ``fac_idx[lo:hi]``: both passes of ``_counts_chunk`` on one search each."""
    n_nodes = indptr.shape[0] - 1
    n_homes = home_off.shape[0]
    n_r = radii.shape[0]
    limit = radii[n_r - 1]
    node_dist = np.full(n_nodes, INF)
    touched_nodes = np.empty(n_nodes, dtype=np.int64)
    home_best = np.full(n_homes, INF)
    touched_homes = np.empty(n_homes, dtype=np.int64)
    found = np.empty(n_homes, dtype=np.float64)
    hk = np.empty(indices.shape[0] + 3, dtype=np.float64)
    hv = np.empty(indices.shape[0] + 3, dtype=np.int64)
    for j in range(lo, hi):
        f = fac_idx[j]
        nt = _bounded_from_facility(
            f, indptr, indices, weights, csr_edge, edge_u, edge_v, edge_len,
            fac_edge, fac_off, fac_snap, home_edge_ptr, home_sorted, home_off,
            home_snap, limit, node_dist, touched_nodes, home_best, touched_homes, hk, hv,
        )  # fmt: skip
        for t in range(nt):
            h = touched_homes[t]
            d = home_best[h]
            home_best[h] = INF
            found[t] = d
            for r in range(n_r):
                if d <= radii[r]:
                    counts[h, r] += 1
                    if with_supply:
                        demand[j, r] += home_pop[h]
        if not with_supply:
            continue
        for t in range(nt):
            h = touched_homes[t]
            d = found[t]
            for r in range(n_r):
                if d <= radii[r] and demand[j, r] > 0.0:
                    supply[h, r] += fac_capacity[f] / demand[j, r]


def counts_and_supply(
    indptr: Any, indices: Any, weights: Any, csr_edge: Any, edge_u: Any, edge_v: Any,
    edge_len: Any, fac_idx: Any, fac_edge: Any, fac_off: Any, fac_snap: Any,
    fac_capacity: Any, home_edge_ptr: Any, home_sorted: Any, home_off: Any, home_snap: Any,
    home_pop: Any, radii: Any, with_supply: bool, n_chunks: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """`lifecircle.network.kernels.bounded_counts` (same arguments, same figures), with
    one search per facility instead of two when ``with_supply``.

    Returns
    -------
    counts, supply : numpy.ndarray
        Arrays of shape (homes, radii): int64 counts and float64 supply per resident.
    """
    fac_idx = _i64(fac_idx)
    radii = _f64(radii)
    n_homes = len(home_off)
    n_r = len(radii)
    n_fac = len(fac_idx)
    n_chunks = max(1, min(int(n_chunks), n_fac))
    counts = np.zeros((n_chunks, n_homes, n_r), dtype=np.int64)
    supply = np.zeros((n_chunks, n_homes, n_r), dtype=np.float64)
    demand = np.zeros((n_fac, n_r), dtype=np.float64)
    shared = (
        _i64(indptr), _i64(indices), _f64(weights), _i64(csr_edge), _i64(edge_u),
        _i64(edge_v), _f64(edge_len), _i64(fac_edge), _f64(fac_off), _f64(fac_snap),
        _f64(fac_capacity), _i64(home_edge_ptr), _i64(home_sorted), _f64(home_off),
        _f64(home_snap), _f64(home_pop), radii, bool(with_supply),
    )  # fmt: skip

    def run(c: int) -> None:
        lo, hi = c * n_fac // n_chunks, (c + 1) * n_fac // n_chunks
        _chunk_once(fac_idx, lo, hi, *shared, counts[c], supply[c], demand)

    workers = min(thread_count(), n_chunks)
    if workers == 1:
        for c in range(n_chunks):
            run(c)
    else:
        with ThreadPoolExecutor(workers, thread_name_prefix="lifecircle-search") as pool:
            list(pool.map(run, range(n_chunks)))
    return counts.sum(axis=0), supply.sum(axis=0)
