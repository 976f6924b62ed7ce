"""A checked District (from `load_district`) into the programme database: circles,
communities with polygons, compounds and facilities, geometry as WKB in WGS-84."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.district import District
from lifecircle.errors import InputError
from lifecircle.store.models import Circle, Community, Compound, Facility, Street
from lifecircle.store.models import District as DistrictRow
from lifecircle.workflow.imports import ERROR, NOTICE, ImportReport, Problem, run_import
from lifecircle.workflow.place_imports import (
    CirclePlan,
    apply_circle_plans,
    check_circle_plans,
    circle_street,
)

WARNING_ZH = {
    "compound_in_no_circle": "小区不在任何生活圈内",
    "circle_without_compounds": "生活圈内没有小区",
    "community_without_compounds": "社区没有小区",
    "community_without_polygon": "社区没有边界",
    "compound_outside_community": "小区位于所填社区边界之外",
}


def _wkb(geoms: Any) -> list[bytes | None]:
    arr = np.asarray(geoms, dtype=object)
    out = shapely.to_wkb(arr)
    return [None if g is None else bytes(b) for g, b in zip(arr, out, strict=True)]


def _num(value: Any) -> float | None:
    """A finite number, or None (NaN and empty cells stay empty in the database)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _wgs84(frame: Any) -> Any:
    return frame.to_crs(4326) if frame is not None and frame.crs is not None else frame


def district_plans(
    session: Session, district: District, report: ImportReport
) -> Callable[[], dict[str, int]]:
    """Check a loaded district against the database; return the function that writes it.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    district : District
        As `lifecircle.district.load_district` returns it (already checked).
    report : ImportReport
        Problems and counts are added here.

    Returns
    -------
    callable
        Writes everything; returns the counts written.
    """
    circles_file = "circles"
    if district.root is not None:
        from lifecircle.district import read_manifest

        circles_file = str(read_manifest(district.root).layers["circles"].path)
    for w in district.warnings:
        report.add(
            Problem(
                f"{WARNING_ZH.get(str(w.get('code')), str(w.get('code')))}：{w.get('message')}",
                row=w.get("row"),
                field=w.get("field"),
                column=w.get("field"),
                file=w.get("file"),
                severity=NOTICE,
            )
        )
    circles = _wgs84(district.circles)
    compounds = _wgs84(district.compounds)
    communities = _wgs84(district.communities)
    facilities = _wgs84(district.facilities)
    report.rows = len(circles)

    def problem(
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
        fix: str = "",
        severity: str = ERROR,
    ) -> Problem:
        return Problem(
            message,
            fix=fix,
            row=row,
            field=field,
            column=field,
            value=None if value is None else str(value),
            severity=severity,
            file=circles_file,
        )

    plans: list[CirclePlan] = []
    circle_wkb = _wkb(circles.geometry.values)
    for i, rec in enumerate(circles.drop(columns="geometry").to_dict("records")):
        code = str(rec["circle_id"])
        mine = compounds[compounds["circle_id"] == code]
        street = str(rec.get("street") or "") or circle_street(mine["street"].tolist())
        coms = list(rec.get("communities") or []) or sorted(set(mine["community"]) - {""})
        if not street:
            report.add(
                problem(
                    f"生活圈 {code} 没有街道，它的小区也都没有写街道",
                    row=i + 1,
                    field="street",
                    fix="在生活圈表中加“街道”列（创建工作按街道组织）",
                )
            )
            continue
        hh = _num(rec.get("households"))
        plans.append(
            CirclePlan(
                code=code,
                name=str(rec.get("name") or code),
                street=street,
                rows=[i + 1],
                communities=coms,
                attrs={
                    "population": round(_num(rec.get("population")) or 0),
                    "households": None if hh is None else round(hh),
                    "area_km2": _num(rec.get("area_km2")),
                    "geom_wkb": circle_wkb[i],
                },
            )
        )
    check_circle_plans(session, plans, report, problem)
    stored_compounds = set(session.scalars(select(Compound.code)))
    ids = set(compounds["id"].astype(str))
    report.counts = {
        "生活圈": len(plans),
        "社区": sum(len(p.communities) for p in plans),
        "小区": len(compounds),
        "设施": len(facilities),
    }
    if stored_compounds - ids:
        report.add(
            Problem(
                f"数据库中另有 {len(stored_compounds - ids)} 个小区不在本数据包中，保留不删",
                column="compounds",
                severity=NOTICE,
            )
        )

    def apply() -> dict[str, int]:
        district_row = session.scalar(
            select(DistrictRow).where(DistrictRow.admin_code == str(district.admin_code))
        )
        if district_row is None and district.admin_code:
            session.add(DistrictRow(name=district.name, admin_code=str(district.admin_code)))
        counts = apply_circle_plans(session, plans)
        session.flush()
        street_of = {p.code: p.street for p in plans}
        circle_ids = dict(session.execute(select(Circle.code, Circle.id)).all())
        streets = {s.name: s.id for s in session.scalars(select(Street))}
        com_rows: dict[tuple[int | None, str], Community] = {
            (c.street_id, c.name): c for c in session.scalars(select(Community))
        }
        if communities is not None:
            for rec, wkb in zip(
                communities.drop(columns="geometry").to_dict("records"),
                _wkb(communities.geometry.values),
                strict=True,
            ):
                street = street_of.get(str(rec.get("circle_id")))
                com = com_rows.get((streets.get(street), str(rec["name"]))) if street else None
                if com is not None:
                    com.geom_wkb = wkb
        compound_rows = {c.code: c for c in session.scalars(select(Compound))}
        added = 0
        for rec, wkb in zip(
            compounds.drop(columns="geometry").to_dict("records"),
            _wkb(compounds.geometry.values),
            strict=True,
        ):
            code = str(rec["id"])
            row = compound_rows.get(code)
            if row is None:
                row = Compound(code=code)
                session.add(row)
                added += 1
            cid = rec.get("circle_id")
            street = street_of.get(str(cid)) if cid is not None else None
            com = com_rows.get((streets.get(street), str(rec["community"]))) if street else None
            row.name = str(rec["name"])
            row.community_id = com.id if com is not None else None
            row.circle_id = circle_ids.get(str(cid)) if cid is not None else None
            row.population = _num(rec["population"]) or 0.0
            hh = _num(rec.get("households"))
            row.households = None if hh is None else round(hh)
            row.geom_wkb = wkb
        facility_rows = {f.code: f for f in session.scalars(select(Facility))}
        for rec, wkb in zip(
            facilities.drop(columns="geometry").to_dict("records"),
            _wkb(facilities.geometry.values),
            strict=True,
        ):
            code = str(rec["id"])
            fac = facility_rows.get(code)
            if fac is None:
                fac = Facility(code=code, category=str(rec["category"]))
                session.add(fac)
            fac.name = str(rec["name"])
            fac.category = str(rec["category"])
            fac.capacity = _num(rec.get("capacity"))
            fac.geom_wkb = wkb
        session.flush()
        return {
            **counts,
            "新增小区": added,
            "更新小区": len(compounds) - added,
            "设施": len(facilities),
        }

    return apply


def _problem_from(exc: InputError, report: ImportReport) -> Problem:
    return Problem(
        exc.message,
        fix=exc.fix or "",
        row=exc.row,
        field=exc.field,
        column=exc.field,
        file=exc.file if exc.file and exc.file != report.file else None,
        cause=exc,
    )


def import_district(
    session: Session, folder: str | os.PathLike[str], *, commit: bool = False
) -> ImportReport:
    """Check (and with ``commit`` write) a district data package: its circles, communities
    (with polygons), compounds and facilities, read and checked by
    `lifecircle.district.load_district` exactly as the checkup reads them.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    folder : str or path-like
        The package folder (or its district.yaml).
    commit : bool, default False
        Write when the package holds no error.

    Returns
    -------
    ImportReport
    """
    from lifecircle.district import load_district

    report = ImportReport(kind="district", title="区数据包", file=str(folder))
    report.layout = "lifecircle-district/1"
    if not Path(folder).exists():
        report.add(Problem("文件夹不存在", fix="给出含 district.yaml 的数据包文件夹"))
        return report
    try:
        district = load_district(folder)
    except InputError as exc:
        report.add(_problem_from(exc, report))
        return report
    apply = district_plans(session, district, report)
    return run_import(session, report, apply, commit=commit)


def import_district_package(session: Session, folder: str | os.PathLike[str]) -> dict[str, int]:
    """Circles, communities, compounds and facilities of a district data package, written at
    once (`import_district`); the first error is raised as an InputError.

    Returns
    -------
    dict of str -> int
        ``circles``, ``compounds``, ``communities``, ``facilities``.
    """
    report = import_district(session, folder, commit=True)
    report.raise_if_errors()
    c = report.counts
    return {
        "circles": c.get("新增生活圈", 0) + c.get("更新生活圈", 0),
        "compounds": c.get("新增小区", 0) + c.get("更新小区", 0),
        "communities": c.get("社区", 0),
        "facilities": c.get("设施", 0),
    }
