"""Rendered pages: the bulletin and the Word reports converted to PDF by LibreOffice (Debian's,
installed by scripts/install-test-deps), then read back with poppler: A4, nothing across the
margins, no page holding a lone caption, the bulletin's 版头, 版记 and page numbers in place.

LibreOffice is slow to start, so every document is converted in one run per session. Its
fonts: DejaVu and Liberation plus the CJK fonts of the mplfonts wheel (an office machine has
仿宋 and 宋体; these stand in for them, so the layout is measured with real Chinese glyphs).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from lifecircle.checkup import CheckupFolder
from lifecircle.reports import render_circle_report, render_district_report
from lifecircle.reports.fonts import cjk_font_path

from .conftest import pick_circles
from .pdf_pages import (
    MM,
    Margins,
    crossings,
    is_a4,
    lone_caption_pages,
    read_pages,
    soffice,
    to_pdf,
)

pytestmark = [pytest.mark.rendered, pytest.mark.timeout(900)]

REPORT = Margins(top=20, bottom=20, left=20, right=20)  # reports.word.PAGE
GONGWEN = Margins(top=37, bottom=35, left=28, right=26)  # GB/T 9704-2012 5.2.1
CAPTION = re.compile(r"^(图|Figure)\s*\d")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, demo_checkup_dir, demo_checkup) -> dict[str, Path]:
    """The bulletin (with earlier 督办 records open), the report of a circle with shortfalls
    and its maps, an English circle report and the district report, as PDF."""
    if soffice() is None:
        msg = "LibreOffice is missing: run scripts/install-test-deps"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from lifecircle.store.db import make_engine, session_scope
    from lifecircle.workflow.bulletins import publish_bulletin
    from lifecircle.workflow.demo import build_demo_database

    root = tmp_path_factory.mktemp("rendered")
    db = build_demo_database(root / "demo.db", demo_checkup)  # holds the bulletin of 2024-09
    engine = make_engine(db)
    with session_scope(engine, actor="tester") as s:
        out = publish_bulletin(s, "2024-10", out_dir=root / "docs", issued_on=date(2024, 11, 5))
    engine.dispose()
    roles = pick_circles(demo_checkup)
    ck = CheckupFolder.read(demo_checkup_dir)
    render_circle_report(ck, roles["none"], root / "docs", formats="docx")
    render_circle_report(ck, roles["aaa"], root / "docs", formats="docx", lang="en")
    render_district_report(ck, root / "docs", formats="docx")
    docs = {
        "bulletin": out.docx,
        "circle": root / "docs" / f"{roles['none']}.docx",
        "circle_en": root / "docs" / f"{roles['aaa']}.en.docx",
        "district": root / "docs" / "district.docx",
    }
    conf = root / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>/usr/share/fonts/truetype</dir><dir>{cjk_font_path().parent}</dir>"
        f"<cachedir>{root / 'fc-cache'}</cachedir></fontconfig>",
        "utf-8",
    )
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(root))
    converted = to_pdf(list(docs.values()), root / "pdf", env=env)
    keep = Path("/tmp/lifecircle-rendered")  # for a person to look at the pages
    if keep.parent.exists():
        keep.mkdir(exist_ok=True)
        for name, pdf in zip(docs, converted, strict=True):
            (keep / f"{name}.pdf").write_bytes(pdf.read_bytes())
    return dict(zip(docs, converted, strict=True))


@pytest.mark.parametrize(
    ("name", "margins"),
    [("bulletin", GONGWEN), ("circle", REPORT), ("circle_en", REPORT), ("district", REPORT)],
)
def test_pages_are_a4_and_nothing_crosses_the_margins(pdfs, name, margins):
    pages = read_pages(pdfs[name])
    assert pages and all(is_a4(p) for p in pages), [(p.width, p.height) for p in pages]
    bad = [c for p in pages for c in crossings(pdfs[name], p, margins)]
    assert bad == []
    assert lone_caption_pages(pages, margins, CAPTION) == []


def test_the_rule_sees_a_crossing(pdfs, tmp_path):
    """The checker itself: a word moved past the right margin, and ink drawn in it, are seen."""
    from dataclasses import replace

    page = read_pages(pdfs["circle"])[0]
    w = page.words[0]
    moved = replace(page, words=[replace(w, x0=page.width - 5, x1=page.width - 1), *page.words])
    assert any("word" in c for c in crossings(pdfs["circle"], moved, REPORT))
    narrow = Margins(top=20, bottom=20, left=20, right=80)  # the text runs into these 60 mm
    assert any("right margin" in c for c in crossings(pdfs["circle"], page, narrow))


def test_reports_use_landscape_only_where_a_table_needs_it(pdfs):
    circle = read_pages(pdfs["circle"])
    district = read_pages(pdfs["district"])
    assert not any(p.landscape for p in circle)  # its tables fit 17 cm
    # the district's circles x indicators matrix: with the plan's 22 constraint indicators it
    # takes a landscape section, and all of it (a table never changes orientation midway);
    # the pages before it stay portrait
    matrix = [p for p in district if "✓" in p.text()]
    assert matrix and len({p.landscape for p in matrix}) == 1
    assert not any(p.landscape for p in district[: matrix[0].number - 1])
    assert len(circle) <= 12 and len(district) <= 10


def test_bulletin_layout(pdfs):
    pdf = pdfs["bulletin"]
    pages = read_pages(pdf)
    first, last = pages[0], pages[-1]
    # 版头: the issuing office in red, its top 35 mm below the 版心's
    office = [w for w in first.words if "领导小组办公室" in w.text]
    assert office and abs(office[0].y0 - (37 + 35) * MM) < 6 * MM
    red = _red_pixels(pdf, 1)
    assert red > 200  # the office and the separator line
    assert "2024年第2期" in first.text().replace(" ", "")
    # page numbers "— n —": odd pages right, even pages left
    for p in pages:
        m = GONGWEN.for_page(p)
        nums = [w for w in p.words if w.y0 > p.height - m.bottom * MM and w.text == str(p.number)]
        assert nums, f"no page number on page {p.number}"
        centre = (nums[0].x0 + nums[0].x1) / 2
        assert (centre > p.width / 2) == (p.number % 2 == 1), p.number
    # 版记 on the last page, its last line just above the 版心's bottom edge
    printed = [w for w in last.words if w.text.endswith("印发")]
    assert printed, "no 印发 line on the last page"
    bottom = last.height - GONGWEN.bottom * MM
    assert bottom - 12 * MM < printed[0].y1 <= bottom + 1
    text = "".join(p.text().replace(" ", "") for p in pages)
    assert "抄送：" in text and "2024年11月5日" in text
    assert "前期督办整改事项" in text  # the 2024-09 bulletin's records still open
    # project codes never wrap: every code that appears is whole on one line
    codes = [w.text for p in pages for w in p.words if re.match(r"^XM\d{4}", w.text)]
    assert codes and all(re.match(r"^XM\d{4}-\d{3}", c) for c in codes), codes[:5]


def _red_pixels(pdf: Path, page: int) -> int:
    import subprocess

    from PIL import Image

    stem = pdf.parent / f"red-{pdf.stem.replace('.', '_')}-{page}"
    subprocess.run(
        ["pdftoppm", "-r", "50", "-f", str(page), "-l", str(page), "-png", "-singlefile",
         str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    with Image.open(f"{stem}.png") as im:
        rgb = np.asarray(im.convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 180) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)).sum())
