"""Bulletins (通报): progress per unit and per street for a period, rendered to Word and Excel.

The plan's rule (六、(三)): units that work well and show results are praised; units whose
responsibility is not carried out, progress is slow or tasks are not met are criticised. Here:
- a unit is criticised when it leads an overdue project (open past its original due date);
- a unit is praised when it leads at least one project due by the period's end, all of those
  finished on time, and none is overdue;
- a street is criticised when a target of the year is missed or a project in its circles is
  overdue; praised when it met at least one target of the year on time and has neither.
The leaders answerable on the bulletin's day are named (圈长负责制): the 圈长 of each circle
in the targets, the overdue projects and the reasons, the 副总圈长 of each street praised or
criticised.
"""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import InputError
from lifecircle.store.models import Bulletin, CheckupRun, District, Project, Street, Unit
from lifecircle.workflow import config
from lifecircle.workflow.leaders import circle_leader_names, street_deputy_names
from lifecircle.workflow.projects import STATUS_ZH, timeliness
from lifecircle.workflow.schedule import check_totals, list_targets, target_state


def period_end(period: str) -> date:
    try:
        year, month = (int(x) for x in period.split("-"))
        return date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        raise InputError(
            f"period {period!r} is not YYYY-MM", field="period", fix="write the month as 2024-09"
        ) from None


def build(session: Session, period: str, *, today: date | None = None) -> dict:
    """The bulletin's content for ``period`` (YYYY-MM), judged on ``today`` (default: the
    period's last day). Plain data (JSON-ready), stored by ``publish``."""
    as_of = today or period_end(period)
    year = int(period[:4])
    district = session.scalar(select(District).limit(1))
    run = session.scalar(select(CheckupRun).order_by(CheckupRun.created_at.desc()).limit(1))
    projects = list(session.scalars(select(Project).order_by(Project.code)))
    units = {u.id: u for u in session.scalars(select(Unit))}
    judged = [(p, timeliness(p, as_of)) for p in projects]
    leaders = circle_leader_names(session, on=as_of)
    deputies = street_deputy_names(session, on=as_of)

    unit_rows = {}
    for p, t in judged:
        row = unit_rows.setdefault(
            p.lead_unit_id,
            {
                "unit": units[p.lead_unit_id].name,
                "projects": 0,
                "due": 0,
                "on_time": 0,
                "late": 0,
                "overdue": 0,
                "pending": 0,
                "budget_yuan": 0,
            },
        )
        row["projects"] += 1
        row["budget_yuan"] += p.budget_yuan
        if t.code != "cancelled":
            row[t.code] += 1
            if (p.original_due_date or p.due_date) <= as_of:
                row["due"] += 1
    overdue = [
        {
            "code": p.code,
            "name": p.name,
            "circle": p.circle.code,
            "circle_name": p.circle.name,
            "street": p.circle.street.name,
            "leader": leaders.get(p.circle_id, {}).get("leader", ""),
            "unit": units[p.lead_unit_id].name,
            "due": p.original_due_date.isoformat(),
            "days_late": t.days_late,
            "status": STATUS_ZH[p.status],
            "progress": p.progress,
        }
        for p, t in judged
        if t.code == "overdue"
    ]

    targets = []
    for t in list_targets(session, year=year):
        st = target_state(session, t, as_of)
        targets.append(
            {
                "circle": t.circle.code,
                "circle_name": t.circle.name,
                "street": t.circle.street.name,
                "leader": leaders.get(t.circle_id, {}).get("leader", ""),
                "grade": t.grade,
                "due": t.due_date.isoformat(),
                "state": st.code,
                "state_zh": st.zh,
                "reason": st.reason,
            }
        )
    street_rows = {}
    for s in session.scalars(select(Street).order_by(Street.code, Street.name)):
        street_rows[s.name] = {
            "street": s.name,
            "targets": 0,
            "met": 0,
            "met_late": 0,
            "missed": 0,
            "at_risk": 0,
            "on_track": 0,
            "overdue_projects": 0,
        }
    for t in targets:
        r = street_rows[t["street"]]
        r["targets"] += 1
        r[t["state"]] += 1
    for o in overdue:
        street_rows[o["street"]]["overdue_projects"] += 1

    praised, criticised = [], []
    for r in sorted(unit_rows.values(), key=lambda r: r["unit"]):
        if r["overdue"]:
            criticised.append(
                {"who": r["unit"], "kind": "unit", "why": f"{r['overdue']}个项目逾期未完成"}
            )
        elif r["due"] and r["on_time"] == r["due"]:
            praised.append(
                {"who": r["unit"], "kind": "unit", "why": f"{r['due']}个到期项目全部按期完成"}
            )
    for r in street_rows.values():
        deputy = deputies.get(r["street"], "")
        if r["missed"] or r["overdue_projects"]:
            why = []
            if r["missed"]:
                why.append(f"{r['missed']}个创建目标未按期达标" + _circles(targets, r, "missed"))
            if r["overdue_projects"]:
                late: set[tuple[str, str, str]] = {
                    (str(o["circle"]), str(o["circle_name"]), str(o["leader"]))
                    for o in overdue
                    if o["street"] == r["street"]
                }
                why.append(f"圈内{r['overdue_projects']}个项目逾期" + _named(sorted(late)))
            criticised.append(
                {"who": r["street"], "kind": "street", "why": "，".join(why), "leader": deputy}
            )
        elif r["met"]:
            praised.append(
                {
                    "who": r["street"],
                    "kind": "street",
                    "why": f"{r['met']}个创建目标按期达标" + _circles(targets, r, "met"),
                    "leader": deputy,
                }
            )
    totals = [
        {"label": c.label, "required": c.required, "planned": c.planned, "achieved": c.achieved}
        for c in check_totals(session, as_of=as_of)
    ]
    return {
        "period": period,
        "as_of": as_of.isoformat(),
        "year": year,
        "district": district.name if district else "",
        "notice": run.notice if run and run.generated_geometry else None,
        "catalogue": f"{run.catalogue_id} {run.catalogue_version}" if run else None,
        "summary": {
            "projects": len(projects),
            "on_time": sum(t.code == "on_time" for _, t in judged),
            "late": sum(t.code == "late" for _, t in judged),
            "overdue": len(overdue),
            "pending": sum(t.code == "pending" for _, t in judged),
            "targets": len(targets),
            "targets_met": sum(t["state"] in ("met", "met_late") for t in targets),
            "targets_at_risk": sum(t["state"] == "at_risk" for t in targets),
            "targets_missed": sum(t["state"] == "missed" for t in targets),
        },
        "totals": totals,
        "units": sorted(unit_rows.values(), key=lambda r: r["unit"]),
        "streets": [r for r in street_rows.values() if r["targets"] or r["overdue_projects"]],
        "targets": targets,
        "overdue": overdue,
        "praised": praised,
        "criticised": criticised,
    }


def _named(circles: list[tuple[str, str, str]]) -> str:
    """（C03 某生活圈，圈长 王五；…）: the circles at issue with their 圈长."""
    parts = [f"{c} {n}" + (f"，圈长{leader}" if leader else "") for c, n, leader in circles]
    return f"（{'；'.join(parts)}）" if parts else ""


def _circles(targets: list[dict], street_row: dict, state: str) -> str:
    return _named(
        [
            (t["circle"], t["circle_name"], t.get("leader", ""))
            for t in targets
            if t["street"] == street_row["street"] and t["state"] == state
        ]
    )


def _who(p: dict) -> str:
    """The praised or criticised, with the street's 副总圈长 when there is one."""
    return p["who"] + (f"（副总圈长：{p['leader']}）" if p.get("leader") else "")


def publish(session: Session, period: str, *, today: date | None = None) -> Bulletin:
    """Build and store the bulletin of ``period`` (replacing an earlier draft of it)."""
    data = build(session, period, today=today)
    b = session.scalar(select(Bulletin).where(Bulletin.period == period))
    if b is None:
        b = Bulletin(period=period, as_of=date.fromisoformat(data["as_of"]), data=data)
        session.add(b)
    else:
        b.as_of, b.data = date.fromisoformat(data["as_of"]), data
    session.flush()
    return b


@dataclass(frozen=True)
class PublishedBulletin:
    """A bulletin stored in the database and written as Word and Excel files."""

    bulletin: Bulletin
    title: str
    docx: Path
    xlsx: Path

    @property
    def overdue(self) -> int:
        """Overdue projects named in the bulletin."""
        return int(self.bulletin.data["summary"]["overdue"])

    @property
    def praised(self) -> int:
        return len(self.bulletin.data["praised"])

    @property
    def criticised(self) -> int:
        return len(self.bulletin.data["criticised"])


def file_stem(period: str) -> str:
    """The name of a period's bulletin files, without extension: ``通报_2024-09``."""
    period_end(period)  # a bad period fails here
    return f"通报_{period}"


def publish_bulletin(
    session: Session,
    period: str,
    *,
    out_dir: str | os.PathLike[str],
    today: date | None = None,
) -> PublishedBulletin:
    """Build and store the bulletin of ``period``, and write its Word and Excel files.

    The files are ``通报_<period>.docx`` and ``.xlsx`` in ``out_dir`` (created if needed),
    each complete or absent; an earlier bulletin of the same period is replaced.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    period : str
        ``YYYY-MM``.
    out_dir : str or path-like
        Folder of the files.
    today : datetime.date, optional
        The day it is judged on; default the period's last day.

    Returns
    -------
    PublishedBulletin
        The stored bulletin, its title and the two files.
    """
    stem = file_stem(period)
    b = publish(session, period, today=today)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docx = render_docx(b.data, out / f"{stem}.docx")
    xlsx = render_xlsx(b.data, out / f"{stem}.xlsx")
    return PublishedBulletin(bulletin=b, title=title(b.data), docx=docx, xlsx=xlsx)


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


def render_docx(data: dict, path: str | os.PathLike) -> Path:
    """The bulletin as a Word document (Chinese text, tables per unit and street)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from lifecircle.io.writers import write_atomic

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    doc.add_heading(title(data), level=1)
    if data.get("notice"):
        doc.add_paragraph(f"【{data['notice']}】")
    s = data["summary"]
    doc.add_paragraph(
        f"截至{data['as_of']}，全区共有补短板项目{s['projects']}个，其中按期完成{s['on_time']}个、"
        f"逾期完成{s['late']}个、逾期未完成{s['overdue']}个、正常推进{s['pending']}个。"
        f"{data['year']}年度创建目标{s['targets']}个，已达标{s['targets_met']}个，"
        f"存在风险{s['targets_at_risk']}个，未按期达标{s['targets_missed']}个。"
    )

    def table(head, rows):
        t = doc.add_table(rows=1, cols=len(head))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, head, strict=True):
            cell.text = str(text)
        for r in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, r, strict=True):
                cell.text = "" if text is None else str(text)

    doc.add_heading("一、全区创建目标", level=2)
    table(
        ["目标", "要求", "已铺排", "已达标"],
        [[t["label"], t["required"], t["planned"], t["achieved"]] for t in data["totals"]],
    )
    doc.add_heading(f"二、{data['year']}年度创建目标完成情况", level=2)
    table(_TARGET_HEAD, [_target_cells(t) for t in data["targets"]])
    doc.add_heading("三、各责任单位项目推进情况", level=2)
    table(_UNIT_HEAD, [_unit_cells(r) for r in data["units"]])
    doc.add_heading("四、各街道推进情况", level=2)
    table(_STREET_HEAD, [_street_cells(r) for r in data["streets"]])
    doc.add_heading("五、逾期未完成项目", level=2)
    if data["overdue"]:
        table(_OVERDUE_HEAD, [_overdue_cells(o) for o in data["overdue"]])
    else:
        doc.add_paragraph("无。")
    doc.add_heading("六、通报表扬", level=2)
    for p in data["praised"] or [{"who": "无", "why": ""}]:
        doc.add_paragraph(f"{_who(p)}：{p['why']}" if p["why"] else p["who"])
    doc.add_heading("七、通报批评", level=2)
    for p in data["criticised"] or [{"who": "无", "why": ""}]:
        doc.add_paragraph(f"{_who(p)}：{p['why']}" if p["why"] else p["who"])
    doc.add_paragraph(
        "请受到通报批评的单位对照问题督办整改，紧盯目标、责任上肩、密切配合，"
        "确保年度创建任务按期完成。"
    )
    if data.get("catalogue"):
        doc.add_paragraph(f"（体检指标体系：{data['catalogue']}）")
    return write_atomic(path, lambda tmp: doc.save(str(tmp)))


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
        ["类别", "对象", "副总圈长", "事由"],
        [["通报表扬", p["who"], p.get("leader", ""), p["why"]] for p in data["praised"]]
        + [["通报批评", p["who"], p.get("leader", ""), p["why"]] for p in data["criticised"]],
    )
    return write_atomic(path, wb.save)
