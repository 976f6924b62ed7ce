"""The shipped catalogues load, validate, and carry source/verified for every threshold."""

from __future__ import annotations

import re

import pytest

from lifecircle.standards import Catalogue, list_catalogues, load_catalogue, load_taxonomy
from lifecircle.standards.model import CATEGORIES, KINDS

SHIPPED = ["changsha-provisional", "national-2020"]


def test_list_catalogues_names_both_shipped():
    assert list_catalogues() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_catalogue_loads(name):
    cat = load_catalogue(name)
    assert isinstance(cat, Catalogue)
    assert cat.id == name
    ids = [i.id for i in cat.indicators]
    assert len(ids) == len(set(ids))
    taxonomy = load_taxonomy()
    for ind in cat.indicators:
        assert ind.source.strip(), ind.id
        assert isinstance(ind.verified, bool), ind.id
        assert ind.category in CATEGORIES
        assert ind.kind in KINDS
        assert all(c in taxonomy for c in ind.facility_categories), ind.id
        assert ind.deadline is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", ind.deadline)
        if ind.effective_kind == "coverage":
            assert ind.radius_m and ind.radius_m > 0, ind.id
        assert ind.plan_item is None or 1 <= ind.plan_item <= 12


def test_load_by_path_equals_load_by_name():
    by_name = load_catalogue("national-2020")
    by_path = load_catalogue(by_name.path)
    assert by_path.indicators == by_name.indicators


def test_national_has_the_twenty_items():
    cat = load_catalogue("national-2020")
    items = {int(m.group(1)) for i in cat.indicators if (m := re.match(r"wz(\d\d)_", i.id))}
    assert items == set(range(1, 21))


def test_national_is_provisional_with_notice():
    # its AA/AAA rule is this software's and most GB 50180-2018 radii are recalled
    cat = load_catalogue("national-2020")
    assert cat.provisional
    assert "AA" in cat.notice_zh and "未与标准原文核对" in cat.notice_zh
    assert "no AA/AAA" in cat.notice_en
    assert sum(not i.verified for i in cat.indicators) >= 20
    assert cat.indicator("wz08_restaurant").facility_categories == ("restaurant",)


def test_changsha_is_provisional_with_notice():
    cat = load_catalogue("changsha-provisional")
    assert cat.provisional
    assert "未公开" in cat.notice_zh and "官方" in cat.notice_zh
    assert "not public" in cat.notice_en and "same format" in cat.notice_en


def test_changsha_carries_every_plan_target():
    cat = load_catalogue("changsha-provisional")
    by_id = {i.id: i for i in cat.indicators}
    expected = {
        "dt_childcare_places_per_1000": 4.5,
        "sp_childcare_places": 4.5,
        "dt_green_travel_share": 75,
        "dt_barrier_free_rate": 100,
        "dt_smart_grid_line_share_core": 80,
        "dt_supply_reliability_second_ring": 99.95,
        "ch_5g_public_areas": 100,
        "dt_ev_chargers_city_requirement": 100,
    }
    for iid, threshold in expected.items():
        assert by_id[iid].threshold == threshold, iid
        assert by_id[iid].operator == ">="
    assert by_id["gd_fitness_10min"].kind == "coverage"
    six = [
        "sp_kindergarten_places",
        "sp_compulsory_school_places",
        "sp_childcare_places",
        "sp_elderly_beds",
        "sp_parking_spaces",
        "sp_toilet_places",
        "sp_lift_retrofit",
    ]
    for iid in six:
        assert by_id[iid].deadline == "2025-12-31", iid
    for iid in (
        "dt_green_travel_share",
        "dt_barrier_free_rate",
        "dt_smart_grid_line_share_core",
        "dt_supply_reliability_second_ring",
        "dt_childcare_places_per_1000",
    ):
        assert by_id[iid].deadline == "2025-12-31"
        assert by_id[iid].scope == "district"
        assert by_id[iid].verified is True  # read in the plan itself


def test_changsha_aaa_rule_is_reachable():
    cat = load_catalogue("changsha-provisional")
    assert cat.grading.min_guiding_passed <= len(cat.by_category("guiding"))
    assert cat.grading.min_characteristic_passed <= len(cat.by_category("characteristic"))


def test_unknown_catalogue_name_lists_the_shipped_ones():
    from lifecircle.errors import CatalogueError

    with pytest.raises(CatalogueError, match="national-2020"):
        load_catalogue("no-such-catalogue")


# The plan items 五(一)2, 五(一)3, 五(二)6, 五(四)10 and 五(四)11 as indicators, each cited by
# document and clause: (id, clause, category, kind, plan item).
PLAN_ITEMS = [
    ("gd_co_governance", "五(二)6", "guiding", "manual", 6),
    ("gd_party_building", "五(四)10", "guiding", "manual", 10),
    ("cs_fire_lanes_clear", "五(四)11", "constraint", "manual", 11),
    ("cs_fire_facilities_intact", "五(四)11", "constraint", "manual", 11),
    ("cs_restaurant_15min", "五(一)3", "constraint", "coverage", 3),
    ("dt_elderly_home_adaptation", "五(一)2", "guiding", "district_target", 2),
    ("dt_pocket_parks_new", "五(一)2", "guiding", "district_target", 2),
]


@pytest.mark.parametrize(("iid", "clause", "category", "kind", "item"), PLAN_ITEMS)
def test_changsha_carries_the_missing_plan_items(iid, clause, category, kind, item):
    ind = load_catalogue("changsha-provisional").indicator(iid)
    assert ind.source == f"雨政办发〔2023〕20号 {clause}"
    assert (ind.category, ind.kind, ind.plan_item) == (category, kind, item)
    # the plan's own words are kept in the catalogue file, beside the citation
    assert ind.source_note and "“" in ind.source_note
    assert "和记" not in ind.source_note


def test_restaurant_category_and_coverage():
    tax = load_taxonomy()
    assert tax.name_zh("restaurant") == "餐饮店"
    assert tax.category_for_osm_tags({"amenity": "restaurant"}) == "restaurant"
    assert tax.category_for_osm_tags({"amenity": "fast_food"}) == "restaurant"
    ind = load_catalogue("changsha-provisional").indicator("cs_restaurant_15min")
    assert ind.facility_categories == ("restaurant",) and ind.radius_m == 1000
    assert ind.verified is False  # 1000 m and 90 % are this catalogue's choices


# what an office cites: these documents, then the clause
DOCUMENTS = (
    "雨政办发〔2023〕20号",
    "完整居住社区建设标准（试行）",
    "GB 50180-2018",
    "住房和城乡建设部2021年城市体检指标体系",
)
INTERNAL = ("回忆", "csdn", "tihaiku", "http", "github", "README", "摘要", "暂定", "“")


@pytest.mark.parametrize("name", SHIPPED)
def test_sources_are_citations_and_details_are_notes(name):
    for ind in load_catalogue(name).indicators:
        for part in ind.source.split("；"):
            assert part.startswith(DOCUMENTS), (ind.id, part)
        low = ind.source.lower()
        assert not any(w.lower() in low for w in INTERNAL), (ind.id, ind.source)
        if not ind.verified:  # an unverified value says why, in the catalogue file
            assert ind.source_note, ind.id


def test_six_places_are_named():
    cat = load_catalogue("changsha-provisional")
    places = {i.id: i.place for i in cat.indicators if i.place}
    assert set(places.values()) == {"学位", "托位", "床位", "车位", "厕位", "梯位"}
    assert places["sp_childcare_places"] == places["dt_childcare_places_per_1000"] == "托位"
    assert cat.indicator("sp_lift_retrofit").kind == "manual"
