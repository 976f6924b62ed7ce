"""Indicator values for a group of homes (a circle, or the whole district), by kind.

The definitions are those of ``docs/catalogue-format.md``; each function returns the value
and, for a failing indicator, which homes are short of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lifecircle.standards import Indicator


@dataclass(frozen=True)
class Measured:
    """A computed value, and a per-home shortfall mask (True = this home lacks it)."""

    value: float | None
    short: np.ndarray | None = None  # aligned with the group's homes; None = whole group
    note: str | None = None


def nearest_of_any(homes: pd.DataFrame, categories: tuple[str, ...]) -> np.ndarray:
    """Walking distance to the nearest facility of any of ``categories`` (inf if none)."""
    cols = [f"nearest_m__{c}" for c in categories if f"nearest_m__{c}" in homes.columns]
    if not cols:
        return np.full(len(homes), np.inf)
    nearest: np.ndarray = homes[cols].to_numpy(dtype=float).min(axis=1)
    return nearest


def measure(
    ind: Indicator,
    homes: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    radius_label: dict[float, str],
) -> Measured:
    """Value of a map-computed indicator over ``homes`` and the ``facilities`` located there.

    ``homes`` holds the access columns and ``population``; ``facilities`` the facilities
    located in the group (circle or district), with ``category``, ``capacity`` and
    ``floor_area_m2``.
    """
    kind = ind.effective_kind
    pop = homes["population"].to_numpy(dtype=float)
    total = float(pop.sum())

    def located() -> pd.DataFrame:  # only some kinds count the facilities themselves
        return facilities[facilities["category"].isin(ind.facility_categories)]

    if kind in ("count", "presence"):
        return Measured(float(len(located())))
    if total <= 0:
        return Measured(None, note="生活圈无居住人口，按缺少数值处理")
    if kind == "coverage":
        d = nearest_of_any(homes, ind.facility_categories)
        short = ~(d <= ind.radius_m)
        return Measured(100.0 * float(pop[~short].sum()) / total, short)
    if kind == "per_1000":
        if ind.radius_m is None:
            cap = pd.to_numeric(located()["capacity"], errors="coerce").fillna(0.0).sum()
            return Measured(1000.0 * float(cap) / total)
        label = radius_label[float(ind.radius_m)]
        cols = [f"supply_per_1000_{label}__{c}" for c in ind.facility_categories]
        present = [c for c in cols if c in homes.columns]
        per_home = (
            homes[present].to_numpy(dtype=float).sum(axis=1) if present else np.zeros(len(homes))
        )
        value = float((per_home * pop).sum() / total)
        return Measured(value, per_home < ind.threshold)
    if kind == "area_per_capita":
        area = pd.to_numeric(located()["floor_area_m2"], errors="coerce").fillna(0.0).sum()
        return Measured(float(area) / total)
    msg = f"indicator {ind.id}: kind {kind!r} is not computed from the map"
    raise ValueError(msg)
