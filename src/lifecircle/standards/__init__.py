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
from lifecircle.standards.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "Catalogue",
    "Grade",
    "GradingRule",
    "Indicator",
    "IndicatorInfo",
    "Status",
    "Taxonomy",
    "evaluate",
    "grade",
    "list_catalogues",
    "load_catalogue",
    "load_taxonomy",
]
