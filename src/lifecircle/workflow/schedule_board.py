"""The schedule as the 计划 page and its Excel export show it: each target of the 任务铺排表
with its state on a day, beside the grade the circle actually holds and its latest checkup
grade. Read only; the judgements belong to ``schedule`` and ``evaluation``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from lifecircle.errors import RuleError
from lifecircle.workflow import config
from lifecircle.workflow._common import check_year, get_street
from lifecircle.workflow.checkups import latest_result
from lifecircle.workflow.evaluation import held_grade
from lifecircle.workflow.schedule import TotalCheck, check_totals, target_states

_HEAD = [
    "年度",
    "生活圈编号",
    "生活圈名称",
    "街道",
    "圈长",
    "目标等级",
    "完成时限",
    "目标状态",
    "说明",
    "现持有等级",
    "最新体检等级",
    "备注",
]


@dataclass(frozen=True)
class BoardRow:
    """One target of the plan against what the circle has reached."""

    year: int
    circle: str
    circle_name: str
    street: str
    leader: str
    grade: str
    due: date
    state: str
    state_zh: str
    reason: str
    held_grade: str  # NONE / AA / AAA after joint evaluation and re-checks
    checkup_grade: str | None  # latest checkup on the day, None without one
    note: str

    @property
    def grade_zh(self) -> str:
        return config.GRADE_ZH[self.grade]

    @property
    def held_zh(self) -> str:
        return config.GRADE_ZH[self.held_grade] if self.held_grade != "NONE" else "尚未获评"

    @property
    def checkup_zh(self) -> str:
        return config.GRADE_ZH[self.checkup_grade] if self.checkup_grade else "未体检"

    def cells(self) -> list[object]:
        return [
            self.year,
            self.circle,
            self.circle_name,
            self.street,
            self.leader,
            self.grade_zh,
            self.due.isoformat(),
            self.state_zh,
            self.reason,
            self.held_zh,
            self.checkup_zh,
            self.note,
        ]


@dataclass(frozen=True)
class Board:
    """The plan against actual grades on ``on``: rows, counts by state, district totals."""

    on: date
    year: int | None
    street: str | None
    rows: list[BoardRow]
    totals: list[TotalCheck]
    years: list[int]

    def matrix(self) -> list[tuple[BoardRow, dict[int, list[BoardRow]]]]:
        """Circle × year: each circle's first row and its targets by year."""
        out: dict[str, tuple[BoardRow, dict[int, list[BoardRow]]]] = {}
        for r in sorted(self.rows, key=lambda r: (r.street, r.circle, r.year)):
            _, by_year = out.setdefault(r.circle, (r, {}))
            by_year.setdefault(r.year, []).append(r)
        return list(out.values())

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.state] = out.get(r.state, 0) + 1
        return out


def schedule_board(
    session: Session, *, on: date, year: int | None = None, street: str | None = None
) -> Board:
    """The targets (of ``year`` and ``street`` when given) judged on ``on``.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    on : datetime.date
        The day targets are judged on and grades read as of.
    year : int, optional
        Only this year's targets.
    street : str, optional
        Only circles of this street (its name).

    Returns
    -------
    Board
    """
    if year is not None:
        check_year(year, field="year")
    if street:
        found = get_street(session, street)
        if found is None:
            raise RuleError(f"没有名为“{street}”的街道", fix="从街道列表中选择，或不限街道")
        street = found.name
    rows = []
    held: dict[int, str] = {}
    checkup: dict[int, str | None] = {}
    for st in target_states(session, on=on, year=year):
        t = st.target
        if street and t.circle.street.name != street:
            continue
        if t.circle_id not in held:
            held[t.circle_id] = held_grade(session, t.circle_id, as_of=on)
            res = latest_result(session, t.circle_id, as_of=on)
            checkup[t.circle_id] = res.grade if res is not None else None
        rows.append(
            BoardRow(
                year=t.year,
                circle=t.circle.code,
                circle_name=t.circle.name,
                street=t.circle.street.name,
                leader=st.leader,
                grade=t.grade,
                due=t.due_date,
                state=st.code,
                state_zh=st.zh,
                reason=st.reason,
                held_grade=held[t.circle_id],
                checkup_grade=checkup[t.circle_id],
                note=t.note or "",
            )
        )
    return Board(
        on=on,
        year=year,
        street=street,
        rows=rows,
        totals=check_totals(session, as_of=on),
        years=list(config.programme()["years"]),
    )


def export_board(board: Board, path: str | os.PathLike[str]) -> Path:
    """Write the board as XLSX: sheet 计划与实际 (one row per target) and sheet 全区目标.

    Returns
    -------
    pathlib.Path
        The file written (complete or absent).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from lifecircle.io.writers import write_atomic

    wb = Workbook()
    ws = wb.active
    ws.title = "计划与实际"
    ws.append(_HEAD)
    for r in board.rows:
        ws.append(r.cells())
    for col, width in zip(
        "ABCDEFGHIJKL", (8, 12, 24, 14, 10, 10, 12, 12, 40, 12, 12, 24), strict=True
    ):
        ws.column_dimensions[col].width = width
    totals = wb.create_sheet("全区目标")
    totals.append(["目标", "要求", "已铺排", "已达标", "铺排是否满足"])
    for c in board.totals:
        totals.append(
            [c.label, c.required, c.planned, c.achieved, "满足" if c.planned_ok else "不足"]
        )
    totals.column_dimensions["A"].width = 40
    scope = "全部年度" if board.year is None else f"{board.year} 年"
    if board.street:
        scope += f"，{board.street}"
    totals.append([])
    totals.append(["判定日期", board.on.isoformat()])
    totals.append(["范围", scope])
    for sheet in (ws, totals):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out: Path = write_atomic(path, wb.save)
    return out
