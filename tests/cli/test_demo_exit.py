"""The demo's pool processes end without Python's teardown once their work is done."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
from lifecircle.cli.demo import _end_without_teardown

class Noisy:
    def __del__(self):
        print("teardown ran")

kept = Noisy()  # freed only by a full teardown
_end_without_teardown()
print("work done", end="")  # buffered: must still come out
"""


def test_the_process_ends_at_once_with_its_output_flushed() -> None:
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "work done"  # flushed, and no object was freed one by one
