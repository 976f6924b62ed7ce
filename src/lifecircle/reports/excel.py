"""Excel workbooks (openpyxl): frozen headers, number formats and widths that read well."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lifecircle.reports.context import CircleReport, DistrictReport, Meta
from lifecircle.reports.data import finite
from lifecircle.reports.strings import Text

HEAD_FILL = PatternFill("solid", fgColor="1F3B5A")
HEAD_FONT = Font(bold=True, color="FFFFFF")
NOTICE_FONT = Font(bold=True, color="9C0006", size=12)
NOTICE_FILL = PatternFill("solid", fgColor="FFF3CD")
STATUS_FILL = {
    "pass": PatternFill("solid", fgColor="C6EFCE"),
    "fail": PatternFill("solid", fgColor="FFC7CE"),
    "missing": PatternFill("solid", fgColor="EDEDED"),
}
GRADE_FILL = {
    "AAA": PatternFill("solid", fgColor="2E8B57"),
    "AA": PatternFill("solid", fgColor="9DC3E6"),
    "NONE": PatternFill("solid", fgColor="F4B183"),
}
INT = "#,##0"
DEC1 = "#,##0.0"
DEC2 = "#,##0.00"


def _width(text: object) -> float:
    s = "" if text is None else str(text)
    return sum(2.1 if ord(ch) > 0x2E80 else 1.1 for ch in s)


def _table(
    ws,
    header: list[str],
    rows: list[list],
    formats: dict[int, str] | None = None,
    start_row: int = 1,
    status_col: int | None = None,
    max_width: float = 60,
) -> None:
    """Write a header and rows; freeze the header, set number formats and column widths."""
    formats = formats or {}
    for j, h in enumerate(header, 1):
        c = ws.cell(row=start_row, column=j, value=h)
        c.fill, c.font = HEAD_FILL, HEAD_FONT
        c.alignment = Alignment(vertical="center", wrap_text=True)
    widths = [_width(h) for h in header]
    for i, row in enumerate(rows, start_row + 1):
        for j, v in enumerate(row, 1):
            if isinstance(v, float) and not np.isfinite(v):
                v = None
            c = ws.cell(row=i, column=j, value=v)
            if j in formats and isinstance(v, int | float):
                c.number_format = formats[j]
            if status_col == j and isinstance(row[-1], str) and row[-1] in STATUS_FILL:
                pass
            widths[j - 1] = max(widths[j - 1], _width(v))
    for j, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = min(max_width, max(8, w + 2))
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(header))}{start_row + len(rows)}"


def _meta_sheet(ws, meta: Meta, T: Text, extra: list[tuple[str, object]]) -> None:
    ws.title = T("sheet_overview")
    r = 1
    ws.cell(row=r, column=1, value=meta.title).font = Font(bold=True, size=14)
    r += 1
    note = f"{T('circles_note')}: {meta.circles_note}" if meta.circles_note else None
    for notice in (meta.generated_notice, meta.provisional_notice, note):
        if notice:
            c = ws.cell(row=r, column=1, value=notice)
            c.font, c.fill = NOTICE_FONT, NOTICE_FILL
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
            r += 1
    r += 1
    for k, v in [*extra, *meta.rows(T)]:
        ws.cell(row=r, column=1, value=k).font = Font(bold=True)
        c = ws.cell(row=r, column=2, value=v)
        if isinstance(v, int | float):
            c.number_format = INT if float(v).is_integer() else DEC2
        r += 1
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 70


def _color_status(ws, col: int, start_row: int, n: int) -> None:
    for i in range(start_row + 1, start_row + 1 + n):
        c = ws.cell(row=i, column=col)
        key = c.value
        for status, fill in STATUS_FILL.items():
            if key in (status,) or key == _STATUS_TEXT.get(status):
                c.fill = fill


_STATUS_TEXT: dict[str, str] = {}


def circle_xlsx(rep: CircleReport, T: Text, path: Path) -> Path:
    """Workbook: overview, indicators, shortfalls, compounds with walking distances, facilities."""
    _STATUS_TEXT.update({s: T(f"status_{s}") for s in STATUS_FILL})
    wb = Workbook()
    c = rep.circle
    extra = [(k, v) for k, v in rep.overview]
    _meta_sheet(wb.active, rep.meta, T, extra)

    ws = wb.create_sheet(T("sheet_indicators"))
    header = [
        T("indicator_id"),
        T("indicator"),
        T("category"),
        T("value"),
        T("threshold"),
        T("unit"),
        T("status"),
        T("margin"),
        T("radius_m"),
        T("facility_categories"),
        T("responsible_units"),
        T("source"),
        T("remark"),
        T("verified"),
    ]
    rows = [
        [
            i["id"],
            i["name"],
            i["category_text"],
            i["value"],
            f"{i['threshold_text']}",
            i["unit"],
            i["status_text"],
            i["margin"],
            i["radius_m"],
            i["facility_text"],
            i["responsible_text"],
            i["source"],
            i["remark"] or None,
            i["verified_text"],
        ]
        for i in rep.indicators
    ]
    _table(ws, header, rows, {4: DEC2, 8: DEC2, 9: INT})
    _color_status(ws, 7, 1, len(rows))

    ws = wb.create_sheet(T("sheet_shortfalls"))
    header = [
        T("indicator_id"),
        T("indicator"),
        T("category"),
        T("status"),
        T("value"),
        T("threshold"),
        T("facility_categories"),
        T("responsible_units"),
        T("affected_population"),
        T("compound"),
        T("population"),
        T("nearest_m"),
    ]
    rows = []
    for sf in rep.shortfalls:
        base = [
            sf["indicator_id"],
            sf["name"],
            sf["category_text"],
            sf["status_text"],
            sf["value_text"],
            sf["threshold_text"],
            sf["facility_text"],
            sf["responsible_text"],
            sf["affected_population"] if sf["status"] == "fail" else None,
        ]
        if not sf["affected"] or sf["status"] != "fail":
            rows.append([*base, None, None, None])
        for a in sf["affected"]:
            rows.append(
                [
                    *base,
                    a["name"],
                    a["population"],
                    a["nearest_m"] if a["nearest_m"] is not None else a["nearest_text"],
                ]
            )
    _table(ws, header, rows, {9: INT, 11: INT, 12: INT})
    _color_status(ws, 4, 1, len(rows))

    ws = wb.create_sheet(T("sheet_compounds"))
    comp = rep.compounds
    cats = [col.split("__", 1)[1] for col in comp.columns if col.startswith("nearest_m__")]
    # failing categories first, then the rest
    cats = [x for x in rep.focus_categories if x in cats] + [
        x for x in cats if x not in rep.focus_categories
    ]
    header = ["ID", T("compound"), T("community"), T("population")]
    header += [
        f"{T.category(x)}（{T('distance_unit')}）" if T.lang == "zh" else f"{T.category(x)} (m)"
        for x in cats
    ]
    rows = []
    for _, r in comp.sort_values("id").iterrows():
        row = [r["id"], r.get("name", ""), r.get("community", ""), finite(r["population"])]
        for x in cats:
            v = finite(r[f"nearest_m__{x}"])
            row.append(v if v is not None else T("unreachable"))
        rows.append(row)
    _table(ws, header, rows, {4: INT, **{5 + k: INT for k in range(len(cats))}})
    # shade distances beyond the failing indicator's radius
    for k, x in enumerate(cats):
        rad = rep.radius_for.get(x)
        if not rad:
            continue
        for i in range(2, len(rows) + 2):
            cell = ws.cell(row=i, column=5 + k)
            if not isinstance(cell.value, int | float) or cell.value > rad:
                cell.fill = STATUS_FILL["fail"]

    if rep.facilities is not None:
        ws = wb.create_sheet(T("sheet_facilities"))
        fac = rep.facilities.sort_values(["category", "id"])
        header = [
            T("facility_id"),
            T("facility_name"),
            T("category"),
            T("capacity"),
            T("in_circle"),
            "lon",
            "lat",
        ]
        rows = [
            [
                r["id"],
                r.get("name", ""),
                T.category(r["category"]),
                finite(r.get("capacity")),
                T("yes") if r["in_circle"] else T("no"),
                round(r.geometry.x, 6),
                round(r.geometry.y, 6),
            ]
            for _, r in fac.iterrows()
        ]
        _table(ws, header, rows, {4: INT, 6: "0.000000", 7: "0.000000"})
    _ = c
    wb.save(path)
    return path


def district_xlsx(rep: DistrictReport, T: Text, path: Path) -> Path:
    """Workbook: overview, circles, constraint matrix, targets, district indicators."""
    _STATUS_TEXT.update({s: T(f"status_{s}") for s in STATUS_FILL})
    wb = Workbook()
    _meta_sheet(wb.active, rep.meta, T, list(rep.overview))

    ws = wb.create_sheet(T("sheet_circles"))
    header = [T("circle_id"), T("name"), T("street"), T("population"), T("grade"), T("status_fail")]
    rows = [
        [c["id"], c["name"], c["street"], c["population"], c["grade_text"], c["n_fail"]]
        for c in rep.circles
    ]
    _table(ws, header, rows, {4: INT, 6: INT})
    for i, c in enumerate(rep.circles, 2):
        ws.cell(row=i, column=5).fill = GRADE_FILL.get(c["grade"], GRADE_FILL["NONE"])

    ws = wb.create_sheet(T("sheet_matrix"))
    header = [T("circle_id"), T("name"), T("grade")] + [
        rep.constraint_names[k] for k in rep.constraint_ids
    ]
    rows = [
        [c["id"], c["name"], c["grade_text"]]
        + [f"{T('status_' + c['cells'][k])} {c['value_texts'][k]}" for k in rep.constraint_ids]
        for c in rep.circles
    ]
    _table(ws, header, rows, max_width=22)
    for i, c in enumerate(rep.circles, 2):
        for j, k in enumerate(rep.constraint_ids, 4):
            ws.cell(row=i, column=j).fill = STATUS_FILL[c["cells"][k]]
    ws.freeze_panes = "D2"
    ws.row_dimensions[1].height = 48

    ws = wb.create_sheet(T("sheet_targets"))
    header = [
        T("target_item"),
        T("grade"),
        T("deadline"),
        T("target_required"),
        T("target_current"),
        T("target_status"),
    ]
    rows = [
        [t["label"], t["grade"], t["deadline"], t["required_text"], t["current"], t["status_text"]]
        for t in rep.targets
    ]
    _table(ws, header, rows, {5: INT})
    note_row = len(rows) + 3
    ws.cell(row=note_row, column=1, value=T("target_plan_source"))
    ws.cell(row=note_row + 1, column=1, value=T("target_year_note"))
    ws.cell(row=note_row + 2, column=1, value=T("grade_disclaimer"))
    for i, t in enumerate(rep.targets, 2):
        ws.cell(row=i, column=6).fill = STATUS_FILL[
            {"met": "pass", "behind": "fail", "open": "missing"}[t["status"]]
        ]

    ws = wb.create_sheet(T("sheet_district_indicators"))
    header = [
        T("indicator_id"),
        T("indicator"),
        T("value"),
        T("threshold"),
        T("unit"),
        T("status"),
        T("deadline"),
        T("plan_item"),
        T("source"),
        T("verified"),
    ]
    rows = [
        [
            i["id"],
            i["name"],
            i["value"],
            i["threshold_text"],
            i["unit"],
            i["status_text"],
            i["deadline"],
            i["plan_item"],
            i["source"],
            i["verified_text"],
        ]
        for i in rep.district_indicators
    ]
    _table(ws, header, rows, {3: DEC2})
    _color_status(ws, 6, 1, len(rows))
    wb.save(path)
    return path
