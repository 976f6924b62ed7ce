"""The background start: a cold cache is compiled in a child process; a warm one is left
to load when a kernel is first called (in the calling thread)."""

from __future__ import annotations

import os
import subprocess
import sys

from lifecircle.network import warmup

PROBE = (
    "from lifecircle.network import warmup\n"
    "warmup.compile_kernels_in_background().join()\n"
    "print(warmup.LAST_START['kernels'])\n"
    "import threading\n"
    "print(threading.active_count())\n"  # nothing left running beside the caller
    "from lifecircle.network import kernels\n"
    "kernels.compile_all()\n"  # what a first kernel call does
)


def _start(cache_dir) -> str:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    r = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr[-2000:]
    start, threads = r.stdout.splitlines()[:2]
    assert threads == "1"
    return start


def test_marker_lies_in_numba_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    marker = warmup.cache_marker()
    assert marker is not None
    assert marker.parent == tmp_path
    assert marker.name.startswith("lifecircle-kernels-")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "other"))
    assert warmup.cache_marker().parent == tmp_path / "other"


def test_cold_start_compiles_in_a_child_and_the_next_start_loads(tmp_path):
    assert _start(tmp_path) == "compiled in a child"
    assert list(tmp_path.glob("lifecircle-kernels-*.ok"))
    assert list(tmp_path.rglob("kernels._counts_chunk-*.nbi"))  # numba's own cache
    assert _start(tmp_path) == "loaded on first use"
    # the marker says warm but numba's files are gone: the kernels compile in-process
    for f in tmp_path.rglob("*.nb*"):
        f.unlink()
    assert _start(tmp_path) == "loaded on first use"
    assert list(tmp_path.rglob("kernels._counts_chunk-*.nbi"))


APART = (
    "from lifecircle.network import warmup\n"
    "import sys\n"
    "started = warmup.start_compiling_apart()\n"
    "print(started, 'numba' in sys.modules)\n"  # the child compiles; numba not imported here
    "print(warmup.ready_kernels_here())\n"
    "from lifecircle.network import kernels\n"
    "print(bool(kernels._counts_chunk.signatures) and bool(kernels.multi_source_buckets.signatures))\n"
)


def _apart(cache_dir) -> list[str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    r = subprocess.run(
        [sys.executable, "-c", APART], env=env, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.splitlines()


def test_compiling_apart_waits_for_the_child_then_loads_and_a_warm_start_only_loads(tmp_path):
    # cold: a child compiled, this process imported numba only after it, then loaded
    assert _apart(tmp_path) == ["True False", "compiled in a child", "True"]
    assert list(tmp_path.glob("lifecircle-kernels-*.ok"))
    # warm: no child, the kernels loaded from the cache here
    assert _apart(tmp_path) == ["False False", "loaded here", "True"]
    # a background start of another caller finds them warm too
    assert _start(tmp_path) == "loaded on first use"


WAIT = (
    "from lifecircle.network import warmup\n"
    "warmup.compile_kernels_in_background()\n"
    "warmup.wait_for_kernels()\n"  # what a kernel's caller does before its first call
    "print(warmup.LAST_START['kernels'])\n"
    "print(warmup.LAST_START.get('numba', '-'))\n"
)


def test_a_caller_waiting_for_the_child_readies_numba_meanwhile(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}

    def run() -> list[str]:
        r = subprocess.run(
            [sys.executable, "-c", WAIT], env=env, capture_output=True, text=True, timeout=600
        )
        assert r.returncode == 0, r.stderr[-2000:]
        return r.stdout.splitlines()

    # cold: the child compiled (without scipy, which numba imports only for BLAS) while
    # the caller made numba's target ready; warm: nothing to wait for
    assert run() == ["compiled in a child", "prepared while waiting"]
    assert run() == ["loaded on first use", "-"]
