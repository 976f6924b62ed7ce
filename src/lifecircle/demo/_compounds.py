"""Generated residential compounds (小区): clustered points inside their community cell.

Only where the kept street network is near: land cut off by the river at the district edge
loses its streets (only the largest connected piece of network is kept) and gets no compound.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.demo._layout import CRS, Layout
from lifecircle.demo._names import compound_names, largest_remainder
from lifecircle.demo._network import Network

COMPOUNDS_AT_SCALE_1 = 4200
PERSONS_PER_HOUSEHOLD = 2.8
# A compound's gate is at most this far from a kept street or path (campus blocks without
# footpaths are about 90 m from their edge streets in the middle).
MAX_FROM_NETWORK_M = 70.0
_COLUMNS = (
    "community",
    "street",
    "population",
    "households",
    "share_0_3",
    "share_3_6",
    "share_60_plus",
    "x",
    "y",
)


def _sample_in(
    poly: shapely.Polygon,
    n: int,
    rng: np.random.Generator,
    layout: Layout,
    network: Network,
    centres: np.ndarray | None = None,
    sd: float = 0.0,
) -> np.ndarray:
    """``n`` dry points in ``poly`` near the kept network: uniform, or around ``centres``."""
    minx, miny, maxx, maxy = poly.bounds
    got = np.empty((0, 2))
    for attempt in range(60):
        m = max(16, 4 * n)
        if centres is not None and attempt < 30:
            c = centres[rng.integers(0, len(centres), m)]
            pts = c + rng.normal(0.0, sd, (m, 2))
        else:
            pts = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        ok = shapely.contains_xy(poly, pts[:, 0], pts[:, 1]) & ~layout.in_river(
            pts[:, 0], pts[:, 1], margin=20.0
        )
        ok[ok] = network.near(pts[ok, 0], pts[ok, 1], MAX_FROM_NETWORK_M)
        got = np.vstack([got, pts[ok]])
        if len(got) >= n:
            sample: np.ndarray = got[:n]
            return sample
    raise RuntimeError(
        "could not place compounds in a community cell near the street network"
    )  # pragma: no cover


def make_compounds(
    layout: Layout,
    network: Network,
    communities: gpd.GeoDataFrame,
    scale: float,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Compounds with population summing exactly to each community's population."""
    n_total = max(3 * len(communities), round(COMPOUNDS_AT_SCALE_1 * scale))
    per_comm = largest_remainder(n_total, communities["population"].to_numpy(float), minimum=2)
    names = compound_names(int(per_comm.sum()), rng)
    # columns gathered per community and framed once (a frame per community costs more
    # than the sampling); the draws keep their order: population, the shares, the age mix
    cols: dict[str, list[np.ndarray]] = {c: [] for c in _COLUMNS}
    for row, n in zip(communities.itertuples(index=False), per_comm, strict=True):
        poly = row.geometry
        k = max(1, round(n / 12))
        centres = _sample_in(poly, k, rng, layout, network)
        sd = min(90.0, np.sqrt(poly.area) / 8)
        pts = _sample_in(poly, int(n), rng, layout, network, centres=centres, sd=sd)
        pts = pts[np.lexsort((pts[:, 0], -pts[:, 1]))]
        pop = largest_remainder(int(row.population), rng.lognormal(0.0, 0.6, n), minimum=1)
        north = (pts[:, 1] - layout.y0) / layout.height  # older estates in the old north
        cols["community"].append(np.full(n, row.name, dtype=object))
        cols["street"].append(np.full(n, row.street, dtype=object))
        cols["population"].append(pop)
        cols["households"].append(
            np.maximum(1, np.round(pop / PERSONS_PER_HOUSEHOLD)).astype(np.int64)
        )
        cols["share_0_3"].append(np.round(rng.uniform(0.022, 0.048, n), 4))
        cols["share_3_6"].append(np.round(rng.uniform(0.024, 0.050, n), 4))
        cols["share_60_plus"].append(
            np.round(np.clip(0.09 + 0.10 * north + rng.normal(0, 0.03, n), 0.04, 0.35), 4)
        )
        cols["x"].append(np.round(pts[:, 0], 2))
        cols["y"].append(np.round(pts[:, 1], 2))
    df = pd.DataFrame(
        {"name": np.asarray(names, dtype=object)} | {c: np.concatenate(cols[c]) for c in cols}
    )
    df.insert(0, "id", [f"XQ{i + 1:05d}" for i in range(len(df))])
    geom = shapely.points(df["x"].to_numpy(), df["y"].to_numpy())
    return gpd.GeoDataFrame(df, geometry=geom, crs=CRS)
