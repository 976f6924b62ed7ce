"""Indicator catalogues (YAML, validated), facility taxonomy and the AA/AAA grading rule."""

from lifecircle.standards.grading import evaluate, grade
from lifecircle.standards.loader import list_catalogues, load_catalogue
from lifecircle.standards.model import (
    Catalogue,
    Grade,
    GradingRule,
    Indicator,
    IndicatorInfo,
    Status,
)
from lifecircle.standards.plan import CreationPlan, PlanTarget, list_plans, load_plan, plan_for
from lifecircle.standards.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "Catalogue",
    "CreationPlan",
    "Grade",
    "GradingRule",
    "Indicator",
    "IndicatorInfo",
    "PlanTarget",
    "Status",
    "Taxonomy",
    "evaluate",
    "grade",
    "list_catalogues",
    "list_plans",
    "load_catalogue",
    "load_plan",
    "load_taxonomy",
    "plan_for",
]
