"""``lifecircle report`` on a real (small demo) checkup: files written, bad ids refused."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "lifecircle", *map(str, args)],
        capture_output=True, text=True, timeout=600, cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def checkup_dir(demo_checkup_dir):
    """The real checkup of the small demo, shared by the session (tests/checkup_fixtures.py)."""
    return demo_checkup_dir


def test_report_one_circle(checkup_dir, tmp_path):
    r = run("report", checkup_dir, "--out", tmp_path, "--circle", "C01", "--format", "html,xlsx")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "已写出 2 个报告文件" in r.stdout and "fonts/" in r.stdout
    assert (tmp_path / "fonts" / "NotoSansCJKsc-subset.woff").is_file()
    html = (tmp_path / "C01.html").read_text(encoding="utf-8")
    assert "示例数据：几何为生成数据" in html
    # self-contained: no script, style or image fetched from elsewhere
    import re

    assert not re.search(r"""<(script|link|img)\b[^>]*(src|href)\s*=\s*["']https?://""", html)
    wb = openpyxl.load_workbook(tmp_path / "C01.xlsx")
    assert len(wb.sheetnames) >= 3
    assert not (tmp_path / "C01.docx").exists()


def test_unknown_circle_is_refused_before_anything_is_written(checkup_dir, tmp_path):
    r = run("report", checkup_dir, "--out", tmp_path / "r", "--circle", "C99")
    assert r.returncode == 2
    assert "C99" in r.stderr
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())
