"""Compiled searches of the what-if: a category's distance field, its local updates, bounded walks.

A *field* holds, for every node, the walk to the nearest facility of a category and that
facility's index (the label), as the access engine's multi-source search computes them.
Adding a facility lowers the field only where the new one is nearer (a search from it
that stops where it does not improve); removing one clears the nodes it labelled and
fills them again from their neighbours and from the other facilities' seeds in them.
The arithmetic is the access engine's (seed = gap + offset, then edge weights), so the
values equal a full recompute.

Every function runs in one thread: a what-if touches a few thousand nodes, where
starting a thread pool costs more than the work.
"""
# numba's decorators are untyped; the typed entry points are in lifecircle.whatif.state.

from __future__ import annotations

import numpy as np
from numba import njit

# the binary heap of the routing core, shared (numba calls it across modules)
from lifecircle.network.kernels import _pop, _push

INF = np.inf


@njit(cache=True)
def _settle(indptr, indices, weights, dist, label, hk, hv, size, touched, n_touched, mark):
    """Run a lazy-deletion Dijkstra from the queue, lowering ``dist`` where it improves.

    Nodes whose value changes are appended to ``touched`` once (``mark`` remembers
    them); returns the new count.
    """
    while size > 0:
        d, u, size = _pop(hk, hv, size)
        if d > dist[u]:
            continue
        lu = label[u]
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            nd = d + weights[k]
            if nd < dist[v]:
                dist[v] = nd
                label[v] = lu
                if not mark[v]:
                    mark[v] = True
                    touched[n_touched] = v
                    n_touched += 1
                size = _push(hk, hv, size, nd, v)
    return n_touched


@njit(cache=True)
def field(indptr, indices, weights, seed_node, seed_dist, seed_label, n_nodes):
    """Distance from the nearest seed to every node, and that seed's label."""
    dist = np.full(n_nodes, INF)
    label = np.full(n_nodes, -1, dtype=np.int64)
    cap = indices.shape[0] + seed_node.shape[0] + 1
    hk = np.empty(cap, dtype=np.float64)
    hv = np.empty(cap, dtype=np.int64)
    size = 0
    for s in range(seed_node.shape[0]):
        v = seed_node[s]
        if seed_dist[s] < dist[v]:
            dist[v] = seed_dist[s]
            label[v] = seed_label[s]
            size = _push(hk, hv, size, seed_dist[s], v)
    mark = np.ones(n_nodes, dtype=np.bool_)  # nothing to report
    touched = np.empty(0, dtype=np.int64)
    _settle(indptr, indices, weights, dist, label, hk, hv, size, touched, 0, mark)
    return dist, label


@njit(cache=True)
def lower(indptr, indices, weights, dist, label, seed_node, seed_dist, seed_label):
    """Add seeds to a field in place; returns the nodes whose value changed."""
    n_nodes = dist.shape[0]
    cap = indices.shape[0] + seed_node.shape[0] + 1
    hk = np.empty(cap, dtype=np.float64)
    hv = np.empty(cap, dtype=np.int64)
    mark = np.zeros(n_nodes, dtype=np.bool_)
    touched = np.empty(n_nodes, dtype=np.int64)
    n_touched = 0
    size = 0
    for s in range(seed_node.shape[0]):
        v = seed_node[s]
        if seed_dist[s] < dist[v]:
            dist[v] = seed_dist[s]
            label[v] = seed_label[s]
            if not mark[v]:
                mark[v] = True
                touched[n_touched] = v
                n_touched += 1
            size = _push(hk, hv, size, seed_dist[s], v)
    n_touched = _settle(
        indptr, indices, weights, dist, label, hk, hv, size, touched, n_touched, mark
    )
    return touched[:n_touched]


@njit(cache=True)
def repair(indptr, indices, weights, dist, label, gone, seed_node, seed_dist, seed_label):
    """Remove label ``gone`` from a field in place; returns the nodes it held.

    Its nodes are cleared, then filled again by one search seeded from their
    neighbours outside (their values stand: no shortest walk to them used ``gone``)
    and from the seeds of the remaining facilities (``seed_*``, those on cleared nodes).
    """
    n_nodes = dist.shape[0]
    cell = np.flatnonzero(label == gone)
    inside = np.zeros(n_nodes, dtype=np.bool_)
    for u in cell:
        inside[u] = True
        dist[u] = INF
        label[u] = -1
    cap = 2 * indices.shape[0] + seed_node.shape[0] + 1
    hk = np.empty(cap, dtype=np.float64)
    hv = np.empty(cap, dtype=np.int64)
    size = 0
    for u in cell:
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            if inside[v] or dist[v] == INF:
                continue
            nd = dist[v] + weights[k]
            if nd < dist[u]:
                dist[u] = nd
                label[u] = label[v]
                size = _push(hk, hv, size, nd, u)
    for s in range(seed_node.shape[0]):
        v = seed_node[s]
        if inside[v] and seed_dist[s] < dist[v]:
            dist[v] = seed_dist[s]
            label[v] = seed_label[s]
            size = _push(hk, hv, size, seed_dist[s], v)
    mark = np.ones(n_nodes, dtype=np.bool_)
    touched = np.empty(0, dtype=np.int64)
    _settle(indptr, indices, weights, dist, label, hk, hv, size, touched, 0, mark)
    return cell


@njit(cache=True)
def read_points(
    dist, label, edge_u, edge_v, edge_len, pt_edge, pt_off, pt_snap, fac_edge_ptr,
    fac_sorted, fac_off, fac_snap,
):  # fmt: skip
    """Each point's nearest facility through its edge's ends, or along its own edge.

    The access engine's reading (``nearest_on_edges``): the same sums, the same ties.
    """
    n = pt_edge.shape[0]
    out_d = np.full(n, INF)
    out_l = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        e = pt_edge[i]
        if e < 0:
            continue
        o = pt_off[i]
        du = dist[edge_u[e]] + o
        dv = dist[edge_v[e]] + (edge_len[e] - o)
        if du <= dv:
            best = du
            lab = label[edge_u[e]]
        else:
            best = dv
            lab = label[edge_v[e]]
        for k in range(fac_edge_ptr[e], fac_edge_ptr[e + 1]):
            f = fac_sorted[k]
            d = abs(fac_off[f] - o) + fac_snap[f]
            if d < best or (d == best and f < lab):
                best = d
                lab = f
        if lab >= 0:
            out_d[i] = best + pt_snap[i]
            out_l[i] = lab
    return out_d, out_l


@njit(cache=True)
def points_near_nodes(nodes, indptr, csr_edge, pt_edge_ptr, pt_sorted, extra_edges):
    """Points on the edges at ``nodes`` and on ``extra_edges`` (each once, sorted)."""
    n_edges = pt_edge_ptr.shape[0] - 1
    seen = np.zeros(n_edges, dtype=np.bool_)
    deg = 0
    for u in nodes:
        deg += indptr[u + 1] - indptr[u]
    edges = np.empty(deg, dtype=np.int64)
    n_e = 0
    n_out = 0
    for u in nodes:
        for k in range(indptr[u], indptr[u + 1]):
            e = csr_edge[k]
            if not seen[e]:
                seen[e] = True
                edges[n_e] = e
                n_e += 1
                n_out += pt_edge_ptr[e + 1] - pt_edge_ptr[e]
    extra = np.empty(extra_edges.shape[0], dtype=np.int64)
    n_x = 0
    for e in extra_edges:
        if e >= 0 and not seen[e]:
            seen[e] = True
            extra[n_x] = e
            n_x += 1
            n_out += pt_edge_ptr[e + 1] - pt_edge_ptr[e]
    out = np.empty(n_out, dtype=np.int64)
    j = 0
    for i in range(n_e + n_x):
        e = edges[i] if i < n_e else extra[i - n_e]
        for k in range(pt_edge_ptr[e], pt_edge_ptr[e + 1]):
            out[j] = pt_sorted[k]
            j += 1
    return np.sort(out)


@njit(cache=True)
def bounded(
    e, o, s, indptr, indices, weights, csr_edge, edge_u, edge_v, edge_len, pt_edge_ptr,
    pt_sorted, pt_off, pt_snap, limit,
):  # fmt: skip
    """Points within ``limit`` of the point at offset ``o`` on edge ``e`` (gap ``s``).

    The access engine's bounded search from a facility (``_bounded_from_facility``):
    seeds at both ends of the edge, points on the same edge reached along it, every
    point read from each end of its edge as nodes settle. Returns (points, walks).
    """
    n_nodes = indptr.shape[0] - 1
    n_pts = pt_off.shape[0]
    node_dist = np.full(n_nodes, INF)
    best = np.full(n_pts, INF)
    touched = np.empty(n_pts, dtype=np.int64)
    n_t = 0
    cap = indices.shape[0] + 3
    hk = np.empty(cap, dtype=np.float64)
    hv = np.empty(cap, dtype=np.int64)
    size = 0
    for end in range(2):
        if end == 0:
            node = edge_u[e]
            d = s + o
        else:
            node = edge_v[e]
            d = s + (edge_len[e] - o)
        if d <= limit and d < node_dist[node]:
            node_dist[node] = d
            size = _push(hk, hv, size, d, node)
    for k in range(pt_edge_ptr[e], pt_edge_ptr[e + 1]):
        h = pt_sorted[k]
        d = s + abs(pt_off[h] - o) + pt_snap[h]
        if d <= limit and d < best[h]:
            if best[h] == INF:
                touched[n_t] = h
                n_t += 1
            best[h] = d
    while size > 0:
        d, node, size = _pop(hk, hv, size)
        if d > node_dist[node]:
            continue
        for k in range(indptr[node], indptr[node + 1]):
            ee = csr_edge[k]
            for kk in range(pt_edge_ptr[ee], pt_edge_ptr[ee + 1]):
                h = pt_sorted[kk]
                if edge_u[ee] == node:
                    along = pt_off[h]
                    if edge_v[ee] == node:
                        along = min(along, edge_len[ee] - along)
                else:
                    along = edge_len[ee] - pt_off[h]
                hd = d + along + pt_snap[h]
                if hd <= limit and hd < best[h]:
                    if best[h] == INF:
                        touched[n_t] = h
                        n_t += 1
                    best[h] = hd
            nb = indices[k]
            nd = d + weights[k]
            if nd <= limit and nd < node_dist[nb]:
                node_dist[nb] = nd
                size = _push(hk, hv, size, nd, nb)
    pts = np.sort(touched[:n_t])
    out = np.empty(n_t, dtype=np.float64)
    for i in range(n_t):
        out[i] = best[pts[i]]
    return pts, out
