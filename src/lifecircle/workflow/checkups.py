"""Checkup runs in the database: a checkup.json (docs/interfaces.md) stored with its trace."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import FileFormatError, SchemaError
from lifecircle.store.models import CheckupResult, CheckupRun, Circle
from lifecircle.workflow.places import upsert_circle

_RUN_FIELDS = ("id", "created_at", "catalogue", "input_hash")
_CIRCLE_FIELDS = ("id", "name", "street", "grade", "indicators")


def load_checkup_file(path: str | os.PathLike) -> dict:
    path = Path(path)
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise FileFormatError(
            f"cannot read checkup.json: {exc}", file=str(path), fix="give a checkup.json file"
        ) from exc


def _validate(checkup: dict, source: str) -> None:
    if not isinstance(checkup, dict) or "run" not in checkup or "circles" not in checkup:
        raise SchemaError(
            "not a checkup.json (needs 'run' and 'circles')",
            file=source,
            field="run",
            fix="give the checkup.json written by `lifecircle checkup`",
        )
    if str(checkup.get("schema_version", "")).split(".")[0] != "1":
        raise SchemaError(
            f"schema_version {checkup.get('schema_version')!r} is not 1.x",
            file=source,
            field="schema_version",
            fix="re-run the checkup with this version of lifecircle",
        )
    for f in _RUN_FIELDS:
        if not checkup["run"].get(f):
            raise SchemaError(
                f"run.{f} is missing",
                file=source,
                field=f"run.{f}",
                fix="re-run the checkup; its trace is required",
            )
    cat = checkup["run"]["catalogue"]
    if not cat.get("id") or not cat.get("version"):
        raise SchemaError(
            "run.catalogue needs id and version",
            file=source,
            field="run.catalogue",
            fix="re-run the checkup",
        )
    for i, c in enumerate(checkup["circles"], start=1):
        for f in _CIRCLE_FIELDS:
            if c.get(f) in (None, ""):
                raise SchemaError(
                    f"circle is missing '{f}'",
                    file=source,
                    row=i,
                    field=f"circles[].{f}",
                    fix="re-run the checkup",
                )
        if c["grade"] not in ("NONE", "AA", "AAA"):
            raise SchemaError(
                f"grade {c['grade']!r}",
                file=source,
                row=i,
                field="circles[].grade",
                fix="grade is NONE, AA or AAA",
            )


def failed_constraints(circle: dict) -> list[str]:
    """Ids of constraint indicators that do not pass (fail or missing)."""
    return [
        ind["id"]
        for ind in circle.get("indicators", [])
        if ind.get("category") == "constraint" and ind.get("status") != "pass"
    ]


def import_checkup(
    session: Session, checkup: dict, *, source: str = "checkup.json", create_circles: bool = True
) -> CheckupRun:
    """Store a checkup run and its per-circle results (grade, constraints, shortfalls, trace).

    The same run (``run.id``) is imported once. Circles unknown to the database are created from
    the checkup (``create_circles``) or rejected. All or nothing.
    """
    _validate(checkup, source)
    run = checkup["run"]
    if session.scalar(select(CheckupRun).where(CheckupRun.run_key == run["id"])) is not None:
        raise SchemaError(
            f"checkup run {run['id']} is already stored",
            file=source,
            field="run.id",
            fix="nothing to do; a new run has a new id",
        )
    created = datetime.fromisoformat(str(run["created_at"]).replace("Z", "+00:00"))
    if created.tzinfo is not None:
        from datetime import UTC

        created = created.astimezone(UTC).replace(tzinfo=None)
    cat = run["catalogue"]
    with session.begin_nested():
        rec = CheckupRun(
            run_key=run["id"],
            created_at=created,
            year=created.year,
            software_version=run.get("software_version"),
            catalogue_id=cat["id"],
            catalogue_version=str(cat["version"]),
            catalogue_provisional=bool(cat.get("provisional", False)),
            input_hash=run["input_hash"],
            district_name=(run.get("district") or {}).get("name"),
            admin_code=(run.get("district") or {}).get("admin_code"),
            generated_geometry=bool(run.get("generated_geometry", False)),
            notice=run.get("notice"),
            summary=checkup.get("summary"),
        )
        session.add(rec)
        session.flush()
        for i, c in enumerate(checkup["circles"], start=1):
            circle = session.scalar(select(Circle).where(Circle.code == c["id"]))
            if circle is None:
                if not create_circles:
                    raise SchemaError(
                        f"circle {c['id']} is not in the database",
                        file=source,
                        row=i,
                        field="circles[].id",
                        fix="import the circle list first",
                    )
                circle = upsert_circle(
                    session,
                    c["id"],
                    c["name"],
                    c["street"],
                    list(c.get("communities") or []),
                    population=int(c["population"]) if c.get("population") is not None else None,
                    households=c.get("households"),
                    area_km2=c.get("area_km2"),
                )
            failed = failed_constraints(c)
            session.add(
                CheckupResult(
                    run_id=rec.id,
                    circle_id=circle.id,
                    grade=c["grade"],
                    grade_reason=c.get("grade_reason"),
                    population=c.get("population"),
                    constraints_pass=not failed,
                    failed_constraints=failed,
                    indicators=c.get("indicators", []),
                    shortfalls=c.get("shortfalls", []),
                )
            )
        session.flush()
    return rec


def latest_result(
    session: Session, circle_id: int, *, as_of: date | None = None
) -> CheckupResult | None:
    """The circle's result in the newest run (created on or before ``as_of`` when given)."""
    q = (
        select(CheckupResult)
        .join(CheckupRun)
        .where(CheckupResult.circle_id == circle_id)
        .order_by(CheckupRun.created_at.desc(), CheckupRun.id.desc())
    )
    if as_of is not None:
        q = q.where(CheckupRun.created_at < datetime.combine(as_of, datetime.max.time()))
    return session.scalars(q.limit(1)).first()


def compare_years(session: Session, circle_id: int) -> list[dict]:
    """The circle's grade and failing constraints run by run, oldest first, with the trace."""
    q = (
        select(CheckupResult, CheckupRun)
        .join(CheckupRun)
        .where(CheckupResult.circle_id == circle_id)
        .order_by(CheckupRun.created_at, CheckupRun.id)
    )
    return [
        {
            "run": run.run_key,
            "year": run.year,
            "catalogue": run.catalogue_id,
            "catalogue_version": run.catalogue_version,
            "input_hash": run.input_hash,
            "grade": res.grade,
            "failed_constraints": res.failed_constraints,
        }
        for res, run in session.execute(q)
    ]
