"""Hand-made location tracks near Changsha: who lives where, when they visit which facility."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

CRS = "EPSG:32649"
X0, Y0 = 700_000.0, 3_110_000.0
DAY0 = pd.Timestamp("2024-05-06 00:00:00")

# two square communities side by side (500 m), a fresh market in B near its middle
COMMUNITIES = gpd.GeoDataFrame(
    {"id": ["A", "B"], "population": [3000, 2000]},
    geometry=[
        shapely.box(X0, Y0, X0 + 500, Y0 + 500),
        shapely.box(X0 + 500, Y0, X0 + 1000, Y0 + 500),
    ],
    crs=CRS,
)
HOME_A = (X0 + 150.0, Y0 + 250.0)
HOME_B = (X0 + 850.0, Y0 + 100.0)
MARKET = (X0 + 750.0, Y0 + 300.0)
FACILITIES = gpd.GeoDataFrame(
    {"id": ["F1"], "category": ["fresh_market"]},
    geometry=[shapely.Point(MARKET)],
    crs=CRS,
)


def raw_id(i: int) -> str:
    """A raw id that looks like a phone number, easy to search for in outputs."""
    return f"1380013{i:04d}"


def day_track(home: tuple[float, float], day: int, *, visit: bool, rng: np.random.Generator):
    """One day: home until 08:00 (pings every 10 min), walk to the market, 30 min there,
    walk back, home until midnight. Positions jitter by up to 10 m."""
    rows = []
    t = DAY0 + pd.Timedelta(days=day)

    def at(x, y, start, end, step):
        s = start
        while s < end:
            rows.append(
                (t + pd.Timedelta(minutes=s), x + rng.uniform(-10, 10), y + rng.uniform(-10, 10))
            )
            s += step

    if not visit:
        at(*home, 0, 24 * 60, 10)
        return rows
    at(*home, 0, 8 * 60, 10)
    for k in range(1, 8):  # walk, one ping a minute
        f = k / 8
        rows.append(
            (t + pd.Timedelta(minutes=8 * 60 + k),
             home[0] + (MARKET[0] - home[0]) * f, home[1] + (MARKET[1] - home[1]) * f)
        )  # fmt: skip
    at(*MARKET, 8 * 60 + 8, 8 * 60 + 40, 4)
    for k in range(1, 8):
        f = k / 8
        rows.append(
            (t + pd.Timedelta(minutes=8 * 60 + 40 + k),
             MARKET[0] + (home[0] - MARKET[0]) * f, MARKET[1] + (home[1] - MARKET[1]) * f)
        )  # fmt: skip
    at(*home, 8 * 60 + 48, 24 * 60, 10)
    return rows


def records(
    n_a: int = 6, n_b: int = 1, days: int = 2, *, seed: int = 0, coords: str = "wgs84"
) -> pd.DataFrame:
    """Records of ``n_a`` residents of A and ``n_b`` of B, all visiting the market daily."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(n_a + n_b):
        home = HOME_A if i < n_a else HOME_B
        rows = [r for d in range(days) for r in day_track(home, d, visit=True, rng=rng)]
        df = pd.DataFrame(rows, columns=["time", "x", "y"])
        df.insert(0, "device_id", raw_id(i))
        parts.append(df)
    out = pd.concat(parts, ignore_index=True)
    to_ll = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(out["x"].to_numpy(), out["y"].to_numpy())
    if coords == "gcj02":
        from lifecircle.io import wgs84_to_gcj02

        lon, lat = wgs84_to_gcj02(lon, lat)
    out["lon"], out["lat"] = lon, lat
    out["time"] = out["time"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return out[["device_id", "time", "lon", "lat"]]
