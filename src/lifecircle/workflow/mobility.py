"""Mobility results in the programme database: matching degree, proposed circles, flows.

Only what `lifecircle.mobility.results.MobilityResult` holds is stored: aggregates on at
least ``k`` devices. Nothing names a device, a stay point or a track.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lifecircle.errors import RuleError
from lifecircle.mobility.results import MobilityResult, plain, read_mobility
from lifecircle.store.models import (
    Circle,
    MobilityCircle,
    MobilityCommunity,
    MobilityFlow,
    MobilityProposedCircle,
    MobilityRun,
)

__all__ = [
    "GENERATED_NOTE",
    "MobilityView",
    "delete_mobility_run",
    "import_mobility",
    "latest_mobility_run",
    "load_mobility_files",
    "mobility_layers",
    "mobility_runs",
    "mobility_view",
]

GENERATED_NOTE = "出行数据为合成的示例数据（非真实定位数据），仅供演示。"


def _num(x: Any) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else v


def _key(result: MobilityResult) -> str:
    h = hashlib.sha256()
    for table in (result.circles, result.communities, result.categories, result.flows):
        h.update(table.to_csv(index=False).encode("utf-8"))
    if result.proposed is not None:
        h.update(result.proposed.drop(columns="geometry").to_csv(index=False).encode("utf-8"))
    if result.circle_outlines is not None:
        h.update(result.circle_outlines.to_wkt().to_csv(index=False).encode("utf-8"))
    h.update(json.dumps(plain(result.summary), sort_keys=True, default=str).encode("utf-8"))
    h.update(b"generated" if result.generated else b"observed")
    return h.hexdigest()


def load_mobility_files(
    match: str | os.PathLike[str],
    *,
    delineation: str | os.PathLike[str] | None = None,
    communities: str | os.PathLike[str] | None = None,
    generated: bool = False,
) -> MobilityResult:
    """``mobility.results.read_mobility``: the outputs of ``mobility match`` (folder) and
    ``delineate`` (CSV), with the community layer for the circles' outlines."""
    return read_mobility(
        match, delineation=delineation, communities=communities, generated=generated
    )


def import_mobility(
    session: Session,
    result: MobilityResult,
    *,
    title: str | None = None,
    source: str | None = None,
) -> MobilityRun:
    """Store a mobility result: matching degree per circle and community, proposed circles
    and community-to-facility flows. All or nothing; the same result is stored once.

    Circles are linked to the programme's circles of the same code. Flows below ``k``
    trips are dropped once more, so nothing stored rests on fewer than ``k`` devices.

    Parameters
    ----------
    session : Session
        The database session (the caller commits).
    result : MobilityResult
        From `load_mobility_files` or ``MobilityResult.from_results``.
    title : str, optional
        Shown on the map and in lists (default: 出行数据分析 and the date).
    source : str, optional
        Where the result came from (file names; never data).

    Returns
    -------
    MobilityRun

    Raises
    ------
    RuleError
        The same result is already stored.
    """
    key = _key(result)
    old = session.scalar(select(MobilityRun).where(MobilityRun.run_key == key))
    if old is not None:
        raise RuleError(
            f"这份出行分析结果已导入（“{old.title}”，编号 {old.id}）",
            fix="无需重复导入；如需替换，先删除旧的结果（lifecircle mobility runs --delete 编号）。",
        )
    import shapely

    k = result.k
    summary = plain(result.summary) | {
        "categories": plain(result.categories.to_dict("records")),
    }
    with session.begin_nested():
        run = MobilityRun(
            run_key=key,
            title=(title or "").strip() or "出行数据分析",
            k=k,
            minutes=result.minutes,
            generated=result.generated,
            source=source or "；".join(f"{k_}：{v}" for k_, v in result.sources.items()) or None,
            summary=summary,
            warnings=list(result.warnings),
        )
        session.add(run)
        session.flush()
        codes = {c.code: c.id for c in session.scalars(select(Circle))}
        outlines: dict[str, bytes] = {}
        if result.circle_outlines is not None:
            for code, geom in zip(
                result.circle_outlines["circle_id"].astype(str),
                result.circle_outlines.geometry,
                strict=True,
            ):
                if geom is not None and not geom.is_empty:
                    outlines[code] = shapely.to_wkb(geom)
        for row in result.circles.to_dict("records"):
            code = str(row["circle_id"])
            session.add(
                MobilityCircle(
                    run_id=run.id,
                    code=code,
                    circle_id=codes.get(code),
                    resident_trips=_num(row["resident_trips"]),
                    own_circle_share=_num(row["own_circle_share"]),
                    visits=_num(row["visits"]),
                    visits_by_own_residents_share=_num(row["visits_by_own_residents_share"]),
                    match_index=_num(row["match_index"]),
                    within_limit_share=_num(row["within_limit_share"]),
                    mean_walk_m=_num(row["mean_walk_m"]),
                    geom_wkb=outlines.get(code),
                )
            )
        for row in result.communities.to_dict("records"):
            session.add(
                MobilityCommunity(
                    run_id=run.id,
                    community=str(row["community_id"]),
                    circle_code=None if row["circle_id"] is None else str(row["circle_id"]),
                    proposed_code=row.get("proposed_circle"),
                    trips=_num(row["trips"]),
                    own_circle_share=_num(row["own_circle_share"]),
                    within_limit_share=_num(row["within_limit_share"]),
                    to_nearest_share=_num(row["to_nearest_share"]),
                    bypass_share=_num(row["bypass_share"]),
                    mean_walk_m=_num(row["mean_walk_m"]),
                )
            )
        if result.proposed is not None:
            for row, geom in zip(
                result.proposed.drop(columns="geometry").to_dict("records"),
                result.proposed.geometry,
                strict=True,
            ):
                members = str(row["community_ids"] or "").replace("；", ";").split(";")
                session.add(
                    MobilityProposedCircle(
                        run_id=run.id,
                        code=str(row["circle_id"]),
                        communities=[m for m in members if m],
                        population=_num(row["population"]),
                        area_km2=_num(row["area_km2"]),
                        self_containment=_num(row["self_containment"]),
                        capture=_num(row["capture"]),
                        contiguous=bool(row["contiguous"]),
                        geom_wkb=None if geom is None or geom.is_empty else shapely.to_wkb(geom),
                    )
                )
        flows = result.flows.loc[result.flows["count"] >= k]
        session.add_all(
            MobilityFlow(
                run_id=run.id,
                origin=str(r["origin"]),
                destination=str(r["destination"]),
                category=None if r["category"] is None else str(r["category"]),
                count=float(r["count"]),
                walk_m=_num(r["walk_m"]),
            )
            for r in flows.to_dict("records")
        )
        session.flush()
    return run


def mobility_runs(session: Session) -> list[MobilityRun]:
    """Every stored run, newest first."""
    return list(
        session.scalars(
            select(MobilityRun).order_by(MobilityRun.imported_at.desc(), MobilityRun.id.desc())
        )
    )


def latest_mobility_run(session: Session) -> MobilityRun | None:
    """The newest stored run, or None."""
    runs = mobility_runs(session)
    return runs[0] if runs else None


def delete_mobility_run(session: Session, run_id: int) -> MobilityRun:
    """Delete a stored run and everything stored with it."""
    run = session.get(MobilityRun, run_id)
    if run is None:
        raise RuleError(
            f"没有编号为 {run_id} 的出行分析结果",
            fix="用 lifecircle mobility runs 查看已导入的结果。",
        )
    for model in (MobilityFlow, MobilityCommunity, MobilityProposedCircle, MobilityCircle):
        session.execute(delete(model).where(model.run_id == run.id))
    session.delete(run)
    session.flush()
    return run


@dataclass(frozen=True)
class MobilityView:
    """What the pages and the map show of one run: its record and its rows, as plain dicts."""

    run: MobilityRun
    circles: list[dict[str, Any]]
    proposed: list[dict[str, Any]]
    communities: list[dict[str, Any]]
    categories: list[dict[str, Any]]

    @property
    def note(self) -> str | None:
        return GENERATED_NOTE if self.run.generated else None


def _run_or_latest(session: Session, run_id: int | None) -> MobilityRun | None:
    if run_id is None:
        return latest_mobility_run(session)
    run = session.get(MobilityRun, run_id)
    if run is None:
        raise RuleError(
            f"没有编号为 {run_id} 的出行分析结果",
            fix="用 lifecircle mobility runs 查看已导入的结果。",
        )
    return run


def mobility_view(session: Session, run_id: int | None = None) -> MobilityView | None:
    """One run (default the newest) as rows for pages; None when nothing is stored."""
    run = _run_or_latest(session, run_id)
    if run is None:
        return None
    names = {c.id: c.name for c in session.scalars(select(Circle))}
    circles = [
        {
            "code": c.code,
            "name": names.get(c.circle_id) if c.circle_id is not None else None,
            "linked": c.circle_id is not None,
            "resident_trips": c.resident_trips,
            "own_circle_share": c.own_circle_share,
            "visits": c.visits,
            "visits_by_own_residents_share": c.visits_by_own_residents_share,
            "match_index": c.match_index,
            "within_limit_share": c.within_limit_share,
            "mean_walk_m": c.mean_walk_m,
        }
        for c in session.scalars(
            select(MobilityCircle)
            .where(MobilityCircle.run_id == run.id)
            .order_by(MobilityCircle.code)
        )
    ]
    proposed = [
        {
            "code": p.code,
            "communities": list(p.communities),
            "population": p.population,
            "area_km2": p.area_km2,
            "self_containment": p.self_containment,
            "capture": p.capture,
            "contiguous": p.contiguous,
        }
        for p in session.scalars(
            select(MobilityProposedCircle)
            .where(MobilityProposedCircle.run_id == run.id)
            .order_by(MobilityProposedCircle.code)
        )
    ]
    communities = [
        {
            "community": m.community,
            "circle": m.circle_code,
            "proposed": m.proposed_code,
            "trips": m.trips,
            "own_circle_share": m.own_circle_share,
            "within_limit_share": m.within_limit_share,
            "bypass_share": m.bypass_share,
        }
        for m in session.scalars(
            select(MobilityCommunity)
            .where(MobilityCommunity.run_id == run.id)
            .order_by(MobilityCommunity.community)
        )
    ]
    cats = list(run.summary.get("categories", []))
    return MobilityView(
        run=run,
        circles=circles,
        proposed=proposed,
        communities=communities,
        categories=[c | {"label": category_label(c.get("category"))} for c in cats],
    )


def category_label(category: Any) -> str:
    """The Chinese name of a facility category (its id when the taxonomy does not know it)."""
    from lifecircle.standards import load_taxonomy

    taxonomy = load_taxonomy()
    key = str(category)
    return taxonomy.name_zh(key) if key in taxonomy else key


def mobility_layers(session: Session, run_id: int | None = None) -> dict[str, Any]:
    """The map layers of one run (default the newest), GeoJSON in WGS-84.

    ``circles``: current circles coloured by matching degree (the run's own outline, else
    the programme circle's stored outline); ``proposed``: the proposed circles' outlines;
    ``edges``: their boundaries as lines, each shared edge once (for dashed drawing).
    ``run`` describes the run (title, k, minutes, summary figures, note); None when no
    run is stored.
    """
    from lifecircle.workflow.geometry import feature_collection

    run = _run_or_latest(session, run_id)
    empty = {"type": "FeatureCollection", "features": []}
    if run is None:
        return {"run": None, "circles": empty, "proposed": empty, "edges": None}
    stored = {
        c.id: (c.geom_wkb, c.name)
        for c in session.scalars(select(Circle).where(Circle.geom_wkb.is_not(None)))
    }
    rows = list(
        session.scalars(
            select(MobilityCircle)
            .where(MobilityCircle.run_id == run.id)
            .order_by(MobilityCircle.code)
        )
    )
    wkbs: list[bytes | None] = []
    props: list[dict[str, Any]] = []
    for c in rows:
        own, name = stored.get(c.circle_id, (None, None)) if c.circle_id else (None, None)
        wkbs.append(c.geom_wkb or own)
        props.append(
            {
                "id": c.code,
                "name": name,
                "match_index": c.match_index,
                "own_circle_share": c.own_circle_share,
                "visits_by_own_residents_share": c.visits_by_own_residents_share,
                "within_limit_share": c.within_limit_share,
                "resident_trips": c.resident_trips,
                "url": f"/circles/{c.code}" if c.circle_id is not None else None,
            }
        )
    proposed = list(
        session.scalars(
            select(MobilityProposedCircle)
            .where(MobilityProposedCircle.run_id == run.id)
            .order_by(MobilityProposedCircle.code)
        )
    )
    summary = run.summary or {}
    match = summary.get("match", {})
    comparison = summary.get("comparison")
    return {
        "run": {
            "id": run.id,
            "title": run.title,
            "k": run.k,
            "minutes": run.minutes,
            "generated": run.generated,
            "note": GENERATED_NOTE if run.generated else None,
            "own_circle_share": match.get("own_circle_share"),
            "within_limit_share": match.get("within_limit_share"),
            "adjusted_rand_index": comparison.get("adjusted_rand_index") if comparison else None,
            "circles_without_outline": sum(1 for w in wkbs if w is None),
        },
        "circles": feature_collection(wkbs, props),
        "edges": _edges([p.geom_wkb for p in proposed]),
        "proposed": feature_collection(
            [p.geom_wkb for p in proposed],
            [
                {
                    "id": p.code,
                    "communities": len(p.communities),
                    "population": p.population,
                    "self_containment": p.self_containment,
                    "contiguous": p.contiguous,
                }
                for p in proposed
            ],
        ),
    }


def _edges(wkbs: list[bytes | None]) -> dict[str, Any] | None:
    """The outlines' boundaries merged into lines (GeoJSON geometry, ~1 m precision)."""
    import numpy as np
    import shapely

    geoms = shapely.from_wkb(np.array([w for w in wkbs if w is not None], dtype=object))
    if len(geoms) == 0:
        return None
    lines = shapely.line_merge(shapely.union_all(shapely.boundary(geoms)))
    lines = shapely.transform(lines, lambda xy: np.round(xy, 5))
    doc: dict[str, Any] = json.loads(shapely.to_geojson(lines))
    return doc
