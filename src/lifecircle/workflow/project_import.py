"""The project library (项目库) in bulk, as offices keep it: Chinese headers and values, units
by short name, circles by id or name, budgets in 万元, dates as offices write them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.store.audit import get_actor
from lifecircle.store.models import CheckupResult, Circle, Project, ProjectStatusChange, Unit
from lifecircle.workflow import config
from lifecircle.workflow._values import CircleFinder, parse_amount, parse_date, resolve_circle
from lifecircle.workflow.choices import (
    parse_funding,
    parse_project_type,
    parse_status,
)
from lifecircle.workflow.imports import (
    NOTICE,
    Field,
    ImportReport,
    ImportTable,
    Problem,
    missing_columns,
    read_or_report,
    run_import,
)
from lifecircle.workflow.projects import STATUS_ZH, create_project
from lifecircle.workflow.units import STREET_PLACEHOLDERS, UnitDirectory, split_units

PROJECT_FIELDS = (
    Field("code", "项目编号", ("项目编号", "项目代码", "项目编码", "编号", "code")),
    Field("name", "项目名称", ("项目名称", "项目", "名称", "建设内容", "name"), required=True),
    Field("circle_id", "生活圈编号", ("生活圈编号", "生活圈编码", "circle")),
    Field("circle_name", "生活圈名称", ("生活圈名称", "生活圈", "所属生活圈", "所在生活圈")),
    Field("street", "街道", ("街道", "所属街道", "所在街道", "街道（镇）", "镇")),
    Field(
        "lead",
        "牵头单位",
        ("牵头单位", "责任单位", "主责单位", "牵头部门", "责任部门", "实施单位", "lead", "unit"),
    ),
    Field("co", "配合单位", ("配合单位", "配合部门", "协办单位", "协助单位", "co_units")),
    Field("type", "项目类型", ("项目类型", "统筹类型", "建设类型", "类型", "类别", "type")),
    Field("status", "项目状态", ("项目状态", "状态", "进展情况", "进展", "status")),
    Field("progress", "进度", ("完成进度", "进度", "形象进度", "完成比例", "progress")),
    Field(
        "budget",
        "投资（万元）",
        ("总投资", "计划投资", "投资额", "投资估算", "估算投资", "投资", "预算", "概算", "budget"),
    ),
    Field("funding", "资金来源", ("资金来源", "资金渠道", "经费来源", "funding")),
    Field("start", "开工日期", ("计划开工", "开工日期", "开工时间", "开始日期", "start")),
    Field(
        "due",
        "完成时限",
        ("完成时限", "计划完成", "计划完工", "完成时间", "竣工时间", "截止日期", "due"),
    ),
    Field("completed", "实际完成", ("实际完成", "实际完工", "完成日期", "竣工日期")),
    Field(
        "indicators", "补齐短板", ("补齐短板", "短板指标", "对应短板", "对应指标", "短板", "指标")
    ),
    Field("note", "备注", ("备注", "说明", "note")),
)
#: a budget above this many 万元 (1 万亿元) is taken for a typing error
MAX_BUDGET_WAN = 1e8
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class ProjectRow:
    """One project as the file gives it, checked."""

    row: int
    code: str
    name: str
    circle: Circle
    lead: Unit
    co: list[Unit]
    project_type: str
    status: str
    due: date
    start: date | None = None
    completed: date | None = None
    budget_yuan: int = 0
    funding: str = "district_finance"
    progress: int | None = None
    indicators: list[str] = field(default_factory=list)
    note: str | None = None


def _budget_factor(header: str | None) -> tuple[float, str]:
    """Yuan per unit of the budget column: 万元 unless the header says 元 or 亿元."""
    h = header or ""
    if "亿" in h:
        return 1e8, "亿元"
    if "万" in h or "元" not in h:
        return 1e4, "万元"
    return 1.0, "元"


def _indicator_names(session: Session, circle: Circle) -> dict[str, str]:
    """name or id -> indicator id, from the circle's latest stored checkup."""
    res = session.scalar(
        select(CheckupResult)
        .where(CheckupResult.circle_id == circle.id)
        .order_by(CheckupResult.id.desc())
        .limit(1)
    )
    out: dict[str, str] = {}
    for ind in (res.indicators if res is not None else []) or []:
        if isinstance(ind, dict) and ind.get("id"):
            out[str(ind["id"])] = str(ind["id"])
            if ind.get("name_zh"):
                out[str(ind["name_zh"])] = str(ind["id"])
    return out


class _RowChecker:
    """Checks one row after another, reporting every problem of the row."""

    def __init__(self, session: Session, table: ImportTable, report: ImportReport) -> None:
        self.session, self.table, self.report = session, table, report
        self.units = UnitDirectory.load(session)
        self.finder = CircleFinder.load(session)
        self.factor, self.unit_label = _budget_factor(table.columns.get("budget"))
        self.ok = True

    def bad(self, message: str, row: int, name: str, value: Any = None, fix: str = "") -> None:
        self.report.add(self.table.problem(message, row=row, field=name, value=value, fix=fix))
        self.ok = False

    def unit(self, text: str, row: int, name: str, circle: Circle) -> Unit | None:
        if text in STREET_PLACEHOLDERS:
            found = self.units.find(circle.street.name)
        else:
            found = self.units.find(text)
        if found is None:
            near = self.units.suggest(text)
            self.bad(
                f"没有责任单位“{text}”",
                row,
                name,
                text,
                (f"是否是：{'、'.join(near)}？" if near else "")
                + "写单位全称或通用简称（如 区住建局、区教育局），“各街道”指生活圈所在街道",
            )
        return found

    def date(self, rec: dict[str, str | None], name: str, row: int) -> date | None:
        text = rec.get(name)
        if not text:
            return None
        value = parse_date(text)
        if value is None:
            self.bad(f"“{text}”不是日期", row, name, text, "写成 2024-09-30 或 2024年9月30日")
        return value

    def check(self, row: int, rec: dict[str, str | None]) -> ProjectRow | None:
        self.ok = True
        name = rec.get("name")
        if not name:
            self.bad("项目名称为空", row, "name", fix="填写项目名称")
        circle = resolve_circle(self.table, self.report, self.finder, row, rec)
        self.ok = self.ok and circle is not None
        lead: Unit | None = None
        co: list[Unit] = []
        names = split_units(rec.get("lead"))
        if not names:
            self.bad("牵头单位为空", row, "lead", fix="填写牵头单位（如 区住建局）")
        elif circle is not None:
            units = [self.unit(n, row, "lead", circle) for n in names]
            units += [self.unit(n, row, "co", circle) for n in split_units(rec.get("co"))]
            if all(u is not None for u in units):
                found = [u for u in units if u is not None]
                lead = found[0]
                co = [u for k, u in enumerate(found) if u.id != lead.id and u not in found[:k]]
        ptype = parse_project_type(rec.get("type") or "")
        if ptype is None:
            self.bad(
                f"项目类型“{rec.get('type') or ''}”不是七个统筹之一",
                row,
                "type",
                rec.get("type"),
                "写其中之一：" + "、".join(config.project_types().values()),
            )
        status = parse_status(rec.get("status") or "计划")
        if status is None:
            self.bad(
                f"项目状态“{rec.get('status')}”无法识别",
                row,
                "status",
                rec.get("status"),
                "写其中之一：" + "、".join(STATUS_ZH.values()),
            )
        due, start, completed = (self.date(rec, k, row) for k in ("due", "start", "completed"))
        if not rec.get("due"):
            self.bad("完成时限为空", row, "due", fix="填写计划完成日期，如 2024-09-30")
        if due and start and start > due:
            self.bad(f"开工日期 {start} 晚于完成时限 {due}", row, "start", start, "核对两个日期")
        if status == "verified":
            self.bad(
                "已验收的项目要有验收佐证，导入时不能直接记为已验收",
                row,
                "status",
                rec.get("status"),
                "先按“已完工”导入，再用 lifecircle project evidence 上传验收材料并改为已验收",
            )
        if status == "completed" and completed is None and self.ok:
            self.bad(
                "已完工的项目要写实际完成日期",
                row,
                "completed",
                fix="加“实际完成”列并填写完工日期（判断是否按期完成）",
            )
        if status in ("delayed", "cancelled") and not rec.get("note"):
            self.bad(
                f"{STATUS_ZH[status]}的项目要在备注中写明原因",
                row,
                "note",
                fix="在“备注”列写明延期或取消的原因",
            )
        budget = 0
        if rec.get("budget"):
            amount = parse_amount(rec["budget"])
            if amount is None or amount < 0:
                self.bad(
                    f"投资“{rec['budget']}”不是不小于 0 的数",
                    row,
                    "budget",
                    rec["budget"],
                    f"写数字（单位{self.unit_label}），如 120.5",
                )
            elif amount * self.factor > MAX_BUDGET_WAN * 1e4:
                self.bad(
                    f"投资 {rec['budget']}{self.unit_label} 超出合理范围（超过 1 万亿元）",
                    row,
                    "budget",
                    rec["budget"],
                    f"核对金额和单位（本列按{self.unit_label}读）",
                )
            else:
                budget = round(amount * self.factor)
        funding = parse_funding(rec.get("funding") or "区级财政")
        if funding is None:
            self.bad(
                f"资金来源“{rec.get('funding')}”无法识别",
                row,
                "funding",
                rec.get("funding"),
                "写其中之一：" + "、".join(config.funding_sources().values()),
            )
        progress = None
        if rec.get("progress"):
            value = parse_amount(str(rec["progress"]).rstrip("%％"))
            if value is None or not 0 <= value <= 100:
                self.bad(
                    f"进度“{rec['progress']}”不是 0-100 的百分数",
                    row,
                    "progress",
                    rec["progress"],
                    "写 0 到 100 的数，如 80 或 80%",
                )
            else:
                progress = round(value)
        indicators = self.indicators(rec, row, circle)
        if not (self.ok and name and circle and lead and ptype and status and due and funding):
            return None
        return ProjectRow(
            row=row,
            code=rec.get("code") or "",
            name=name,
            circle=circle,
            lead=lead,
            co=co,
            project_type=ptype,
            status=status,
            due=due,
            start=start,
            completed=completed,
            budget_yuan=budget,
            funding=funding,
            progress=progress,
            indicators=indicators,
            note=rec.get("note"),
        )

    def indicators(self, rec: dict[str, str | None], row: int, circle: Circle | None) -> list[str]:
        words = split_units(rec.get("indicators"))
        if not words or circle is None:
            return []
        known = _indicator_names(self.session, circle)
        out = []
        for w in words:
            if w in known:
                out.append(known[w])
            elif not known or _ID.match(w):
                out.append(w)
                self.report.add(
                    self.table.problem(
                        f"指标“{w}”不在生活圈 {circle.code} 最近一次体检中，按原样记录",
                        row=row,
                        field="indicators",
                        value=w,
                        severity=NOTICE,
                        fix="写体检结果中的指标编号或名称，便于判断短板是否有项目覆盖",
                    )
                )
            else:
                self.bad(
                    f"生活圈 {circle.code} 最近一次体检中没有指标“{w}”",
                    row,
                    "indicators",
                    w,
                    "写体检结果中的指标名称或编号（见 lifecircle report）",
                )
        return out


def _codes(
    session: Session, rows: list[ProjectRow], report: ImportReport, table: ImportTable
) -> list[ProjectRow]:
    """Codes: given ones unique in the file; a stored one with the same name is skipped;
    missing ones numbered XM<due year>-NNN after the highest code in use."""
    stored = {p.code: p for p in session.scalars(select(Project))}
    seen: dict[str, int] = {}
    keep = []
    for r in rows:
        if not r.code:
            keep.append(r)
            continue
        if r.code in seen:
            report.add(
                table.problem(
                    f"项目编号 {r.code} 与第 {seen[r.code]} 行重复",
                    row=r.row,
                    field="code",
                    value=r.code,
                    fix="每个项目一个编号",
                )
            )
            continue
        seen[r.code] = r.row
        old = stored.get(r.code)
        if old is not None and old.name == r.name:
            report.add(
                table.problem(
                    f"项目 {r.code} 已在项目库中，跳过",
                    row=r.row,
                    field="code",
                    value=r.code,
                    severity=NOTICE,
                    fix="状态和进度的变化请用 lifecircle project status/progress 记录",
                )
            )
            continue
        if old is not None:
            report.add(
                table.problem(
                    f"项目编号 {r.code} 已被项目“{old.name}”使用",
                    row=r.row,
                    field="code",
                    value=r.code,
                    fix="换一个编号，或留空由系统编号",
                )
            )
            continue
        keep.append(r)
    taken = set(stored) | set(seen)
    numbered = []
    for r in keep:
        if r.code:
            continue
        n = 1 + max(
            (
                int(c.rsplit("-", 1)[1])
                for c in taken
                if c.startswith(f"XM{r.due.year}-") and c.rsplit("-", 1)[1].isdigit()
            ),
            default=0,
        )
        r.code = f"XM{r.due.year}-{n:03d}"
        taken.add(r.code)
        numbered.append(f"第{r.row}行 {r.code}")
    if numbered:
        report.add(
            Problem(
                f"{len(numbered)} 个项目没有编号，自动编为：{'、'.join(numbered[:5])}"
                + ("…" if len(numbered) > 5 else ""),
                column="项目编号",
                severity=NOTICE,
                fix="如需自己的编号，请在表中加“项目编号”列",
            )
        )
    return keep


def import_projects(
    session: Session,
    path: str | os.PathLike[str],
    *,
    commit: bool = False,
    sheet: str | None = None,
    on: date | None = None,
) -> ImportReport:
    """Check (and with ``commit`` write) a project library (项目库) in bulk.

    Columns (Chinese or English headers): 项目编号 (optional: numbered XM<year>-NNN),
    项目名称, 生活圈编号 or 生活圈名称, 牵头单位 (several in one cell: the first leads, the
    rest co-operate; ``各街道`` is the circle's street office), 配合单位, 项目类型 (七个统筹),
    项目状态 (计划/已立项/在建/已完工/延期/已取消 and synonyms), 进度, 投资 (万元 unless the
    header says 元), 资金来源, 开工日期, 完成时限, 实际完成, 补齐短板, 备注.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    path : str or path-like
        CSV or XLSX.
    commit : bool, default False
        Write when the file holds no error.
    sheet : str, optional
        Worksheet of a workbook.
    on : datetime.date, optional
        Date of the import in each project's history (default today).

    Returns
    -------
    ImportReport
    """
    table, report = read_or_report("projects", "项目库", path, PROJECT_FIELDS, sheet=sheet)
    if table is None:
        return report
    report.layout = "每行一个项目"
    if not table.rows:
        report.add(Problem("表中没有数据行", fix="每个项目写一行"))
        return report
    if missing_columns(table, report, ["name", "lead", "type", "due"]):
        return report
    if "circle_id" not in table.columns and "circle_name" not in table.columns:
        report.add(
            Problem(
                "缺少“生活圈编号”或“生活圈名称”列", column="生活圈编号", fix="加上项目所在的生活圈"
            )
        )
        return report
    checker = _RowChecker(session, table, report)
    rows = [r for i, rec in enumerate(table.rows, start=1) if (r := checker.check(i, rec))]
    rows = _codes(session, rows, report, table)
    report.counts = {"新增项目": len(rows)}
    day = on or date.today()

    def apply() -> dict[str, int]:
        actor = get_actor(session)
        for r in rows:
            p = create_project(
                session,
                code=r.code,
                name=r.name,
                circle=r.circle.code,
                project_type=r.project_type,
                lead_unit=r.lead.code,
                co_units=[u.code for u in r.co],
                indicator_ids=r.indicators,
                budget_yuan=r.budget_yuan,
                funding_source=r.funding,
                start_date=r.start,
                due_date=r.due,
                on=day,
                note=r.note,
            )
            if r.status != "planned":
                p.history.append(
                    ProjectStatusChange(
                        from_status="planned",
                        to_status=r.status,
                        on=day,
                        actor=actor,
                        note=f"项目库导入（{STATUS_ZH[r.status]}）",
                    )
                )
                p.status = r.status
            if r.status in ("completed",):
                p.completed_date, p.progress = r.completed, 100
            elif r.progress is not None:
                p.progress = r.progress
        session.flush()
        return {}

    return run_import(session, report, apply, commit=commit)
