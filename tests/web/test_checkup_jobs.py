"""Checkup runs started from the platform: a real ``lifecircle checkup`` in a child process,
its state 运行中 → 完成, its result imported after the validation report; a job whose process
died is 失败, never 运行中 for ever."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import zipfile

import pytest
from sqlalchemy import func, select

from db_testing import migrated_sqlite_copy
from handbuilt_district import write_package
from lifecircle.store import session_scope
from lifecircle.store.models import CheckupRun
from lifecircle.workflow import checkup_jobs

from .conftest import PASSWORD, make_client, seed_platform


def _job_file(root, **fields) -> str:
    job = {
        "id": "20240101000000-dead",
        "owner": "district",
        "package": "区数据包.zip",
        "catalogue": "changsha-provisional",
        "state": "running",
        "started": "2024-01-01T00:00:00Z",
        "pid": 0,
        **fields,
    }
    (root / job["id"]).mkdir(parents=True)
    (root / job["id"] / "job.json").write_text(json.dumps(job), "utf-8")
    return job["id"]


def test_a_job_whose_process_died_is_failed(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "print('体检中断：内存不足')"])
    gone.wait()
    job_id = _job_file(tmp_path, pid=gone.pid)
    (tmp_path / job_id / "log.txt").write_text("体检中断：内存不足\n", "utf-8")
    job = checkup_jobs.read_job(job_id, root=tmp_path)
    assert job.state == "failed" and job.state_zh == "失败"
    assert "已退出" in job.message and "内存不足" in job.message and job.finished
    # judged once, remembered
    assert json.loads((tmp_path / job_id / "job.json").read_text())["state"] == "failed"


def test_a_reused_pid_does_not_keep_a_job_running(tmp_path):
    import os

    job_id = _job_file(tmp_path, pid=os.getpid(), pid_start="1")  # our pid, another start
    assert checkup_jobs.read_job(job_id, root=tmp_path).state == "failed"


def test_a_dead_job_with_its_result_is_done(tmp_path):
    job_id = _job_file(tmp_path, pid=2**22 + 7)
    (tmp_path / job_id / "checkup").mkdir()
    (tmp_path / job_id / "checkup" / "checkup.json").write_text("{}", "utf-8")
    job = checkup_jobs.read_job(job_id, root=tmp_path)
    assert job.state == "done" and job.state_zh == "完成"


@pytest.fixture(scope="module")
def platform(tmp_path_factory, demo_checkup_dir):
    template = tmp_path_factory.getbasetemp() / "template.db"
    engine = migrated_sqlite_copy(template, tmp_path_factory.mktemp("jobs") / "jobs.db")
    seed_platform(engine, demo_checkup_dir)
    yield engine
    engine.dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.timeout(300)
def test_a_checkup_runs_in_the_background_and_its_result_is_imported(platform, tmp_path):
    c = make_client(platform)
    page = c.get("/login")
    c.post(
        "/login",
        data={"username": "district", "password": PASSWORD, "csrf_token": _csrf(page.text)},
    )
    package = write_package(tmp_path / "手算区")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in package.rglob("*"):
            if p.is_file():
                zf.write(p, f"手算区/{p.relative_to(package)}")
    token = _csrf(c.get("/admin/imports").text)
    r = c.post(
        "/admin/checkup-jobs",
        data={"csrf_token": token, "catalogue": "changsha-provisional"},
        files={"file": ("手算区数据包.zip", buf.getvalue(), "application/zip")},
    )
    assert "体检任务" in r.text and "已开始" in r.text
    job_id = re.search(r"体检任务 (\S+) 已开始", r.text).group(1)
    assert "运行中" in r.text or "完成" in r.text
    for _ in range(240):
        job = checkup_jobs.read_job(job_id)
        if job.state != "running":
            break
        time.sleep(0.5)
    assert job.state == "done", job.message
    page = c.get("/admin/imports").text
    assert f'action="/admin/checkup-jobs/{job_id}/import"' in page
    runs = _runs(platform)
    r = c.post(f"/admin/checkup-jobs/{job_id}/import", data={"csrf_token": _csrf(page)})
    assert "校验报告：体检结果" in r.text and "检查通过" in r.text
    assert _runs(platform) == runs  # the check wrote nothing
    action = re.search(r'action="(/admin/imports/[^"]+/commit)"', r.text).group(1)
    r = c.post(action, data={"csrf_token": _csrf(r.text)})
    assert "已写入数据库" in r.text and _runs(platform) == runs + 1
    # a package without district.yaml does not start
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("说明.txt", "没有数据")
    r = c.post(
        "/admin/checkup-jobs",
        data={"csrf_token": _csrf(r.text)},
        files={"file": ("空包.zip", bad.getvalue(), "application/zip")},
    )
    assert "未能开始体检：压缩包里没有 district.yaml" in r.text


def _runs(engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(CheckupRun)))
