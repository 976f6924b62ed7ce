"""Broken packages: each stops with a typed error naming file, row and field, or a warning."""

from __future__ import annotations

import pytest

from district._pkg import CIRCLES, COMPOUNDS, FACILITIES, MANUAL, manifest
from lifecircle.district import load_district
from lifecircle.errors import DistrictError, SchemaError


def test_compound_in_no_circle_is_an_error_by_default(make_package) -> None:
    compounds = COMPOUNDS + "K6,己小区,Z社区,西街道,300,100,113.017,28.117\n"
    with pytest.raises(DistrictError) as exc:
        load_district(make_package(compounds=compounds))
    e = exc.value
    assert e.file.endswith("compounds.csv") and e.row == 6 and e.field == "community"
    assert "Z社区" in e.message and "circles.csv" in e.fix


def test_community_in_two_circles(make_package) -> None:
    circles = CIRCLES + "C4,重复生活圈,东街道,B社区\n"
    with pytest.raises(DistrictError) as exc:
        load_district(make_package(circles=circles))
    e = exc.value
    assert e.file.endswith("circles.csv") and e.row == 4 and e.field == "communities"
    assert "B社区" in e.message and "C1" in e.message and "C4" in e.message


def test_duplicate_circle_id(make_package) -> None:
    circles = CIRCLES.replace("C3,空生活圈", "C1,空生活圈")
    with pytest.raises(DistrictError) as exc:
        load_district(make_package(circles=circles))
    e = exc.value
    assert e.file.endswith("circles.csv") and e.row == 3 and e.field == "circle_id"
    assert "'C1'" in e.message and "第 1 行" in e.message


def test_unknown_category_lists_the_taxonomy(make_package) -> None:
    facilities = FACILITIES + "F5,奶茶店,bubble_tea,,113.004,28.104\n"
    with pytest.raises(SchemaError) as exc:
        load_district(make_package(facilities=facilities))
    e = exc.value
    assert e.file.endswith("facilities.csv") and e.row == 5 and e.field == "category"
    assert "bubble_tea" in e.message
    assert "kindergarten" in e.fix and "elderly_service_station" in e.fix


def test_misspelt_category_gets_a_suggestion(make_package) -> None:
    facilities = FACILITIES.replace("pharmacy", "pharmacie")
    with pytest.raises(SchemaError) as exc:
        load_district(make_package(facilities=facilities))
    assert exc.value.row == 4 and "是否是 'pharmacy'" in exc.value.fix


@pytest.mark.parametrize(
    ("line", "field", "error"),
    [
        ("C2,gd_property_management,九十,台账,2024-01-01", "value", SchemaError),
        ("C2,gd_property_management,90,台账,2024-02-30", "date", SchemaError),
        ("C2,gd_property_management,90,台账,last year", "date", SchemaError),
        ("C9,gd_property_management,90,台账,2024-01-01", "scope", DistrictError),
        ("C2,,90,台账,2024-01-01", "indicator_id", SchemaError),
        ("C1,gd_property_management,90,台账,2024-01-01", "indicator_id", DistrictError),
    ],
)
def test_bad_manual_values_name_the_row(make_package, line, field, error) -> None:
    with pytest.raises(error) as exc:
        load_district(make_package(manual=MANUAL + line + "\n"))
    e = exc.value
    assert type(e) is error
    assert e.file.endswith("manual_values.csv") and e.row == 3 and e.field == field


def test_bad_share_names_the_row(make_package) -> None:
    compounds = COMPOUNDS.replace("lon,lat\n", "lon,lat,share_60_plus\n", 1)
    rows = compounds.splitlines()
    rows = [rows[0]] + [r + (",18.5" if i == 2 else ",0.2") for i, r in enumerate(rows[1:], 1)]
    with pytest.raises(SchemaError) as exc:
        load_district(make_package(compounds="\n".join(rows) + "\n"))
    e = exc.value
    assert e.row == 2 and e.field == "share_60_plus" and "0.185" in e.fix


def test_missing_community_column(make_package) -> None:
    compounds = COMPOUNDS.replace(",community,", ",area_name,", 1)
    with pytest.raises(SchemaError) as exc:
        load_district(make_package(compounds=compounds))
    assert exc.value.field == "community" and exc.value.file.endswith("compounds.csv")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d.pop("name"), "name", "name"),
        (lambda d: d.update(coords="wgs-84"), "coords", "gcj02"),
        (lambda d: d.update(format="lifecircle-district/9"), "format", "lifecircle-district/1"),
        (lambda d: d.update(layer=d.pop("layers")), "layer", "layers"),
        (lambda d: d["layers"].pop("circles"), "layers.circles", "circles"),
        (lambda d: d["layers"].update(compounds=3), "layers.compounds", "写文件名"),
        (lambda d: d["layers"].update(circle="circles.csv"), "layers.circle", "circles"),
        (lambda d: d["layers"].pop("network"), "layers.network", "osm"),
        (lambda d: d["layers"].update(osm="x.osm.pbf"), "layers.network", "osm"),
        (lambda d: d["layers"].update(compounds="小区.csv"), "layers.compounds", "小区.csv"),
        (lambda d: d.update(generated=True), "notice", "示例数据"),
    ],
)
def test_bad_manifest_names_district_yaml_and_the_field(make_package, change, field, words) -> None:
    doc = manifest()
    change(doc)
    with pytest.raises(DistrictError) as exc:
        load_district(make_package(doc=doc))
    e = exc.value
    assert e.file.endswith("district.yaml") and e.field == field
    assert words in str(e)


def test_manifest_that_is_not_yaml(make_package) -> None:
    with pytest.raises(DistrictError) as exc:
        load_district(make_package(raw_manifest="name: [unclosed\n"))
    assert exc.value.file.endswith("district.yaml") and "YAML" in exc.value.message


def test_no_manifest(tmp_path) -> None:
    with pytest.raises(DistrictError) as exc:
        load_district(tmp_path)
    assert "district.yaml" in str(exc.value)
