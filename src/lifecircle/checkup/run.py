"""run_checkup: the 专项体检 of a whole district, every circle against a catalogue."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle import __version__
from lifecircle._malloc import give_back_free_memory
from lifecircle.access import AccessResult, compute_access
from lifecircle.checkup.frames import circles_frame, compounds_frame
from lifecircle.checkup.measure import HomeGroups, Measured, measure_groups
from lifecircle.checkup.result import (
    AffectedCompound,
    CheckupResult,
    CircleResult,
    IndicatorResult,
    RunInfo,
    Shortfall,
)
from lifecircle.district import District, parse_data_date
from lifecircle.errors import InputError
from lifecircle.network.limits import check_max_snap
from lifecircle.standards import Catalogue, Indicator, evaluate, grade

#: the 15-minute walk, always measured so reports can show it
BASE_RADIUS_M = 1000.0


@dataclass(frozen=True)
class Checkup:
    """A finished checkup: the result objects, the access table behind them, the district."""

    result: CheckupResult
    access: AccessResult
    homes: pd.DataFrame  # every compound (snapped or not) with circle_id and access columns
    district: District
    #: service_areas.gpkg's layer when worked out during the run (see ``run_checkup``)
    service_areas: gpd.GeoDataFrame | None = None

    def write(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write checkup.json and the GeoPackages to ``out_dir`` (docs/checkup-schema.md).

        Parameters
        ----------
        out_dir
            The output folder; written as a unit (complete or absent).

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        from lifecircle.checkup.write import write_checkup

        return write_checkup(self, out_dir)

    def circles_frame(self) -> gpd.GeoDataFrame:
        """The circles with grade, indicator values, statuses and margins, in memory.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per circle; see `lifecircle.checkup.frames.circles_frame`.
        """
        return circles_frame(self.result, self.district)

    def compounds_frame(self) -> gpd.GeoDataFrame:
        """The compounds with their circle and every access column, in memory.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per compound; see `lifecircle.checkup.frames.compounds_frame`.
        """
        return compounds_frame(self.homes, self.district)


def run_checkup(
    district: District,
    catalogue: Catalogue,
    *,
    max_snap_m: float = 200.0,
    data_date: date | str | None = None,
    suggest: bool = False,
    candidates: Any = None,
    progress: Callable[[str, int, int], None] | None = None,
    access_fn: Callable[..., AccessResult] | None = None,
) -> Checkup:
    """Run the access engine and evaluate every indicator for every circle, and the district.

    Per circle: each indicator's value, threshold, status and margin; the grade (NONE /
    AA / AAA) by the catalogue's rule; and the shortfalls (failing or missing indicators)
    with the compounds and residents affected. District-scope indicators are evaluated
    once over all homes. Problems that do not stop the run (a manual value for an unknown
    indicator, a compound off the network …) are listed in ``warnings``.

    Parameters
    ----------
    district : District
        From `load_district`, `District.from_frames` or `district_from_osm`.
    catalogue : Catalogue
        The indicators and grading rule (`lifecircle.standards.load_catalogue`).
    max_snap_m : float
        Farthest a compound or facility may lie from the network and still be reached.
    data_date : datetime.date or str, optional
        The day the inputs describe (``2024-06-30`` or ``2024年6月30日``); default the
        district's ``data_date``. Carried in ``run.data_date``; it may not be later than
        the day the checkup runs.
    suggest : bool
        Also work out the 补短板建议 (``Shortfall.suggestion``): for every failing
        coverage indicator, the fewest new facilities, and where, that make it pass
        (`lifecircle.checkup.suggest.suggest_for_result`). Off by default: it adds a
        siting model per failing circle and indicator.
    candidates : GeoDataFrame, optional
        With ``suggest``: the user's candidate sites (vacant land, idle buildings) in
        place of points along the walking network.
    progress : callable, optional
        ``progress(stage, done, total)``, called as the run advances.
    access_fn : callable, optional
        What measures the walks: `lifecircle.access.compute_access` by default; anything
        with its signature and result, e.g. the tiled run on a cluster
        (`lifecircle.scale.checkup_access`).

    Returns
    -------
    Checkup
        ``.result`` (what ``checkup.json`` holds), ``.access``, ``.homes``; tables via
        ``.circles_frame()`` and ``.compounds_frame()``; files via ``.write(dir)``.
    """
    check_max_snap(max_snap_m, field="max_snap_m")
    report = progress or (lambda stage, done, total: None)
    when = _run_time()
    day = _data_date(district, data_date, when)
    warnings: list[dict[str, Any]] = list(getattr(district, "warnings", []) or [])
    indicators = list(catalogue.indicators)
    radii = sorted(
        {float(i.radius_m) for i in indicators if i.radius_m is not None} | {BASE_RADIUS_M}
    )
    wanted = {c for i in indicators for c in i.facility_categories}
    categories = sorted(wanted | set(district.facilities["category"].astype(str)))
    supply_cats = {
        c
        for i in indicators
        if i.effective_kind == "per_1000" and i.radius_m
        for c in i.facility_categories
    }
    access = (access_fn or compute_access)(
        district.graph,
        district.compounds,
        district.facilities,
        radii=radii,
        categories=categories,
        counts_for=sorted(supply_cats),
        max_snap_m=max_snap_m,
        progress=progress,
    )
    homes = _all_homes(district, access, warnings)
    label = dict(zip(access.radii_m, access.radius_labels, strict=True))
    manual = _manual_lookup(district.manual_values, catalogue, warnings)

    fac = pd.DataFrame(district.facilities.drop(columns="geometry"))
    circles = _circle_results(district, catalogue, homes, fac, label, manual, report)
    district_results = [
        _evaluate(i, homes, fac, label, manual.get(("district", i.id)))[0]
        for i in indicators
        if i.scope == "district"
    ]
    result = CheckupResult(
        run=RunInfo.from_dict(_run_meta(district, catalogue, access, max_snap_m, when, day)),
        summary=_summary(circles, district_results, homes),
        district_indicators=district_results,
        circles=circles,
        warnings=warnings,
    )
    areas = None
    if suggest:
        give_back_free_memory()  # the peak comes next: start it from the pages in use
        result, areas = _suggest_and_draw(result, homes, district, candidates, progress)
        give_back_free_memory()  # what the pool freed, before the caller writes
    return Checkup(
        result=result, access=access, homes=homes, district=district, service_areas=areas
    )


def _suggest_and_draw(
    result: CheckupResult,
    homes: pd.DataFrame,
    district: District,
    candidates: Any,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[CheckupResult, gpd.GeoDataFrame]:
    """The result with its 补短板建议, and the service-area layer, worked out in one pool.

    The layer depends on the statuses only, not on the suggestions, so both are tasks of
    one pool of ``SUGGEST_WORKERS`` threads (most of each runs in C without the GIL:
    HiGHS, GEOS, numpy): no more threads busy than cores. While the suggestions run, the
    service areas are drawn one after the other in one task: a 1,000 m one holds up to
    37 MB while drawn, and two at once held more than one beside the suggestions. Their
    facilities are snapped in that task too, while this thread prepares the suggestions'
    candidates. Once the suggestions are done, this thread draws the areas not yet
    started beside that task (the suggestions' memory is free again by then).
    """
    from concurrent.futures import ThreadPoolExecutor

    from lifecircle.access.service_area import areas_frame
    from lifecircle.checkup.suggest import SUGGEST_WORKERS, suggest_for_result
    from lifecircle.checkup.write import service_area_jobs

    areas = _SharedJobs(lambda: service_area_jobs(result, district))
    with ThreadPoolExecutor(SUGGEST_WORKERS, thread_name_prefix="lifecircle-checkup") as pool:
        drawing = pool.submit(areas.run, make=True)
        try:
            result = suggest_for_result(
                result, homes, district, candidates=candidates, progress=progress, executor=pool
            )
            areas.run()
        except BaseException:
            areas.stop()  # the pool waits for the job under way only
            raise
        drawing.result()
    return result, areas_frame(areas.rows(), crs=district.graph.crs)


class _SharedJobs:
    """Jobs made by the first thread that runs them; every thread that joins takes the
    next one not yet started, until none is left. ``rows()``: their results in order."""

    def __init__(self, make: Callable[[], list[Callable[[], Any]]]) -> None:
        self._make = make
        self._jobs: list[Callable[[], Any]] = []
        self._made = threading.Event()
        self._next = itertools.count()  # next() is atomic: each job is taken once
        self._done: dict[int, Any] = {}
        self._stopped = False

    def run(self, *, make: bool = False) -> None:
        if make:
            try:
                self._jobs = self._make()
            finally:
                self._made.set()  # a failed make leaves no jobs: the joiners return
        else:
            self._made.wait()
        while not self._stopped and (k := next(self._next)) < len(self._jobs):
            self._done[k] = self._jobs[k]()

    def stop(self) -> None:
        """Start no more jobs."""
        self._stopped = True

    def rows(self) -> list[Any]:
        return [self._done[k] for k in range(len(self._jobs))]


def _all_homes(
    district: District, access: AccessResult, warnings: list[dict[str, Any]]
) -> pd.DataFrame:
    """Every compound with its access columns; off-network ones walk nowhere (inf)."""
    comp = district.compounds.copy()
    comp["id"] = comp["id"].astype(str)
    table = access.homes.drop(columns=["population"])
    homes = comp.drop(columns="geometry").join(table, on="id")
    off = ~homes["id"].isin(table.index)
    if off.any():
        for col in table.columns:
            if col.startswith("nearest_m__"):
                homes.loc[off, col] = np.inf
            elif col.startswith(("count_", "supply_per_1000_")):
                homes.loc[off, col] = 0
        ids = homes.loc[off, "id"].tolist()
        pop = float(homes.loc[off, "population"].sum())
        warnings.append(
            {
                "code": "compound_off_network",
                "message": f"{len(ids)} 个小区（{pop:,.0f} 人）距路网超过挂接距离，按不可达计："
                + "、".join(ids[:20])
                + ("…" if len(ids) > 20 else ""),
                "file": "compounds",
                "row": None,
                "field": "geometry",
            }
        )
    homes["circle_id"] = homes["circle_id"].astype(str)
    return homes


def _manual_lookup(
    manual: pd.DataFrame | None, catalogue: Catalogue, warnings: list[dict[str, Any]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """(scope, indicator id) -> manual row; warns of ids the catalogue does not know."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    if manual is None or len(manual) == 0:
        return out
    known = {i.id for i in catalogue.indicators}
    for k, row in enumerate(manual.to_dict("records"), start=1):
        iid = str(row["indicator_id"])
        if iid not in known:
            warnings.append(
                {
                    "code": "manual_value_unknown_indicator",
                    "message": f"人工填报值的指标编号 '{iid}' 不在指标体系 {catalogue.id} 中，已忽略",
                    "file": "manual_values.csv",
                    "row": k,
                    "field": "indicator_id",
                }
            )
            continue
        out[(str(row["scope"]), iid)] = row
    return out


def _circle_results(
    district: District,
    catalogue: Catalogue,
    homes: pd.DataFrame,
    fac: pd.DataFrame,
    label: dict[float, str],
    manual: dict[tuple[str, str], dict[str, Any]],
    report: Callable[[str, int, int], None],
) -> list[CircleResult]:
    """Every circle's indicators, grade and shortfalls: each indicator once over all circles."""
    ids = [str(c) for c in district.circles["circle_id"]]
    keys = list(dict.fromkeys(ids))  # a circle listed twice is the same group
    group_of = [keys.index(cid) for cid in ids] if len(keys) < len(ids) else range(len(ids))
    groups = HomeGroups.by_key(
        homes, fac, keys, home_key=homes["circle_id"], fac_key=fac["circle_id"].astype(str)
    )
    circle_inds = [i for i in catalogue.indicators if i.scope == "circle"]
    evaluated = [
        _evaluate_groups(ind, groups, label, [manual.get((cid, ind.id)) for cid in keys])
        for ind in circle_inds
    ]
    pop = groups.values("population")
    households = groups.numbers("households") if "households" in homes else None
    circles: list[CircleResult] = []
    n = len(ids)
    for k, row in enumerate(district.circles.itertuples(index=False)):
        report("checkup", k, n)
        at = group_of[k]
        rows = groups.rows(at)
        results: list[IndicatorResult] = []
        shortfalls: list[Shortfall] = []
        for ind, per_circle in zip(circle_inds, evaluated, strict=True):
            res, m = per_circle[at]
            results.append(res)
            if res.status != "pass":
                shortfalls.append(_shortfall_of(ind, res, groups, at, m))
        g, reason = grade(catalogue, {r.id: r.status for r in results})
        circles.append(
            CircleResult(
                id=ids[k],
                name=str(row.name),
                street=str(row.street),
                communities=[str(c) for c in row.communities],
                population=float(np.nansum(pop[rows])),
                households=0.0 if households is None else float(np.nansum(households[rows])),
                area_km2=float(row.geometry.area / 1e6) if row.geometry is not None else 0.0,
                compound_count=groups.size(at),
                grade=str(g.value),
                grade_reason=reason,
                indicators=results,
                shortfalls=shortfalls,
            )
        )
    report("checkup", n, n)
    return circles


def _evaluate(
    ind: Indicator,
    homes: pd.DataFrame,
    facilities: pd.DataFrame,
    label: dict[float, str],
    manual_row: dict[str, Any] | None,
) -> tuple[IndicatorResult, Measured]:
    """IndicatorResult for one indicator over a group of homes, and the measurement."""
    return _evaluate_groups(ind, HomeGroups.whole(homes, facilities), label, [manual_row])[0]


def _evaluate_groups(
    ind: Indicator,
    groups: HomeGroups,
    label: dict[float, str],
    manual_rows: list[dict[str, Any] | None],
) -> list[tuple[IndicatorResult, Measured]]:
    """`_evaluate` for every group (``manual_rows``: each group's manual value row)."""
    if ind.computed:
        measured = measure_groups(ind, groups, radius_label=label)
    else:
        measured = [Measured(None if r is None else float(r["value"])) for r in manual_rows]
    out: list[tuple[IndicatorResult, Measured]] = []
    for m, manual_row in zip(measured, manual_rows, strict=True):
        evidence = note = None
        if ind.computed:
            note = m.note
        elif manual_row is not None:
            evidence = f"{manual_row.get('evidence') or ''}（{manual_row.get('date') or ''}）"
        else:
            note = "缺少人工填报值（manual_values.csv）"
        status, margin = evaluate(ind, m.value)
        res = IndicatorResult.of(
            ind, value=m.value, status=str(status.value), margin=margin, evidence=evidence,
            note=note,
        )  # fmt: skip
        out.append((res, m))
    return out


def _shortfall(ind: Indicator, res: IndicatorResult, homes: pd.DataFrame, m: Measured) -> Shortfall:
    """The residents a failing indicator leaves short: uncovered homes, or the whole circle."""
    return _shortfall_of(ind, res, HomeGroups.whole(homes), 0, m)


def _shortfall_of(
    ind: Indicator, res: IndicatorResult, groups: HomeGroups, g: int, m: Measured
) -> Shortfall:
    """`_shortfall` of group ``g``'s homes."""
    rows = groups.rows(g)
    mask = np.ones(groups.size(g), dtype=bool) if m.short is None else np.asarray(m.short)
    if ind.facility_categories:
        dist = groups.nearest(tuple(ind.facility_categories))[rows][mask]
    else:
        dist = np.full(int(mask.sum()), np.nan)
    population = groups.values("population")[rows][mask]
    names = groups.values("name" if "name" in groups.homes.columns else "id")[rows][mask]
    affected = [
        AffectedCompound(
            id=str(i),
            name=str(nm),
            population=float(p),
            nearest_m=d if math.isfinite(d) else None,
        )
        for i, nm, p, d in zip(
            groups.values("id")[rows][mask].tolist(),
            names.tolist(),
            population.tolist(),
            dist.tolist(),  # Python floats: the test per element costs less than numpy's
            strict=True,
        )
    ]
    affected.sort(key=lambda a: (-a.population, a.id))
    return Shortfall.of(
        res, affected_population=float(np.nansum(population)), affected_compounds=affected
    )


def _summary(
    circles: list[CircleResult], district_results: list[IndicatorResult], homes: pd.DataFrame
) -> dict[str, Any]:
    grades = {"NONE": 0, "AA": 0, "AAA": 0}
    for c in circles:
        grades[c.grade] = grades.get(c.grade, 0) + 1
    return {
        "circles": len(circles),
        "population": float(homes["population"].sum()),
        "compounds": len(homes),
        "grades": grades,
        "district_indicators_passed": sum(1 for r in district_results if r.status == "pass"),
        "district_indicators": len(district_results),
    }


def _run_time() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` (seconds) for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)


def _data_date(district: District, given: date | str | None, when: datetime) -> date | None:
    """The checkup's data date: ``given``, else the district's; never after the run."""
    day = parse_data_date(given, file="--data-date") if given is not None else None
    source = "--data-date"
    if day is None:
        day = getattr(district, "data_date", None)
        root = getattr(district, "root", None)
        source = str(root / "district.yaml") if root is not None else "data_date"
    if day is not None and day > when.date():
        raise InputError(
            f"数据日期 {day.isoformat()} 晚于体检运行日期 {when.date().isoformat()}",
            file=source,
            field="data_date",
            fix="数据日期是体检所用数据反映的日期，不能晚于运行当天；请核对后重写",
        )
    return day


def _run_meta(
    district: District,
    catalogue: Catalogue,
    access: AccessResult,
    max_snap_m: float,
    when: datetime,
    day: date | None,
) -> dict[str, Any]:
    options: dict[str, Any] = {"radii_m": list(access.radii_m), "max_snap_m": max_snap_m}
    trace_items: list[Any] = [
        district.input_hash,
        catalogue.id,
        catalogue.version,
        __version__,
        options,
    ]
    if day is not None:  # absent when not given: run ids of earlier inputs stay as they were
        trace_items.append(day.isoformat())
    trace = json.dumps(trace_items, sort_keys=True)
    return {
        "id": hashlib.sha256(trace.encode()).hexdigest()[:16],
        "created_at": when.isoformat(timespec="seconds"),
        "data_date": None if day is None else day.isoformat(),
        "software_version": __version__,
        "catalogue": {
            "id": catalogue.id,
            "version": catalogue.version,
            "provisional": bool(catalogue.provisional),
            "title": catalogue.title_zh,
            "title_en": catalogue.title_en,
            "notice_zh": catalogue.notice_zh,
            "notice_en": catalogue.notice_en,
        },
        "input_hash": district.input_hash,
        "district": {"name": district.name, "admin_code": district.admin_code},
        "generated_geometry": bool(district.generated),
        "notice": district.notice,
        "notice_en": getattr(district, "notice_en", None),
        "circles_note": getattr(district, "circles_note", None),
        "network": access.network,
        "options": options,
    }
