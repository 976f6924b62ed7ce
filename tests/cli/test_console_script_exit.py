"""The console script ends without Python's teardown, its status, output and exit handlers
kept (``lifecircle.cli.run``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import atexit, sys
from lifecircle.cli import run

class Noisy:
    def __del__(self):
        print("teardown ran")

kept = Noisy()  # freed only by a full teardown
atexit.register(lambda: print("exit handler ran", end=" "))
sys.argv = ["lifecircle", *sys.argv[1:]]
run()
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )


def test_a_command_that_succeeds_ends_at_once_its_output_and_handlers_kept() -> None:
    from lifecircle import __version__

    r = _run("--version")
    assert r.returncode == 0, r.stderr
    # the version (buffered: stdout is a pipe), then the handler; no object freed one by one
    assert r.stdout == f"{__version__}\nexit handler ran "


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        (("access", "--nonsense"), 2, "没有选项"),  # Click's usage error
        (("demo", "--scale", "9", "--out", "never-made"), 2, "示例区面积比例"),  # ours
    ],
)
def test_a_failing_command_keeps_its_exit_status(args: tuple[str, ...], status: int, said: str):
    r = _run(*args)
    assert r.returncode == status
    assert said in r.stderr
    assert "teardown ran" not in r.stdout and "exit handler ran" in r.stdout


def test_python_m_lifecircle_is_the_console_script() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "lifecircle", "demo", "--scale", "0"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 2 and "示例区面积比例" in r.stderr


def test_a_thread_left_running_gets_the_usual_exit() -> None:
    # Python waits for a non-daemon thread at exit; ending at once would cut it short
    probe = PROBE.replace(
        "run()",
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done', end=' '))).start()\n"
        "run()",
    )
    r = subprocess.run(
        [sys.executable, "-c", probe, "--version"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0
    assert "thread done" in r.stdout and "teardown ran" in r.stdout
