"""Project state machine, history, evidence with checksum, overdue flag, optimistic locking."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from lifecircle.errors import ConflictError, InputError, RuleError
from lifecircle.store import session_scope
from lifecircle.store.models import AuditLog, Project, project_unit
from lifecircle.workflow import projects as pj


def _args(code="P1", due=date(2024, 8, 31), **kw):
    args = dict(
        code=code,
        name="幼儿园新建",
        circle="C04",
        project_type="老旧小区改造",
        lead_unit="区教育局",
        co_units=["区住房城乡建设局", "侯家塘街道"],
        indicator_ids=["kindergarten_cov"],
        budget_yuan=1_200_000,
        funding_source="市级补助",
        start_date=date(2024, 3, 1),
        due_date=due,
        on=date(2024, 3, 1),
    )
    args.update(kw)
    return args


def _new(s, code="P1", due=date(2024, 8, 31), **kw):
    return pj.create_project(s, **_args(code, due, **kw))


def test_create_validates_type_units_and_funding(programme):
    s = programme
    p = _new(s)
    assert (p.project_type, p.funding_source, p.status) == (
        "old_compound",
        "city_subsidy",
        "planned",
    )
    assert [u.name for u in p.co_units] == sorted(
        [u.name for u in p.co_units], key=lambda n: n
    ) or len(p.co_units) == 2
    assert p.history[0].to_status == "planned"
    for bad in (
        {"project_type": "修路"},
        {"lead_unit": "区不存在局"},
        {"funding_source": "众筹"},
        {"budget_yuan": -1},
        {"co_units": ["区教育局"]},
    ):
        with pytest.raises((RuleError, InputError)):
            _new(s, code="P9", **bad)
    with pytest.raises(RuleError):
        _new(s)  # duplicate code


def test_state_machine_and_history(programme):
    s = programme
    p = _new(s)
    with pytest.raises(RuleError, match="不能从“计划”变为“已完工”"):
        pj.transition(s, "P1", "completed", on=date(2024, 4, 1))
    for st, d in (("approved", 2), ("in_progress", 3)):
        pj.transition(s, "P1", st, on=date(2024, 4, d))
    with pytest.raises(RuleError, match="须写明原因"):
        pj.transition(s, "P1", "delayed", on=date(2024, 4, 4))
    pj.transition(
        s, "P1", "delayed", on=date(2024, 4, 4), note="征地", new_due_date=date(2024, 10, 31)
    )
    assert p.due_date == date(2024, 10, 31) and p.original_due_date == date(2024, 8, 31)
    pj.transition(s, "P1", "in_progress", on=date(2024, 5, 1))
    pj.transition(s, "P1", "completed", on=date(2024, 9, 15))
    assert p.completed_date == date(2024, 9, 15) and p.progress == 100
    with pytest.raises(RuleError, match="还没有佐证材料"):
        pj.transition(s, "P1", "verified", on=date(2024, 9, 20))
    ev = pj.attach_evidence(s, "P1", "验收报告.pdf", b"%PDF-1.4 acceptance")
    assert pj.verify_evidence(ev) and len(ev.sha256) == 64
    pj.transition(s, "P1", "verified", on=date(2024, 9, 20))
    assert [h.to_status for h in p.history] == [
        "planned",
        "approved",
        "in_progress",
        "delayed",
        "in_progress",
        "completed",
        "verified",
    ]
    assert all(h.actor == "tester" for h in p.history)
    with pytest.raises(RuleError, match="已是最终状态"):
        pj.transition(s, "P1", "cancelled", on=date(2024, 9, 21), note="x")
    # judged by the original due date: finished late
    assert pj.timeliness(p, date(2024, 9, 30)).code == "late"
    ev.content = b"tampered"
    assert not pj.verify_evidence(ev)


def test_overdue_flag_from_dates(programme):
    s = programme
    p = _new(s, due=date(2024, 8, 31))
    assert pj.timeliness(p, date(2024, 8, 31)).code == "pending"
    assert pj.is_overdue(p, date(2024, 9, 1))
    assert pj.timeliness(p, date(2024, 9, 30)).days_late == 30
    assert [x.code for x in pj.list_projects(s, overdue_on=date(2024, 9, 1))] == ["P1"]
    q = _new(s, code="P2", due=date(2024, 9, 30))
    for st in ("approved", "in_progress", "completed"):
        pj.transition(s, "P2", st, on=date(2024, 9, 1))
    assert pj.timeliness(q, date(2024, 12, 1)).code == "on_time"
    pj.transition(s, "P1", "cancelled", on=date(2024, 9, 2), note="合并到P2")
    assert pj.timeliness(p, date(2024, 12, 1)).code == "cancelled"
    with pytest.raises(RuleError):
        pj.report_progress(s, "P1", 50)


def test_concurrent_edit_loser_gets_conflict(engine, programme):
    _new(programme)
    programme.commit()
    with session_scope(engine, actor="a") as s1:
        v = s1.scalar(select(Project).where(Project.code == "P1")).version
    with session_scope(engine, actor="a") as s1:
        pj.update_project(s1, "P1", expected_version=v, budget_yuan=1_500_000)
    with pytest.raises(ConflictError, match="已被他人修改"), session_scope(engine, "b") as s2:
        pj.update_project(s2, "P1", expected_version=v, budget_yuan=900_000)
    # the ORM-level race: both loaded version 2, the second flush loses
    s_a = session_scope(engine, actor="a")
    s_b = session_scope(engine, actor="b")
    with s_a as a, s_b as b:
        pa = a.scalar(select(Project).where(Project.code == "P1"))
        pb = b.scalar(select(Project).where(Project.code == "P1"))
        a.commit()
        b.commit()
        pa.note = "a"
        a.commit()
        with pytest.raises(ConflictError):
            pj.update_project(b, pb, expected_version=None, note="b")
    with session_scope(engine) as s:
        p = s.scalar(select(Project).where(Project.code == "P1"))
        assert (p.budget_yuan, p.note, p.version) == (1_500_000, "a", 3)
        updates = s.scalars(
            select(AuditLog).where(AuditLog.table_name == "project", AuditLog.action == "update")
        ).all()
        assert [u.actor for u in updates] == ["a", "a"]


def test_automatic_code_taken_meanwhile_is_numbered_again(engine, programme, monkeypatch):
    """The PostgreSQL race seen in CI: another user commits the code we just suggested, so
    our own pre-insert check sees it; the creation must take the next number, not fail."""
    from lifecircle.workflow import intake

    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite takes the write lock first (write=True): this race cannot happen")
    real = intake.suggest_project_code
    raced = []

    def suggest_then_lose_the_race(session, year):
        code = real(session, year)
        if not raced:
            raced.append(code)
            with session_scope(engine, actor="b") as other:
                _new(other, code=code, due=date(2025, 8, 31))
                other.commit()
        return code

    monkeypatch.setattr(intake, "suggest_project_code", suggest_then_lose_the_race)
    with session_scope(engine, actor="a") as s:
        p = intake.create_project(
            s,
            code=None,
            name="并发新建",
            circle="C04",
            project_type="micro_renewal",
            lead_unit="区教育局",
            due_date=date(2025, 8, 31),
            on=date(2025, 3, 1),
        )
        s.commit()
        assert raced == ["XM2025-001"] and p.code == "XM2025-002"
    with pytest.raises(RuleError, match="已被使用"), session_scope(engine, actor="a") as s:
        intake.create_project(
            s,
            code="XM2025-001",
            name="重复编号",
            circle="C04",
            project_type="micro_renewal",
            lead_unit="区教育局",
            due_date=date(2025, 8, 31),
            on=date(2025, 3, 1),
        )


def _written(s, projects):
    """What creating ``projects`` wrote, with their ids counted from the first: the audit
    entries in order, the history rows and the co-unit rows in the order written."""
    first = projects[0].id
    ids = {p.id for p in projects}

    def rel(value):
        return value - first if isinstance(value, int) else value

    audit = [
        (
            a.table_name,
            a.action,
            {
                k: rel(v) if k in ("id", "project_id") else v
                for k, v in a.after.items()
                if k not in ("code",)
            },
        )
        for a in s.scalars(select(AuditLog).order_by(AuditLog.id))
        if a.table_name in ("project", "project_status_change")
        and (
            a.after.get("project_id") in ids or (a.table_name == "project" and a.after["id"] in ids)
        )
    ]
    if s.get_bind().dialect.name == "sqlite":  # the order written is the rowid's
        order = text("SELECT project_id, unit_id FROM project_unit ORDER BY rowid")
        rows = [tuple(r) for r in s.execute(order) if r[0] in ids]
    else:
        q = select(project_unit.c.project_id, project_unit.c.unit_id)
        rows = sorted(tuple(r) for r in s.execute(q) if r[0] in ids)
    return audit, [(rel(p), u) for p, u in rows]


def test_create_projects_writes_what_one_at_a_time_writes(programme):
    s = programme
    one = [_new(s, code=c, name=f"项目{i}") for i, c in enumerate(("P1", "P2", "P3"))]
    specs = [pj.NewProject(**_args(c, name=f"项目{i}")) for i, c in enumerate(("Q1", "Q2", "Q3"))]
    made = pj.create_projects(s, specs)
    assert [p.id for p in made] == [one[-1].id + 1, one[-1].id + 2, one[-1].id + 3]
    assert [p.code for p in made] == ["Q1", "Q2", "Q3"]
    assert all(len(p.co_units) == 2 and p.history[0].to_status == "planned" for p in made)
    assert _written(s, made) == _written(s, one)
    s.expire_all()  # read back from the database
    assert [sorted(u.name for u in p.co_units) for p in made] == [
        sorted(u.name for u in p.co_units) for p in one
    ]


def test_create_projects_refuses_as_one_at_a_time_would(programme):
    s = programme
    _new(s, code="P1")
    with pytest.raises(pj.CodeTaken):
        pj.create_projects(s, [pj.NewProject(**_args("Q1")), pj.NewProject(**_args("P1"))])
    s.rollback()
    with pytest.raises(pj.CodeTaken):  # twice in the same batch
        pj.create_projects(s, [pj.NewProject(**_args("Q1")), pj.NewProject(**_args("Q1"))])
    s.rollback()
    with pytest.raises(InputError):  # the first that fails is named, as one at a time
        pj.create_projects(
            s,
            [
                pj.NewProject(**_args("Q1", budget_yuan=-1)),
                pj.NewProject(**_args("Q2", lead_unit="区不存在局")),
            ],
        )
    s.rollback()
    assert pj.create_projects(s, []) == []
