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
    assert not cat.provisional


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
