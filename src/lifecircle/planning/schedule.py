"""The creation schedule (任务铺排): which circle aims for which grade in which year, as a MILP."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from lifecircle.errors import InputError
from lifecircle.siting._highs import MipResult
from lifecircle.siting._highs import solve as highs_solve

GRADES = ("AA", "AAA")
GRADE_ZH = {"AA": "AA型", "AAA": "AAA型", "NONE": "未达标"}
DAYS_PER_MONTH = 30.4375
Objective = Literal["cost", "residents"]


@dataclass(frozen=True)
class Option:
    """A way for a circle to reach a grade: what the works cost (万元) and take (months)."""

    cost: float
    months: float


@dataclass(frozen=True)
class CircleNeed:
    """One circle as the schedule sees it.

    ``held`` lists the grades the circle holds (joint evaluation passed) with the year
    each was reached (None: not known). ``options`` says what reaching a grade costs from
    where the circle stands: ``AA`` the works that pass every constraint indicator,
    ``AAA`` the works beyond AA (when AA is held, everything still missing); a grade
    absent from ``options`` and not held cannot be planned (no way known to reach it).
    """

    id: str
    name: str
    street: str
    population: float
    held: Mapping[str, int | None] = field(default_factory=dict)
    options: Mapping[str, Option] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """A district target: at least ``min`` circles reach ``grade`` within ``years``."""

    id: str
    label: str
    grade: str
    years: tuple[int, ...]
    min: int


@dataclass(frozen=True)
class Programme:
    """The programme's rules: plan years, targets, each grade's due day, the start of works."""

    years: tuple[int, ...]
    targets: tuple[Target, ...]
    due: Mapping[str, tuple[int, int]]
    start: date

    def due_date(self, grade: str, year: int) -> date:
        """The day ``grade`` is due in ``year`` (AA 30 September, AAA 31 October).

        Parameters
        ----------
        grade : {"AA", "AAA"}
            The grade.
        year : int
            The plan year.

        Returns
        -------
        datetime.date
            The due day.
        """
        month, day = self.due[grade]
        return date(year, month, day)

    @property
    def plan_years(self) -> tuple[int, ...]:
        """The years still open: those whose AAA due day is on or after the start."""
        return tuple(y for y in self.years if self.due_date("AAA", y) >= self.start)


def programme_from_rules(rules: Mapping[str, Any], *, start: date) -> Programme:
    """A :class:`Programme` from the programme file's content (``programme.yaml``).

    Parameters
    ----------
    rules : mapping
        ``years``, ``due`` (grade -> ``"MM-DD"``), ``totals`` (``id``, ``label``,
        ``grade``, ``years``, ``min``).
    start : datetime.date
        When works can start (usually today).

    Returns
    -------
    Programme
    """
    due = {}
    for g in GRADES:
        month, day = (int(x) for x in str(rules["due"][g]).split("-"))
        due[g] = (month, day)
    targets = tuple(
        Target(
            id=str(t["id"]),
            label=str(t["label"]),
            grade=str(t["grade"]),
            years=tuple(int(y) for y in t["years"]),
            min=int(t["min"]),
        )
        for t in rules["totals"]
    )
    return Programme(
        years=tuple(int(y) for y in rules["years"]), targets=targets, due=due, start=start
    )


@dataclass(frozen=True)
class Assignment:
    """A circle aims for ``grade`` in ``year``: cost (万元), duration, due day, start-by day."""

    circle: str
    grade: str
    year: int
    cost: float
    months: float
    due: date
    start_by: date


@dataclass(frozen=True)
class TargetCheck:
    """A target against the plan: circles already there (``held``) and planned."""

    target: Target
    held: int
    planned: int
    in_plan: bool  # some of its years are plan years (else it is history)

    @property
    def reached(self) -> int:
        """Circles that reach it: held plus planned."""
        return self.held + self.planned

    @property
    def met(self) -> bool:
        """Whether it is met."""
        return self.reached >= self.target.min


@dataclass(frozen=True)
class TargetGap:
    """A target the plan cannot meet: the most circles that can reach it, and the gap."""

    target: Target
    best: int
    short: int


@dataclass(frozen=True)
class EarlierStart:
    """A circle that would have to start earlier than the start day to make the targets."""

    circle: str
    grade: str
    year: int
    earliest: int | None
    start_by: date


@dataclass(frozen=True)
class Diagnosis:
    """Why the targets cannot be met, and what would make them feasible.

    ``gaps``: targets short even with an unlimited budget (each with the most that can be
    reached). ``budget_needed``: per year, the budget that would make every target
    feasible (when only the budget stands in the way). ``earlier``: circles that would
    have to have started earlier (when starting earlier would close the gaps);
    ``earlier_closes`` says whether it would close them all.
    """

    gaps: list[TargetGap]
    budget_needed: dict[int, float] | None
    earlier: list[EarlierStart]
    earlier_closes: bool
    message: str


@dataclass(frozen=True)
class SchedulePlan:
    """The schedule: assignments, cost per year, residents served, the targets checked.

    When ``feasible`` is false, ``assignments`` is the closest plan found (targets
    relaxed) and ``diagnosis`` says why and what would help.
    """

    feasible: bool
    objective: str
    assignments: list[Assignment]
    cost_by_year: dict[int, float]
    total_cost: float
    residents: float
    checks: list[TargetCheck]
    budget: dict[int, float] | None
    diagnosis: Diagnosis | None
    plan_years: tuple[int, ...]

    def for_circle(self, circle: str) -> dict[str, int]:
        """Grade -> year planned for ``circle``.

        Parameters
        ----------
        circle : str
            The circle's id.

        Returns
        -------
        dict of str -> int
            Grade to plan year (empty when nothing is planned for it).
        """
        return {a.grade: a.year for a in self.assignments if a.circle == circle}

    @property
    def message(self) -> str:
        """A Chinese summary: targets met or the diagnosis; cost and residents."""
        head = (
            f"已找到满足全部目标的铺排：共安排 {len(self.assignments)} 项创建任务，"
            f"总费用 {self.total_cost:,.0f} 万元，惠及居民 {self.residents:,.0f} 人。"
        )
        if self.feasible or self.diagnosis is None:
            return head
        return self.diagnosis.message


def earliest_year(
    need: CircleNeed, grade: str, programme: Programme, *, ignore_start: bool = False
) -> int | None:
    """The first plan year ``need`` can reach ``grade`` by its due day (None: none).

    Works start on ``programme.start``; AA takes its months, AAA its own after AA's
    (unless AA is held already). ``ignore_start`` drops the duration rule (any plan
    year whose due day is still ahead), to ask what starting earlier would give.

    Parameters
    ----------
    need : CircleNeed
        The circle: its grade held, works needed and due days.
    grade : str
        ``AA`` or ``AAA``.
    programme : Programme
        The creation programme (start, plan years, durations).
    ignore_start : bool
        Drop the duration rule.

    Returns
    -------
    int or None
        The plan year, or ``None`` when no plan year can be reached.
    """
    if grade in need.held or grade not in need.options:
        return None
    if grade == "AAA" and "AA" not in need.held and "AA" not in need.options:
        return None
    months = need.options[grade].months
    if grade == "AAA" and "AA" not in need.held:
        months += need.options["AA"].months
    finish = programme.start + timedelta(days=math.ceil(months * DAYS_PER_MONTH))
    for y in programme.plan_years:
        due = programme.due_date(grade, y)
        if finish <= due or (ignore_start and programme.start <= due):
            return y
    return None


def plan_schedule(
    needs: Sequence[CircleNeed],
    programme: Programme,
    *,
    budget: float | Mapping[int, float] | None = None,
    objective: Objective = "cost",
    time_limit: float | None = 60.0,
) -> SchedulePlan:
    r"""Choose which circle aims for which grade in which year (a MILP solved by HiGHS).

    Variables :math:`x_{igy} \in \{0,1\}`: circle :math:`i` reaches grade :math:`g`
    (AA, AAA) in plan year :math:`y`, allowed only from the circle's earliest year
    :math:`e_{ig}` (its works, begun at the start day, done by the grade's due day; AAA's
    works follow AA's) and only for grades it does not hold.

    .. math::

       \begin{array}{lll}
       \sum_y x_{igy} \le 1 & \forall i, g & \text{(once)} \\
       x_{i,AAA,y} \le \sum_{y' \le y} x_{i,AA,y'} & \forall i \text{ not holding AA}, y
           & \text{(AAA only after AA)} \\
       H_t + \sum_{i} \sum_{y \in Y_t} x_{i g_t y} \ge m_t & \forall t & \text{(targets)} \\
       \sum_{i, g} c_{ig} x_{igy} \le B_y & \forall y & \text{(yearly budget, optional)} \\
       \end{array}

    :math:`H_t` counts circles holding :math:`g_t` (AA counts a circle holding AAA) with
    its year in :math:`Y_t`; a target spanning several years also counts those whose
    year is unknown. Targets whose years are all past are history: reported, not
    constrained. Objective ``cost``: minimise :math:`\sum c_{ig} x_{igy}`, then maximise
    the residents of the circles upgraded (:math:`\sum p_i x_{igy}`, so works that cost
    nothing are planned), then prefer earlier years; ``residents``: maximise residents
    first, then minimise cost, then earlier. Each step keeps the optimum of the one
    before.

    When no plan meets every target, the answer says why (:class:`Diagnosis`): the same
    model with slack variables :math:`s_t \ge 0` on the targets (unlimited budget),
    minimising :math:`\sum_t s_t`, gives the most each target can reach; with the
    targets hard and a slack on each year's budget, the least budget that would do; and
    with the earliest-year rule dropped, which circles would have had to start earlier.

    Parameters
    ----------
    needs : sequence of CircleNeed
        Every circle: what it holds, what each grade costs and takes.
    programme : Programme
        Years, targets, due days, start day (`programme_from_rules`).
    budget : float or mapping, optional
        Budget per plan year in 万元 (one figure for every year, or year -> figure).
    objective : {"cost", "residents"}
        Minimise cost or maximise residents served.
    time_limit : float, optional
        Seconds HiGHS may spend on each solve.

    Returns
    -------
    SchedulePlan
        ``feasible`` false (with ``diagnosis``) when the targets cannot all be met.

    Raises
    ------
    InputError
        An unknown objective, a negative budget, a circle listed twice, no plan year left.
    """
    if objective not in ("cost", "residents"):
        raise InputError(
            f"未知的优化目标 {objective!r}",
            field="objective",
            fix="用 cost（费用最省）或 residents（惠及居民最多）。",
        )
    ids = [n.id for n in needs]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise InputError(f"生活圈 {dup} 出现了两次", field="circle", fix="每个生活圈只列一次。")
    years = programme.plan_years
    if not years:
        raise InputError(
            f"开工日期 {programme.start} 已晚于规划期（{programme.years[0]}-{programme.years[-1]}年）",
            field="start",
            fix="核对开工日期，或在 programme.yaml 中延长规划年度。",
        )
    budgets = _budgets(budget, years)
    model = _Model(list(needs), programme, budgets)
    plan = model.best(objective, time_limit=time_limit)
    if plan is not None:
        return plan
    return model.diagnose(objective, time_limit=time_limit)


def _budgets(
    budget: float | Mapping[int, float] | None, years: tuple[int, ...]
) -> dict[int, float] | None:
    if budget is None:
        return None
    if isinstance(budget, Mapping):
        out = {y: float(budget.get(y, math.inf)) for y in years}
    else:
        out = dict.fromkeys(years, float(budget))
    if any(v < 0 or math.isnan(v) for v in out.values()):
        raise InputError("年度预算不能为负数", field="budget", fix="填写每年可用的万元数。")
    return out


class _Model:
    """The variables and rows shared by every solve (strict, relaxed, diagnostic)."""

    def __init__(
        self, needs: list[CircleNeed], programme: Programme, budgets: dict[int, float] | None
    ) -> None:
        self.needs = needs
        self.programme = programme
        self.budgets = budgets
        self.years = programme.plan_years

    # --- building --------------------------------------------------------------------

    def _vars(self, ignore_start: bool) -> list[tuple[int, str, int]]:
        out: list[tuple[int, str, int]] = []
        for i, n in enumerate(self.needs):
            for g in GRADES:
                first = earliest_year(n, g, self.programme, ignore_start=ignore_start)
                if first is None:
                    continue
                out.extend((i, g, y) for y in self.years if y >= first)
        return out

    def held_count(self, t: Target) -> int:
        """Circles holding the target's grade in its years (AA: also those holding AAA)."""
        count = 0
        for n in self.needs:
            year = _held_year(n, t.grade)
            if year is _NOT_HELD:
                continue
            if year is None:
                count += len(t.years) > 1  # year unknown: counts in totals only
            elif year in t.years or (len(t.years) > 1 and year < min(t.years)):
                count += 1
        return count

    def _solve(
        self,
        *,
        ignore_start: bool = False,
        target_slack: bool = False,
        budget_slack: bool = False,
        use_budget: bool = True,
        stages: Sequence[str],
        time_limit: float | None,
    ) -> tuple[MipResult, list[tuple[int, str, int]], dict[str, int]] | None:
        """Solve lexicographically over ``stages`` (each keeps the previous optimum).

        Stages: ``slack`` (min target slack), ``budget`` (min budget slack), ``cost``
        (min), ``residents`` (max), ``early`` (max residents × years early).
        """
        xs = self._vars(ignore_start)
        n_x = len(xs)
        cols: dict[str, int] = {}
        extra = 0
        targets = [t for t in self.programme.targets if set(t.years) & set(self.years)]
        if target_slack:
            for t in targets:
                cols[f"s:{t.id}"] = n_x + extra
                extra += 1
        budgets = self.budgets if use_budget else None
        if budgets is not None and budget_slack:
            for y in self.years:
                cols[f"b:{y}"] = n_x + extra
                extra += 1
        n = n_x + extra
        rows: list[dict[int, float]] = []
        lo: list[float] = []
        hi: list[float] = []
        by_ig: dict[tuple[int, str], list[int]] = {}
        for k, (i, g, _) in enumerate(xs):
            by_ig.setdefault((i, g), []).append(k)
        for ks in by_ig.values():  # once
            rows.append(dict.fromkeys(ks, 1.0))
            lo.append(-math.inf)
            hi.append(1.0)
        for i, n_ in enumerate(self.needs):  # AAA only after AA
            if "AA" in n_.held:
                continue
            aa = {xs[k][2]: k for k in by_ig.get((i, "AA"), [])}
            for k in by_ig.get((i, "AAA"), []):
                y = xs[k][2]
                row = {k: -1.0}
                for yy, kk in aa.items():
                    if yy <= y:
                        row[kk] = 1.0
                rows.append(row)
                lo.append(0.0)
                hi.append(math.inf)
        for t in targets:  # targets
            need = t.min - self.held_count(t)
            row = {k: 1.0 for k, (_, g, y) in enumerate(xs) if g == t.grade and y in t.years}
            if target_slack:
                row[cols[f"s:{t.id}"]] = 1.0
            rows.append(row)
            lo.append(float(need))
            hi.append(math.inf)
        if budgets is not None:  # budget
            for y in self.years:
                row = {k: self._cost(i, g) for k, (i, g, yy) in enumerate(xs) if yy == y}
                if budget_slack:
                    row[cols[f"b:{y}"]] = -1.0
                rows.append(row)
                lo.append(-math.inf)
                hi.append(budgets[y])
        objectives = {
            "slack": (
                np.array([1.0 if c.startswith("s:") else 0.0 for c in self._names(n, cols)]),
                "min",
            ),
            "budget": (
                np.array([1.0 if c.startswith("b:") else 0.0 for c in self._names(n, cols)]),
                "min",
            ),
            "cost": (self._vector(xs, n, lambda i, g, y: self._cost(i, g)), "min"),
            "residents": (
                self._vector(xs, n, lambda i, g, y: self.needs[i].population),
                "max",
            ),
            "early": (
                self._vector(
                    xs, n, lambda i, g, y: self.needs[i].population * (self.years[-1] - y + 1)
                ),
                "max",
            ),
            "late": (  # assignments before the circle's works could end: fewest
                self._vector(xs, n, lambda i, g, y: float(y < self._earliest(i, g))),
                "min",
            ),
        }
        integer = np.zeros(n, dtype=bool)
        integer[:n_x] = True
        res: MipResult | None = None
        for stage in stages:
            c, sense = objectives[stage]
            res = _run(rows, lo, hi, n, c, sense, integer, time_limit)
            if res.status not in ("optimal", "time_limit") or res.x is None:
                return None
            row = {k: float(v) for k, v in enumerate(c) if v != 0.0}
            if not row:
                continue
            tol = 1e-6 * max(1.0, abs(res.objective))
            rows.append(row)
            if sense == "min":
                lo.append(-math.inf)
                hi.append(res.objective + tol)
            else:
                lo.append(res.objective - tol)
                hi.append(math.inf)
        assert res is not None
        return res, xs, cols

    @staticmethod
    def _names(n: int, cols: dict[str, int]) -> list[str]:
        names = ["x"] * n
        for name, k in cols.items():
            names[k] = name
        return names

    @staticmethod
    def _vector(xs: list[tuple[int, str, int]], n: int, f: Any) -> np.ndarray:
        v = np.zeros(n)
        for k, (i, g, y) in enumerate(xs):
            v[k] = f(i, g, y)
        return v

    def _cost(self, i: int, g: str) -> float:
        return float(self.needs[i].options[g].cost)

    def _earliest(self, i: int, g: str) -> int:
        y = earliest_year(self.needs[i], g, self.programme)
        return 10_000 if y is None else y

    # --- answers ---------------------------------------------------------------------

    def best(self, objective: Objective, *, time_limit: float | None) -> SchedulePlan | None:
        first, second = ("cost", "residents") if objective == "cost" else ("residents", "cost")
        got = self._solve(stages=(first, second, "early"), time_limit=time_limit)
        if got is None:
            return None
        res, xs, _ = got
        return self._plan(res, xs, objective, feasible=True, diagnosis=None)

    def diagnose(self, objective: Objective, *, time_limit: float | None) -> SchedulePlan:
        first, second = ("cost", "residents") if objective == "cost" else ("residents", "cost")
        budget_needed = None
        if self.budgets is not None:
            got = self._solve(budget_slack=True, stages=("budget", first), time_limit=time_limit)
            if got is not None:
                res, xs, cols = got
                assert res.x is not None
                budget_needed = {
                    y: self.budgets[y] + float(res.x[cols[f"b:{y}"]]) for y in self.years
                }
                budget_needed = {
                    y: v for y, v in budget_needed.items() if v > self.budgets[y] + 1e-6
                }
                diag = Diagnosis([], budget_needed, [], True, self._budget_message(budget_needed))
                plan = self._plan(res, xs, objective, feasible=False, diagnosis=diag)
                return plan
        # targets short even with an unlimited budget: by how many?
        got = self._solve(
            target_slack=True,
            use_budget=False,
            stages=("slack", first, second),
            time_limit=time_limit,
        )
        assert got is not None  # with slack the model is always feasible
        res, xs, cols = got
        assert res.x is not None
        gaps = []
        for t in self.programme.targets:
            key = f"s:{t.id}"
            short = int(np.rint(res.x[cols[key]])) if key in cols else 0
            if short > 0:
                gaps.append(TargetGap(t, t.min - short, short))
        # would starting earlier close them?
        earlier: list[EarlierStart] = []
        closes = False
        if gaps:
            again = self._solve(
                target_slack=True, use_budget=False, ignore_start=True,
                stages=("slack", "late", first), time_limit=time_limit,
            )  # fmt: skip
            if again is not None:
                r2, xs2, cols2 = again
                assert r2.x is not None
                left = sum(r2.x[v] for k, v in cols2.items() if k.startswith("s:"))
                closes = left < 1e-6
                before = sum(g.short for g in gaps)
                if left < before - 1e-6:
                    for k, (i, g, y) in enumerate(xs2):
                        if r2.x[k] < 0.5:
                            continue
                        first_y = earliest_year(self.needs[i], g, self.programme)
                        if first_y is None or y < first_y:
                            earlier.append(
                                EarlierStart(
                                    self.needs[i].id, g, y, first_y, self._start_by(i, g, y)
                                )
                            )
        message = self._gap_message(gaps, earlier, closes)
        diag = Diagnosis(gaps, None, earlier, closes, message)
        return self._plan(res, xs, objective, feasible=False, diagnosis=diag)

    def _start_by(self, i: int, g: str, y: int) -> date:
        n = self.needs[i]
        months = n.options[g].months
        if g == "AAA" and "AA" not in n.held and "AA" in n.options:
            months += n.options["AA"].months
        due = self.programme.due_date(g, y)
        return due - timedelta(days=math.ceil(months * DAYS_PER_MONTH))

    def _plan(
        self,
        res: MipResult,
        xs: list[tuple[int, str, int]],
        objective: str,
        *,
        feasible: bool,
        diagnosis: Diagnosis | None,
    ) -> SchedulePlan:
        assert res.x is not None
        chosen = [xs[k] for k in range(len(xs)) if res.x[k] > 0.5]
        chosen.sort(key=lambda v: (v[2], GRADES.index(v[1]), self.needs[v[0]].id))
        assignments = [
            Assignment(
                circle=self.needs[i].id,
                grade=g,
                year=y,
                cost=self._cost(i, g),
                months=float(self.needs[i].options[g].months),
                due=self.programme.due_date(g, y),
                start_by=self._start_by(i, g, y),
            )
            for i, g, y in chosen
        ]
        cost_by_year = {y: 0.0 for y in self.years}
        for a in assignments:
            cost_by_year[a.year] += a.cost
        pop = {n.id: n.population for n in self.needs}
        checks = []
        for t in self.programme.targets:
            planned = sum(1 for a in assignments if a.grade == t.grade and a.year in t.years)
            checks.append(
                TargetCheck(t, self.held_count(t), planned, bool(set(t.years) & set(self.years)))
            )
        return SchedulePlan(
            feasible=feasible,
            objective=objective,
            assignments=assignments,
            cost_by_year=cost_by_year,
            total_cost=float(sum(a.cost for a in assignments)),
            residents=float(sum(pop[a.circle] for a in assignments)),
            checks=checks,
            budget=self.budgets,
            diagnosis=diagnosis,
            plan_years=self.years,
        )

    def _budget_message(self, needed: dict[int, float]) -> str:
        assert self.budgets is not None
        parts = [
            f"{y}年需 {v:,.0f} 万元（现为 {self.budgets[y]:,.0f} 万元，差 {v - self.budgets[y]:,.0f} 万元）"
            for y, v in sorted(needed.items())
        ]
        return (
            "按现有年度预算无法满足全部创建目标；若预算调整为："
            + "；".join(parts)
            + "，则全部目标可以满足。"
        )

    def _gap_message(self, gaps: list[TargetGap], earlier: list[EarlierStart], closes: bool) -> str:
        lines = ["即使不限预算，以下创建目标也无法满足："]
        overdue = False
        for g in gaps:
            t = g.target
            passed = [
                y
                for y in t.years
                if y in self.years and self.programme.due_date(t.grade, y) < self.programme.start
            ]
            late = (
                f"{'、'.join(map(str, passed))}年的时限已过（{self.programme.due_date(t.grade, passed[-1])}），"
                if passed and len(passed) == len([y for y in t.years if y in self.years])
                else ""
            )
            overdue = overdue or bool(late)
            lines.append(
                f"· {t.label}：要求 {t.min} 个，{late}最多可达 {g.best} 个，差 {g.short} 个。"
            )
        if earlier:
            head = "若以下生活圈提前开工，可" + ("满足全部目标：" if closes else "缩小差距：")
            lines.append(head)
            for e in earlier:
                first = f"按工期最早 {e.earliest} 年" if e.earliest else "按工期规划期内无法完成"
                lines.append(
                    f"· {e.circle} 于 {e.year} 年达到{GRADE_ZH[e.grade]}（{first}），"
                    f"须在 {e.start_by} 前开工。"
                )
        if not closes:
            if overdue:
                lines.append("时限已过的年度目标已无法靠铺排补救，需报请调整目标。")
            if not overdue or len(gaps) > 1:
                lines.append(
                    "差距来自可参与创建的生活圈不足（已评定或无法达到相应等级）：需调整目标，"
                    "或补齐更多生活圈的短板后重新体检。"
                )
        return "\n".join(lines)


_NOT_HELD = object()


def _held_year(need: CircleNeed, grade: str) -> Any:
    """The year ``need`` reached ``grade`` (AA: also via AAA); None unknown; _NOT_HELD."""
    if grade in need.held:
        return need.held[grade]
    if grade == "AA" and "AAA" in need.held:
        return need.held["AAA"]
    return _NOT_HELD


def _run(
    rows: list[dict[int, float]],
    lo: list[float],
    hi: list[float],
    n: int,
    c: np.ndarray,
    sense: str,
    integer: np.ndarray,
    time_limit: float | None,
) -> MipResult:
    r, k, v = [], [], []
    for j, row in enumerate(rows):
        for col, val in row.items():
            r.append(j)
            k.append(col)
            v.append(val)
    matrix = sp.csc_matrix((v, (r, k)), shape=(len(rows), n))
    return highs_solve(
        cost=c.astype(np.float64),
        matrix=matrix,
        row_lower=np.array(lo, dtype=np.float64),
        row_upper=np.array(hi, dtype=np.float64),
        col_lower=np.zeros(n),
        col_upper=np.where(integer, 1.0, np.inf),
        integer=integer,
        sense="min" if sense == "min" else "max",
        time_limit=time_limit,
    )
