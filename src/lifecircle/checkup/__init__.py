"""The 专项体检: every circle's indicators, grade and shortfalls, from the access engine.

``run_checkup`` / ``Checkup`` are loaded on first use, so the parts that only read a
checkup (reports, workflow) import the result objects without the access engine (numba).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecircle.checkup.folder import CheckupFolder
from lifecircle.checkup.places import PlaceRow, six_places
from lifecircle.checkup.result import (
    AffectedCompound,
    CatalogueInfo,
    CheckupResult,
    CircleResult,
    DistrictInfo,
    IndicatorResult,
    RunInfo,
    Shortfall,
)
from lifecircle.checkup.suggestion import SuggestedSite, Suggestion

if TYPE_CHECKING:
    from lifecircle.checkup.run import Checkup, run_checkup

__all__ = [
    "AffectedCompound",
    "CatalogueInfo",
    "Checkup",
    "CheckupFolder",
    "CheckupResult",
    "CircleResult",
    "DistrictInfo",
    "IndicatorResult",
    "PlaceRow",
    "RunInfo",
    "Shortfall",
    "SuggestedSite",
    "Suggestion",
    "run_checkup",
    "six_places",
]


def __getattr__(name: str) -> Any:
    if name in ("Checkup", "run_checkup"):
        from lifecircle.checkup import run

        return getattr(run, name)
    raise AttributeError(f"module 'lifecircle.checkup' has no attribute {name!r}")
