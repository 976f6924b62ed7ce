"""CheckupResult: the one contract, its fields one with the schema, read and written alike."""

from __future__ import annotations

import copy
import json
from dataclasses import fields

import pytest

from checkup_fixtures import CHECKUP_DAY
from handbuilt_district import write_package
from lifecircle.checkup import (
    AffectedCompound,
    CatalogueInfo,
    CheckupFolder,
    CheckupResult,
    CircleResult,
    DistrictInfo,
    IndicatorResult,
    RunInfo,
    Shortfall,
    run_checkup,
)
from lifecircle.checkup.result import checkup_schema
from lifecircle.district import load_district
from lifecircle.errors import FileFormatError, InputError, SchemaError
from lifecircle.standards import IndicatorInfo, load_catalogue


def _names(cls) -> set[str]:
    return {f.name for f in fields(cls)}


def test_every_field_is_in_the_schema_and_back():
    schema = checkup_schema()
    defs = schema["$defs"]
    run = schema["properties"]["run"]["properties"]
    assert _names(IndicatorResult) == set(defs["indicator"]["properties"])
    assert _names(CircleResult) == set(defs["circle"]["properties"])
    assert _names(Shortfall) == set(defs["shortfall"]["properties"])
    compound = defs["shortfall"]["properties"]["affected_compounds"]["items"]["properties"]
    assert _names(AffectedCompound) == set(compound)
    assert _names(RunInfo) == set(run)
    assert _names(CatalogueInfo) == set(run["catalogue"]["properties"])
    assert _names(DistrictInfo) == set(run["district"]["properties"])
    # what the checkup writes that the catalogue said: exactly the IndicatorInfo fields
    assert _names(IndicatorInfo) <= _names(IndicatorResult)


def test_results_carry_every_catalogue_field(handbuilt_checkup, tmp_path):
    cat = load_catalogue(write_package(tmp_path / "d") / "catalogue.yaml")
    for c in handbuilt_checkup.circles:
        for res in c.indicators:
            ind = cat.indicator(res.id)
            assert {f: getattr(res, f) for f in _names(IndicatorInfo)} == ind.info()
            assert res.kind == ind.effective_kind
        for s in c.shortfalls:
            res = c.indicator(s.indicator_id)
            shared = _names(Shortfall) & _names(IndicatorResult)
            assert shared and all(getattr(s, f) == getattr(res, f) for f in shared)


def test_read_and_written_are_the_same_document(handbuilt_checkup_dir, demo_checkup_dir):
    for d in (handbuilt_checkup_dir, demo_checkup_dir):
        text = (d / "checkup.json").read_text("utf-8")
        result = CheckupResult.read(d)
        assert result.to_json() == text  # byte for byte: keys in the schema's order
        assert CheckupResult.read(d / "checkup.json") == result
        assert result.source == str(d / "checkup.json")


def test_in_memory_equals_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(CHECKUP_DAY.timestamp())))
    root = write_package(tmp_path / "d")
    ck = run_checkup(load_district(root), load_catalogue(root / "catalogue.yaml"))
    ck.write(tmp_path / "out")
    back = CheckupResult.read(tmp_path / "out")
    assert back.to_dict() == ck.result.to_dict()
    assert [c.grade for c in back.circles] == [c.grade for c in ck.result.circles]
    assert back.circle("C1").shortfalls[0].affected_compounds[0] == AffectedCompound(
        id="K2", name="乙小区", population=500.0, nearest_m=730.0
    )


def test_typed_accessors(handbuilt_checkup, demo_checkup):
    hb = handbuilt_checkup
    assert hb.district_name == "手算区" and hb.run.district.admin_code == "430199"
    assert not hb.generated and hb.notice is None
    assert hb.catalogue.label == "手算测试指标 1" and not hb.catalogue.provisional
    assert hb.run.created == CHECKUP_DAY
    assert hb.grade_counts == hb.summary["grades"] == {"NONE": 1, "AA": 1, "AAA": 1}
    assert hb.circle_ids() == ["C1", "C2", "C3"]
    c1 = hb.circle("C1")
    assert c1.failed_constraints == ["c_kg_500"] and c1.constraint_passed == 1
    assert c1.indicator("c_kg_500").status == "fail" and not c1.indicator("c_kg_500").passed
    assert demo_checkup.generated and demo_checkup.notice == "示例数据：几何为生成数据"
    assert demo_checkup.catalogue.provisional and demo_checkup.catalogue.notice("en")
    assert demo_checkup.district_name == "雨花区"
    with pytest.raises(InputError) as err:
        hb.circle("C9")
    assert "C9" in err.value.message and "C1" in err.value.fix and err.value.file == hb.source


def test_optional_shortfall_fields_come_from_the_indicator(handbuilt_checkup):
    data = handbuilt_checkup.to_dict()
    for key in ("name_en", "operator", "responsible_units"):
        del data["circles"][0]["shortfalls"][0][key]
    back = CheckupResult.from_dict(data)
    assert back.circle("C1").shortfalls[0] == handbuilt_checkup.circle("C1").shortfalls[0]


def test_bad_files_are_named(tmp_path, handbuilt_checkup_dir):
    with pytest.raises(InputError, match=r"没有找到 checkup\.json"):
        CheckupResult.read(tmp_path)
    (tmp_path / "checkup.json").write_text("{not json", "utf-8")
    with pytest.raises(FileFormatError) as err:
        CheckupResult.read(tmp_path)
    assert err.value.file == str(tmp_path / "checkup.json")
    data = json.loads((handbuilt_checkup_dir / "checkup.json").read_text("utf-8"))
    data["schema_version"] = "2.0"
    with pytest.raises(SchemaError, match=r"本版本读取 1\.x"):
        CheckupResult.from_dict(data, source="x.json")
    data["schema_version"] = "1.0"
    data["circles"][1]["shortfalls"] = [{"indicator_id": "c_kg_500"}]
    with pytest.raises(SchemaError) as err:
        CheckupResult.from_dict(data)
    assert (err.value.row, err.value.field) == (2, "circles[].shortfalls[].name_zh")
    assert "生活圈 C2，短板 c_kg_500" in err.value.message
    data["circles"][1]["shortfalls"] = copy.deepcopy(data["circles"][0]["shortfalls"])
    data["circles"][1]["shortfalls"][0]["indicator_id"] = "no_such"
    with pytest.raises(SchemaError) as err:
        CheckupResult.from_dict(data)
    assert (err.value.row, err.value.field) == (2, "circles[].shortfalls[].indicator_id")


def test_folder_reads_layers_in_wgs84(handbuilt_checkup_dir, tmp_path):
    folder = CheckupFolder.read(handbuilt_checkup_dir)
    assert folder.result == CheckupResult.read(handbuilt_checkup_dir)
    assert folder.path == handbuilt_checkup_dir
    assert CheckupFolder.read(handbuilt_checkup_dir / "checkup.json").path == folder.path
    for name in ("circles", "compounds", "facilities"):
        assert folder.layer(name).crs.to_epsg() == 4326
    assert sorted(folder.circles["circle_id"]) == ["C1", "C2", "C3"]
    assert folder.metric("compounds").crs.is_projected
    assert folder.compounds.set_index("id").loc["K2", "circle_id"] == "C1"
    (tmp_path / "checkup.json").write_text(
        (handbuilt_checkup_dir / "checkup.json").read_text("utf-8"), "utf-8"
    )
    with pytest.raises(InputError, match=r"旁边没有 circles\.gpkg"):
        CheckupFolder.read(tmp_path)


def test_reading_a_checkup_does_not_load_the_access_engine():
    # reports and workflow read checkups; numba's start-up cost belongs to running one
    import subprocess
    import sys

    code = (
        "import sys, lifecircle.checkup, lifecircle.reports, lifecircle.workflow.checkups;"
        "assert 'numba' not in sys.modules and 'lifecircle.access' not in sys.modules;"
        "from lifecircle.checkup import run_checkup; assert 'lifecircle.access' in sys.modules"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
