"""Generated facilities of every category, with gaps set by each circle's hidden service level.

Each circle gets a service level: ``good`` (a third), ``middling`` (a third) or ``poor`` (a
third), shuffled by the seed. Facilities are placed by covering the circle's compounds with a
grid whose cell is the category's service radius times a level factor (one facility per
occupied cell, at the compound nearest the cell's population centre). Good circles get cells a
bit under the radius, middling circles a bit over it for the basic services and much coarser
for the quality ones (parking, chargers, sports), poor circles coarse cells throughout and
three basic services missing: absent, or present only once at the far edge of the circle
(across the river where the circle spans it). Capacities follow per-1,000 rates by level.
"""

from __future__ import annotations

from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from lifecircle.demo._layout import CRS, Layout
from lifecircle.demo._names import largest_remainder, stem
from lifecircle.demo._network import Network

LEVELS = ("good", "middling", "poor")
# A facility is at most this far from a kept street or path (compounds: 70 m, so a facility
# left on its compound is nearer still).
MAX_FROM_NETWORK_M = 90.0

# id: (name suffix, service radius m, role). Roles: "basic" services every circle must have
# within a short walk; "quality" ones that make the difference between AA and AAA.
CATEGORIES: dict[str, tuple[str, float, str]] = {
    "kindergarten": ("幼儿园", 300, "basic"),
    "nursery": ("托育园", 300, "basic"),
    "primary_school": ("小学", 500, "basic"),
    "middle_school": ("中学", 1000, "basic"),
    "elderly_service_station": ("居家养老服务站", 300, "basic"),
    "day_care_centre": ("老年人日间照料中心", 300, "basic"),
    "community_health_station": ("社区卫生服务站", 300, "basic"),
    "community_service_station": ("社区综合服务站", 300, "basic"),
    "culture_station": ("文化活动站", 500, "basic"),
    "fitness_ground": ("健身广场", 300, "basic"),
    "sports_court": ("多功能运动场", 300, "quality"),
    "park": ("游园", 500, "basic"),
    "supermarket": ("超市", 500, "basic"),
    "fresh_market": ("菜市场", 500, "basic"),
    "pharmacy": ("大药房", 500, "basic"),
    "barber": ("理发店", 500, "quality"),
    "laundry": ("洗衣店", 500, "quality"),
    "repair": ("便民维修点", 500, "quality"),
    "bank": ("银行网点", 800, "quality"),
    "housekeeping": ("家政服务点", 800, "quality"),
    "canteen": ("长者食堂", 500, "basic"),
    "parcel_locker": ("快递柜", 300, "basic"),
    "public_toilet": ("公厕", 500, "basic"),
    "waste_station": ("垃圾分类收集点", 300, "basic"),
    "bus_stop": ("公交站", 500, "network"),
    "metro_station": ("地铁站", 800, "network"),
    "parking": ("停车场", 300, "quality"),
    "ev_charger": ("充电站", 500, "quality"),
    "bike_shed": ("非机动车棚", 300, "quality"),
    "restaurant": ("餐馆", 500, "basic"),
}
# Categories placed after all others with a generator of their own (spawned from the seed),
# so that adding them left every earlier facility, capacity and manual value as it was.
LATE = ("restaurant",)

# Cell size = radius x factor, by level and role.
CELL_FACTOR = {
    "good": {"basic": 0.9, "quality": 1.0},
    "middling": {"basic": 1.1, "quality": 2.5},
    "poor": {"basic": 1.8, "quality": 4.0},
}
# Basic services that poor circles lack (three of these per poor circle).
POOR_GAPS = (
    "nursery",
    "elderly_service_station",
    "fresh_market",
    "day_care_centre",
    "canteen",
    "community_health_station",
)
N_GAPS = 3

# Capacity per 1,000 residents of the circle by level (good, middling, poor), rounding step,
# minimum per facility. Nursery totals are then rescaled to NURSERY_PER_1000 district-wide.
RATES = {
    "nursery": ((6.0, 4.6, 2.4), 5, 10),
    "kindergarten": ((40.0, 33.0, 25.0), 30, 60),
    "primary_school": ((75.0, 65.0, 50.0), 45, 180),
    "middle_school": ((40.0, 34.0, 26.0), 50, 250),
    "elderly_service_station": ((2.0, 1.2, 0.6), 1, 4),
    "day_care_centre": ((1.5, 1.0, 0.5), 1, 6),
}
NURSERY_PER_1000 = 4.3  # district average 托位 per 1,000, a bit under the 4.5 target
# Per-facility capacity ranges (good, middling, poor).
CAPACITY_RANGE = {
    "parking": ((80, 400), (40, 200), (20, 80)),
    "public_toilet": ((6, 16), (4, 10), (2, 6)),
    "ev_charger": ((10, 40), (4, 16), (2, 6)),
}
# floor_area_m2 ranges (good, middling, poor): site area for park/fitness/sports.
AREA_RANGE = {
    "park": ((1500, 5000), (1000, 3000), (400, 1500)),
    "fitness_ground": ((300, 750), (200, 500), (150, 300)),
    "sports_court": ((1310, 2460), (770, 1310), (600, 900)),
    "culture_station": ((400, 1200), (250, 600), (120, 300)),
    "community_service_station": ((600, 1000), (400, 800), (200, 400)),
    "community_health_station": ((150, 270), (120, 200), (80, 150)),
    "supermarket": ((600, 2000), (300, 1000), (150, 400)),
    "fresh_market": ((800, 2500), (500, 1500), (300, 800)),
    "canteen": ((200, 400), (120, 250), (60, 150)),
}
BIG_PARK = ((20_000, 80_000), (8_000, 20_000))  # one district/community park (good, middling)


def assign_levels(n_circles: int, rng: np.random.Generator) -> np.ndarray:
    """Hidden service level index per circle: thirds of good / middling / poor, shuffled."""
    base = np.arange(n_circles) * 3 // n_circles  # 0.., 1.., 2.. in near-equal thirds
    return rng.permutation(base)


def _offset(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    layout: Layout,
    network: Network,
    dist: tuple[float, float] = (15.0, 35.0),
    cells: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Move points a little off their compound; stay dry, inside the compound's cell and
    near the kept network (else the point stays on its compound)."""
    ang = rng.uniform(0, 2 * np.pi, len(x))
    r = rng.uniform(*dist, len(x))
    fx, fy = x + r * np.cos(ang), y + r * np.sin(ang)
    wet = layout.in_river(fx, fy, margin=5.0)
    if cells is not None:
        wet |= ~shapely.contains_xy(cells, fx, fy)
    wet |= ~network.near(fx, fy, MAX_FROM_NETWORK_M)
    return np.round(np.where(wet, x, fx), 2), np.round(np.where(wet, y, fy), 2)


def _cover(
    cx: np.ndarray,
    cy: np.ndarray,
    pop: np.ndarray,
    circle: np.ndarray,
    cell: np.ndarray | float,
    origin: np.ndarray,
) -> np.ndarray:
    """Index of one compound per occupied (circle, cell): nearest the cell's population centre."""
    gx = np.floor((cx - origin[circle, 0]) / cell).astype(np.int64)
    gy = np.floor((cy - origin[circle, 1]) / cell).astype(np.int64)
    group = _group_of(circle, gx, gy)
    w = pop + 1e-9
    tot = np.bincount(group, weights=w)
    mx = np.bincount(group, weights=w * cx) / tot
    my = np.bincount(group, weights=w * cy) / tot
    d = np.hypot(cx - mx[group], cy - my[group])
    order = np.lexsort((np.arange(len(cx)), d, group))
    first = np.ones(len(order), bool)
    first[1:] = group[order][1:] != group[order][:-1]
    covering: np.ndarray = order[first]
    return covering


def _group_of(circle: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Number of each (circle, gx, gy) among the distinct ones, in sorted order.

    One integer per row sorts far faster than rows of three (``np.unique(axis=0)``) and,
    ordered the same way, numbers the groups the same.
    """
    gx = gx - gx.min(initial=0)
    gy = gy - gy.min(initial=0)
    span_x, span_y = int(gx.max(initial=0)) + 1, int(gy.max(initial=0)) + 1
    if (int(circle.max(initial=0)) + 1) * span_x * span_y >= 2**62:  # pragma: no cover
        keys = np.column_stack([circle, gx, gy])
        return np.unique(keys, axis=0, return_inverse=True)[1].ravel()
    key = (circle.astype(np.int64) * span_x + gx) * span_y + gy
    group: np.ndarray = np.unique(key, return_inverse=True)[1]
    return group


def _far_one(
    idx: np.ndarray, cx: np.ndarray, cy: np.ndarray, pop: np.ndarray, east: np.ndarray
) -> int:
    """The compound at the far edge of a circle: across the river if the circle spans it."""
    sides = east[idx]
    if sides.any() and not sides.all():
        pops = [pop[idx[~sides]].sum(), pop[idx[sides]].sum()]
        minority = bool(np.argmin(pops))
        major = idx[sides != minority]
        cand = idx[sides == minority]
    else:
        major = cand = idx
    mx = np.average(cx[major], weights=pop[major] + 1e-9)
    my = np.average(cy[major], weights=pop[major] + 1e-9)
    return int(cand[np.argmax(np.hypot(cx[cand] - mx, cy[cand] - my))])


def make_facilities(
    layout: Layout,
    network: Network,
    compounds: gpd.GeoDataFrame,
    compound_circle: np.ndarray,
    circle_pop: np.ndarray,
    levels: np.ndarray,
    rng: np.random.Generator,
) -> tuple[gpd.GeoDataFrame, dict[int, list[str]]]:
    """Facilities (id, name, category, capacity, floor_area_m2) and each poor circle's gaps."""
    cx = compounds.geometry.x.to_numpy()
    cy = compounds.geometry.y.to_numpy()
    pop = compounds["population"].to_numpy(float)
    comm = compounds["community"].to_numpy()
    cell_of = compounds["cell"].to_numpy()
    east = layout.east_of_river(cx, cy)
    n_circles = len(circle_pop)
    origin = rng.uniform(0, 1000, (n_circles, 2))
    comp_level = levels[compound_circle]
    gaps = {
        int(c): sorted(rng.choice(POOR_GAPS, N_GAPS, replace=False).tolist())
        for c in np.flatnonzero(levels == 2)
    }
    far_kept = {c: rng.random(N_GAPS) < 0.5 for c in gaps}  # which gaps keep one far facility

    rows: list[_Rows] = []  # (category, x, y, compound index, big park)
    seed_seq = rng.bit_generator.seed_seq
    assert isinstance(seed_seq, np.random.SeedSequence)  # what default_rng(seed) makes
    late_rng = np.random.default_rng(seed_seq.spawn(1)[0])
    for cat, (_, radius, role) in CATEGORIES.items():
        if role == "network" or cat in LATE:
            continue
        factor = np.array([CELL_FACTOR[lv][role] for lv in LEVELS])[comp_level]
        missing = np.zeros(len(cx), bool)
        for c, gl in gaps.items():
            if cat in gl:
                missing |= compound_circle == c
        sel = np.flatnonzero(~missing)
        cells = np.unique(factor[sel])
        picked = []
        for cell_factor in cells:  # one covering per cell size (vectorised over circles)
            s = sel[factor[sel] == cell_factor]
            cover = _cover(cx[s], cy[s], pop[s], compound_circle[s], radius * cell_factor, origin)
            picked.append(s[cover])
        for c, gl in gaps.items():
            if cat in gl and far_kept[c][gl.index(cat)]:
                idx = np.flatnonzero(compound_circle == c)
                picked.append(np.array([_far_one(idx, cx, cy, pop, east)]))
        pick = np.sort(np.concatenate(picked)) if picked else np.empty(0, int)
        fx, fy = _offset(cx[pick], cy[pick], rng, layout, network, cells=cell_of[pick])
        rows.append((cat, fx, fy, pick, False))
    # One bigger park per good or middling circle, near its population centre.
    for circle in np.flatnonzero(levels < 2):
        idx = np.flatnonzero(compound_circle == circle)
        mx, my = np.average(cx[idx], weights=pop[idx]), np.average(cy[idx], weights=pop[idx])
        i = int(idx[np.argmin(np.hypot(cx[idx] - mx, cy[idx] - my))])
        fx, fy = _offset(cx[[i]], cy[[i]], rng, layout, network, (60.0, 90.0), cell_of[[i]])
        rows.append(("park", fx, fy, np.array([i]), True))
    # Bus stops and metro stations sit on the network.
    tree = cKDTree(np.column_stack([cx, cy]))
    for cat, nodes in (("bus_stop", network.bus_nodes), ("metro_station", network.metro_nodes)):
        fx, fy = _offset(
            network.node_x[nodes], network.node_y[nodes], rng, layout, network, (8.0, 12.0)
        )
        _, near = tree.query(np.column_stack([fx, fy]))
        rows.append((cat, fx, fy, near, False))
    for cat in LATE:  # like a basic service: every level within a short walk
        radius = CATEGORIES[cat][1]
        factor = np.array([CELL_FACTOR[lv]["basic"] for lv in LEVELS])[comp_level]
        picked = []
        for cell_factor in np.unique(factor):
            s = np.flatnonzero(factor == cell_factor)
            cover = _cover(cx[s], cy[s], pop[s], compound_circle[s], radius * cell_factor, origin)
            picked.append(s[cover])
        pick = np.sort(np.concatenate(picked))
        fx, fy = _offset(cx[pick], cy[pick], late_rng, layout, network, cells=cell_of[pick])
        rows.append((cat, fx, fy, pick, False))

    fac = _frame(rows)
    fac["circle"] = compound_circle[fac["ci"].to_numpy()]
    fac["level"] = levels[fac["circle"].to_numpy()]
    order = {c: i for i, c in enumerate(CATEGORIES)}
    fac["cat_order"] = fac["category"].map(order)
    fac = fac.sort_values(["cat_order", "circle", "y", "x"], ascending=[True, True, False, True])
    fac = fac.reset_index(drop=True)
    fac["capacity"] = _capacities(fac, circle_pop, rng)
    fac["floor_area_m2"] = _areas(fac, rng)
    fac["name"] = _names(fac, comm)
    fac["id"] = [f"F{i + 1:05d}" for i in range(len(fac))]
    geom = shapely.points(fac["x"].to_numpy(), fac["y"].to_numpy())
    out = gpd.GeoDataFrame(
        fac[["id", "name", "category", "capacity", "floor_area_m2"]], geometry=geom, crs=CRS
    )
    return out, gaps


_Rows = tuple[str, np.ndarray, np.ndarray, np.ndarray, bool]


def _frame(rows: list[_Rows]) -> pd.DataFrame:
    """The facilities placed so far as one frame (category, x, y, ci, big), in order.

    Framed once: a frame per category and park cost more than placing them.
    """
    size = [len(r[1]) for r in rows]
    return pd.DataFrame(
        {
            "category": np.repeat(np.array([r[0] for r in rows], dtype=object), size),
            "x": np.concatenate([r[1] for r in rows]),
            "y": np.concatenate([r[2] for r in rows]),
            "ci": np.concatenate([np.asarray(r[3], np.int64) for r in rows]),
            "big": np.repeat(np.array([r[4] for r in rows], dtype=bool), size),
        }
    )


def _capacities(fac: pd.DataFrame, circle_pop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cap = np.full(len(fac), np.nan)
    cat = fac["category"].to_numpy()
    circ = fac["circle"].to_numpy()
    lev = fac["level"].to_numpy()
    for c, (rates, step, minimum) in RATES.items():
        of_cat = cat == c  # once per category: comparing text per circle costs more
        for circle in np.unique(circ[of_cat]):
            idx = np.flatnonzero(of_cat & (circ == circle))
            target = rates[lev[idx[0]]] * circle_pop[circle] / 1000.0
            w = rng.uniform(0.7, 1.3, idx.size)
            raw = target * w / w.sum()
            cap[idx] = np.maximum(minimum, np.round(raw / step) * step)
    nur = np.flatnonzero(cat == "nursery")
    total = round(NURSERY_PER_1000 * circle_pop.sum() / 1000.0)
    cap[nur] = largest_remainder(total, cap[nur])
    for c, ranges in CAPACITY_RANGE.items():
        idx = np.flatnonzero(cat == c)
        lo = np.array([ranges[v][0] for v in lev[idx]])
        hi = np.array([ranges[v][1] for v in lev[idx]])
        cap[idx] = rng.integers(lo, hi + 1)
    return cap


def _areas(fac: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    area = np.full(len(fac), np.nan)
    cat = fac["category"].to_numpy()
    lev = fac["level"].to_numpy()
    big = fac["big"].to_numpy()
    for c, ranges in AREA_RANGE.items():
        idx = np.flatnonzero((cat == c) & ~big)
        lo = np.array([ranges[v][0] for v in lev[idx]])
        hi = np.array([ranges[v][1] for v in lev[idx]])
        area[idx] = np.round(rng.uniform(lo, hi) / 10) * 10
    idx = np.flatnonzero(big)
    lo = np.array([BIG_PARK[v][0] for v in lev[idx]])
    hi = np.array([BIG_PARK[v][1] for v in lev[idx]])
    area[idx] = np.round(rng.uniform(lo, hi) / 100) * 100
    return area


def _names(fac: pd.DataFrame, comm: np.ndarray) -> list[str]:
    """ "<community stem><kind>", numbered when a community has several of a kind."""
    cats = fac["category"].to_numpy().tolist()
    comms = comm[fac["ci"].to_numpy()].tolist()
    bigs = fac["big"].to_numpy().tolist()
    stems = {name: stem(name) for name in set(comms)}  # a few hundred communities
    base = [
        stems[cm] + ("公园" if big else CATEGORIES[c][0])
        for c, cm, big in zip(cats, comms, bigs, strict=True)
    ]
    seen: dict[str, int] = {}
    counts = Counter(base)
    out = []
    for b in base:
        if counts[b] == 1:
            out.append(b)
            continue
        seen[b] = seen.get(b, 0) + 1
        out.append(f"{b}{seen[b]}号")
    return out
