"""Synthetic trips over a district package (the demo's 雨花区): its communities, circles,
facilities and streets; planted circles equal today's unless shifted."""

from __future__ import annotations

import shutil

import pytest
import yaml

from lifecircle.errors import DistrictError
from lifecircle.mobility.adjacency import adjacency_pairs
from lifecircle.mobility.synth import synthetic_facility_flows, synthetic_flows
from lifecircle.mobility.synth_district import city_from_district


@pytest.fixture(scope="module")
def package(demo_checkup_dir):
    return demo_checkup_dir.parent / "district"


def test_the_city_is_the_district(package, demo_checkup):
    city = city_from_district(package)
    assert city.current is None
    circles = {c.id: set(c.communities) for c in demo_checkup.circles}
    planted = city.communities.groupby("circle_id")["id"].apply(set).to_dict()
    assert planted == {k: v for k, v in circles.items() if v & set(city.communities["id"])}
    assert (city.communities["population"] >= 1).all()
    assert set(city.facilities["category"]) == {
        "fresh_market", "supermarket", "kindergarten", "community_health_station", "park"
    }  # fmt: skip
    # each facility sits in the community polygon it is assigned to
    by_id = city.communities.set_index("id").geometry
    for row in city.facilities.head(50).itertuples():
        assert by_id[row.community].buffer(0.01).contains(row.geometry)
    flows = synthetic_flows(city, seed=1)
    assert set(flows["origin"]) <= set(city.communities["id"]) and flows["count"].sum() > 0
    assert len(synthetic_facility_flows(city, seed=1)) > 0


def test_shift_plants_circles_unlike_todays(package):
    same = city_from_district(package, seed=3)
    city = city_from_district(package, shift=0.1, seed=3)
    assert city.current is not None
    today = city.current
    moved = city.communities.set_index("id")["circle_id"] != today
    assert 0 < int(moved.sum()) < len(today) // 3
    # a moved community joined a neighbour's circle
    pairs = adjacency_pairs(city.communities.geometry.to_numpy(), tolerance_m=1.0)
    ids = city.communities["id"].to_numpy()
    for name in moved[moved].index[:10]:
        i = list(ids).index(name)
        neighbours = {ids[b] for a, b in pairs if a == i} | {ids[a] for a, b in pairs if b == i}
        assert city.communities["circle_id"].iloc[i] in set(today[list(neighbours)])
    # facilities keep today's circle; the table written as circles.csv is today's
    assert (
        city.facilities["circle_id"].to_numpy() == same.facilities["circle_id"].to_numpy()
    ).all()
    table = city.circles_table.set_index("circle_id")["communities"].str.split(";")
    assert {n for v in table for n in v} == set(ids)
    assert table.map(len).sum() == len(ids)


def test_a_package_without_community_polygons(package, tmp_path):
    copy = tmp_path / "d"
    shutil.copytree(package, copy)
    doc = yaml.safe_load((copy / "district.yaml").read_text("utf-8"))
    del doc["layers"]["communities"]
    (copy / "district.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    with pytest.raises(DistrictError, match="社区面图层") as err:
        city_from_district(copy)
    assert "district.yaml" in str(err.value)
