"""Units, circle list import (all or nothing), district package, checkup storage with trace."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import func, select

import lifecircle.checkup
from checkup_fixtures import handbuilt_checkup_of
from district._pkg import FACILITIES, grid_lines
from lifecircle.errors import DistrictError, InputError, RuleError, SchemaError
from lifecircle.store.models import CheckupResult, CheckupRun, Circle, Compound, Unit
from lifecircle.workflow import checkups, district_import, place_imports, places


def _count(s, model):
    return s.scalar(select(func.count()).select_from(model))


def test_seed_units_has_plan_units_and_every_street(session):
    places.seed_units(session)
    names = set(session.scalars(select(Unit.name)))
    for n in ("区发展改革局", "区教育局", "区民政局", "区住房城乡建设局", "区人居环境局", "跳马镇"):
        assert n in names
    assert session.scalar(select(func.count()).where(Unit.kind == "street")) == 13
    assert not any("和记" in n for n in names)
    assert places.seed_units(session) == {"streets": 0, "units": 0}  # idempotent


def test_circle_list_csv_and_xlsx(session, tmp_path):
    p = tmp_path / "附件1.csv"
    p.write_text(
        "生活圈编号,生活圈名称,街道,社区\nC01,梓园,侯家塘街道,梓园社区、韶山路社区\n"
        "C02,东塘,东塘街道,东塘社区;沙湖桥社区\n",
        "gb18030",
    )
    assert place_imports.import_circle_list(session, p) == 2
    c = session.scalar(select(Circle).where(Circle.code == "C01"))
    assert [x.name for x in c.communities] == sorted(["梓园社区", "韶山路社区"])
    import pandas as pd

    x = tmp_path / "list.xlsx"
    pd.DataFrame(
        {
            "circle_id": ["C03"],
            "name": ["井湾"],
            "street": ["井湾子街道"],
            "communities": ["井湾子社区"],
        }
    ).to_excel(x, index=False)
    assert place_imports.import_circle_list(session, x) == 1
    assert _count(session, Circle) == 3


def test_bad_circle_row_names_file_row_field_and_changes_nothing(engine, session, tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(
        "circle_id,name,street,communities\nC01,a,侯家塘街道,甲社区\nC02,b,侯家塘街道,\n", "utf-8"
    )
    with pytest.raises(InputError) as exc:
        place_imports.import_circle_list(session, p)
    assert (exc.value.file, exc.value.row, exc.value.field) == (str(p), 2, "communities")
    assert exc.value.fix
    session.commit()
    assert _count(session, Circle) == 0
    p.write_text(
        "circle_id,name,street,communities\nC01,a,侯家塘街道,甲社区\nC02,b,侯家塘街道,甲社区\n",
        "utf-8",
    )
    with pytest.raises(InputError) as exc:
        place_imports.import_circle_list(session, p)
    assert exc.value.row == 2 and "已列在生活圈 C01" in exc.value.message


def test_district_package_import(session, tmp_path):
    (tmp_path / "district.yaml").write_text(
        "format: lifecircle-district/1\nname: 雨花区\nadmin_code: '430111'\ncrs: EPSG:4326\n"
        "layers:\n  circles: circles.csv\n  compounds: compounds.gpkg\n"
        "  facilities: facilities.csv\n  network: network.geojson\n",
        "utf-8",
    )
    (tmp_path / "facilities.csv").write_text(FACILITIES, "utf-8")
    grid_lines().to_file(tmp_path / "network.geojson", driver="GeoJSON")
    (tmp_path / "circles.csv").write_text(
        "circle_id,name,street,communities\nC01,圈一,侯家塘街道,甲社区;乙社区\n", "utf-8"
    )
    gdf = gpd.GeoDataFrame(
        {
            "id": ["H1", "H2"],
            "name": ["一小区", "二小区"],
            "community": ["甲社区", "乙社区"],
            "population": [1200.0, 800.0],
            "households": [400, 300],
        },
        geometry=[shapely.Point(112.99, 28.14), shapely.Point(113.0, 28.15)],
        crs=4326,
    )
    gdf.to_file(tmp_path / "compounds.gpkg")
    counts = district_import.import_district_package(session, tmp_path)
    assert counts["circles"] == 1 and counts["compounds"] == 2
    h1 = session.scalar(select(Compound).where(Compound.code == "H1"))
    assert h1.circle_id is not None
    assert shapely.from_wkb(h1.geom_wkb).equals(shapely.Point(112.99, 28.14))
    session.commit()
    gdf.loc[1, "community"] = "不存在社区"
    gdf.to_file(tmp_path / "compounds.gpkg")
    with pytest.raises(DistrictError) as exc:
        district_import.import_district_package(session, tmp_path)
    assert exc.value.row == 2 and exc.value.field == "community"
    session.rollback()
    assert _count(session, Compound) == 2


def test_checkup_stored_with_trace_and_compare_years(session, handbuilt_checkup, tmp_path):
    places.seed_units(session)
    run = checkups.import_checkup(session, handbuilt_checkup)
    assert (run.catalogue_id, run.catalogue_version, run.year) == ("handbuilt", "1", 2024)
    assert (run.run_key, run.input_hash) == (
        handbuilt_checkup.run.id,
        handbuilt_checkup.run.input_hash,
    )
    assert run.district_name == "手算区" and run.summary["grades"] == {"NONE": 1, "AA": 1, "AAA": 1}
    assert _count(session, CheckupResult) == 3
    c1 = session.scalar(select(Circle).where(Circle.code == "C1"))
    assert (c1.name, c1.street.name) == ("一号圈", "测试街道")
    stored = checkups.latest_result(session, c1.id)
    assert stored.failed_constraints == ["c_kg_500"] and stored.grade == "NONE"
    assert stored.shortfalls[0]["affected_compounds"][0]["id"] == "K2"
    # a year later a kindergarten has opened across the street from K2: a new run (new inputs)
    later = lifecircle.checkup.CheckupResult.read(
        handbuilt_checkup_of(tmp_path, kindergarten_k2=True, day=datetime(2025, 6, 1, tzinfo=UTC))
    )
    assert later.run.id != handbuilt_checkup.run.id and not later.circle("C1").failed_constraints
    checkups.import_checkup(session, later)
    hist = checkups.compare_years(session, c1.id)
    assert [h["year"] for h in hist] == [2024, 2025]
    assert [h["grade"] for h in hist] == ["NONE", later.circle("C1").grade]
    assert hist[1]["grade"] in ("AA", "AAA")
    assert checkups.latest_result(session, c1.id).constraints_pass
    assert not checkups.latest_result(session, c1.id, as_of=date(2024, 12, 31)).constraints_pass


def test_checkup_rejects_bad_schema_and_duplicates(
    session, handbuilt_checkup_dir, demo_checkup, tmp_path
):
    data = json.loads((handbuilt_checkup_dir / "checkup.json").read_text("utf-8"))
    path = tmp_path / "checkup.json"
    bad = copy.deepcopy(data)
    del bad["run"]["input_hash"]
    path.write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    with pytest.raises(SchemaError) as exc:
        checkups.import_checkup(session, lifecircle.checkup.CheckupResult.read(path))
    assert (exc.value.file, exc.value.field) == (str(path), "run.input_hash")
    bad = copy.deepcopy(data)
    bad["circles"][1]["grade"] = "A"
    path.write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    with pytest.raises(SchemaError) as exc:
        checkups.import_checkup(session, lifecircle.checkup.CheckupResult.read(tmp_path))
    assert (exc.value.row, exc.value.field) == (2, "circles[].grade") and exc.value.fix
    assert _count(session, CheckupRun) == 0 and _count(session, Circle) == 0
    good = lifecircle.checkup.CheckupResult.read(handbuilt_checkup_dir)
    checkups.import_checkup(session, good)
    with pytest.raises(SchemaError) as exc:
        checkups.import_checkup(session, good)
    assert exc.value.field == "run.id" and "已经导入过" in exc.value.message
    with pytest.raises(SchemaError) as exc:  # the demo's circles are not in this database
        checkups.import_checkup(session, demo_checkup, create_circles=False)
    assert (exc.value.row, exc.value.field) == (1, "circles[].id")
    assert _count(session, CheckupRun) == 1


def test_leaders_and_roles(programme):
    s = programme
    chief = places.add_person(s, "张三", unit="区人居环境局", title="局长")
    places.assign_role(s, chief, "chief")
    with pytest.raises(RuleError):
        places.assign_role(s, places.add_person(s, "李四"), "chief")
    with pytest.raises(RuleError):
        places.assign_role(s, chief, "deputy_chief")
    home = s.scalar(select(Circle).where(Circle.code == "C01")).street.name
    other = next(c.street.name for c in s.scalars(select(Circle)) if c.street.name != home)
    other_street = places.add_person(s, "赵六", unit=other)
    with pytest.raises(RuleError, match=home):  # a 圈长 comes from the circle's own street
        places.set_circle_leader(s, "C01", other_street)
    leader = places.add_person(s, "王五", unit=home)
    c = places.set_circle_leader(s, "C01", leader, expected_version=1)
    assert c.leader.name == "王五" and c.version == 2
