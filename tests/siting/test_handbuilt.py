"""Hand-built siting cases whose answers are worked out by hand (see each docstring)."""

from __future__ import annotations

import numpy as np
import pytest

from lifecircle.errors import SchemaError
from lifecircle.siting import MCLP, FewestToPass, TargetUnreachable, within_radius

INF = np.inf
# demand A (10), B (20), C (25); candidates X, Y; radius 500 m.
#        X      Y
COST = np.array(
    [
        [100.0, INF],  # A: only X
        [500.0, 600.0],  # B: X at exactly the radius; Y too far
        [INF, 200.0],  # C: only Y
    ]
)
W = np.array([10.0, 20.0, 25.0])
R = 500.0
SOLVERS = ["exact", "heuristic"]


def test_rule_is_inclusive():
    assert within_radius(500.0, 500.0)
    assert not within_radius(np.nextafter(500.0, INF), 500.0)
    assert not within_radius(INF, 500.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_site_boundary_decides(solver):
    """p = 1: X covers A + B = 30 (B at exactly 500 m counts), Y covers C = 25, so X.

    Were the boundary exclusive, X would cover only A (10) and Y would win.
    """
    m = MCLP.from_cost_matrix(COST, W, service_radius=R, p_facilities=1, solver=solver).solve()
    assert m.selected.tolist() == [0]
    assert m.covered_weight == 30.0
    assert m.covered_share == pytest.approx(30 / 55)
    assert m.covered.tolist() == [True, True, False]
    assert m.n_uncovered == 1
    assert m.status == "optimal"
    just_out = COST.copy()
    just_out[1, 0] = np.nextafter(500.0, INF)
    m2 = MCLP.from_cost_matrix(just_out, W, service_radius=R, p_facilities=1, solver=solver)
    assert m2.solve().selected.tolist() == [1]
    assert m2.covered_weight == 25.0


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_sites_and_fixed(solver):
    """p = 2 covers everyone; with Y fixed, p = 1 adds X; with X fixed and p = 0, only X."""
    m = MCLP.from_cost_matrix(COST, W, service_radius=R, p_facilities=2, solver=solver).solve()
    assert m.selected.tolist() == [0, 1]
    assert m.covered_weight == 55.0
    m = MCLP.from_cost_matrix(
        COST, W, service_radius=R, p_facilities=1, fixed=[1], solver=solver
    ).solve()
    assert m.selected.tolist() == [0, 1]
    assert m.new_selected.tolist() == [0]
    assert m.fixed.tolist() == [1]
    assert m.covered_weight == 55.0
    m = MCLP.from_cost_matrix(
        COST, W, service_radius=R, p_facilities=0, fixed=np.array([True, False]), solver=solver
    ).solve()
    assert m.selected.tolist() == [0]
    assert m.covered_weight == 30.0
    # the nearest open site serves each covered point
    assert m.allocation.toarray().tolist() == [[10.0, 0.0], [20.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("solver", SOLVERS)
def test_at_most_p_new(solver):
    """p = 5 with two candidates: both open, nothing more to open."""
    m = MCLP.from_cost_matrix(COST, W, service_radius=R, p_facilities=5, solver=solver).solve()
    assert m.selected.tolist() == [0, 1]
    empty = MCLP.from_cost_matrix(COST, np.zeros(3), service_radius=R, p_facilities=2)
    assert empty.solve(solver=solver).selected.tolist() == []  # nobody to serve: none open
    assert empty.covered_share == 1.0


@pytest.mark.parametrize("solver", SOLVERS)
def test_capacities_by_hand(solver):
    """Capacities X = 15, Y = 100, p = 1: X can serve 15 of its 30, Y all of C (25): Y.

    p = 2: 15 + 25 = 40.
    """
    caps = np.array([15.0, 100.0])
    m = MCLP.from_cost_matrix(
        COST, W, service_radius=R, p_facilities=1, capacities=caps, solver=solver
    ).solve()
    assert m.selected.tolist() == [1]
    assert m.covered_weight == pytest.approx(25.0)
    m = MCLP.from_cost_matrix(
        COST, W, service_radius=R, p_facilities=2, capacities=caps, solver=solver
    ).solve()
    assert m.selected.tolist() == [0, 1]
    assert m.covered_weight == pytest.approx(40.0)
    assert m.load.tolist() == pytest.approx([15.0, 25.0])


@pytest.mark.parametrize("solver", SOLVERS)
def test_split_demand_by_hand(solver):
    """B within reach of both (Y at 400 m); X = 15, Y = 35.

    Both open: A (10) only to X, C (25) only to Y, B splits 5 to X and 10 to Y: 50 served,
    B short by 5. One site: X serves 15, Y min(35, B + C = 45) = 35: Y.
    """
    cost = COST.copy()
    cost[1, 1] = 400.0
    caps = np.array([15.0, 35.0])
    m = MCLP.from_cost_matrix(
        cost, W, service_radius=R, p_facilities=2, capacities=caps, solver=solver
    ).solve()
    assert m.covered_weight == pytest.approx(50.0)
    alloc = m.allocation.toarray()
    assert alloc[0].tolist() == pytest.approx([10.0, 0.0])
    assert alloc[2].tolist() == pytest.approx([0.0, 25.0])
    assert alloc[1].tolist() == pytest.approx([5.0, 10.0])
    assert m.served.tolist() == pytest.approx([10.0, 15.0, 25.0])
    assert m.covered.tolist() == [True, False, True]
    m = MCLP.from_cost_matrix(
        cost, W, service_radius=R, p_facilities=1, capacities=caps, solver=solver
    ).solve()
    assert m.selected.tolist() == [1]
    assert m.covered_weight == pytest.approx(35.0)
    # a fixed site with room to spare still counts, not towards p
    m = MCLP.from_cost_matrix(
        cost, W, service_radius=R, p_facilities=0, fixed=[0], capacities=[INF, 35.0], solver=solver
    ).solve()
    assert m.selected.tolist() == [0]
    assert m.covered_weight == pytest.approx(30.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_fewest_by_hand(solver):
    """Target 50 % (27.5): X alone (30) does; 100 %: both; 40 % (22): one (X, the larger).

    With Y fixed (25 of 55 = 45.5 %), 45 % needs nothing new.
    """

    def run(target, fixed=None):
        return FewestToPass.from_cost_matrix(
            COST, W, service_radius=R, target_share=target, fixed=fixed, solver=solver
        ).solve()

    m = run(0.5)
    assert (m.n_new, m.selected.tolist(), m.covered_weight) == (1, [0], 30.0)
    assert m.status == "optimal" and m.bound == 1
    assert run(1.0).selected.tolist() == [0, 1]
    assert run(0.4).n_new == 1
    m = run(0.45, fixed=[1])
    assert (m.n_new, m.selected.tolist()) == (0, [1])
    assert run(30 / 55).selected.tolist() == [0]  # a target met exactly passes


def test_fewest_unreachable_says_best_share():
    """D (5 residents) reaches no candidate: at most 55 of 60 = 91.7 % can be covered."""
    cost = np.vstack([COST, [INF, INF]])
    w = np.append(W, 5.0)
    model = FewestToPass.from_cost_matrix(cost, w, service_radius=R, target_share=0.95)
    with pytest.raises(TargetUnreachable) as err:
        model.solve()
    e = err.value
    assert e.best_share == pytest.approx(55 / 60)
    assert e.best_weight == 55.0 and e.target_share == 0.95
    assert "91.7%" in str(e) and "95.0%" in str(e) and "无法达到" in str(e)
    assert e.fix and "候选点" in e.fix


def test_bad_inputs_are_named():
    with pytest.raises(SchemaError, match="NaN") as err:
        MCLP.from_cost_matrix(np.array([[np.nan]]), [1.0], service_radius=R, p_facilities=1)
    assert err.value.field == "cost"
    with pytest.raises(SchemaError) as err:
        MCLP.from_cost_matrix(COST, [1.0, 2.0], service_radius=R, p_facilities=1)
    assert err.value.field == "weights"
    with pytest.raises(SchemaError) as err:
        MCLP.from_cost_matrix(COST, [1.0, -2.0, 3.0], service_radius=R, p_facilities=1)
    assert err.value.row == 2
    with pytest.raises(SchemaError) as err:
        MCLP.from_cost_matrix(COST, W, service_radius=R, p_facilities=1, fixed=[2])
    assert err.value.field == "fixed"
    with pytest.raises(SchemaError) as err:
        MCLP.from_cost_matrix(COST, W, service_radius=R, p_facilities=1, capacities=[1.0, np.nan])
    assert err.value.field == "capacities" and err.value.row == 2
    with pytest.raises(SchemaError) as err:
        MCLP.from_cost_matrix(COST, W, service_radius=R, p_facilities=-1)
    assert err.value.field == "p_facilities"
    with pytest.raises(SchemaError) as err:
        MCLP.from_cost_matrix(COST, W, service_radius=R, p_facilities=1, solver="fast")  # type: ignore[arg-type]
    assert err.value.field == "solver"
    with pytest.raises(SchemaError) as err:
        FewestToPass.from_cost_matrix(COST, W, service_radius=R, target_share=90)
    assert err.value.field == "target_share"
    with pytest.raises(AttributeError, match="solve"):
        _ = MCLP.from_cost_matrix(COST, W, service_radius=R, p_facilities=1).selected
