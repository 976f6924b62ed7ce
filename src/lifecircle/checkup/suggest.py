"""补短板建议: for each failing coverage indicator of a circle, the fewest new sites that pass it."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely

from lifecircle.checkup.measure import HomeGroups
from lifecircle.checkup.result import CheckupResult, CircleResult, Shortfall
from lifecircle.checkup.suggestion import SuggestedSite, Suggestion
from lifecircle.siting.suggest import DEFAULT_NEAR_M, DEFAULT_SPACING_M, SitePlanner, Snaps
from lifecircle.standards import load_taxonomy

#: suggestions worked out at once (the demo's machine has two cores; HiGHS runs in C)
SUGGEST_WORKERS = 2

if TYPE_CHECKING:
    import pandas as pd

    from lifecircle.district import District


def suggest_for_result(
    result: CheckupResult,
    homes: pd.DataFrame,
    district: District,
    *,
    candidates: Any = None,
    spacing_m: float = DEFAULT_SPACING_M,
    near_m: float = DEFAULT_NEAR_M,
    time_limit: float | None = 60.0,
    progress: Callable[[str, int, int], None] | None = None,
    executor: Executor | None = None,
) -> CheckupResult:
    """The result with a `Suggestion` on every failing coverage shortfall.

    For each circle and each shortfall of kind ``coverage`` with status ``fail`` (a
    ``>=`` threshold in %), :func:`lifecircle.siting.suggest.fewest_sites` finds the
    fewest new facilities of the indicator's first category, over the walking network,
    that bring the circle's covered share up to the threshold: candidates are points of
    the network in the circle and up to ``near_m`` outside it (or the user's layer
    ``candidates``), demand the circle's compounds. Other shortfalls are left as they
    are.

    Parameters
    ----------
    result : CheckupResult
        The checkup's result.
    homes : pandas.DataFrame
        ``Checkup.homes``: every compound with ``circle_id`` and the access columns.
    district : District
        The district it was run on (network, compound points, circle outlines).
    candidates : GeoDataFrame, optional
        The user's candidate sites (points or polygons, the district's CRS, optional
        ``id``), used for every circle instead of network points.
    spacing_m, near_m : float
        Network candidates: one every ``spacing_m`` metres along each edge (and every
        node), up to ``near_m`` outside the circle's outline.
    time_limit : float, optional
        Seconds HiGHS may spend on one suggestion.
    progress : callable, optional
        ``progress("suggest", done, total)``.
    executor : concurrent.futures.Executor, optional
        Where the suggestions run, one task each: a pool the caller shares with other
        work (``run_checkup`` draws the service areas in it); default a pool of
        ``SUGGEST_WORKERS`` threads of their own.

    Returns
    -------
    CheckupResult
        A new result; circles without failing coverage indicators are the same objects.
    """
    report = progress or (lambda stage, done, total: None)
    points = district.compounds.set_index(district.compounds["id"].astype(str)).geometry
    max_snap = float(result.run.options.get("max_snap_m", 200.0))
    outline = district.circles.set_index(district.circles["circle_id"].astype(str)).geometry
    to_wgs = pyproj.Transformer.from_crs(district.crs, "EPSG:4326", always_xy=True)
    names = load_taxonomy()
    keys = list(dict.fromkeys(c.id for c in result.circles))
    groups = HomeGroups.by_key(homes, None, keys, home_key=homes["circle_id"])
    group_of = {k: g for g, k in enumerate(keys)}
    if candidates is not None and district.crs is not None and candidates.crs is not None:
        candidates = candidates.to_crs(district.crs)
    todo = {c.id for c in result.circles if any(_wanted(s, c) for s in c.shortfalls)}
    if not todo:
        return result
    planner = SitePlanner(
        district.graph, candidates=candidates, spacing_m=spacing_m, max_snap_m=max_snap
    )
    pts = points.to_numpy()
    snapped = planner.snap(pts)
    point_of = points.index.get_indexer(groups.values("id").astype(str)).astype(np.int64)

    def one(s: Shortfall, c: CircleResult, g: int) -> Suggestion:
        rows = point_of[groups.rows(g)]
        return _suggest(
            s, c, groups, g, pts[rows], snapped.take(rows), outline.get(c.id), planner,
            to_wgs, names, near_m, time_limit,
        )  # fmt: skip

    # Each suggestion is a task of its own; HiGHS and GEOS let go of the GIL, so two run
    # at once on two cores. The answers are put back in the circles' order: the same
    # result as one by one.
    circles: list[CircleResult] = []
    done = 0
    with contextlib.ExitStack() as stack:
        pool = executor or stack.enter_context(
            ThreadPoolExecutor(SUGGEST_WORKERS, thread_name_prefix="lifecircle-suggest")
        )
        pending: list[tuple[CircleResult, list[Shortfall | Future[Suggestion]]]] = []
        for c in result.circles:
            g = group_of[c.id]
            jobs: list[Shortfall | Future[Suggestion]] = []
            for s in c.shortfalls:
                wanted = c.id in todo and groups.size(g) > 0 and _wanted(s, c)
                jobs.append(pool.submit(one, s, c, g) if wanted else s)
            pending.append((c, jobs))
        report("suggest", 0, len(todo))
        for c, jobs in pending:
            if c.id not in todo:
                circles.append(c)
                continue
            shortfalls = [
                dataclasses.replace(s, suggestion=job.result()) if isinstance(job, Future) else job
                for s, job in zip(c.shortfalls, jobs, strict=True)
            ]
            circles.append(dataclasses.replace(c, shortfalls=shortfalls))
            done += 1
            report("suggest", done, len(todo))
    report("suggest", len(todo), len(todo))
    options = {
        **result.run.options,
        "suggest": {
            "candidates": "layer" if candidates is not None else "network",
            "spacing_m": spacing_m,
            "near_m": near_m,
        },
    }
    run = dataclasses.replace(result.run, options=options)
    return dataclasses.replace(result, run=run, circles=circles)


def _wanted(s: Shortfall, c: CircleResult) -> bool:
    ind = c.indicator(s.indicator_id)
    return (
        ind.kind == "coverage"
        and s.status == "fail"
        and ind.operator == ">="
        and ind.radius_m is not None
        and bool(ind.facility_categories)
    )


def _suggest(
    s: Shortfall,
    c: CircleResult,
    groups: HomeGroups,
    g: int,
    pts: Any,
    snaps: Snaps,
    area: Any,
    planner: SitePlanner,
    to_wgs: pyproj.Transformer,
    names: Any,
    near_m: float,
    time_limit: float | None,
) -> Suggestion:
    ind = c.indicator(s.indicator_id)
    radius = float(ind.radius_m or 0.0)
    cats = tuple(ind.facility_categories)
    rows = groups.rows(g)
    pop = groups.floats("population")[rows]
    covered = groups.nearest(cats)[rows] <= radius
    ans = planner.fewest(
        pts,
        snaps,
        pop,
        covered,
        radius=radius,
        target_share=min(1.0, float(ind.threshold) / 100.0),
        area=area if area is not None and not shapely.is_missing(area) else None,
        near_m=near_m,
        time_limit=time_limit,
    )
    cat = cats[0]
    label = names.name_zh(cat) if cat in names else cat
    if len(cats) > 1:
        others = "、".join(names.name_zh(x) if x in names else x for x in cats[1:])
        label = f"{label}（或{others}）"
    source = "layer" if planner.from_layer else "network"
    where = "候选用地图层" if planner.from_layer else f"本圈及周边 {near_m:g} 米内的步行路网沿线"
    before, after = 100 * ans.share_before, 100 * ans.share_after
    threshold = float(ind.threshold)
    sites: list[SuggestedSite] = []
    if ans.reachable and ans.count:
        xy = planner.xy[ans.sites]
        lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
        sites = [
            SuggestedSite(id=planner.ids[k], lon=float(a), lat=float(b), residents_added=float(r))
            for k, a, b, r in zip(ans.sites, lon, lat, ans.residents_added, strict=True)
        ]
        proven = "" if ans.status == "optimal" else "（启发式解，未证明最少）"
        note = (
            f"至少新增{label} {ans.count} 处{proven}：在{where}选址，"
            f"步行 {radius:g} 米覆盖率由 {before:.1f}% 升至 {after:.1f}%（要求 ≥{threshold:g}%）。"
        )
    elif ans.reachable:
        note = f"覆盖率已达 {before:.1f}%，无需新增。"
    else:
        note = (
            f"即使在{where}的全部 {ans.n_candidates} 个候选点新增{label}，"
            f"步行 {radius:g} 米覆盖率最多达到 {after:.1f}%，仍低于 {threshold:g}%："
            "需在更远处新增用地（如盘活闲置物业），或核对路网与小区位置。"
        )
    return Suggestion(
        category=cat,
        count=ans.count,
        reachable=ans.reachable,
        value_after=float(after),
        sites=sites,
        candidates=ans.n_candidates,
        source=source,
        status=ans.status,
        note=note,
    )
