"""The district report's chapter on mobility (出行与生活圈匹配): synthetic trips over the
demo district, matching degree and proposed circles in Word, Excel and HTML, and the Word
pages as LibreOffice lays them out."""

from __future__ import annotations

import os
import re
import string
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from lifecircle.checkup import CheckupFolder
from lifecircle.mobility.results import MobilityResult
from lifecircle.reports import render_district_report
from lifecircle.reports.fonts import cjk_font_path
from mobility._results import demo_mobility

from .pdf_pages import Margins, crossings, is_a4, lone_caption_pages, read_pages, soffice, to_pdf


@pytest.fixture(scope="module")
def mobility(tmp_path_factory, demo_checkup_dir) -> MobilityResult:
    return demo_mobility(tmp_path_factory.mktemp("mobrep"), demo_checkup_dir.parent / "district")


@pytest.fixture(scope="module")
def reports(tmp_path_factory, demo_checkup_dir, mobility) -> Path:
    out = tmp_path_factory.mktemp("mobrep-out")
    render_district_report(CheckupFolder.read(demo_checkup_dir), out, mobility=mobility)
    return out


def test_synthetic_trips_follow_the_demo_district(mobility, demo_checkup):
    assert sorted(mobility.circles["circle_id"]) == sorted(c.id for c in demo_checkup.circles)
    own = mobility.summary["match"]["own_circle_share"]
    assert 0.5 < own < 0.98  # planted circles unlike today's: trips cross today's boundaries
    comp = mobility.summary["comparison"]
    assert 0.4 < comp["adjusted_rand_index"] < 1.0 and comp["communities_moved"] > 0
    assert mobility.summary["delineation"]["all_contiguous"]
    assert (mobility.flows["count"] >= mobility.k).all()


def test_word_chapter(reports, mobility, demo_checkup):
    doc = Document(str(reports / "district.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    body = [p.text for p in doc.paragraphs]
    assert "七、出行与生活圈匹配" in headings  # after 六、“六位”供需
    for h in (
        "各生活圈匹配程度",
        "生活圈划分建议",
        "建议调整归属的社区",
        "各类设施：实际使用与步行可达",
    ):
        assert h in headings
    assert "出行数据为合成的示例数据（非真实定位数据），仅供演示。" in body
    assert any(re.match(r"^图\s*2\s*各生活圈匹配程度与建议生活圈边界", t) for t in body)
    assert any("调整兰德指数（ARI）" in t for t in body)
    assert any(t.startswith("个人信息保护：只使用不少于 5 台设备") for t in body)
    table = next(
        t for t in doc.tables if len(t.columns) == 8 and t.rows[0].cells[5].text == "匹配程度"
    )
    assert len(table.rows) == 1 + len(demo_checkup.circles)
    row = mobility.circles.set_index("circle_id").loc["C01"]
    c01 = next(r for r in table.rows if r.cells[0].text == "C01")
    assert c01.cells[1].text == demo_checkup.circle("C01").name
    assert c01.cells[5].text == f"{row['match_index']:.2f}"
    assert c01.cells[3].text == f"{row['own_circle_share']:.1%}"
    moved = next(
        t
        for t in doc.tables
        if [c.text for c in t.rows[0].cells] == ["社区", "现状生活圈", "建议生活圈"]
    )
    assert len(moved.rows) - 1 == mobility.summary["comparison"]["communities_moved"]
    assert len(doc.inline_shapes) == 2  # the grade map and the matching map


def test_excel_sheets(reports, mobility):
    wb = load_workbook(reports / "district.xlsx")
    assert wb.sheetnames[-3:] == ["匹配程度", "划分建议", "设施使用与可达"]
    ws = wb["匹配程度"]
    assert ws["A1"].value == "生活圈" and ws["F1"].value == "匹配程度"
    c01 = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "C01")
    expect = mobility.circles.set_index("circle_id").loc["C01"]
    assert c01[5].value == pytest.approx(expect["match_index"])
    assert c01[3].number_format == "0.0%"
    cats = wb["设施使用与可达"]
    assert "菜市场或生鲜超市" in [c.value for c in cats["A"]]


def test_html_section(reports):
    html = (reports / "district.html").read_text("utf-8")
    assert 'id="d-mobility"' in html and "七、出行与生活圈匹配" in html
    section = html.split('id="d-mobility"')[1].split("<script")[0]
    img = section.split('<img src="data:image/png;base64,')[1].split('"')[0]
    assert len(img) > 10_000 and set(img) <= set(string.ascii_letters + string.digits + "+/=")
    assert 'id="mobility-circles"' in html and 'id="mobility-proposed"' in html
    assert "http://" not in section and "https://" not in section  # self-contained


def test_without_mobility_no_chapter_and_english(demo_checkup_dir, mobility, tmp_path):
    ck = CheckupFolder.read(demo_checkup_dir)
    render_district_report(ck, tmp_path / "plain", formats="docx")
    doc = Document(str(tmp_path / "plain" / "district.docx"))
    assert not any("出行" in p.text for p in doc.paragraphs)
    render_district_report(ck, tmp_path / "en", formats="docx", lang="en", mobility=mobility)
    doc = Document(str(tmp_path / "en" / "district.en.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "7. Mobility and life circles" in headings and "Matching index by circle" in headings


@pytest.mark.rendered
@pytest.mark.timeout(600)
def test_rendered_pages(reports, tmp_path):
    """A4, nothing across the margins, no lone caption, the chapter's map on its own page."""
    if soffice() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is missing: run scripts/install-test-deps")
        pytest.skip("LibreOffice is missing")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>/usr/share/fonts/truetype</dir><dir>{cjk_font_path().parent}</dir>"
        f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        "utf-8",
    )
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(tmp_path))
    (pdf,) = to_pdf([reports / "district.docx"], tmp_path / "pdf", env=env)
    keep = Path("/tmp/lifecircle-rendered")  # for a person to look at the pages
    if keep.parent.exists():
        keep.mkdir(exist_ok=True)
        (keep / "district-mobility.pdf").write_bytes(pdf.read_bytes())
    pages = read_pages(pdf)
    margins = Margins(top=20, bottom=20, left=20, right=20)
    assert all(is_a4(p) for p in pages)
    assert [c for p in pages for c in crossings(pdf, p, margins)] == []
    assert lone_caption_pages(pages, margins, re.compile(r"^(图|Figure)\s*\d")) == []
    chapter = [p for p in pages if "出行与生活圈匹配" in p.text().replace(" ", "")]
    assert chapter, "the chapter's heading is on no page"
    figure = [
        p
        for p in pages
        if p.images and "各生活圈匹配程度与建议生活圈边界" in p.text().replace(" ", "")
    ]
    assert figure and not figure[0].landscape


def test_no_raw_id_reaches_a_report(demo_checkup_dir, tmp_path):
    """Raw records → ingest → matching degree → district report: no device id anywhere."""
    import zipfile

    import geopandas as gpd
    import shapely

    from lifecircle.mobility.ingest import IngestOptions, ingest_records
    from lifecircle.mobility.match import matching_degree
    from lifecircle.mobility.privacy import PseudonymKey
    from lifecircle.network import graph_from_lines
    from mobility._tracks import COMMUNITIES, CRS, FACILITIES, X0, Y0, raw_id, records

    path = tmp_path / "r.csv"
    records(n_a=7, n_b=6, days=2).to_csv(path, index=False)
    key = PseudonymKey(secret=b"k3y-for-tests-0123456789-abcdef", source="t")
    ing = ingest_records([path], key=key, communities=COMMUNITIES, facilities=FACILITIES,
                         options=IngestOptions(k=5))  # fmt: skip
    street = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0, Y0 + 250), (X0 + 1000, Y0 + 250)])], crs=CRS
    )
    match = matching_degree(
        ing.tables["flows_facilities"],
        communities=COMMUNITIES,
        circle_of=COMMUNITIES.set_index("id").assign(c="C01")["c"],
        facilities=FACILITIES,
        graph=graph_from_lines(street),
    )
    mob = MobilityResult.from_results(match)
    out = tmp_path / "rep"
    render_district_report(CheckupFolder.read(demo_checkup_dir), out, mobility=mob)
    texts = [(out / "district.html").read_text("utf-8")]
    for name in ("district.docx", "district.xlsx"):
        with zipfile.ZipFile(out / name) as z:
            texts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    text = "\n".join(texts)
    assert "出行与生活圈匹配" in text and "菜市场或生鲜超市" in text  # the chapter is there
    for i in range(13):
        assert raw_id(i) not in text
    assert "k3y-for-tests" not in text


def test_the_district_report_drawn_by_a_worker_keeps_its_mobility_chapter(
    tmp_path, demo_checkup_dir, mobility
):
    from lifecircle.reports import render_reports

    out = tmp_path / "all"
    render_reports(demo_checkup_dir, out, formats="xlsx", workers=2, mobility=mobility)
    wb = load_workbook(out / "district.xlsx")
    assert wb.sheetnames[-3:] == ["匹配程度", "划分建议", "设施使用与可达"]
    assert len(list(out.glob("C*.xlsx"))) == len(
        CheckupFolder.read(demo_checkup_dir).result.circles
    )
