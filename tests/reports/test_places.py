"""The six places (学位、托位、床位、车位、厕位、梯位): supply against need per circle and for
the district, computed from the checkup and shown in every report format."""

from __future__ import annotations

import pytest
from docx import Document
from openpyxl import load_workbook

from lifecircle.checkup import CheckupFolder, six_places
from lifecircle.reports import render_circle_report, render_district_report

PLACES = ["学位", "学位", "托位", "床位", "车位", "厕位", "梯位"]


@pytest.fixture(scope="module")
def folder(checkup_dir) -> CheckupFolder:
    return CheckupFolder.read(checkup_dir)


def test_circle_rows_add_up_from_the_facilities(folder):
    result, fac = folder.result, folder.facilities
    cid = result.circles[0].id
    circle = result.circle(cid)
    rows = six_places(result, fac, circle_id=cid)
    assert [r.place for r in rows] == PLACES
    mine = fac[fac["circle_id"] == cid]
    for r in rows[:-1]:
        sel = mine[mine["category"].isin(r.categories)]
        assert r.facilities == len(sel)
        assert r.supply == pytest.approx(sel["capacity"].fillna(0).sum())
        assert r.norm == r.basis.threshold and r.basis.place == r.place
        assert r.need == pytest.approx(r.norm * circle.population / 1000)
        assert r.gap == pytest.approx(r.need - r.supply)
        assert r.indicator is circle.indicator(r.basis.id)  # judged by the circle's own
        assert r.status == r.indicator.status
    assert rows[0].categories == ("kindergarten",)
    assert rows[1].categories == ("primary_school", "middle_school")
    lifts = rows[-1]  # 梯位: no facility layer, the manual value
    assert lifts.categories == () and lifts.supply is None and lifts.need is None
    assert lifts.indicator.kind == "manual" and lifts.indicator.id == "sp_lift_retrofit"


def test_district_rows_use_the_district_indicator_or_the_circles_norm(folder):
    result, fac = folder.result, folder.facilities
    rows = six_places(result, fac)
    assert [r.place for r in rows] == PLACES
    pop = result.summary["population"]
    childcare = rows[2]
    # 托位 has a district target (dt_childcare_places_per_1000, 4.5 per 1,000)
    assert childcare.indicator.id == "dt_childcare_places_per_1000"
    assert childcare.supply == pytest.approx(
        fac.loc[fac["category"] == "nursery", "capacity"].sum()
    )
    assert childcare.need == pytest.approx(4.5 * pop / 1000)
    # 学位 has none: the circles' norm over the whole district, status from supply and need
    school = rows[0]
    assert school.indicator is None and school.basis.id == "sp_kindergarten_places"
    assert school.status == ("pass" if school.supply >= school.need else "fail")
    passing = sum(c.indicator("sp_kindergarten_places").status == "pass" for c in result.circles)
    assert (school.circles_passed, school.circles_valued) == (passing, len(result.circles))


def test_without_a_facility_layer_supply_is_unknown(folder):
    rows = six_places(folder.result, None, circle_id=folder.result.circles[0].id)
    assert all(r.supply is None and r.gap is None for r in rows)
    assert rows[0].need is not None  # the need still follows from the population


def test_tables_in_every_format(folder, tmp_path):
    cid = folder.result.circles[0].id
    render_circle_report(folder, cid, tmp_path)
    render_district_report(folder, tmp_path)
    doc = Document(str(tmp_path / f"{cid}.docx"))
    assert "“六位”供需（学位、托位、床位、车位、厕位、梯位）" in [p.text for p in doc.paragraphs]
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "类别")
    first = [c.text for c in table.rows[1].cells]
    assert first[0] == "学位：幼儿园" and first[1].endswith("处）") and "学位/千人" in first[2]
    assert first[3].startswith(("缺", "余")) and first[6].startswith("雨政办发〔2023〕20号")
    assert [r.cells[0].text for r in table.rows[1:]][-1] == "梯位"
    dist = Document(str(tmp_path / "district.docx"))
    assert "六、“六位”供需（全区）" in [p.text for p in dist.paragraphs]
    dtable = next(t for t in dist.tables if t.rows[0].cells[0].text == "类别")
    assert [c.text for c in dtable.rows[0].cells][5] == "达标生活圈"
    assert all("个达标" in r.cells[5].text for r in dtable.rows[1:])
    ws = load_workbook(tmp_path / f"{cid}.xlsx")["六位"]
    assert ws["A2"].value == "学位：幼儿园" and isinstance(ws["B2"].value, (int, float))
    html = (tmp_path / f"{cid}.html").read_text("utf-8")
    assert 'id="places"' in html and "学位：幼儿园" in html
    assert 'id="places"' in (tmp_path / "district.html").read_text("utf-8")
