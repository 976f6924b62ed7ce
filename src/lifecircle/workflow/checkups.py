"""Checkup runs in the database: a ``CheckupResult`` stored with its trace."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.checkup import CheckupResult
from lifecircle.checkup.result import json_safe
from lifecircle.errors import SchemaError
from lifecircle.store.models import CheckupResult as StoredResult
from lifecircle.store.models import CheckupRun, Circle
from lifecircle.workflow.places import upsert_circle


def load_checkup_file(path: str | os.PathLike[str]) -> CheckupResult:
    """``CheckupResult.read(path)``: a checkup.json (or its folder), validated.

    Parameters
    ----------
    path : str or path-like
        ``checkup.json`` or the output folder of ``lifecircle checkup``.

    Returns
    -------
    lifecircle.checkup.CheckupResult
    """
    return CheckupResult.read(path)


def import_checkup(
    session: Session,
    checkup: CheckupResult,
    *,
    source: str | None = None,
    create_circles: bool = True,
) -> CheckupRun:
    """Store a checkup run and its per-circle results (grade, constraints, shortfalls, trace).

    The same run (``run.id``) is imported once. Circles unknown to the database are created from
    the checkup (``create_circles``) or rejected. All or nothing.

    Parameters
    ----------
    session : Session
        The database session (the caller commits).
    checkup : lifecircle.checkup.CheckupResult
        The checkup, read with ``CheckupResult.read`` (validated) or built in memory.
    source : str, optional
        Named in errors (default: the file the checkup was read from).
    create_circles : bool
        Create circles the database does not know (default), or refuse them.

    Returns
    -------
    CheckupRun
        The stored run.

    Raises
    ------
    SchemaError
        The run is already stored, or a circle is unknown and ``create_circles`` is off.
    """
    source = source or checkup.source or "checkup.json"
    run = checkup.run
    if session.scalar(select(CheckupRun).where(CheckupRun.run_key == run.id)) is not None:
        raise SchemaError(
            f"体检 {run.id} 已经导入过",
            file=source,
            field="run.id",
            fix="无需再次导入；重新体检会生成新的编号",
        )
    created = run.created
    if created.tzinfo is not None:
        created = created.astimezone(UTC).replace(tzinfo=None)
    cat = run.catalogue
    with session.begin_nested():
        rec = CheckupRun(
            run_key=run.id,
            created_at=created,
            year=created.year,
            software_version=run.software_version,
            catalogue_id=cat.id,
            catalogue_version=cat.version,
            catalogue_provisional=cat.provisional,
            input_hash=run.input_hash,
            district_name=run.district.name,
            admin_code=run.district.admin_code,
            generated_geometry=run.generated_geometry,
            notice=run.notice,
            summary=json_safe(checkup.summary),
        )
        session.add(rec)
        session.flush()
        # the circles looked up once; each circle's stored result is written with the next
        # circle's rows (one flush per circle instead of four: the same rows, ids and audit
        # entries in the same order), the last one at the end
        known = {c.code: c for c in session.scalars(select(Circle))}
        for i, c in enumerate(checkup.circles, start=1):
            circle = known.get(c.id)
            if circle is None:
                if not create_circles:
                    raise SchemaError(
                        f"数据库中没有生活圈 {c.id}",
                        file=source,
                        row=i,
                        field="circles[].id",
                        fix="先导入生活圈清单（lifecircle import circles），或核对体检所用的生活圈编号",
                    )
                # only this import's results are pending: no lookup of places needs them
                with session.no_autoflush:
                    circle = known[c.id] = upsert_circle(
                        session,
                        c.id,
                        c.name,
                        c.street,
                        list(c.communities),
                        population=int(c.population),
                        households=c.households,
                        area_km2=c.area_km2,
                    )
            failed = c.failed_constraints
            session.add(
                StoredResult(
                    run_id=rec.id,
                    circle_id=circle.id,
                    grade=c.grade,
                    grade_reason=c.grade_reason,
                    population=c.population,
                    constraints_pass=not failed,
                    failed_constraints=failed,
                    indicators=[i.to_dict() for i in c.indicators],
                    shortfalls=[s.to_dict() for s in c.shortfalls],
                )
            )
        session.flush()
    return rec


def latest_result(
    session: Session, circle_id: int, *, as_of: date | None = None
) -> StoredResult | None:
    """The circle's result in the newest run (created on or before ``as_of`` when given)."""
    q = (
        select(StoredResult)
        .join(CheckupRun)
        .where(StoredResult.circle_id == circle_id)
        .order_by(CheckupRun.created_at.desc(), CheckupRun.id.desc())
    )
    if as_of is not None:
        q = q.where(CheckupRun.created_at < datetime.combine(as_of, datetime.max.time()))
    return session.scalars(q.limit(1)).first()


def compare_years(session: Session, circle_id: int) -> list[dict]:
    """The circle's grade and failing constraints run by run, oldest first, with the trace."""
    q = (
        select(StoredResult, CheckupRun)
        .join(CheckupRun)
        .where(StoredResult.circle_id == circle_id)
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
