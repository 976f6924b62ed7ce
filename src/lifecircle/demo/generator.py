"""Generate the demo district data package: real Yuhua names and totals, generated geometry."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import yaml

from lifecircle.demo._circles import make_circles, make_communities
from lifecircle.demo._compounds import make_compounds
from lifecircle.demo._facilities import LEVELS, assign_levels, make_facilities
from lifecircle.demo._layout import CRS, RIVER_NAME, Layout, make_layout
from lifecircle.demo._names import DISTRICT_CODE, DISTRICT_NAME
from lifecircle.demo._network import make_network

NOTICE = "示例数据：几何为生成数据"
NOTICE_EN = (
    "Demo data: the names, codes and census population totals of 雨花区 are real; every "
    "geometry (street network, river, community cells, compounds, facilities) and every "
    "facility capacity is generated."
)
CIRCLES_NOTE = (
    "这 49 个生活圈由程序按相邻社区生成，并非雨花区官方公布的生活圈名单（实施方案附件1未公开）。"
    " The 49 circles are generated groups of adjacent communities, not the official list "
    "(attachment 1 of the plan is not public)."
)
EVIDENCE = "示例数据（生成）"
MANUAL_DATE = "2023-12-31"

# Indicators no map can measure, as manual values, with the ids of the changsha-provisional
# catalogue (rename them here, in one place, if the catalogue changes). scope "district" (one
# value) or "circle" (a value range by service level: good, middling, poor).
MANUAL_INDICATORS: dict[str, dict[str, Any]] = {
    "dt_green_travel_share": {"scope": "district", "unit": "%", "value": 76.4},
    "dt_barrier_free_rate": {"scope": "district", "unit": "%", "value": 100.0},
    "dt_smart_grid_line_share_core": {"scope": "district", "unit": "%", "value": 82.5},
    "dt_supply_reliability_second_ring": {"scope": "district", "unit": "%", "value": 99.962},
    "gd_property_management": {
        "scope": "circle",
        "unit": "%",
        "range": ((100.0, 100.0), (88.0, 99.0), (60.0, 85.0)),
    },
    "ch_5g_public_areas": {
        "scope": "circle",
        "unit": "%",
        "range": ((100.0, 100.0), (95.0, 100.0), (80.0, 95.0)),
    },
    # added with the plan items 五(一)2, 五(二)6, 五(四)10-11 (drawn after the ones above, so
    # those keep their values); fire inspections pass everywhere, so grades still turn on the
    # services each circle was built without
    "dt_elderly_home_adaptation": {"scope": "district", "unit": "%", "value": 86.0},
    "dt_pocket_parks_new": {"scope": "district", "unit": "处", "value": 6.0},
    "cs_fire_lanes_clear": {
        "scope": "circle",
        "unit": "%",
        "range": ((100.0, 100.0), (100.0, 100.0), (100.0, 100.0)),
    },
    "cs_fire_facilities_intact": {
        "scope": "circle",
        "unit": "%",
        "range": ((100.0, 100.0), (100.0, 100.0), (100.0, 100.0)),
    },
    "gd_co_governance": {"scope": "circle", "unit": "1/0", "chance": (1.0, 0.8, 0.4)},
    "gd_party_building": {"scope": "circle", "unit": "1/0", "chance": (1.0, 0.9, 0.6)},
    "sp_lift_retrofit": {
        "scope": "circle",
        "unit": "%",
        "range": ((100.0, 100.0), (80.0, 100.0), (40.0, 80.0)),
    },
}

LAYER_FILES = {
    "compounds": "compounds.gpkg",
    "facilities": "facilities.gpkg",
    "network": "network.gpkg",
    "circles": "circles.csv",
    "communities": "communities.gpkg",
    "manual_values": "manual_values.csv",
}
RIVER_FILE = "river.gpkg"  # extra layer, for maps; not part of the package format
FIXED_GPKG_DATE = "2023-01-01T00:00:00.000Z"  # GeoPackage last_change, for identical bytes


@dataclass
class DemoDistrict:
    """The generated district in memory, plus what the package hides (service levels)."""

    seed: int
    scale: float
    layout: Layout
    network: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    circles: pd.DataFrame
    compounds: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    manual_values: pd.DataFrame
    service_level: dict[str, str] = field(default_factory=dict)  # circle_id -> level
    gaps: dict[str, list[str]] = field(default_factory=dict)  # circle_id -> missing categories


def build_demo(*, seed: int = 2023, scale: float = 1.0) -> DemoDistrict:
    """Build the demo district in memory. ``scale`` scales the area (1.0: 288 km²).

    Names and population totals do not depend on ``scale``; the network spacing does not
    either, so a smaller scale gives a smaller, denser district with the same 49 circles.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same district.
    scale : float
        Area factor (1.0: the full 288 km² district; the tests use 0.05).

    Returns
    -------
    DemoDistrict
        The generated layers (network, communities, compounds, facilities, circles,
        manual values) in memory.
    """
    if not scale > 0:
        raise ValueError(f"示例区面积比例 scale 须大于 0，收到 {scale}")
    rng = np.random.default_rng(seed)
    layout = make_layout(scale, rng)
    net = make_network(layout, rng)
    network = gpd.GeoDataFrame(
        {"highway": net.highway, "name": net.name, "bridge": net.bridge},
        geometry=net.lines(),
        crs=CRS,
    )
    communities = make_communities(layout, rng)
    circles, circle_of = make_circles(communities)
    compounds = make_compounds(layout, net, communities, scale, rng)
    comm_circle = dict(zip(communities["name"], circle_of, strict=True))
    compound_circle = compounds["community"].map(comm_circle).to_numpy()
    circle_pop = np.bincount(
        compound_circle, weights=compounds["population"].to_numpy(float), minlength=len(circles)
    )
    levels = assign_levels(len(circles), rng)
    cells = communities.set_index("name").geometry
    with_cell = compounds.assign(cell=cells.loc[compounds["community"]].to_numpy())
    facilities, gaps = make_facilities(
        layout, net, with_cell, compound_circle, circle_pop, levels, rng
    )
    ids = circles["circle_id"].tolist()
    manual = _manual_values(ids, levels, rng)
    return DemoDistrict(
        seed=seed,
        scale=scale,
        layout=layout,
        network=network,
        communities=communities[["name", "street", "population", "geometry"]],
        circles=circles,
        compounds=compounds[
            [
                "id",
                "name",
                "community",
                "street",
                "population",
                "households",
                "share_0_3",
                "share_3_6",
                "share_60_plus",
                "geometry",
            ]
        ],
        facilities=facilities,
        manual_values=manual,
        service_level={ids[i]: LEVELS[lv] for i, lv in enumerate(levels)},
        gaps={ids[c]: g for c, g in gaps.items()},
    )


def _manual_values(
    circle_ids: list[str], levels: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    rows = []
    for ind, spec in MANUAL_INDICATORS.items():
        if spec["scope"] == "district":
            rows.append(("district", ind, spec["value"]))
            continue
        for cid, lv in zip(circle_ids, levels, strict=True):
            if "chance" in spec:  # a yes/no item: 1 with the level's chance, else 0
                rows.append((cid, ind, float(rng.random() < spec["chance"][lv])))
                continue
            lo, hi = spec["range"][lv]
            rows.append((cid, ind, round(float(rng.uniform(lo, hi)), 1)))
    df = pd.DataFrame(rows, columns=["scope", "indicator_id", "value"])
    df["evidence"] = EVIDENCE
    df["date"] = MANUAL_DATE
    df["_d"] = df["scope"] != "district"
    return df.sort_values(["_d", "scope", "indicator_id"]).drop(columns="_d").reset_index(drop=True)


def _manifest(demo: DemoDistrict) -> str:
    doc = {
        "format": "lifecircle-district/1",
        "name": DISTRICT_NAME,
        "admin_code": DISTRICT_CODE,
        "coords": "wgs84",
        "crs": CRS,
        "generated": True,
        "notice": NOTICE,
        "notice_en": NOTICE_EN,
        "circles_note": CIRCLES_NOTE,
        # the day the (generated) inputs describe: that of the manual values
        "data_date": MANUAL_DATE,
        "generator": {"name": "lifecircle.demo", "seed": demo.seed, "scale": demo.scale},
        "layers": dict(LAYER_FILES),
    }
    head = (
        "# 雨花区 demo district package (lifecircle-district/1).\n"
        "# Real: street and community names, codes, census totals (see lifecircle/demo/data).\n"
        f"# Generated: all geometry and capacities. {RIVER_FILE} holds the generated river.\n"
    )
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def _write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    pyogrio.write_dataframe(gdf, path, layer=layer, driver="GPKG", use_arrow=True)


def write_package(demo: DemoDistrict, out_dir: Path) -> Path:
    """Write the package files into ``out_dir`` as a unit (``io.write_folder``).

    The folder appears complete or not at all; an earlier package there is replaced only
    at the end, and a non-empty folder that holds no ``district.yaml`` is never replaced.
    """
    river = gpd.GeoDataFrame(
        {"name": [RIVER_NAME], "waterway": ["river"]},
        geometry=[demo.layout.river],
        crs=CRS,
    )
    return write_layers(demo, river, _manifest(demo), Path(out_dir))


def write_layers(demo: Any, river: gpd.GeoDataFrame, manifest: str, out_dir: Path) -> Path:
    """Write a generated package (the layers of ``demo``, ``river`` and ``manifest``) as a unit.

    ``demo`` has the layers of `DemoDistrict` (the generated city has them too).
    """
    from lifecircle.io import write_folder

    def write(tmp: Path) -> None:
        _write_gpkg(demo.compounds, tmp / LAYER_FILES["compounds"], "compounds")
        _write_gpkg(demo.facilities, tmp / LAYER_FILES["facilities"], "facilities")
        _write_gpkg(demo.network, tmp / LAYER_FILES["network"], "network")
        _write_gpkg(demo.communities, tmp / LAYER_FILES["communities"], "communities")
        _write_gpkg(river, tmp / RIVER_FILE, "river")
        demo.circles.to_csv(tmp / LAYER_FILES["circles"], index=False, lineterminator="\n")
        demo.manual_values.to_csv(
            tmp / LAYER_FILES["manual_values"], index=False, lineterminator="\n"
        )
        (tmp / "district.yaml").write_text(manifest, encoding="utf-8")

    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_GPKG_DATE})
    try:
        return write_folder(Path(out_dir), write, owns=lambda f: (f / "district.yaml").is_file())
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def generate_demo(out_dir: str | os.PathLike[str], *, seed: int = 2023, scale: float = 1.0) -> Path:
    """Write the demo district data package to ``out_dir`` and return its path.

    Deterministic: the same ``seed`` and ``scale`` give byte-identical files. The package
    follows docs/interfaces.md (district.yaml with ``generated: true`` and the notice).

    Parameters
    ----------
    out_dir : str or path-like
        The package folder, written as a unit: an earlier package there is replaced only
        once the new one is complete; a non-empty folder without ``district.yaml`` is
        never replaced.
    seed, scale
        As for :func:`build_demo`.

    Returns
    -------
    pathlib.Path
        The package folder (``out_dir``).
    """
    return write_package(build_demo(seed=seed, scale=scale), Path(out_dir))


def river_crossings(network: gpd.GeoDataFrame, river: shapely.LineString) -> int:
    """Number of network edges that cross the river line (the bridges)."""
    return int(shapely.intersects(network.geometry.to_numpy(), river).sum())
