"""补短板建议 as the circle page lists them: from the stored shortfalls (checkup schema 1.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

STATUS_ZH = {
    "optimal": "已证明为最少",
    "heuristic": "启发式解（未证明最少）",
    "time_limit": "求解超时，取当前最好解",
    "unreachable": "现有候选点无法达标",
}


@dataclass(frozen=True)
class SuggestionRow:
    """One failing indicator's suggestion: how many new facilities, where, and the gain."""

    indicator_id: str
    indicator: str
    constraint: bool
    category: str
    category_zh: str
    count: int | None
    reachable: bool
    value_before: float | None
    value_after: float
    threshold: float | None
    unit: str
    sites: list[dict[str, Any]]
    status_zh: str
    note: str

    @property
    def whatif_query(self) -> str:
        """The sites as the what-if page's query (``add=类别@经度,纬度`` each, encoded)."""
        adds = [("add", f"{self.category}@{s['lon']},{s['lat']}") for s in self.sites]
        return urlencode([*adds, ("category", self.category)])


def suggestion_rows(shortfalls: list[dict[str, Any]]) -> list[SuggestionRow]:
    """The shortfalls that carry a suggestion, constraint indicators first.

    Parameters
    ----------
    shortfalls : list of dict
        A stored checkup result's ``shortfalls`` (their ``checkup.json`` form).

    Returns
    -------
    list of SuggestionRow
        Empty when the checkup ran without ``--suggest`` or nothing fails.
    """
    from lifecircle.standards import load_taxonomy

    tax = load_taxonomy()
    rows = []
    for s in shortfalls:
        sug = s.get("suggestion")
        if not sug:
            continue
        cat = str(sug.get("category", ""))
        try:
            cat_zh = tax.name_zh(cat)
        except KeyError:
            cat_zh = cat
        rows.append(
            SuggestionRow(
                indicator_id=s["indicator_id"],
                indicator=s.get("name_zh") or s["indicator_id"],
                constraint=s.get("category") == "constraint",
                category=cat,
                category_zh=cat_zh,
                count=sug.get("count"),
                reachable=bool(sug.get("reachable")),
                value_before=s.get("value"),
                value_after=float(sug.get("value_after") or 0.0),
                threshold=s.get("threshold"),
                unit=s.get("unit") or "",
                sites=list(sug.get("sites") or []),
                status_zh=STATUS_ZH.get(str(sug.get("status")), str(sug.get("status"))),
                note=str(sug.get("note") or ""),
            )
        )
    rows.sort(key=lambda r: not r.constraint)
    return rows
