"""Output folders written as units. A `lifecircle checkup` killed while it writes never leaves
a folder `lifecircle report` reads as complete: the folder is absent (refused in Chinese) or
still the earlier complete run. Report folders likewise; folders of other files are refused.

The kill is made deterministic by ``LIFECIRCLE_TEST_STOP_AT``: the checkup stops itself
(SIGSTOP) at a named write step; the test checks it really is mid-write there, then SIGKILLs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lifecircle.cli.report  # noqa: F401  (registers the command)
from handbuilt_district import write_package
from lifecircle.cli import app
from lifecircle.io import interrupted_writes
from lifecircle.io.writers import STOP_AT_ENV

FILES = ["checkup.json", "circles.gpkg", "compounds.gpkg", "facilities.gpkg", "service_areas.gpkg"]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_package(tmp_path_factory.mktemp("hb") / "district")


@pytest.fixture(scope="module")
def complete(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete earlier run; it differs from the re-runs (another snapping distance)."""
    out = tmp_path_factory.mktemp("complete") / "ck"
    _complete_run(package, out, out.parent / "log", "--max-snap", "150")
    return out


def _start(
    package: Path, out: Path, log: Path, stop_at: str | None, *extra: str
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop(STOP_AT_ENV, None)
    if stop_at:
        env[STOP_AT_ENV] = stop_at
    cmd = [sys.executable, "-m", "lifecircle", "checkup", str(package),
           "--catalogue", str(package / "catalogue.yaml"), "--out", str(out), *extra]  # fmt: skip
    with log.open("wb") as fh:
        return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)


def _complete_run(package: Path, out: Path, log: Path, *extra: str) -> dict[str, str]:
    proc = _start(package, out, log, None, *extra)
    assert proc.wait(timeout=600) == 0, log.read_text("utf-8")[-3000:]
    return _hashes(out)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _stop_then_kill(proc: subprocess.Popen[bytes], inspect) -> None:
    """Wait until the checkup stops itself at its write step, run ``inspect``, SIGKILL it."""
    try:
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the checkup finished instead of stopping mid-write"
        inspect()
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def _report(checkup_dir: Path, out: Path):
    return CliRunner().invoke(
        app, ["report", str(checkup_dir), "--out", str(out), "--format", "html"]
    )


def _run_id(path: Path) -> str:
    return json.loads(path.read_text("utf-8"))["run"]["id"]


def test_killed_first_run_leaves_no_folder_and_report_refuses_it(package, tmp_path):
    out = tmp_path / "ck"
    proc = _start(package, out, tmp_path / "log", "file:circles.gpkg")

    def mid_write() -> None:
        assert not out.exists()
        (staging,) = interrupted_writes(out)
        assert sorted(p.name for p in staging.iterdir()) == ["checkup.json", "circles.gpkg"]

    _stop_then_kill(proc, mid_write)
    assert not out.exists()
    assert len(interrupted_writes(out)) == 1  # a SIGKILL cannot clean up; the next run will
    r = _report(out, tmp_path / "reports")
    assert r.exit_code == 2
    assert "找不到体检结果文件夹" in r.output and "中断" in r.output
    assert not (tmp_path / "reports").exists()

    # the next run over the same folder removes the dead run's staging and completes
    assert sorted(_complete_run(package, out, tmp_path / "log2")) == FILES
    assert interrupted_writes(out) == []
    assert _report(out, tmp_path / "reports").exit_code == 0


@pytest.mark.parametrize("stop_at", ["file:compounds.gpkg", "folder:ck"])
def test_killed_rerun_leaves_the_earlier_complete_run(package, complete, tmp_path, stop_at):
    out = tmp_path / "ck"
    shutil.copytree(complete, out)
    earlier = _hashes(out)
    assert sorted(earlier) == FILES
    old_id = _run_id(out / "checkup.json")
    proc = _start(package, out, tmp_path / "log2", stop_at)

    def mid_write() -> None:
        (staging,) = interrupted_writes(out)
        written = sorted(p.name for p in staging.iterdir())
        if stop_at == "folder:ck":  # every new file written, not yet swapped in
            assert written == FILES
        else:
            assert written == ["checkup.json", "circles.gpkg", "compounds.gpkg"]
        assert _run_id(staging / "checkup.json") != old_id  # a mix would be visible
        assert _hashes(out) == earlier

    _stop_then_kill(proc, mid_write)
    assert _hashes(out) == earlier  # the earlier run, whole: no new file beside old ones
    r = _report(out, tmp_path / "reports")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "C1.html",
        "C2.html",
        "C3.html",
        "district.html",
        "fonts",  # the pages' own CJK font, once for the folder
    ]


def test_a_folder_of_other_files_is_refused_before_the_checkup_runs(package, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "笔记.txt").write_text("keep", "utf-8")
    proc = _start(package, mine, tmp_path / "log", None)
    assert proc.wait(timeout=600) == 2
    log = (tmp_path / "log").read_text("utf-8")
    assert "不是本命令以前写出的结果" in log and "生活圈体检结果" not in log  # nothing ran
    assert [p.name for p in mine.iterdir()] == ["笔记.txt"]


def test_report_folder_is_written_as_a_unit(complete, tmp_path):
    out = tmp_path / "reports"
    assert _report(complete, out).exit_code == 0
    before = sorted(p.name for p in out.iterdir())
    assert before == ["C1.html", "C2.html", "C3.html", "district.html", "fonts"]
    # one circle again: added to a copy of the earlier folder, which is replaced whole
    r = CliRunner().invoke(
        app, ["report", str(complete), "--out", str(out), "-c", "C2", "-f", "html,xlsx"]
    )
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*before, "C2.xlsx"])
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]  # no staging left
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "笔记.txt").write_text("keep", "utf-8")
    r = _report(complete, mine)
    assert r.exit_code == 2 and "不是本命令以前写出的结果" in r.output
    assert [p.name for p in mine.iterdir()] == ["笔记.txt"]
