"""Issue 15, data safety: rotating backups in a folder (the database dump and the evidence
files), the server's scheduled backups, and the restore of the newest backup into a fresh
database and data folder (rows identical, evidence downloads byte for byte)."""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from db_testing import empty_tables, migrated_sqlite_copy
from lifecircle.cli import _register, app
from lifecircle.store import backup as bk
from lifecircle.store import make_engine, session_scope
from lifecircle.store.models import EvidenceFile
from lifecircle.web.app import create_app
from lifecircle.web.settings import Settings
from lifecircle.workflow import accounts, evidence, projects
from lifecircle.workflow.backups import (
    LOCK_NAME,
    backup_if_due,
    backup_rotation,
    backups_in,
    restore_backup,
)
from lifecircle.workflow.evidence_store import EvidenceStore
from lifecircle.workflow.places import seed_units, upsert_circle

_register()
PASSWORD = "backup-test-pw-1"
T0 = datetime(2026, 11, 1, 0, 0, 0)  # backup k of a test is written at T0 + k hours


def _pdf(text: str) -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


@pytest.fixture
def site(tmp_path_factory, tmp_path) -> Iterator[tuple[Engine, Path, Path]]:
    """A SQLite database with an admin, a project and an evidence file in the data folder."""
    template = tmp_path_factory.getbasetemp() / "template.db"
    db_file = tmp_path / "live.db"
    engine = migrated_sqlite_copy(template, db_file)
    data = tmp_path / "data"
    with session_scope(engine, actor="测试") as s:
        seed_units(s)
        upsert_circle(s, "C01", "梓园生活圈", "侯家塘街道", ["梓园社区"])
        accounts.add_user(s, "admin", role="admin", password=PASSWORD)
        p = projects.create_project(
            s,
            code="XM-BK-1",
            name="备份测试项目",
            circle="C01",
            project_type="micro_renewal",
            lead_unit="区教育局",
            due_date=date(2025, 8, 31),
            on=date(2024, 3, 1),
        )
        evidence.upload(s, p, "验收意见.pdf", _pdf("验收A"), store=EvidenceStore(data / "evidence"))
    yield engine, db_file, data
    engine.dispose()


def _upload(engine: Engine, data: Path, name: str, content: bytes) -> str:
    with session_scope(engine, actor="测试") as s:
        p = projects.get_project(s, "XM-BK-1")
        return evidence.upload(s, p, name, content, store=EvidenceStore(data / "evidence")).sha256


def _copies(folder: Path) -> set[str]:
    return {f.name for f in (folder / "evidence").glob("??/*")}


def test_rotation_keeps_the_newest_and_the_evidence_they_refer_to(site, tmp_path):
    engine, _, data = site
    folder = tmp_path / "backups"
    ev = data / "evidence"
    run1 = backup_rotation(engine, folder, keep=3, evidence_dir=ev, now=T0 + timedelta(hours=1))
    assert run1.evidence_copied == 1 and not run1.evidence_missing
    (sha_a,) = _copies(folder)
    sha_b = _upload(engine, data, "整改照片.pdf", _pdf("照片B"))
    run2 = backup_rotation(engine, folder, keep=3, evidence_dir=ev, now=T0 + timedelta(hours=2))
    assert run2.evidence_copied == 1  # only B: content-addressed, so incremental
    assert _copies(folder) == {sha_a, sha_b}
    with session_scope(engine, actor="测试") as s:  # B's row goes; backup 2 still refers to it
        s.delete(s.scalars(select(EvidenceFile).where(EvidenceFile.sha256 == sha_b)).one())
    for i in (3, 4):
        run = backup_rotation(engine, folder, keep=3, evidence_dir=ev, now=T0 + timedelta(hours=i))
        assert run.evidence_copied == 0
    names = [p.name for p in backups_in(folder)]
    assert names == [f"lifecircle-backup-20261101-0{h}0000.json" for h in (2, 3, 4)]
    assert _copies(folder) == {sha_a, sha_b}  # backup 2 is kept and refers to B
    run5 = backup_rotation(engine, folder, keep=3, evidence_dir=ev, now=T0 + timedelta(hours=5))
    assert [p.name for p in run5.removed] == ["lifecircle-backup-20261101-020000.json"]
    assert run5.evidence_removed == 1
    assert _copies(folder) == {sha_a}  # B no longer referenced by any kept backup
    assert len(backups_in(folder)) == 3
    # a backup dated before all others is still kept: never the one just written
    early = backup_rotation(engine, folder, keep=2, evidence_dir=ev, now=T0 - timedelta(days=1))
    assert backups_in(folder) == [early.path, run5.path]
    assert _copies(folder) == {sha_a}


def test_missing_or_altered_evidence_is_reported_not_copied(site, tmp_path):
    engine, _, data = site
    (f,) = (data / "evidence").glob("??/*")
    f.write_bytes(b"tampered")
    run = backup_rotation(engine, tmp_path / "b", keep=2, evidence_dir=data / "evidence")
    assert run.evidence_missing == [f.name] and run.evidence_copied == 0
    assert not _copies(tmp_path / "b")


def test_a_held_lock_makes_the_scheduled_run_skip(site, tmp_path):
    engine = site[0]
    folder = tmp_path / "b"
    folder.mkdir()
    with open(folder / LOCK_NAME, "a+b") as fh:  # another worker process is backing up
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        assert backup_if_due(engine, folder, every_s=1, keep=2) is None
    assert backup_if_due(engine, folder, every_s=3600, keep=2) is not None
    assert backup_if_due(engine, folder, every_s=3600, keep=2) is None  # a fresh one exists


def _wait_for(pred, seconds: float = 15.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


def test_the_server_backs_up_on_schedule(site, tmp_path):
    engine, _, data = site
    folder = tmp_path / "scheduled"
    settings = Settings(
        engine=engine,
        secret_key="test-secret",
        data_dir=data,
        backup_dir=folder,
        backup_every_s=0.5,
        backup_keep=2,
    )
    with TestClient(create_app(settings)) as client:  # runs the lifespan
        assert _wait_for(lambda: len(backups_in(folder)) >= 1, 10)
        first = backups_in(folder)[0]
        assert _wait_for(lambda: first not in backups_in(folder), 15)  # rotated out
        assert client.get("/api/v1/openapi.json").status_code == 200
    assert len(backups_in(folder)) == 2
    assert len(_copies(folder)) == 1
    assert bk.verify(engine, bk.read_dump(backups_in(folder)[-1])) == []


def test_a_failing_scheduled_backup_is_logged_and_the_server_keeps_serving(site, tmp_path, caplog):
    engine, _, data = site
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")  # the backup folder cannot be created
    settings = Settings(
        engine=engine, secret_key="s", data_dir=data, backup_dir=blocked, backup_every_s=0.3
    )
    with (
        caplog.at_level(logging.ERROR, logger="lifecircle.backup"),
        TestClient(create_app(settings)) as client,
    ):
        assert _wait_for(lambda: any("自动备份失败" in r.message for r in caplog.records))
        assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize(
    "target", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_restore_of_the_newest_backup_gives_the_same_rows_and_evidence(
    site, tmp_path, tmp_path_factory, request, target
):
    engine, _, data = site
    _upload(engine, data, "第二份.pdf", _pdf("第二份"))
    folder = tmp_path / "backups"
    for i in range(3):
        backup_rotation(
            engine, folder, keep=2, evidence_dir=data / "evidence", now=T0 + timedelta(hours=i)
        )
    newest = backups_in(folder)[-1]
    if target == "sqlite":
        template = tmp_path_factory.getbasetemp() / "template.db"
        fresh = migrated_sqlite_copy(template, tmp_path / "fresh.db")
        url = str(tmp_path / "fresh.db")
    else:
        url = request.getfixturevalue("_pg_url")
        fresh = make_engine(url)
        empty_tables(fresh)
    fresh_data = tmp_path / "fresh-data"
    r = CliRunner().invoke(
        app,
        ["db", "restore", str(newest), "--db", url,
         "--data-dir", str(fresh_data), "--yes"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "已恢复佐证材料 2 份" in r.output
    assert bk.verify(fresh, bk.read_dump(newest)) == []
    assert bk.dump(fresh)["tables"] == bk.dump(engine)["tables"]
    originals = {p.name: p.read_bytes() for p in (data / "evidence").glob("??/*")}
    settings = Settings(engine=fresh, secret_key="other-secret", data_dir=fresh_data)
    with TestClient(create_app(settings)) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "admin", "password": PASSWORD}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        listed = client.get("/api/v1/projects/XM-BK-1/evidence", headers=auth).json()
        assert len(listed) == 2
        for item in listed:
            got = client.get(item["url"], headers=auth)
            assert got.status_code == 200
            assert got.content == originals[item["sha256"]]
    fresh.dispose()


def test_restore_without_a_data_folder_says_the_evidence_was_not_restored(
    site, tmp_path, monkeypatch
):
    monkeypatch.delenv("LIFECIRCLE_DATA_DIR", raising=False)
    engine, db_file, data = site
    run = backup_rotation(engine, tmp_path / "b", keep=1, evidence_dir=data / "evidence")
    out = restore_backup(db_file, run.path)
    assert out.evidence_referenced == 1 and out.evidence_restored == 0
    r = CliRunner().invoke(app, ["db", "restore", str(run.path), "--db", str(db_file), "--yes"])
    assert r.exit_code == 0, r.output
    assert "未恢复" in r.output


def test_the_command_rotates_a_folder_and_keeps_the_file_form(site, tmp_path, monkeypatch):
    _, db_file, data = site
    monkeypatch.delenv("LIFECIRCLE_DATA_DIR", raising=False)
    folder = tmp_path / "每日备份"
    args = ["db", "backup", "--db", str(db_file), "--dir", str(folder), "--keep", "2"]
    outputs = [CliRunner().invoke(app, [*args, "--data-dir", str(data)]) for _ in range(3)]
    assert [r.exit_code for r in outputs] == [0, 0, 0], outputs[-1].output
    assert "新复制佐证材料 1 份" in outputs[0].output
    assert "新复制佐证材料 0 份" in outputs[2].output
    assert len(backups_in(folder)) == 2 and len(_copies(folder)) == 1
    args[-3] = str(tmp_path / "另一目录")
    r = CliRunner().invoke(app, args)  # no data folder: the evidence is reported missing
    assert r.exit_code == 0 and "未能备份" in r.output
    r = CliRunner().invoke(app, ["db", "backup", str(tmp_path / "一份.json"), "--db", str(db_file)])
    assert r.exit_code == 0 and (tmp_path / "一份.json").is_file()
    r = CliRunner().invoke(app, ["db", "backup", "--db", str(db_file)])
    assert r.exit_code != 0 and "二者选一" in r.output
