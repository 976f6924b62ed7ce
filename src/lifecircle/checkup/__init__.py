"""The 专项体检: every circle's indicators, grade and shortfalls, from the access engine."""

from lifecircle.checkup.result import (
    AffectedCompound,
    CheckupResult,
    CircleResult,
    IndicatorResult,
    Shortfall,
)
from lifecircle.checkup.run import Checkup, run_checkup

__all__ = [
    "AffectedCompound",
    "Checkup",
    "CheckupResult",
    "CircleResult",
    "IndicatorResult",
    "Shortfall",
    "run_checkup",
]
