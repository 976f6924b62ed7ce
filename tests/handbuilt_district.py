"""A hand-built district whose every checkup figure is worked out by hand below.

One straight 2,000 m street (UTM 49N, offset to Changsha). Homes stand 20 m north of it,
facilities 10 m south, so a walk is 20 + |x_home - x_facility| + 10 along the street.

    x:    100   200  300       900        1500 1600     1900 1950
    homes K1(1000)            K2(500)     K3(800)       K4(200)
    fac        F1kg  F4barber             F3kg,F2barber      F5barber
    communities: A = [0, 1000), B = [1000, 1700), C = [1700, 2000]; circles C1=A, C2=B, C3=C

Nearest kindergarten: K1 130 (F1), K2 730 (F1 or F3), K3 130 (F3), K4 330 (F3).
2SFCA at 1000 m: F1 serves K1, K2 (1,500 people) -> R1 = 100/1500; F3 serves K2, K3, K4
(1,500) -> R3 = 50/1500. Per 1,000: K1 66.67, K2 100, K3 33.33, K4 33.33.

- C1: kindergarten coverage at 500 m = 1000/1500 = 66.67 % < 90 -> fail (K2, 500 people,
  730 m) -> NONE. At 730 m exactly: 100 % (the boundary counts as covered).
- C2: coverage 100 %, barber present, per-1,000 33.33 >= 30, manual 85 >= 80, one
  kindergarten in the circle -> AAA.
- C3: coverage 100 %, barber present, per-1,000 33.33; manual value missing, no
  kindergarten in the circle -> AA.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
import yaml

X0, Y0 = 700_000.0, 3_110_000.0
CRS = "EPSG:32649"

CATALOGUE = {
    "format": "lifecircle-catalogue/1",
    "id": "handbuilt",
    "version": "1",
    "title_zh": "手算测试指标",
    "title_en": "Hand-computed test catalogue",
    "provisional": False,
    "sources": ["tests/checkup/handbuilt.py"],
    "grading": {
        "aa": "all_constraint_pass",
        "aaa": {"min_guiding_passed": 2, "min_characteristic_passed": 1},
    },
    "indicators": [
        {
            "id": "c_kg_500",
            "name_zh": "幼儿园500米覆盖率",
            "name_en": "Kindergarten within 500 m",
            "category": "constraint",
            "kind": "coverage",
            "facility_categories": ["kindergarten"],
            "radius_m": 500,
            "operator": ">=",
            "threshold": 90,
            "unit": "%",
            "source": "test",
            "verified": True,
        },
        {
            "id": "c_barber",
            "name_zh": "圈内有理发店",
            "name_en": "Barber in the circle",
            "category": "constraint",
            "kind": "presence",
            "facility_categories": ["barber"],
            "operator": ">=",
            "threshold": 1,
            "unit": "处",
            "source": "test",
            "verified": True,
        },
        {
            "id": "g_kg_places",
            "name_zh": "千人学位（2SFCA）",
            "name_en": "Places per 1,000",
            "category": "guiding",
            "kind": "per_1000",
            "facility_categories": ["kindergarten"],
            "radius_m": 1000,
            "operator": ">=",
            "threshold": 30,
            "unit": "个/千人",
            "source": "test",
            "verified": True,
        },
        {
            "id": "g_manual",
            "name_zh": "物业覆盖率",
            "name_en": "Property management",
            "category": "guiding",
            "kind": "manual",
            "operator": ">=",
            "threshold": 80,
            "unit": "%",
            "source": "test",
            "verified": True,
        },
        {
            "id": "g_kg_730",
            "name_zh": "幼儿园730米覆盖率",
            "name_en": "Kindergarten within 730 m",
            "category": "guiding",
            "kind": "coverage",
            "facility_categories": ["kindergarten"],
            "radius_m": 730,
            "operator": ">=",
            "threshold": 100,
            "unit": "%",
            "source": "test",
            "verified": True,
        },
        {
            "id": "ch_kg_count",
            "name_zh": "圈内幼儿园数",
            "name_en": "Kindergartens in the circle",
            "category": "characteristic",
            "kind": "count",
            "facility_categories": ["kindergarten"],
            "operator": ">=",
            "threshold": 1,
            "unit": "所",
            "source": "test",
            "verified": True,
        },
        {
            "id": "dt_share",
            "name_zh": "绿色出行比例",
            "name_en": "Green travel share",
            "category": "constraint",
            "kind": "district_target",
            "scope": "district",
            "measure": "manual",
            "operator": ">=",
            "threshold": 75,
            "unit": "%",
            "source": "test",
            "verified": True,
        },
    ],
}


def _pts(rows, cols):
    return gpd.GeoDataFrame(
        [r[: len(cols)] for r in rows],
        columns=cols,
        geometry=[shapely.Point(X0 + r[-2], Y0 + r[-1]) for r in rows],
        crs=CRS,
    )


def write_package(
    root: Path,
    *,
    extra_circle: bool = False,
    manual_extra: str = "",
    island: bool = False,
    kindergarten_k2: bool = False,
    name: str = "手算区",
    admin_code: str = "430199",
) -> Path:
    """Write the hand-built package into ``root`` and return it.

    Variants for the cases the figures above do not cover: ``island`` adds K5 (戊小区, 100
    people, C社区) beside a street piece joined to nothing, so it reaches no facility (a
    compound across a river); ``kindergarten_k2`` adds F6, a kindergarten across the street
    from K2 (C1 then passes its constraints: the next year's checkup); ``name`` /
    ``admin_code`` rename the district (雨花区 / 430111 brings the plan's targets).
    """
    root.mkdir(parents=True, exist_ok=True)
    streets = [shapely.LineString([(X0, Y0), (X0 + 2000, Y0)])]
    if island:
        streets.append(shapely.LineString([(X0 + 1750, Y0 + 80), (X0 + 1850, Y0 + 80)]))
    gpd.GeoDataFrame(
        {"highway": ["residential"] * len(streets)}, geometry=streets, crs=CRS
    ).to_file(root / "network.gpkg")
    homes = [("K1", "甲小区", "A社区", 1000, 100, 20), ("K2", "乙小区", "A社区", 500, 900, 20),
             ("K3", "丙小区", "B社区", 800, 1500, 20), ("K4", "丁小区", "C社区", 200, 1900, 20)]  # fmt: skip
    if island:
        homes.append(("K5", "戊小区", "C社区", 100, 1800, 90))
    compounds = _pts(homes, ["id", "name", "community", "population"])
    compounds.to_file(root / "compounds.gpkg")
    fac = [("F1", "甲幼儿园", "kindergarten", 100.0, 200, -10),
           ("F4", "甲理发", "barber", None, 300, -10),
           ("F3", "乙幼儿园", "kindergarten", 50.0, 1600, -10),
           ("F2", "乙理发", "barber", None, 1600, -10),
           ("F5", "丙理发", "barber", None, 1950, -10)]  # fmt: skip
    if kindergarten_k2:
        fac.append(("F6", "丙幼儿园", "kindergarten", 60.0, 900, -10))
    facilities = _pts(fac, ["id", "name", "category", "capacity"])
    facilities.to_file(root / "facilities.gpkg")

    def box(x0, x1, name):
        return (name, shapely.box(X0 + x0, Y0 - 100, X0 + x1, Y0 + 100))

    comms = [box(0, 1000, "A社区"), box(1000, 1700, "B社区"), box(1700, 2000, "C社区")]
    if extra_circle:
        comms.append(box(2000, 2300, "D社区"))
    gpd.GeoDataFrame(
        {"name": [c[0] for c in comms], "street": "测试街道"},
        geometry=[c[1] for c in comms],
        crs=CRS,
    ).to_file(root / "communities.gpkg")
    circles = "circle_id,name,street,communities\nC1,一号圈,测试街道,A社区\nC2,二号圈,测试街道,B社区\nC3,三号圈,测试街道,C社区\n"
    if extra_circle:
        circles += "C4,四号圈,测试街道,D社区\n"
    (root / "circles.csv").write_text(circles, encoding="utf-8")
    (root / "manual_values.csv").write_text(
        "scope,indicator_id,value,evidence,date\n"
        "C2,g_manual,85,物业台账,2024-03-01\n"
        "district,dt_share,76.4,统计公报,2023-12-31\n" + manual_extra,
        encoding="utf-8",
    )
    manifest = {
        "format": "lifecircle-district/1",
        "name": name,
        "admin_code": admin_code,
        "crs": CRS,
        "layers": {
            "compounds": "compounds.gpkg",
            "facilities": "facilities.gpkg",
            "network": "network.gpkg",
            "circles": "circles.csv",
            "communities": "communities.gpkg",
            "manual_values": "manual_values.csv",
        },
    }
    (root / "district.yaml").write_text(
        yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8"
    )
    (root / "catalogue.yaml").write_text(
        yaml.safe_dump(CATALOGUE, allow_unicode=True), encoding="utf-8"
    )
    return root
