"""Issue 15, crash safety: an import, a migration, a report run and the web server are killed
(SIGKILL) midway; afterwards the database is consistent, nothing looks complete that is not,
and the rerun completes. (A checkup killed while it writes: tests/cli/test_output_folders.py.)

Database work has no stop hook: it is killed at several fractions of a measured full run,
and the invariant (all or nothing) must hold at each; the test also checks that at least
one kill really fell inside the work. File output stops itself (SIGSTOP) at a named write
step (``LIFECIRCLE_TEST_STOP_AT``), is inspected there, then killed.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from db_testing import postgres_available, temporary_postgres_database
from lifecircle.io import interrupted_writes
from lifecircle.io.writers import STOP_AT_ENV
from lifecircle.store import session_scope
from lifecircle.store.db import current_revision, make_engine
from lifecircle.store.models import AuditLog, Project, ProjectStatusChange
from lifecircle.workflow.place_imports import import_circles
from lifecircle.workflow.places import seed_units
from office_files import circle_list_xlsx

ROOT = Path(__file__).resolve().parents[2]
FRACTIONS = (0.3, 0.55, 0.8, 0.95)
ROWS = 1500


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "lifecircle", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _finish(proc: subprocess.Popen[bytes], timeout: float = 600) -> str:
    out, _ = proc.communicate(timeout=timeout)
    text_ = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text_[-3000:]
    return text_


def _kill_after(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """SIGKILL ``proc`` after ``seconds``; True when it was still running then."""
    try:
        proc.communicate(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)  # reaps it and closes its pipe
        return True


def _integrity(engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    """A URL of an empty (unmigrated) database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not postgres_available():
        pytest.skip("PostgreSQL server on 127.0.0.1:5432 is not reachable")
    with temporary_postgres_database() as url:
        yield url


# --------------------------------------------------------------------------- import
def _projects_csv(path: Path) -> Path:
    head = "项目名称,所属生活圈,责任单位,项目类型,项目状态,总投资（万元）,计划开工,完成时限"
    rows = [f"批量项目{i},梓园生活圈,区住建局,微改造,计划,{i % 90 + 1},2024-03-01,2025-09-30" for i in range(ROWS)]  # fmt: skip
    path.write_text("\n".join([head, *rows]) + "\n", "utf-8")
    return path


def _counts(engine) -> tuple[int, int, int]:
    with session_scope(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Project)) or 0,
            s.scalar(select(func.count()).select_from(ProjectStatusChange)) or 0,
            s.scalar(
                select(func.count()).select_from(AuditLog).where(AuditLog.table_name == "project")
            )
            or 0,
        )


def test_killed_import_is_all_or_nothing_and_reruns(engine, tmp_path):
    with session_scope(engine, actor="测试") as s:
        seed_units(s)
    with session_scope(engine, actor="测试") as s:
        assert not import_circles(s, circle_list_xlsx(tmp_path / "附件1.xlsx"), commit=True).errors
    url = engine.url.render_as_string(hide_password=False)
    csv = _projects_csv(tmp_path / "项目库.csv")
    assert _counts(engine) == (0, 0, 0)
    # measure a full run on a copy of the database's state: check only, then a dry kill
    t0 = time.monotonic()
    _finish(_cli("import", "projects", str(csv), "--db", url))  # checks, writes nothing
    full = time.monotonic() - t0
    inside = 0
    for frac in FRACTIONS:
        proc = _cli("import", "projects", str(csv), "--commit", "--db", url)
        inside += _kill_after(proc, full * frac)
        _integrity(engine)
        projects, history, audit = _counts(engine)
        assert projects in (0, ROWS) and audit in (0, projects) and history in (0, projects), (
            frac,
            projects,
            history,
            audit,
        )
        if projects:
            break  # the import had committed before the kill
    assert inside >= 1, "no kill fell inside the import"
    if _counts(engine)[0] == 0:
        out = _finish(_cli("import", "projects", str(csv), "--commit", "--db", url))
        assert "已写入数据库" in out
    assert _counts(engine)[0] == ROWS
    _integrity(engine)


# --------------------------------------------------------------------------- migration
def test_killed_migration_leaves_no_half_schema_and_reruns(fresh_url):
    engine = make_engine(fresh_url)
    try:
        t0 = time.monotonic()
        probe = fresh_url
        if engine.dialect.name == "sqlite":  # time a full run on a scratch file
            probe = fresh_url.replace("fresh.db", "probe.db")
            _finish(_cli("db", "upgrade", "--db", probe))
            full = time.monotonic() - t0
        else:  # time a full run here, then empty the database again
            _finish(_cli("db", "upgrade", "--no-seed", "--db", fresh_url))
            full = time.monotonic() - t0
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        inside = 0
        for frac in FRACTIONS:
            proc = _cli("db", "upgrade", "--no-seed", "--db", fresh_url)
            inside += _kill_after(proc, full * frac)
            _integrity(engine)
            rev = current_revision(engine) if _has_version_table(engine) else None
            names = _table_names(engine)
            if rev is None:
                assert names <= {"alembic_version"}, names  # nothing half-made
            else:
                assert "audit_log" in names and "project" in names
                break
        assert inside >= 1, "no kill fell inside the migration"
        _finish(_cli("db", "upgrade", "--db", fresh_url))
        head = current_revision(make_engine(probe)) if probe != fresh_url else None
        assert current_revision(engine) is not None
        assert head is None or current_revision(engine) == head
        _integrity(engine)
    finally:
        engine.dispose()


def _has_version_table(engine) -> bool:
    return "alembic_version" in _table_names(engine)


def _table_names(engine) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(engine).get_table_names())


# --------------------------------------------------------------------------- report
def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _report(ck: Path, out: Path, stop_at: str | None = None) -> subprocess.Popen[bytes]:
    args = ["report", str(ck), "--out", str(out), "--format", "html", "-c", "C01"]
    return _cli(*args, env={STOP_AT_ENV: stop_at} if stop_at else {STOP_AT_ENV: ""})


def _stop_then_kill(proc: subprocess.Popen[bytes], inspect) -> None:
    try:
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the report finished instead of stopping mid-write"
        inspect()
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def test_killed_report_leaves_no_half_folder_and_reruns(demo_checkup_dir, tmp_path):
    out = tmp_path / "reports"
    # first run killed after every file is written, before the folder is swapped in
    proc = _report(demo_checkup_dir, out, "folder:reports")

    def staged() -> None:
        (staging,) = interrupted_writes(out)
        assert not out.exists() and any(staging.iterdir())

    _stop_then_kill(proc, staged)
    assert not out.exists()
    _finish(_report(demo_checkup_dir, out))
    complete = _hashes(out)
    assert "C01.html" in complete and interrupted_writes(out) == []
    # a rerun killed while writing its first file leaves the earlier folder whole
    proc = _report(demo_checkup_dir, out, "file:C01.html")
    _stop_then_kill(proc, lambda: None)
    assert _hashes(out) == complete
    _finish(_report(demo_checkup_dir, out))
    assert _hashes(out).keys() == complete.keys() and interrupted_writes(out) == []


# --------------------------------------------------------------------------- web write
def _soak_module():
    spec = importlib.util.spec_from_file_location("soak", ROOT / "benchmarks" / "soak.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("soak", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


async def _creators(base: str, soak, tokens, acknowledged: list[str], n: int) -> None:
    async def one(i: int) -> None:
        code, *_ = soak.CIRCLES[i % len(soak.CIRCLES)]
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            serial = 0
            while True:
                serial += 1
                try:
                    r = await client.post(
                        "/api/v1/projects",
                        headers=tokens[code],
                        json={"name": f"断电项目 {i}-{serial}", "circle_id": code,
                              "project_type": "micro_renewal", "lead_unit": soak.UNIT,
                              "due_date": "2026-06-30"},
                    )  # fmt: skip
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 201:
                    acknowledged.append(r.json()["id"])

    await asyncio.gather(*(one(i) for i in range(n)))


def test_killed_web_server_loses_no_acknowledged_write(fresh_url, tmp_path):
    soak = _soak_module()
    soak.prepare_database(fresh_url)
    acknowledged: list[str] = []
    with soak.server(fresh_url, log=tmp_path / "server.log") as (base, proc):
        tokens = asyncio.run(soak.sign_in(base))

        async def run() -> None:
            task = asyncio.create_task(_creators(base, soak, tokens, acknowledged, 20))
            while len(acknowledged) < 30:
                await asyncio.sleep(0.05)
            proc.send_signal(signal.SIGKILL)  # midway: twenty creators are in flight
            await asyncio.wait_for(task, timeout=60)

        asyncio.run(run())
        assert proc.wait(timeout=30) == -signal.SIGKILL
    engine = make_engine(fresh_url)
    try:
        _integrity(engine)
        with session_scope(engine) as s:
            stored = set(s.scalars(select(Project.code)))
            history = s.scalar(select(func.count()).select_from(ProjectStatusChange))
            audited = s.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(AuditLog.table_name == "project", AuditLog.action == "insert")
            )
        assert set(acknowledged) <= stored  # every 201 the clients saw is in the database
        assert history == len(stored) == audited  # and each whole: history and audit row
    finally:
        engine.dispose()
    with soak.server(fresh_url) as (base, _):  # the restarted server takes writes again
        tokens = asyncio.run(soak.sign_in(base))
        code, *_ = soak.CIRCLES[0]
        r = httpx.post(
            f"{base}/api/v1/projects",
            headers=tokens[code],
            json={"name": "重启后项目", "circle_id": code, "project_type": "micro_renewal",
                  "lead_unit": soak.UNIT, "due_date": "2026-06-30"},
            timeout=30,
        )  # fmt: skip
        assert r.status_code == 201, r.text
