"""Community cells and populations, and the 49 generated circles (adjacent communities)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.demo._layout import CRS, Layout, community_cells
from lifecircle.demo._names import (
    N_CIRCLES,
    cn_number,
    largest_remainder,
    load_communities,
    load_streets,
)


def make_communities(layout: Layout, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Every real community as a generated cell inside its street, with a population.

    Populations split each street's census figure with log-normal weights (villages half
    weight), so they sum exactly to the street and the district totals.
    """
    streets = load_streets()
    comm = load_communities()
    parts = []
    for street, pop in zip(streets["name"], streets["population"], strict=True):
        rows = comm[comm["street"] == street].sort_values("name").reset_index(drop=True)
        cells, seeds = community_cells(layout, street, len(rows), rng)
        weights = rng.lognormal(0.0, 0.35, len(rows)) * np.where(rows["kind"] == "村", 0.5, 1.0)
        rows = rows.assign(
            population=largest_remainder(int(pop), weights, minimum=1),
            seed_x=seeds[:, 0],
            seed_y=seeds[:, 1],
            geometry=cells,
        )
        parts.append(rows)
    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS)


def _circles_per_street(streets: pd.DataFrame, n_comm: pd.Series) -> np.ndarray:
    """49 circles split over streets by population; at least 1, at most one per community."""
    pop = streets["population"].to_numpy(float)
    cap = streets["name"].map(n_comm).to_numpy()
    alloc = largest_remainder(N_CIRCLES, pop, minimum=0)
    alloc = np.clip(alloc, 1, cap)
    while alloc.sum() != N_CIRCLES:  # fix rounding after clipping, biggest need first
        need = pop / np.maximum(alloc, 1)
        if alloc.sum() < N_CIRCLES:
            need[alloc >= cap] = -1
            alloc[int(np.argmax(need))] += 1
        else:
            need[alloc <= 1] = np.inf
            alloc[int(np.argmin(need))] -= 1
    out: np.ndarray = alloc
    return out


def _adjacency(cells: list[Any]) -> np.ndarray:
    n = len(cells)
    adj = np.zeros((n, n), bool)
    arr = np.array(cells, dtype=object)
    bnd = shapely.boundary(arr)
    for i in range(n):
        shared = shapely.length(shapely.intersection(bnd[i], bnd))
        adj[i] = shared > 1.0
        adj[i, i] = False
    return adj


def _grow(seeds_xy: np.ndarray, pop: np.ndarray, adj: np.ndarray, k: int) -> np.ndarray:
    """Split communities into ``k`` contiguous groups by balanced region growing."""
    n = len(pop)
    # Farthest-point seeds, starting from the north-westmost community.
    first = int(np.argmin(seeds_xy[:, 0] - seeds_xy[:, 1]))
    picks = [first]
    dist = np.hypot(*(seeds_xy - seeds_xy[first]).T)
    for _ in range(k - 1):
        nxt = int(np.argmax(dist))
        picks.append(nxt)
        dist = np.minimum(dist, np.hypot(*(seeds_xy - seeds_xy[nxt]).T))
    group = np.full(n, -1)
    group[picks] = np.arange(k)
    load = pop[picks].astype(float)
    while (group < 0).any():
        grew = False
        for g in np.argsort(load, kind="stable"):
            members = group == g
            frontier = np.flatnonzero(adj[members].any(axis=0) & (group < 0))
            if frontier.size:
                d = np.hypot(*(seeds_xy[frontier] - seeds_xy[picks[g]]).T)
                c = int(frontier[np.argmin(d)])
                group[c] = g
                load[g] += pop[c]
                grew = True
                break
        if not grew:  # a community with no assigned neighbour: join the nearest seed
            c = int(np.flatnonzero(group < 0)[0])
            g = int(np.argmin(np.hypot(*(seeds_xy[picks] - seeds_xy[c]).T)))
            group[c] = g
            load[g] += pop[c]
    return group


def make_circles(communities: gpd.GeoDataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """49 circles C01..C49 of adjacent communities within one street.

    Returns the circles table (circle_id, name, street, communities) and each community's
    circle index. Circles are numbered by street code, then north to south.
    """
    streets = load_streets()
    n_comm = communities.groupby("street").size()
    alloc = _circles_per_street(streets, n_comm)
    circle_of = np.full(len(communities), -1)
    rows: list[dict[str, str]] = []
    # the columns taken once: a column of a GeoDataFrame is slow to get, in a loop
    street_of = communities["street"].to_numpy()
    name_of = communities["name"].to_numpy()
    seed_xy = communities[["seed_x", "seed_y"]].to_numpy()
    pop_of = communities["population"].to_numpy()
    cell_of = np.asarray(communities.geometry.values)
    for street, k in zip(streets["name"], alloc, strict=True):
        idx = np.flatnonzero(street_of == street)
        xy = seed_xy[idx]
        group = _grow(xy, pop_of[idx], _adjacency(list(cell_of[idx])), int(k))
        # order groups north to south, then west to east, by population-weighted centre
        cy = np.array([xy[group == g, 1].mean() for g in range(k)])
        cx = np.array([xy[group == g, 0].mean() for g in range(k)])
        order = np.lexsort((cx, -np.round(cy, -1)))
        for n, g in enumerate(order, start=1):
            cid = len(rows)
            members = idx[group == g]
            circle_of[members] = cid
            names = sorted(name_of[members].tolist())
            rows.append(
                {
                    "circle_id": f"C{cid + 1:02d}",
                    "name": f"{street}第{cn_number(n)}生活圈",
                    "street": street,
                    "communities": ";".join(names),
                }
            )
    return pd.DataFrame(rows), circle_of
