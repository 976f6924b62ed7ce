"""The creation schedule: which circle aims for which grade in which year, at what cost.

``plan_schedule(needs, programme, budget=, objective=)`` is a MILP (HiGHS) over the
programme's targets; ``circle_need`` prices a circle's shortfalls from the project
library or a cost table (``load_cost_table``). Pure: no database (the workflow reads it).
"""

from lifecircle.planning.costs import (
    CostItem,
    CostTable,
    ProjectCost,
    circle_need,
    load_cost_table,
)
from lifecircle.planning.schedule import (
    Assignment,
    CircleNeed,
    Diagnosis,
    EarlierStart,
    Option,
    Programme,
    SchedulePlan,
    Target,
    TargetCheck,
    TargetGap,
    earliest_year,
    plan_schedule,
    programme_from_rules,
)

__all__ = [
    "Assignment",
    "CircleNeed",
    "CostItem",
    "CostTable",
    "Diagnosis",
    "EarlierStart",
    "Option",
    "Programme",
    "ProjectCost",
    "SchedulePlan",
    "Target",
    "TargetCheck",
    "TargetGap",
    "circle_need",
    "earliest_year",
    "load_cost_table",
    "plan_schedule",
    "programme_from_rules",
]
