"""The allocator tuning the demo's checkup uses: freed large blocks leave the process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import sys
from lifecircle._malloc import return_large_blocks_at_once, give_back_free_memory
def rss_mb():
    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) / 1024
if sys.argv[1] == 'tuned':
    assert return_large_blocks_at_once()
first = bytes(range(256)) * 4096  # 1 MB, mapped on its own; freeing it raises glibc's
del first                         # threshold unless tuned: the next ones come from the heap
base = rss_mb()
blocks = [bytes(range(256)) * 4096 for _ in range(200)]
keep = blocks[-1]  # the last block stays alive: a heap cannot shrink below it
del blocks
give_back_free_memory() if sys.argv[2] == 'trim' else None
print(rss_mb() - base)
"""


def _kept_mb(mode: str, trim: str = "no") -> float:
    r = subprocess.run(
        [sys.executable, "-c", PROBE, mode, trim], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    return float(r.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_freed_large_blocks_are_returned_when_tuned():
    assert _kept_mb("plain") > 150  # glibc's default keeps them (the probe sees the problem)
    assert _kept_mb("tuned") < 20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_trimming_returns_free_pages_inside_the_heap():
    assert _kept_mb("plain", "trim") < 20


ARROW_PROBE = """
import sys
if sys.argv[1] == 'after':
    import pyarrow
from lifecircle._malloc import arrow_on_the_system_allocator
arrow_on_the_system_allocator()
import pyarrow
print(pyarrow.default_memory_pool().backend_name)
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_arrow_buffers_come_from_the_system_allocator(when: str) -> None:
    """Whether pyarrow is imported before or after: its default pool is glibc's."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    r = subprocess.run(
        [sys.executable, "-c", ARROW_PROBE, when],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "system"
