"""Uncapacitated covering on merged demand groups: MILPs for HiGHS, greedy and swap search.

Every function here sees only the free candidates that cover some group (``cover`` is
group × candidate, 0/1 CSR) and the groups' weights; fixed facilities were taken out
beforehand (:func:`lifecircle.siting._instance.group_demand`).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from lifecircle.siting import _highs
from lifecircle.siting._coverage import BoolArray, FloatArray, IntArray

#: cells of the dense swap-gain block computed at once (open × candidate)
_SWAP_BLOCK_CELLS = 20_000_000


def covering_rows(cover: sp.csr_matrix) -> sp.csc_matrix:
    """Rows ``x_g - sum_{j in N_g} y_j <= 0`` over columns ``[y..., x...]``."""
    n_groups = cover.shape[0]
    return sp.csc_matrix(sp.hstack([-cover, sp.identity(n_groups, format="csr")]))


def mclp_model(
    cover: sp.csr_matrix,
    weight: FloatArray,
    p: int,
    *,
    relax: bool,
    time_limit: float | None,
    start: BoolArray | None = None,
    options: dict[str, str | float | bool] | None = None,
) -> _highs.MipResult:
    """Maximal covering: ``max w·x`` s.t. ``x_g <= sum_{j in N_g} y_j``, ``sum y <= p``."""
    n_groups, n_cand = cover.shape
    rows = sp.vstack(
        [
            covering_rows(cover),
            sp.hstack([np.ones((1, n_cand)), sp.csr_matrix((1, n_groups))]),
        ]
    )
    n_rows = n_groups + 1
    row_upper = np.zeros(n_rows)
    row_upper[-1] = p
    integer = np.zeros(n_cand + n_groups, dtype=bool)
    integer[:n_cand] = not relax
    x0 = None
    if start is not None:
        x0 = np.concatenate([start.astype(np.float64), (cover @ start > 0).astype(np.float64)])
    return _highs.solve(
        cost=np.concatenate([np.zeros(n_cand), weight]),
        matrix=sp.csc_matrix(rows),
        row_lower=np.full(n_rows, -np.inf),
        row_upper=row_upper,
        col_lower=np.zeros(n_cand + n_groups),
        col_upper=np.ones(n_cand + n_groups),
        integer=integer,
        sense="max",
        time_limit=time_limit,
        start=x0,
        options=options,
    )


def fewest_model(
    cover: sp.csr_matrix,
    weight: FloatArray,
    deficit: float,
    *,
    relax: bool,
    time_limit: float | None,
    start: BoolArray | None = None,
) -> _highs.MipResult:
    """Partial set covering: ``min sum y`` s.t. ``x_g <= sum_{j in N_g} y_j``, ``w·x >= deficit``."""
    n_groups, n_cand = cover.shape
    rows = sp.vstack(
        [covering_rows(cover), sp.hstack([sp.csr_matrix((1, n_cand)), weight[None, :]])]
    )
    n_rows = n_groups + 1
    row_lower = np.full(n_rows, -np.inf)
    row_lower[-1] = deficit
    row_upper = np.zeros(n_rows)
    row_upper[-1] = np.inf
    integer = np.zeros(n_cand + n_groups, dtype=bool)
    integer[:n_cand] = not relax
    x0 = None
    if start is not None:
        x0 = np.concatenate([start.astype(np.float64), (cover @ start > 0).astype(np.float64)])
    return _highs.solve(
        cost=np.concatenate([np.ones(n_cand), np.zeros(n_groups)]),
        matrix=sp.csc_matrix(rows),
        row_lower=row_lower,
        row_upper=row_upper,
        col_lower=np.zeros(n_cand + n_groups),
        col_upper=np.ones(n_cand + n_groups),
        integer=integer,
        sense="min",
        time_limit=time_limit,
        start=x0,
    )


def greedy(
    cover: sp.csr_matrix,
    weight: FloatArray,
    *,
    p: int | None = None,
    target: float | None = None,
) -> BoolArray:
    """Add the candidate covering the most uncovered weight, until ``p`` or ``target``.

    Stops early when no candidate adds anything. Ties go to the lower index.
    """
    n_groups, n_cand = cover.shape
    cover_t = sp.csr_matrix(cover.T)
    gains = np.asarray(cover_t @ weight, dtype=np.float64)
    opened = np.zeros(n_cand, dtype=bool)
    covered = np.zeros(n_groups, dtype=bool)
    value = 0.0
    limit = n_cand if p is None else min(p, n_cand)
    for _ in range(limit):
        if target is not None and value >= target:
            break
        gains[opened] = -1.0
        k = int(np.argmax(gains))
        if gains[k] <= 0.0:
            break
        opened[k] = True
        rows = cover_t.indices[cover_t.indptr[k] : cover_t.indptr[k + 1]]
        new = rows[~covered[rows]]
        covered[new] = True
        value += float(weight[new].sum())
        if len(new):
            gains -= np.asarray(cover[new].T @ weight[new]).ravel()
    return opened


def swap_search(
    cover: sp.csr_matrix,
    weight: FloatArray,
    opened: BoolArray,
    *,
    deadline: float | None = None,
    max_swaps: int = 10_000,
) -> BoolArray:
    """Best-improvement interchange: swap one open site for one closed while it pays.

    The gain of every swap (j out, k in) at once: ``gain[k] - loss[j] + extra[j, k]``
    where ``gain[k]`` is the uncovered weight k would cover, ``loss[j]`` the weight only j
    covers, and ``extra[j, k]`` the part of that weight k covers as well.
    """
    opened = opened.copy()
    tol = 1e-12 * max(1.0, float(weight.sum()))
    cover_t = sp.csr_matrix(cover.T)
    for _ in range(max_swaps):
        if deadline is not None and time.perf_counter() > deadline:
            break
        move = _best_swap(cover, cover_t, weight, opened)
        if move is None or move[2] <= tol:
            break
        j, k, _ = move
        opened[j] = False
        opened[k] = True
    return opened


def _best_swap(
    cover: sp.csr_matrix, cover_t: sp.csr_matrix, weight: FloatArray, opened: BoolArray
) -> tuple[int, int, float] | None:
    open_idx = np.flatnonzero(opened)
    if len(open_idx) == 0 or opened.all():
        return None
    count = np.asarray(cover @ opened.astype(np.float64)).ravel()
    gain = np.asarray(cover_t @ np.where(count == 0, weight, 0.0)).ravel()
    single = np.flatnonzero(count == 1)
    # the one open site of each singly covered group
    sub = sp.csr_matrix(cover[single][:, open_idx])
    sole = sub.indices[sub.indptr[:-1]].astype(np.int64)
    loss = np.bincount(sole, weights=weight[single], minlength=len(open_idx))
    lone = sp.csr_matrix((weight[single], (sole, single)), shape=(len(open_idx), cover.shape[0]))
    extra_all = sp.csr_matrix(lone @ cover)
    best: tuple[int, int, float] | None = None
    step = max(1, _SWAP_BLOCK_CELLS // cover.shape[1])
    for lo in range(0, len(open_idx), step):
        extra = extra_all[lo : lo + step].toarray()
        delta = gain[None, :] - loss[lo : lo + step, None] + extra
        delta[:, opened] = -np.inf
        flat = int(np.argmax(delta))
        r, k = divmod(flat, delta.shape[1])
        if best is None or delta[r, k] > best[2]:
            best = (int(open_idx[lo + r]), int(k), float(delta[r, k]))
    return best


def top_gain_bound(cover: sp.csr_matrix, weight: FloatArray, opened: BoolArray, p: int) -> float:
    """Submodularity bound: value of ``opened`` plus the ``p`` largest single-site gains.

    Coverage is monotone submodular, so no ``p`` sites can cover more than this
    (the optimum's extra over ``opened`` is at most the sum of its sites' gains).
    """
    count = np.asarray(cover @ opened.astype(np.float64)).ravel()
    value = float(weight[count > 0].sum())
    gain = np.asarray(cover.T @ np.where(count == 0, weight, 0.0)).ravel()
    gain = np.sort(gain[~opened])[::-1]
    return value + float(gain[:p].sum())


def lagrangian_bound(
    cover: sp.csr_matrix,
    weight: FloatArray,
    p: int,
    lower: float,
    *,
    iterations: int = 400,
    deadline: float | None = None,
) -> tuple[float, BoolArray]:
    r"""Upper bound on maximal covering by Lagrangian relaxation, and its best site set.

    Relaxing the covering rows :math:`x_i \le \sum_{j \in N_i} y_j` with multipliers
    :math:`\lambda_i \ge 0` leaves

    .. math::

       L(\lambda) = \sum_i \max(0, a_i - \lambda_i)
                   + \text{sum of the } p \text{ largest } \textstyle\sum_{i \in N^j} \lambda_i

    which bounds the optimum from above for *every* :math:`\lambda \ge 0` (weak
    duality), so the bound is honest whatever the search reaches; its minimum equals the
    LP relaxation's optimum. Subgradient steps (Polyak, towards ``lower``, the best
    known value) lower it, cheaply: two sparse products per step, where a simplex LP
    on city-sized instances takes minutes. Returns the least bound found and the site
    set of the subproblem that gave it (often a good solution itself).
    """
    n_cand = cover.shape[1]
    cover_t = sp.csr_matrix(cover.T)
    lam = 0.5 * weight
    best = np.inf
    best_sites = np.zeros(n_cand, dtype=bool)
    theta, stall = 2.0, 0
    tol = 1e-9 * max(1.0, float(weight.sum()))
    k = min(p, n_cand)
    for _ in range(iterations):
        score = np.asarray(cover_t @ lam).ravel()
        top = np.argpartition(-score, k - 1)[:k] if 0 < k < n_cand else np.arange(k)
        top = top[score[top] > 0]
        value = float(np.maximum(weight - lam, 0.0).sum() + score[top].sum())
        sites = np.zeros(n_cand, dtype=bool)
        sites[top] = True
        if value < best - tol:
            best, best_sites, stall = value, sites, 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2, 0
        if best - lower <= tol or theta < 1e-4:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        sub = np.asarray(cover @ sites.astype(np.float64)).ravel() - (weight > lam)
        norm = float(np.square(sub).sum())  # not BLAS: its threads stall on a busy machine
        if norm == 0.0:
            break
        lam = np.maximum(0.0, lam - theta * (value - lower) / norm * sub)
    return best, best_sites


def lagrangian_value(cover: sp.csr_matrix, weight: FloatArray, p: int, lam: FloatArray) -> float:
    """:math:`L(\\lambda)` of :func:`lagrangian_bound` for given multipliers (an upper bound)."""
    lam = np.maximum(lam, 0.0)
    score = np.asarray(cover.T @ lam).ravel()
    k = min(p, len(score))
    top = np.sort(score)[::-1][:k]
    return float(np.maximum(weight - lam, 0.0).sum() + top[top > 0].sum())


def lp_bound(
    cover: sp.csr_matrix, weight: FloatArray, p: int, *, time_limit: float | None
) -> float:
    """The LP relaxation's bound by HiGHS's interior point method, made exactly valid.

    The LP's duals on the covering rows are optimal Lagrange multipliers; evaluating
    :func:`lagrangian_value` at them gives a bound that holds whatever the solver's
    tolerances (weak duality), equal to the LP optimum up to them. Interior point
    without crossover solves city-sized relaxations in seconds where simplex takes
    minutes. Returns ``inf`` when HiGHS gives no duals in time.
    """
    res = mclp_model(
        cover, weight, p, relax=True, time_limit=time_limit,
        options={"solver": "ipm", "run_crossover": "off"},
    )  # fmt: skip
    if res.row_dual is None:
        return float(np.inf)
    dual = res.row_dual[: cover.shape[0]]
    return min(lagrangian_value(cover, weight, p, dual), lagrangian_value(cover, weight, p, -dual))


def fewest_count_bound(cover: sp.csr_matrix, weight: FloatArray, deficit: float) -> int:
    """Fewest sites whose standalone weights add up to ``deficit``: a lower bound."""
    if deficit <= 0:
        return 0
    single = np.sort(np.asarray(cover.T @ weight).ravel())[::-1]
    reach = np.cumsum(single)
    tol = 1e-9 * max(1.0, float(weight.sum()))
    k = int(np.searchsorted(reach, deficit - tol, side="left")) + 1
    return min(k, len(single))


def drop_redundant(
    cover: sp.csr_matrix, weight: FloatArray, opened: BoolArray, deficit: float
) -> BoolArray:
    """Close open sites one at a time (least loss first) while coverage stays >= deficit."""
    opened = opened.copy()
    tol = 1e-9 * max(1.0, float(weight.sum()))
    changed = True
    while changed:
        changed = False
        count = np.asarray(cover @ opened.astype(np.float64)).ravel()
        value = float(weight[count > 0].sum())
        loss = np.asarray(cover.T @ np.where(count == 1, weight, 0.0)).ravel()
        open_idx = np.flatnonzero(opened)
        for j in open_idx[np.argsort(loss[open_idx], kind="stable")]:
            if value - loss[j] >= deficit - tol:
                opened[j] = False
                changed = True
                break
    return opened


def as_mask(x: FloatArray | None, n: int) -> BoolArray:
    """The first ``n`` values of a MIP solution as an open mask (rounded)."""
    if x is None:
        return np.zeros(n, dtype=bool)
    return np.asarray(x[:n] > 0.5)


def useful_columns(cover: sp.csr_matrix) -> IntArray:
    """Candidates that cover at least one group."""
    return np.flatnonzero(np.diff(sp.csc_matrix(cover).indptr) > 0).astype(np.int64)
