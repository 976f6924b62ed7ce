"""An independent reference for siting: the textbook MILPs written in PuLP, solved by CBC.

Written from the formulations (Church & ReVelle's maximal covering; its capacitated
form with split demand; partial set covering), straight from the dense cost matrix,
without any of lifecircle's reductions (merging, dropping, bounds).
"""

from __future__ import annotations

import numpy as np
import pulp


def _solve(prob: pulp.LpProblem) -> None:
    prob.solve(pulp.COIN_CMD(msg=False))
    assert pulp.LpStatus[prob.status] == "Optimal", pulp.LpStatus[prob.status]


def mclp_optimum(cost, weights, radius, p, fixed=(), capacities=None) -> float:
    """Most residents served by the fixed sites plus ``p`` new ones (exactly ``p`` when
    that many free sites exist), with capacities when given."""
    cost = np.asarray(cost, dtype=float)
    n, m = cost.shape
    a = cost <= radius
    fixed = set(int(j) for j in fixed)
    free = [j for j in range(m) if j not in fixed]
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    y = [prob.add_variable(f"y{j}", cat="Binary") for j in range(m)]
    for j in fixed:
        prob += y[j] == 1
    prob += pulp.lpSum(y[j] for j in free) == min(p, len(free))
    if capacities is None:
        x = [prob.add_variable(f"x{i}", cat="Binary") for i in range(n)]
        prob += pulp.lpSum(float(weights[i]) * x[i] for i in range(n))
        for i in range(n):
            prob += x[i] <= pulp.lpSum(y[j] for j in range(m) if a[i, j])
    else:
        z = {
            (i, j): prob.add_variable(f"z{i}_{j}", lowBound=0)
            for i in range(n)
            for j in range(m)
            if a[i, j]
        }
        prob += pulp.lpSum(z.values())
        for i in range(n):
            prob += pulp.lpSum(z[i, j] for j in range(m) if a[i, j]) <= float(weights[i])
        for j in range(m):
            served = pulp.lpSum(z[i, j] for i in range(n) if a[i, j])
            cap = float(capacities[j])
            big = cap if np.isfinite(cap) else float(np.sum(weights))
            prob += served <= big * y[j]
    _solve(prob)
    return float(pulp.value(prob.objective) or 0.0)


def fewest_optimum(cost, weights, radius, target_share, fixed=()) -> int | None:
    """Fewest new sites covering ``target_share`` of all weight; None if impossible."""
    cost = np.asarray(cost, dtype=float)
    n, m = cost.shape
    a = cost <= radius
    fixed = set(int(j) for j in fixed)
    total = float(np.sum(weights))
    reach = a.any(axis=1)
    if float(np.sum(np.asarray(weights)[reach])) < target_share * total - 1e-9 * total:
        return None
    prob = pulp.LpProblem("fewest", pulp.LpMinimize)
    y = [prob.add_variable(f"y{j}", cat="Binary") for j in range(m)]
    x = [prob.add_variable(f"x{i}", cat="Binary") for i in range(n)]
    prob += pulp.lpSum(y[j] for j in range(m) if j not in fixed)
    for j in fixed:
        prob += y[j] == 1
    for i in range(n):
        prob += x[i] <= pulp.lpSum(y[j] for j in range(m) if a[i, j])
    prob += (
        pulp.lpSum(float(weights[i]) * x[i] for i in range(n))
        >= target_share * total - 1e-9 * total
    )
    _solve(prob)
    return round(pulp.value(prob.objective) or 0.0)


def served_by(cost, weights, radius, selected) -> float:
    """Residents within ``radius`` of any selected site (uncapacitated)."""
    cost = np.asarray(cost, dtype=float)
    if len(selected) == 0:
        return 0.0
    hit = (cost[:, list(selected)] <= radius).any(axis=1)
    return float(np.asarray(weights, dtype=float)[hit].sum())
