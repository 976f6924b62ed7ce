"""GCJ-02 / BD-09 conversions against published point pairs, round trips, and outside China."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecircle.io import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from lifecircle.io.coords import _bd09_to_gcj02_approx

# Published test vectors of googollee/eviltransform (python/test.py, go/transform_test.go):
# (wgs_lat, wgs_lng, gcj_lat, gcj_lng) for Shanghai, Shenzhen and Beijing.
EVILTRANSFORM_PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]

# Published results of wandergis/coordtransform (test/app.js), input (116.404, 39.915):
WANDERGIS_WGS_TO_GCJ = (116.41024449916938, 39.91640428150164)
WANDERGIS_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)
WANDERGIS_BD_TO_GCJ = (116.39762729119315, 39.90865673957631)  # closed-form approximation
WANDERGIS_GCJ_TO_WGS = (116.39775550083061, 39.91359571849836)  # one-step approximation


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance on a 6371 km sphere (enough for cm-scale checks)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), EVILTRANSFORM_PAIRS)
def test_wgs_to_gcj_matches_eviltransform(wlat: float, wlng: float, glat: float, glng: float):
    lon, lat = wgs84_to_gcj02(wlng, wlat)
    assert float(lon) == pytest.approx(glng, abs=1e-9)
    assert float(lat) == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), EVILTRANSFORM_PAIRS)
def test_gcj_to_wgs_exact_recovers_eviltransform_wgs(
    wlat: float, wlng: float, glat: float, glng: float
):
    lon, lat = gcj02_to_wgs84(glng, glat)
    # the published GCJ values carry ~1e-14 degree, so the exact inverse lands within 1 mm
    assert _metres(float(lon), float(lat), wlng, wlat) < 0.001


def test_vectorised_over_arrays_match_scalars():
    wlat, wlng, glat, glng = (np.array(col) for col in zip(*EVILTRANSFORM_PAIRS, strict=True))
    lon, lat = wgs84_to_gcj02(wlng, wlat)
    np.testing.assert_allclose(lon, glng, atol=1e-9)
    np.testing.assert_allclose(lat, glat, atol=1e-9)
    back_lon, back_lat = gcj02_to_wgs84(lon, lat)
    np.testing.assert_allclose(back_lon, wlng, atol=1e-8)
    np.testing.assert_allclose(back_lat, wlat, atol=1e-8)


def test_wandergis_forward_vectors():
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx(WANDERGIS_WGS_TO_GCJ, abs=1e-9)
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx(WANDERGIS_GCJ_TO_BD, abs=1e-9)
    lon, lat = _bd09_to_gcj02_approx(np.float64(116.404), np.float64(39.915))
    assert (float(lon), float(lat)) == pytest.approx(WANDERGIS_BD_TO_GCJ, abs=1e-9)


def test_exact_inverses_beat_the_published_shortcuts():
    # BD-09 -> GCJ-02: exact inverse is within 10 cm of the closed form, and exact.
    lon, lat = bd09_to_gcj02(116.404, 39.915)
    assert _metres(float(lon), float(lat), *WANDERGIS_BD_TO_GCJ) < 0.1
    fwd = gcj02_to_bd09(lon, lat)
    assert _metres(float(fwd[0]), float(fwd[1]), 116.404, 39.915) < 0.001
    # GCJ-02 -> WGS-84: the one-step shortcut (wandergis) agrees to centimetres here, but
    # only the exact inverse maps back onto the input under the forward formula.
    lon, lat = gcj02_to_wgs84(116.404, 39.915)
    assert _metres(*WANDERGIS_GCJ_TO_WGS, float(lon), float(lat)) < 1.0
    fwd = wgs84_to_gcj02(lon, lat)
    exact_residual = _metres(float(fwd[0]), float(fwd[1]), 116.404, 39.915)
    fwd = wgs84_to_gcj02(*WANDERGIS_GCJ_TO_WGS)
    shortcut_residual = _metres(float(fwd[0]), float(fwd[1]), 116.404, 39.915)
    assert exact_residual < 0.001 < shortcut_residual


def test_known_offset_size_in_changsha():
    # GCJ-02 moves points in Changsha by a few hundred metres (known to anyone who has
    # overlaid Amap on OSM); WGS->BD is larger still (about a kilometre).
    lon, lat = 112.98, 28.12
    g = wgs84_to_gcj02(lon, lat)
    b = wgs84_to_bd09(lon, lat)
    assert 300 < _metres(lon, lat, float(g[0]), float(g[1])) < 800
    assert 800 < _metres(lon, lat, float(b[0]), float(b[1])) < 1500


@pytest.mark.parametrize(
    ("lon", "lat"), [(-0.1276, 51.5072), (24.94, 60.17), (151.2, -33.87), (139.69, 35.69)]
)
def test_outside_china_unchanged(lon: float, lat: float):
    assert out_of_china(lon, lat)
    for fn in (
        wgs84_to_gcj02,
        gcj02_to_wgs84,
        gcj02_to_bd09,
        bd09_to_gcj02,
        wgs84_to_bd09,
        bd09_to_wgs84,
    ):
        out = fn(lon, lat)
        assert (float(out[0]), float(out[1])) == (lon, lat), fn.__name__


def test_nan_passes_through_without_blocking_others():
    lon, lat = gcj02_to_wgs84([np.nan, 116.404], [39.9, 39.915])
    assert np.isnan(lon[0]) and lat[0] == 39.9
    assert abs(lon[1] - 116.3977) < 1e-3


def test_to_wgs84_dispatch_and_unknown():
    assert to_wgs84(113.0, 28.0, coords="cgcs2000") == (113.0, 28.0)
    np.testing.assert_allclose(to_wgs84(113.0, 28.0, coords="GCJ-02"), gcj02_to_wgs84(113, 28))
    with pytest.raises(ValueError, match="未知的经纬度坐标系"):
        to_wgs84(113.0, 28.0, coords="utm")


# Inside the China box with a margin, so the offset point stays inside too.
china_lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=3.0, max_value=53.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_gcj_round_trip_within_1e7_degree(lon: float, lat: float):
    g = wgs84_to_gcj02(lon, lat)
    w = gcj02_to_wgs84(*g)
    assert abs(float(w[0]) - lon) < 1e-7
    assert abs(float(w[1]) - lat) < 1e-7
    assert float(g[0]) != lon or float(g[1]) != lat  # an offset was applied


@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_bd_round_trips_within_1e7_degree(lon: float, lat: float):
    b = gcj02_to_bd09(lon, lat)
    g = bd09_to_gcj02(*b)
    assert abs(float(g[0]) - lon) < 1e-7
    assert abs(float(g[1]) - lat) < 1e-7
    w = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert abs(float(w[0]) - lon) < 1e-7
    assert abs(float(w[1]) - lat) < 1e-7
