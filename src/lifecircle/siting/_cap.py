"""Capacitated covering on merged demand groups: the MILP, the flow of an open set, search.

A pair ``k`` is a stored entry (g, j) of the group × candidate cover matrix: group ``g``
is within the radius of candidate ``j``. ``z_k`` residents of ``g`` are served by ``j``.
Every candidate's room is ``M_j = min(C_j, W_j)``, its capacity capped by the weight it
can reach (so an unlimited facility has a finite, tight coefficient).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lifecircle.siting import _highs
from lifecircle.siting._coverage import BoolArray, FloatArray, IntArray
from lifecircle.siting._instance import Instance


@dataclass(frozen=True)
class CapProblem:
    """Groups, their pairs, each candidate's room and which candidates are fixed."""

    cover: sp.csr_matrix
    weight: FloatArray
    room: FloatArray
    fixed: BoolArray
    pair_group: IntArray
    pair_cand: IntArray

    @classmethod
    def build(
        cls, cover: sp.csr_matrix, weight: FloatArray, capacities: FloatArray, fixed: BoolArray
    ) -> CapProblem:
        """Pairs from ``cover`` (CSR, sorted), rooms from capacities and reachable weight."""
        reach = np.asarray(cover.T @ weight).ravel()
        room = np.minimum(capacities, reach)
        pair_group = np.repeat(np.arange(cover.shape[0]), np.diff(cover.indptr)).astype(np.int64)
        return cls(cover, weight, room, fixed, pair_group, cover.indices.astype(np.int64))

    @property
    def n_pairs(self) -> int:
        """Number of (group, candidate) pairs within the radius."""
        return len(self.pair_group)

    @property
    def n_cand(self) -> int:
        """Number of candidates (fixed included)."""
        return int(self.cover.shape[1])


def model(
    prob: CapProblem,
    p: int,
    *,
    relax: bool,
    time_limit: float | None,
    start: tuple[BoolArray, FloatArray] | None = None,
) -> _highs.MipResult:
    """``max sum z`` s.t. demand, room (``sum_k z_k <= M_j y_j``), ``z_k <= w_g y_j``, ``sum y <= p``.

    Columns are ``[y (candidates), z (pairs)]``.
    """
    n_c, n_k, n_g = prob.n_cand, prob.n_pairs, prob.cover.shape[0]
    ks = np.arange(n_k)
    demand = sp.csr_matrix((np.ones(n_k), (prob.pair_group, ks)), shape=(n_g, n_k))
    room = sp.csr_matrix((np.ones(n_k), (prob.pair_cand, ks)), shape=(n_c, n_k))
    link = sp.csr_matrix((-prob.weight[prob.pair_group], (ks, prob.pair_cand)), shape=(n_k, n_c))
    free = (~prob.fixed).astype(np.float64)[None, :]
    rows = sp.vstack(
        [
            sp.hstack([sp.csr_matrix((n_g, n_c)), demand]),
            sp.hstack([sp.diags(-prob.room), room]),
            sp.hstack([link, sp.identity(n_k, format="csr")]),
            sp.hstack([sp.csr_matrix(free), sp.csr_matrix((1, n_k))]),
        ]
    )
    row_upper = np.concatenate([prob.weight, np.zeros(n_c), np.zeros(n_k), [float(p)]])
    integer = np.zeros(n_c + n_k, dtype=bool)
    integer[:n_c] = not relax
    x0 = None
    if start is not None:
        x0 = np.concatenate([start[0].astype(np.float64), start[1]])
    return _highs.solve(
        cost=np.concatenate([np.zeros(n_c), np.ones(n_k)]),
        matrix=sp.csc_matrix(rows),
        row_lower=np.full(len(row_upper), -np.inf),
        row_upper=row_upper,
        col_lower=np.concatenate([prob.fixed.astype(np.float64), np.zeros(n_k)]),
        col_upper=np.concatenate([np.ones(n_c), prob.weight[prob.pair_group]]),
        integer=integer,
        sense="max",
        time_limit=time_limit,
        start=x0,
    )


def flow(prob: CapProblem, opened: BoolArray) -> tuple[float, FloatArray]:
    """Most residents the open sites can serve (a transportation LP), and the pair flows."""
    z = np.zeros(prob.n_pairs)
    use = np.flatnonzero(opened[prob.pair_cand] & (prob.room[prob.pair_cand] > 0))
    if len(use) == 0:
        return 0.0, z
    g, c = prob.pair_group[use], prob.pair_cand[use]
    gs, g_local = np.unique(g, return_inverse=True)
    cs, c_local = np.unique(c, return_inverse=True)
    n = len(use)
    ks = np.arange(n)
    rows = sp.vstack(
        [
            sp.csr_matrix((np.ones(n), (g_local, ks)), shape=(len(gs), n)),
            sp.csr_matrix((np.ones(n), (c_local, ks)), shape=(len(cs), n)),
        ]
    )
    res = _highs.solve(
        cost=np.ones(n),
        matrix=sp.csc_matrix(rows),
        row_lower=np.full(len(gs) + len(cs), -np.inf),
        row_upper=np.concatenate([prob.weight[gs], prob.room[cs]]),
        col_lower=np.zeros(n),
        col_upper=prob.weight[g],
        integer=None,
        sense="max",
    )
    if res.x is None:  # an LP of this shape is always feasible and bounded
        msg = f"HiGHS 未能求解分配问题（状态 {res.status}）"
        raise RuntimeError(msg)
    z[use] = np.clip(res.x, 0.0, prob.weight[g])
    return float(z.sum()), z


def _surrogate(prob: CapProblem, z: FloatArray, closed_ok: BoolArray) -> FloatArray:
    """What each closed site could add on its own: its room, or the unserved weight it reaches."""
    served = np.bincount(prob.pair_group, weights=z, minlength=len(prob.weight))
    residual = np.maximum(prob.weight - served, 0.0)
    gain = np.minimum(prob.room, np.asarray(prob.cover.T @ residual).ravel())
    return np.where(closed_ok, gain, -1.0)


def greedy(prob: CapProblem, p: int) -> tuple[BoolArray, float, FloatArray]:
    """Open the site that adds the most (by :func:`_surrogate`), re-solving the flow each time."""
    opened = prob.fixed.copy()
    value, z = flow(prob, opened)
    tol = 1e-9 * max(1.0, float(prob.weight.sum()))
    for _ in range(p):
        gain = _surrogate(prob, z, ~opened)
        k = int(np.argmax(gain))
        if gain[k] <= tol:
            break
        opened[k] = True
        value, z = flow(prob, opened)
    return opened, value, z


def round_relaxation(
    prob: CapProblem, p: int, y: FloatArray
) -> tuple[BoolArray, float, FloatArray]:
    """Open the fixed sites and the ``p`` free ones the LP relaxation opens most."""
    score = np.where(prob.fixed, -1.0, y)
    top = np.argsort(-score, kind="stable")[:p]
    opened = prob.fixed.copy()
    opened[top[score[top] > 1e-9]] = True
    value, z = flow(prob, opened)
    return opened, value, z


def swap_search(
    prob: CapProblem,
    opened: BoolArray,
    value: float,
    z: FloatArray,
    *,
    deadline: float | None = None,
    tries: int = 3,
    max_evals: int = 2_000,
) -> tuple[BoolArray, float, FloatArray]:
    """First-improvement interchange: close the least-loaded free site, open a better one.

    For each open free site (least load first), the flow without it shows the unserved
    weight; the ``tries`` closed sites that would add most are tried in its place, each
    checked with the exact flow. Stops when a whole pass finds nothing better.
    """
    tol = 1e-9 * max(1.0, float(prob.weight.sum()))
    evals = 0
    improved = True
    while improved and evals < max_evals:
        improved = False
        load = np.bincount(prob.pair_cand, weights=z, minlength=prob.n_cand)
        free_open = np.flatnonzero(opened & ~prob.fixed)
        for j in free_open[np.argsort(load[free_open], kind="stable")]:
            if (deadline is not None and time.perf_counter() > deadline) or evals >= max_evals:
                return opened, value, z
            without = opened.copy()
            without[j] = False
            _, z_wo = flow(prob, without)
            evals += 1
            closed_ok = ~without
            closed_ok[j] = False
            gain = _surrogate(prob, z_wo, closed_ok)
            for k in np.argsort(-gain, kind="stable")[:tries]:
                if gain[k] <= tol:
                    break
                trial = without.copy()
                trial[k] = True
                v2, z2 = flow(prob, trial)
                evals += 1
                if v2 > value + tol:
                    opened, value, z = trial, v2, z2
                    improved = True
                    break
            if improved:
                break
    return opened, value, z


def simple_bound(prob: CapProblem, p: int) -> float:
    """No site serves more than its room, nor anyone out of reach of every site."""
    reachable = float(prob.weight.sum())
    rooms = np.sort(prob.room[~prob.fixed])[::-1]
    return min(reachable, float(prob.room[prob.fixed].sum() + rooms[:p].sum()))


def shortest_split(
    inst: Instance, opened: BoolArray, value: float
) -> tuple[sp.csr_matrix, FloatArray]:
    """Who goes where: ``value`` residents served with the least walking in total.

    Among the allocations that serve the most residents, the one with the shortest sum
    of resident × metre, per demand point (not per merged group, whose members sit at
    different distances). Returns the demand × candidate allocation and the residents
    served per demand point.
    """
    assert inst.capacities is not None
    pairs = inst.pairs
    rows = np.repeat(np.arange(inst.n_demand), np.diff(pairs.indptr))
    cols = pairs.indices.astype(np.int64)
    use = opened[cols] & (inst.weights[rows] > 0) & (inst.capacities[cols] > 0)
    shape = (inst.n_demand, inst.n_candidates)
    if not use.any() or value <= 0:
        return sp.csr_matrix(shape), np.zeros(inst.n_demand)
    r, c, d = rows[use], cols[use], pairs.data[use]
    rs, r_local = np.unique(r, return_inverse=True)
    cs, c_local = np.unique(c, return_inverse=True)
    n = len(r)
    ks = np.arange(n)
    matrix = sp.vstack(
        [
            sp.csr_matrix((np.ones(n), (r_local, ks)), shape=(len(rs), n)),
            sp.csr_matrix((np.ones(n), (c_local, ks)), shape=(len(cs), n)),
            sp.csr_matrix(np.ones((1, n))),
        ]
    )
    caps = np.where(np.isinf(inst.capacities[cs]), np.inf, inst.capacities[cs])
    res = None
    for slack in (0.0, 1e-6):  # the optimum exactly; failing that, within a millionth
        res = _highs.solve(
            cost=d,
            matrix=sp.csc_matrix(matrix),
            row_lower=np.concatenate([np.full(len(rs) + len(cs), -np.inf), [value - slack]]),
            row_upper=np.concatenate([inst.weights[rs], caps, [np.inf]]),
            col_lower=np.zeros(n),
            col_upper=inst.weights[r],
            integer=None,
            sense="min",
        )
        if res.x is not None:
            break
    if res is None or res.x is None:
        msg = "HiGHS 未能求解就近分配"
        raise RuntimeError(msg)
    z = np.clip(res.x, 0.0, inst.weights[r])
    keep = z > 1e-9
    alloc = sp.csr_matrix((z[keep], (r[keep], c[keep])), shape=shape)
    served = np.minimum(np.asarray(alloc.sum(axis=1)).ravel(), inst.weights)
    return alloc, served
