"""FewestToPass "exact": the MILP is skipped only when a bound proves the heuristic's count.

Small random instances (seeded) checked against brute force over every subset: the exact
count is the true optimum whether or not the MILP ran, and the MILP runs where the
heuristic is beaten (it must) and is skipped on some others (the bound proved them).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lifecircle.siting import FewestToPass, TargetUnreachable, _uncap

N_DEMAND, N_CAND, TARGET = 12, 8, 0.9


def _instances(n: int):
    rng = np.random.default_rng(7)
    for _ in range(n):
        cover = rng.random((N_DEMAND, N_CAND)) < 0.3
        yield cover, rng.integers(1, 10, N_DEMAND).astype(float)


def _brute_force(cover: np.ndarray, w: np.ndarray) -> int:
    need = TARGET * w.sum() - 1e-9
    for r in range(N_CAND + 1):
        for sites in itertools.combinations(range(N_CAND), r):
            if w[cover[:, list(sites)].any(axis=1)].sum() >= need:
                return r
    raise AssertionError("unreachable instances are skipped before")


def test_exact_is_optimal_with_or_without_the_milp(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = _uncap.fewest_model

    def counted(*args, **kwargs):
        if not kwargs["relax"]:
            calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_uncap, "fewest_model", counted)
    solved = beaten = skipped = 0
    for cover, w in _instances(120):
        cost = np.where(cover, 100.0, np.inf)

        def solve(solver: str, cost=cost, w=w) -> FewestToPass:
            return FewestToPass.from_cost_matrix(
                cost, w, service_radius=500.0, target_share=TARGET, solver=solver
            ).solve()

        try:
            heuristic = solve("heuristic")
        except TargetUnreachable:
            continue
        before = len(calls)
        exact = solve("exact")
        ran = len(calls) > before
        best = _brute_force(cover, w)
        assert exact.n_new == best
        assert exact.status == "optimal" and exact.bound == best
        if heuristic.n_new > best:
            beaten += 1
            assert ran, "the heuristic was beaten: only the MILP can have found the optimum"
        skipped += not ran
        solved += 1
    assert solved > 80 and beaten >= 2 and skipped >= solved // 2
