"""What is shared or remembered to write reports faster writes the same documents.

``render_reports`` forks its workers (sharing the parent's memory) when no other thread
runs, and spawns them (each receiving the checkup pickled) otherwise; both must write the
same documents as rendering in the calling process. A Word report remembers its template's
default styles; it must come out as when python-docx looks them up each time.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lifecircle.checkup import CheckupFolder
from lifecircle.reports import _prepare, render_circle_report, render_reports, word
from lifecircle.reports.context import build_circle_report
from lifecircle.reports.strings import Text

TODAY = date(2024, 9, 30)


def _members(path: Path) -> dict[str, bytes]:
    """Every zip member of a .docx / .xlsx but the creation timestamp."""
    with zipfile.ZipFile(path) as z:
        return {m: z.read(m) for m in z.namelist() if m != "docProps/core.xml"}


def _contents(folder: Path) -> dict[str, bytes]:
    """Every file's bytes; for .docx / .xlsx every zip member but the creation timestamp."""
    out: dict[str, bytes] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        name = str(p.relative_to(folder))
        if p.suffix in (".docx", ".xlsx"):
            out.update({f"{name}:{m}": b for m, b in _members(p).items()})
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


def _in_fresh_interpreter(code: str) -> str:
    """Run ``code`` in a new interpreter (the test runner itself runs other threads, so
    here the workers would be spawned); return what it printed."""
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def test_start_method_forks_only_without_other_threads():
    code = (
        "import threading\n"
        "from lifecircle.reports import _start_method\n"
        "alone = _start_method()\n"
        "stop = threading.Event(); other = threading.Thread(target=stop.wait); other.start()\n"
        "beside = _start_method()\n"
        "stop.set(); other.join()\n"
        "print(alone, beside, _start_method())\n"
    )
    assert _in_fresh_interpreter(code).split() == ["fork", "spawn", "fork"]


def test_forked_workers_write_the_same_reports(checkup_dir, circles, serial, tmp_path):
    out = tmp_path / "reports"
    code = (
        "from datetime import date\n"
        "from lifecircle.reports import _start_method, render_reports\n"
        "print(_start_method())\n"
        f"render_reports({str(checkup_dir)!r}, {str(out)!r}, circle_ids={circles!r}, "
        "workers=2, today=date(2024, 9, 30))\n"
    )
    assert _in_fresh_interpreter(code).split() == ["fork"]
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


def test_word_report_with_remembered_default_styles(checkup_dir, circles, tmp_path, monkeypatch):
    ck = _prepare(CheckupFolder.read(checkup_dir))
    T = Text("zh")
    rep = build_circle_report(ck, circles[0], T, TODAY)
    remembered = word.circle_docx(rep, T, tmp_path / "remembered.docx", [])
    monkeypatch.setattr(word, "_remember_default_styles", lambda doc: None)
    looked_up = word.circle_docx(rep, T, tmp_path / "looked-up.docx", [])
    body = _members(remembered)
    assert b"w:pStyle" in body["word/document.xml"]  # styled paragraphs to compare
    assert body == _members(looked_up)


def _styled_document(remember: bool) -> bytes:
    from docx import Document

    doc = Document()
    if remember:
        word._remember_default_styles(doc)
    for style in ("Normal", "Heading 1", "Normal", "Caption"):  # the default one by name too
        doc.add_paragraph(style, style=style)
    for style in ("Normal Table", "Table Grid"):
        doc.add_table(rows=1, cols=1).style = style
    return doc.element.xml.encode()


def test_remembered_default_styles_name_each_style_as_python_docx_does():
    remembered = _styled_document(remember=True)
    assert remembered.count(b"<w:pStyle ") == 2  # Heading 1 and Caption: not the default
    assert remembered == _styled_document(remember=False)


def _tight_png_and_ours(notice_y: float) -> tuple[Any, Any]:
    import io

    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    from lifecircle.reports import fonts, maps

    def figure() -> Any:
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([0, 1, 2], [2, 0, 1], label="示例线")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2)
        fig.text(0.01, notice_y, "示例数据：几何为生成数据", va="top",
                 bbox={"boxstyle": "round,pad=0.3", "facecolor": "#fff3cd"})  # fmt: skip
        return fig

    with matplotlib.rc_context(fonts.rc()):  # as the maps draw: fonts are found at drawing
        buf = io.BytesIO()
        fig = figure()
        fig.savefig(buf, format="png", dpi=maps.DPI, bbox_inches="tight",
                    pad_inches=maps.PAD_INCHES, facecolor="white")  # fmt: skip
        plt.close(fig)
        ours_png = maps._png(figure())
    theirs = np.asarray(Image.open(buf).convert("RGB"), dtype=int)
    ours = np.asarray(Image.open(io.BytesIO(ours_png)).convert("RGB"), dtype=int)
    return theirs, ours


@pytest.mark.parametrize("notice_y", [0.97, 1.05])  # inside the figure, and beyond its top
def test_map_png_is_the_tight_savefig_picture(notice_y):
    theirs, ours = _tight_png_and_ours(notice_y)
    assert ours.shape == theirs.shape
    # the same picture, up to the sub-pixel offset of the crop (antialiased edges); a
    # crop one or two pixels off differs in most of the drawn pixels
    ink = (theirs.sum(axis=-1) < 700).sum()
    assert (abs(ours - theirs).sum(axis=-1) > 60).sum() < 0.1 * ink


def test_forked_workers_after_a_report_drawn_here_end_and_leave_every_file(
    checkup_dir, circles, tmp_path
):
    import multiprocessing as mp

    from lifecircle.reports.fonts import WEB_FONT_DIR

    # a report drawn here first: its maps' text layouts are kept in this process, and
    # must not be used by the forked workers (matplotlib drops its fonts at a fork)
    render_circle_report(checkup_dir, circles[0], tmp_path / "first", today=TODAY)
    out = tmp_path / "reports"
    render_reports(checkup_dir, out, circle_ids=circles, workers=2, today=TODAY)
    assert mp.active_children() == []  # the workers ended
    assert sorted(p.stem for p in out.glob("*.docx")) == sorted(circles)
    assert (out / WEB_FONT_DIR).is_dir()


def test_the_web_font_is_made_from_the_pages_as_written_without_reading_them(
    checkup_dir, circles, tmp_path, monkeypatch
):
    from fontTools.ttLib import TTFont

    from lifecircle.reports import fonts

    def read_again(page):  # type: ignore[no-untyped-def]
        raise AssertionError(f"{page} read again for the web font")

    out = tmp_path / "reports"
    with monkeypatch.context() as m:
        m.setattr(fonts, "_page_characters", read_again)
        render_reports(checkup_dir, out, circle_ids=circles, workers=2, today=TODAY)
    # the workers' characters reached the font: it covers every page as read from disk
    with TTFont(str(out / fonts.WEB_FONT_DIR / fonts.WEB_FONT_FILE), lazy=True) as font:
        have = set(font.getBestCmap())
    pages = sorted(out.glob("*.html"))
    assert len(pages) == len(circles)
    for page in pages:
        assert {ord(c) for c in fonts._page_characters(page)} <= have, page
    assert fonts.write_web_font(out) == []
