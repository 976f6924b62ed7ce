"""Plan the creation schedule from the database (checkups, projects, grades held) and commit it."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.checkup.result import CheckupResult, CircleResult
from lifecircle.errors import InputError, RuleError
from lifecircle.planning import (
    CircleNeed,
    CostItem,
    CostTable,
    ProjectCost,
    SchedulePlan,
    circle_need,
    load_cost_table,
    plan_schedule,
    programme_from_rules,
)
from lifecircle.planning.schedule import DAYS_PER_MONTH, Objective
from lifecircle.standards import Catalogue, load_catalogue
from lifecircle.store.models import CheckupRun, Circle, Evaluation, ScheduleTarget
from lifecircle.store.models import District as DistrictRow
from lifecircle.workflow import config
from lifecircle.workflow.checkups import latest_result
from lifecircle.workflow.evaluation import held_grade
from lifecircle.workflow.projects import OPEN, list_projects

PLAN_NOTE = "由 lifecircle schedule plan 生成"
OBJECTIVES = {
    "cost": "cost",
    "费用": "cost",
    "费用最省": "cost",
    "residents": "residents",
    "居民": "residents",
    "惠及居民": "residents",
    "惠及居民最多": "residents",
}


@dataclass(frozen=True)
class PlannedSchedule:
    """A schedule planned from the database: the plan and everything behind it.

    ``circles`` (code -> (name, street, population, grade now)) for every circle of the
    database; ``items`` the priced shortfalls per circle; ``unplanned`` the circles that
    have no checkup result (they cannot be planned).
    """

    plan: SchedulePlan
    needs: list[CircleNeed]
    items: dict[str, list[CostItem]]
    table: CostTable
    district: str
    circles: dict[str, tuple[str, str, float, str]]
    held: dict[str, dict[str, int | None]]
    unplanned: list[str]
    start: date
    years: tuple[int, ...]


def parse_objective(value: str) -> Objective:
    """``cost`` / ``residents`` from a code or its Chinese name (RuleError if neither)."""
    key = (value or "").strip().lower()
    if key not in OBJECTIVES:
        raise RuleError(
            f"未知的优化目标 {value!r}",
            fix="用 cost（费用最省）或 residents（惠及居民最多）。",
        )
    return "cost" if OBJECTIVES[key] == "cost" else "residents"


def _check_budget(budget: float) -> None:
    """A yearly budget in 万元: a positive finite number below 1 万亿元 (1e8 万元)."""
    if not math.isfinite(budget) or budget <= 0 or budget > 1e8:
        raise InputError(
            f"年度预算 {budget} 万元不合理",
            field="--budget",
            fix="以万元为单位写大于 0 的年度预算，如 3000；不限预算时不写 --budget",
        )


def plan_creation_schedule(
    session: Session,
    *,
    budget: float | None = None,
    objective: str = "cost",
    start: date | None = None,
    costs: str | os.PathLike[str] | None = None,
    catalogue: str | os.PathLike[str] | None = None,
    checkup: CheckupResult | None = None,
) -> PlannedSchedule:
    """Plan which circle aims for which grade in which year (`lifecircle.planning`).

    Reads every circle, its latest checkup result (or ``checkup`` when given), the
    grades it holds (accepted joint evaluations, with their year), its open projects
    (their budgets and dates price the shortfalls they name) and the programme's
    targets (``programme.yaml``); prices the rest with the cost table; solves.

    Parameters
    ----------
    session : Session
        The programme database.
    budget : float, optional
        Budget per year, 万元.
    objective : str
        ``cost`` (费用最省) or ``residents`` (惠及居民最多).
    start : datetime.date, optional
        When works start (default today).
    costs : path, optional
        A cost table (default: the shipped placeholder figures).
    catalogue : str or path, optional
        The catalogue whose AAA rule applies (default: the one the checkup names).
    checkup : CheckupResult, optional
        Use this checkup instead of the results stored in the database.

    Returns
    -------
    PlannedSchedule
    """
    goal = parse_objective(objective)
    if budget is not None:
        _check_budget(budget)
    day = start or date.today()
    table = load_cost_table(costs)
    circles = list(session.scalars(select(Circle).order_by(Circle.code)))
    if not circles:
        raise RuleError(
            "数据库中还没有生活圈", fix="先导入生活圈清单或体检结果（lifecircle import）。"
        )
    results = _results(session, circles, checkup)
    cat = _catalogue(session, catalogue, checkup)
    needs, items, held, info, unplanned = [], {}, {}, {}, []
    for c in circles:
        h = _held(session, c)
        held[c.code] = h
        res = results.get(c.code)
        grade_now = res.grade if res is not None else "NONE"
        info[c.code] = (c.name, c.street.name, float(c.population or 0), grade_now)
        if res is None:
            unplanned.append(c.code)
            needs.append(CircleNeed(c.code, c.name, c.street.name, float(c.population or 0), h))
            continue
        need, its = circle_need(
            res, cat.grading, table, held=h, projects=_projects(session, c, day)
        )
        needs.append(need)
        items[c.code] = its
    rules = config.programme()
    programme = programme_from_rules(rules, start=day)
    plan = plan_schedule(needs, programme, budget=budget, objective=goal)
    district = session.scalar(select(DistrictRow).limit(1))
    name = district.name if district is not None else (checkup.district_name if checkup else "")
    return PlannedSchedule(
        plan=plan,
        needs=needs,
        items=items,
        table=table,
        district=name,
        circles=info,
        held=held,
        unplanned=unplanned,
        start=day,
        years=tuple(int(y) for y in rules["years"]),
    )


def commit_plan(session: Session, planned: PlannedSchedule) -> int:
    """Write the plan into the schedule (任务铺排表) of the database; returns rows written.

    The plan's years are replaced: a target of a plan year that the plan drops is
    removed (unless the circle has reached that grade: a met target stays), a circle's
    target moved to the planned year, new ones added (note ``由 lifecircle schedule
    plan 生成``). Targets of earlier years stay. A plan that does not meet every target
    is not written.

    Raises
    ------
    RuleError
        The plan does not meet the targets.
    """
    plan = planned.plan
    if not plan.feasible:
        raise RuleError(
            "该铺排未满足全部创建目标，未写入数据库。",
            fix="按提示调整预算、开工时间或目标后重新铺排。",
        )
    codes = {c.code: c for c in session.scalars(select(Circle))}
    wanted = {(a.circle, a.grade): a for a in plan.assignments}
    n = 0
    for t in list(session.scalars(select(ScheduleTarget))):
        key = (t.circle.code, t.grade)
        a = wanted.pop(key, None)
        if a is not None:
            t.year, t.due_date, t.note = a.year, a.due, PLAN_NOTE
            n += 1
        elif t.year in plan.plan_years and t.grade not in planned.held.get(t.circle.code, {}):
            session.delete(t)  # a grade already reached keeps its target (it was met)
    session.flush()
    for (code, grade), a in sorted(wanted.items(), key=lambda kv: (kv[1].year, kv[0])):
        session.add(
            ScheduleTarget(
                year=a.year, circle_id=codes[code].id, grade=grade, due_date=a.due, note=PLAN_NOTE
            )
        )
        n += 1
    session.flush()
    return n


def _results(
    session: Session, circles: list[Circle], checkup: CheckupResult | None
) -> dict[str, CircleResult]:
    if checkup is not None:
        return {c.id: c for c in checkup.circles}
    out = {}
    for c in circles:
        r = latest_result(session, c.id)
        if r is None:
            continue
        out[c.code] = CircleResult.from_dict(
            {
                "id": c.code,
                "name": c.name,
                "street": c.street.name,
                "communities": [m.name for m in c.communities],
                "population": r.population or 0.0,
                "households": c.households,
                "area_km2": c.area_km2 or 0.0,
                "compound_count": 0,
                "grade": r.grade,
                "grade_reason": r.grade_reason or "",
                "indicators": r.indicators,
                "shortfalls": r.shortfalls,
            }
        )
    return out


def _catalogue(
    session: Session, catalogue: str | os.PathLike[str] | None, checkup: CheckupResult | None
) -> Catalogue:
    if catalogue is not None:
        return load_catalogue(catalogue if isinstance(catalogue, str) else Path(catalogue))
    if checkup is not None:
        name = checkup.catalogue.id
    else:
        run = session.scalar(select(CheckupRun).order_by(CheckupRun.created_at.desc()).limit(1))
        if run is None:
            raise RuleError(
                "数据库中还没有体检结果", fix="先导入体检结果（lifecircle import checkup）。"
            )
        name = run.catalogue_id
    try:
        return load_catalogue(name)
    except Exception as exc:
        raise InputError(
            f"找不到体检所用的指标体系 {name!r}",
            field="catalogue",
            fix="用 --catalogue 给出指标体系文件。",
        ) from exc


def _held(session: Session, c: Circle) -> dict[str, int | None]:
    grade = held_grade(session, c.id)
    if grade == "NONE":
        return {}
    years: dict[str, int | None] = {}
    q = select(Evaluation).where(
        Evaluation.circle_id == c.id,
        Evaluation.is_recheck.is_(False),
        Evaluation.verdict == "accepted",
    )
    for e in session.scalars(q):
        if e.grade in ("AA", "AAA"):
            y = years.get(e.grade)
            years[e.grade] = e.year if y is None else min(y, e.year)
    out: dict[str, int | None] = {"AA": years.get("AA", years.get("AAA"))}
    if grade == "AAA":
        out["AAA"] = years.get("AAA")
    return out


def _projects(session: Session, c: Circle, day: date) -> list[ProjectCost]:
    out = []
    for p in list_projects(session, circle=c.code):
        if p.status not in OPEN or not p.indicator_ids:
            continue
        begin = max(p.start_date or day, day)
        months = max(0.0, (p.due_date - begin).days / DAYS_PER_MONTH)
        out.append(
            ProjectCost(
                code=p.code,
                name=p.name,
                indicator_ids=tuple(str(i) for i in p.indicator_ids),
                cost=float(p.budget_yuan or 0) / 10_000.0,
                months=months,
            )
        )
    return out
