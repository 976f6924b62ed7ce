"""The checkup on a district computed by hand (see tests/handbuilt_district.py for every figure)."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pytest

from handbuilt_district import write_package
from lifecircle.checkup import CheckupResult, run_checkup
from lifecircle.district import load_district
from lifecircle.errors import DistrictError
from lifecircle.standards import load_catalogue


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    return write_package(tmp_path_factory.mktemp("hb") / "district")


@pytest.fixture(scope="module")
def checkup(package):
    return run_checkup(load_district(package), load_catalogue(package / "catalogue.yaml"))


def _ind(circle, iid):
    return next(i for i in circle.indicators if i.id == iid)


def test_grades_by_hand(checkup):
    grades = {c.id: c.grade for c in checkup.result.circles}
    assert grades == {"C1": "NONE", "C2": "AAA", "C3": "AA"}
    assert checkup.result.summary["grades"] == {"NONE": 1, "AA": 1, "AAA": 1}


def test_values_by_hand(checkup):
    c1, c2, c3 = (checkup.result.circle(c) for c in ("C1", "C2", "C3"))
    assert _ind(c1, "c_kg_500").value == pytest.approx(100 * 1000 / 1500)
    assert _ind(c1, "c_kg_500").status == "fail"
    assert _ind(c1, "c_kg_500").margin == pytest.approx(100 * 1000 / 1500 - 90)
    # 2SFCA: (1000 x 66.67 + 500 x 100) / 1500
    assert _ind(c1, "g_kg_places").value == pytest.approx((1000 * 200 / 3 + 500 * 100) / 1500)
    assert _ind(c2, "g_kg_places").value == pytest.approx(100 / 3)
    assert _ind(c3, "g_kg_places").value == pytest.approx(100 / 3)
    assert _ind(c2, "g_manual").value == 85 and _ind(c2, "g_manual").evidence.startswith("物业台账")
    assert _ind(c3, "g_manual").status == "missing"
    assert _ind(c3, "ch_kg_count").value == 0
    assert c1.population == 1500 and c1.compound_count == 2


def test_boundary_exactly_at_radius_and_threshold(checkup):
    # K2 walks exactly 730 m to the nearest kindergarten: inside a 730 m radius, so C1's
    # coverage is exactly 100 % against a threshold of 100 %, which passes
    c1 = checkup.result.circle("C1")
    row = _ind(c1, "g_kg_730")
    assert row.value == 100.0 and row.status == "pass" and row.margin == 0.0


def test_shortfalls_name_the_compounds_and_residents(checkup):
    c1 = checkup.result.circle("C1")
    short = {s.indicator_id: s for s in c1.shortfalls}
    assert set(short) == {"c_kg_500", "g_manual"}
    kg = short["c_kg_500"]
    assert kg.affected_population == 500
    assert [(a.id, a.name, a.nearest_m) for a in kg.affected_compounds] == [("K2", "乙小区", 730.0)]
    assert short["g_manual"].status == "missing" and short["g_manual"].affected_population == 1500
    assert "幼儿园500米覆盖率" in c1.grade_reason


def test_district_indicator_evaluated_once(checkup):
    (dt,) = checkup.result.district_indicators
    assert dt.id == "dt_share" and dt.value == 76.4 and dt.status == "pass"


def test_outputs_and_trace(checkup, tmp_path):
    checkup.write(tmp_path)
    data = json.loads((tmp_path / "checkup.json").read_text(encoding="utf-8"))
    run = data["run"]
    assert run["catalogue"] == {**run["catalogue"], "id": "handbuilt", "version": "1"}
    assert run["input_hash"].startswith("sha256:")
    assert run["software_version"] and run["created_at"]
    assert CheckupResult.from_dict(data).circle("C1").grade == "NONE"
    circles = gpd.read_file(tmp_path / "circles.gpkg").set_index("circle_id")
    assert circles.loc["C1", "pass__c_kg_500"] == 0 and circles.loc["C2", "grade"] == "AAA"
    compounds = gpd.read_file(tmp_path / "compounds.gpkg").set_index("id")
    assert compounds.loc["K2", "nearest_m__kindergarten"] == pytest.approx(730.0)
    assert compounds.loc["K2", "circle_id"] == "C1"
    assert set(gpd.read_file(tmp_path / "facilities.gpkg")["circle_id"]) == {"C1", "C2", "C3"}


def test_two_runs_give_identical_checkup_json(package, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    cat = load_catalogue(package / "catalogue.yaml")
    for name in ("a", "b"):
        run_checkup(load_district(package), cat).write(tmp_path / name)
    a = (tmp_path / "a" / "checkup.json").read_bytes()
    assert a == (tmp_path / "b" / "checkup.json").read_bytes()
    assert json.loads(a)["run"]["created_at"] == "2023-11-14T22:13:20+00:00"


def test_circle_without_compounds_is_reported_and_not_graded_up(tmp_path):
    root = write_package(tmp_path / "d", extra_circle=True)
    ck = run_checkup(load_district(root), load_catalogue(root / "catalogue.yaml"))
    c4 = ck.result.circle("C4")
    assert c4.population == 0 and c4.grade == "NONE"
    assert _ind(c4, "c_kg_500").status == "missing"
    assert any(w["code"] == "circle_without_compounds" for w in ck.result.warnings)


def test_manual_value_for_unknown_indicator_is_a_warning(tmp_path):
    root = write_package(tmp_path / "d", manual_extra="C1,no_such_indicator,5,台账,2024-01-01\n")
    ck = run_checkup(load_district(root), load_catalogue(root / "catalogue.yaml"))
    (w,) = [w for w in ck.result.warnings if w["code"] == "manual_value_unknown_indicator"]
    assert "no_such_indicator" in w["message"] and w["row"] == 3 and w["field"] == "indicator_id"


def test_compound_in_no_circle_is_an_error(tmp_path):
    root = write_package(tmp_path / "d")
    text = (
        (root / "circles.csv").read_text(encoding="utf-8").replace("C3,三号圈,测试街道,C社区\n", "")
    )
    (root / "circles.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DistrictError) as err:
        load_district(root)
    assert "K4" in str(err.value) or "C社区" in str(err.value)


def test_checkup_command(package, tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "lifecircle", "checkup", str(package),
         "--catalogue", str(package / "catalogue.yaml"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "AAA型 1" in r.stdout and "未达标 1" in r.stdout
    assert (tmp_path / "out" / "checkup.json").exists()


def test_checkup_json_follows_its_schema_and_bad_files_are_named(checkup, tmp_path):
    from lifecircle.checkup.result import validate_checkup_json
    from lifecircle.errors import SchemaError

    checkup.write(tmp_path)
    data = json.loads((tmp_path / "checkup.json").read_text(encoding="utf-8"))
    validate_checkup_json(data)
    data["circles"][0]["grade"] = "A+"
    (tmp_path / "checkup.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        CheckupResult.read(tmp_path)
    assert (err.value.row, err.value.field) == (1, "circles[].grade")
    assert "生活圈 C1" in str(err.value) and "checkup.json" in str(err.value)
    del data["run"]["input_hash"]
    data["circles"][0]["grade"] = "AA"
    data["circles"][2]["indicators"][1]["value"] = "85"
    with pytest.raises(SchemaError) as err:
        CheckupResult.from_dict(data)
    assert (err.value.row, err.value.field) == (3, "circles[].indicators[].value")
    assert "生活圈 C3，指标 c_barber" in err.value.message
    data["circles"][2]["indicators"][1]["value"] = 85
    with pytest.raises(SchemaError) as err:
        CheckupResult.from_dict(data)
    assert (err.value.row, err.value.field) == (None, "run.input_hash")


def test_compound_outside_its_community_is_reported(tmp_path):
    import geopandas as gpd
    import shapely

    root = write_package(tmp_path / "d")
    comp = gpd.read_file(root / "compounds.gpkg")
    x0, y0 = comp.geometry.iloc[0].x, comp.geometry.iloc[0].y
    # K1 claims A社区 (x 0..1000) but sits 400 m east of that community's edge, in B社区
    comp.loc[0, "geometry"] = shapely.Point(x0 + 1300, y0)
    comp.to_file(root / "compounds.gpkg")
    district = load_district(root)
    (w,) = [w for w in district.warnings if w["code"] == "compound_outside_community"]
    assert "K1" in w["message"] and "A社区" in w["message"] and w["row"] == 1
    # the untouched package raises no such warning
    clean = load_district(write_package(tmp_path / "clean"))
    assert not [w for w in clean.warnings if w["code"] == "compound_outside_community"]


def test_circles_given_as_polygons_grade_the_same(tmp_path):
    import geopandas as gpd
    import shapely
    import yaml

    root = write_package(tmp_path / "d")
    comms = gpd.read_file(root / "communities.gpkg")
    circles = gpd.GeoDataFrame(
        {
            "circle_id": ["C1", "C2", "C3"],
            "name": ["一号圈", "二号圈", "三号圈"],
            "street": "测试街道",
        },
        geometry=comms.sort_values("name").geometry.to_numpy(),
        crs=comms.crs,
    )
    circles.to_file(root / "circles.gpkg")
    manifest = yaml.safe_load((root / "district.yaml").read_text(encoding="utf-8"))
    manifest["layers"]["circles"] = "circles.gpkg"
    del manifest["layers"]["communities"]
    (root / "district.yaml").write_text(
        yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8"
    )
    ck = run_checkup(load_district(root), load_catalogue(root / "catalogue.yaml"))
    assert {c.id: c.grade for c in ck.result.circles} == {"C1": "NONE", "C2": "AAA", "C3": "AA"}
    assert ck.result.circle("C1").population == 1500

    # a compound outside every polygon stops the load, naming it
    comp = gpd.read_file(root / "compounds.gpkg")
    comp.loc[3, "geometry"] = shapely.Point(comp.geometry.iloc[3].x + 5000, comp.geometry.iloc[3].y)
    comp.to_file(root / "compounds.gpkg")
    with pytest.raises(DistrictError) as err:
        load_district(root)
    assert "K4" in str(err.value) and "polygon" in str(err.value)
