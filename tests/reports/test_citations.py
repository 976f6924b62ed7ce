"""Reports cite sources as an office does (document and clause, marked when unverified) and
never show the catalogue's provenance notes or its internal indicator ids; every catalogue
shipped as provisional (national-2020 too) puts its notice on every report."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from checkup_fixtures import checkup_of
from handbuilt_district import write_package
from lifecircle.checkup import CheckupFolder, CheckupResult
from lifecircle.reports import render_circle_report, render_district_report
from lifecircle.standards import load_catalogue

from .conftest import pick_circles

#: what a report must never show: recall notes, web copies, the mirror's string
FORBIDDEN = ("回忆", "csdn", "tihaiku", "摘要", "github", "hrhny", "和记")


class _Text(HTMLParser):
    """Visible text of a page (and its tooltips), without scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text("utf-8"))
    return "\n".join(p.parts)


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    for s in doc.sections:
        parts += [p.text for p in s.footer.paragraphs] + [p.text for p in s.header.paragraphs]
    parts += [doc.core_properties.title or "", doc.core_properties.subject or ""]
    return "\n".join(parts)


def xlsx_text(path: Path) -> str:
    wb = load_workbook(path)
    return "\n".join(
        str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value
    )


def report_texts(folder: Path) -> dict[str, str]:
    out = {}
    for f in sorted(folder.iterdir()):
        if f.suffix == ".html":
            out[f.name] = html_text(f)
        elif f.suffix == ".docx":
            out[f.name] = docx_text(f)
        elif f.suffix == ".xlsx":
            out[f.name] = xlsx_text(f)
    return out


@pytest.fixture(scope="module")
def demo_reports(checkup_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cite")
    ck = CheckupFolder.read(checkup_dir)
    for cid in sorted(set(pick_circles(ck.result).values())):
        render_circle_report(ck, cid, out)
        render_circle_report(ck, cid, out, lang="en")
    render_district_report(ck, out)
    render_district_report(ck, out, lang="en")
    return out


def _ids(result: CheckupResult) -> set[str]:
    cat = load_catalogue(result.catalogue.id)
    return {i.id for i in cat.indicators}


def test_no_provenance_notes_or_internal_ids_in_any_report(demo_reports, demo_checkup):
    texts = report_texts(demo_reports)
    assert len(texts) >= 12  # html, docx, xlsx of three circles and the district, zh + en
    ids = _ids(demo_checkup)
    id_pattern = re.compile(
        r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, ids)) + r")(?![A-Za-z0-9_])"
    )
    for name, text in texts.items():
        low = text.lower()
        for word in FORBIDDEN:
            assert word.lower() not in low, (name, word)
        found = id_pattern.search(text)
        assert found is None, (name, found and found.group(0))


def test_sources_are_cited_by_document_and_clause(demo_reports, demo_checkup):
    cid = pick_circles(demo_checkup)["none"]
    doc = Document(str(demo_reports / f"{cid}.docx"))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "指标")
    col = [c.text for c in table.rows[0].cells].index("依据")
    cells = {r.cells[0].text: r.cells[col].text for r in table.rows[1:]}
    circle = demo_checkup.circle(cid)
    for ind in circle.indicators:
        cited = cells[ind.name_zh]
        assert cited.startswith(ind.source), (ind.id, cited)
        assert ("暂定（未核实）" in cited) is (not ind.verified), (ind.id, cited)
    # the plan's clause, and the unverified mark on a provisional threshold
    nursery = circle.indicator("cs_nursery_15min")
    assert cells[nursery.name_zh] == "雨政办发〔2023〕20号 五(一)2；暂定（未核实）"
    green = circle.indicator("gd_public_green_per_capita")
    assert cells[green.name_zh] == "GB 50180-2018 表4.0.4"
    english = Document(str(demo_reports / f"{cid}.en.docx"))
    text = "\n".join(c.text for t in english.tables for r in t.rows for c in r.cells)
    assert "雨政办发〔2023〕20号 五(一)2; provisional (not verified)" in text


def test_grade_reasons_name_indicators_not_ids(demo_checkup):
    failing = next(c for c in demo_checkup.circles if c.grade == "NONE")
    assert "未达AA型" in failing.grade_reason
    assert not any(f"（{i}）" in failing.grade_reason for i in _ids(demo_checkup))


def test_national_2020_grades_carry_the_provisional_notice(tmp_path):
    # national-2020's AA/AAA rule is this software's own and most radii are recalled
    root = write_package(tmp_path / "d")
    out = checkup_of(root, tmp_path / "ck", catalogue="national-2020")
    result = CheckupResult.read(out)
    assert result.catalogue.provisional and result.catalogue.notice_zh
    render_district_report(out, tmp_path / "r", formats="docx,html,xlsx")
    notice = result.catalogue.notice_zh
    assert notice in docx_text(tmp_path / "r" / "district.docx")
    assert notice in html_text(tmp_path / "r" / "district.html")
    assert notice in xlsx_text(tmp_path / "r" / "district.xlsx")
    meta = Document(str(tmp_path / "r" / "district.docx")).tables[0]
    assert "（暂行）" in meta.rows[0].cells[1].text
