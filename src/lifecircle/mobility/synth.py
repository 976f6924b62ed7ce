"""Synthetic city for tests and the demo: communities, planted circles, gravity-model flows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from lifecircle.mobility.adjacency import adjacency_pairs

__all__ = [
    "SYNTH_CATEGORIES",
    "SYNTH_CRS",
    "SyntheticCity",
    "synthetic_city",
    "synthetic_facility_flows",
    "synthetic_flows",
]

#: UTM 49N: the synthetic city sits in Changsha's zone, so lon/lat outputs look local.
SYNTH_CRS: Final = "EPSG:32649"
_ORIGIN: Final = (700_000.0, 3_110_000.0)  # near 雨花区 (about 113.05 E, 28.10 N)
#: One facility of each of these per planted circle.
SYNTH_CATEGORIES: Final = (
    "fresh_market",
    "supermarket",
    "kindergarten",
    "community_health_station",
    "park",
)
_STREET_SPACING_M: Final = 150.0
_DECAY_M: Final = 900.0  # distance decay of the gravity model (exp(-d / 900 m))


@dataclass(frozen=True)
class SyntheticCity:
    """A generated city: everything in `SYNTH_CRS` (metres).

    ``communities`` has ``id``, ``name``, ``population``, ``circle_id`` (the planted
    circle) and polygon geometry; ``facilities`` ``id``, ``category``, ``circle_id``,
    ``community`` and points; ``streets`` a grid of walkable lines.
    """

    communities: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    seed: int
    #: The circles as the district has them today, when the planted ones differ
    #: (circle id per community id); None: today's circles are the planted ones.
    current: pd.Series | None = None

    @property
    def planted(self) -> pd.Series:
        """Planted circle of each community, indexed by community id."""
        return pd.Series(
            self.communities["circle_id"].to_numpy(),
            index=pd.Index(self.communities["id"].to_numpy(), name="community_id"),
            name="circle_id",
        )

    @property
    def circles_table(self) -> pd.DataFrame:
        """Today's circles (the planted ones unless `current` is set) in the district
        format: ``circle_id``, ``communities`` (``;``)."""
        if self.current is not None:
            frame = pd.DataFrame(
                {"id": self.current.index.astype(str), "circle_id": self.current.to_numpy()}
            )
            grouped = frame.groupby("circle_id", sort=True)["id"]
            return pd.DataFrame(
                {
                    "circle_id": list(grouped.groups),
                    "communities": [";".join(v) for _, v in grouped],
                }
            )
        grouped = self.communities.groupby("circle_id", sort=True)["id"]
        return pd.DataFrame(
            {"circle_id": list(grouped.groups), "communities": [";".join(v) for _, v in grouped]}
        )


def _tessellation(
    rows: int, cols: int, size_m: float, rng: np.random.Generator
) -> NDArray[np.object_]:
    """Voronoi cells of a jittered ``rows`` x ``cols`` grid, clipped to the city's rectangle."""
    x0, y0 = _ORIGIN
    ii, jj = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    x = x0 + (jj.ravel() + 0.5 + rng.uniform(-0.3, 0.3, rows * cols)) * size_m
    y = y0 + (ii.ravel() + 0.5 + rng.uniform(-0.3, 0.3, rows * cols)) * size_m
    seeds = shapely.points(x, y)
    box = shapely.box(x0, y0, x0 + cols * size_m, y0 + rows * size_m)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    cells = shapely.intersection(cells, box)
    # voronoi_polygons does not keep the input order: put each cell back with its seed
    tree = shapely.STRtree(cells)
    seed_idx, cell_idx = tree.query(seeds, predicate="intersects")
    order = np.empty(len(seeds), dtype=np.int64)
    first = np.unique(seed_idx, return_index=True)[1]
    order[seed_idx[first]] = cell_idx[first]
    return np.asarray(shapely.set_precision(cells[order], 0.01), dtype=object)


def _grow_circles(
    n: int,
    pairs: NDArray[np.int64],
    centres: NDArray[np.float64],
    population: NDArray[np.float64],
    n_circles: int,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Contiguous planted circles: seeds spread apart, grown by smallest population first."""
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in pairs:
        neighbours[int(a)].append(int(b))
        neighbours[int(b)].append(int(a))
    seeds = [int(rng.integers(n))]
    dmin = np.hypot(*(centres - centres[seeds[0]]).T)
    while len(seeds) < n_circles:  # farthest-point sampling
        nxt = int(np.argmax(dmin))
        seeds.append(nxt)
        dmin = np.minimum(dmin, np.hypot(*(centres - centres[nxt]).T))
    label = np.full(n, -1, dtype=np.int64)
    pop = np.zeros(n_circles)
    for c, s in enumerate(seeds):
        label[s] = c
        pop[c] = population[s]
    while (label < 0).any():
        grown = False
        for c in np.argsort(pop, kind="stable"):
            members = np.flatnonzero(label == c)
            free = sorted({v for m in members for v in neighbours[m] if label[v] < 0})
            if not free:
                continue
            pick = min(
                free, key=lambda v: float(np.hypot(*(centres[v] - centres[members].mean(0))))
            )
            label[pick] = c
            pop[c] += population[pick]
            grown = True
            break
        if not grown:  # unreachable leftovers (cannot happen on a tessellation)
            label[label < 0] = 0
    return label


def _streets(rows: int, cols: int, size_m: float) -> gpd.GeoDataFrame:
    x0, y0 = _ORIGIN
    w, h = cols * size_m, rows * size_m
    xs = x0 + np.arange(0.0, w + 1e-9, _STREET_SPACING_M)
    ys = y0 + np.arange(0.0, h + 1e-9, _STREET_SPACING_M)
    lines = []
    for x in xs:  # one line per block side, so every crossing is a shared vertex
        lines += [shapely.LineString([(x, ys[i]), (x, ys[i + 1])]) for i in range(len(ys) - 1)]
    for y in ys:
        lines += [shapely.LineString([(xs[i], y), (xs[i + 1], y)]) for i in range(len(xs) - 1)]
    return gpd.GeoDataFrame(
        {"highway": ["residential"] * len(lines)}, geometry=lines, crs=SYNTH_CRS
    )


def _point_in(cell: shapely.Geometry, rng: np.random.Generator) -> shapely.Point:
    x0, y0, x1, y1 = cell.bounds
    for _ in range(200):
        p = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if cell.contains(p):
            return p
    return shapely.point_on_surface(cell)


def synthetic_city(
    *,
    rows: int = 12,
    cols: int = 12,
    community_size_m: float = 600.0,
    n_circles: int = 30,
    seed: int = 1,
) -> SyntheticCity:
    """A city of ``rows`` x ``cols`` irregular communities grouped into planted circles.

    Communities are Voronoi cells of a jittered grid (neighbours touch, as real ones do);
    circles grow from seeds spread over the city, so each is contiguous and they have
    similar populations. Each circle gets one facility of every `SYNTH_CATEGORIES`
    category, placed in one of its communities. Same arguments, same city.

    Parameters
    ----------
    rows, cols : int
        Size of the community grid.
    community_size_m : float
        Spacing of the grid (metres): the typical width of a community.
    n_circles : int
        Number of planted circles (at most the number of communities).
    seed : int
        Seed of every random choice.

    Returns
    -------
    SyntheticCity
    """
    n = rows * cols
    if not 1 <= n_circles <= n:
        raise ValueError(f"n_circles must be within 1..{n}")
    rng = np.random.default_rng(seed)
    cells = _tessellation(rows, cols, community_size_m, rng)
    centres = shapely.get_coordinates(shapely.centroid(cells))
    population = np.round(rng.lognormal(np.log(6000.0), 0.4, n))
    pairs = adjacency_pairs(cells, tolerance_m=1.0)
    label = _grow_circles(n, pairs, centres, population, n_circles, rng)
    width = len(str(n))
    ids = [f"S{i + 1:0{width}d}" for i in range(n)]
    circle_ids = [f"P{c + 1:02d}" for c in label]
    communities = gpd.GeoDataFrame(
        {
            "id": ids,
            "name": [f"合成社区{i + 1}" for i in range(n)],
            "population": population,
            "circle_id": circle_ids,
        },
        geometry=list(cells),
        crs=SYNTH_CRS,
    )
    rows_f: list[dict[str, object]] = []
    for c in range(n_circles):
        members = np.flatnonzero(label == c)
        for cat in SYNTH_CATEGORIES:
            home = int(rng.choice(members))
            rows_f.append(
                {
                    "id": f"F{len(rows_f) + 1:04d}",
                    "category": cat,
                    "circle_id": f"P{c + 1:02d}",
                    "community": ids[home],
                    "geometry": _point_in(cells[home], rng),
                }
            )
    facilities = gpd.GeoDataFrame(rows_f, geometry="geometry", crs=SYNTH_CRS)
    return SyntheticCity(
        communities=communities,
        facilities=facilities,
        streets=_streets(rows, cols, community_size_m),
        seed=seed,
    )


def _choose(
    weights: NDArray[np.float64], totals: NDArray[np.int64], rng: np.random.Generator
) -> NDArray[np.int64]:
    """Multinomial counts per row: ``totals[i]`` trips spread by row ``weights[i]``."""
    p = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
    return np.stack([rng.multinomial(int(t), row) for t, row in zip(totals, p, strict=True)])


def _trip_matrix(
    origin_xy: NDArray[np.float64],
    dest_xy: NDArray[np.float64],
    dest_mass: NDArray[np.float64],
    same: NDArray[np.bool_],
    totals: NDArray[np.int64],
    noise: float,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    d = np.hypot(
        origin_xy[:, None, 0] - dest_xy[None, :, 0], origin_xy[:, None, 1] - dest_xy[None, :, 1]
    )
    g = dest_mass[None, :] * np.exp(-np.maximum(d, 150.0) / _DECAY_M)
    planted = np.where(same, g, 0.0)
    empty = planted.sum(axis=1) == 0
    planted[empty] = g[empty]
    n_noise = rng.binomial(totals, noise)
    return _choose(planted, totals - n_noise, rng) + _choose(g, n_noise, rng)


def synthetic_flows(
    city: SyntheticCity, *, noise: float = 0.3, trips_per_resident: float = 0.05, seed: int = 1
) -> pd.DataFrame:
    """Community-to-community trip counts from a gravity model with the planted circles.

    Each community sends ``population * trips_per_resident`` trips. A trip stays in its
    planted circle with probability ``1 - noise`` (destination drawn by gravity,
    population x exp(-d / 900 m), among the circle's communities, itself included);
    otherwise it goes anywhere by the same gravity law, blind to circles. ``noise=0``
    plants perfect circles; ``noise=1`` leaves no trace of them.

    Parameters
    ----------
    city : SyntheticCity
        From `synthetic_city`.
    noise : float
        Share of trips that ignore the planted circles, 0..1.
    trips_per_resident : float
        Trips per resident in the period.
    seed : int
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination`` (community ids), ``count`` (> 0), sorted.
    """
    if not 0.0 <= noise <= 1.0:
        raise ValueError("noise must be within 0..1")
    rng = np.random.default_rng(seed)
    comm = city.communities
    xy = shapely.get_coordinates(shapely.point_on_surface(comm.geometry.to_numpy()))
    pop = comm["population"].to_numpy(dtype=np.float64)
    circle = comm["circle_id"].to_numpy()
    totals = rng.poisson(pop * trips_per_resident).astype(np.int64)
    counts = _trip_matrix(xy, xy, pop, circle[:, None] == circle[None, :], totals, noise, rng)
    o, d = np.nonzero(counts)
    ids = comm["id"].to_numpy()
    return pd.DataFrame({"origin": ids[o], "destination": ids[d], "count": counts[o, d]})


def synthetic_facility_flows(
    city: SyntheticCity, *, noise: float = 0.3, trips_per_resident: float = 0.02, seed: int = 1
) -> pd.DataFrame:
    """Community-to-facility trips per category, gravity-drawn, preferring the own circle.

    Parameters
    ----------
    city : SyntheticCity
        From `synthetic_city` or `synth_district.city_from_district`.
    noise : float
        Share of trips that ignore the planted circles, 0..1.
    trips_per_resident : float
        Trips per resident and category in the period.
    seed : int
        Seed of the draws.

    For every community and category, ``population * trips_per_resident`` trips go to a
    facility of the category: with probability ``1 - noise`` one of the own circle's
    (gravity among them), otherwise any (gravity over all). Devices are taken as 60 %
    of trips (a resident repeats some trips), at least 1.

    Returns
    -------
    pandas.DataFrame
        ``origin`` (community id), ``destination`` (facility id), ``category``,
        ``count``, ``devices``, sorted.
    """
    rng = np.random.default_rng(seed)
    comm = city.communities
    fac = city.facilities
    oxy = shapely.get_coordinates(shapely.point_on_surface(comm.geometry.to_numpy()))
    pop = comm["population"].to_numpy(dtype=np.float64)
    parts = []
    for cat in sorted(fac["category"].unique()):
        sub = fac[fac["category"] == cat]
        fxy = shapely.get_coordinates(sub.geometry.to_numpy())
        same = comm["circle_id"].to_numpy()[:, None] == sub["circle_id"].to_numpy()[None, :]
        totals = rng.poisson(pop * trips_per_resident).astype(np.int64)
        counts = _trip_matrix(oxy, fxy, np.ones(len(sub)), same, totals, noise, rng)
        o, d = np.nonzero(counts)
        parts.append(
            pd.DataFrame(
                {
                    "origin": comm["id"].to_numpy()[o],
                    "destination": sub["id"].to_numpy()[d],
                    "category": cat,
                    "count": counts[o, d],
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["devices"] = np.maximum(1, np.round(out["count"] * 0.6)).astype(np.int64)
    return out.sort_values(["origin", "destination"], ignore_index=True)
