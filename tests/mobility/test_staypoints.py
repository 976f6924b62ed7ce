"""Stay points (Li et al. 2008), night time and homes on hand-made tracks with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifecircle.mobility.staypoints import (
    StayPoints,
    detect_stay_points,
    home_locations,
    night_seconds,
)

MIN = 60
HOUR = 3600


def track(points: list[tuple[int, float, float]], device: int = 1):
    t = np.array([p[0] for p in points], dtype=np.int64)
    x = np.array([p[1] for p in points], dtype=np.float64)
    y = np.array([p[2] for p in points], dtype=np.float64)
    return np.full(len(t), device, dtype=np.uint64), t, x, y


def test_two_stays_and_a_short_pause():
    # 30 min at A (within 20 m), a walk of 1 km, 15 min at B, a 5-minute pause at C, a walk on
    pts = [(i * 5 * MIN, 10.0 * (i % 2), 0.0) for i in range(7)]  # 0..30 min at A: x 0/10
    pts += [(30 * MIN + k * MIN, 100.0 * k, 0.0) for k in range(1, 11)]  # walk to x=1000
    pts += [(40 * MIN + k * 3 * MIN, 1000.0, 15.0 * (k % 2)) for k in range(1, 6)]  # 43..55 at B
    pts += [(56 * MIN + k * MIN, 1000.0 + 300.0 * k, 0.0) for k in range(1, 4)]  # walk on
    pts += [(59 * MIN + k * MIN, 1900.0, 0.0) for k in range(1, 5)]  # 60..63 at C: 3 min only
    pts += [(64 * MIN + k * MIN, 1900.0 + 400.0 * k, 0.0) for k in range(1, 4)]
    sp = detect_stay_points(*track(pts), distance_m=200.0, min_duration_s=10 * MIN)
    assert len(sp) == 2
    # A: points 0..6, and the walk points x=100 (31 min) and x=200 (32 min: exactly 200 m
    # from the anchor, which still counts) are within 200 m of the anchor too
    assert sp.arrive[0] == 0 and sp.leave[0] == 32 * MIN
    assert sp.x[0] == pytest.approx((30 + 100 + 200) / 9)
    assert sp.points[0] == 9
    # anchors x=300 .. 800 gather 2 minutes at most (x=800 breaks at B's first point, 200.6 m
    # away); B's anchor is the walk point x=900 at 39 min, and it lasts to B's last point
    assert sp.arrive[1] == 39 * MIN
    assert sp.leave[1] == 55 * MIN
    assert sp.x[1] == pytest.approx((900 + 1000 * 6) / 7)
    assert sp.y[1] == pytest.approx((0 + 15 + 0 + 15 + 0 + 15 + 0) / 7)


def test_distance_threshold_is_inclusive_and_track_end_closes_a_stay():
    pts = [(0, 0.0, 0.0), (5 * MIN, 200.0, 0.0), (12 * MIN, 0.0, 200.0)]
    sp = detect_stay_points(*track(pts), distance_m=200.0, min_duration_s=10 * MIN)
    assert len(sp) == 1 and sp.points[0] == 3 and sp.leave[0] == 12 * MIN
    pts[1] = (5 * MIN, 200.001, 0.0)
    sp = detect_stay_points(*track(pts), distance_m=200.0, min_duration_s=10 * MIN)
    assert len(sp) == 0  # anchor 0 breaks at once; anchor 1 reaches only 7 minutes


def test_devices_never_mix_and_order_is_kept():
    a = track([(0, 0.0, 0.0), (6 * MIN, 5.0, 0.0)], device=7)
    b = track([(12 * MIN, 0.0, 0.0), (30 * MIN, 5.0, 5.0)], device=3)
    # device 7 alone lasts 6 minutes; joined with device 3 it would pass 10 minutes
    joined = [np.concatenate([p, q]) for p, q in zip(a, b, strict=True)]
    sp = detect_stay_points(*joined, distance_m=200.0, min_duration_s=10 * MIN)
    assert list(sp.device) == [3]
    assert sp.arrive[0] == 12 * MIN and sp.leave[0] == 30 * MIN


def test_empty_input():
    empty = np.zeros(0)
    sp = detect_stay_points(
        np.zeros(0, np.uint64), np.zeros(0, np.int64), empty, empty, distance_m=200.0
    )
    assert len(sp) == 0 and isinstance(sp, StayPoints)


def test_night_seconds_by_hand():
    day = 86_400
    d0 = 10 * day  # any day
    arrive = np.array([d0 + 21 * HOUR, d0 + 23 * HOUR, d0 + 8 * HOUR, d0, d0 + 5 * HOUR])
    leave = np.array(
        [d0 + day + 7 * HOUR, d0 + day + 1 * HOUR, d0 + 20 * HOUR, d0 + 3 * day, d0 + 5 * HOUR]
    )
    got = night_seconds(arrive, leave, night=(22, 6))
    assert list(got) == [8 * HOUR, 2 * HOUR, 0, 3 * 8 * HOUR, 0]
    # a night that does not cross midnight
    assert night_seconds(np.array([d0]), np.array([d0 + day]), night=(1, 5))[0] == 4 * HOUR


def _stays(rows):
    df = pd.DataFrame(rows, columns=["device", "x", "y", "arrive", "leave"])
    return StayPoints(
        device=df["device"].to_numpy(np.uint64),
        x=df["x"].to_numpy(float),
        y=df["y"].to_numpy(float),
        arrive=df["arrive"].to_numpy(np.int64),
        leave=df["leave"].to_numpy(np.int64),
        points=np.full(len(df), 5, dtype=np.int64),
    )


def test_home_is_the_zone_of_most_night_time():
    d = 86_400
    stays = _stays(
        [
            # device 1: 2 h of night in zone 1, 6 h of night in zone 2 (two stays), day in zone 3
            (1, 0.0, 0.0, 22 * HOUR, 24 * HOUR),
            (1, 100.0, 0.0, d + 0, d + 3 * HOUR),
            (1, 110.0, 0.0, d + 3 * HOUR, d + 6 * HOUR),
            (1, 500.0, 0.0, d + 9 * HOUR, d + 18 * HOUR),
            # device 2: a tie, 1 h in zone 5 and 1 h in zone 4: the lower zone wins
            (2, 0.0, 0.0, 22 * HOUR, 23 * HOUR),
            (2, 50.0, 0.0, 23 * HOUR, 24 * HOUR),
            # device 3: only 30 minutes of night: no home
            (3, 0.0, 0.0, 5 * HOUR + 1800, 12 * HOUR),
        ]
    )
    zone = np.array([1, 2, 2, 3, 5, 4, 1], dtype=np.int64)
    homes = home_locations(stays, zone, night=(22, 6), min_night_s=3600)
    assert list(homes.index) == [1, 2]
    assert homes.loc[1, "zone"] == 2 and homes.loc[1, "night_s"] == 6 * HOUR
    assert homes.loc[1, "x"] == pytest.approx(105.0)  # night-weighted mean of its zone-2 stays
    assert homes.loc[2, "zone"] == 4
    # a stay outside every zone never makes a home
    none = home_locations(stays, np.full(7, -1, dtype=np.int64))
    assert none.empty
