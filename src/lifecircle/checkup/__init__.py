"""The 专项体检: every circle's indicators, grade and shortfalls, from the access engine."""

from lifecircle.checkup.folder import CheckupFolder
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
    "RunInfo",
    "Shortfall",
    "run_checkup",
]
