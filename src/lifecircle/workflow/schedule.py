"""The task schedule (任务铺排表) and district targets: which circle reaches which grade, when."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lifecircle.errors import RuleError
from lifecircle.store.models import Circle, Evaluation, ScheduleTarget
from lifecircle.workflow import config
from lifecircle.workflow._common import flush, get_circle
from lifecircle.workflow._values import check_grade
from lifecircle.workflow.checkups import latest_result
from lifecircle.workflow.evaluation import held_grade
from lifecircle.workflow.projects import OPEN, is_overdue, list_projects

_HEADERS = ["年度", "生活圈编号", "生活圈名称", "街道", "圈长", "目标等级", "完成时限", "备注"]


def _grade(value: str) -> str | None:
    """AA or AAA from AA, AA型, 创建AAA型, 3A …; None otherwise."""
    from lifecircle.workflow._values import parse_grade

    return parse_grade(value)


def year_reason(year: int) -> str | None:
    """Why ``year`` cannot carry a target (outside the programme's years), or None."""
    years = config.programme()["years"]
    if year not in years:
        return f"{year} 年不在创建期内（{years[0]}-{years[-1]} 年）"
    return None


def aaa_reason(session: Session, circle: Circle, year: int, aa_year: int | None) -> str | None:
    """Why ``circle`` cannot aim for AAA in ``year``: it neither holds AA nor is scheduled
    for AA (``aa_year``) by then; None when it can."""
    holds = held_grade(session, circle.id) != "NONE"
    if not holds and (aa_year is None or aa_year > year):
        return (
            f"生活圈 {circle.code} 既未获评 AA 型，也没有安排在 {year} 年或之前创建 AA 型："
            "AAA 型只能在已获评或同年及之前安排创建 AA 型的生活圈创建"
        )
    return None


def _check_target(
    session: Session, circle: Circle, year: int, grade: str, pending_aa: dict[int, int]
) -> str | None:
    """The reason the target breaks a rule, or None."""
    reason = year_reason(year)
    if reason:
        return reason
    if (
        session.scalar(
            select(ScheduleTarget).where(
                ScheduleTarget.circle_id == circle.id, ScheduleTarget.grade == grade
            )
        )
        is not None
    ):
        return f"生活圈 {circle.code} 已有 {grade} 型创建目标"
    if grade == "AAA":
        aa_year = pending_aa.get(circle.id)
        if aa_year is None:
            aa = session.scalar(
                select(ScheduleTarget).where(
                    ScheduleTarget.circle_id == circle.id, ScheduleTarget.grade == "AA"
                )
            )
            aa_year = aa.year if aa else None
        return aaa_reason(session, circle, year, aa_year)
    return None


def add_target(
    session: Session, circle: str, year: int, grade: str, note: str | None = None
) -> ScheduleTarget:
    """Schedule ``circle`` for ``grade`` in ``year``; due date from the programme (AA 30 Sep,
    AAA 31 Oct)."""
    g = _grade(grade)
    if g is None:
        raise RuleError(f"等级“{grade}”无法识别", fix="写 AA 或 AAA（也认 AA型、AAA型）")
    c = get_circle(session, circle)
    reason = _check_target(session, c, year, g, {})
    if reason:
        raise RuleError(reason, fix="核对任务铺排表")
    t = ScheduleTarget(
        year=year, circle_id=c.id, grade=g, due_date=config.due_date(g, year), note=note
    )
    session.add(t)
    flush(session)
    return t


def remove_target(session: Session, circle: str, grade: str) -> None:
    c = get_circle(session, circle)
    grade = check_grade(grade)
    t = session.scalar(
        select(ScheduleTarget).where(
            ScheduleTarget.circle_id == c.id, ScheduleTarget.grade == grade
        )
    )
    if t is None:
        raise RuleError(
            f"{c.code} 没有 {grade} 创建目标", fix="用 `lifecircle schedule list` 查看任务铺排表"
        )
    if grade == "AA":
        aaa = session.scalar(
            select(ScheduleTarget).where(
                ScheduleTarget.circle_id == c.id, ScheduleTarget.grade == "AAA"
            )
        )
        if aaa is not None and held_grade(session, c.id) == "NONE":
            raise RuleError(
                f"{c.code} 有 AAA 创建目标，须以这个 AA 目标为前提",
                fix="先撤销 AAA 目标",
            )
    session.delete(t)
    flush(session)


def list_targets(
    session: Session, *, year: int | None = None, circle_id: int | None = None
) -> list[ScheduleTarget]:
    q = (
        select(ScheduleTarget)
        .join(Circle)
        # the circle and its street come along: pages show them, also from cached views
        .options(selectinload(ScheduleTarget.circle).selectinload(Circle.street))
        .order_by(ScheduleTarget.year, ScheduleTarget.grade, Circle.code)
    )
    if year is not None:
        q = q.where(ScheduleTarget.year == year)
    if circle_id is not None:
        q = q.where(ScheduleTarget.circle_id == circle_id)
    return list(session.scalars(q))


def export_schedule(session: Session, path: str | os.PathLike) -> int:
    """Write the schedule as XLSX (the layout ``import_schedule`` reads), with each circle's
    current 圈长."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from lifecircle.io.writers import write_atomic

    wb = Workbook()
    ws = wb.active
    ws.title = "任务铺排表"
    ws.append(_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    from lifecircle.workflow.leaders import circle_leader_names

    targets = list_targets(session)
    leaders = circle_leader_names(session)
    for t in targets:
        ws.append(
            [
                t.year,
                t.circle.code,
                t.circle.name,
                t.circle.street.name,
                leaders.get(t.circle_id, {}).get("leader", ""),
                config.GRADE_ZH[t.grade],
                t.due_date.isoformat(),
                t.note or "",
            ]
        )
    for col, width in zip("ABCDEFGH", (8, 12, 24, 14, 10, 10, 12, 30), strict=True):
        ws.column_dimensions[col].width = width
    write_atomic(path, wb.save)
    return len(targets)


@dataclass(frozen=True)
class TotalCheck:
    id: str
    label: str
    grade: str
    required: int
    planned: int
    achieved: int

    @property
    def planned_ok(self) -> bool:
        return self.planned >= self.required


def _achieved(session: Session, grade: str, years: list[int], as_of: date | None) -> int:
    q = select(Evaluation).where(
        Evaluation.is_recheck.is_(False),
        Evaluation.verdict == "accepted",
        Evaluation.grade == grade,
        Evaluation.year.in_(years),
    )
    n = set()
    for e in session.scalars(q):
        if as_of is None or (e.evaluated_on is not None and e.evaluated_on <= as_of):
            n.add(e.circle_id)
    return len(n)


def check_totals(session: Session, *, as_of: date | None = None) -> list[TotalCheck]:
    """The district totals of the plan (programme.yaml) against the schedule and the results."""
    out = []
    targets = list_targets(session)
    for rule in config.programme()["totals"]:
        planned = len([t for t in targets if t.grade == rule["grade"] and t.year in rule["years"]])
        out.append(
            TotalCheck(
                rule["id"],
                rule["label"],
                rule["grade"],
                rule["min"],
                planned,
                _achieved(session, rule["grade"], rule["years"], as_of),
            )
        )
    return out


TARGET_ZH = {
    "met": "按期达标",
    "met_late": "逾期达标",
    "missed": "未按期达标",
    "at_risk": "存在风险",
    "on_track": "正常推进",
}


@dataclass(frozen=True)
class TargetState:
    """A target judged on a day; ``leader`` is the circle's 圈长 then (as listed)."""

    target: ScheduleTarget
    code: str
    zh: str
    reason: str
    leader: str = ""


def target_state(session: Session, t: ScheduleTarget, today: date) -> TargetState:
    """met / met_late (accepted by the joint evaluation), missed (past due), at_risk (an overdue
    project, a project due after the target, or a failing constraint no open project closes),
    on_track."""
    q = select(Evaluation).where(
        Evaluation.circle_id == t.circle_id,
        Evaluation.is_recheck.is_(False),
        Evaluation.verdict == "accepted",
        Evaluation.grade.in_(("AA", "AAA") if t.grade == "AA" else ("AAA",)),
    )
    done = [d for e in session.scalars(q) if (d := e.evaluated_on) is not None and d <= today]
    if done:
        first = min(done)
        if first <= t.due_date:
            return TargetState(t, "met", TARGET_ZH["met"], f"{first} 联合评定通过")
        return TargetState(t, "met_late", TARGET_ZH["met_late"], f"{first} 联合评定通过")
    if today > t.due_date:
        return TargetState(t, "missed", TARGET_ZH["missed"], f"完成时限 {t.due_date} 已过")
    projects = list_projects(session, circle=t.circle.code)
    late = [p.code for p in projects if is_overdue(p, today)]
    if late:
        return TargetState(t, "at_risk", TARGET_ZH["at_risk"], "逾期项目：" + "、".join(late))
    after = [p.code for p in projects if p.status in OPEN and p.due_date > t.due_date]
    if after:
        return TargetState(
            t, "at_risk", TARGET_ZH["at_risk"], "项目计划完成晚于目标时限：" + "、".join(after)
        )
    res = latest_result(session, t.circle_id, as_of=today)
    if res is not None and not res.constraints_pass:
        covered = {
            i for p in projects if p.status not in ("cancelled",) for i in (p.indicator_ids or [])
        }
        open_gaps = [i for i in res.failed_constraints if i not in covered]
        if open_gaps:
            return TargetState(
                t, "at_risk", TARGET_ZH["at_risk"], "短板无项目覆盖：" + "、".join(open_gaps)
            )
    return TargetState(t, "on_track", TARGET_ZH["on_track"], "")


def target_states(session: Session, *, on: date, year: int | None = None) -> list[TargetState]:
    """Every target of the schedule (or of ``year``) with its state on the day ``on``.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    on : datetime.date
        The day they are judged on.
    year : int, optional
        Only this year's targets.

    Returns
    -------
    list of TargetState
        In the order of ``list_targets`` (year, grade, circle code), each with the circle's
        圈长 on that day.
    """
    from lifecircle.workflow.leaders import circle_leader_names

    names = circle_leader_names(session, on=on)
    return [
        replace(
            target_state(session, t, on),
            leader=names.get(t.circle_id, {}).get("leader", ""),
        )
        for t in list_targets(session, year=year)
    ]
