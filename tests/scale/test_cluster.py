"""The checkup on dask.distributed: identical to one process, through lost workers and errors.

Every cluster here is a real ``LocalCluster`` of two worker processes on this machine.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lifecircle.cli.checkup  # noqa: F401  (registers the command)
from lifecircle.access import compute_access
from lifecircle.cli import app
from lifecircle.demo.generator import generate_demo
from lifecircle.errors import OptionalDependencyError
from lifecircle.scale.cluster import DaskRunner, load_distributed, open_cluster
from lifecircle.scale.tiled import tiled_access
from scale_helpers import COUNTS_FOR, RADII, assert_same_access, small_city

#: a fixed run time after the demo's data date, so two runs write the same checkup.json
EPOCH = "1750000000"


@pytest.fixture(scope="module")
def runner() -> Iterator[DaskRunner]:
    with open_cluster(workers=2) as r:
        yield r


@pytest.fixture(scope="module")
def demo_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("scale") / "demo", scale=0.05)


def _checkup(package: Path, out: Path, *extra: str) -> bytes:
    result = CliRunner().invoke(
        app, ["checkup", str(package), "--out", str(out), *extra], env={"SOURCE_DATE_EPOCH": EPOCH}
    )
    assert result.exit_code == 0, result.output
    return (out / "checkup.json").read_bytes()


def test_checkup_with_workers_writes_the_same_checkup_json(demo_package, tmp_path) -> None:
    one = _checkup(demo_package, tmp_path / "one")
    many = _checkup(demo_package, tmp_path / "many", "--workers", "2", "--tiles", "4")
    a, b = json.loads(one), json.loads(many)
    for part in ("circles", "summary"):
        assert json.dumps(a[part], ensure_ascii=False) == json.dumps(b[part], ensure_ascii=False)
    assert one == many  # the whole file, byte for byte
    assert a["summary"]["circles"] == 49


def test_workers_and_cluster_together_are_refused(demo_package, tmp_path) -> None:
    result = CliRunner().invoke(
        app,
        ["checkup", str(demo_package), "--out", str(tmp_path / "x"), "--workers", "2",
         "--cluster", "tcp://127.0.0.1:8786"],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "二选一" in result.output


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(runner: DaskRunner) -> None:
    city = small_city()
    whole = compute_access(
        city.graph, city.homes, city.facilities, radii=RADII, counts_for=COUNTS_FOR
    )
    client = runner.client
    before = set(client.run(os.getpid).values())
    killed: list[int] = []

    def kill_a_busy_worker(stage: str, done: int, total: int) -> None:
        """At the first finished tile: SIGKILL a worker running or holding another tile."""
        if stage != "tiles" or done != 1 or killed:
            return
        busy = {
            w
            for w, keys in client.processing().items()
            if any("lifecircle-tile" in str(k) for k in keys)
        }
        busy |= {w for k, ws in client.who_has().items() if "lifecircle-tile" in str(k) for w in ws}
        address = sorted(busy)[0]
        pid = client.run(os.getpid, workers=[address])[address]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    tiled = tiled_access(
        city.graph, city.homes, city.facilities, radii=RADII, counts_for=COUNTS_FOR,
        tiles=16, runner=runner, progress=kill_a_busy_worker,
    )  # fmt: skip
    assert killed and killed[0] in before
    assert killed[0] not in set(client.run(os.getpid).values())
    assert_same_access(whole, tiled)


def test_a_failed_task_is_retried(runner: DaskRunner, tmp_path) -> None:
    flag = str(tmp_path / "failed-once")

    def fails_first_time(x: int) -> int:
        import pathlib

        mark = pathlib.Path(flag)
        if not mark.exists():
            mark.write_text("x")
            raise RuntimeError("a passing fault")
        return 2 * x

    assert runner.map(fails_first_time, [1, 2, 3], stage="tiles") == [2, 4, 6]
    no_retry = DaskRunner(runner.client, retries=0)
    os.remove(flag)
    with pytest.raises(RuntimeError, match="passing fault"):
        no_retry.map(fails_first_time, [1], stage="tiles")


def test_without_distributed_the_message_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(OptionalDependencyError, match=r"lifecircle\[scale\]"):
        load_distributed()


def test_districts_as_tasks_read_check_and_write_on_the_workers(
    runner: DaskRunner, demo_package, tmp_path
) -> None:
    from lifecircle.checkup.run import run_checkup
    from lifecircle.district import load_district
    from lifecircle.scale.checkup import checkup_districts
    from lifecircle.standards import load_catalogue

    out = tmp_path / "district-a"
    (result,) = checkup_districts(
        [demo_package], "changsha-provisional", runner=runner, out_dirs=[out]
    )
    here = run_checkup(load_district(demo_package), load_catalogue("changsha-provisional"))
    a, b = json.loads(result.to_json()), json.loads(here.result.to_json())
    assert a["circles"] == b["circles"] and a["summary"] == b["summary"]
    written = json.loads((out / "checkup.json").read_text(encoding="utf-8"))
    assert written["circles"] == b["circles"]
