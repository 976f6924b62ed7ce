"""The creation plan's targets, kept once and read by the programme and the reports alike."""

from __future__ import annotations

from datetime import date

import pytest

from lifecircle.errors import CatalogueError
from lifecircle.standards import list_plans, load_plan, plan_for


def test_yuhua_targets_as_the_plan_states_them():
    plan = load_plan("yuhua-2023-2025")
    assert list_plans() == ["yuhua-2023-2025"]
    assert plan.citation == "雨政办发〔2023〕20号 四" and plan.issued == date(2023, 8, 9)
    t = {x.id: x for x in plan.targets}
    assert (t["aa_2022"].min, t["aa_2022"].reported_done, t["aa_2022"].due) == (
        10,
        True,
        date(2022, 12, 31),
    )
    # 每年AA型不少于5个（当年9月底前完成），AAA型不少于3个（当年10月底前完成）
    for y in (2023, 2024, 2025):
        assert (t[f"aa_{y}"].min, t[f"aa_{y}"].due) == (5, date(y, 9, 30))
        assert (t[f"aaa_{y}"].min, t[f"aaa_{y}"].due) == (3, date(y, 10, 31))
    # cumulative: 10 AA in 2022 plus 5 a year; 3 AAA a year
    assert [t[f"aa_{y}"].cumulative for y in (2022, 2023, 2024, 2025)] == [10, 15, 20, 25]
    assert [t[f"aaa_{y}"].cumulative for y in (2023, 2024, 2025)] == [3, 6, 9]
    assert (t["aa_total"].min, t["aaa_total"].min) == (25, 10)
    assert t["aa_total"].due == t["aaa_total"].due == date(2025, 12, 31)
    assert t["aa_total"].year is None and t["aa_2024"].year == 2024
    assert plan.due_date("AA", 2022) == date(2022, 12, 31)  # the year's own target
    assert plan.due_date("AAA", 2024) == date(2024, 10, 31)


def test_plan_for_a_district():
    assert plan_for(name="雨花区", admin_code="430111").id == "yuhua-2023-2025"
    assert plan_for(name=None, admin_code="430111") is not None
    assert plan_for(name="雨花区", admin_code="430102") is None  # the code decides
    assert plan_for(name="手算区", admin_code=None) is None


def test_programme_reads_the_same_targets():
    from lifecircle.workflow import config

    plan = load_plan("yuhua-2023-2025")
    totals = config.programme()["totals"]
    assert [x["id"] for x in totals] == [t.id for t in plan.targets]
    assert all(x["min"] == t.min for x, t in zip(totals, plan.targets, strict=True))
    for t in plan.targets:
        if t.year is not None:
            assert config.due_date(t.grade, t.year) == t.due


def test_bad_plan_files_are_named(tmp_path):
    with pytest.raises(CatalogueError, match="yuhua-2023-2025"):
        load_plan("no-such-plan")
    bad = tmp_path / "plan.yaml"
    bad.write_text("format: lifecircle-plan/1\nid: x\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_plan(bad)
    assert err.value.file == str(bad)
    text = (
        "format: lifecircle-plan/1\nid: x\ntitle: t\ndocument: d\nissued: '2023-01-01'\n"
        "district: {name: n}\nyears: [2023]\ndue: {AA: '09-30', AAA: '10-31'}\n"
        "targets:\n  - {id: t1, label: l, grade: AB, year: 2023, min: 1}\n"
    )
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_plan(bad)
    assert err.value.field == "grade" and "t1" in err.value.message
