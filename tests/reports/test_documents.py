"""Word, Excel and HTML reports read back with their own libraries, on real checkups."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from docx import Document
from openpyxl import load_workbook

from checkup_fixtures import checkup_of, handbuilt_checkup_of
from handbuilt_district import write_package
from lifecircle.checkup import CheckupFolder
from lifecircle.reports import render_circle_report, render_district_report

from .conftest import pick_circles


@pytest.fixture(scope="module")
def roles(demo_checkup) -> dict[str, str]:
    return pick_circles(demo_checkup)


@pytest.fixture(scope="module")
def reports(checkup_dir, roles, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    ck = CheckupFolder.read(checkup_dir)
    for cid in sorted(set(roles.values())):
        render_circle_report(ck, cid, out)
    render_district_report(ck, out)
    return out


def _docx_text(path: Path) -> tuple[list[str], list[str], list]:
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    body = [p.text for p in doc.paragraphs]
    return headings, body, doc.tables


def test_fixtures_have_every_grade(handbuilt_checkup, demo_checkup):
    grades = {c.id: c.grade for c in handbuilt_checkup.circles}
    assert grades == {"C1": "NONE", "C2": "AAA", "C3": "AA"}
    assert {c.grade for c in demo_checkup.circles} == {"NONE", "AA", "AAA"}


def test_circle_docx_sections_tables_and_chinese(reports, demo_checkup, roles):
    cid = roles["none"]
    headings, body, tables = _docx_text(reports / f"{cid}.docx")
    assert headings[0].startswith("雨花区一刻钟生活圈专项体检报告")
    for h in ("一、概况", "二、指标评价", "三、短板清单", "四、补短板建议", "五、附图"):
        assert h in headings
    assert "示例数据：几何为生成数据" in body[1]  # right under the title
    run = demo_checkup.run
    # the catalogue's own provisional notice, and the note that the circles are generated
    assert run.catalogue.notice_zh in body
    assert any(t.startswith("生活圈划分说明：") and run.circles_note in t for t in body)
    c = demo_checkup.circle(cid)
    meta = {r.cells[0].text: r.cells[1].text for r in tables[0].rows}
    assert meta["数据指纹"] == run.input_hash
    assert "lifecircle 0.1.0" in meta["软件版本"]
    assert "暂行" in meta["指标体系"]
    # indicator table: one row per indicator with pass/fail, responsible units, evidence
    ind = tables[2]
    head = [x.text for x in ind.rows[0].cells]
    assert head[:6] == ["指标", "类别", "现状值", "标准值", "评价", "责任单位"]
    assert len(ind.rows) == 1 + len(c.indicators)
    by_name = {r.cells[0].text: r for r in ind.rows[1:]}
    for i in c.indicators:
        row = by_name[i.name_zh]
        want = {"pass": "达标", "fail": "未达标", "missing": "缺数据"}[i.status]
        assert row.cells[4].text == want
        assert row.cells[5].text == ("、".join(i.responsible_units) or "—")
        for extra in (i.evidence, i.note):
            if extra:
                assert extra in row.cells[6].text
    # shortfall table: failing ones name the affected compounds; missing ones do not
    sf = tables[4]  # after the indicators and the six places
    assert len(sf.rows) == 1 + len(c.shortfalls)
    first = next(s for s in c.shortfalls if s.status == "fail" and s.affected_compounds)
    top = max(first.affected_compounds, key=lambda a: a.population)
    row = next(r for r in sf.rows if r.cells[0].text == first.name_zh)
    assert row.cells[1].text == "未达标"
    assert top.name in row.cells[6].text
    assert row.cells[5].text == f"{first.affected_population:,.0f}"
    for s in c.shortfalls:
        if s.status == "missing":
            r = next(r for r in sf.rows if r.cells[0].text == s.name_zh)
            assert (r.cells[1].text, r.cells[5].text) == ("缺数据", "—")
    # residents are counted once, however many indicators they fail
    summary = next(t for t in body if t.startswith("共有"))
    n_fail = sum(1 for s in c.shortfalls if s.status == "fail")
    pop = sum(
        {
            a.id: a.population
            for s in c.shortfalls
            if s.status == "fail"
            for a in s.affected_compounds
        }.values()
    )
    assert summary.startswith(f"共有 {n_fail} 项指标未达标，涉及 {pop:,.0f} 名居民")
    assert pop <= c.population
    # suggestions name the responsible units; two maps
    assert any("建议补充" in t for t in body)
    assert any("责任单位：" in t for t in body)
    assert len(Document(str(reports / f"{cid}.docx")).inline_shapes) == 2


def test_circle_without_shortfalls_says_so(handbuilt_checkup_dir, handbuilt_checkup, tmp_path):
    assert handbuilt_checkup.circle("C2").shortfalls == []  # AAA, every indicator passes
    render_circle_report(handbuilt_checkup_dir, "C2", tmp_path, formats="docx")
    _headings, body, tables = _docx_text(tmp_path / "C2.docx")
    assert "本生活圈各项指标均已达标，无短板。" in body
    assert any("AAA型" in r.cells[1].text for r in tables[1].rows)


def test_district_docx(reports, demo_checkup):
    headings, body, tables = _docx_text(reports / "district.docx")
    assert headings[0] == "雨花区一刻钟生活圈专项体检：全区汇总报告"
    for h in ("二、生活圈评级分布图", "三、生活圈约束性指标达标情况", "四、创建目标完成情况"):
        assert h in headings
    matrix = next(t for t in tables if t.rows[0].cells[0].text == "编号")
    assert len(matrix.rows) == 1 + len(demo_checkup.circles) == 50
    assert {r.cells[2].text for r in matrix.rows[1:]} == {"未达标", "AA型", "AAA型"}
    assert set("".join(c.text for r in matrix.rows[1:] for c in r.cells[3:])) <= {"✓", "✗", "?"}
    # constraint indicators are numbered in the header and named in the legend above it
    n_cons = len(matrix.rows[0].cells) - 3
    assert [c.text for c in matrix.rows[0].cells[3:]] == [str(n) for n in range(1, n_cons + 1)]
    assert any(t.startswith("1 = 步行15分钟可达幼儿园人口覆盖率") for t in body)
    targets = next(t for t in tables if t.rows[0].cells[0].text == "目标")
    labels = [r.cells[0].text for r in targets.rows[1:]]
    assert "达到AA型标准的生活圈（含AAA型）" in labels
    row25 = next(r for r in targets.rows if r.cells[0].text.startswith("达到AA型"))
    assert row25.cells[1].text == "2025-12-31" and row25.cells[2].text == "≥ 25"
    grades = demo_checkup.summary["grades"]
    assert row25.cells[3].text == str(grades["AA"] + grades["AAA"])
    assert any(x == "2023年新增AA型（2023-09-30前完成）" for x in labels)
    assert any(x == "2024年新增AAA型（2024-10-31前完成）" for x in labels)
    dind = next(t for t in tables if "完成时限" in [c.text for c in t.rows[0].cells][4:5])
    names = {r.cells[0].text: r for r in dind.rows[1:]}
    assert len(names) == len(demo_checkup.district_indicators)
    for i in demo_checkup.district_indicators:
        assert names[i.name_zh].cells[4].text == (i.deadline or "—")


def test_district_targets_against_dates(tmp_path):
    # the hand-built district as 雨花区, run on 2025-06-15 with no data date: the run date
    # stands in, so 2024's quota (due 2024-09-30) is a past year, not judged by this checkup
    d = handbuilt_checkup_of(
        tmp_path, name="雨花区", admin_code="430111", day=datetime(2025, 6, 15, tzinfo=UTC)
    )
    render_district_report(d, tmp_path / "r", formats="docx")
    _h, _body, tables = _docx_text(tmp_path / "r" / "district.docx")
    targets = next(t for t in tables if t.rows[0].cells[0].text == "目标")
    row25 = next(r for r in targets.rows if r.cells[0].text.startswith("达到AA型"))
    assert row25.cells[3].text == "2"  # C2 AAA + C3 AA
    assert row25.cells[4].text == "本次体检测算尚未满足"
    row24 = next(r for r in targets.rows if r.cells[0].text.startswith("2024年新增AA型"))
    assert (row24.cells[3].text, row24.cells[4].text) == ("—", "历史年度，以评定验收记录为准")
    row22 = next(r for r in targets.rows if r.cells[0].text.startswith("2022年"))
    assert (row22.cells[1].text, row22.cells[4].text) == ("2022-12-31", "方案载明已完成")
    row25_new = next(r for r in targets.rows if r.cells[0].text.startswith("2025年新增AA型"))
    assert row25_new.cells[4].text == "本次体检测算尚未满足"  # 2025-09-30 is still ahead
    meta = next(t for t in tables if t.rows[0].cells[0].text == "指标体系")
    dates = {r.cells[0].text: r.cells[1].text for r in meta.rows}
    assert dates["数据日期"] == "未给出（以体检日期 2025-06-15 计）"


def test_targets_are_judged_as_of_the_data_date(tmp_path):
    # the same district run on 2025-06-15 on data of 2024-06-30: 2024's quota is judged by
    # this checkup (due after the data date), 2023's is a past year
    root = write_package(tmp_path / "d", name="雨花区", admin_code="430111")
    (root / "district.yaml").write_text(
        (root / "district.yaml").read_text("utf-8") + "data_date: 2024-06-30\n", "utf-8"
    )
    d = checkup_of(root, tmp_path / "ck", day=datetime(2025, 6, 15, tzinfo=UTC))
    render_district_report(d, tmp_path / "r", formats="docx,xlsx")
    _h, _b, tables = _docx_text(tmp_path / "r" / "district.docx")
    targets = next(t for t in tables if t.rows[0].cells[0].text == "目标")
    status = {r.cells[0].text[:10]: r.cells[4].text for r in targets.rows[1:]}
    assert status["2023年新增AA型"] == "历史年度，以评定验收记录为准"
    assert status["2024年新增AA型"] == "本次体检测算尚未满足"
    meta = next(t for t in tables if t.rows[0].cells[0].text == "指标体系")
    dates = {r.cells[0].text: r.cells[1].text for r in meta.rows}
    assert (dates["数据日期"], dates["体检日期"]) == ("2024-06-30", "2025-06-15")
    ws = load_workbook(tmp_path / "r" / "district.xlsx")["创建目标"]
    cells = {r[0].value: (r[4].value, r[5].value) for r in ws.iter_rows(min_row=2) if r[0].value}
    assert cells["2023年新增AA型（2023-09-30前完成）"] == ("—", "历史年度，以评定验收记录为准")


def test_target_rows_never_judge_past_years_by_a_later_checkup():
    from lifecircle.reports.plan import target_rows
    from lifecircle.standards import load_plan

    plan = load_plan("yuhua-2023-2025")
    counts = {"NONE": 0, "AA": 14, "AAA": 6}  # 20 at AA standard, 6 AAA
    mid_2024 = {
        r.target.id: (r.status, r.current) for r in target_rows(plan, counts, date(2024, 6, 30))
    }
    assert mid_2024["aa_2022"] == ("plan_done", None)
    assert mid_2024["aa_2023"] == ("history", None) and mid_2024["aaa_2023"] == ("history", None)
    assert mid_2024["aa_2024"] == ("met", 20) and mid_2024["aaa_2024"] == ("met", 6)
    assert mid_2024["aa_2025"] == ("open", 20) and mid_2024["aa_total"] == ("open", 20)
    # the same counts in a checkup of 2025 data: 2024 is history, never "met" by it
    mid_2025 = {r.target.id: r.status for r in target_rows(plan, counts, date(2025, 6, 30))}
    assert mid_2025["aa_2024"] == mid_2025["aaa_2024"] == "history"
    assert {r.status for r in target_rows(plan, counts, date(2026, 1, 5))} <= {
        "plan_done",
        "history",
    }


def test_circle_xlsx(reports, demo_checkup, roles):
    cid = roles["none"]
    wb = load_workbook(reports / f"{cid}.xlsx")
    assert wb.sheetnames == [
        "概况", "指标评价", "短板清单", "补短板建议", "六位", "小区步行距离", "设施",
    ]  # fmt: skip
    ov = wb["概况"]
    assert ov["A2"].value == "示例数据：几何为生成数据"
    assert ov["A4"].value.startswith("生活圈划分说明")
    ws = wb["指标评价"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:4] == ["序号", "指标", "类别", "现状值"]  # no internal ids
    assert {"责任单位", "佐证/备注"} <= set(header)
    c = demo_checkup.circle(cid)
    failing = next(i for i in c.indicators if i.status == "fail" and i.value is not None)
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == failing.name_zh)
    assert row[3].value == pytest.approx(failing.value) and row[3].number_format == "#,##0.00"
    assert row[6].value == "未达标" and row[6].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.column_dimensions["B"].width > 15
    manual = next(i for i in c.indicators if i.note or i.evidence)
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == manual.name_zh)
    assert (manual.note or manual.evidence) in row[header.index("佐证/备注")].value
    comp = wb["小区步行距离"]
    header = [c.value for c in comp[1]]
    assert header[:4] == ["ID", "小区", "社区", "常住人口（人）"]
    assert "幼儿园（米）" in header
    assert comp.max_row == 1 + c.compound_count
    fac = wb["设施"]
    assert fac.max_row > 5 and {c.value for c in fac[1]} >= {"设施编号", "设施名称", "类别"}


def test_unreachable_compound_says_so(tmp_path):
    # K5 stands beside a street piece joined to nothing: no walk reaches a kindergarten
    d = handbuilt_checkup_of(tmp_path, island=True)
    render_circle_report(d, "C3", tmp_path / "r", formats="xlsx,html")
    wb = load_workbook(tmp_path / "r" / "C3.xlsx")
    comp = wb["小区步行距离"]
    header = [c.value for c in comp[1]]
    col = header.index("幼儿园（米）") + 1
    by_name = {comp.cell(row=r, column=2).value: r for r in range(2, comp.max_row + 1)}
    assert comp.cell(row=by_name["戊小区"], column=col).value == "不可达"
    assert comp.cell(row=by_name["丁小区"], column=col).value == pytest.approx(330, abs=1)
    # the shortfall lists K5 as unreachable too (null nearest_m in checkup.json)
    sf = wb["短板清单"]
    assert any(r[-3].value == "戊小区" and r[-1].value == "不可达" for r in sf.iter_rows(min_row=2))
    assert "不可达" in (tmp_path / "r" / "C3.html").read_text("utf-8")


def test_district_xlsx(reports):
    wb = load_workbook(reports / "district.xlsx")
    assert wb.sheetnames == ["概况", "生活圈", "约束性指标", "创建目标", "全区指标", "六位"]
    m = wb["约束性指标"]
    assert m.freeze_panes == "D2"
    assert m.max_row == 50
    assert m["D2"].value.split()[0] in ("达标", "未达标", "缺数据")
    t = wb["创建目标"]
    assert any("雨政办发〔2023〕20号" in str(c.value) for c in t["A"])


def test_english_reports(checkup_dir, demo_checkup, roles, tmp_path):
    cid = roles["none"]
    files = render_circle_report(checkup_dir, cid, tmp_path, lang="en")
    assert [f.name for f in files] == [
        f"{cid}.en.html",
        f"{cid}.en.docx",
        f"{cid}.en.xlsx",
        "NotoSansCJKsc-subset.woff",  # the page's CJK font, once for the folder
        "OFL.txt",
    ]
    from datetime import date as _date

    from docx import Document

    props = Document(str(tmp_path / f"{cid}.en.docx")).core_properties
    assert props.author == "lifecircle" and props.subject == demo_checkup.district_name
    assert props.created.date() == _date.today() and props.title.endswith(
        demo_checkup.circle(cid).name
    )
    assert "python-docx" not in (props.author, props.last_modified_by)
    again = render_circle_report(checkup_dir, cid, tmp_path, lang="en", formats="html")
    assert [f.name for f in again] == [f"{cid}.en.html"]  # the font there covers it already
    headings, body, _ = _docx_text(tmp_path / f"{cid}.en.docx")
    assert "2. Indicators" in headings and "3. Shortfalls" in headings
    # the Chinese notice stays, with its translation
    assert "示例数据：几何为生成数据 — Sample data: geometry is generated" in body
    # the catalogue's English notice
    assert demo_checkup.catalogue.notice_en in body
    wb = load_workbook(tmp_path / f"{cid}.en.xlsx")
    assert wb.sheetnames[1] == "Indicators"


def test_html_is_self_contained(reports, roles):
    html = (reports / f"{roles['none']}.html").read_text("utf-8")
    assert "示例数据：几何为生成数据" in html and 'id="generated-notice"' in html
    # no external resources: no src= / href= pointing anywhere, no CSS url() to files
    markup = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert markup.count("<script") == 0 and html.count("<script>") == 4
    assert not re.search(r"<(link|img|iframe)\b", markup)
    assert not re.search(r"url\((?!data:|#|['\"]?data:)[^)]*\)", html.split("</style>")[0])
    assert "L.map" in html and "echarts.init" in html
    for sec in ("一、概况", "二、指标评价", "三、短板清单", "四、补短板建议", "五、附图"):
        assert sec in html


def test_html_map_data_from_the_real_checkup(reports, demo_checkup, roles):
    """Service areas and facilities of the failing coverage categories reach the page."""
    cid = roles["none"]
    html = (reports / f"{cid}.html").read_text("utf-8")
    data = json.loads(re.search(r"var REPORT = (.*?);\n</script>", html, re.S).group(1))
    c = demo_checkup.circle(cid)
    cov = [
        cat
        for s in c.shortfalls
        if s.status == "fail" and c.indicator(s.indicator_id).kind == "coverage"
        for cat in s.facility_categories
    ]
    assert cov and set(data["service_areas"]) <= set(cov)
    assert data["service_areas"], "service_areas.gpkg is drawn"
    area = next(iter(data["service_areas"].values()))
    assert area["geojson"]["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # the first option of the map is a failing category, and its facilities are on the page
    assert data["distance_categories"][0]["id"] == cov[0]
    assert len(data["compounds"]) == c.compound_count
    cats = {f[3] for f in data["facilities"]}
    assert cov[0] in cats and len(cats) > 5


def test_no_generated_notice_on_real_data(handbuilt_checkup_dir, tmp_path):
    # the hand-built district: real (not generated) geometry, an official catalogue
    out = render_circle_report(handbuilt_checkup_dir, "C1", tmp_path / "r", formats="html,docx")
    html = out[0].read_text("utf-8")
    assert "示例数据" not in html and "暂行指标体系" not in html
    _, body, _ = _docx_text(out[1])
    assert not any("示例数据" in t for t in body)


def test_mirror_string_never_shipped(tmp_path):
    # a catalogue copied from the mirror's text carries its string into the checkup itself
    junk = "\u548c\u8bb0AG"
    package = write_package(tmp_path / "district")
    cat = yaml.safe_load((package / "catalogue.yaml").read_text("utf-8"))
    cat["indicators"][0]["name_zh"] = f"区人民{junk}常务会议审议的幼儿园覆盖率"
    for ind in cat["indicators"]:
        ind["source"] = f"长沙市雨花区人民{junk}办公室"
    (package / "catalogue.yaml").write_text(yaml.safe_dump(cat, allow_unicode=True), "utf-8")
    d = checkup_of(package, tmp_path / "checkup")
    assert junk in (d / "checkup.json").read_text("utf-8")  # the engine passes text through
    files = render_circle_report(d, "C1", tmp_path / "r") + render_district_report(
        d, tmp_path / "r"
    )
    for f in files:
        if f.suffix in (".html", ".txt"):
            text = f.read_text("utf-8")
        elif f.suffix == ".woff":
            continue  # glyphs only
        else:
            with zipfile.ZipFile(f) as z:
                text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        assert junk not in text, f
    html = files[0].read_text("utf-8")
    assert "区人民政府常务会议审议的幼儿园覆盖率" in html
    assert "长沙市雨花区人民政府办公室" in html


def test_unknown_circle_and_format(checkup_dir, tmp_path):
    from lifecircle.errors import InputError

    with pytest.raises(InputError, match="C99"):
        render_circle_report(checkup_dir, "C99", tmp_path)
    with pytest.raises(ValueError, match="pdf"):
        render_circle_report(checkup_dir, "C01", tmp_path, formats="pdf")
    assert list(tmp_path.iterdir()) == []


def test_missing_checkup_json(tmp_path):
    from lifecircle.errors import InputError

    with pytest.raises(InputError, match=r"没有找到 checkup\.json"):
        CheckupFolder.read(tmp_path)
    with pytest.raises(InputError, match="找不到体检结果文件夹"):
        render_circle_report(tmp_path / "nowhere", "C1", tmp_path)


def test_numbers_keep_the_digits_that_decide_pass_or_fail():
    from lifecircle.reports.context import fmt_num, fmt_value

    # 99.97 % against 99.95 % must not both read "100.0%"
    assert fmt_value(99.97, "%") == "99.97%" and fmt_value(99.95, "%") == "99.95%"
    assert fmt_value(18.2, "%") == "18.2%"
    assert fmt_num(1264895.0) == "1,264,895" and fmt_num(None) == "—"
    assert fmt_value(0.0, "个") == "0 个"
