"""What a report says, built once from a checkup and rendered by every format alike."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from lifecircle import __version__
from lifecircle.checkup import (
    CheckupFolder,
    CheckupResult,
    CircleResult,
    IndicatorResult,
    Suggestion,
)
from lifecircle.reports.data import finite
from lifecircle.reports.places import citation_text, place_rows
from lifecircle.reports.plan import plan_targets_for, target_rows
from lifecircle.reports.strings import Text

CATEGORY_ORDER = ("constraint", "guiding", "characteristic")
DIST_BANDS = (300, 500, 800, 1000)


def fmt_num(x: Any, unit: str | None = None, *, digits: int | None = None) -> str:
    """A number as a reader expects it: thousands separators, few decimals, '—' for none."""
    v = finite(x)
    if v is None:
        if x is not None and isinstance(x, float) and math.isinf(x):
            return "∞"
        return "—"
    if digits is not None:
        return f"{v:,.{digits}f}"
    # up to two decimals, trailing zeros dropped: 99.95 stays 99.95, 18.20 reads 18.2
    text = f"{v:,.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def fmt_value(x: Any, unit: str | None) -> str:
    text = fmt_num(x, unit)
    if text == "—" or not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def fmt_date(s: str | None) -> str:
    if not s:
        return "—"
    try:
        return datetime.fromisoformat(str(s).replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return str(s)


@dataclass
class Meta:
    """The facts every report states about where its numbers come from."""

    title: str
    district: str
    catalogue: str
    provisional: bool
    provisional_notice: str | None
    generated_notice: str | None
    data_hash: str
    software_version: str
    report_software_version: str
    checkup_date: str
    data_date: str
    report_date: str
    run_id: str
    lang: str
    circles_note: str | None = None

    def rows(self, T: Text) -> list[tuple[str, str]]:
        kind = T("catalogue_provisional") if self.provisional else T("catalogue_official")
        rows = [
            (
                T("catalogue"),
                f"{self.catalogue}（{kind}）"
                if self.lang == "zh"
                else f"{self.catalogue} ({kind})",
            ),
            (T("data_hash"), self.data_hash),
            (T("software_version"), self.software_version_text()),
            (T("data_date"), self.data_date),
            (T("checkup_date"), self.checkup_date),
            (T("report_date"), self.report_date),
            (T("run_id"), self.run_id),
        ]
        return rows

    def software_version_text(self) -> str:
        if self.software_version == self.report_software_version:
            return f"lifecircle {self.software_version}"
        return f"lifecircle {self.software_version} (report: {self.report_software_version})"


def build_meta(result: CheckupResult, T: Text, title: str, today: date | None = None) -> Meta:
    """The facts a report states about where its numbers come from."""
    run = result.run
    cat = run.catalogue
    prov_notice = None
    if cat.provisional:
        # the catalogue's own notice says what is provisional; a generic one otherwise
        prov_notice = cat.notice(T.lang) or T("provisional_notice", catalogue=cat.label)
    gen_notice = None
    if run.generated_geometry:
        # The fixed Chinese notice always appears; an English report adds the translation.
        gen_notice = "示例数据：几何为生成数据"
        if T.lang != "zh":
            gen_notice += f" — {T('generated_notice')}"
    return Meta(
        title=title,
        district=result.district_name,
        catalogue=cat.label,
        provisional=cat.provisional,
        provisional_notice=prov_notice,
        generated_notice=gen_notice,
        data_hash=run.input_hash or "—",
        software_version=run.software_version or "—",
        report_software_version=__version__,
        checkup_date=fmt_date(run.created_at),
        data_date=run.data_date or T("data_date_missing", d=fmt_date(run.created_at)),
        report_date=(today or date.today()).isoformat(),
        run_id=run.id or "—",
        lang=T.lang,
        circles_note=run.circles_note or None,
    )


def indicator_row(ind: IndicatorResult, T: Text) -> dict[str, Any]:
    """One indicator as displayed (strings) plus raw values for charts and Excel."""
    unit = ind.unit or ""
    op = ind.operator or ">="
    status = ind.status or "missing"
    cats = list(ind.facility_categories)
    return {
        "id": ind.id,
        "name": T.indicator(ind),
        "category": ind.category,
        "category_text": T(f"cat_{ind.category}")
        if ind.category in CATEGORY_ORDER
        else str(ind.category),
        "value": finite(ind.value),
        "value_text": fmt_value(ind.value, unit),
        "threshold": finite(ind.threshold),
        "threshold_text": f"{op.replace('>=', '≥').replace('<=', '≤').replace('==', '=')} "
        + fmt_value(ind.threshold, unit),
        "operator": op,
        "unit": unit,
        "status": status,
        "status_text": T(f"status_{status}") if status in ("pass", "fail", "missing") else status,
        "margin": finite(ind.margin),
        "margin_text": fmt_num(ind.margin, unit),
        "radius_m": finite(ind.radius_m),
        "facility_categories": cats,
        "facility_text": T.sep().join(T.category(c) for c in cats),
        "source": citation_text(ind, T),
        "responsible_text": T.sep().join(ind.responsible_units) or "—",
        "remark": _remark(ind, T),
        "kind": ind.kind or "",
        "verified": bool(ind.verified),
        "verified_text": T("yes") if ind.verified else T("no"),
        "deadline": ind.deadline or "",
        "plan_item": ind.plan_item or "",
        "ratio": _ratio(ind),
    }


def _remark(ind: IndicatorResult, T: Text) -> str:
    """Evidence of a manual value and the checkup's note, as one line ('' when neither)."""
    parts = []
    colon = "：" if T.lang == "zh" else ": "
    if ind.evidence:
        parts.append(f"{T('evidence')}{colon}{ind.evidence}")
    if ind.note:
        parts.append(f"{T('note')}{colon}{ind.note}")
    return "；".join(parts) if T.lang == "zh" else "; ".join(parts)


def _ratio(ind: IndicatorResult) -> float | None:
    """Value as a percentage of the threshold (inverted for ≤), for one chart scale."""
    v, t = finite(ind.value), finite(ind.threshold)
    if v is None or t is None:
        return None
    if ind.operator == "<=":
        return 100.0 if v == 0 else round(100.0 * t / v, 1)
    if t == 0:
        return 100.0 if v >= 0 else 0.0
    return round(100.0 * v / t, 1)


def sorted_indicators(inds: list[IndicatorResult]) -> list[IndicatorResult]:
    """Constraint, then guiding, then characteristic indicators (stable within each)."""

    def key(i: IndicatorResult) -> int:
        return CATEGORY_ORDER.index(i.category) if i.category in CATEGORY_ORDER else 9

    return sorted(inds, key=key)


def fewest_lines(sug: Suggestion, sf: dict[str, Any], T: Text) -> list[str]:
    """The 补短板建议 of a siting suggestion: how many new facilities, where, what they bring."""
    pct = "%"
    kw = {
        "cat": T.category(sug.category),
        "radius": fmt_num(sf["radius_m"]),
        "after": fmt_value(sug.value_after, pct),
        "threshold": sf["threshold_text"],
    }
    if not sug.reachable:
        return [T("suggest_unreachable", n=fmt_num(sug.candidates, digits=0), **kw)]
    if not sug.count:
        return []
    proof = "" if sug.status == "optimal" else T("suggest_fewest_proof")
    out = [
        T("suggest_fewest", n=sug.count, proof=proof, before=sf["value_text"], **kw),
    ]
    sites = T.sep().join(
        T(
            "suggest_site",
            lon=f"{s.lon:.5f}",
            lat=f"{s.lat:.5f}",
            pop=fmt_num(s.residents_added, digits=0),
        )
        for s in sug.sites
    )
    out.append(T("suggest_fewest_sites", sites=sites))
    return out


@dataclass
class CircleReport:
    """Everything the per-circle report shows."""

    meta: Meta
    circle: CircleResult
    overview: list[tuple[str, str]]
    indicators: list[dict]
    shortfalls: list[dict]
    suggestions: list[dict]
    missing_note: str | None
    compounds: pd.DataFrame  # this circle's compounds (no geometry), distance columns
    facilities: pd.DataFrame | None  # facilities in and near the circle (no geometry)
    focus_categories: list[str]  # categories of failing coverage indicators (for maps)
    radius_for: dict[str, float]  # category -> walk radius of its most important failing one
    distance_profile: list[dict]  # per focus category: population per distance band
    warnings: list[dict] = field(default_factory=list)
    map_items: list[dict] = field(default_factory=list)  # failing coverage indicators
    n_fail: int = 0
    n_missing: int = 0
    affected_total: float = 0.0  # residents short of at least one failing indicator
    affected_compounds_total: int = 0
    places: list[dict] = field(default_factory=list)  # the six places (reports/places.py)


def build_circle_report(
    ck: CheckupFolder, circle_id: str, T: Text, today: date | None = None
) -> CircleReport:
    """What the 体检报告 of one circle says, for every format alike."""
    result = ck.result
    c = result.circle(circle_id)
    meta = build_meta(
        result,
        T,
        T("circle_report_title", district=result.district_name, name=c.name or c.id),
        today,
    )
    overview = [
        (T("circle_id"), c.id),
        (T("name"), c.name or "—"),
        (T("street"), c.street or "—"),
        (T("communities"), T.sep().join(c.communities) or "—"),
        (T("population"), fmt_num(c.population, digits=0)),
        (T("households"), fmt_num(c.households, digits=0)),
        (T("area_km2"), fmt_num(c.area_km2, digits=2)),
        (T("compound_count"), fmt_num(c.compound_count, digits=0)),
        (T("grade"), T(f"grade_{c.grade}")),
        (T("grade_reason"), c.grade_reason or "—"),
    ]
    inds = [indicator_row(i, T) for i in sorted_indicators(c.indicators)]
    by_id = {i["id"]: i for i in inds}

    every = ck.compounds
    # the rows and columns taken at once: taking the geometry along only to drop it (a
    # copy of every column) was a tenth of this
    comp = pd.DataFrame(
        every.loc[every["circle_id"] == circle_id, [k for k in every.columns if k != "geometry"]]
    )
    names = comp.set_index("id")["name"] if "name" in comp.columns else None

    shortfalls: list[dict[str, Any]] = []
    focus: list[str] = []
    radius_for: dict[str, float] = {}
    for short in c.shortfalls:
        ind = by_id.get(short.indicator_id, {})
        unit = short.unit or ind.get("unit") or ""
        cats = list(short.facility_categories)
        rad = ind.get("radius_m")
        status = short.status or ind.get("status") or "fail"
        # maps show walking distance, which only coverage indicators are about; the first
        # failing one (constraint before guiding) sets a category's radius
        if ind.get("kind") == "coverage" and rad and status == "fail":
            for cat in cats:
                if cat not in focus:
                    focus.append(cat)
                radius_for.setdefault(cat, rad)
        affected = []
        for a in sorted(short.affected_compounds, key=lambda a: -(finite(a.population) or 0)):
            name = a.name or (names.get(a.id) if names is not None else None) or a.id
            nm = finite(a.nearest_m)
            if nm is not None:
                nearest_text = fmt_num(nm, digits=0)
            else:  # no walk to any facility of the categories (null in checkup.json)
                nearest_text = T("unreachable") if cats else "—"
            affected.append(
                {
                    "id": a.id,
                    "name": name,
                    "population": finite(a.population) or 0,
                    "population_text": fmt_num(a.population, digits=0),
                    "nearest_m": nm,
                    "nearest_text": nearest_text,
                }
            )
        shortfalls.append(
            {
                "indicator_id": short.indicator_id,
                "status": status,
                "status_text": T(f"status_{status}")
                if status in ("pass", "fail", "missing")
                else status,
                "kind": ind.get("kind") or "",
                "responsible_text": T.sep().join(short.responsible_units)
                or ind.get("responsible_text")
                or "—",
                "name": short.name_zh if T.lang == "zh" else (ind.get("name") or short.name_zh),
                "category_text": T(f"cat_{short.category}")
                if short.category in CATEGORY_ORDER
                else str(short.category),
                "value_text": fmt_value(short.value, unit),
                "threshold_text": ind.get("threshold_text") or fmt_value(short.threshold, unit),
                "facility_categories": cats,
                "facility_text": T.sep().join(T.category(x) for x in cats) or "—",
                "affected_population": finite(short.affected_population) or 0,
                "affected_population_text": fmt_num(short.affected_population, digits=0),
                "affected": affected,
                "radius_m": rad,
                "suggestion": short.suggestion,
            }
        )

    suggestions = []
    for sf in shortfalls:
        if sf["status"] == "missing":
            continue  # listed once, in the missing-data note
        lines = []
        units = sf["responsible_text"] if sf["responsible_text"] != "—" else ""
        if sf["facility_categories"]:
            lines.append(T("suggest_add", cats=sf["facility_text"]))
            if sf["affected"]:
                top = sf["affected"][:5]
                where = T.sep().join(a["name"] for a in top)
                if len(sf["affected"]) > 5:
                    where += T("and_more")
                kw = dict(where=where, pop=sf["affected_population_text"], n=len(sf["affected"]))
                if sf["radius_m"]:
                    lines.append(T("suggest_where", radius=fmt_num(sf["radius_m"]), **kw))
                else:
                    lines.append(T("suggest_where_noradius", **kw))
            if sf["suggestion"] is not None:
                lines.extend(fewest_lines(sf["suggestion"], sf, T))
            if units:
                lines.append(T("suggest_units", units=units))
        else:
            lines.append(T("suggest_manual_units", units=units) if units else T("suggest_manual"))
        suggestions.append({"title": sf["name"], "lines": lines, "shortfall": sf})
    missing = [i for i in inds if i["status"] == "missing"]
    missing_note = (
        T("suggest_missing", items=T.sep().join(i["name"] for i in missing)) if missing else None
    )

    facilities = None
    if ck.facilities is not None:
        poly = ck.circles.loc[ck.circles["circle_id"] == circle_id]
        facilities = nearby_facilities(ck, circle_id, poly)

    profile = distance_profile(comp, focus, T)
    failing = [s for s in shortfalls if s["status"] == "fail"]
    hit = {a["id"]: a["population"] for s in failing for a in s["affected"]}
    map_items = [
        {
            "id": s["indicator_id"],
            "name": s["name"],
            "categories": s["facility_categories"],
            "radius_m": s["radius_m"],
        }
        for s in failing
        if s["kind"] == "coverage" and s["radius_m"] and s["facility_categories"]
    ]
    return CircleReport(
        meta=meta,
        circle=c,
        overview=overview,
        indicators=inds,
        shortfalls=shortfalls,
        suggestions=suggestions,
        missing_note=missing_note,
        compounds=comp,
        facilities=facilities,
        focus_categories=focus,
        radius_for=radius_for,
        distance_profile=profile,
        warnings=result.warnings,
        map_items=map_items,
        n_fail=len(failing),
        n_missing=sum(1 for s in shortfalls if s["status"] == "missing"),
        affected_total=float(sum(hit.values())),
        affected_compounds_total=len(hit),
        places=place_rows(result, ck.facilities, T, circle_id=circle_id),
    )


def nearby_facilities(ck: CheckupFolder, circle_id: str, poly: pd.DataFrame) -> pd.DataFrame:
    """Facilities inside the circle or within 1 km of its edge (they may serve it)."""
    fac = ck.facilities
    if fac is None:
        return pd.DataFrame()
    if poly.empty:
        return fac.iloc[0:0].copy()
    cm = ck.metric("circles")
    shape = cm.loc[cm["circle_id"] == circle_id].geometry.iloc[0]
    pts = ck.metric("facilities")
    minx, miny, maxx, maxy = shape.bounds
    box = pts.cx[minx - 1000 : maxx + 1000, miny - 1000 : maxy + 1000]
    near = box.index[box.geometry.distance(shape) <= 1000.0]
    out = fac.loc[near].copy()
    out["in_circle"] = pts.loc[near].geometry.within(shape).to_numpy()
    return out


def distance_profile(comp: pd.DataFrame, cats: list[str], T: Text) -> list[dict]:
    """Population of the circle per walking-distance band, for each category."""
    out = []
    pop = comp["population"].to_numpy(dtype=float) if len(comp) else np.zeros(0)
    labels = [T("band_le", r=DIST_BANDS[0])]
    for a, b in itertools.pairwise(DIST_BANDS):
        labels.append(T("band_range", a=a, b=b))
    labels.append(T("band_gt", r=DIST_BANDS[-1]))
    for cat in cats:
        col = f"nearest_m__{cat}"
        if col not in comp.columns:
            continue
        d = comp[col].astype(float).fillna(np.inf).to_numpy()
        edges = (-np.inf, *DIST_BANDS, np.inf)
        vals = [float(pop[(d > lo) & (d <= hi)].sum()) for lo, hi in itertools.pairwise(edges)]
        out.append({"category": cat, "name": T.category(cat), "bands": labels, "population": vals})
    return out


@dataclass
class DistrictReport:
    """Everything the district report shows."""

    meta: Meta
    overview: list[tuple[str, str]]
    grade_counts: dict[str, int]
    circles: list[dict]  # id, name, street, population, grade, grade_text, cells{ind_id: status}
    constraint_ids: list[str]
    constraint_names: dict[str, str]
    targets: list[dict]
    district_indicators: list[dict]
    warnings: list[dict]
    places: list[dict] = field(default_factory=list)  # the six places (reports/places.py)
    mobility: Any = None  # reports.mobility.MobilitySection, when a mobility result is given


def build_district_report(ck: CheckupFolder, T: Text, today: date | None = None) -> DistrictReport:
    """What the district report says, for every format alike."""
    result = ck.result
    meta = build_meta(result, T, T("district_report_title", district=result.district_name), today)
    circles = result.circles
    counts = result.grade_counts
    population = sum(finite(c.population) or 0 for c in circles)
    overview = [
        (T("circle"), fmt_num(len(circles), digits=0)),
        (T("population"), fmt_num(population, digits=0)),
        (T("grade_AAA"), fmt_num(counts["AAA"], digits=0)),
        (T("grade_AA"), fmt_num(counts["AA"], digits=0)),
        (T("grade_NONE"), fmt_num(counts["NONE"], digits=0)),
    ]
    constraint_ids: list[str] = []
    constraint_names: dict[str, str] = {}
    for c in circles:
        for i in c.indicators:
            if i.category == "constraint" and i.id not in constraint_names:
                constraint_ids.append(i.id)
                constraint_names[i.id] = T.indicator(i)
    rows = []
    for c in circles:
        cells = {i.id: i.status for i in c.indicators}
        values = {i.id: fmt_value(i.value, i.unit) for i in c.indicators}
        rows.append(
            {
                "id": c.id,
                "name": c.name or c.id,
                "street": c.street or "",
                "population": finite(c.population) or 0,
                "population_text": fmt_num(c.population, digits=0),
                "grade": c.grade,
                "grade_text": T(f"grade_{c.grade}"),
                "cells": {k: cells.get(k, "missing") for k in constraint_ids},
                "value_texts": {k: values.get(k, "—") for k in constraint_ids},
                "n_fail": sum(1 for k in constraint_ids if cells.get(k) == "fail"),
            }
        )
    targets = _targets(result, T)
    dinds = [indicator_row(i, T) for i in result.district_indicators]
    dinds.sort(key=lambda r: (r["deadline"] or "9999", r["id"]))
    return DistrictReport(
        meta=meta,
        overview=overview,
        grade_counts=counts,
        circles=rows,
        constraint_ids=constraint_ids,
        constraint_names=constraint_names,
        targets=targets,
        district_indicators=dinds,
        warnings=result.warnings,
        places=place_rows(result, ck.facilities, T),
    )


def _targets(result: CheckupResult, T: Text) -> list[dict[str, Any]]:
    """The 创建目标 rows: the plan's targets judged as of the checkup's data date."""
    plan = plan_targets_for(result.run.district)
    if plan is None:
        return []
    counts = result.grade_counts
    out = []
    for row in target_rows(plan, counts, result.run.as_of):
        t = row.target
        d = t.due.isoformat()
        if t.year is None:
            label = T("target_aa_total") if t.grade == "AA" else T("target_aaa_total")
        elif t.reported_done:
            label = T("target_aa_2022") if t.grade == "AA" else t.label
        else:
            key = "target_aa_year" if t.grade == "AA" else "target_aaa_year"
            label = T(key, y=t.year, d=d)
        required = f"≥ {t.min}"
        if t.year is not None and t.cumulative != t.min:
            required += (
                f"（累计 ≥ {t.cumulative}）" if T.lang == "zh" else f" (total ≥ {t.cumulative})"
            )
        out.append(
            {
                "label": label,
                "grade": t.grade,
                "deadline": d,
                "required": t.min,
                "cumulative": t.cumulative,
                "required_text": required,
                "current": row.current,
                "current_text": "—" if row.current is None else str(row.current),
                "status": row.status,
                "status_text": T(f"target_{row.status}"),
                "history": row.current is None,
            }
        )
    return out
