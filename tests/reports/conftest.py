"""Checkup output directories for the report tests.

``checkup_dir`` is a REAL checkup: the small demo district (``scale=0.05``: 49 circles,
~500 compounds) run through ``lifecircle.checkup.run_checkup`` and written by
``Checkup.write`` (checkup.json, circles/compounds/facilities/service_areas.gpkg), built
once per session. Most tests use it.

``build_checkup(path, n_circles=...)`` writes a hand-made directory in the same format, for
the few tests that need a precise case the demo does not have: one circle of each grade in
a known order, an official (non-provisional) catalogue on real geometry, a compound with no
walking route. Its walking distances are straight-line x 1.3 (a shortcut of this fixture).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

STREETS = {
    "侯家塘街道": ["梓园社区", "韶山路社区", "侯家塘社区", "湘农桥社区"],
    "左家塘街道": ["左家塘社区", "东塘社区", "东郡社区", "曙光社区"],
    "圭塘街道": ["圭塘社区", "新桥社区", "中南社区", "洞井铺社区"],
    "砂子塘街道": ["砂子塘社区", "天华社区", "新园社区", "白沙社区"],
    "高桥街道": ["高桥社区", "长塘社区", "高升社区", "宇成社区"],
    "雨花亭街道": ["雨花亭社区", "桂花村社区", "曙光路社区", "长沙铺社区"],
    "井湾子街道": ["井湾子社区", "湘府路社区", "香樟路社区", "三角坪社区"],
}
NAME_A = [
    "梓园",
    "韶山",
    "湘农",
    "东塘",
    "砂子塘",
    "井湾",
    "洞井",
    "圭塘",
    "黎托",
    "高桥",
    "雨花亭",
    "左家塘",
    "同升",
    "东山",
    "桂花",
    "香樟",
    "长塘",
    "新桥",
    "天华",
    "曙光",
]
NAME_B = ["小区", "花园", "新村", "家园", "苑", "公寓", "雅居", "名城"]

#  id, name_zh, name_en, category, kind, facility category, radius, threshold, unit, source
INDICATORS = [
    (
        "KG-300",
        "幼儿园步行300米覆盖率",
        "Kindergarten within 300 m",
        "constraint",
        "coverage",
        "kindergarten",
        300,
        80.0,
        "%",
        "完整居住社区建设标准（试行）",
    ),
    (
        "NUR-PER-1000",
        "每千人托位数",
        "Childcare places per 1,000 residents",
        "constraint",
        "per_1000",
        "nursery",
        None,
        4.5,
        "个/千人",
        "雨政办发〔2023〕20号 五（一）2",
    ),
    (
        "ELD-500",
        "居家养老服务站步行500米覆盖率",
        "Elderly-care station within 500 m",
        "constraint",
        "coverage",
        "elderly_service_station",
        500,
        80.0,
        "%",
        "完整居住社区建设标准（试行）",
    ),
    (
        "HLT-1000",
        "社区卫生服务站步行1000米覆盖率",
        "Health station within 1,000 m",
        "constraint",
        "coverage",
        "community_health_station",
        1000,
        90.0,
        "%",
        "完整居住社区建设标准（试行）",
    ),
    (
        "MKT-500",
        "菜市场或生鲜超市步行500米覆盖率",
        "Fresh market within 500 m",
        "constraint",
        "coverage",
        "fresh_market",
        500,
        80.0,
        "%",
        "完整居住社区建设标准（试行）",
    ),
    (
        "SVC-COUNT",
        "社区综合服务站数量",
        "Community service stations",
        "constraint",
        "count",
        "community_service_station",
        None,
        1.0,
        "个",
        "完整居住社区建设标准（试行）",
    ),
    (
        "PARK-300",
        "公园绿地步行300米覆盖率",
        "Park within 300 m",
        "guiding",
        "coverage",
        "park",
        300,
        70.0,
        "%",
        "长沙市暂行指标（待核）",
    ),
    (
        "FIT-500",
        "室外综合健身场地步行500米覆盖率",
        "Fitness ground within 500 m",
        "guiding",
        "coverage",
        "fitness_ground",
        500,
        75.0,
        "%",
        "长沙市暂行指标（待核）",
    ),
    (
        "EV-SHARE",
        "配建充电设施的停车位比例",
        "Parking spaces with EV charging",
        "guiding",
        "manual",
        None,
        None,
        10.0,
        "%",
        "长沙市暂行指标（待核）",
    ),
    (
        "CANTEEN-500",
        "社区食堂（老年助餐点）步行500米覆盖率",
        "Canteen within 500 m",
        "characteristic",
        "coverage",
        "canteen",
        500,
        60.0,
        "%",
        "长沙市暂行指标（待核）",
    ),
    (
        "CULT-1000",
        "文化活动站步行1000米覆盖率",
        "Culture station within 1,000 m",
        "characteristic",
        "coverage",
        "culture_station",
        1000,
        80.0,
        "%",
        "长沙市暂行指标（待核）",
    ),
]
# facilities per km² per category, before a circle's own richness factor
DENSITY = {
    "kindergarten": 6.0,
    "nursery": 2.0,
    "elderly_service_station": 3.0,
    "community_health_station": 1.2,
    "fresh_market": 3.0,
    "community_service_station": 0.6,
    "park": 4.0,
    "fitness_ground": 2.0,
    "canteen": 1.5,
    "culture_station": 0.7,
}
DISTRICT_INDICATORS = [
    (
        "D-NUR-PER-1000",
        "每千人口拥有3岁以下婴幼儿托位数",
        "Childcare places per 1,000 residents",
        "per_1000",
        None,
        4.5,
        ">=",
        "个/千人",
        "五（一）2",
    ),
    (
        "D-GREEN-TRIP",
        "绿色出行比例",
        "Share of green trips",
        "manual",
        None,
        75.0,
        ">=",
        "%",
        "五（一）1",
    ),
    (
        "D-ACCESSIBLE",
        "城市道路、公共建筑无障碍设施建设率",
        "Barrier-free roads and buildings",
        "manual",
        92.0,
        100.0,
        "==",
        "%",
        "五（一）1",
    ),
    (
        "D-GRID-SMART",
        "核心城区线路智能化率",
        "Smart power lines, core city",
        "manual",
        64.0,
        80.0,
        ">=",
        "%",
        "五（一）1",
    ),
    (
        "D-GRID-RELIAB",
        "二环内供电可靠率",
        "Power supply reliability within 2nd ring",
        "manual",
        99.97,
        99.95,
        ">=",
        "%",
        "五（一）1",
    ),
]
METRIC = "EPSG:32649"  # UTM 49N: Changsha
ORIGIN = (113.005, 28.085)  # lon/lat of the grid's south-west corner


def _grid(n: int, rng: np.random.Generator):
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    dx, dy = 0.016, 0.014
    vx = np.zeros((rows + 1, cols + 1))
    vy = np.zeros((rows + 1, cols + 1))
    for r in range(rows + 1):
        for c in range(cols + 1):
            jx = 0 if c in (0, cols) else rng.uniform(-0.25, 0.25) * dx
            jy = 0 if r in (0, rows) else rng.uniform(-0.25, 0.25) * dy
            vx[r, c] = ORIGIN[0] + c * dx + jx
            vy[r, c] = ORIGIN[1] + r * dy + jy
    polys = []
    for k in range(n):
        r, c = divmod(k, cols)
        polys.append(
            Polygon(
                [
                    (vx[r, c], vy[r, c]),
                    (vx[r, c + 1], vy[r, c + 1]),
                    (vx[r + 1, c + 1], vy[r + 1, c + 1]),
                    (vx[r + 1, c], vy[r + 1, c]),
                ]
            )
        )
    return polys


def _status(value, threshold, op):
    if value is None:
        return "missing"
    ok = {
        ">=": value >= threshold - 1e-9,
        "<=": value <= threshold + 1e-9,
        "==": abs(value - threshold) < 1e-9,
    }[op]
    return "pass" if ok else "fail"


def _margin(value, threshold, op):
    if value is None:
        return None
    if op == "<=":
        return round(threshold - value, 4)
    if op == "==":
        return round(-abs(value - threshold), 4)
    return round(value - threshold, 4)


def build_checkup(
    out: Path,
    n_circles: int = 4,
    seed: int = 7,
    *,
    generated: bool = True,
    provisional: bool = True,
    with_facilities: bool = True,
) -> Path:
    """Write a checkup output directory with ``n_circles`` circles into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    polys = gpd.GeoSeries(_grid(n_circles, rng), crs="EPSG:4326")
    polys_m = polys.to_crs(METRIC)
    street_names = list(STREETS)
    richness = rng.uniform(0.4, 2.6, n_circles)
    if n_circles >= 3:  # a small fixture still shows all three grades
        richness[:3] = (0.4, 2.0, 4.0)

    comp_rows, fac_rows = [], []
    for k, (_poly, poly_m) in enumerate(zip(polys, polys_m, strict=True)):
        cid = f"C{k + 1:02d}"
        street = street_names[k % len(street_names)]
        comms = STREETS[street]
        minx, miny, maxx, maxy = poly_m.bounds
        m = int(rng.integers(14, 32))
        pts = []
        while len(pts) < m:
            p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if poly_m.contains(p):
                pts.append(p)
        for j, p in enumerate(pts):
            pop = float(rng.integers(300, 4200))
            comp_rows.append(
                {
                    "id": f"{cid}-H{j + 1:03d}",
                    "name": f"{NAME_A[(k * 7 + j) % len(NAME_A)]}{NAME_B[(k + j) % len(NAME_B)]}"
                    f"{'' if j < 8 else str(j // 8 + 1) + '期'}",
                    "community": comms[j % len(comms)],
                    "circle_id": cid,
                    "population": pop,
                    "households": round(pop / 2.6),
                    "snap_m": float(rng.uniform(2, 60)),
                    "component": 0,
                    "geometry": p,
                }
            )
        area_km2 = poly_m.area / 1e6
        for cat, dens in DENSITY.items():
            nf = int(rng.poisson(dens * area_km2 * richness[k]))
            if cat == "community_service_station" and richness[k] > 1:
                nf = max(nf, 1)
            for f in range(nf):
                while True:
                    p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
                    if poly_m.contains(p):
                        break
                cap = float(rng.integers(20, 90)) if cat == "nursery" else float("nan")
                fac_rows.append(
                    {
                        "id": f"F-{cid}-{cat[:6]}-{f + 1}",
                        "category": cat,
                        "name": f"{NAME_A[(k + f) % len(NAME_A)]}{_FAC_SUFFIX[cat]}",
                        "capacity": cap,
                        "geometry": p,
                        "circle": cid,
                    }
                )
    comp = gpd.GeoDataFrame(comp_rows, crs=METRIC)
    fac = gpd.GeoDataFrame(fac_rows, crs=METRIC)
    cx, cy = comp.geometry.x.to_numpy(), comp.geometry.y.to_numpy()
    for cat in DENSITY:
        sub = fac[fac["category"] == cat]
        if len(sub):
            d = (
                np.hypot(
                    cx[:, None] - sub.geometry.x.to_numpy()[None, :],
                    cy[:, None] - sub.geometry.y.to_numpy()[None, :],
                )
                * 1.3
            )
            j = d.argmin(axis=1)
            comp[f"nearest_m__{cat}"] = np.round(d[np.arange(len(comp)), j], 1)
            comp[f"nearest_id__{cat}"] = sub["id"].to_numpy()[j]
            comp[f"count_500m__{cat}"] = (d <= 500).sum(axis=1)
        else:
            comp[f"nearest_m__{cat}"] = np.inf
            comp[f"nearest_id__{cat}"] = None
            comp[f"count_500m__{cat}"] = 0
    # one compound across a river: no walking route to the health station
    comp.loc[comp.index[2], "nearest_m__community_health_station"] = np.inf
    comp.loc[comp.index[2], "nearest_id__community_health_station"] = None

    circles, grades = [], []
    for k in range(n_circles):
        cid = f"C{k + 1:02d}"
        cc = comp[comp["circle_id"] == cid]
        pop = float(cc["population"].sum())
        street = street_names[k % len(street_names)]
        inds, shortfalls = [], []
        for iid, nzh, nen, cat, kind, fcat, rad, thr, unit, src in INDICATORS:
            affected = []
            if kind == "coverage":
                d = cc[f"nearest_m__{fcat}"].to_numpy()
                within = d <= rad
                value = round(100.0 * cc["population"].to_numpy()[within].sum() / pop, 1)
                affected = [
                    {
                        "id": r["id"],
                        "name": r["name"],
                        "population": r["population"],
                        "nearest_m": float(r[f"nearest_m__{fcat}"])
                        if np.isfinite(r[f"nearest_m__{fcat}"])
                        else None,
                    }
                    for _, r in cc[~within].iterrows()
                ]
            elif kind == "per_1000":
                capsum = fac[(fac["category"] == fcat) & (fac["circle"] == cid)]["capacity"].sum()
                value = round(1000.0 * capsum / pop, 2)
            elif kind == "count":
                value = float(((fac["category"] == fcat) & (fac["circle"] == cid)).sum())
            else:  # manual
                value = None if k % 4 == 3 else round(float(rng.uniform(4, 22)), 1)
            status = _status(value, thr, ">=")
            inds.append(
                {
                    "id": iid,
                    "name_zh": nzh,
                    "name_en": nen,
                    "category": cat,
                    "kind": kind,
                    "value": value,
                    "threshold": thr,
                    "operator": ">=",
                    "unit": unit,
                    "status": status,
                    "margin": _margin(value, thr, ">="),
                    "radius_m": rad,
                    "facility_categories": [fcat] if fcat else [],
                    "plan_item": None,
                    "source": src,
                    "verified": src.startswith("雨政办发"),
                    "deadline": None,
                }
            )
            if status == "fail":
                affected_pop = sum(a["population"] for a in affected) if affected else pop
                shortfalls.append(
                    {
                        "indicator_id": iid,
                        "name_zh": nzh,
                        "category": cat,
                        "value": value,
                        "threshold": thr,
                        "unit": unit,
                        "facility_categories": [fcat] if fcat else [],
                        "affected_population": affected_pop,
                        "affected_compounds": affected,
                    }
                )
        cons_ok = all(i["status"] == "pass" for i in inds if i["category"] == "constraint")
        extra = sum(1 for i in inds if i["category"] != "constraint" and i["status"] == "pass")
        grade = "AAA" if cons_ok and extra >= 4 else ("AA" if cons_ok else "NONE")
        if grade == "NONE":
            failing = [
                i["id"] for i in inds if i["category"] == "constraint" and i["status"] != "pass"
            ]
            reason = "约束性指标未全部达标：" + "、".join(failing)
        elif grade == "AA":
            reason = f"约束性指标全部达标；引导性与特色性指标达标 {extra} 项（AAA型需 ≥4 项）"
        else:
            reason = f"约束性指标全部达标；引导性与特色性指标达标 {extra} 项"
        grades.append(grade)
        circles.append(
            {
                "id": cid,
                "name": f"{street.removesuffix('街道')}{'东西南北中'[k % 5]}生活圈",
                "street": street,
                "communities": STREETS[street][: 2 + k % 3],
                "population": int(pop),
                "households": int(cc["households"].sum()),
                "area_km2": round(polys_m.iloc[k].area / 1e6, 2),
                "compound_count": len(cc),
                "grade": grade,
                "grade_reason": reason,
                "indicators": inds,
                "shortfalls": shortfalls,
            }
        )

    total_pop = sum(c["population"] for c in circles)
    nursery_places = float(fac.loc[fac["category"] == "nursery", "capacity"].sum())
    dinds = []
    for iid, nzh, nen, kind, value, thr, op, unit, item in DISTRICT_INDICATORS:
        if iid == "D-NUR-PER-1000":
            value = round(1000 * nursery_places / total_pop, 2)
        dinds.append(
            {
                "id": iid,
                "name_zh": nzh,
                "name_en": nen,
                "category": "constraint",
                "kind": kind,
                "value": value,
                "threshold": thr,
                "operator": op,
                "unit": unit,
                "status": _status(value, thr, op),
                "margin": _margin(value, thr, op),
                "radius_m": None,
                "facility_categories": [],
                "plan_item": item,
                "source": "雨政办发〔2023〕20号",
                "verified": True,
                "deadline": "2025-12-31",
            }
        )
    counts = {g: grades.count(g) for g in ("NONE", "AA", "AAA")}
    doc = {
        "schema_version": "1.0",
        "run": {
            "id": "run-20250615-0001",
            "created_at": "2025-06-15T09:30:00+08:00",
            "software_version": "0.1.0",
            "catalogue": {
                "id": "changsha-provisional",
                "version": "2025.1",
                "provisional": provisional,
                "title": "长沙市“绿色完整”居住社区评价指标（暂行）",
            },
            "input_hash": "sha256:" + "3f9a0c1be2d4" * 5 + "abcd",
            "district": {"name": "雨花区", "admin_code": "430111"},
            "generated_geometry": generated,
            "notice": "示例数据：几何为生成数据" if generated else None,
        },
        "summary": {"circles": n_circles, "population": total_pop, "grades": counts},
        "district_indicators": dinds,
        "circles": circles,
        "warnings": [
            {
                "code": "unsnapped_home",
                "message": "1 个小区距路网超过200米，未纳入计算",
                "file": "compounds.gpkg",
                "row": 17,
                "field": "geometry",
            }
        ],
    }
    (out / "checkup.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")

    cg = gpd.GeoDataFrame(
        {
            "circle_id": [c["id"] for c in circles],
            "name": [c["name"] for c in circles],
            "street": [c["street"] for c in circles],
            "grade": grades,
        },
        geometry=polys,
        crs="EPSG:4326",
    )
    for iid, *_ in INDICATORS[:6]:
        cg[f"status__{iid}"] = [
            next(i["status"] for i in c["indicators"] if i["id"] == iid) for c in circles
        ]
    cg.to_file(out / "circles.gpkg", layer="circles", driver="GPKG")
    comp.to_crs("EPSG:4326").to_file(out / "compounds.gpkg", layer="compounds", driver="GPKG")
    if with_facilities:
        f4 = fac.drop(columns="circle").to_crs("EPSG:4326")
        f4.to_file(out / "facilities.gpkg", layer="facilities", driver="GPKG")
        areas = []
        for _iid, _, _, _, kind, fcat, rad, *_rest in INDICATORS:
            if kind != "coverage":
                continue
            sub = fac[fac["category"] == fcat]
            if len(sub):
                shape = sub.geometry.buffer(rad / 1.3, quad_segs=8).union_all()
                areas.append({"category": fcat, "radius_m": rad, "geometry": shape})
        sa = gpd.GeoDataFrame(areas, crs=METRIC).to_crs("EPSG:4326")
        sa.to_file(out / "service_areas.gpkg", layer="service_areas", driver="GPKG")
    return out


_FAC_SUFFIX = {
    "kindergarten": "幼儿园",
    "nursery": "托育中心",
    "elderly_service_station": "居家养老服务站",
    "community_health_station": "社区卫生服务站",
    "fresh_market": "农贸市场",
    "community_service_station": "社区综合服务站",
    "park": "游园",
    "fitness_ground": "健身广场",
    "canteen": "长者食堂",
    "culture_station": "文化活动站",
}


def build_real_checkup(out: Path, scale: float = 0.05) -> Path:
    """Generate the demo district at ``scale`` and write its real checkup into ``out``."""
    from lifecircle.checkup import run_checkup
    from lifecircle.demo import generate_demo
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue

    out = Path(out)
    district = generate_demo(out.parent / f"{out.name}-district", scale=scale)
    ck = run_checkup(load_district(district), load_catalogue("changsha-provisional"))
    ck.write(out)
    return out


@pytest.fixture(scope="session")
def checkup_dir(tmp_path_factory) -> Path:
    """The real checkup of the small demo district (49 circles)."""
    return build_real_checkup(tmp_path_factory.mktemp("real") / "checkup")


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory) -> Path:
    """A hand-made four-circle checkup: C01 NONE, C02 AA, C03 AAA, C04 AA."""
    return build_checkup(tmp_path_factory.mktemp("checkup") / "out", n_circles=4)


def load_doc(path: Path) -> dict:
    return json.loads((Path(path) / "checkup.json").read_text("utf-8"))


def pick_circles(path: Path) -> dict[str, str]:
    """Circle ids of the real checkup by role: a NONE circle failing a coverage indicator
    (maps drawn), an AAA circle, and an AA circle."""
    doc = load_doc(path)
    roles = {}
    for c in doc["circles"]:
        cov = any(
            s["status"] == "fail"
            and next(i for i in c["indicators"] if i["id"] == s["indicator_id"])["kind"]
            == "coverage"
            for s in c["shortfalls"]
        )
        if c["grade"] == "NONE" and cov:
            roles.setdefault("none", c["id"])
        roles.setdefault(c["grade"].lower(), c["id"])
    return roles


def circle_grades(path: Path) -> dict[str, str]:
    doc = json.loads((Path(path) / "checkup.json").read_text("utf-8"))
    return {c["id"]: c["grade"] for c in doc["circles"]}


__all__ = ["build_checkup", "build_real_checkup", "circle_grades", "load_doc", "pd", "pick_circles"]
