"""A subsidy after a failed re-check (复核不通过): withheld when not yet paid, to be reclaimed
when paid, every decision in the audit log; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lifecircle.errors import RuleError
from lifecircle.store.models import AuditLog, SubsidyPayment
from lifecircle.workflow import evaluation, subsidies

EV = [("评定意见.txt", "联合评定意见（测试）".encode())]


def _accept(s, code, grade, start, *, publish=True):
    e = evaluation.self_assessment(
        s, code, grade, year=start.year, on=start, respondents=100, satisfaction=90
    )
    evaluation.declare(s, e, on=start.replace(day=start.day + 1))
    evaluation.district_review(s, e, on=start.replace(day=start.day + 2), passed=True)
    evaluation.joint_evaluation(
        s, e, on=start.replace(day=start.day + 3), accepted=True, evidence=EV
    )
    if publish:
        evaluation.publish(s, e, on=start.replace(day=start.day + 9))
    return e


def _lines(s):
    return {x.evaluation_id: x for x in subsidies.compute(s)}


def _audit(s, table="subsidy_payment"):
    return s.scalars(
        select(AuditLog).where(AuditLog.table_name == table).order_by(AuditLog.id)
    ).all()


def test_failed_aaa_recheck_withholds_the_unpaid_aaa_subsidy_only(programme, roles):
    s = programme
    subsidies.ensure_default_rules(s)
    code = roles.aaa[0]
    aa = _accept(s, code, "AA", date(2024, 7, 1))
    paid = subsidies.record_payment(s, aa.id, on=date(2024, 7, 20), note="拨付凭证 2024-18")
    assert (paid.status, paid.amount_yuan) == ("paid", 300000)
    aaa = _accept(s, code, "AAA", date(2024, 9, 1))
    assert _lines(s)[aaa.id].state == "due" and _lines(s)[aaa.id].amount_yuan == 500000

    out = evaluation.recheck_circle(
        s, code, year=2025, on=date(2025, 6, 1), passed=False, note="公厕停用", evidence=EV
    )
    assert out.held_grade == "AA"
    lines = _lines(s)
    # the AAA subsidy, still due, is withheld; the AA one, paid, stands
    assert (lines[aaa.id].state, lines[aaa.id].amount_yuan, lines[aaa.id].eligible) == (
        "withheld",
        0,
        False,
    )
    assert "2025-06-01复核不通过" in lines[aaa.id].reason and "不予发放" in lines[aaa.id].reason
    assert lines[aa.id].state == "paid" and lines[aa.id].paid_yuan == 300000
    row = s.scalar(select(SubsidyPayment).where(SubsidyPayment.evaluation_id == aaa.id))
    assert (row.status, row.amount_yuan, row.recheck_id) == ("withheld", 500000, out.evaluation.id)
    assert "公厕停用" in row.note
    # recorded in the audit log: who, and the row written
    log = _audit(s)
    assert [x.action for x in log] == ["insert", "insert"]  # the AA payment, the withholding
    assert log[-1].actor == "tester" and log[-1].after["status"] == "withheld"
    with pytest.raises(RuleError, match="不予发放"):
        subsidies.record_payment(s, aaa.id, on=date(2025, 7, 1))
    # settling again changes nothing
    assert subsidies.settle_failed_recheck(s, out.evaluation) == []
    s.commit()


def test_failed_aa_recheck_reclaims_a_paid_subsidy(programme, roles, tmp_path):
    s = programme
    subsidies.ensure_default_rules(s)
    code = roles.passing[0]
    aa = _accept(s, code, "AA", date(2024, 7, 1))
    subsidies.record_payment(s, aa.id, on=date(2024, 8, 1))
    with pytest.raises(RuleError, match="已发放"):
        subsidies.record_payment(s, aa.id, on=date(2024, 8, 2))  # paid once only
    with pytest.raises(RuleError, match="没有应追回"):
        subsidies.record_reclaim(s, aa.id, on=date(2024, 9, 1))
    out = evaluation.recheck_circle(
        s, code, year=2025, on=date(2025, 5, 20), passed=False, note="幼儿园停办", evidence=EV
    )
    assert out.held_grade == "NONE"
    line = _lines(s)[aa.id]
    assert (line.state, line.amount_yuan, line.reclaim_yuan) == ("reclaim_due", 0, 300000)
    assert "应追回" in line.reason and line.state_zh == "应追回（复核不通过）"
    update = _audit(s)[-1]
    assert update.action == "update"
    assert (update.before["status"], update.after["status"]) == ("paid", "reclaim_due")
    with pytest.raises(RuleError, match="早于"):
        subsidies.record_reclaim(s, aa.id, on=date(2025, 5, 1))
    subsidies.record_reclaim(s, aa.id, on=date(2025, 7, 1), note="已退回区财政")
    line = _lines(s)[aa.id]
    assert (line.state, line.reclaim_yuan, line.paid_yuan) == ("reclaimed", 0, 300000)
    assert _audit(s)[-1].after["status"] == "reclaimed"
    rows = list(
        load_workbook(
            subsidies.export_xlsx(subsidies.compute(s), tmp_path / "奖补.xlsx")
        ).active.values
    )
    assert rows[0][7:10] == ("发放状态", "已发放（元）", "应追回（元）")
    body = {r[0]: r for r in rows[1:-1]}
    assert body[code][7] == "已追回" and body[code][8] == 300000
    s.commit()


def test_a_passed_recheck_leaves_subsidies_alone(programme, roles):
    s = programme
    subsidies.ensure_default_rules(s)
    code = roles.passing[0]
    aa = _accept(s, code, "AA", date(2024, 7, 1))
    evaluation.recheck_circle(s, code, year=2025, on=date(2025, 6, 1), passed=True, evidence=EV)
    assert _lines(s)[aa.id].state == "due"
    assert s.scalars(select(SubsidyPayment)).all() == []
    # a later evaluation, accepted after the failed re-check, is due again
    evaluation.recheck_circle(
        s, code, year=2025, on=date(2025, 6, 2), passed=False, note="复核不合格", evidence=EV
    )
    again = _accept(s, code, "AA", date(2025, 7, 1))
    lines = _lines(s)
    assert lines[aa.id].state == "withheld" and lines[again.id].state == "due"
    s.commit()


def test_pay_and_reclaim_commands(engine, demo_checkup_dir, tmp_path):
    from typer.testing import CliRunner

    import lifecircle.cli.db  # noqa: F401  (registers the commands)
    from lifecircle.checkup import CheckupResult
    from lifecircle.cli import app
    from lifecircle.workflow.session import open_programme

    url = engine.url.render_as_string(hide_password=False)
    r = CliRunner()

    def run(*args, code=0):
        res = r.invoke(app, [*args, "--db", url])
        assert res.exit_code == code, res.output
        return res.output

    run("db", "upgrade")
    run("import", "checkup", str(demo_checkup_dir / "checkup.json"))
    code = next(c.id for c in CheckupResult.read(demo_checkup_dir).circles if c.grade != "NONE")
    with open_programme(url, actor="tester") as s:
        eid = _accept(s, code, "AA", date(2024, 7, 1)).id
    out = run("evaluate", "pay", "9999", "--on", "2024-08-01", code=2)
    assert "没有奖补" in out and "Traceback" not in out
    assert "已登记拨付 300,000 元" in run("evaluate", "pay", str(eid), "--on", "2024-08-01")
    assert "已发放" in run("evaluate", "subsidies")
    evidence = tmp_path / "复核记录.txt"
    evidence.write_text("复核不通过", encoding="utf-8")
    run(
        "evaluate", "recheck", code, "--year", "2025", "--failed", "--note", "设施停用",
        "--evidence", str(evidence), "--on", "2025-06-01",
    )  # fmt: skip
    assert "应追回" in run("evaluate", "subsidies")
    assert "已登记追回" in run("evaluate", "reclaim", str(eid), "--on", "2025-07-01")
