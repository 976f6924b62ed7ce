"""Grade again only the circles a what-if touched, with the checkup's own evaluation."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from lifecircle.checkup.result import CircleResult, IndicatorResult, Shortfall

# the checkup's evaluation of one indicator over a group of homes, and its shortfall: the
# what-if must grade exactly as the checkup does, so it calls the same functions
from lifecircle.checkup.run import _evaluate, _shortfall
from lifecircle.standards import Catalogue, Indicator, grade


def regrade_circle(
    old: CircleResult,
    homes: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    catalogue: Catalogue,
    indicators: list[Indicator],
    label: dict[float, str],
    manual: dict[tuple[str, str], Any],
    changed: Callable[[Indicator], bool],
) -> CircleResult:
    """A circle's result after a what-if.

    Indicators for which ``changed(indicator)`` is true are evaluated again over the
    circle's ``homes`` and ``facilities`` (as ``run_checkup`` does); the others keep
    their result and shortfall (and its suggestion). Then the grade.

    Parameters
    ----------
    old : CircleResult
        The circle before.
    homes, facilities : pandas.DataFrame
        The circle's homes (access columns) and located facilities now.
    catalogue : Catalogue
        The grading rule.
    indicators : list of Indicator
        The catalogue's circle indicators, in order.
    label : dict
        Radius (m) -> column label.
    manual : dict
        ``(scope, indicator id)`` -> manual value row.
    changed : callable
        Whether an indicator must be evaluated again.

    Returns
    -------
    CircleResult
    """
    before_res = {i.id: i for i in old.indicators}
    before_short = {s.indicator_id: s for s in old.shortfalls}
    results: list[IndicatorResult] = []
    shortfalls: list[Shortfall] = []
    for ind in indicators:
        if not changed(ind) and ind.id in before_res:
            res = before_res[ind.id]
            results.append(res)
            if ind.id in before_short:
                shortfalls.append(before_short[ind.id])
            continue
        res, m = _evaluate(ind, homes, facilities, label, manual.get((old.id, ind.id)))
        results.append(res)
        if res.status != "pass":
            shortfalls.append(_shortfall(ind, res, homes, m))
    g, reason = grade(catalogue, {r.id: r.status for r in results})
    households = (
        float(pd.to_numeric(homes.get("households"), errors="coerce").sum())
        if "households" in homes
        else 0.0
    )
    return dataclasses.replace(
        old,
        population=float(homes["population"].sum()),
        households=households,
        compound_count=len(homes),
        grade=str(g.value),
        grade_reason=reason,
        indicators=results,
        shortfalls=shortfalls,
    )


def regrade_district(
    old: list[IndicatorResult],
    homes: pd.DataFrame,
    facilities: Callable[[], pd.DataFrame],
    *,
    indicators: list[Indicator],
    label: dict[float, str],
    manual: dict[tuple[str, str], Any],
    changed: Callable[[Indicator], bool],
) -> list[IndicatorResult]:
    """The district indicators after a what-if (those ``changed`` evaluated again).

    ``facilities`` is called (once) only when one is evaluated again.
    """
    by_id = {i.id: i for i in old}
    fac: pd.DataFrame | None = None
    out = []
    for ind in indicators:
        if not changed(ind) and ind.id in by_id:
            out.append(by_id[ind.id])
            continue
        if fac is None:
            fac = facilities()
        out.append(_evaluate(ind, homes, fac, label, manual.get(("district", ind.id)))[0])
    return out


def same_circle(a: CircleResult, b: CircleResult) -> bool:
    """Whether a circle's grade, figures and indicator values are unchanged."""
    if (a.grade, a.population, a.compound_count) != (b.grade, b.population, b.compound_count):
        return False
    va = [(i.id, i.status, i.value) for i in a.indicators]
    vb = [(i.id, i.status, i.value) for i in b.indicators]
    return len(va) == len(vb) and all(
        x[:2] == y[:2] and _close(x[2], y[2]) for x, y in zip(va, vb, strict=True)
    )


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.isclose(a, b, rtol=1e-12, atol=1e-12))
