"""A checkup's data date: the day its inputs describe, read from text as offices write it."""

from __future__ import annotations

import re
from datetime import date, datetime

from lifecircle.errors import DistrictError

# 2024-06-30, 2024/6/30, 2024.6.30, 2024年6月30日 (spaces allowed around the parts)
_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*$")


def parse_data_date(value: object, *, file: str | None, field: str = "data_date") -> date | None:
    """The data date given as a date, an ISO text or a Chinese date (``2024年6月30日``).

    Parameters
    ----------
    value : date, datetime, str or None
        What the manifest, a keyword or an option gave (YAML reads ``2024-06-30`` as a date).
    file : str or None
        Where it was given, for the message (``district.yaml``, ``--data-date``).
    field : str
        The field or option named in the message.

    Returns
    -------
    datetime.date or None
        None when no data date is given (empty text too).

    Raises
    ------
    DistrictError
        Text that is no calendar date (``2025-02-30``, ``yesterday``), or another type.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    fix = "写成 2024-06-30 或 2024年6月30日：体检所用数据反映的日期（不是运行日期）"
    if not isinstance(value, str):
        raise DistrictError(f"数据日期 {value!r} 不是日期", file=file, field=field, fix=fix)
    if not value.strip():
        return None
    m = _DATE.match(value)
    if m is None:
        raise DistrictError(f"数据日期 {value!r} 不是日期", file=file, field=field, fix=fix)
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise DistrictError(
            f"数据日期 {value!r} 不是有效的日历日期（{exc}）", file=file, field=field, fix=fix
        ) from exc
