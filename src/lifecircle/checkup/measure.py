"""Indicator values for groups of homes (the circles, or the whole district), by kind.

The definitions are those of ``docs/catalogue-format.md``; each function returns the value
and, for a failing indicator, which homes are short of it.

The homes' columns are read once for all groups (`HomeGroups`), each group's homes one
contiguous slice of them, in their order in the table. Every group's sum is numpy's sum
of that slice: the same additions, in the same order, as summing the group's own table,
so the values do not depend on how the homes are grouped (a scatter-add over all groups
would add in another order and change the last bits).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class HomeGroups:
    """Homes and facilities in groups, each group's rows one slice of sorted arrays.

    Group ``g`` holds homes ``rows(g)`` and facilities ``fac_rows(g)`` of ``homes`` and
    ``facilities`` (both reordered so that a group's rows follow each other, in their
    table order). Columns are read on first use and kept.
    """

    homes: pd.DataFrame
    facilities: pd.DataFrame
    bounds: np.ndarray  # homes of group g: bounds[g]:bounds[g + 1]
    fac_bounds: np.ndarray
    _cache: dict[Any, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def whole(cls, homes: pd.DataFrame, facilities: pd.DataFrame | None = None) -> HomeGroups:
        """One group: every home and facility (the district, or one circle's); without
        ``facilities``, none (for what is measured from the homes alone)."""
        fac = _no_facilities() if facilities is None else facilities
        return cls(homes, fac, np.array([0, len(homes)]), np.array([0, len(fac)]))

    @classmethod
    def by_key(
        cls,
        homes: pd.DataFrame,
        facilities: pd.DataFrame | None,
        keys: Sequence[str],
        *,
        home_key: pd.Series,
        fac_key: pd.Series | None = None,
    ) -> HomeGroups:
        """One group per key, in ``keys``' order; rows with other keys are left out.
        Without ``facilities`` (and ``fac_key``) the groups hold none."""
        h_order, bounds = _grouped(home_key, keys)
        if facilities is None or fac_key is None:
            fac = _no_facilities()
            return cls(homes.iloc[h_order], fac, bounds, np.zeros(len(keys) + 1, dtype=np.int64))
        f_order, fac_bounds = _grouped(fac_key, keys)
        return cls(homes.iloc[h_order], facilities.iloc[f_order], bounds, fac_bounds)

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def rows(self, g: int) -> slice:
        """Group ``g``'s homes."""
        return slice(int(self.bounds[g]), int(self.bounds[g + 1]))

    def fac_rows(self, g: int) -> slice:
        """Group ``g``'s facilities."""
        return slice(int(self.fac_bounds[g]), int(self.fac_bounds[g + 1]))

    def size(self, g: int) -> int:
        """How many homes group ``g`` holds."""
        return int(self.bounds[g + 1] - self.bounds[g])

    def floats(self, column: str) -> np.ndarray:
        """A homes column as float64 (as ``to_numpy(dtype=float)``)."""
        return self.kept(("f", column), lambda: self.homes[column].to_numpy(dtype=float))

    def values(self, column: str) -> np.ndarray:
        """A homes column as it is (numbers in their dtype, text as objects)."""
        return self.kept(("v", column), lambda: self.homes[column].to_numpy())

    def numbers(self, column: str) -> np.ndarray:
        """A homes column as numbers, unreadable ones NaN (``pd.to_numeric``, coerce)."""
        return self.kept(
            ("n", column), lambda: pd.to_numeric(self.homes[column], errors="coerce").to_numpy()
        )

    def nearest(self, categories: tuple[str, ...]) -> np.ndarray:
        """`nearest_of_any` for every home."""
        return self.kept(("near", categories), lambda: nearest_of_any(self.homes, categories))

    def located(self, categories: tuple[str, ...]) -> np.ndarray:
        """Per facility: is it of one of ``categories``."""
        return self.kept(
            ("in", categories),
            lambda: self.facilities["category"].isin(categories).to_numpy(dtype=bool),
        )

    def fac_numbers(self, column: str) -> np.ndarray:
        """A facilities column as numbers, unreadable or missing ones 0."""
        return self.kept(
            ("fac", column),
            lambda: (
                pd.to_numeric(self.facilities[column], errors="coerce")
                .fillna(0.0)
                .to_numpy(dtype=float)
            ),
        )

    def kept(self, key: Any, make: Callable[[], np.ndarray]) -> np.ndarray:
        """``make()``, made once per ``key``."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def _no_facilities() -> pd.DataFrame:
    """An empty facilities table (groups measured from their homes alone)."""
    return pd.DataFrame({"category": pd.Series(dtype=object)})


def _grouped(key: pd.Series, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of each key in ``keys`` (stable: table order within a key) and the bounds."""
    code = pd.Index(list(keys)).get_indexer(key.to_numpy())
    keep = np.flatnonzero(code >= 0)
    order = keep[np.argsort(code[keep], kind="stable")]
    bounds = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(np.bincount(code[keep], minlength=len(keys)), out=bounds[1:])
    return order, bounds


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
    return measure_groups(ind, HomeGroups.whole(homes, facilities), radius_label=radius_label)[0]


def measure_groups(
    ind: Indicator, groups: HomeGroups, *, radius_label: dict[float, str]
) -> list[Measured]:
    """`measure` for every group at once: the per-home figures once, then each group's sums."""
    kind = ind.effective_kind
    cats = tuple(ind.facility_categories)
    if kind in ("count", "presence"):
        located = groups.located(cats)
        return [
            Measured(float(np.count_nonzero(located[groups.fac_rows(g)])))
            for g in range(len(groups))
        ]
    pop = groups.floats("population")
    per_group = _PER_KIND.get(kind)
    out: list[Measured] = []
    for g in range(len(groups)):
        p = pop[groups.rows(g)]
        total = float(p.sum())
        if total <= 0:
            out.append(Measured(None, note="生活圈无居住人口，按缺少数值处理"))
        elif per_group is None:
            msg = f"indicator {ind.id}: kind {kind!r} is not computed from the map"
            raise ValueError(msg)
        else:
            out.append(per_group(ind, groups, g, p, total, radius_label))
    return out


def _coverage(
    ind: Indicator, groups: HomeGroups, g: int, pop: np.ndarray, total: float, _: Any
) -> Measured:
    d = groups.nearest(tuple(ind.facility_categories))[groups.rows(g)]
    short = ~(d <= ind.radius_m)
    return Measured(100.0 * float(pop[~short].sum()) / total, short)


def _per_1000(
    ind: Indicator,
    groups: HomeGroups,
    g: int,
    pop: np.ndarray,
    total: float,
    radius_label: dict[float, str],
) -> Measured:
    if ind.radius_m is None:
        return Measured(1000.0 * _located_sum(ind, groups, g, "capacity") / total)
    per_home = _supply(ind, groups, radius_label)[groups.rows(g)]
    value = float((per_home * pop).sum() / total)
    return Measured(value, per_home < ind.threshold)


def _area_per_capita(
    ind: Indicator, groups: HomeGroups, g: int, pop: np.ndarray, total: float, _: Any
) -> Measured:
    return Measured(_located_sum(ind, groups, g, "floor_area_m2") / total)


_PER_KIND = {"coverage": _coverage, "per_1000": _per_1000, "area_per_capita": _area_per_capita}


def _supply(ind: Indicator, groups: HomeGroups, radius_label: dict[float, str]) -> np.ndarray:
    """Per home: the 2SFCA supply per 1,000 residents of the indicator's categories."""
    label = radius_label[float(ind.radius_m or 0.0)]
    cols = [f"supply_per_1000_{label}__{c}" for c in ind.facility_categories]
    present = tuple(c for c in cols if c in groups.homes.columns)

    def total() -> np.ndarray:
        if not present:
            return np.zeros(len(groups.homes))
        per_home: np.ndarray = groups.homes[list(present)].to_numpy(dtype=float).sum(axis=1)
        return per_home

    return groups.kept(("supply", present), total)


def _located_sum(ind: Indicator, groups: HomeGroups, g: int, column: str) -> float:
    """Sum of ``column`` over the group's facilities of the indicator's categories."""
    rows = groups.fac_rows(g)
    located = groups.located(tuple(ind.facility_categories))[rows]
    return float(groups.fac_numbers(column)[rows][located].sum())
