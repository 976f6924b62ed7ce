"""The 创建目标 table: the plan's targets (kept once, in ``lifecircle.standards``) judged
against a checkup as of its data date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from lifecircle.standards import CreationPlan, PlanTarget, plan_for

if TYPE_CHECKING:
    from lifecircle.checkup import DistrictInfo

#: how a target stands in a checkup's report
#: - ``plan_done``: the plan itself reports it met (2022's circles);
#: - ``history``: due before the checkup's data date: a past year, judged by the evaluation
#:   records, never by this checkup;
#: - ``met`` / ``open``: due on or after the data date: the checkup's count of circles
#:   graded AA (AAA included) or AAA reaches / does not yet reach the cumulative number.
STATUSES = ("plan_done", "history", "met", "open")


@dataclass(frozen=True)
class TargetRow:
    """One target as the table shows it: ``current`` is None unless this checkup judges it."""

    target: PlanTarget
    status: str
    current: int | None


def plan_targets_for(district: DistrictInfo | None) -> CreationPlan | None:
    """The creation plan of the checkup's district; None when none is known for it."""
    if district is None:
        return None
    return plan_for(name=district.name, admin_code=district.admin_code)


def target_rows(plan: CreationPlan, counts: dict[str, int], as_of: date) -> list[TargetRow]:
    """Each target of ``plan`` judged against a checkup of ``counts`` as of ``as_of``.

    Parameters
    ----------
    plan : CreationPlan
    counts : dict
        Circles per grade in the checkup (``NONE`` / ``AA`` / ``AAA``).
    as_of : datetime.date
        The checkup's data date (``RunInfo.as_of``): targets due before it are history.

    Returns
    -------
    list of TargetRow
    """
    rows = []
    for t in plan.targets:
        if t.reported_done:
            rows.append(TargetRow(t, "plan_done", None))
        elif t.due < as_of:
            rows.append(TargetRow(t, "history", None))
        else:
            current = counts.get("AAA", 0) + (counts.get("AA", 0) if t.grade == "AA" else 0)
            rows.append(TargetRow(t, "met" if current >= t.cumulative else "open", current))
    return rows
