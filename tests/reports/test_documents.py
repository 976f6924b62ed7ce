"""Word, Excel and HTML reports read back with their own libraries."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from lifecircle.reports import load_checkup, render_circle_report, render_district_report

from .conftest import build_checkup, circle_grades


@pytest.fixture(scope="module")
def reports(checkup_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    ck = load_checkup(checkup_dir)
    for cid in ck.circle_ids():
        render_circle_report(ck, cid, out)
    render_district_report(ck, out)
    return out


def _docx_text(path: Path) -> tuple[list[str], list[str], list]:
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    body = [p.text for p in doc.paragraphs]
    return headings, body, doc.tables


def test_fixture_has_every_grade(checkup_dir):
    assert circle_grades(checkup_dir) == {"C01": "NONE", "C02": "AA", "C03": "AAA", "C04": "AA"}


def test_circle_docx_sections_tables_and_chinese(reports, checkup_dir):
    headings, body, tables = _docx_text(reports / "C01.docx")
    assert headings[0].startswith("雨花区一刻钟生活圈专项体检报告")
    for h in ("一、概况", "二、指标评价", "三、短板清单", "四、补短板建议", "五、附图"):
        assert h in headings
    assert "示例数据：几何为生成数据" in body[1]  # right under the title
    assert any("暂行指标体系" in t for t in body)
    doc = json.loads((checkup_dir / "checkup.json").read_text("utf-8"))
    c01 = doc["circles"][0]
    # meta table states catalogue, hash, version, dates
    meta = {r.cells[0].text: r.cells[1].text for r in tables[0].rows}
    assert meta["数据指纹"] == doc["run"]["input_hash"]
    assert "lifecircle 0.1.0" in meta["软件版本"]
    assert "暂行" in meta["指标体系"]
    # indicator table: one row per indicator with pass/fail and verified
    ind = tables[2]
    assert [c.text for c in ind.rows[0].cells][:5] == ["指标", "类别", "现状值", "标准值", "评价"]
    assert len(ind.rows) == 1 + len(c01["indicators"])
    statuses = {r.cells[0].text: r.cells[4].text for r in ind.rows[1:]}
    for i in c01["indicators"]:
        assert (
            statuses[i["name_zh"]]
            == {"pass": "达标", "fail": "未达标", "missing": "缺数据"}[i["status"]]
        )
    # shortfall table names the affected compounds and residents
    sf = tables[3]
    assert len(sf.rows) == 1 + len(c01["shortfalls"])
    first = c01["shortfalls"][0]
    top = max(first["affected_compounds"], key=lambda a: a["population"])
    row = next(r for r in sf.rows if r.cells[0].text == first["name_zh"])
    assert top["name"] in row.cells[5].text
    assert row.cells[4].text == f"{first['affected_population']:,.0f}"
    # suggestions and two maps
    assert any(t.startswith("建议补充") or "建议补充" in t for t in body)
    assert len(Document(str(reports / "C01.docx")).inline_shapes) == 2


def test_circle_without_shortfalls_says_so(reports):
    _headings, body, tables = _docx_text(reports / "C03.docx")
    assert "本生活圈各项指标均已达标，无短板。" in body or any("缺少数据" in t for t in body)
    assert any("AAA型" in r.cells[1].text for r in tables[1].rows)


def test_district_docx(reports, checkup_dir):
    headings, _body, tables = _docx_text(reports / "district.docx")
    assert headings[0] == "雨花区一刻钟生活圈专项体检：全区汇总报告"
    for h in ("二、生活圈评级分布图", "三、生活圈约束性指标达标情况", "四、创建目标完成情况"):
        assert h in headings
    matrix = next(t for t in tables if t.rows[0].cells[0].text == "编号")
    assert len(matrix.rows) == 1 + 4
    assert {r.cells[2].text for r in matrix.rows[1:]} == {"未达标", "AA型", "AAA型"}
    assert set("".join(c.text for r in matrix.rows[1:] for c in r.cells[3:])) <= {"✓", "✗", "?"}
    targets = next(t for t in tables if t.rows[0].cells[0].text == "目标")
    labels = [r.cells[0].text for r in targets.rows[1:]]
    assert "达到AA型标准的生活圈（含AAA型）" in labels
    row25 = next(r for r in targets.rows if r.cells[0].text.startswith("达到AA型"))
    assert row25.cells[1].text == "2025-12-31" and row25.cells[2].text == "≥ 25"
    assert row25.cells[3].text == "3"  # 2 AA + 1 AAA in the fixture
    assert any(x == "2023年新增AA型（2023-09-30前完成）" for x in labels)
    assert any(x == "2024年新增AAA型（2024-10-31前完成）" for x in labels)
    # the fixture's checkup is of 2025-06-15: the 2024 quota of 20 AA is passed and not met
    row24 = next(r for r in targets.rows if r.cells[0].text.startswith("2024年新增AA型"))
    assert row24.cells[4].text == "未满足（已过时限）"
    dind = tables[-1]
    assert any(r.cells[0].text == "每千人口拥有3岁以下婴幼儿托位数" for r in dind.rows)
    assert all(r.cells[4].text == "2025-12-31" for r in dind.rows[1:])


def test_circle_xlsx(reports, checkup_dir):
    wb = load_workbook(reports / "C01.xlsx")
    assert wb.sheetnames == ["概况", "指标评价", "短板清单", "小区步行距离", "设施"]
    ov = wb["概况"]
    assert ov["A2"].value == "示例数据：几何为生成数据"
    ws = wb["指标评价"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]][:4] == ["指标编号", "指标", "类别", "现状值"]
    doc = json.loads((checkup_dir / "checkup.json").read_text("utf-8"))
    kg = doc["circles"][0]["indicators"][0]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == kg["id"])
    assert row[3].value == pytest.approx(kg["value"]) and row[3].number_format == "#,##0.00"
    assert row[6].value == "未达标" and row[6].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.column_dimensions["B"].width > 15
    comp = wb["小区步行距离"]
    header = [c.value for c in comp[1]]
    assert header[:4] == [
        "ID",
        "小区",
        "社区",
        "人口（人）".replace("人口（人）", "常住人口（人）"),
    ]
    assert "幼儿园（米）" in header
    n_comp = sum(1 for c in doc["circles"][0:1] for _ in range(c["compound_count"]))
    assert comp.max_row == 1 + n_comp
    # the compound with no walking route says so instead of a number
    col = header.index("社区卫生服务站（米）") + 1
    assert "不可达" in [comp.cell(row=r, column=col).value for r in range(2, comp.max_row + 1)]
    fac = wb["设施"]
    assert fac.max_row > 5 and {c.value for c in fac[1]} >= {"设施编号", "设施名称", "类别"}


def test_district_xlsx(reports):
    wb = load_workbook(reports / "district.xlsx")
    assert wb.sheetnames == ["概况", "生活圈", "约束性指标", "创建目标", "全区指标"]
    m = wb["约束性指标"]
    assert m.freeze_panes == "D2"
    assert m.max_row == 5
    assert m["D2"].value.split()[0] in ("达标", "未达标", "缺数据")
    t = wb["创建目标"]
    assert any("雨政办发〔2023〕20号" in str(c.value) for c in t["A"])


def test_english_reports(checkup_dir, tmp_path):
    files = render_circle_report(checkup_dir, "C01", tmp_path, lang="en")
    assert [f.name for f in files] == ["C01.en.html", "C01.en.docx", "C01.en.xlsx"]
    headings, body, _ = _docx_text(tmp_path / "C01.en.docx")
    assert "2. Indicators" in headings and "3. Shortfalls" in headings
    # the Chinese notice stays, with its translation
    assert "示例数据：几何为生成数据 — Sample data: geometry is generated" in body
    wb = load_workbook(tmp_path / "C01.en.xlsx")
    assert wb.sheetnames[1] == "Indicators"


def test_html_is_self_contained(reports):
    html = (reports / "C01.html").read_text("utf-8")
    assert "示例数据：几何为生成数据" in html and 'id="generated-notice"' in html
    # no external resources: no src= / href= pointing anywhere, no CSS url() to files
    markup = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert markup.count("<script") == 0 and html.count("<script>") == 4
    assert not re.search(r"<(link|img|iframe)\b", markup)
    assert not re.search(r"url\((?!data:|#|['\"]?data:)[^)]*\)", html.split("</style>")[0])
    assert "L.map" in html and "echarts.init" in html
    for sec in ("一、概况", "二、指标评价", "三、短板清单", "四、补短板建议", "五、附图"):
        assert sec in html


def test_no_generated_notice_on_real_data(tmp_path):
    d = build_checkup(tmp_path / "real", n_circles=2, generated=False, provisional=False)
    out = render_circle_report(d, "C01", tmp_path / "r", formats="html,docx")
    html = out[0].read_text("utf-8")
    assert "示例数据" not in html and "暂行指标体系" not in html
    _, body, _ = _docx_text(out[1])
    assert not any("示例数据" in t for t in body)


def test_mirror_string_never_shipped(tmp_path):
    d = build_checkup(tmp_path / "ck", n_circles=2)
    doc = json.loads((d / "checkup.json").read_text("utf-8"))
    doc["circles"][0]["grade_reason"] = "区人民和记AG常务会议审议通过"
    doc["district_indicators"][0]["source"] = "长沙市雨花区人民和记AG办公室"
    (d / "checkup.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    files = render_circle_report(d, "C01", tmp_path / "r") + render_district_report(
        d, tmp_path / "r"
    )
    for f in files:
        if f.suffix == ".html":
            text = f.read_text("utf-8")
        else:
            with zipfile.ZipFile(f) as z:
                text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        assert "和记AG" not in text, f
    assert "区人民政府常务会议审议通过" in files[0].read_text("utf-8")


def test_unknown_circle_and_format(checkup_dir, tmp_path):
    from lifecircle.errors import InputError

    with pytest.raises(InputError, match="C99"):
        render_circle_report(checkup_dir, "C99", tmp_path)
    with pytest.raises(ValueError, match="pdf"):
        render_circle_report(checkup_dir, "C01", tmp_path, formats="pdf")
    assert list(tmp_path.iterdir()) == []


def test_missing_checkup_json(tmp_path):
    from lifecircle.errors import InputError

    with pytest.raises(InputError, match=r"checkup\.json not found"):
        load_checkup(tmp_path)


def test_numbers_keep_the_digits_that_decide_pass_or_fail():
    from lifecircle.reports.context import fmt_num, fmt_value

    # 99.97 % against 99.95 % must not both read "100.0%"
    assert fmt_value(99.97, "%") == "99.97%" and fmt_value(99.95, "%") == "99.95%"
    assert fmt_value(18.2, "%") == "18.2%"
    assert fmt_num(1264895.0) == "1,264,895" and fmt_num(None) == "—"
    assert fmt_value(0.0, "个") == "0 个"
