"""A generated city: several demo districts side by side, written as one district package.

Changsha plans hundreds of circles in one programme; this is a package of that size for
trying the checkup and the reports at city scale. Each district is the demo district
(`build_demo`) drawn with its own seed, so the names and population totals are those of
雨花区 and every geometry is generated; every id and name carries the district's label
(``D02-C01``, 示例二区…) so that they are unique across the city. The districts' street
networks are not joined to one another (a gap lies between them): walking access stays
inside each district, as it does for circles far from a district border.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import yaml

from lifecircle.demo._layout import CRS, RIVER_NAME
from lifecircle.demo._names import DISTRICT_NAME, N_CIRCLES, cn_number
from lifecircle.demo.generator import (
    LAYER_FILES,
    MANUAL_DATE,
    NOTICE,
    RIVER_FILE,
    DemoDistrict,
    build_demo,
    write_layers,
)
from lifecircle.errors import InputError

#: the most districts a generated city takes (ids and labels are numbered to 99)
MAX_DISTRICTS = 99
#: straight-line gap between neighbouring districts (their networks stay apart)
GAP_M = 500.0
#: seeds tried for one district before giving up
SEED_TRIES = 20

CITY_NOTICE_EN = (
    "Demo city: {k} copies of the demo district, each drawn with its own seed. Names, codes "
    "and census totals of 雨花区 are real; every geometry and capacity is generated, and the "
    "districts (示例一区, 示例二区 ...) are not real districts."
)


@dataclass
class DemoCity:
    """The generated city in memory (the layers of `DemoDistrict`, for all its districts)."""

    seed: int
    scale: float
    districts: int
    network: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    circles: pd.DataFrame
    compounds: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    manual_values: pd.DataFrame
    rivers: gpd.GeoDataFrame
    service_level: dict[str, str] = field(default_factory=dict)  # circle_id -> level
    seeds: list[int] = field(default_factory=list)  # each district's seed


def district_label(k: int) -> str:
    """The name of the city's ``k``-th district (from 0): 示例一区, 示例二区 …

    Parameters
    ----------
    k : int
        The district's index, from 0.

    Returns
    -------
    str
    """
    return f"示例{cn_number(k + 1)}区"


def _check(districts: int) -> int:
    if isinstance(districts, bool) or not isinstance(districts, int):
        raise InputError(f"示例城市的区数须为整数，收到 {districts!r}", field="districts")
    if not 1 <= districts <= MAX_DISTRICTS:
        raise InputError(
            f"示例城市的区数 {districts} 不合理（应为 1～{MAX_DISTRICTS}）",
            field="districts",
            fix=f"每区 {N_CIRCLES} 个生活圈，9 个区即 {9 * N_CIRCLES} 个",
        )
    return districts


def build_city(*, districts: int, seed: int = 2023, scale: float = 1.0) -> DemoCity:
    """Build a city of ``districts`` demo districts in memory, in rows west to east.

    District ``k`` (from 0) is `build_demo` with the next seed after district ``k - 1``'s
    that the generator can draw at this scale (at small scales about one seed in ten puts a
    community cell almost wholly in the river; that seed is skipped), so the first one is
    the demo district of ``seed``; each has ``N_CIRCLES`` (49) circles.

    Parameters
    ----------
    districts : int
        How many districts (1 to ``MAX_DISTRICTS``).
    seed : int
        Seed of the first district; the same seed gives the same city.
    scale : float
        Each district's area factor, as for `build_demo`.

    Returns
    -------
    DemoCity
    """
    k_total = _check(districts)
    cols = math.ceil(math.sqrt(k_total))
    parts: dict[str, list[pd.DataFrame]] = {
        n: [] for n in ("network", "communities", "circles", "compounds", "facilities", "river")
    }
    manual: list[pd.DataFrame] = []
    levels: dict[str, str] = {}
    seeds: list[int] = []
    for k in range(k_total):
        d = _next_district(seeds[-1] + 1 if seeds else seed, scale)
        seeds.append(d.seed)
        row, col = divmod(k, cols)
        dx, dy = col * (d.layout.width + GAP_M), -row * (d.layout.height + GAP_M)
        label, prefix = district_label(k), f"D{k + 1:02d}-"

        def moved(gdf: gpd.GeoDataFrame, dx: float = dx, dy: float = dy) -> gpd.GeoDataFrame:
            return gdf.set_geometry(gdf.geometry.translate(xoff=dx, yoff=dy))

        def named(s: pd.Series, label: str = label) -> pd.Series:
            return label + s.astype(str)

        parts["network"].append(moved(d.network))
        parts["communities"].append(
            moved(d.communities).assign(
                name=named(d.communities["name"]), street=named(d.communities["street"])
            )
        )
        parts["circles"].append(
            d.circles.assign(
                circle_id=prefix + d.circles["circle_id"],
                name=named(d.circles["name"]),
                street=named(d.circles["street"]),
                communities=d.circles["communities"].map(
                    lambda c, label=label: ";".join(label + n for n in c.split(";"))
                ),
            )
        )
        parts["compounds"].append(
            moved(d.compounds).assign(
                id=prefix + d.compounds["id"],
                community=named(d.compounds["community"]),
                street=named(d.compounds["street"]),
            )
        )
        parts["facilities"].append(
            moved(d.facilities).assign(
                id=prefix + d.facilities["id"], name=named(d.facilities["name"])
            )
        )
        parts["river"].append(
            gpd.GeoDataFrame(
                {"name": [label + RIVER_NAME], "waterway": ["river"]},
                geometry=[d.layout.river],
                crs=CRS,
            ).pipe(moved)
        )
        mv = d.manual_values
        on_circle = mv["scope"] != "district"
        # the district-wide values are the same constants in every district: keep one set
        manual.append(mv[on_circle].assign(scope=prefix + mv.loc[on_circle, "scope"]))
        if k == 0:
            manual.insert(0, mv[~on_circle])
        levels.update({prefix + c: lv for c, lv in d.service_level.items()})

    def cat(name: str) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(pd.concat(parts[name], ignore_index=True), crs=CRS)

    return DemoCity(
        seed=seed,
        scale=scale,
        districts=k_total,
        network=cat("network"),
        communities=cat("communities"),
        circles=pd.concat(parts["circles"], ignore_index=True),
        compounds=cat("compounds"),
        facilities=cat("facilities"),
        manual_values=pd.concat(manual, ignore_index=True),
        rivers=cat("river"),
        service_level=levels,
        seeds=seeds,
    )


def _next_district(seed: int, scale: float) -> DemoDistrict:
    """The demo district of the first seed from ``seed`` on that the generator can draw."""
    for s in range(seed, seed + SEED_TRIES):
        try:
            return build_demo(seed=s, scale=scale)
        except RuntimeError:  # no room for a community's compounds: the next seed
            continue
    raise InputError(
        f"示例区面积比例 {scale} 下，种子 {seed}～{seed + SEED_TRIES - 1} 都无法生成示例区",
        field="scale",
        fix="用大一些的面积比例（如 0.1 或 1.0）",
    )


def city_name(districts: int) -> str:
    """The generated city's name, saying it is a demo (示例城市（9 区）).

    Parameters
    ----------
    districts : int
        How many districts.

    Returns
    -------
    str
    """
    return f"示例城市（{districts} 区）"


def _manifest(city: DemoCity) -> str:
    n = len(city.circles)
    doc = {
        "format": "lifecircle-district/1",
        "name": city_name(city.districts),
        "coords": "wgs84",
        "crs": CRS,
        "generated": True,
        "notice": NOTICE,
        "notice_en": CITY_NOTICE_EN.format(k=city.districts),
        "circles_note": (
            f"这 {n} 个生活圈由程序生成：{city.districts} 个示例区，每区按{DISTRICT_NAME}的真实名称"
            "与人口总数、以不同随机种子生成几何；示例区并非真实行政区。"
        ),
        "data_date": MANUAL_DATE,
        "generator": {
            "name": "lifecircle.demo.city",
            "seed": city.seed,
            "scale": city.scale,
            "districts": city.districts,
            "seeds": list(city.seeds),
        },
        "layers": dict(LAYER_FILES),
    }
    head = (
        f"# Demo city package (lifecircle-district/1): {city.districts} generated districts.\n"
        f"# Real: the names and census totals of {DISTRICT_NAME}, repeated per district.\n"
        f"# Generated: all geometry and capacities. {RIVER_FILE} holds the generated rivers.\n"
    )
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def generate_city(
    out_dir: str | os.PathLike[str], *, districts: int, seed: int = 2023, scale: float = 1.0
) -> Path:
    """Write a generated city of ``districts`` demo districts as one district package.

    Deterministic: the same options give byte-identical files. ``districts × 49`` circles,
    ids ``D01-C01`` … unique across the city; the package says ``generated: true``.

    Parameters
    ----------
    out_dir : str or path-like
        The package folder, written as a unit (as for `generate_demo`).
    districts : int
        How many districts (1 to ``MAX_DISTRICTS``).
    seed, scale
        As for `build_city`.

    Returns
    -------
    pathlib.Path
        The package folder (``out_dir``).
    """
    city = build_city(districts=districts, seed=seed, scale=scale)
    return write_layers(city, city.rivers, _manifest(city), Path(out_dir))
