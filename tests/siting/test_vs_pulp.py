"""Siting against an independent MILP (PuLP/CBC) on seeded random instances."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from lifecircle.siting import MCLP, FewestToPass, TargetUnreachable
from siting_oracle import fewest_optimum, mclp_optimum, served_by

SEEDS = range(30)


def _instance(seed: int, *, n_max: int = 40, m_max: int = 12):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, n_max))
    m = int(rng.integers(2, m_max))
    # clustered points so that coverage sets overlap (and demand points merge)
    xy_d = rng.uniform(0, 1000, (n, 2)).round(-1)
    xy_c = rng.uniform(0, 1000, (m, 2))
    cost = np.hypot(*(xy_d[:, None, :] - xy_c[None, :, :]).transpose(2, 0, 1)) * 1.3
    cost[rng.random((n, m)) < 0.1] = np.inf
    weights = rng.integers(0, 60, n).astype(float)
    radius = float(rng.uniform(200, 600))
    p = int(rng.integers(0, 5))
    n_fixed = int(rng.integers(0, min(3, m)))
    fixed = rng.choice(m, n_fixed, replace=False)
    caps = rng.uniform(0, 300, m).round()
    caps[rng.random(m) < 0.2] = np.inf
    return cost, weights, radius, p, fixed, caps


def _check_allocation(model, cost, weights, radius, caps):
    alloc = model.allocation.tocoo()
    assert (alloc.data >= -1e-9).all()
    assert np.isin(alloc.col, model.selected).all()
    assert (cost[alloc.row, alloc.col] <= radius).all()
    rows = np.asarray(model.allocation.sum(axis=1)).ravel()
    assert (rows <= weights + 1e-6).all()
    if caps is not None:
        assert (model.load <= caps + 1e-6).all()
    assert rows.sum() == pytest.approx(model.covered_weight, abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("with_fixed", [False, True])
def test_uncapacitated_matches_cbc(seed, with_fixed):
    cost, w, r, p, fixed, _ = _instance(seed)
    fixed = fixed if with_fixed else np.array([], dtype=int)
    want = mclp_optimum(cost, w, r, p, fixed)
    for solver in ("exact", "heuristic"):
        model = MCLP.from_cost_matrix(
            cost, w, service_radius=r, p_facilities=p, fixed=fixed, solver=solver
        ).solve()
        assert set(fixed) <= set(model.selected)
        assert len(model.new_selected) <= p
        # the reported coverage is what the selection covers, counted independently
        assert model.covered_weight == pytest.approx(served_by(cost, w, r, model.selected))
        _check_allocation(model, cost, w, r, None)
        if solver == "exact":
            assert model.covered_weight == pytest.approx(want, abs=1e-6)
            assert model.status == "optimal"
        else:  # honest: never above the optimum, and the bound never below it
            assert model.covered_weight <= want + 1e-6
            assert model.bound >= want - 1e-6
            if model.status == "optimal":
                assert model.covered_weight == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("with_fixed", [False, True])
def test_capacitated_matches_cbc(seed, with_fixed):
    cost, w, r, p, fixed, caps = _instance(seed + 1000)
    fixed = fixed if with_fixed else np.array([], dtype=int)
    want = mclp_optimum(cost, w, r, p, fixed, caps)
    for solver in ("exact", "heuristic"):
        model = MCLP.from_cost_matrix(
            cost, w, service_radius=r, p_facilities=p, fixed=fixed, capacities=caps, solver=solver
        ).solve()
        assert set(fixed) <= set(model.selected)
        assert len(model.new_selected) <= p
        _check_allocation(model, cost, w, r, caps)
        if solver == "exact":
            assert model.covered_weight == pytest.approx(want, rel=1e-7, abs=1e-5)
        else:
            assert model.covered_weight <= want + 1e-5
            assert model.bound >= want - 1e-5


@pytest.mark.parametrize("seed", range(6))
def test_heuristic_bound_on_larger_instances(seed):
    """Greedy + swap on instances too big to be trivial: value <= optimum <= bound."""
    cost, w, r, _, fixed, caps = _instance(seed + 2000, n_max=300, m_max=60)
    p = 6
    want = mclp_optimum(cost, w, r, p, fixed)
    model = MCLP.from_cost_matrix(
        cost, w, service_radius=r, p_facilities=p, fixed=fixed, solver="heuristic"
    ).solve()
    assert model.covered_weight <= want + 1e-6 <= model.bound + 2e-6
    assert model.gap == pytest.approx((model.bound - model.covered_weight) / model.bound)
    # capacitated: smaller, CBC needs seconds on the sizes above
    cost, w, r, _, fixed, caps = _instance(seed + 2000, n_max=120, m_max=30)
    want_c = mclp_optimum(cost, w, r, p, fixed, caps)
    cap_model = MCLP.from_cost_matrix(
        cost, w, service_radius=r, p_facilities=p, fixed=fixed, capacities=caps, solver="heuristic"
    ).solve()
    assert cap_model.covered_weight <= want_c + 1e-5 <= cap_model.bound + 2e-5


@pytest.mark.parametrize("seed", range(10))
def test_lagrangian_bounds_are_honest(seed, monkeypatch):
    """Without the LP (as on large instances), the Lagrangian bounds still hold."""
    from lifecircle.siting import fewest, mclp

    monkeypatch.setattr(mclp, "LP_BOUND_MAX_PAIRS", -1)
    monkeypatch.setattr(fewest, "LP_BOUND_MAX_PAIRS", -1)
    cost, w, r, _, fixed, _ = _instance(seed + 4000, n_max=200, m_max=40)
    p = 4
    want = mclp_optimum(cost, w, r, p, fixed)
    model = MCLP.from_cost_matrix(
        cost, w, service_radius=r, p_facilities=p, fixed=fixed, solver="heuristic"
    ).solve()
    assert model.covered_weight <= want + 1e-6 <= model.bound + 2e-6
    target = 0.6
    need = fewest_optimum(cost, w, r, target, fixed)
    f = FewestToPass.from_cost_matrix(
        cost, w, service_radius=r, target_share=target, fixed=fixed, solver="heuristic"
    )
    if need is None:
        return
    f.solve()
    assert f.bound <= need <= f.n_new


@pytest.mark.parametrize("seed", SEEDS)
def test_fewest_matches_cbc(seed):
    cost, w, r, _, fixed, _ = _instance(seed + 3000)
    target = float(np.random.default_rng(seed).uniform(0.2, 0.95))
    want = fewest_optimum(cost, w, r, target, fixed)
    for solver in ("exact", "heuristic"):
        model = FewestToPass.from_cost_matrix(
            cost, w, service_radius=r, target_share=target, fixed=fixed, solver=solver
        )
        if want is None:
            with pytest.raises(TargetUnreachable) as err:
                model.solve()
            assert err.value.best_share < target
            continue
        model.solve()
        assert model.covered_share >= target - 1e-9
        assert served_by(cost, w, r, model.selected) == pytest.approx(model.covered_weight)
        assert set(fixed) <= set(model.selected)
        if solver == "exact":
            assert model.n_new == want
        else:
            assert model.n_new >= want
            assert model.bound <= want


def test_sparse_cost_matches_dense():
    cost, w, r, p, _fixed, caps = _instance(7, n_max=80, m_max=20)
    sparse = sp.csr_matrix(np.where(np.isfinite(cost), cost, 0.0))
    sparse.eliminate_zeros()  # absent = unreachable
    a = MCLP.from_cost_matrix(cost, w, service_radius=r, p_facilities=p, capacities=caps).solve()
    b = MCLP.from_cost_matrix(sparse, w, service_radius=r, p_facilities=p, capacities=caps).solve()
    assert a.covered_weight == pytest.approx(b.covered_weight)
    assert (a.instance.pairs != b.instance.pairs).nnz == 0
