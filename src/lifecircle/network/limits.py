"""The walking parameters a user may give, checked before any work: snap distance, radii,
minutes and pace. Light (no numpy), so commands refuse a bad value at once."""

from __future__ import annotations

import math
from collections.abc import Iterable

from lifecircle.errors import InputError

#: the largest snap distance taken seriously (m): beyond it a home is "near" any street
MAX_SNAP_LIMIT_M = 5_000.0
#: the largest radius (m) and walking time (min) taken seriously
MAX_RADIUS_M = 50_000.0
MAX_MINUTES = 600.0
#: walking pace (m/min) a person can keep
SPEED_RANGE = (1.0, 500.0)


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def check_walk_options(
    radii: Iterable[object] | None,
    minutes: Iterable[object] | None,
    speed: float,
    max_snap_m: float,
) -> None:
    """Every walking option of an access run, checked at once (before any file is read)."""
    if radii is not None and minutes is not None:
        raise InputError(
            "半径（米）和步行时间（分钟）只能给一种",
            field="--radius",
            fix="去掉 --radius 或 --minutes 之一",
        )
    if radii is not None:
        check_radii(radii)
    if minutes is not None:
        check_minutes(minutes)
        check_speed(speed)
    check_max_snap(max_snap_m)


def check_max_snap(
    value: float, *, field: str = "--max-snap", limit: float = MAX_SNAP_LIMIT_M
) -> float:
    """The largest distance (m) from a point to the street it is attached to: positive and
    at most ``limit`` (``math.inf`` for a caller that wants every point attached)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not 0 < number <= limit:
        raise InputError(
            f"最大挂接距离 {value} 米不合理（应大于 0、不超过 {MAX_SNAP_LIMIT_M:.0f} 米）",
            field=field,
            fix="写一个正数（米），通常 100～300，默认 200",
        )
    return number


def check_speed(value: float, *, field: str = "--speed") -> float:
    """A walking pace in metres per minute."""
    number = _number(value)
    low, high = SPEED_RANGE
    if number is None or not low <= number <= high:
        raise InputError(
            f"步行速度 {value} 米/分钟不合理（应在 {low:.0f}～{high:.0f} 之间）",
            field=field,
            fix="写米/分钟，成人步行约 80",
        )
    return number


def check_radii(values: Iterable[object], *, field: str = "--radius") -> list[float]:
    """Radii in metres: positive, finite, at most 50 km; sorted, without repeats."""
    out: list[float] = []
    for v in values:
        number = _number(v)
        if number is None or not 0 < number <= MAX_RADIUS_M:
            raise InputError(
                f"半径 {v} 米不合理（应大于 0、不超过 {MAX_RADIUS_M:.0f} 米）",
                field=field,
                fix="写逗号分隔的正数（米），如 300,500,1000",
            )
        out.append(number)
    if not out:
        raise InputError("没有给出半径", field=field, fix="写逗号分隔的正数（米），如 300,500,1000")
    return sorted(set(out))


def check_minutes(values: Iterable[object], *, field: str = "--minutes") -> list[float]:
    """Walking times in minutes: positive, finite, at most 600; sorted, without repeats."""
    out: list[float] = []
    for v in values:
        number = _number(v)
        if number is None or not 0 < number <= MAX_MINUTES:
            raise InputError(
                f"步行时间 {v} 分钟不合理（应大于 0、不超过 {MAX_MINUTES:.0f} 分钟）",
                field=field,
                fix="写逗号分隔的正数（分钟），如 5,10,15",
            )
        out.append(number)
    if not out:
        raise InputError("没有给出步行时间", field=field, fix="写逗号分隔的分钟数，如 5,10,15")
    return sorted(set(out))
