"""Facility taxonomy: ids match docs/interfaces.md; OSM tags and Amap codes classify."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import lifecircle.standards
from lifecircle.standards import load_taxonomy

INTERFACE_IDS = [
    "kindergarten",
    "nursery",
    "primary_school",
    "middle_school",
    "elderly_service_station",
    "day_care_centre",
    "community_health_station",
    "community_service_station",
    "culture_station",
    "fitness_ground",
    "sports_court",
    "park",
    "supermarket",
    "fresh_market",
    "pharmacy",
    "barber",
    "laundry",
    "repair",
    "bank",
    "housekeeping",
    "restaurant",
    "canteen",
    "parcel_locker",
    "public_toilet",
    "waste_station",
    "bus_stop",
    "metro_station",
    "parking",
    "ev_charger",
    "bike_shed",
]


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def test_ids_are_the_interface_ids(tax):
    assert tax.ids == INTERFACE_IDS


def test_names_and_capacity_units(tax):
    assert tax.name_zh("kindergarten") == "幼儿园"
    assert tax.name_zh("fresh_market") == "菜市场或生鲜超市"
    units = {c: tax.capacity_unit(c) for c in tax.ids if tax.capacity_unit(c)}
    assert units == {
        "kindergarten": "学位",
        "primary_school": "学位",
        "middle_school": "学位",
        "nursery": "托位",
        "elderly_service_station": "床位",
        "day_care_centre": "床位",
        "parking": "车位",
        "public_toilet": "厕位",
        "ev_charger": "充电桩数",
    }


def test_every_mapping_has_source_and_verified(tax):
    for c in tax.categories.values():
        for rule in (*c.osm, *c.amap):
            assert rule.source and isinstance(rule.verified, bool)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"amenity": "kindergarten"}, "kindergarten"),
        ({"shop": "supermarket"}, "supermarket"),
        ({"amenity": "pharmacy"}, "pharmacy"),
        ({"leisure": "park"}, "park"),
        ({"highway": "bus_stop"}, "bus_stop"),
        ({"railway": "station", "station": "subway"}, "metro_station"),
        ({"railway": "station"}, None),  # a main-line station is not a metro station
        ({"amenity": "toilets"}, "public_toilet"),
        ({"amenity": "charging_station"}, "ev_charger"),
        ({"amenity": "parcel_locker"}, "parcel_locker"),
        (
            {"amenity": "social_facility", "social_facility:for": "senior"},
            "elderly_service_station",
        ),
        (
            {
                "amenity": "social_facility",
                "social_facility": "day_care",
                "social_facility:for": "senior",
            },
            "day_care_centre",
        ),
        ({"amenity": "social_facility", "social_facility:for": "homeless"}, None),
        ({"shop": "hairdresser"}, "barber"),
        ({"amenity": "school", "isced:level": "2"}, "middle_school"),
        # a nine-year school (both levels) takes the first matching rule in file order
        ({"amenity": "school", "isced:level": "1;2"}, "primary_school"),
        ({"amenity": "school"}, "primary_school"),
        ({"amenity": "restaurant"}, "restaurant"),
        ({"amenity": "nightclub"}, None),
        ({}, None),
    ],
)
def test_osm_tags(tax, tags, expected):
    assert tax.category_for_osm_tags(tags) == expected


def test_classify_osm_matches_the_scalar_rule(tax):
    rows = [
        {"amenity": "kindergarten"},
        {
            "amenity": "social_facility",
            "social_facility": "day_care",
            "social_facility:for": "senior",
        },
        {"railway": "station", "station": "subway"},
        {"railway": "station"},
        {"amenity": "school", "isced:level": "1;2"},
        {"shop": "hairdresser"},
        {"amenity": "nightclub"},
    ]
    df = pd.DataFrame(rows, index=[f"n{i}" for i in range(len(rows))])
    got = tax.classify_osm(df)
    assert list(got.index) == list(df.index)
    assert got.tolist() == [tax.category_for_osm_tags(r) for r in rows]
    assert got.tolist()[:3] == ["kindergarten", "day_care_centre", "metro_station"]


def test_classify_osm_reads_a_tags_column(tax):
    # pyrosm style: common keys are columns, the rest sit in a `tags` dict or JSON string
    df = pd.DataFrame(
        {
            "amenity": [None, "bank", None],
            "tags": ['{"railway": "station", "station": "subway"}', None, {"shop": "laundry"}],
        }
    )
    assert tax.classify_osm(df).tolist() == ["metro_station", "bank", "laundry"]
    # a key that is a column is read from the column, not from `tags`
    df2 = pd.DataFrame({"shop": [None], "tags": [{"shop": "laundry"}]})
    assert tax.classify_osm(df2).tolist() == [None]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("141204", "kindergarten"),
        (141204, "kindergarten"),
        ("141203", "primary_school"),
        ("150702", "bus_stop"),  # falls back to the 150700 parent
        ("150500", "metro_station"),
        ("200300", "public_toilet"),
        ("11100", "ev_charger"),  # Excel dropped the leading zero
        ("141204|050101", "kindergarten"),
        ("050101|141204", "restaurant"),  # the first code that maps wins
        ("050101", "restaurant"),  # falls back to the 050000 group (餐饮服务)
        ("060101", None),
        ("abc", None),
        (None, None),
    ],
)
def test_amap_codes(tax, code, expected):
    assert tax.category_for_amap(code) == expected


def test_forbidden_string_appears_nowhere_in_the_package():
    forbidden = "和记" + "AG"  # split so this file does not contain it either
    roots = [Path(lifecircle.standards.__file__).parent, Path(__file__).parent]
    docs = Path(__file__).parents[2] / "docs" / "catalogue-format.md"
    files = [p for r in roots for p in r.rglob("*") if p.is_file() and p.suffix != ".pyc"]
    files += [docs] if docs.exists() else []
    assert files
    for p in files:
        assert forbidden not in p.read_text(encoding="utf-8", errors="ignore"), p
