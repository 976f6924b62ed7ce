"""The circle reports rendered in worker processes equal those rendered in one process.

``render_reports`` forks its workers (sharing the parent's memory) when no other thread
runs, and spawns them (each receiving the checkup pickled) otherwise; both must write the
same documents as rendering in the calling process.
"""

from __future__ import annotations

import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest

from lifecircle.reports import _start_method, render_reports

TODAY = date(2024, 9, 30)


def _contents(folder: Path) -> dict[str, bytes]:
    """Every file's bytes; for .docx / .xlsx every zip member but the creation timestamp."""
    out: dict[str, bytes] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        name = str(p.relative_to(folder))
        if p.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(p) as z:
                for member in z.namelist():
                    if member != "docProps/core.xml":
                        out[f"{name}:{member}"] = z.read(member)
        else:
            out[name] = p.read_bytes()
    return out


@pytest.fixture(scope="module")
def circles(demo_checkup) -> list[str]:
    return demo_checkup.circle_ids()[:3]


@pytest.fixture(scope="module")
def serial(checkup_dir, circles, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("serial") / "reports"
    render_reports(checkup_dir, out, circle_ids=circles, workers=1, today=TODAY)
    return _contents(out)


def _in_thread_free_process() -> None:
    assert threading.active_count() == 1, "the test runner runs other threads"


def test_start_method_forks_only_without_other_threads():
    _in_thread_free_process()
    assert _start_method() == "fork"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert _start_method() == "spawn"
    finally:
        stop.set()
        other.join()
    assert _start_method() == "fork"


def test_forked_workers_write_the_same_reports(checkup_dir, circles, serial, tmp_path):
    _in_thread_free_process()
    out = tmp_path / "reports"
    written = render_reports(checkup_dir, out, circle_ids=circles, workers=2, today=TODAY)
    assert {p.name for p in written} >= {f"{c}.{f}" for c in circles for f in ("html", "docx")}
    assert _contents(out) == serial


def test_spawned_workers_write_the_same_reports(checkup_dir, circles, serial, tmp_path):
    out = tmp_path / "reports"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # another thread: the workers are spawned
    other.start()
    try:
        render_reports(checkup_dir, out, circle_ids=circles, workers=2, today=TODAY)
    finally:
        stop.set()
        other.join()
    assert _contents(out) == serial
