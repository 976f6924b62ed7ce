"""The six-places table (学位、托位、床位、车位、厕位、梯位) as a report shows it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from lifecircle.checkup import CheckupResult, PlaceRow, six_places
from lifecircle.checkup.result import IndicatorResult
from lifecircle.reports.data import finite
from lifecircle.reports.strings import Text


def citation_text(ind: IndicatorResult | None, T: Text) -> str:
    """An indicator's source as an office cites it, marked when its value is unverified.

    ``雨政办发〔2023〕20号 五(一)2`` or ``GB 50180-2018 附录C；暂定（未核实）``; '—' when
    there is no indicator.
    """
    if ind is None or not ind.source:
        return "—"
    if ind.verified:
        return ind.source
    return ind.source + T("unverified_mark")


def _num(x: float | None) -> str:
    v = finite(x)
    return "—" if v is None else f"{v:,.0f}"


def _norm(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def place_rows(
    result: CheckupResult,
    facilities: pd.DataFrame | None,
    T: Text,
    *,
    circle_id: str | None = None,
) -> list[dict[str, Any]]:
    """The six-places rows of a circle (or of the district), as text for every format.

    Keys: ``place`` (what is counted, e.g. 学位：幼儿园), ``supply_text`` (capacity and
    how many facilities), ``need_text`` (places the norm asks for), ``gap_text`` (short /
    spare), ``value_text`` (the evaluated indicator's value), ``status`` / ``status_text``,
    ``circles_text`` (district: circles passing), ``source`` (citation), and the numbers
    ``supply``, ``need``, ``gap`` for Excel.
    """
    rows = six_places(result, facilities, circle_id=circle_id)
    return [_row(r, T) for r in rows]


def _row(r: PlaceRow, T: Text) -> dict[str, Any]:
    cats = T.sep().join(T.category(c) for c in r.categories)
    name = T(f"place_{r.place}")
    label = (f"{name}：{cats}" if T.lang == "zh" else f"{name}: {cats}") if cats else name
    if r.supply is None:
        supply = "—"
    else:
        supply = T("place_supply", cap=_num(r.supply), n=r.facilities)
        if r.unknown_capacity:
            supply += T("place_unknown", n=r.unknown_capacity)
    need = "—"
    unit = r.basis.unit if r.basis is not None else ""
    if r.need is not None and r.norm is not None:
        need = T("place_need", need=_num(r.need), norm=_norm(r.norm), unit=unit)
    gap = "—"
    if r.gap is not None:
        g = round(r.gap)
        gap = T("place_short", n=f"{g:,}") if g > 0 else T("place_spare", n=f"{-g:,}")
    ind = r.indicator
    value = "—"
    if ind is not None and finite(ind.value) is not None:
        v = f"{finite(ind.value):,.2f}".rstrip("0").rstrip(".")
        value = f"{v}{ind.unit}" if ind.unit == "%" else f"{v} {ind.unit}"
    status = r.status or ""
    circles = "—"
    if r.circles_valued is not None:
        circles = T("place_circles", passed=r.circles_passed, n=r.circles_valued)
    return {
        "place": label,
        "supply": r.supply,
        "supply_text": supply,
        "need": r.need,
        "need_text": need,
        "gap": r.gap,
        "gap_text": gap,
        "value_text": value,
        "status": status,
        "status_text": T(f"status_{status}") if status else "—",
        "circles_text": circles,
        "source": citation_text(r.basis, T),
    }
