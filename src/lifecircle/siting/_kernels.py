"""Compiled pair search: every (demand, candidate) walk within the radius, as flat arrays.

Each candidate runs the access engine's bounded search
(:func:`lifecircle.network.kernels._bounded_from_facility`: seeds at both ends of its
edge, demand on its own edge reached along it, snap gaps added). A first pass counts
the pairs of each candidate, a second writes them at their offsets, so the output is
allocated once, in parallel chunks with scratch arrays of their own.
"""
# numba's decorators are untyped; the typed entry point is lifecircle.siting.network.

from __future__ import annotations

import numpy as np
from numba import njit, prange

from lifecircle.network.kernels import _bounded_from_facility, _search_scratch

INF = np.inf


@njit(cache=True)
def _chunk(
    lo, hi, fill, indptr, indices, weights, csr_edge, edge_u, edge_v, edge_len, fac_idx,
    fac_edge, fac_off, fac_snap, home_edge_ptr, home_sorted, home_off, home_snap, limit,
    counts, offsets, out_home, out_dist,
):  # fmt: skip
    n_nodes = indptr.shape[0] - 1
    n_homes = home_off.shape[0]
    node_dist, touched_nodes, home_best, touched_homes, hk, hv = _search_scratch(
        n_nodes, n_homes, indices.shape[0]
    )
    for j in range(lo, hi):
        nt = _bounded_from_facility(
            fac_idx[j], indptr, indices, weights, csr_edge, edge_u, edge_v, edge_len,
            fac_edge, fac_off, fac_snap, home_edge_ptr, home_sorted, home_off, home_snap,
            limit, node_dist, touched_nodes, home_best, touched_homes, hk, hv,
        )  # fmt: skip
        if fill:
            base = offsets[j]
            for t in range(nt):
                h = touched_homes[t]
                out_home[base + t] = h
                out_dist[base + t] = home_best[h]
                home_best[h] = INF
        else:
            counts[j] = nt
            for t in range(nt):
                home_best[touched_homes[t]] = INF


@njit(cache=True, parallel=True)
def bounded_pairs(
    indptr, indices, weights, csr_edge, edge_u, edge_v, edge_len, fac_idx, fac_edge,
    fac_off, fac_snap, home_edge_ptr, home_sorted, home_off, home_snap, limit, n_chunks,
):  # fmt: skip
    """Pairs within ``limit`` of each facility ``fac_idx[j]``.

    Returns ``offsets`` (CSR pointer over ``fac_idx``), the home index and the walking
    distance of every pair (``d <= limit``).
    """
    n_fac = fac_idx.shape[0]
    n_chunks = max(1, min(n_chunks, n_fac))
    counts = np.zeros(n_fac, dtype=np.int64)
    offsets = np.zeros(n_fac + 1, dtype=np.int64)
    out_home = np.empty(0, dtype=np.int64)
    out_dist = np.empty(0, dtype=np.float64)
    for c in prange(n_chunks):
        _chunk(
            c * n_fac // n_chunks, (c + 1) * n_fac // n_chunks, False, indptr, indices,
            weights, csr_edge, edge_u, edge_v, edge_len, fac_idx, fac_edge, fac_off,
            fac_snap, home_edge_ptr, home_sorted, home_off, home_snap, limit, counts,
            offsets, out_home, out_dist,
        )  # fmt: skip
    for j in range(n_fac):
        offsets[j + 1] = offsets[j] + counts[j]
    out_home = np.empty(offsets[n_fac], dtype=np.int64)
    out_dist = np.empty(offsets[n_fac], dtype=np.float64)
    for c in prange(n_chunks):
        _chunk(
            c * n_fac // n_chunks, (c + 1) * n_fac // n_chunks, True, indptr, indices,
            weights, csr_edge, edge_u, edge_v, edge_len, fac_idx, fac_edge, fac_off,
            fac_snap, home_edge_ptr, home_sorted, home_off, home_snap, limit, counts,
            offsets, out_home, out_dist,
        )  # fmt: skip
    return offsets, out_home, out_dist


@njit(cache=True, nogil=True)
def serial_pairs(
    indptr, indices, weights, csr_edge, edge_u, edge_v, edge_len, fac_idx, fac_edge,
    fac_off, fac_snap, home_edge_ptr, home_sorted, home_off, home_snap, limit,
):  # fmt: skip
    """:func:`bounded_pairs` in one thread: for a few searches, where starting the
    thread pool costs more than the searches (tens of milliseconds on a busy machine).
    Without the GIL: suggestions worked out on two threads search side by side.

    One search per facility (not a counting pass and a writing pass): the pairs go to
    arrays that grow as needed, in the order :func:`bounded_pairs` writes them."""
    n_fac = fac_idx.shape[0]
    n_nodes = indptr.shape[0] - 1
    n_homes = home_off.shape[0]
    node_dist, touched_nodes, home_best, touched_homes, hk, hv = _search_scratch(
        n_nodes, n_homes, indices.shape[0]
    )
    offsets = np.zeros(n_fac + 1, dtype=np.int64)
    size = max(64, 16 * n_fac)
    out_home = np.empty(size, dtype=np.int64)
    out_dist = np.empty(size, dtype=np.float64)
    n = 0
    for j in range(n_fac):
        nt = _bounded_from_facility(
            fac_idx[j], indptr, indices, weights, csr_edge, edge_u, edge_v, edge_len,
            fac_edge, fac_off, fac_snap, home_edge_ptr, home_sorted, home_off, home_snap,
            limit, node_dist, touched_nodes, home_best, touched_homes, hk, hv,
        )  # fmt: skip
        if n + nt > size:
            size = max(2 * size, n + nt)
            grown_home = np.empty(size, dtype=np.int64)
            grown_dist = np.empty(size, dtype=np.float64)
            grown_home[:n] = out_home[:n]
            grown_dist[:n] = out_dist[:n]
            out_home, out_dist = grown_home, grown_dist
        for t in range(nt):
            h = touched_homes[t]
            out_home[n + t] = h
            out_dist[n + t] = home_best[h]
            home_best[h] = INF
        n += nt
        offsets[j + 1] = n
    return offsets, out_home[:n].copy(), out_dist[:n].copy()


@njit(cache=True, nogil=True)
def nearest_straight(qx, qy, px, py, reach):  # fmt: skip
    """Per query point ``(qx, qy)``: the straight distance to the nearest of the points
    ``(px, py)``, or inf when that is beyond ``reach`` (what a k-d tree's query with a
    ``distance_upper_bound`` answers, for the few hundred homes of one circle)."""
    n = qx.shape[0]
    out = np.full(n, INF)
    for i in range(n):
        best = INF
        for k in range(px.shape[0]):
            dx = qx[i] - px[k]
            dy = qy[i] - py[k]
            d2 = dx * dx + dy * dy
            if d2 < best:
                best = d2
        d = np.sqrt(best)
        if d <= reach:
            out[i] = d
    return out
