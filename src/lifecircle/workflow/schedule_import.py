"""The 任务铺排表 (附件2) as offices keep it: long (one target per row), a circle × year
matrix (cells AA / AA型 / 创建AAA / √ with the grade in the header), or one year column per
grade; circles by id or by name."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.store.models import Circle, ScheduleTarget
from lifecircle.workflow import config
from lifecircle.workflow._values import (
    CircleFinder,
    fullwidth_to_ascii,
    header_year,
    is_check_mark,
    is_empty_mark,
    parse_date,
    parse_grades,
    parse_year,
    resolve_circle,
)
from lifecircle.workflow.imports import (
    NOTICE,
    Field,
    ImportReport,
    ImportTable,
    Problem,
    read_or_report,
    run_import,
)
from lifecircle.workflow.schedule import aaa_reason, year_reason

SCHEDULE_FIELDS = (
    Field("year", "年度", ("年度", "年份", "创建年度", "创建年份", "计划年度", "实施年度")),
    Field("circle_id", "生活圈编号", ("生活圈编号", "生活圈编码", "编号", "编码", "circle")),
    Field("circle_name", "生活圈名称", ("生活圈名称", "生活圈", "名称", "生活圈名", "name")),
    Field("street", "街道", ("街道", "所属街道", "街道（镇）", "街镇", "镇")),
    Field(
        "grade",
        "目标等级",
        ("目标等级", "创建类型", "创建等级", "等级", "创建目标", "目标类型", "类型"),
    ),
    Field("deadline", "完成时限", ("完成时限", "完成时间", "截止日期", "截止时间", "时限", "due")),
    Field("note", "备注", ("备注", "说明")),
)
LONG = "长表：每行一个目标（年度、生活圈、等级）"
MATRIX = "矩阵：生活圈 × 年度"
BY_GRADE = "每个等级一列，单元格写年度"
_CELL_FIX = "写 AA 或 AAA（也认 AA型、创建AA、3A），或 √（等级写在表头），或留空"


@dataclass
class Target:
    """One target read from the file."""

    row: int
    field: str
    circle: Circle
    grade: str
    year: int
    deadline: date | None
    note: str | None


def _header_grades(header: str) -> list[str]:
    """The grades a year column's header names (``2023年AA型`` → AA), its year left out."""
    return parse_grades(re.sub(r"20\d{2}\s*(年度|年)?", "", fullwidth_to_ascii(header)))


def _layout(table: ImportTable) -> tuple[str, dict[str, tuple[int | None, list[str]]]]:
    """The layout and, for a matrix or grade columns, header -> (year, grades)."""
    used = {table.columns.get(k) for k in ("circle_id", "circle_name", "street", "note")}
    others = [h for h in table.headers if h not in used]
    years = {h: (header_year(h), _header_grades(h)) for h in others if header_year(h)}
    if years:
        return MATRIX, years
    if "year" in table.columns and "grade" in table.columns:
        return LONG, {}
    grades: dict[str, tuple[int | None, list[str]]] = {
        h: (None, parse_grades(h)) for h in others if len(parse_grades(h)) == 1
    }
    if grades:
        return BY_GRADE, grades
    return "", {}


def _long_targets(
    table: ImportTable, report: ImportReport, row: int, rec: dict[str, str | None], c: Circle
) -> list[Target]:
    year = parse_year(rec.get("year"))
    if year is None:
        report.add(
            table.problem(
                f"“{rec.get('year') or ''}”不是年度",
                row=row,
                field="year",
                value=rec.get("year"),
                fix="写年份，如 2024 或 2024年",
            )
        )
        return []
    grades = parse_grades(rec.get("grade"))
    if not grades:
        report.add(
            table.problem(
                f"等级“{rec.get('grade') or ''}”无法识别",
                row=row,
                field="grade",
                value=rec.get("grade"),
                fix="写 AA 或 AAA（也认 AA型、AAA型、创建AA）",
            )
        )
        return []
    deadline = None
    if rec.get("deadline"):
        deadline = parse_date(rec["deadline"], year=year)
        if deadline is None:
            report.add(
                table.problem(
                    f"“{rec['deadline']}”不是日期",
                    row=row,
                    field="deadline",
                    value=rec["deadline"],
                    fix="写成 2024-09-30、2024年9月30日 或 9月底；留空则按方案（AA 9月底、AAA 10月底）",
                )
            )
            return []
    return [Target(row, "grade", c, g, year, deadline, rec.get("note")) for g in grades]


def _cell_targets(
    table: ImportTable,
    report: ImportReport,
    row: int,
    rec: dict[str, str | None],
    raw: dict[str, str | None],
    c: Circle,
    columns: dict[str, tuple[int | None, list[str]]],
    layout: str,
) -> list[Target]:
    out = []
    for header, (year, head_grades) in columns.items():
        cell = raw.get(header)
        if is_empty_mark(cell):
            continue

        def bad(message: str, fix: str, cell: str | None = cell, header: str = header) -> None:
            report.add(table.problem(message, row=row, field=f"@{header}", value=cell, fix=fix))

        if layout == BY_GRADE:
            cell_year = parse_year(cell)
            when = None if cell_year else parse_date(cell)
            if cell_year is None and when is None:
                bad(f"“{cell}”不是年度", "写创建年度，如 2024 或 2024年")
                continue
            y = cell_year or (when.year if when else 0)
            out.append(Target(row, f"@{header}", c, head_grades[0], y, when, rec.get("note")))
            continue
        assert year is not None
        grades = parse_grades(cell)
        when = None
        if not grades and is_check_mark(cell):
            grades = head_grades
            if len(head_grades) != 1:
                bad(
                    f"单元格“{cell}”没有说明等级",
                    "在表头写明等级（如 2023年AA型），或单元格写 AA/AAA",
                )
                continue
        elif not grades and len(head_grades) == 1:
            when = parse_date(cell, year=year)
            grades = head_grades if when else []
        if not grades:
            bad(f"单元格“{cell}”看不懂", _CELL_FIX)
            continue
        if head_grades and not set(grades) <= set(head_grades):
            bad(
                f"表头是{'、'.join(head_grades)}，单元格却写“{cell}”",
                "单元格的等级要与表头一致，或写 √",
            )
            continue
        out += [Target(row, f"@{header}", c, g, year, when, rec.get("note")) for g in grades]
    return out


def _check_targets(
    session: Session, targets: list[Target], table: ImportTable, report: ImportReport
) -> list[Target]:
    """File-wide rules: programme years, deadlines, one target per circle and grade, AAA
    only with AA; returns the targets to write (duplicates dropped)."""
    keep: dict[tuple[int, str], Target] = {}
    for t in targets:
        reason = year_reason(t.year)
        if reason:
            report.add(
                table.problem(
                    reason,
                    row=t.row,
                    field=t.field,
                    value=t.year,
                    fix="年度写错了吗？创建期内的年度才能安排目标",
                )
            )
            continue
        due = config.due_date(t.grade, t.year)
        if t.deadline is not None and t.deadline.year != t.year:
            report.add(
                table.problem(
                    f"完成时限 {t.deadline} 不在目标年度 {t.year} 年内",
                    row=t.row,
                    field="deadline" if t.field == "grade" else t.field,
                    value=t.deadline,
                    fix="时限写在目标年度之内",
                )
            )
            continue
        if t.deadline is not None and t.deadline > due:
            report.add(
                table.problem(
                    f"完成时限 {t.deadline} 晚于方案规定的 {due}",
                    row=t.row,
                    field="deadline" if t.field == "grade" else t.field,
                    value=t.deadline,
                    severity=NOTICE,
                    fix="方案要求 AA 型当年9月底、AAA 型10月底前完成",
                )
            )
        key = (t.circle.id, t.grade)
        first = keep.get(key)
        if first is not None:
            if first.year != t.year:
                report.add(
                    table.problem(
                        f"生活圈 {t.circle.code} 的 {t.grade} 型目标在第 {first.row} 行是 "
                        f"{first.year} 年，这里是 {t.year} 年",
                        row=t.row,
                        field=t.field,
                        fix="每个生活圈每个等级只安排一个年度",
                    )
                )
            continue
        keep[key] = t
    stored = {(s.circle_id, s.grade): s for s in session.scalars(select(ScheduleTarget))}
    for t in keep.values():
        if t.grade != "AAA":
            continue
        aa = keep.get((t.circle.id, "AA")) or stored.get((t.circle.id, "AA"))
        reason = aaa_reason(session, t.circle, t.year, aa.year if aa else None)
        if reason:
            report.add(
                table.problem(
                    reason,
                    row=t.row,
                    field=t.field,
                    value=f"{t.year}年 {t.grade}",
                    fix="同一生活圈加一个同年或更早的 AA 型目标",
                )
            )
    return list(keep.values())


def import_schedule_file(
    session: Session,
    path: str | os.PathLike[str],
    *,
    commit: bool = False,
    sheet: str | None = None,
) -> ImportReport:
    """Check (and with ``commit`` write) a 任务铺排表 as an office keeps it.

    Layouts: long (年度, 生活圈编号 or 生活圈名称, 目标等级, [完成时限], [备注]); a matrix of
    circles × years (a column per year: ``2023``, ``2023年``, ``创建年度/2023``, or per year
    and grade ``2023年AA型``; cells ``AA``, ``AA型``, ``创建AAA型``, ``3A``, or ``√`` when
    the header names the grade); or a column per grade holding the year. A target of a
    circle and grade already stored is moved to the file's year (said in the report).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    path : str or path-like
        CSV or XLSX.
    commit : bool, default False
        Write when the file holds no error.
    sheet : str, optional
        Worksheet of a workbook.

    Returns
    -------
    ImportReport
    """
    table, report = read_or_report(
        "schedule", "任务铺排表（附件2）", path, SCHEDULE_FIELDS, sheet=sheet
    )
    if table is None:
        return report
    layout, columns = _layout(table)
    report.layout = layout
    if not table.rows:
        report.add(Problem("表中没有数据行", fix="每个生活圈一行（或每个目标一行）"))
        return report
    if not layout:
        report.add(
            Problem(
                f"看不出表格格式（表头：{'、'.join(table.headers)}）",
                fix="长表要有“年度”“目标等级”列；矩阵要有年度列（如 2023年、2024年）；"
                "或每个等级一列（如 AA型创建年度）",
            )
        )
        return report
    if "circle_id" not in table.columns and "circle_name" not in table.columns:
        report.add(
            Problem(
                "缺少“生活圈编号”或“生活圈名称”列",
                column="生活圈编号",
                fix="加上生活圈编号或生活圈名称列",
            )
        )
        return report
    raw = table.cells() if layout != LONG else []
    finder = CircleFinder.load(session)
    targets: list[Target] = []
    for i, rec in enumerate(table.rows, start=1):
        circle = resolve_circle(table, report, finder, i, rec)
        if circle is None:
            continue
        if layout == LONG:
            targets += _long_targets(table, report, i, rec, circle)
        else:
            targets += _cell_targets(table, report, i, rec, raw[i - 1], circle, columns, layout)
    targets = _check_targets(session, targets, table, report)
    stored = {(s.circle_id, s.grade): s for s in session.scalars(select(ScheduleTarget))}
    new = changed = same = 0
    for t in targets:
        old = stored.get((t.circle.id, t.grade))
        due = t.deadline or config.due_date(t.grade, t.year)
        if old is None:
            new += 1
        elif (old.year, old.due_date) == (t.year, due):
            same += 1
        else:
            changed += 1
            report.add(
                table.problem(
                    f"生活圈 {t.circle.code} 的 {t.grade} 型目标将由 {old.year} 年（{old.due_date}）"
                    f"改为 {t.year} 年（{due}）",
                    row=t.row,
                    field=t.field,
                    severity=NOTICE,
                )
            )
    report.counts = {"新增目标": new, "更新目标": changed, "未变目标": same}

    def apply() -> dict[str, int]:
        for t in targets:
            due = t.deadline or config.due_date(t.grade, t.year)
            old = stored.get((t.circle.id, t.grade))
            if old is None:
                session.add(
                    ScheduleTarget(
                        year=t.year, circle_id=t.circle.id, grade=t.grade, due_date=due, note=t.note
                    )
                )
            else:
                old.year, old.due_date = t.year, due
                if t.note:
                    old.note = t.note
        session.flush()
        return {}

    return run_import(session, report, apply, commit=commit)


def import_schedule(session: Session, path: str | os.PathLike[str]) -> int:
    """The 任务铺排表 (附件2), long or matrix, written at once (`import_schedule_file`); the
    first error is raised as an InputError.

    Returns
    -------
    int
        Targets in the file (new, changed and unchanged).
    """
    report = import_schedule_file(session, path, commit=True)
    report.raise_if_errors()
    return sum(report.counts.get(k, 0) for k in ("新增目标", "更新目标", "未变目标"))
