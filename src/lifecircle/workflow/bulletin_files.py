"""The bulletin's files: a Word document laid out after GB/T 9704-2012, and an Excel workbook.

``render_docx`` lays the bulletin out as an official document (``reports.gongwen``): 版头
with the issuing office and 期号, title, 主送, body with its tables, praise and criticism with
the 督办整改 deadline, the 督办 records of earlier bulletins still open, 落款 and 版记.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from lifecircle.workflow import config


def title(data: dict) -> str:
    y, m = data["period"].split("-")
    return f"{data['district']}“绿色完整”居住社区创建工作通报（{y}年{int(m)}月）"


_UNIT_HEAD = [
    "责任单位",
    "牵头项目",
    "到期项目",
    "按期完成",
    "逾期完成",
    "逾期未完成",
    "推进中",
    "投资（万元）",
]
_STREET_HEAD = [
    "街道",
    "年度目标",
    "按期达标",
    "逾期达标",
    "未按期达标",
    "存在风险",
    "正常推进",
    "逾期项目",
]
_TARGET_HEAD = ["生活圈", "名称", "街道", "圈长", "目标等级", "完成时限", "状态", "说明"]
_OVERDUE_HEAD = [
    "项目编号",
    "项目名称",
    "生活圈",
    "街道",
    "圈长",
    "牵头单位",
    "原定完成",
    "逾期天数",
    "状态",
    "进度%",
]


def _unit_cells(r):
    return [
        r["unit"],
        r["projects"],
        r["due"],
        r["on_time"],
        r["late"],
        r["overdue"],
        r["pending"],
        round(r["budget_yuan"] / 10000, 1),
    ]


def _street_cells(r):
    return [
        r["street"],
        r["targets"],
        r["met"],
        r["met_late"],
        r["missed"],
        r["at_risk"],
        r["on_track"],
        r["overdue_projects"],
    ]


def _target_cells(t):
    return [
        t["circle"],
        t["circle_name"],
        t["street"],
        t.get("leader", ""),
        config.GRADE_ZH[t["grade"]],
        t["due"],
        t["state_zh"],
        t["reason"],
    ]


def _overdue_cells(o):
    return [
        o["code"],
        o["name"],
        f"{o['circle']} {o['circle_name']}",
        o["street"],
        o.get("leader", ""),
        o["unit"],
        o["due"],
        o["days_late"],
        o["status"],
        o["progress"],
    ]


_SUPERVISION_HEAD = ["督办对象", "事由", "通报期次", "整改时限", "状态", "跟进情况"]


def _who(p: dict) -> str:
    """The praised or criticised, with the street's 副总圈长 when there is one."""
    return str(p["who"]) + (f"（副总圈长：{p['leader']}）" if p.get("leader") else "")


def _supervision_cells(r: dict) -> list:
    return [
        r["target"] + (f"（{r['person']}）" if r.get("person") else ""),
        r["reason"],
        r["issue"],
        r["deadline"],
        r["state_zh"],
        "；".join(r["notes"]) or "—",
    ]


def _settings(data: dict) -> dict:
    """Masthead and imprint of ``data``; defaults from ``bulletin.yaml`` for a bulletin built
    but not published (no 期号 yet)."""
    s = config.bulletin_settings(data["district"])
    for k in ("issuer", "recipients", "copy_to", "printer", "date_style"):
        s[k] = data.get(k) or s.get(k)
    s["issue"] = (data.get("issue") or {}).get("text", "")
    s["issued_on"] = date.fromisoformat(data.get("issued_on") or data["as_of"])
    return s


def render_docx(data: dict, path: str | os.PathLike) -> Path:
    """The bulletin as an official document (GB/T 9704-2012 layout, Chinese fonts, A4)."""
    from lifecircle.io.writers import write_atomic
    from lifecircle.reports.gongwen import Imprint, OfficialDocument, format_date

    st = _settings(data)
    doc = OfficialDocument(
        title=title(data),
        subject=data["district"],
        author=st["issuer"],
        when=st["issued_on"],
        keywords=f"通报 {data['period']} {st['issue']}",
    )
    doc.masthead(st["issuer"], st["issue"])
    doc.title(title(data))
    doc.recipients(st["recipients"])
    if data.get("notice"):
        doc.paragraph(f"【{data['notice']}】")
    s = data["summary"]
    doc.paragraph(
        f"截至{_zh_date(data['as_of'])}，全区共有补短板项目{s['projects']}个，其中按期完成"
        f"{s['on_time']}个、逾期完成{s['late']}个、逾期未完成{s['overdue']}个、正常推进"
        f"{s['pending']}个。{data['year']}年度创建目标{s['targets']}个，已达标"
        f"{s['targets_met']}个，存在风险{s['targets_at_risk']}个，未按期达标"
        f"{s['targets_missed']}个。现将有关情况通报如下。"
    )
    doc.table(
        ["目标", "要求", "已铺排", "已达标"],
        [[t["label"], t["required"], t["planned"], t["achieved"]] for t in data["totals"]],
        heading="一、全区创建目标",
        numeric=(1, 2, 3),
    )
    n = 2
    sections = [
        (f"{data['year']}年度创建目标完成情况", _TARGET_HEAD, data["targets"], _target_cells,
         (0, 5), ()),
        ("各责任单位项目推进情况", _UNIT_HEAD, data["units"], _unit_cells, (), range(1, 8)),
        ("各街道推进情况", _STREET_HEAD, data["streets"], _street_cells, (), range(1, 8)),
    ]  # fmt: skip
    for heading, head, items, cells, nowrap, numeric in sections:
        text = f"{_NUMERALS[n]}、{heading}"
        if items:
            doc.table(head, [cells(x) for x in items], heading=text, nowrap=nowrap,
                      numeric=numeric)  # fmt: skip
        else:
            doc.heading(text)
            doc.paragraph("无。")
        n += 1
    # the list of overdue projects is long: it is the attachment, the body counts them
    doc.heading(f"{_NUMERALS[n]}、逾期未完成项目")
    if data["overdue"]:
        by_unit: dict[str, int] = {}
        for o in data["overdue"]:
            by_unit[o["unit"]] = by_unit.get(o["unit"], 0) + 1
        parts = "、".join(f"{u}{k}个" for u, k in sorted(by_unit.items(), key=lambda x: -x[1]))
        doc.paragraph(
            f"截至{_zh_date(data['as_of'])}，逾期未完成项目共{len(data['overdue'])}个，"
            f"其中{parts}，清单见附件。"
        )
    else:
        doc.paragraph("无。")
    n += 1
    doc.heading(f"{_NUMERALS[n]}、通报表扬")
    for p in data["praised"] or [{"who": "无", "why": ""}]:
        doc.paragraph(f"{_who(p)}：{p['why']}。" if p["why"] else f"{p['who']}。")
    n += 1
    doc.heading(f"{_NUMERALS[n]}、通报批评")
    for p in data["criticised"] or [{"who": "无", "why": ""}]:
        if not p["why"]:
            doc.paragraph(f"{p['who']}。")
            continue
        due = f"，请于{_zh_date(p['deadline'])}前整改到位" if p.get("deadline") else ""
        doc.paragraph(f"{_who(p)}：{p['why']}{due}。")
    n += 1
    if data.get("supervision"):
        doc.table(
            _SUPERVISION_HEAD,
            [_supervision_cells(r) for r in data["supervision"]],
            heading=f"{_NUMERALS[n]}、前期督办整改事项",
            nowrap=(2, 3, 4),
        )
    closing = [
        doc.paragraph(
            "请受到通报批评的单位对照问题督办整改，按期报送整改情况；各部门要紧盯目标、"
            "责任上肩、密切配合，确保年度创建任务按期完成。"
        )
    ]
    if data.get("catalogue"):
        closing.append(doc.paragraph(f"（体检指标体系：{data['catalogue']}）"))
    for p in closing:  # the signature never stands on a page of its own
        p.paragraph_format.keep_with_next = True
    if data["overdue"]:
        doc.attachment_note([OVERDUE_ATTACHMENT])
    doc.signature(st["issuer"], format_date(st["issued_on"], st["date_style"]))
    if data["overdue"]:
        doc.attachment(
            "附件",
            OVERDUE_ATTACHMENT,
            _OVERDUE_HEAD,
            [_overdue_cells(o) for o in data["overdue"]],
            nowrap=(0, 6),
            numeric=(7, 9),
        )
    doc.imprint(Imprint(copy_to=st["copy_to"], printer=st["printer"], printed_on=st["issued_on"]))
    return write_atomic(path, doc.save)


_NUMERALS = "〇一二三四五六七八九十"
OVERDUE_ATTACHMENT = "逾期未完成项目清单"


def _zh_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def render_xlsx(data: dict, path: str | os.PathLike) -> Path:
    """The bulletin as an Excel workbook, one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from lifecircle.io.writers import write_atomic

    wb = Workbook()
    ws = wb.active
    ws.title = "总体情况"
    ws.append([title(data)])
    ws["A1"].font = Font(bold=True, size=14)
    if data.get("notice"):
        ws.append([data["notice"]])
    if data.get("issue"):
        ws.append(["期号", data["issue"]["text"]])
        ws.append(["发文机关", data.get("issuer", "")])
        ws.append(["成文日期", data.get("issued_on", "")])
    ws.append(["截至", data["as_of"]])
    labels = {
        "projects": "项目总数",
        "on_time": "按期完成",
        "late": "逾期完成",
        "overdue": "逾期未完成",
        "pending": "正常推进",
        "targets": "年度目标",
        "targets_met": "已达标",
        "targets_at_risk": "存在风险",
        "targets_missed": "未按期达标",
    }
    for k, v in data["summary"].items():
        ws.append([labels[k], v])
    ws.append([])
    ws.append(["目标", "要求", "已铺排", "已达标"])
    for t in data["totals"]:
        ws.append([t["label"], t["required"], t["planned"], t["achieved"]])

    def sheet(name, head, rows):
        w = wb.create_sheet(name)
        w.append(head)
        for cell in w[1]:
            cell.font = Font(bold=True)
        for r in rows:
            w.append(r)

    sheet("年度目标", _TARGET_HEAD, [_target_cells(t) for t in data["targets"]])
    sheet("责任单位", _UNIT_HEAD, [_unit_cells(r) for r in data["units"]])
    sheet("街道", _STREET_HEAD, [_street_cells(r) for r in data["streets"]])
    sheet("逾期项目", _OVERDUE_HEAD, [_overdue_cells(o) for o in data["overdue"]])
    sheet(
        "表扬与批评",
        ["类别", "对象", "副总圈长", "事由", "整改时限"],
        [["通报表扬", p["who"], p.get("leader", ""), p["why"], ""] for p in data["praised"]]
        + [
            ["通报批评", p["who"], p.get("leader", ""), p["why"], p.get("deadline", "")]
            for p in data["criticised"]
        ],
    )
    if data.get("supervision"):
        sheet(
            "前期督办整改",
            ["编号", *_SUPERVISION_HEAD],
            [[r["id"], *_supervision_cells(r)] for r in data["supervision"]],
        )
    return write_atomic(path, wb.save)
