"""Bulletin numbering (期号 per year) and the 督办整改 records each criticism opens."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select
from typer.testing import CliRunner

import lifecircle.cli.bulletin  # registers the commands
import lifecircle.cli.db  # noqa: F401
from lifecircle.cli import app
from lifecircle.errors import InputError, RuleError
from lifecircle.store.models import AuditLog, Bulletin, Supervision, SupervisionNote
from lifecircle.workflow import bulletins, supervision
from lifecircle.workflow import projects as pj


def _overdue_project(s, roles) -> None:
    p = pj.create_project(
        s,
        code="P1",
        name="幼儿园",
        circle=roles.failing,
        project_type="街区微改造",
        lead_unit="区教育局",
        due_date=date(2024, 8, 31),
        on=date(2024, 3, 1),
    )
    pj.transition(s, p, "approved", on=date(2024, 3, 2))


def test_numbers_per_year_kept_on_republish_and_checked(programme, roles):
    s = programme
    _overdue_project(s, roles)
    b9 = bulletins.publish(s, "2024-09", issued_on=date(2024, 10, 8))
    b10 = bulletins.publish(s, "2024-10")
    assert (b9.year, b9.number, b10.number) == (2024, 1, 2)
    assert b9.data["issue"]["text"] == "2024年第1期" and b9.data["issued_on"] == "2024-10-08"
    assert bulletins.publish(s, "2024-09", issued_on=date(2024, 10, 9)).number == 1  # kept
    b12 = bulletins.publish(s, "2024-12", issued_on=date(2025, 1, 6))
    assert (b12.year, b12.number) == (2025, 1)  # numbered in the year of issue
    with pytest.raises(RuleError, match="2024年第2期已是 2024-10"):
        bulletins.publish(s, "2024-11", number=2)
    with pytest.raises(InputError, match="期号"):
        bulletins.publish(s, "2024-11", number=0)
    assert bulletins.publish(s, "2024-11", number=7).number == 7
    assert bulletins.publish(s, "2024-08", issued_on=date(2024, 9, 2)).number == 8  # next: max+1
    assert b9.data["issuer"] == "雨花区城市更新工作领导小组办公室"
    office = bulletins.publish(s, "2024-07", issuer="雨花区人居环境局").data
    assert office["issuer"] == office["printer"] == "雨花区人居环境局"


def test_criticism_opens_supervision_followed_and_closed(programme, roles):
    s = programme
    _overdue_project(s, roles)
    b = bulletins.publish(s, "2024-09", issued_on=date(2024, 10, 8))
    recs = supervision.list_records(s, on=date(2024, 10, 8))
    assert {r.target for r in recs} == {c["who"] for c in b.data["criticised"]}
    edu = next(r for r in recs if r.target == "区教育局")
    assert edu.deadline == date(2024, 11, 7) and edu.reason == "1个项目逾期未完成"
    assert supervision.state_on(edu, date(2024, 11, 7)) == "open"
    assert supervision.state_on(edu, date(2024, 11, 8)) == "overdue"
    crit = next(c for c in b.data["criticised"] if c["who"] == "区教育局")
    assert crit["deadline"] == "2024-11-07" and crit["supervision_id"] == edu.id

    # republishing keeps the record (and does not duplicate it)
    bulletins.publish(s, "2024-09", issued_on=date(2024, 10, 8))
    assert len(supervision.list_records(s)) == len(recs)

    supervision.follow_up(s, edu.id, "已约谈，承诺10月底完工", on=date(2024, 10, 20))
    with pytest.raises(InputError, match="不能为空"):
        supervision.follow_up(s, edu.id, "  ")
    with pytest.raises(RuleError, match="早于通报日期"):
        supervision.close(s, edu.id, on=date(2024, 10, 1))

    # the next bulletin lists the records still open
    b10 = bulletins.publish(s, "2024-10", issued_on=date(2024, 11, 10))
    listed = {r["target"]: r for r in b10.data["supervision"]}
    assert listed["区教育局"]["state_zh"] == "逾期未整改"
    assert listed["区教育局"]["notes"] == ["2024-10-20 已约谈，承诺10月底完工"]
    assert listed["区教育局"]["issue"] == "2024年第1期"

    supervision.close(s, edu.id, on=date(2024, 11, 12), note="已完工验收")
    assert supervision.state_on(edu, date(2024, 12, 1)) == "rectified_late"
    with pytest.raises(RuleError, match="已于 2024-11-12 整改销号"):
        supervision.close(s, edu.id, on=date(2024, 11, 13))
    assert [r.id for r in supervision.list_records(s, state="逾期整改", on=date(2024, 12, 1))] == [
        edu.id
    ]
    with pytest.raises(InputError, match="无法识别"):
        supervision.list_records(s, state="done")
    b11 = bulletins.publish(s, "2024-11", issued_on=date(2024, 12, 5))
    assert "区教育局" not in {
        r["target"] for r in b11.data["supervision"] if r["bulletin"] == "2024-09"
    }
    s.flush()
    audited = {
        (a.table_name, a.action)
        for a in s.scalars(select(AuditLog).where(AuditLog.table_name.like("supervision%")))
    }
    assert {("supervision", "insert"), ("supervision", "update")} <= audited
    assert ("supervision_note", "insert") in audited


def test_bulletin_docx_is_an_official_document(programme, roles, tmp_path: Path):
    s = programme
    _overdue_project(s, roles)
    bulletins.publish(s, "2024-09", issued_on=date(2024, 10, 8))
    out = bulletins.publish_bulletin(
        s, "2024-10", out_dir=tmp_path, issued_on=date(2024, 11, 10), number=3
    )
    doc = Document(str(out.docx))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == "雨花区城市更新工作领导小组办公室"  # 发文机关标志
    assert text[1] == "2024年第3期"
    assert text[3] == "各责任单位，各街道办事处："  # 主送
    assert "雨花区城市更新工作领导小组办公室" in text and "2024年11月10日" in text  # 落款
    assert any(
        t.startswith("区教育局：1个项目逾期未完成，请于2024年12月10日前整改到位") for t in text
    )
    assert any(t.startswith("抄送：雨花区城市更新工作领导小组各成员单位") for t in text)
    assert any(t.endswith("2024年11月10日印发") for t in text)
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    margins = [sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    assert doc.core_properties.author == "雨花区城市更新工作领导小组办公室"
    assert doc.core_properties.created.date() == date(2024, 11, 10)
    heads = [t.rows[0].cells[0].text for t in doc.tables]
    assert "督办对象" in heads  # the records of the earlier bulletin still open


def test_supervise_commands(engine, demo_checkup_dir, tmp_path: Path):
    url = engine.url.render_as_string(hide_password=False)

    def run(*args: str, code: int = 0) -> str:
        res = CliRunner().invoke(app, [*args, "--db", url], terminal_width=200)
        assert res.exit_code == code, res.output
        return res.output

    run("db", "upgrade")
    run("import", "checkup", str(demo_checkup_dir / "checkup.json"))
    run(
        "project", "add", "P1", "幼儿园新建", "--circle", "C04", "--type", "街区微改造",
        "--lead", "区教育局", "--due", "2024-08-31", "--on", "2024-03-01",
    )  # fmt: skip
    out = run("bulletin", "publish", "--period", "2024-09", "--date", "2024-10-08",
              "--out", str(tmp_path))  # fmt: skip
    assert "2024年第1期" in out and "批评 2" in out
    out = run("bulletin", "--period", "2024-10", "--out", str(tmp_path))  # the short form
    assert "2024年第2期" in out and "前期督办未销号 2 条" in out
    listing = run("bulletin", "supervise", "list", "--on", "2024-10-09")
    assert "区教育局" in listing and "整改中" in listing
    rid = next(line.split("│")[1].strip() for line in listing.splitlines() if "区教育局" in line)
    run("bulletin", "supervise", "follow", rid, "--note", "已约谈", "--on", "2024-10-20")
    out = run("bulletin", "supervise", "close", rid, "--on", "2024-11-01", "--note", "已完工")
    assert "已销号：已整改" in out
    out = run("bulletin", "supervise", "close", rid, code=2)
    assert "已于 2024-11-01 整改销号" in out
    assert "没有编号为 999 的督办记录" in run("bulletin", "supervise", "close", "999", code=2)
    assert "无法识别" in run("bulletin", "supervise", "list", "--state", "x", code=2)
    assert "区教育局" in run("bulletin", "supervise", "list", "--state", "已整改")
    with engine.connect() as conn:
        assert conn.scalar(select(Supervision.state).where(Supervision.id == int(rid))) == (
            "rectified"
        )
        assert conn.execute(select(SupervisionNote.note)).scalars().all() == ["已约谈", "已完工"]
        assert conn.execute(select(Bulletin.number).order_by(Bulletin.id)).scalars().all() == [
            1,
            2,
        ]
