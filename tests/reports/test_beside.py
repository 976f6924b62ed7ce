"""``render_reports(beside=)``: other work on the checkup, run by a report worker."""

from __future__ import annotations

import os
from concurrent.futures import CancelledError, Future
from pathlib import Path

import pytest

from lifecircle.checkup import CheckupFolder


def _circles_and_pid(ck: CheckupFolder) -> tuple[int, int]:
    return len(ck.result.circles), os.getpid()


def _fails(ck: CheckupFolder) -> None:
    raise ValueError(f"数据库写入失败（{len(ck.result.circles)} 个生活圈）")


def test_work_beside_the_reports_runs_in_a_worker_and_its_value_is_set(tmp_path, checkup_dir):
    from lifecircle.reports import render_reports

    done: Future[tuple[int, int]] = Future()
    out = tmp_path / "rep"
    render_reports(checkup_dir, out, formats="xlsx", workers=2, beside=(_circles_and_pid, done))
    n, pid = done.result(timeout=0)  # set by the time render_reports returns
    circles = CheckupFolder.read(checkup_dir).result.circles
    assert n == len(circles)
    assert pid != os.getpid()  # a worker ran it, not this process
    assert len(list(out.glob("C*.xlsx"))) == len(circles)  # and every report is there


def test_without_workers_the_work_beside_runs_here_after_the_reports(tmp_path, checkup_dir):
    from lifecircle.reports import render_reports

    done: Future[tuple[int, int]] = Future()
    ids = [c.id for c in CheckupFolder.read(checkup_dir).result.circles[:2]]
    render_reports(
        checkup_dir, tmp_path / "rep", circle_ids=ids, formats="xlsx", workers=1,
        beside=(_circles_and_pid, done),
    )  # fmt: skip
    assert done.result(timeout=0)[1] == os.getpid()


def test_a_failure_beside_is_set_on_its_future_and_the_reports_are_still_written(
    tmp_path, checkup_dir
):
    from lifecircle.reports import render_reports

    done: Future[None] = Future()
    out = tmp_path / "rep"
    render_reports(checkup_dir, out, formats="xlsx", workers=2, beside=(_fails, done))
    with pytest.raises(ValueError, match="数据库写入失败"):
        done.result(timeout=0)
    assert (out / "district.xlsx").is_file()


def test_when_the_reports_fail_the_work_beside_is_not_waited_for(tmp_path, checkup_dir):
    from lifecircle.reports import render_reports

    last = CheckupFolder.read(checkup_dir).result.circles[-1].id

    def progress(cid: str) -> None:  # here, as each circle's report comes back
        if cid == last:
            raise OSError(f"磁盘已满：{cid}.xlsx")

    done: Future[tuple[int, int]] = Future()
    out: Path = tmp_path / "rep"
    with pytest.raises(OSError, match="磁盘已满"):
        render_reports(
            checkup_dir, out, formats="xlsx", workers=2, progress=progress,
            beside=(_circles_and_pid, done),
        )  # fmt: skip
    with pytest.raises(CancelledError):
        done.result(timeout=0)
    assert not out.exists()  # the report folder appears complete or not at all
