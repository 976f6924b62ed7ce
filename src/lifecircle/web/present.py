"""Turning read models into API payloads, showing each role only what it may read."""

from __future__ import annotations

from typing import Any

from lifecircle.workflow import config
from lifecircle.workflow.overview import CircleDetail, CircleRow, ProjectRow
from lifecircle.workflow.permissions import PUBLIC_PROJECT_FIELDS, Actor, can


def circle(row: CircleRow, actor: Actor) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.code,
        "name": row.name,
        "street": row.street,
        "population": row.population,
        "grade": row.grade,
        "grade_zh": row.grade_zh,
    }
    if can(actor, "circle.read_internal"):
        out |= {
            "held_grade": row.held_grade,
            "failed_constraints": row.failed_constraints,
            "projects_total": row.projects_total,
            "projects_open": row.projects_open,
            "projects_overdue": row.projects_overdue,
        }
    return out


_INDICATOR_KEYS = (
    "id",
    "name_zh",
    "category",
    "value",
    "threshold",
    "operator",
    "unit",
    "status",
    "margin",
)


def circle_detail(d: CircleDetail, actor: Actor, notice: str | None) -> dict[str, Any]:
    internal = can(actor, "circle.read_internal")
    out = circle(d.row, actor)
    shortfalls = []
    for sf in d.shortfalls:
        item = {
            "indicator_id": sf.get("indicator_id"),
            "name_zh": sf.get("name_zh"),
            "affected_population": sf.get("affected_population"),
        }
        if internal:
            item["affected_compounds"] = sf.get("affected_compounds") or []
            item["suggestion"] = sf.get("suggestion")
        shortfalls.append(item)
    out |= {
        "communities": d.communities,
        "checkup_run": d.run.run_key if d.run else None,
        "checkup_date": d.run.created_at.date() if d.run else None,
        "catalogue": f"{d.run.catalogue_id} {d.run.catalogue_version}" if d.run else None,
        "indicators": [{k: i.get(k) for k in _INDICATOR_KEYS} for i in d.indicators],
        "shortfalls": shortfalls,
        "notice": notice,
    }
    return out


def project(row: ProjectRow, actor: Actor, *, history: bool = False) -> dict[str, Any]:
    p = row.project
    full: dict[str, Any] = {
        "id": p.code,
        "name": p.name,
        "circle_id": p.circle.code,
        "project_type": p.project_type,
        "status": p.status,
        "due_date": p.due_date,
        "progress": p.progress,
    }
    if not can(actor, "project.read_internal"):
        return {k: v for k, v in full.items() if k in PUBLIC_PROJECT_FIELDS or k == "id"}
    full |= {
        "status_zh": row.status_zh,
        "timeliness": row.timeliness.code,
        "timeliness_zh": row.timeliness.zh,
        "lead_unit": p.lead_unit.name,
        "co_units": [u.name for u in p.co_units],
        "indicator_ids": list(p.indicator_ids or []),
        "budget_yuan": p.budget_yuan,
        "funding_source": p.funding_source,
        "start_date": p.start_date,
        "original_due_date": p.original_due_date,
        "completed_date": p.completed_date,
        "note": p.note,
        "version": p.version,
    }
    if history:
        full["history"] = [
            {
                "from_status": h.from_status,
                "to_status": h.to_status,
                "on": h.on,
                "actor": h.actor,
                "note": h.note,
            }
            for h in p.history
        ]
    return full


def grade_zh(grade: str | None) -> str:
    return config.GRADE_ZH[grade] if grade else "未体检"
