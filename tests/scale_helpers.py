"""Shared by tests/scale: the generated city's settings and the access comparison."""

from __future__ import annotations

import pandas as pd

from lifecircle.access import AccessResult
from lifecircle.scale.synth import SynthCity, synth_city

#: small radii on a 3 km city, so that tiles are much smaller than the city
RADII = (100.0, 250.0)
COUNTS_FOR = ("kindergarten", "elderly_daycare", "clinic")


def small_city() -> SynthCity:
    """1,600 nodes, 1,500 homes, ~360 facilities; a few homes and facilities off the network."""
    return synth_city(side=40, homes=1500, districts=3, facility_density=4.0, off_network=3)


def assert_same_access(a: AccessResult, b: AccessResult) -> None:
    """The same rows, columns and dtypes; distances, ids and counts exactly equal."""
    supply = [c for c in a.homes.columns if c.startswith("supply_per_1000_")]
    assert list(a.homes.columns) == list(b.homes.columns)
    pd.testing.assert_frame_equal(
        a.homes.drop(columns=supply), b.homes.drop(columns=supply), check_exact=True
    )
    # 2SFCA sums floats in the order facilities are searched: equal up to that order
    pd.testing.assert_frame_equal(a.homes[supply], b.homes[supply], rtol=1e-12)
    pd.testing.assert_frame_equal(a.unsnapped, b.unsnapped)
    assert a.unsnapped_population == b.unsnapped_population
    assert a.warnings == b.warnings
    assert a.network == b.network
    assert len(a.home_geometry) == len(b.home_geometry)
    assert all(p.equals(q) for p, q in zip(a.home_geometry, b.home_geometry, strict=True))
