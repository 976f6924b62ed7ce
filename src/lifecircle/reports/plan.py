"""The creation plan's grade targets (雨政办发〔2023〕20号, part 4) as data for the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lifecircle.checkup import DistrictInfo


@dataclass(frozen=True)
class GradeTarget:
    """One target of the plan.

    ``grade`` is ``"AA"`` (counting AAA circles too, since AAA is chosen among AA) or
    ``"AAA"``; ``year`` is set for a yearly quota of new circles, ``None`` for a total;
    ``cumulative`` is the least total the quotas imply by ``deadline`` (10 AA in 2022
    plus 5 a year; 3 AAA a year), which a checkup can compare with its own count.
    """

    grade: str
    required: int
    deadline: date | None
    year: int | None
    cumulative: int | None
    achieved: bool = False  # reported as done by the plan itself (the 2022 circles)


YUHUA_2023_2025: tuple[GradeTarget, ...] = (
    GradeTarget("AA", 10, date(2022, 12, 31), 2022, 10, achieved=True),
    GradeTarget("AA", 5, date(2023, 9, 30), 2023, 15),
    GradeTarget("AAA", 3, date(2023, 10, 31), 2023, 3),
    GradeTarget("AA", 5, date(2024, 9, 30), 2024, 20),
    GradeTarget("AAA", 3, date(2024, 10, 31), 2024, 6),
    GradeTarget("AA", 5, date(2025, 9, 30), 2025, 25),
    GradeTarget("AAA", 3, date(2025, 10, 31), 2025, 9),
    GradeTarget("AA", 25, date(2025, 12, 31), None, 25),
    GradeTarget("AAA", 10, date(2025, 12, 31), None, 10),
)


def plan_targets_for(district: DistrictInfo | None) -> tuple[GradeTarget, ...]:
    """The grade targets of the district's plan; empty when no plan is known for it."""
    if district is None:
        return ()
    if str(district.admin_code or "") == "430111" or district.name == "雨花区":
        return YUHUA_2023_2025
    return ()


def target_status(t: GradeTarget, current: int, as_of: date) -> str:
    """``met`` / ``behind`` / ``open`` for the cumulative count the target implies."""
    need = t.cumulative if t.cumulative is not None else t.required
    if current >= need:
        return "met"
    if t.deadline is not None and as_of > t.deadline:
        return "behind"
    return "open"
