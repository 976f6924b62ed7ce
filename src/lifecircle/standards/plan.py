"""A district's creation plan as data: its grade targets, deadlines and cumulative totals.

One definition (``data/plans/*.yaml``, format ``lifecircle-plan/1``) serves both the
programme database (schedule deadlines, district totals) and the reports (the 创建目标
table), so the two never disagree on a target or a date.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lifecircle.errors import CatalogueError

_PLANS = resources.files("lifecircle.standards") / "data" / "plans"
GRADES = ("AA", "AAA")


@dataclass(frozen=True)
class PlanTarget:
    """One target of a plan: a yearly quota of new circles of a grade, or a total.

    ``years`` are the years whose new circles count towards it (one for a quota);
    ``due`` its deadline; ``cumulative`` the least number of circles holding the grade by
    ``due`` that the plan implies (AA counts AAA circles too, since AAA is chosen among AA):
    for a quota, the sum of the quotas of that grade up to its year; for a total, ``min``.
    ``reported_done`` marks a target the plan itself reports as met (2022's ten circles).
    """

    id: str
    label: str
    grade: str
    years: tuple[int, ...]
    min: int
    due: date
    cumulative: int
    reported_done: bool = False

    @property
    def year(self) -> int | None:
        """The year of a yearly quota; None for a total over several years."""
        return self.years[0] if len(self.years) == 1 else None


@dataclass(frozen=True)
class CreationPlan:
    """A district's creation plan: the document, its years, deadlines and targets."""

    id: str
    title: str
    document: str
    clause: str
    issued: date
    district_name: str
    admin_code: str | None
    years: tuple[int, ...]
    due_rule: dict[str, tuple[int, int]]
    targets: tuple[PlanTarget, ...]

    @property
    def citation(self) -> str:
        """The plan as an office cites it: ``雨政办发〔2023〕20号 四``."""
        return f"{self.document} {self.clause}".strip()

    def due_date(self, grade: str, year: int) -> date:
        """Deadline of ``grade`` in ``year``: the yearly target's own, else the rule.

        Parameters
        ----------
        grade : {"AA", "AAA"}
        year : int

        Returns
        -------
        datetime.date
        """
        for t in self.targets:
            if t.grade == grade and t.years == (year,):
                return t.due
        month, day = self.due_rule[grade]
        return date(year, month, day)

    def applies_to(self, *, name: str | None, admin_code: str | None) -> bool:
        """True when the plan is the district's (same administrative code, else name).

        Parameters
        ----------
        name : str or None
            The district's name.
        admin_code : str or None
            The district's administrative code.

        Returns
        -------
        bool
            Whether the plan is the district's.
        """
        if admin_code and self.admin_code:
            return str(admin_code) == self.admin_code
        return bool(name) and name == self.district_name


def list_plans() -> list[str]:
    """Ids of the plans shipped with the package.

    Returns
    -------
    list of str
        The shipped plan ids, sorted.
    """
    return sorted(p.name[:-5] for p in _PLANS.iterdir() if p.name.endswith(".yaml"))


def load_plan(name_or_path: str | Path) -> CreationPlan:
    """A plan by shipped id or by path, checked.

    Parameters
    ----------
    name_or_path : str or path-like
        ``yuhua-2023-2025`` or the path of a ``lifecircle-plan/1`` YAML file.

    Returns
    -------
    CreationPlan

    Raises
    ------
    CatalogueError
        No such plan, unreadable YAML, or a target that is not well formed (naming the
        file, the target and the field).
    """
    text = str(name_or_path)
    if text in list_plans():
        return _shipped(text)
    path = Path(name_or_path)
    if not path.is_file():
        raise CatalogueError(
            f"没有名为 {text!r} 的创建方案，也没有这个文件",
            file=text,
            fix=f"写内置方案之一（{'、'.join(list_plans())}）或方案 YAML 文件的路径",
        )
    return _parse(path.read_text(encoding="utf-8"), str(path))


@cache
def _shipped(name: str) -> CreationPlan:
    return _parse((_PLANS / f"{name}.yaml").read_text(encoding="utf-8"), f"{name}.yaml")


def plan_for(*, name: str | None, admin_code: str | None) -> CreationPlan | None:
    """The shipped plan of a district, or None when none is known for it.

    Parameters
    ----------
    name : str or None
        District name.
    admin_code : str or None
        Administrative code (decides when both sides have one).

    Returns
    -------
    CreationPlan or None
    """
    for pid in list_plans():
        plan = _shipped(pid)
        if plan.applies_to(name=name, admin_code=admin_code):
            return plan
    return None


def _day(value: Any, file: str, field: str) -> date:
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogueError(
            f"{value!r} 不是日期", file=file, field=field, fix="写成 2025-12-31"
        ) from exc


def _month_day(value: Any) -> tuple[int, int]:
    month, day = (int(x) for x in str(value).split("-"))
    date(2000, month, day)  # a real month-day (ValueError otherwise)
    return month, day


def _parse(text: str, file: str) -> CreationPlan:
    try:
        data = yaml.safe_load(text)
        if not isinstance(data, dict) or data.get("format") != "lifecircle-plan/1":
            raise ValueError("not a lifecircle-plan/1 document")
        rule = {g: _month_day(data["due"][g]) for g in GRADES}
        raw = list(data["targets"])
        district = data["district"]
    except (yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
        raise CatalogueError(
            f"无法读取创建方案：{exc}",
            file=file,
            fix="按 lifecircle/standards/data/plans/yuhua-2023-2025.yaml 的格式书写",
        ) from exc
    targets: list[PlanTarget] = []
    for row in raw:
        tid = str(row.get("id", "?"))
        grade = row.get("grade")
        if grade not in GRADES:
            raise CatalogueError(
                f"目标 {tid}：等级 {grade!r} 无法识别", file=file, field="grade", fix="写 AA 或 AAA"
            )
        years = tuple(int(y) for y in (row["years"] if "years" in row else [row["year"]]))
        if "due" in row:
            due = _day(row["due"], file, "due")
        elif len(years) == 1:
            month, day = rule[grade]
            due = date(years[0], month, day)
        else:
            raise CatalogueError(
                f"目标 {tid}：跨多个年度的总数须有完成时限",
                file=file,
                field="due",
                fix="加上 due: 2025-12-31",
            )
        targets.append(
            PlanTarget(
                id=tid,
                label=str(row["label"]),
                grade=grade,
                years=years,
                min=int(row["min"]),
                due=due,
                cumulative=0,
                reported_done=bool(row.get("reported_done", False)),
            )
        )
    out = []
    for t in targets:
        if t.year is None:
            total = t.min
        else:  # the quotas of this grade up to this year
            total = sum(
                u.min for u in targets if u.grade == t.grade and u.year and u.year <= t.year
            )
        out.append(replace(t, cumulative=total))
    return CreationPlan(
        id=str(data["id"]),
        title=str(data["title"]),
        document=str(data["document"]),
        clause=str(data.get("clause") or ""),
        issued=_day(data["issued"], file, "issued"),
        district_name=str(district["name"]),
        admin_code=None if district.get("admin_code") is None else str(district["admin_code"]),
        years=tuple(int(y) for y in data["years"]),
        due_rule=rule,
        targets=tuple(out),
    )
