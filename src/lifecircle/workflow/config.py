"""The programme's rules as data: units, streets, deadlines, district totals, project types."""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources

import yaml

from lifecircle.standards import CreationPlan, load_plan

GRADES = ("AA", "AAA")
GRADE_ZH = {"NONE": "未达标", "AA": "AA型", "AAA": "AAA型"}


@cache
def _load(name: str) -> dict:
    text = resources.files("lifecircle.workflow").joinpath("data").joinpath(name).read_text("utf-8")
    return yaml.safe_load(text)


def units_data() -> dict:
    return _load("units.yaml")


@cache
def programme() -> dict:
    """programme.yaml, with the plan's ``years``, ``due`` (month-day per grade) and
    ``totals`` (id, label, grade, years, min) read from the plan it names."""
    data = dict(_load("programme.yaml"))
    p = plan()
    data["years"] = list(p.years)
    data["due"] = {g: f"{m:02d}-{d:02d}" for g, (m, d) in p.due_rule.items()}
    data["totals"] = [
        {"id": t.id, "label": t.label, "grade": t.grade, "years": list(t.years), "min": t.min}
        for t in p.targets
    ]
    return data


def plan() -> CreationPlan:
    """The creation plan the programme follows (``plan:`` of programme.yaml)."""
    return load_plan(_load("programme.yaml")["plan"])


def due_date(grade: str, year: int) -> date:
    """The deadline of a grade in a year: the plan's (AA 30 September, AAA 31 October;
    2022, which the plan reports as done, its year's end)."""
    return plan().due_date(grade, year)


def project_types() -> dict[str, str]:
    return dict(programme()["project_types"])


def funding_sources() -> dict[str, str]:
    return dict(programme()["funding_sources"])


def resolve_choice(value: str, choices: dict[str, str]) -> str | None:
    """A code from either the code or its Chinese label; None when unknown."""
    value = (value or "").strip()
    if value in choices:
        return value
    for code, label in choices.items():
        if value == label or value.strip('“”"') == label:
            return code
    return None


def bulletin_settings(district: str) -> dict:
    """The bulletin's 版头/版记 settings (``bulletin.yaml``), ``{district}`` filled in."""
    raw = _load("bulletin.yaml")
    name = district or "本区"

    def fill(v: object) -> object:
        if isinstance(v, str):
            return v.replace("{district}", name)
        if isinstance(v, list):
            return [fill(x) for x in v]
        return v

    return {k: fill(v) for k, v in raw.items()}
