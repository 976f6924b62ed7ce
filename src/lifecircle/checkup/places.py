"""The plan's six places (学位、托位、床位、车位、厕位、梯位): supply against need, for a circle
or for the whole district, from a checkup and its facilities.

雨政办发〔2023〕20号 二(一) names the six places residents most ask about. The catalogue says
which indicator measures each (``place``) and its norm per 1,000 residents; the facilities
carry the capacity (taxonomy ``capacity_unit``: 学位, 托位, 床位, 车位, 厕位). 梯位 (lifts in
existing multi-storey housing) has no facility layer: its row shows the manual value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lifecircle.checkup.result import CheckupResult, IndicatorResult
from lifecircle.standards import load_taxonomy
from lifecircle.standards.model import PLACES


@dataclass(frozen=True)
class PlaceRow:
    """One line of the six-places table.

    Attributes
    ----------
    place : str
        学位, 托位, 床位, 车位, 厕位 or 梯位.
    categories : tuple of str
        Facility categories whose capacity is counted (none for 梯位).
    facilities : int
        Facilities of those categories located in the circle (the district: all of them).
    unknown_capacity : int
        Of those, how many carry no capacity (counted as 0 in ``supply``).
    supply : float or None
        Their total capacity; None when nothing is counted (梯位).
    population : float
        Residents of the circle (the district).
    norm : float or None
        Places needed per 1,000 residents: the threshold of the place's per-1,000
        indicator; None when the catalogue sets none.
    need : float or None
        ``norm`` × ``population`` / 1,000.
    gap : float or None
        ``need`` − ``supply``: positive when places are short.
    supply_per_1000 : float or None
        ``supply`` per 1,000 residents (None without residents).
    status : str or None
        ``pass`` / ``fail`` / ``missing`` of ``indicator`` when there is one, else of
        ``supply`` against ``need``; None when neither applies.
    basis : IndicatorResult or None
        The catalogue's indicator of this place: its norm (threshold and unit), source
        and whether the norm is verified.
    indicator : IndicatorResult or None
        The indicator the circle (the district) itself was evaluated on, whose value and
        status are this row's (for a per-1,000 indicator with a walking radius, places
        within reach of the homes rather than located in the circle); None for a district
        row whose catalogue has no district indicator of the place.
    circles_passed, circles_valued : int or None
        District rows: how many circles pass the place's indicator, and how many have a
        value for it; None for a circle's row.
    """

    place: str
    categories: tuple[str, ...]
    facilities: int
    unknown_capacity: int
    supply: float | None
    population: float
    norm: float | None
    need: float | None
    gap: float | None
    supply_per_1000: float | None
    status: str | None
    basis: IndicatorResult | None
    indicator: IndicatorResult | None
    circles_passed: int | None = None
    circles_valued: int | None = None


def places_of_unit() -> dict[str, tuple[str, ...]]:
    """Facility categories by capacity unit, for the places counted in facilities.

    Returns
    -------
    dict
        ``{"学位": ("kindergarten", "primary_school", "middle_school"), …}``; 梯位 maps to
        an empty tuple.
    """
    tax = load_taxonomy()
    return {p: tuple(c for c in tax.ids if tax.capacity_unit(c) == p) for p in PLACES}


def six_places(
    result: CheckupResult,
    facilities: pd.DataFrame | None,
    *,
    circle_id: str | None = None,
) -> list[PlaceRow]:
    """The six-places table of one circle, or of the district when ``circle_id`` is None.

    Parameters
    ----------
    result : CheckupResult
        The checkup (its indicators say which measures each place and the norm).
    facilities : DataFrame or None
        The checkup's facilities with ``category``, ``capacity`` and ``circle_id``
        (``Checkup.district.facilities`` or ``CheckupFolder.facilities``); None when the
        checkup folder has no facility layer (supplies are then unknown).
    circle_id : str, optional
        The circle; None for the whole district (every facility, every resident).

    Returns
    -------
    list of PlaceRow
        In the order 学位, 托位, 床位, 车位, 厕位, 梯位; a place measured by several
        indicators (学位: kindergarten and compulsory school) has one row for each.
    """
    if circle_id is None:
        population = float(result.summary.get("population") or 0.0)
        own = [i for i in result.district_indicators if i.place]
        # the district is judged by its own indicator where the catalogue has one, and
        # otherwise against the norms the circles are held to
        defs = own + [
            i
            for i in (result.circles[0].indicators if result.circles else [])
            if i.place and not any(_same(i, o) for o in own)
        ]
        located = facilities
    else:
        circle = result.circle(circle_id)
        population = float(circle.population or 0.0)
        defs = [i for i in circle.indicators if i.place]
        located = None
        if facilities is not None:
            located = facilities[facilities["circle_id"].astype(str) == str(circle_id)]
    by_unit = places_of_unit()
    rows: list[PlaceRow] = []
    for place in PLACES:
        mine = [i for i in defs if i.place == place]
        if not mine:
            rows.append(_row(place, by_unit[place], None, located, population, None))
            continue
        for ind in mine:
            cats = () if ind.kind == "manual" else (ind.facility_categories or by_unit[place])
            judged = ind if circle_id is not None or any(ind is o for o in own) else None
            row = _row(place, cats, ind, located, population, judged)
            if circle_id is None:
                row = _with_circles(row, result)
            rows.append(row)
    return rows


def _with_circles(row: PlaceRow, result: CheckupResult) -> PlaceRow:
    """A district row with how many circles pass the place's circle indicator."""
    basis = row.basis
    got = []
    for c in result.circles:
        for i in c.indicators:
            if basis is not None and i.place == row.place and _same(i, basis):
                got.append(i)
    if not got:
        return row
    return replace(
        row,
        circles_passed=sum(1 for i in got if i.status == "pass"),
        circles_valued=sum(1 for i in got if i.status != "missing"),
    )


def _same(a: IndicatorResult, b: IndicatorResult) -> bool:
    """Two indicators of one place over the same categories (a circle's and the district's)."""
    return a.place == b.place and set(a.facility_categories) == set(b.facility_categories)


def _row(
    place: str,
    categories: tuple[str, ...],
    definition: IndicatorResult | None,
    located: pd.DataFrame | None,
    population: float,
    judged: IndicatorResult | None,
) -> PlaceRow:
    count = unknown = 0
    supply: float | None = None
    if categories and located is not None:
        sel = located[located["category"].astype(str).isin(categories)]
        cap = pd.to_numeric(sel["capacity"], errors="coerce").to_numpy(dtype=float)
        count, unknown = len(sel), int(np.isnan(cap).sum())
        supply = float(np.nansum(cap))
    per_1000 = None
    if supply is not None and population > 0:
        per_1000 = 1000.0 * supply / population
    norm = need = gap = None
    if definition is not None and definition.kind == "per_1000":
        norm = float(definition.threshold)
        need = norm * population / 1000.0
        if supply is not None:
            gap = need - supply
    if judged is not None:
        status: str | None = judged.status
    elif need is None:
        status = None
    elif supply is None or population <= 0:
        status = "missing"
    else:
        status = "pass" if supply >= need - 1e-9 else "fail"
    return PlaceRow(
        place=place,
        categories=tuple(categories),
        facilities=count,
        unknown_capacity=unknown,
        supply=supply,
        population=population,
        norm=norm,
        need=need,
        gap=gap,
        supply_per_1000=per_1000,
        status=status,
        basis=definition,
        indicator=judged,
    )
