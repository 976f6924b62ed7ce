"""Schedule and targets, the evaluation path, subsidies, bulletins and the demo programme."""

from __future__ import annotations

from datetime import date

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lifecircle.errors import InputError, RuleError
from lifecircle.store.models import Bulletin, ScheduleTarget
from lifecircle.workflow import bulletins, evaluation, schedule, schedule_import, subsidies
from lifecircle.workflow import projects as pj
from lifecircle.workflow.demo import seed_demo_programme

EV = [("评定意见.txt", b"ok")]


def _accept(s, code, grade, year, start, override=None):
    e = evaluation.self_assessment(
        s, code, grade, year=year, on=start, respondents=100, satisfaction=90
    )
    evaluation.declare(s, e, on=start.replace(day=start.day + 1), override_reason=override)
    evaluation.district_review(s, e, on=start.replace(day=start.day + 2), passed=True)
    evaluation.joint_evaluation(
        s, e, on=start.replace(day=start.day + 3), accepted=True, evidence=EV
    )
    return e


def test_due_dates_and_aaa_needs_aa(programme):
    s = programme
    t = schedule.add_target(s, "C01", 2023, "AA")
    assert t.due_date == date(2023, 9, 30)
    assert schedule.add_target(s, "C01", 2024, "AAA").due_date == date(2024, 10, 31)
    with pytest.raises(RuleError, match="AAA 型只能在已获评"):
        schedule.add_target(s, "C02", 2024, "AAA")
    schedule.add_target(s, "C02", 2025, "AA")
    with pytest.raises(RuleError):
        schedule.add_target(s, "C02", 2024, "AAA")  # AA only later
    with pytest.raises(RuleError, match="已有 AA 型创建目标"):
        schedule.add_target(s, "C01", 2024, "AA")
    with pytest.raises(RuleError, match="不在创建期内"):
        schedule.add_target(s, "C03", 2027, "AA")
    with pytest.raises(RuleError, match="须以这个 AA 目标为前提"):
        schedule.remove_target(s, "C01", "AA")


def test_district_totals(programme):
    s = programme
    for i in range(1, 11):
        schedule.add_target(s, f"C{i:02d}", 2022, "AA")
    for i in range(11, 15):
        schedule.add_target(s, f"C{i:02d}", 2023, "AA")
    checks = {c.id: c for c in schedule.check_totals(s)}
    assert checks["aa_2022"].planned_ok and checks["aa_2022"].required == 10
    assert not checks["aa_2023"].planned_ok and checks["aa_2023"].planned == 4
    assert checks["aa_total"].required == 25 and checks["aaa_total"].required == 10
    assert checks["aaa_2024"].required == 3 and checks["aa_2025"].required == 5


def test_schedule_xlsx_roundtrip_and_bad_row(programme, tmp_path):
    s = programme
    p = tmp_path / "附件2.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["年度", "生活圈编号", "目标等级", "备注"])
    ws.append([2024, "C05", "AAA型", ""])  # AAA before its AA row: order in the file is free
    ws.append([2023, "C05", "AA", ""])
    ws.append([2024, "C06", "AA", "x"])
    wb.save(p)
    assert schedule_import.import_schedule(s, p) == 3
    out = tmp_path / "out.xlsx"
    assert schedule.export_schedule(s, out) == 3
    rows = list(load_workbook(out).active.values)
    assert rows[0][:2] == ("年度", "生活圈编号") and len(rows) == 4
    ws.append([2025, "C99", "AA", ""])
    wb.save(p)
    s.commit()
    with pytest.raises(InputError) as exc:
        schedule_import.import_schedule(s, p)
    assert (exc.value.row, exc.value.field) == (4, "circle_id")
    s.rollback()
    assert s.scalar(select(func.count()).select_from(ScheduleTarget)) == 3
    wb2 = Workbook()
    wb2.active.append(["年度", "生活圈编号", "目标等级"])
    wb2.active.append([2024, "C07", "AAA"])
    wb2.save(p)
    with pytest.raises(InputError, match="AAA 型只能") as exc:
        schedule_import.import_schedule(s, p)
    assert exc.value.row == 1


def test_declaration_needs_passing_checkup_or_override(programme, roles):
    s = programme
    e = evaluation.self_assessment(
        s, roles.failing, "AA", year=2024, on=date(2024, 7, 1), respondents=200, satisfaction=85
    )
    with pytest.raises(RuleError, match=roles.failed_indicator):
        evaluation.declare(s, e, on=date(2024, 7, 10))
    with pytest.raises(RuleError):
        evaluation.district_review(s, e, on=date(2024, 7, 11), passed=True)
    evaluation.declare(s, e, on=date(2024, 7, 10), override_reason="幼儿园已于7月开园")
    assert "幼儿园已于7月开园" in e.override_reason and e.override_by == "tester"
    e2 = evaluation.self_assessment(
        s, roles.passing[0], "AA", year=2024, on=date(2024, 4, 1), respondents=200, satisfaction=85
    )
    with pytest.raises(RuleError, match="没有这个生活圈的体检结果"):
        evaluation.declare(s, e2, on=date(2024, 5, 1))  # before the checkup run (2024-06-01)
    evaluation.declare(s, e2, on=date(2024, 7, 2))
    assert e2.override_reason is None and e2.checkup_result_id is not None


def test_full_path_publication_plaque_recheck_and_aaa(programme, roles):
    s = programme
    aaa = roles.aaa[0]  # graded AAA by the checkup
    other = next(c for c in roles.passing if c != aaa)
    with pytest.raises(RuleError, match="尚未评为 AA 型"):
        e = evaluation.self_assessment(
            s, aaa, "AAA", year=2024, on=date(2024, 7, 1), respondents=10, satisfaction=90
        )
        evaluation.declare(s, e, on=date(2024, 7, 2))
    s.rollback()
    e = _accept(s, aaa, "AA", 2024, date(2024, 7, 1))
    assert evaluation.held_grade(s, aaa) == "AA"
    assert evaluation.held_grade(s, aaa, as_of=date(2024, 7, 3)) == "NONE"
    with pytest.raises(RuleError):
        evaluation.hang_plaque(s, e, on=date(2024, 8, 1))
    evaluation.publish(s, e, on=date(2024, 8, 1))
    evaluation.hang_plaque(s, e, on=date(2024, 8, 10))
    assert e.stage == "plaqued"
    with pytest.raises(RuleError, match="须附佐证材料"):
        evaluation.joint_evaluation(
            s, _reviewed(s, other), on=date(2024, 8, 1), accepted=True, evidence=[]
        )
    a = _accept(s, aaa, "AAA", 2024, date(2024, 9, 1))  # it grades AAA in the checkup
    assert evaluation.held_grade(s, aaa) == "AAA" and a.verdict == "accepted"
    evaluation.recheck(
        s, aaa, year=2025, on=date(2025, 6, 1), passed=False, note="公厕停用", evidence=EV
    )
    assert evaluation.held_grade(s, aaa) == "AA"
    assert evaluation.held_grade(s, aaa, as_of=date(2025, 1, 1)) == "AAA"


def _reviewed(s, code):
    e = evaluation.self_assessment(
        s, code, "AA", year=2024, on=date(2024, 7, 1), respondents=10, satisfaction=90
    )
    evaluation.declare(s, e, on=date(2024, 7, 2))
    evaluation.district_review(s, e, on=date(2024, 7, 3), passed=True)
    return e


def test_subsidies_by_rule_and_export(programme, roles, tmp_path):
    s = programme
    c1, c2 = roles.passing[:2]
    assert subsidies.ensure_default_rules(s) == 2
    e1 = _accept(s, c1, "AA", 2024, date(2024, 7, 1))
    evaluation.publish(s, e1, on=date(2024, 8, 1))
    _accept(s, c2, "AA", 2024, date(2024, 7, 1))  # not published
    lines = {x.circle_code: x for x in subsidies.compute(s)}
    assert lines[c1].amount_yuan == 300000 and lines[c1].eligible
    assert lines[c2].amount_yuan == 0 and lines[c2].reason == "尚未公布"
    with pytest.raises(RuleError, match="奖补规则重叠"):
        subsidies.set_rule(s, "AA", 1, from_year=2025, to_year=2026)
    subsidies.set_rule(s, "AA", 400000, from_year=2026, to_year=2027, min_satisfaction=95)
    out = subsidies.export_xlsx(subsidies.compute(s), tmp_path / "奖补.xlsx")
    rows = list(load_workbook(out).active.values)
    assert rows[-1][0] == "合计" and rows[-1][5] == 300000


def test_bulletin_praise_criticism_and_rendering(programme, roles, tmp_path):
    s = programme
    failing, passing = roles.failing, roles.passing[0]
    schedule.add_target(s, failing, 2024, "AA")
    schedule.add_target(s, passing, 2024, "AA")
    late = pj.create_project(
        s,
        code="P1",
        name="幼儿园",
        circle=failing,
        project_type="街区微改造",
        lead_unit="区教育局",
        due_date=date(2024, 8, 31),
        indicator_ids=[roles.failed_indicator],
        on=date(2024, 3, 1),
    )
    pj.transition(s, late, "approved", on=date(2024, 3, 2))
    ok = pj.create_project(
        s,
        code="P2",
        name="养老站",
        circle=passing,
        project_type="老旧小区改造",
        lead_unit="区民政局",
        due_date=date(2024, 8, 31),
        on=date(2024, 3, 1),
    )
    for st in ("approved", "in_progress", "completed"):
        pj.transition(s, ok, st, on=date(2024, 8, 1))
    _accept(s, passing, "AA", 2024, date(2024, 9, 1))
    data = bulletins.build(s, "2024-09")
    assert data["as_of"] == "2024-09-30"
    assert [o["code"] for o in data["overdue"]] == ["P1"]
    crit = {c["who"] for c in data["criticised"]}
    praised = {c["who"] for c in data["praised"]}
    failing_street = s.scalar(select(ScheduleTarget).where(ScheduleTarget.id == 1)).circle.street
    assert "区教育局" in crit and "区民政局" in praised and failing_street.name in crit
    states = {t["circle"]: t["state"] for t in data["targets"]}
    assert states == {passing: "met", failing: "at_risk"}
    assert bulletins.build(s, "2024-10")["targets"][1]["state"] == "missed"
    b = bulletins.publish(s, "2024-09")
    assert s.scalar(select(func.count()).select_from(Bulletin)) == 1
    assert {k: b.data[k] for k in data if k != "criticised"} == {
        k: v for k, v in data.items() if k != "criticised"
    }
    assert [(c["who"], c["why"]) for c in b.data["criticised"]] == [
        (c["who"], c["why"]) for c in data["criticised"]
    ]
    assert b.data["issue"]["text"] == "2024年第1期" and b.number == 1
    docx_path = bulletins.render_docx(data, tmp_path / "通报.docx")
    text = "\n".join(p.text for p in Document(docx_path).paragraphs)
    assert "创建工作通报（2024年9月）" in text and "区教育局：1个项目逾期未完成" in text
    xlsx = load_workbook(bulletins.render_xlsx(data, tmp_path / "通报.xlsx"))
    assert "表扬与批评" in xlsx.sheetnames
    with pytest.raises(InputError):
        bulletins.build(s, "2024/09")


def test_demo_programme(session, checkup):
    from lifecircle.store.backup import dump

    summary = seed_demo_programme(session, checkup, today=date(2024, 9, 30))
    session.commit()
    checks = {c.id: c for c in schedule.check_totals(session)}
    assert all(c.planned_ok for c in checks.values()), checks
    assert checks["aa_2022"].achieved == 10
    data = session.scalar(select(Bulletin)).data
    assert data["summary"]["overdue"] > 0 and data["summary"]["on_time"] > 0
    assert data["summary"]["late"] > 0 and data["praised"] and data["criticised"]
    assert summary["bulletin"] == "2024-09"
    text = str(dump(session.get_bind()))
    assert "和记" not in text
