"""A generated city for tests and benchmarks: a jittered street grid, homes and facilities.

Everything here is generated with numpy (示例数据：几何为生成数据); nothing describes a real
place. The city is split into ``districts`` bands of different facility density, a few
streets are missing (so there are dead ends and small detached pieces), some facilities
have no capacity, and one category is rare, so that some homes walk far to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from lifecircle.network.graph import WalkGraph

#: a metric CRS for generated coordinates (CGCS2000 / 3-degree Gauss-Kruger CM 114E)
SYNTH_CRS = pyproj.CRS.from_epsg(4547)
#: the generated data's notice, shown wherever it is shown
NOTICE = "示例数据：几何为生成数据"
#: categories and facilities per 1,000 homes (the last one is rare on purpose)
CATEGORIES: dict[str, float] = {
    "kindergarten": 12.0,
    "primary_school": 6.0,
    "clinic": 10.0,
    "supermarket": 25.0,
    "elderly_daycare": 8.0,
    "sports_field": 0.6,
}
#: categories with capacities (2SFCA supply); about 1 in 12 has none given
WITH_CAPACITY = ("kindergarten", "elderly_daycare")


@dataclass(frozen=True)
class SynthCity:
    """A generated city: its network, homes and facilities (one metric CRS)."""

    graph: WalkGraph
    homes: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    districts: int

    @property
    def nodes(self) -> int:
        """Walkable nodes of the network."""
        return self.graph.n_nodes


def synth_city(
    *,
    side: int,
    homes: int,
    districts: int = 4,
    spacing_m: float = 80.0,
    drop_share: float = 0.08,
    facility_density: float = 1.0,
    off_network: int = 0,
    categories: dict[str, float] | None = None,
    with_capacity: tuple[str, ...] = WITH_CAPACITY,
    seed: int = 14,
) -> SynthCity:
    """A ``side`` × ``side`` street grid (about ``side²`` nodes) with homes and facilities.

    Parameters
    ----------
    side : int
        Nodes along each side of the grid.
    homes : int
        Residential compounds (points, with a whole-number population).
    districts : int
        Bands of the city, west to east, each with its own facility density.
    spacing_m : float
        Block length (metres) before jitter.
    drop_share : float
        Share of streets left out.
    facility_density : float
        Facilities per home, as a multiple of `CATEGORIES`.
    off_network : int
        Extra homes and facilities 1 km beyond the city's edge (never reached).
    categories : dict, optional
        Facilities per 1,000 homes by category; default `CATEGORIES`.
    with_capacity : tuple of str
        The categories whose facilities have capacities.
    seed : int
        Random seed: the same arguments give the same city.

    Returns
    -------
    SynthCity
    """
    rng = np.random.default_rng(seed)
    graph = _grid(side, spacing_m, drop_share, rng)
    extent = side * spacing_m
    hx = rng.uniform(0, extent, homes)
    hy = rng.uniform(0, extent, homes)
    hx[: min(off_network, homes)] = extent + 1000.0  # beyond every street
    pop = np.maximum(1, np.round(rng.lognormal(6.0, 0.6, homes))).astype(np.int64)
    home_frame = gpd.GeoDataFrame(
        {"id": [f"H{k:07d}" for k in range(homes)], "population": pop.astype(float)},
        geometry=shapely.points(hx, hy),
        crs=SYNTH_CRS,
    )
    rows = []
    band = extent / max(1, districts)
    for d in range(max(1, districts)):
        density = 0.6 + 0.8 * d / max(1, districts - 1) if districts > 1 else 1.0
        for cat, per_1000 in (categories or CATEGORIES).items():
            mean = per_1000 * facility_density * density * homes / 1000.0 / max(1, districts)
            n = rng.poisson(mean)
            fx = rng.uniform(d * band, (d + 1) * band, n)
            fy = rng.uniform(0, extent, n)
            if d == 0 and n:
                fy[: min(off_network, n)] = -1000.0  # beyond every street
            cap = np.full(n, np.nan)
            if cat in with_capacity:
                cap = rng.integers(40, 300, n).astype(float)
                cap[rng.random(n) < 1 / 12] = np.nan
            rows.append(pd.DataFrame({"category": cat, "capacity": cap, "x": fx, "y": fy}))
    fac = pd.concat(rows, ignore_index=True)
    fac.insert(0, "id", [f"F{k:06d}" for k in range(len(fac))])
    fac_frame = gpd.GeoDataFrame(
        fac.drop(columns=["x", "y"]),
        geometry=shapely.points(fac["x"].to_numpy(), fac["y"].to_numpy()),
        crs=SYNTH_CRS,
    )
    return SynthCity(graph=graph, homes=home_frame, facilities=fac_frame, districts=districts)


def _grid(side: int, spacing: float, drop: float, rng: np.random.Generator) -> WalkGraph:
    """A jittered grid with some streets left out, built straight from arrays."""
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="xy")
    x = (ii * spacing + rng.uniform(-0.2, 0.2, ii.shape) * spacing).ravel()
    y = (jj * spacing + rng.uniform(-0.2, 0.2, jj.shape) * spacing).ravel()
    node = np.arange(side * side).reshape(side, side)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    keep = rng.random(len(u)) >= drop
    u, v = u[keep], v[keep]
    used = np.unique(np.concatenate([u, v]))
    local = np.full(side * side, -1, dtype=np.int64)
    local[used] = np.arange(len(used))
    x, y, u, v = x[used], y[used], local[u], local[v]
    coords = np.stack([np.stack([x[u], y[u]], axis=1), np.stack([x[v], y[v]], axis=1)], axis=1)
    geoms = shapely.linestrings(coords)
    return WalkGraph(
        node_x=x,
        node_y=y,
        edge_u=u,
        edge_v=v,
        edge_length=shapely.length(geoms),
        edge_geometry=geoms,
        crs=SYNTH_CRS,
    )
