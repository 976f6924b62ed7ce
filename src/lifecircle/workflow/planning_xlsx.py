"""The 任务铺排表 as the office keeps it: circles by street × years, grades, costs, targets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lifecircle.io.writers import write_atomic
from lifecircle.planning.schedule import GRADE_ZH
from lifecircle.workflow.planning import PlannedSchedule

THIN = {"style": "thin", "color": "808080"}


def schedule_title(district: str, years: tuple[int, ...]) -> str:
    """ "雨花区创建“绿色完整”居住社区生活圈任务铺排表（2022-2025年）"."""
    span = f"{years[0]}-{years[-1]}年" if years else ""
    return f"{district}创建“绿色完整”居住社区生活圈任务铺排表（{span}）"


def write_schedule_xlsx(
    planned: PlannedSchedule, path: str | os.PathLike[str], *, title: str | None = None
) -> Path:
    """Write the 任务铺排表 (XLSX): one row per circle, grouped by street, a column per year.

    Sheet 任务铺排表: title row, the notes (placeholder costs, start day, objective),
    then 序号, 街道, 生活圈编号, 生活圈名称, 常住人口, 体检评级, one column per programme year
    (the grade aimed for that year; 已评定 for grades held), 预计费用（万元）, 主要措施; then
    per year the AA and AAA counts, the cost, and the targets with 满足 / 不足. Sheet
    费用明细: every priced shortfall (circle, grade, indicator, measure, cost, months,
    source). Sheet 目标核对: each target, required, held, planned. When the targets
    cannot be met, a sheet 无法满足的原因 with the diagnosis.

    Parameters
    ----------
    planned : PlannedSchedule
        From `lifecircle.workflow.planning.plan_creation_schedule`.
    path : path
        The XLSX file (written whole or not at all).
    title : str, optional
        The title row (default: "<区>创建“绿色完整”居住社区生活圈任务铺排表（2022-2025年）").

    Returns
    -------
    pathlib.Path
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "任务铺排表"
    _main(ws, planned, title or schedule_title(planned.district, planned.years))
    _items(wb.create_sheet("费用明细"), planned)
    _targets(wb.create_sheet("目标核对"), planned)
    if not planned.plan.feasible and planned.plan.diagnosis is not None:
        why = wb.create_sheet("无法满足的原因")
        for line in planned.plan.diagnosis.message.splitlines():
            why.append([line])
        why.column_dimensions["A"].width = 120
    return write_atomic(path, wb.save)


def _main(ws: Any, planned: PlannedSchedule, title: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    plan = planned.plan
    years = planned.years
    head = ["序号", "街道", "生活圈编号", "生活圈名称", "常住人口", "体检评级"]
    head += [f"{y}年" for y in years] + ["预计费用（万元）", "主要措施"]
    width = len(head)
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    notes = [
        f"开工起算：{planned.start}；优化目标："
        + ("费用最省" if plan.objective == "cost" else "惠及居民最多")
        + (f"；年度预算 {next(iter(plan.budget.values())):,.0f} 万元" if plan.budget else "")
        + (
            "；全部创建目标可以满足"
            if plan.feasible
            else "；按现有条件无法满足全部创建目标（见“无法满足的原因”）"
        ),
    ]
    if planned.table.placeholder:
        notes.append(f"费用说明：{planned.table.note_zh}")
    for note in notes:
        ws.append([note])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
        ws.cell(ws.max_row, 1).alignment = Alignment(wrap_text=True)
    ws.append(head)
    header_row = ws.max_row
    side = Side(**THIN)
    border = Border(left=side, right=side, top=side, bottom=side)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    order = sorted(planned.circles, key=lambda code: (planned.circles[code][1], code))
    cost_of = {code: 0.0 for code in order}
    for a in plan.assignments:
        cost_of[a.circle] += a.cost
    first = header_row + 1
    for k, code in enumerate(order, start=1):
        name, street, pop, grade_now = planned.circles[code]
        cells: list[Any] = [k, street, code, name, round(pop), GRADE_ZH.get(grade_now, grade_now)]
        mine = plan.for_circle(code)
        held = planned.held.get(code, {})
        for y in years:
            marks = [f"{GRADE_ZH[g]}（已评定）" for g in ("AA", "AAA") if held.get(g) == y]
            marks += [GRADE_ZH[g] for g in ("AA", "AAA") if mine.get(g) == y]
            cells.append("、".join(marks))
        cells.append(round(cost_of[code], 1) if mine else "")
        cells.append(_measures(planned, code, mine))
        ws.append(cells)
    last = ws.max_row
    _merge_streets(ws, order, planned, first)
    for r in range(first, last + 1):
        for cell in ws[r]:
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=cell.column == width)
    ws.append([])
    ycol = {y: 7 + i for i, y in enumerate(years)}
    for label, grade in (("当年创建AA型（个）", "AA"), ("当年创建AAA型（个）", "AAA")):
        row: list[Any] = ["", label, "", "", "", ""]
        for y in years:
            n = sum(1 for a in plan.assignments if a.grade == grade and a.year == y)
            n += sum(1 for h in planned.held.values() if h.get(grade) == y)
            row.append(n)
        ws.append(row)
    row = ["", "当年费用（万元）", "", "", "", ""]
    row += [round(plan.cost_by_year.get(y, 0.0), 1) if y in plan.plan_years else "" for y in years]
    row.append(round(plan.total_cost, 1))
    ws.append(row)
    for check in plan.checks:
        t = check.target
        row = ["", f"目标：{t.label}", "", "", "", ""] + [""] * len(years)
        state = "满足" if check.met else ("不足" if check.in_plan else "未达（已过）")
        row.append(f"{check.reached}/{t.min} {state}")
        ws.append(row)
        if len(t.years) == 1 and t.years[0] in ycol:
            ws.cell(ws.max_row, ycol[t.years[0]]).value = f"≥{t.min}"
    for col, w in zip("ABCDEF", (6, 14, 11, 26, 10, 10), strict=True):
        ws.column_dimensions[col].width = w
    from openpyxl.utils import get_column_letter

    for c in ycol.values():
        ws.column_dimensions[get_column_letter(c)].width = 12
    ws.column_dimensions[get_column_letter(width - 1)].width = 14
    ws.column_dimensions[get_column_letter(width)].width = 60
    ws.freeze_panes = ws.cell(header_row + 1, 5)


def _merge_streets(ws: Any, order: list[str], planned: PlannedSchedule, first: int) -> None:
    """One merged 街道 cell per run of circles of the same street."""
    k = 0
    while k < len(order):
        street = planned.circles[order[k]][1]
        j = k
        while j + 1 < len(order) and planned.circles[order[j + 1]][1] == street:
            j += 1
        if j > k:
            ws.merge_cells(start_row=first + k, start_column=2, end_row=first + j, end_column=2)
        k = j + 1


def _measures(planned: PlannedSchedule, code: str, mine: dict[str, int]) -> str:
    items = [i for i in planned.items.get(code, []) if i.grade in mine]
    if code in planned.unplanned:
        return "无体检结果，未纳入铺排"
    if mine and not any(i.cost > 0 for i in items):
        return "体检已达到目标等级的要求，组织申报评定"
    return "；".join(f"{i.what}（{i.cost:,.0f}万元）" for i in items[:6]) + (
        "等" if len(items) > 6 else ""
    )


def _items(ws: Any, planned: PlannedSchedule) -> None:
    from openpyxl.styles import Font

    ws.append(
        [
            "生活圈编号",
            "生活圈名称",
            "目标等级",
            "指标编号",
            "指标",
            "措施",
            "费用（万元）",
            "工期（月）",
            "来源",
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for code in sorted(planned.items):
        for i in planned.items[code]:
            source = i.source + (
                "（示例数字）" if i.source == "费用表" and planned.table.placeholder else ""
            )
            ws.append(
                [code, planned.circles[code][0], GRADE_ZH[i.grade], i.indicator_id, i.name_zh,
                 i.what, round(i.cost, 1), round(i.months, 1), source]
            )  # fmt: skip
    for col, w in zip("ABCDEFGHI", (11, 24, 9, 30, 40, 40, 12, 10, 18), strict=True):
        ws.column_dimensions[col].width = w


def _targets(ws: Any, planned: PlannedSchedule) -> None:
    from openpyxl.styles import Font

    ws.append(["目标", "等级", "年度", "要求（个）", "已评定", "本次铺排", "合计", "结果"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for c in planned.plan.checks:
        t = c.target
        state = "满足" if c.met else ("不足" if c.in_plan else "未达（已过）")
        years = f"{t.years[0]}-{t.years[-1]}" if len(t.years) > 1 else str(t.years[0])
        ws.append([t.label, GRADE_ZH[t.grade], years, t.min, c.held, c.planned, c.reached, state])
    ws.column_dimensions["A"].width = 36
