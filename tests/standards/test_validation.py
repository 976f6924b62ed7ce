"""Each bad catalogue raises CatalogueError naming the file, the indicator id and the field."""

from __future__ import annotations

import copy

import pytest
import yaml

from lifecircle.errors import CatalogueError
from lifecircle.standards import load_catalogue

GOOD = {
    "format": "lifecircle-catalogue/1",
    "id": "test-cat",
    "version": "1",
    "title_zh": "测试",
    "title_en": "Test",
    "provisional": False,
    "sources": ["test"],
    "grading": {"aa": "all_constraint_pass", "aaa": {"min_guiding_passed": 1}},
    "indicators": [
        {
            "id": "kg_cov",
            "name_zh": "幼儿园覆盖率",
            "name_en": "Kindergarten coverage",
            "category": "constraint",
            "kind": "coverage",
            "facility_categories": ["kindergarten"],
            "radius_m": 300,
            "operator": ">=",
            "threshold": 90,
            "unit": "%",
            "source": "test",
            "verified": False,
            "deadline": "2025-12-31",
        },
        {
            "id": "park_g",
            "name_zh": "公园",
            "name_en": "Park",
            "category": "guiding",
            "kind": "presence",
            "facility_categories": ["park"],
            "operator": ">=",
            "threshold": 1,
            "unit": "处",
            "source": "test",
            "verified": True,
        },
    ],
}


def write(tmp_path, data, name="cat.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def bad(tmp_path, mutate):
    data = copy.deepcopy(GOOD)
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    return info.value, path


def test_good_catalogue_loads(tmp_path):
    cat = load_catalogue(write(tmp_path, GOOD))
    assert [i.id for i in cat.indicators] == ["kg_cov", "park_g"]
    assert cat.indicators[0].deadline == "2025-12-31"


def test_unquoted_yaml_date_becomes_iso_string(tmp_path):
    text = yaml.safe_dump(GOOD, allow_unicode=True).replace("'2025-12-31'", "2025-12-31")
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_catalogue(path).indicators[0].deadline == "2025-12-31"


def test_duplicate_id(tmp_path):
    err, path = bad(tmp_path, lambda d: d["indicators"].append(copy.deepcopy(d["indicators"][0])))
    assert err.field == "id" and err.file == str(path)
    assert "kg_cov" in str(err) and "编号重复出现" in str(err)


def test_missing_threshold(tmp_path):
    err, _ = bad(tmp_path, lambda d: d["indicators"][1].pop("threshold"))
    assert err.field == "threshold"
    assert "park_g" in str(err) and "threshold" in str(err) and "处理办法：" in str(err)


def test_null_threshold(tmp_path):
    err, _ = bad(tmp_path, lambda d: d["indicators"][1].update(threshold=None))
    assert err.field == "threshold" and "park_g" in str(err)


def test_unknown_facility_category(tmp_path):
    err, _ = bad(tmp_path, lambda d: d["indicators"][0].update(facility_categories=["zoo"]))
    assert err.field == "facility_categories"
    assert "kg_cov" in str(err) and "zoo" in str(err) and "kindergarten" in str(err)


def test_coverage_without_radius(tmp_path):
    err, _ = bad(tmp_path, lambda d: d["indicators"][0].pop("radius_m"))
    assert err.field == "radius_m" and "kg_cov" in str(err)


@pytest.mark.parametrize(
    ("field", "value"),
    [("category", "mandatory"), ("kind", "ratio"), ("operator", ">")],
)
def test_unknown_enum_value(tmp_path, field, value):
    err, _ = bad(tmp_path, lambda d: d["indicators"][0].update({field: value}))
    assert err.field == field and "kg_cov" in str(err) and "写以下之一" in str(err)


def test_per_1000_needs_a_category_with_capacity(tmp_path):
    def mutate(d):
        d["indicators"][0].update(kind="per_1000", facility_categories=["park"], unit="x")

    err, _ = bad(tmp_path, mutate)
    assert err.field == "facility_categories" and "容量" in str(err)


def test_presence_must_be_count_at_least_one(tmp_path):
    err, _ = bad(tmp_path, lambda d: d["indicators"][1].update(threshold=2))
    assert err.field == "threshold" and "park_g" in str(err)


def test_grading_weights_unknown_indicator(tmp_path):
    def mutate(d):
        d["grading"]["aaa"] = {"weights": {"ghost": 1}, "min_score": 1}

    err, _ = bad(tmp_path, mutate)
    assert err.field == "grading.aaa.weights" and "ghost" in str(err)


def test_grading_asks_more_guiding_than_exist(tmp_path):
    err, _ = bad(tmp_path, lambda d: d["grading"]["aaa"].update(min_guiding_passed=5))
    assert err.field == "grading.aaa.min_guiding_passed"


def test_provisional_needs_notice(tmp_path):
    err, _ = bad(tmp_path, lambda d: d.update(provisional=True))
    assert err.field == "notice"


def test_district_target_must_have_district_scope(tmp_path):
    def mutate(d):
        d["indicators"][1].update(kind="district_target", scope="circle", measure="manual")
        d["indicators"][1].pop("facility_categories")

    err, _ = bad(tmp_path, mutate)
    assert err.field == "scope" and "park_g" in str(err)


def test_unknown_field_is_named(tmp_path):
    err, _ = bad(tmp_path, lambda d: d["indicators"][0].update(treshold=3))
    assert err.field == "treshold" and "kg_cov" in str(err)


def test_broken_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert info.value.file == str(path)


def test_place_and_source_note_load(tmp_path):
    def mutate(d):
        d["indicators"][0].update(
            kind="per_1000",
            unit="学位/千人",
            place="学位",
            source="雨政办发〔2023〕20号 二(一)",
            source_note="how the value was found",
        )

    data = copy.deepcopy(GOOD)
    mutate(data)
    ind = load_catalogue(write(tmp_path, data)).indicators[0]
    assert (ind.place, ind.source_note) == ("学位", "how the value was found")
    assert "source_note" not in ind.info()  # a catalogue detail: not in results
    assert ind.info()["place"] == "学位"


def test_place_must_match_the_capacity_unit(tmp_path):
    def mutate(d):
        d["indicators"][0].update(kind="per_1000", unit="x", place="托位")

    err, _ = bad(tmp_path, mutate)
    assert err.field == "place" and "kg_cov" in str(err) and "学位" in str(err)


def test_place_is_for_per_1000_or_manual(tmp_path):
    err, _ = bad(tmp_path, lambda d: d["indicators"][0].update(place="学位"))
    assert err.field == "place" and "coverage" in str(err)


def test_unknown_place_is_refused(tmp_path):
    err, _ = bad(tmp_path, lambda d: d["indicators"][1].update(place="座位"))
    assert err.field == "place" and "写以下之一" in str(err)
