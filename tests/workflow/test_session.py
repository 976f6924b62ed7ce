"""The workflow functions the CLI (and later the web) call: opening the database, seeding,
backups, bulletins with their files, subsidies that only read, judged lists, re-checks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from db_testing import postgres_available, temporary_postgres_database
from lifecircle.errors import InputError, RuleError
from lifecircle.store import is_migrated, make_engine
from lifecircle.store.models import AuditLog, Bulletin, Project, SubsidyRule, Unit
from lifecircle.workflow import config, evaluation, projects, schedule, session
from lifecircle.workflow.bulletins import publish_bulletin
from lifecircle.workflow.places import seed_units, upsert_circle
from lifecircle.workflow.subsidies import subsidy_report

EV = [("复核记录.txt", "现场复核".encode())]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that exists but was never migrated."""
    if request.param == "sqlite":
        yield str(tmp_path / "new.db")
        return
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server on 127.0.0.1:5432 is not reachable")
        pytest.skip("PostgreSQL server on 127.0.0.1:5432 is not reachable")
    with temporary_postgres_database() as url:
        yield url


def test_an_unmigrated_database_is_refused_in_chinese(empty_url: str):
    with (
        pytest.raises(RuleError, match="未迁移") as err,
        session.open_programme(empty_url, actor="张三"),
    ):
        pytest.fail("the block must not run")
    assert "lifecircle db upgrade" in str(err.value)
    for call in (session.backup_database, session.restore_database):
        with pytest.raises(RuleError, match="还没有建立表结构"):
            call(empty_url, "unused.json")
    engine = make_engine(empty_url)
    assert not is_migrated(engine)  # refusing wrote nothing
    engine.dispose()


def test_upgrade_seeds_units_and_subsidy_rules_once(empty_url: str):
    where = session.upgrade_database(empty_url, seed=False)
    assert where.startswith(("sqlite:///", "postgresql+psycopg://"))
    engine = make_engine(empty_url)
    assert is_migrated(engine)
    assert _count(engine, SubsidyRule) == 0 and _count(engine, Unit) == 0
    session.upgrade_database(empty_url)
    rules = len(config.programme()["subsidy_rules"])
    units = _count(engine, Unit)
    assert rules == 2 and _count(engine, SubsidyRule) == rules and units > 10
    session.upgrade_database(empty_url)  # again: nothing added
    assert _count(engine, SubsidyRule) == rules and _count(engine, Unit) == units
    engine.dispose()


def test_work_is_audited_as_the_actor_and_rolled_back_on_error(engine: Engine):
    with session.open_programme(_url(engine), actor=" 李科长 ") as s:
        seed_units(s)
    with engine.connect() as conn:
        actors = set(conn.scalars(select(AuditLog.actor)))
    assert actors == {"李科长"}
    before = _count(engine, AuditLog)
    with pytest.raises(ZeroDivisionError), session.open_programme(_url(engine), actor="x") as s:
        upsert_circle(s, "C01", "一号圈", "侯家塘街道", ["甲社区"])
        _ = 1 / 0
    assert _count(engine, AuditLog) == before  # nothing of the failed unit of work stayed


def test_the_actor_is_given_or_the_login_user(monkeypatch: pytest.MonkeyPatch):
    assert session.resolve_actor("王五") == "王五"
    with pytest.raises(RuleError, match="操作人不能为空"):
        session.resolve_actor("  ")
    monkeypatch.setattr(session.getpass, "getuser", lambda: "login-user")
    assert session.resolve_actor() == "login-user"

    def nobody() -> str:
        raise OSError("no user")

    monkeypatch.setattr(session.getpass, "getuser", nobody)
    with pytest.raises(RuleError, match="--actor"):
        session.resolve_actor()


def test_backup_and_restore_through_the_workflow(engine: Engine, tmp_path: Path):
    url = _url(engine)
    with session.open_programme(url, actor="a") as s:
        seed_units(s)
    units = _count(engine, Unit)
    counts = session.backup_database(url, tmp_path / "out" / "backup.json")
    assert counts["unit"] == units
    with session.open_programme(url, actor="a") as s:
        upsert_circle(s, "C09", "九号圈", "新街道", [])
    assert _count(engine, Unit) == units + 1  # the new street's office
    assert session.restore_database(url, tmp_path / "out" / "backup.json")["unit"] == units
    assert _count(engine, Unit) == units
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["backup.json"]


def test_publish_bulletin_stores_it_and_names_its_files(engine: Engine, tmp_path: Path):
    out = tmp_path / "通报"
    with session.open_programme(_url(engine), actor="a") as s:
        seed_units(s)
        b = publish_bulletin(s, "2024-09", out_dir=out)
    assert b.docx == out / "通报_2024-09.docx" and b.xlsx == out / "通报_2024-09.xlsx"
    assert b.docx.stat().st_size > 0 and b.xlsx.stat().st_size > 0
    assert b.title.endswith("创建工作通报（2024年9月）")
    assert (b.overdue, b.praised, b.criticised) == (0, 0, 0)
    assert b.bulletin.as_of == date(2024, 9, 30)
    assert _count(engine, Bulletin) == 1
    with (
        pytest.raises(InputError, match="不是“年-月”"),
        session.open_programme(_url(engine), actor="a") as s,
    ):
        publish_bulletin(s, "2024/09", out_dir=tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_listing_subsidies_writes_no_rule(engine: Engine, tmp_path: Path):
    with session.open_programme(_url(engine), actor="a") as s:
        report = subsidy_report(s, year=2024, out=tmp_path / "奖补.xlsx")
    assert report.lines == [] and report.total_yuan == 0
    assert report.path == tmp_path / "奖补.xlsx" and report.path.exists()
    assert _count(engine, SubsidyRule) == 0 and _count(engine, AuditLog) == 0
    with session.open_programme(_url(engine), actor="a") as s:
        assert session.seed_programme(s)["subsidy_rules"] == 2
        assert session.seed_programme(s)["subsidy_rules"] == 0


def test_judged_projects_target_states_and_recheck(engine: Engine):
    day = date(2024, 9, 30)
    with session.open_programme(_url(engine), actor="a") as s:
        seed_units(s)
        for code in ("C01", "C02"):
            upsert_circle(s, code, f"{code}圈", "侯家塘街道", [f"{code}社区"])
        schedule.add_target(s, "C01", 2024, "AA")
        late = projects.create_project(
            s,
            code="P1",
            name="幼儿园",
            circle="C01",
            project_type="街区微改造",
            lead_unit="区教育局",
            due_date=date(2024, 8, 31),
            on=date(2024, 3, 1),
        )
        projects.transition(s, late, "approved", on=date(2024, 3, 2))
        projects.create_project(
            s,
            code="P2",
            name="公厕",
            circle="C02",
            project_type="街区微改造",
            lead_unit="区城管执法局",
            due_date=date(2024, 12, 31),
            on=date(2024, 3, 1),
        )
        judged = {p.code: t.code for p, t in projects.judge_projects(s, on=day)}
        assert judged == {"P1": "overdue", "P2": "pending"}
        only = projects.judge_projects(s, on=day, overdue_only=True)
        assert [(p.code, t.zh) for p, t in only] == [("P1", "逾期未完成")]
        (state,) = schedule.target_states(s, on=day, year=2024)
        assert state.target.circle.code == "C01" and state.code == "at_risk"
        assert "P1" in state.reason
        assert schedule.target_states(s, on=day, year=2025) == []

        e = evaluation.self_assessment(
            s, "C02", "AA", year=2024, on=date(2024, 7, 1), respondents=50, satisfaction=92
        )
        evaluation.declare(s, e, on=date(2024, 7, 2), override_reason="纸质体检")
        evaluation.district_review(s, e, on=date(2024, 7, 3), passed=True)
        evaluation.joint_evaluation(s, e, on=date(2024, 7, 4), accepted=True, evidence=EV)
        kept = evaluation.recheck_circle(
            s, "C02", year=2025, on=date(2025, 6, 1), passed=True, evidence=EV
        )
        assert kept.held_grade == "AA" and kept.evaluation.stage == "recheck_passed"
        lost = evaluation.recheck_circle(
            s, "C02", year=2026, on=date(2026, 6, 1), passed=False, evidence=EV, note="停用"
        )
        assert lost.held_grade == "NONE" and lost.evaluation.verdict == "rejected"
    assert _count(engine, Project) == 2
