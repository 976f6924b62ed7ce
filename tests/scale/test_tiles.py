"""Tiles of one network give the one-process access result: rows, columns and values."""

from __future__ import annotations

import numpy as np
import pytest

from lifecircle.access import AccessResult, compute_access
from lifecircle.scale import tiles as tiles_module
from lifecircle.scale.synth import SynthCity
from lifecircle.scale.tiled import tiled_access
from lifecircle.scale.tiles import TileGrid, cut_graph, plan_grid
from scale_helpers import COUNTS_FOR, RADII, assert_same_access, small_city


@pytest.fixture(scope="module")
def city() -> SynthCity:
    return small_city()


@pytest.fixture(scope="module")
def whole(city: SynthCity) -> AccessResult:
    return compute_access(
        city.graph, city.homes, city.facilities, radii=RADII, counts_for=COUNTS_FOR
    )


@pytest.mark.parametrize("tiles", [4, 9, 25])
def test_tiled_access_equals_one_process(city, whole, tiles: int) -> None:
    tiled = tiled_access(
        city.graph, city.homes, city.facilities, radii=RADII, counts_for=COUNTS_FOR, tiles=tiles
    )
    assert tiled.options["tiles"] >= tiles  # really cut into pieces
    # the rare category sits beyond the buffer for some homes: the far pass ran
    assert tiled.options["far_homes"] > 0
    assert_same_access(whole, tiled)


def test_the_fixture_exercises_what_it_should(whole) -> None:
    """Off-network homes and facilities, missing capacities and supply columns are there."""
    assert set(whole.unsnapped["kind"]) == {"home", "facility"}
    assert any("没有容量" in w for w in whole.warnings)
    assert any(c.startswith("supply_per_1000_") for c in whole.homes.columns)
    assert (whole.homes["count_250m__clinic"] > 0).any()


def test_a_buffer_of_one_radius_is_not_enough(city, whole, monkeypatch) -> None:
    """The buffer must be twice the radius: a home's 2SFCA supply depends on homes 2r away."""
    monkeypatch.setattr(tiles_module, "access_pad_m", lambda radii: float(max(radii)))
    monkeypatch.setattr("lifecircle.scale.tiled.access_pad_m", lambda radii: float(max(radii)))
    short = tiled_access(
        city.graph, city.homes, city.facilities, radii=RADII, counts_for=COUNTS_FOR, tiles=25
    )
    col = "supply_per_1000_250m__kindergarten"
    assert not np.allclose(short.homes[col], whole.homes[col], rtol=1e-12)


def test_every_point_has_exactly_one_owner_tile() -> None:
    grid = TileGrid(x0=0.0, y0=0.0, size_m=100.0, nx=3, ny=2)
    x = np.array([0.0, 99.999, 100.0, 299.0, 350.0, -5.0, np.nan])
    y = np.array([0.0, 0.0, 0.0, 199.0, 250.0, 50.0, np.nan])
    assert grid.owner(x, y).tolist() == [0, 0, 1, 5, 5, 0, 0]
    assert grid.core(4) == (100.0, 100.0, 200.0, 200.0)


def test_a_tile_keeps_the_network_order(city) -> None:
    grid = plan_grid(city.graph, tiles=9)
    sub = cut_graph(city.graph, grid.core(4), 300.0)
    assert sub is not None
    assert (np.diff(sub.node) > 0).all() and (np.diff(sub.edge) > 0).all()
    g = city.graph
    np.testing.assert_array_equal(sub.node[sub.graph.edge_u], g.edge_u[sub.edge])
    np.testing.assert_array_equal(sub.graph.edge_length, g.edge_length[sub.edge])
    assert sub.graph.n_edges < g.n_edges


def test_homes_far_from_everything_are_measured_on_the_whole_network(city) -> None:
    """A category with one facility: most homes' walks exceed the buffer."""
    fac = city.facilities.iloc[:1].assign(category="only_one")
    a = compute_access(city.graph, city.homes, fac, radii=RADII)
    b = tiled_access(city.graph, city.homes, fac, radii=RADII, tiles=16)
    assert b.options["far_homes"] > len(city.homes) // 2
    assert_same_access(a, b)
