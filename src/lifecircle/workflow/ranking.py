"""Units ranked by on-time delivery (按期完成率), as 一张图 shows them.

The rule: a unit answers for the projects it leads. Of those due by the day judged (their
original due date has passed, or they are finished), the on-time rate is the share finished
by the original due date. Units rank by that rate (highest first), then by fewer projects
overdue and open, then by more projects due; units with nothing due yet come last. Cancelled
projects do not count. Filtered by street, only projects of that street's circles count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lifecircle.store.models import Circle, Project, Street, Unit
from lifecircle.workflow.projects import timeliness
from lifecircle.workflow.views import cached


@dataclass(frozen=True)
class UnitRank:
    """One unit's delivery record on the day judged."""

    rank: int | None  # None: nothing due yet
    unit: str
    projects: int  # led, not cancelled
    due: int  # due by the day (on time + late + overdue)
    on_time: int
    late: int  # finished after the original due date
    overdue: int  # open past the original due date
    pending: int  # open, not due yet

    @property
    def rate(self) -> float | None:
        """Share finished on time of those due (%), None when nothing is due."""
        return round(100.0 * self.on_time / self.due, 1) if self.due else None

    @property
    def rate_zh(self) -> str:
        return "暂无到期项目" if self.rate is None else f"{self.rate:.1f}%"


def unit_ranking(session: Session, *, today: date, street: str | None = None) -> list[UnitRank]:
    """Units leading projects, ranked by on-time delivery on ``today`` (rule: module doc).

    Parameters
    ----------
    session : Session
    today : datetime.date
        The day judged.
    street : str, optional
        Count only the projects of this street's circles.

    Returns
    -------
    list of UnitRank
        Best first (cached per programme version); units with no project due last (``rank`` None).
    """
    return list(
        cached(session, "unit_ranking", (today, street), lambda: _ranking(session, today, street))
    )


def _ranking(session: Session, today: date, street: str | None) -> list[UnitRank]:
    q = (
        select(Project)
        .join(Circle, Circle.id == Project.circle_id)
        .options(selectinload(Project.lead_unit))
        .where(Project.status != "cancelled")
    )
    if street:
        q = q.join(Street, Street.id == Circle.street_id).where(Street.name == street)
    counts: dict[str, dict[str, int]] = {}
    for p in session.scalars(q):
        unit: Unit = p.lead_unit
        n = counts.setdefault(
            unit.name, {"projects": 0, "on_time": 0, "late": 0, "overdue": 0, "pending": 0}
        )
        n["projects"] += 1
        code = timeliness(p, today).code
        if code in n:
            n[code] += 1
    rows = [
        UnitRank(
            rank=None,
            unit=name,
            due=n["on_time"] + n["late"] + n["overdue"],
            **n,
        )
        for name, n in counts.items()
    ]
    rows.sort(
        key=lambda r: (
            r.due == 0,
            -(r.on_time / r.due) if r.due else 0.0,
            r.overdue,
            -r.due,
            r.unit,
        )
    )
    out: list[UnitRank] = []
    for r in rows:
        if r.due == 0:
            out.append(r)
            continue
        prev = out[-1] if out else None
        same = prev is not None and (prev.rate, prev.overdue) == (r.rate, r.overdue)
        rank = prev.rank if same and prev is not None else len(out) + 1
        out.append(UnitRank(**{**r.__dict__, "rank": rank}))
    return out
