"""Compiled routing kernels: multi-source and bounded Dijkstra over CSR arrays (numba).

Points (homes, facilities) sit on edges at an offset, so every search starts from *seeds*
(node, initial distance) and every result is read back through the edge a point sits on.
The kernels never allocate per-source arrays of graph size: scratch arrays are reused and
reset through a list of the nodes a search touched, so memory stays linear in the output.

Compilation: each kernel the access engine uses is compiled for one signature (int64
indexes, float64 lengths, C-contiguous arrays; the wrappers cast to it) and cached on disk
by numba (``cache=True``: beside this file, or in numba's user cache folder when the
install folder is read-only; ``NUMBA_CACHE_DIR`` overrides both). The bounded searches run
in a pool of Python threads over a ``nogil`` kernel rather than in a numba
``parallel=True`` loop, whose compilation alone took about 9 s of CPU; reading a point's
nearest facility through its edge is plain numpy. `lifecircle.network.warmup` loads (or,
the first time, compiles in a child process) these kernels while the caller reads its
files, so a first run after installing pays little more than a later one.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numba import config as numba_config
from numba import njit, types

INF = np.inf

_I = types.int64[::1]
_F = types.float64[::1]
#: (indptr, indices, weights, seed_node, seed_dist, seed_label, n_nodes)
SIG_SEARCH = (_I, _I, _F, _I, _F, _I, types.int64)
#: the search's arguments and (bucket width, bucket count)
SIG_BUCKETS = (*SIG_SEARCH, types.float64, types.int64)
SIG_COUNTS_CHUNK = (
    _I, types.int64, types.int64,  # fac_idx, lo, hi
    _I, _I, _F, _I, _I, _I, _F,  # graph: indptr, indices, weights, csr_edge, u, v, length
    _I, _F, _F, _F,  # facilities: edge, offset, snap, capacity
    _I, _I, _F, _F, _F,  # homes: edge pointer, sorted, offset, snap, population
    _F, types.boolean,  # radii, with_supply
    types.int64[:, ::1], types.float64[:, ::1], types.float64[:, ::1],  # counts, supply, demand
)  # fmt: skip


def _i64(a: Any) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.int64)


def _f64(a: Any) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


@njit(cache=True, inline="always")
def _push(hk, hv, size, key, val):
    i = size
    hk[i] = key
    hv[i] = val
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= hk[i]:
            break
        hk[p], hk[i] = hk[i], hk[p]
        hv[p], hv[i] = hv[i], hv[p]
        i = p
    return size + 1


@njit(cache=True, inline="always")
def _pop(hk, hv, size):
    key = hk[0]
    val = hv[0]
    size -= 1
    hk[0] = hk[size]
    hv[0] = hv[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        if left + 1 < size and hk[left + 1] < hk[left]:
            c = left + 1
        if hk[i] <= hk[c]:
            break
        hk[c], hk[i] = hk[i], hk[c]
        hv[c], hv[i] = hv[i], hv[c]
        i = c
    return key, val, size


@njit(cache=True, nogil=True)
def multi_source_dijkstra(indptr, indices, weights, seed_node, seed_dist, seed_label, n_nodes):
    """Distance from the nearest seed to every node, and that seed's label.

    One search for all seeds of a category: the classic multi-source Dijkstra, where each
    seed enters the queue with its own start distance (its snap + offset to the node).
    The queue is an indexed binary heap with decrease-key, so it never holds a node twice.
    """
    dist = np.full(n_nodes, INF)
    label = np.full(n_nodes, -1, dtype=np.int64)
    heap = np.empty(n_nodes, dtype=np.int64)
    pos = np.full(n_nodes, -1, dtype=np.int64)  # -1 never queued, -2 settled
    size = 0
    for s in range(seed_node.shape[0]):
        v = seed_node[s]
        d = seed_dist[s]
        if d < dist[v]:
            dist[v] = d
            label[v] = seed_label[s]
            if pos[v] == -1:
                pos[v] = size
                size += 1
            _sift_up(heap, pos, dist, pos[v], v)
    while size > 0:
        u = heap[0]
        pos[u] = -2
        size -= 1
        if size > 0:
            _sift_down(heap, pos, dist, heap[size], size)
        du = dist[u]
        lu = label[u]
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            if pos[v] == -2:
                continue
            nd = du + weights[k]
            if nd < dist[v]:
                dist[v] = nd
                label[v] = lu
                if pos[v] == -1:
                    pos[v] = size
                    size += 1
                _sift_up(heap, pos, dist, pos[v], v)
    return dist, label


@njit(cache=True, nogil=True)
def multi_source_buckets(
    indptr, indices, weights, seed_node, seed_dist, seed_label, n_nodes, width, n_buckets
):
    """The same search as :func:`multi_source_dijkstra`, with a bucket queue (Dial).

    Nodes are kept in buckets of ``width`` metres, which must not exceed the shortest
    edge: then a node can only improve nodes of later buckets, so every node of the
    current bucket is final and no ordering within it is needed. Pushes and pops cost
    O(1) instead of O(log n); the buckets live in a ring of ``n_buckets`` slots, as singly
    linked lists in flat arrays. Every queued entry lies within the ring's span of the
    current bucket only if ``n_buckets`` covers the longest edge *and* the spread of the
    seeds' start distances (both in buckets, plus two): see :func:`nearest_search`.
    """
    dist = np.full(n_nodes, INF)
    label = np.full(n_nodes, -1, dtype=np.int64)
    done = np.zeros(n_nodes, dtype=np.bool_)
    head = np.full(n_buckets, -1, dtype=np.int64)
    cap = indices.shape[0] + seed_node.shape[0] + 1
    entry_node = np.empty(cap, dtype=np.int64)
    entry_next = np.empty(cap, dtype=np.int64)
    n_entries = 0
    live = 0
    current = np.int64(1) << 62
    for s in range(seed_node.shape[0]):
        v = seed_node[s]
        d = seed_dist[s]
        if d < dist[v]:
            dist[v] = d
            label[v] = seed_label[s]
            b = np.int64(d / width)
            current = min(current, b)
            slot = b % n_buckets
            entry_node[n_entries] = v
            entry_next[n_entries] = head[slot]
            head[slot] = n_entries
            n_entries += 1
            live += 1
    while live > 0:
        slot = current % n_buckets
        while head[slot] != -1:
            e = head[slot]
            head[slot] = entry_next[e]
            live -= 1
            u = entry_node[e]
            if done[u]:  # an older entry of a node already settled
                continue
            done[u] = True
            du = dist[u]
            lu = label[u]
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                nd = du + weights[k]
                if nd < dist[v]:
                    dist[v] = nd
                    label[v] = lu
                    slot2 = np.int64(nd / width) % n_buckets
                    entry_node[n_entries] = v
                    entry_next[n_entries] = head[slot2]
                    head[slot2] = n_entries
                    n_entries += 1
                    live += 1
        current += 1
    return dist, label


def nearest_search(
    graph: Any, seed_node: Any, seed_dist: Any, seed_label: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-source search over ``graph``: the bucket queue when the graph suits it.

    The bucket width is the shortest edge; when that is so short (against the network's
    extent) that scanning empty buckets would cost more than a heap, the binary heap
    version runs instead. Both give the same distances.

    Parameters
    ----------
    graph : WalkGraph
        The network.
    seed_node, seed_dist, seed_label : array_like
        Each seed's node, start distance (m) and label.

    Returns
    -------
    dist, label : numpy.ndarray
        Per node, the distance from the nearest seed (inf if unreached) and its label (-1).
    """
    args = (
        _i64(graph.indptr), _i64(graph.indices), _f64(graph.weights),
        _i64(seed_node), _f64(seed_dist), _i64(seed_label), int(graph.n_nodes),
    )  # fmt: skip
    width, n_buckets = graph.bucket_width, graph.bucket_count
    if width > 0 and len(args[4]):
        # seeds start at their own distances (snap gap + offset), which may spread wider
        # than the longest edge: the ring must hold them all at once
        spread = float(args[4].max() - args[4].min())
        n_buckets = max(n_buckets, int(spread / width) + 2) if np.isfinite(spread) else 0
    if width > 0 and 0 < n_buckets <= 10_000_000 and graph.extent_m / width <= 1e8:
        result = multi_source_buckets(*args, float(width), int(n_buckets))
    else:
        result = multi_source_dijkstra(*args)
    return result[0], result[1]


@njit(cache=True, inline="always")
def _sift_up(heap, pos, dist, i, v):
    dv = dist[v]
    while i > 0:
        p = (i - 1) >> 1
        hp = heap[p]
        if dist[hp] <= dv:
            break
        heap[i] = hp
        pos[hp] = i
        i = p
    heap[i] = v
    pos[v] = i


@njit(cache=True, inline="always")
def _sift_down(heap, pos, dist, v, size):
    dv = dist[v]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and dist[heap[c + 1]] < dist[heap[c]]:
            c += 1
        if dv <= dist[heap[c]]:
            break
        heap[i] = heap[c]
        pos[heap[c]] = i
        i = c
    heap[i] = v
    pos[v] = i


def thread_count() -> int:
    """Threads for the bounded searches: ``NUMBA_NUM_THREADS``, at most the usable cores."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    configured = int(getattr(numba_config, "NUMBA_NUM_THREADS", cores))
    return max(1, min(configured, cores))


def default_chunks() -> int:
    """How many chunks the bounded searches are split into: a few per thread, for balance."""
    return 4 * thread_count()


def nearest_on_edges(
    dist: Any, label: Any, edge_u: Any, edge_v: Any, edge_len: Any, pt_edge: Any,
    pt_off: Any, pt_snap: Any, fac_edge_ptr: Any, fac_sorted: Any, fac_off: Any,
    fac_snap: Any,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Read each point's nearest seed through its edge; also try seeds on the same edge.

    A point at offset ``o`` on edge (u, v) of length L reaches u after ``o`` and v after
    ``L - o``. A facility on the same edge is reached directly along it, which can be
    shorter than any path through the edge's end nodes.

    Parameters
    ----------
    dist, label : array_like
        A search's result per node (:func:`nearest_search`).
    edge_u, edge_v, edge_len : array_like
        The graph's edges.
    pt_edge, pt_off, pt_snap : array_like
        Each point's edge (-1: not snapped), offset from u and snap gap.
    fac_edge_ptr, fac_sorted : array_like
        The seed facilities grouped by edge (CSR pointer over edges, facility indexes).
    fac_off, fac_snap : array_like
        Every facility's offset and snap gap (indexed by facility).

    Returns
    -------
    distance, facility : numpy.ndarray
        Per point, the walk to its nearest facility (inf) and that facility (-1).
    """
    dist, label, pt_edge, pt_off = _f64(dist), _i64(label), _i64(pt_edge), _f64(pt_off)
    fac_edge_ptr, fac_off, fac_snap = _i64(fac_edge_ptr), _f64(fac_off), _f64(fac_snap)
    out_d = np.full(len(pt_edge), INF)
    out_l = np.full(len(pt_edge), -1, dtype=np.int64)
    idx = np.flatnonzero(pt_edge >= 0)
    e, o = pt_edge[idx], pt_off[idx]
    eu, ev = edge_u[e], edge_v[e]
    du = dist[eu] + o
    dv = dist[ev] + (edge_len[e] - o)
    use_u = du <= dv
    best = np.where(use_u, du, dv)
    lab = np.where(use_u, label[eu], label[ev])
    # facilities on the point's own edge, as (point, facility) pairs
    lo, n_on = fac_edge_ptr[e], fac_edge_ptr[e + 1] - fac_edge_ptr[e]
    if n_on.any():
        pair_pt = np.repeat(np.arange(len(e)), n_on)
        within = np.arange(len(pair_pt)) - np.repeat(np.cumsum(n_on) - n_on, n_on)
        f = _i64(fac_sorted)[lo[pair_pt] + within]
        d = np.abs(fac_off[f] - o[pair_pt]) + fac_snap[f]
        # the best pair of each point: smallest distance, then smallest facility index
        order = np.lexsort((f, d, pair_pt))
        pair_pt, f, d = pair_pt[order], f[order], d[order]
        head = np.ones(len(pair_pt), dtype=bool)
        head[1:] = pair_pt[1:] != pair_pt[:-1]
        p, f, d = pair_pt[head], f[head], d[head]
        better = (d < best[p]) | ((d == best[p]) & (f < lab[p]))
        best[p[better]] = d[better]
        lab[p[better]] = f[better]
    found = lab >= 0
    out_d[idx[found]] = best[found] + _f64(pt_snap)[idx[found]]
    out_l[idx[found]] = lab[found]
    return out_d, out_l


@njit(cache=True, nogil=True)
def _search_scratch(n_nodes, n_homes, n_csr):  # fmt: skip
    """One thread's scratch arrays for :func:`_bounded_from_facility`: node distances
    (unset: inf), touched nodes, best walk per home (inf), touched homes, and the heap's
    keys and values."""
    return (
        np.full(n_nodes, INF), np.empty(n_nodes, dtype=np.int64),
        np.full(n_homes, INF), np.empty(n_homes, dtype=np.int64),
        np.empty(n_csr + 3, dtype=np.float64), np.empty(n_csr + 3, dtype=np.int64),
    )  # fmt: skip


@njit(cache=True)
def _bounded_from_facility(
    f,
    indptr,
    indices,
    weights,
    csr_edge,
    edge_u,
    edge_v,
    edge_len,
    fac_edge,
    fac_off,
    fac_snap,
    home_edge_ptr,
    home_sorted,
    home_off,
    home_snap,
    limit,
    node_dist,
    touched_nodes,
    home_best,
    touched_homes,
    hk,
    hv,
):
    """Bounded search from one facility; fills ``home_best`` for homes within ``limit``.

    Returns the number of touched homes (their indexes are in ``touched_homes``); the
    caller reads ``home_best`` and then resets it. Node scratch is reset here.
    """
    n_touched = 0
    n_homes_t = 0
    size = 0
    e = fac_edge[f]
    o = fac_off[f]
    s = fac_snap[f]
    # seeds: the two ends of the facility's edge
    for end in range(2):
        if end == 0:
            node = edge_u[e]
            d = s + o
        else:
            node = edge_v[e]
            d = s + (edge_len[e] - o)
        if d <= limit and d < node_dist[node]:
            if node_dist[node] == INF:
                touched_nodes[n_touched] = node
                n_touched += 1
            node_dist[node] = d
            size = _push(hk, hv, size, d, node)
    # homes on the facility's own edge, reached directly along it
    for k in range(home_edge_ptr[e], home_edge_ptr[e + 1]):
        h = home_sorted[k]
        d = s + abs(home_off[h] - o) + home_snap[h]
        if d <= limit and d < home_best[h]:
            if home_best[h] == INF:
                touched_homes[n_homes_t] = h
                n_homes_t += 1
            home_best[h] = d
    while size > 0:
        d, node, size = _pop(hk, hv, size)
        if d > node_dist[node]:
            continue
        for k in range(indptr[node], indptr[node + 1]):
            # homes on every edge at this node, reached from this end
            ee = csr_edge[k]
            for kk in range(home_edge_ptr[ee], home_edge_ptr[ee + 1]):
                h = home_sorted[kk]
                if edge_u[ee] == node:
                    along = home_off[h]
                    if edge_v[ee] == node:  # a loop: either way round
                        along = min(along, edge_len[ee] - along)
                else:
                    along = edge_len[ee] - home_off[h]
                hd = d + along + home_snap[h]
                if hd <= limit and hd < home_best[h]:
                    if home_best[h] == INF:
                        touched_homes[n_homes_t] = h
                        n_homes_t += 1
                    home_best[h] = hd
            nb = indices[k]
            nd = d + weights[k]
            if nd <= limit and nd < node_dist[nb]:
                if node_dist[nb] == INF:
                    touched_nodes[n_touched] = nb
                    n_touched += 1
                node_dist[nb] = nd
                size = _push(hk, hv, size, nd, nb)
    for i in range(n_touched):
        node_dist[touched_nodes[i]] = INF
    return n_homes_t


@njit(cache=True, nogil=True)
def _counts_chunk(
    fac_idx, lo, hi, indptr, indices, weights, csr_edge, edge_u, edge_v, edge_len,
    fac_edge, fac_off, fac_snap, fac_capacity, home_edge_ptr, home_sorted, home_off,
    home_snap, home_pop, radii, with_supply, counts, supply, demand,
):  # fmt: skip
    """Facilities ``fac_idx[lo:hi]``, with scratch arrays of their own.

    A facility's demand comes from its own search only, so its supply is spread right
    after that search, from the distances it just found: one search per facility.
    """
    n_nodes = indptr.shape[0] - 1
    n_homes = home_off.shape[0]
    n_r = radii.shape[0]
    limit = radii[n_r - 1]
    node_dist, touched_nodes, home_best, touched_homes, hk, hv = _search_scratch(
        n_nodes, n_homes, indices.shape[0]
    )
    found = np.empty(n_homes, dtype=np.float64)
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


def bounded_counts(
    indptr: Any, indices: Any, weights: Any, csr_edge: Any, edge_u: Any, edge_v: Any,
    edge_len: Any, fac_idx: Any, fac_edge: Any, fac_off: Any, fac_snap: Any,
    fac_capacity: Any, home_edge_ptr: Any, home_sorted: Any, home_off: Any, home_snap: Any,
    home_pop: Any, radii: Any, with_supply: bool, n_chunks: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Per home and radius: facilities within the radius, and 2SFCA supply per resident.

    ``radii`` must be sorted ascending; one bounded search per facility reaches the
    largest. A facility at exactly the radius counts (d <= r). With ``with_supply``, each
    facility's capacity is spread over the demand in its catchment, from the same search
    (two-step floating catchment): R_j = S_j / sum(P_h, d_hj <= r) and
    A_h = sum(R_j, d_hj <= r).

    Facilities are split into ``n_chunks`` run on :func:`thread_count` threads, each chunk
    with its own scratch and output arrays (summed at the end in chunk order, so results
    do not depend on the threads' timing), so no two threads write the same memory.

    Parameters
    ----------
    indptr, indices, weights, csr_edge : array_like
        The graph's CSR adjacency and the edge of each CSR entry.
    edge_u, edge_v, edge_len : array_like
        The graph's edges.
    fac_idx : array_like
        The facilities to search from (indexes into the facility arrays).
    fac_edge, fac_off, fac_snap, fac_capacity : array_like
        Every facility's edge, offset, snap gap and capacity.
    home_edge_ptr, home_sorted, home_off, home_snap, home_pop : array_like
        The homes grouped by edge, and each home's offset, snap gap and population.
    radii : array_like
        Radii in metres, ascending.
    with_supply : bool
        Also compute the 2SFCA supply.
    n_chunks : int
        Pieces of work (see :func:`default_chunks`).

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
        _counts_chunk(fac_idx, lo, hi, *shared, counts[c], supply[c], demand)

    workers = min(thread_count(), n_chunks)
    if workers == 1:
        for c in range(n_chunks):
            run(c)
    else:
        with ThreadPoolExecutor(workers, thread_name_prefix="lifecircle-search") as pool:
            list(pool.map(run, range(n_chunks)))
    return counts.sum(axis=0), supply.sum(axis=0)


def compile_all() -> None:
    """Compile (or load from numba's cache) every kernel the access engine calls.

    Each for its one signature; a later call with those types runs without compiling.
    :func:`lifecircle.network.warmup.compile_kernels_in_background` runs this in a thread
    after compiling in a child process (a cold cache only).
    """
    for kernel, signature in (
        (multi_source_buckets, SIG_BUCKETS),
        (_counts_chunk, SIG_COUNTS_CHUNK),
    ):
        kernel.compile(signature)
