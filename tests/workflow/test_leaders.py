"""圈长负责制: leaders set, imported and listed (SQLite and PostgreSQL), checked against the
circle's street, kept with their history, named in schedules and bulletins; migration 0003
carries the leaders kept before it."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text
from typer.testing import CliRunner

import lifecircle.cli.db  # noqa: F401  (registers the commands)
from lifecircle.cli import app
from lifecircle.errors import RuleError
from lifecircle.store import session_scope, upgrade
from lifecircle.store.db import make_engine
from lifecircle.store.models import Circle, Leader
from lifecircle.workflow import bulletins, leaders, schedule
from lifecircle.workflow.leader_import import import_leaders
from lifecircle.workflow.place_imports import import_circles
from lifecircle.workflow.places import seed_units
from lifecircle.workflow.projects import create_project
from office_files import circle_list_xlsx, db_state, leaders_xlsx


@pytest.fixture
def circles(engine, tmp_path):
    with session_scope(engine, actor="tester") as s:
        seed_units(s)
        assert import_circles(s, circle_list_xlsx(tmp_path / "附件1.xlsx"), commit=True).committed
    return engine


def test_leader_list_imports_with_short_street_names(circles, tmp_path):
    path = leaders_xlsx(tmp_path / "圈长.xlsx")
    with session_scope(circles, actor="tester") as s:
        report = import_leaders(s, path, commit=True)
        assert report.committed, [p.cells() for p in report.problems]
        assert report.counts == {"总圈长": 1, "副总圈长": 2, "圈长": 3}
    with session_scope(circles) as s:
        rows = leaders.list_leaders(s)
        assert [(v.role_zh, v.place, v.name, v.unit) for v in rows] == [
            ("总圈长", "全区", "张三", "区人居环境局"),
            ("副总圈长", "东塘街道", "王五", "东塘街道"),
            ("副总圈长", "侯家塘街道", "李四", "侯家塘街道"),
            ("圈长", "C01 梓园生活圈", "赵六", "侯家塘街道"),
            ("圈长", "C02 侯家塘生活圈", "钱七", "侯家塘街道"),
            ("圈长", "C04 东塘生活圈", "孙八", "东塘街道"),
        ]
        assert s.scalar(select(Circle).where(Circle.code == "C01")).leader.name == "赵六"
        assert leaders.missing_leaders(s) == ["C03 白沙生活圈 圈长未设", "C05 湘天生活圈 圈长未设"]
    with session_scope(circles, actor="tester") as s:  # the same list again changes nothing
        assert import_leaders(s, path, commit=True).notices == []
    assert len(_leader_rows(circles)) == 6


def _leader_rows(engine):
    with session_scope(engine) as s:
        return s.scalars(select(Leader)).all()


def test_a_circle_leader_from_another_street_is_refused(circles, tmp_path):
    path = leaders_xlsx(tmp_path / "圈长.xlsx", wrong_street=True)
    before = db_state(circles)
    with session_scope(circles, actor="tester") as s:
        report = import_leaders(s, path, commit=True)
    (err,) = report.errors
    assert (err.row, err.file_row, err.field, err.column, err.value) == (
        4,
        6,
        "street",
        "街道",
        "东塘街道",
    )
    assert "C01" in err.message and "侯家塘街道" in err.message and "圈长由侯家塘街道" in err.fix
    assert not report.committed and db_state(circles) == before


def test_set_replace_and_rules(circles):
    with session_scope(circles, actor="tester") as s:
        first = leaders.set_leader(s, "圈长", "赵六", circle="梓园", post="副主任")
        assert first.replaced is None and first.leader.since is None
        with pytest.raises(RuleError, match="侯家塘街道"):
            leaders.set_leader(s, "圈长", "周九", circle="C01", unit="东塘街道")
        with pytest.raises(RuleError, match="区直部门"):
            leaders.set_leader(s, "circle_leader", "周九", circle="C01", unit="区住建局")
        with pytest.raises(RuleError, match="区人居环境局"):
            leaders.set_leader(s, "总圈长", "张三", unit="区教育局")
        with pytest.raises(RuleError, match="--street"):
            leaders.set_leader(s, "副总圈长", "李四")
        with pytest.raises(RuleError, match="角色"):
            leaders.set_leader(s, "组长", "李四")
        change = leaders.set_leader(s, "圈长", "吴十", circle="C01", since=date(2024, 7, 1))
        assert change.replaced.name == "赵六" and change.leader.since == date(2024, 7, 1)
    with session_scope(circles) as s:
        history = [v for v in leaders.list_leaders(s, history=True) if v.circle_code == "C01"]
        assert [(v.name, v.since, v.until) for v in history] == [
            ("吴十", date(2024, 7, 1), None),
            ("赵六", None, date(2024, 7, 1)),
        ]
        names = leaders.circle_leader_names(s, on=date(2024, 6, 30))
        c01 = s.scalar(select(Circle).where(Circle.code == "C01"))
        assert names[c01.id]["leader"] == "赵六"
        assert leaders.circle_leader_names(s)[c01.id]["leader"] == "吴十"
        assert c01.leader.name == "吴十"


def test_leaders_named_in_schedule_and_bulletin(circles, tmp_path):
    with session_scope(circles, actor="tester") as s:
        import_leaders(s, leaders_xlsx(tmp_path / "圈长.xlsx"), commit=True)
        schedule.add_target(s, "C01", 2024, "AA")
        schedule.add_target(s, "C04", 2024, "AA")
        create_project(
            s,
            code="P1",
            name="幼儿园",
            circle="C04",
            project_type="街区微改造",
            lead_unit="区教育局",
            due_date=date(2024, 6, 30),
            on=date(2024, 1, 5),
        )
    with session_scope(circles, actor="tester") as s:
        states = schedule.target_states(s, on=date(2024, 10, 15))
        assert {(st.target.circle.code, st.leader) for st in states} == {
            ("C01", "赵六"),
            ("C04", "孙八"),
        }
        assert schedule.export_schedule(s, tmp_path / "铺排表.xlsx") == 2
        data = bulletins.build(s, "2024-10")
    head, *rows = list(load_workbook(tmp_path / "铺排表.xlsx").active.values)
    assert head[4] == "圈长" and {r[4] for r in rows} == {"赵六", "孙八"}
    assert {t["leader"] for t in data["targets"]} == {"赵六", "孙八"}
    assert data["overdue"][0]["leader"] == "孙八"
    crit = {c["who"]: c for c in data["criticised"]}
    assert crit["东塘街道"]["leader"] == "王五" and "圈长孙八" in crit["东塘街道"]["why"]
    assert crit["侯家塘街道"]["leader"] == "李四" and "圈长赵六" in crit["侯家塘街道"]["why"]
    out = bulletins.render_docx(data, tmp_path / "通报.docx")
    from docx import Document

    body = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "东塘街道（副总圈长：王五）" in body


def test_leader_commands(circles, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = circles.url.render_as_string(hide_password=False)
    r = CliRunner()

    def run(*args, code=0):
        res = r.invoke(app, [*args, "--db", url], env={"COLUMNS": "200"})
        assert res.exit_code == code, res.output
        return res.output

    assert "圈长：赵六" in run(
        "leader", "set", "圈长", "赵六", "--circle", "C01", "--post", "副主任"
    )
    out = run("leader", "set", "圈长", "钱七", "--circle", "C01", "--street", "东塘街道", code=2)
    assert "侯家塘街道" in out and "Traceback" not in out
    assert "接替 赵六" in run("leader", "set", "circle_leader", "钱七", "--circle", "C01")
    path = leaders_xlsx(tmp_path / "圈长.xlsx")
    assert "未写入数据库" in run("leader", "import", str(path))
    assert "已写入数据库" in run("leader", "import", str(path), "--commit")
    out = run("leader", "list", "--history")
    assert "张三" in out and "钱七" in out and "C05 湘天生活圈 圈长未设" in out


def test_migration_0003_carries_earlier_leaders(tmp_path):
    eng = make_engine(tmp_path / "old.db")
    upgrade(eng, "0001")
    with eng.begin() as c:
        c.execute(text("INSERT INTO street (id, name) VALUES (1, '侯家塘街道')"))
        c.execute(
            text("INSERT INTO person (id, name) VALUES (1, '张三'), (2, '李四'), (3, '王五')")
        )
        c.execute(
            text(
                "INSERT INTO role_assignment (person_id, role, street_id) VALUES "
                "(1, 'chief', NULL), (2, 'deputy_chief', 1), (3, 'assessor', NULL)"
            )
        )
        c.execute(
            text(
                "INSERT INTO circle (id, code, name, street_id, leader_id, version) "
                "VALUES (1, 'C01', '一号', 1, 3, 1)"
            )
        )
    upgrade(eng)
    with eng.connect() as c:
        rows = c.execute(text("SELECT role, scope, person_id FROM leader ORDER BY id")).all()
        roles = c.execute(text("SELECT role FROM role_assignment")).scalars().all()
    assert [tuple(r) for r in rows] == [
        ("chief", "district", 1),
        ("deputy_chief", "street:1", 2),
        ("circle_leader", "circle:1", 3),
    ]
    assert roles == ["assessor"]
    from alembic import command

    from lifecircle.store.db import _alembic_config

    cfg = _alembic_config(eng)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    with eng.connect() as c:
        roles = sorted(c.execute(text("SELECT role FROM role_assignment")).scalars().all())
    assert roles == ["assessor", "chief", "deputy_chief"]
    eng.dispose()
