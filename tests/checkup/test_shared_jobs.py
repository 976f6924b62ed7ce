"""The checkup's service-area jobs, shared by the pool's task and the thread that joins it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lifecircle.checkup.run import _SharedJobs


def test_every_job_runs_once_and_rows_keep_the_jobs_order() -> None:
    ran: list[int] = []
    lock = threading.Lock()

    def job(k: int):
        def run() -> int:
            time.sleep(0.002 * (k % 3))  # uneven: the two threads interleave
            with lock:
                ran.append(k)
            return k * k

        return run

    shared = _SharedJobs(lambda: [job(k) for k in range(40)])
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(shared.run, make=True)
        shared.run()  # joins: waits for the jobs to be made, then takes its share
        first.result()
    assert sorted(ran) == list(range(40))
    assert shared.rows() == [k * k for k in range(40)]


def test_a_failed_make_raises_in_its_task_and_the_joiner_returns() -> None:
    def make() -> list:
        raise ValueError("路网为空")

    shared = _SharedJobs(make)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(shared.run, make=True)
        shared.run()  # returns: no jobs were made
        with pytest.raises(ValueError, match="路网为空"):
            first.result()


def test_stopped_jobs_start_no_more() -> None:
    shared = _SharedJobs(lambda: [lambda: 1, lambda: 2])
    shared.stop()
    shared.run(make=True)
    with pytest.raises(KeyError):
        shared.rows()  # nothing ran
