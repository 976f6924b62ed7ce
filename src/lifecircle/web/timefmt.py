"""Times on the pages: the database keeps naive UTC; people read Beijing time (UTC+8)."""

from __future__ import annotations

from datetime import datetime, timedelta

BEIJING = timedelta(hours=8)


def beijing(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as Beijing time, e.g. ``2024-09-30 18:05``; ``—`` when unknown."""
    if at is None:
        return "—"
    if at.tzinfo is not None:
        at = at.replace(tzinfo=None) - (at.utcoffset() or timedelta())
    return (at + BEIJING).strftime(fmt)
