"""Bulletins (通报): progress per unit and per street for a period, rendered to Word and Excel.

The plan's rule (六、(三)): units that work well and show results are praised; units whose
responsibility is not carried out, progress is slow or tasks are not met are criticised. Here:
- a unit is criticised when it leads an overdue project (open past its original due date);
- a unit is praised when it leads at least one project due by the period's end, all of those
  finished on time, and none is overdue;
- a street is criticised when a target of the year is missed or a project in its circles is
  overdue; praised when it met at least one target of the year on time and has neither.
The leaders answerable on the bulletin's day are named (圈长负责制): the 圈长 of each circle
in the targets, the overdue projects and the reasons, the 副总圈长 of each street praised or
criticised (a street's criticism carries its 副总圈长 as the ``person`` its 督办 record names).
"""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import InputError, RuleError
from lifecircle.store.models import Bulletin, CheckupRun, District, Project, Street, Unit
from lifecircle.workflow import config, supervision
from lifecircle.workflow.bulletin_files import render_docx, render_xlsx, title
from lifecircle.workflow.leaders import circle_leader_names, street_deputy_names
from lifecircle.workflow.projects import STATUS_ZH, timeliness
from lifecircle.workflow.schedule import check_totals, list_targets, target_state


def period_end(period: str) -> date:
    try:
        year, month = (int(x) for x in period.split("-"))
        return date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        raise InputError(
            f"通报月份 {period!r} 不是“年-月”", field="period", fix="写成 2024-09 这样的年月"
        ) from None


def build(session: Session, period: str, *, today: date | None = None) -> dict:
    """The bulletin's content for ``period`` (YYYY-MM), judged on ``today`` (default: the
    period's last day). Plain data (JSON-ready), stored by ``publish``."""
    as_of = today or period_end(period)
    year = int(period[:4])
    district = session.scalar(select(District).limit(1))
    run = session.scalar(select(CheckupRun).order_by(CheckupRun.created_at.desc()).limit(1))
    projects = list(session.scalars(select(Project).order_by(Project.code)))
    units = {u.id: u for u in session.scalars(select(Unit))}
    judged = [(p, timeliness(p, as_of)) for p in projects]
    leaders = circle_leader_names(session, on=as_of)
    deputies = street_deputy_names(session, on=as_of)

    unit_rows: dict[int, dict[str, Any]] = {}
    for p, t in judged:
        row = unit_rows.setdefault(
            p.lead_unit_id,
            {
                "unit": units[p.lead_unit_id].name,
                "projects": 0,
                "due": 0,
                "on_time": 0,
                "late": 0,
                "overdue": 0,
                "pending": 0,
                "budget_yuan": 0,
            },
        )
        row["projects"] += 1
        row["budget_yuan"] += p.budget_yuan
        if t.code != "cancelled":
            row[t.code] += 1
            if (p.original_due_date or p.due_date) <= as_of:
                row["due"] += 1
    overdue: list[dict[str, Any]] = [
        {
            "code": p.code,
            "name": p.name,
            "circle": p.circle.code,
            "circle_name": p.circle.name,
            "street": p.circle.street.name,
            "leader": leaders.get(p.circle_id, {}).get("leader", ""),
            "unit": units[p.lead_unit_id].name,
            "due": p.original_due_date.isoformat(),
            "days_late": t.days_late,
            "status": STATUS_ZH[p.status],
            "progress": p.progress,
        }
        for p, t in judged
        if t.code == "overdue"
    ]

    targets: list[dict[str, Any]] = []
    for target in list_targets(session, year=year):
        st = target_state(session, target, as_of)
        targets.append(
            {
                "circle": target.circle.code,
                "circle_name": target.circle.name,
                "street": target.circle.street.name,
                "leader": leaders.get(target.circle_id, {}).get("leader", ""),
                "grade": target.grade,
                "due": target.due_date.isoformat(),
                "state": st.code,
                "state_zh": st.zh,
                "reason": st.reason,
            }
        )
    street_rows: dict[str, dict[str, Any]] = {}
    for s in session.scalars(select(Street).order_by(Street.code, Street.name)):
        street_rows[s.name] = {
            "street": s.name,
            "targets": 0,
            "met": 0,
            "met_late": 0,
            "missed": 0,
            "at_risk": 0,
            "on_track": 0,
            "overdue_projects": 0,
        }
    for entry in targets:
        r = street_rows[entry["street"]]
        r["targets"] += 1
        r[entry["state"]] += 1
    for o in overdue:
        street_rows[o["street"]]["overdue_projects"] += 1

    praised, criticised = [], []
    for r in sorted(unit_rows.values(), key=lambda r: r["unit"]):
        if r["overdue"]:
            criticised.append(
                {"who": r["unit"], "kind": "unit", "why": f"{r['overdue']}个项目逾期未完成"}
            )
        elif r["due"] and r["on_time"] == r["due"]:
            praised.append(
                {"who": r["unit"], "kind": "unit", "why": f"{r['due']}个到期项目全部按期完成"}
            )
    for r in street_rows.values():
        deputy = deputies.get(r["street"], "")
        if r["missed"] or r["overdue_projects"]:
            why = []
            if r["missed"]:
                why.append(f"{r['missed']}个创建目标未按期达标" + _circles(targets, r, "missed"))
            if r["overdue_projects"]:
                late: set[tuple[str, str, str]] = {
                    (str(o["circle"]), str(o["circle_name"]), str(o["leader"]))
                    for o in overdue
                    if o["street"] == r["street"]
                }
                why.append(f"圈内{r['overdue_projects']}个项目逾期" + _named(sorted(late)))
            criticised.append(
                {
                    "who": r["street"],
                    "kind": "street",
                    "why": "，".join(why),
                    "leader": deputy,
                    "person": deputy or None,
                }
            )
        elif r["met"]:
            praised.append(
                {
                    "who": r["street"],
                    "kind": "street",
                    "why": f"{r['met']}个创建目标按期达标" + _circles(targets, r, "met"),
                    "leader": deputy,
                }
            )
    totals = [
        {"label": c.label, "required": c.required, "planned": c.planned, "achieved": c.achieved}
        for c in check_totals(session, as_of=as_of)
    ]
    return {
        "period": period,
        "as_of": as_of.isoformat(),
        "year": year,
        "district": district.name if district else "",
        "notice": run.notice if run and run.generated_geometry else None,
        "catalogue": f"{run.catalogue_id} {run.catalogue_version}" if run else None,
        "summary": {
            "projects": len(projects),
            "on_time": sum(t.code == "on_time" for _, t in judged),
            "late": sum(t.code == "late" for _, t in judged),
            "overdue": len(overdue),
            "pending": sum(t.code == "pending" for _, t in judged),
            "targets": len(targets),
            "targets_met": sum(t["state"] in ("met", "met_late") for t in targets),
            "targets_at_risk": sum(t["state"] == "at_risk" for t in targets),
            "targets_missed": sum(t["state"] == "missed" for t in targets),
        },
        "totals": totals,
        "units": sorted(unit_rows.values(), key=lambda r: r["unit"]),
        "streets": [r for r in street_rows.values() if r["targets"] or r["overdue_projects"]],
        "targets": targets,
        "overdue": overdue,
        "praised": praised,
        "criticised": criticised,
    }


def _named(circles: list[tuple[str, str, str]]) -> str:
    """（C03 某生活圈，圈长 王五；…）: the circles at issue with their 圈长."""
    parts = [f"{c} {n}" + (f"，圈长{leader}" if leader else "") for c, n, leader in circles]
    return f"（{'；'.join(parts)}）" if parts else ""


def _circles(targets: list[dict], street_row: dict, state: str) -> str:
    return _named(
        [
            (t["circle"], t["circle_name"], t.get("leader", ""))
            for t in targets
            if t["street"] == street_row["street"] and t["state"] == state
        ]
    )


def publish(
    session: Session,
    period: str,
    *,
    today: date | None = None,
    issued_on: date | None = None,
    number: int | None = None,
    issuer: str | None = None,
) -> Bulletin:
    """Build and store the bulletin of ``period`` (replacing an earlier draft of it).

    It gets its 期号 (``number``, default the next of its year of issue; a bulletin
    published again keeps its number), its 成文日期 ``issued_on`` (default the day it is
    judged on), its issuing office (``issuer``, default ``bulletin.yaml``), and one 督办
    record per criticism (``supervision.open_records``); the records of earlier bulletins
    still open on that day are listed in it.
    """
    data = build(session, period, today=today)
    as_of = date.fromisoformat(data["as_of"])
    day = issued_on or as_of
    b = session.scalar(select(Bulletin).where(Bulletin.period == period))
    keep = b.number if b is not None and b.year == day.year else None
    wanted = number if number is not None else keep
    issue_no = _issue_number(session, b, day.year, wanted)  # checked before any write
    if b is None:
        b = Bulletin(period=period, as_of=as_of, data=data)
        session.add(b)
    b.as_of, b.issued_on, b.year, b.number = as_of, day, day.year, issue_no
    settings = config.bulletin_settings(data["district"])
    data["issue"] = {"year": b.year, "number": b.number, "text": f"{b.year}年第{b.number}期"}
    data["issued_on"] = day.isoformat()
    data["issuer"] = (issuer or "").strip() or settings["issuer"]
    data["recipients"] = settings["recipients"]
    data["copy_to"] = list(settings["copy_to"])
    data["printer"] = (issuer or "").strip() or settings["printer"]
    data["date_style"] = settings.get("date_style", "arabic")
    session.flush()
    records = supervision.open_records(
        session,
        b,
        data["criticised"],
        opened_on=day,
        days=int(settings["rectify_days"]),
    )
    for c, rec in zip(data["criticised"], records, strict=True):
        c["supervision_id"], c["deadline"] = rec.id, rec.deadline.isoformat()
    data["supervision"] = supervision.outstanding(session, b, day)
    b.data = dict(data)  # a new object, so the JSON column is written again
    session.flush()
    return b


def _issue_number(session: Session, b: Bulletin | None, year: int, wanted: int | None) -> int:
    """The 期号 within ``year``: ``wanted`` if free, else the next after the year's highest."""
    others = select(Bulletin).where(Bulletin.year == year)
    if b is not None:
        others = others.where(Bulletin.id != b.id)
    if wanted is not None:
        if not 1 <= wanted <= 9999:
            raise InputError(
                f"期号 {wanted} 无效", field="--number", fix="期号从 1 开始，一年不超过 9999 期"
            )
        taken = session.scalar(others.where(Bulletin.number == wanted))
        if taken is not None:
            raise RuleError(
                f"{year}年第{wanted}期已是 {taken.period} 的通报",
                fix="换一个期号，或不写期号（自动取下一期）",
            )
        return wanted
    numbers = [x.number for x in session.scalars(others) if x.number]
    return max(numbers, default=0) + 1


@dataclass(frozen=True)
class PublishedBulletin:
    """A bulletin stored in the database and written as Word and Excel files."""

    bulletin: Bulletin
    title: str
    docx: Path
    xlsx: Path

    @property
    def overdue(self) -> int:
        """Overdue projects named in the bulletin."""
        return int(self.bulletin.data["summary"]["overdue"])

    @property
    def praised(self) -> int:
        return len(self.bulletin.data["praised"])

    @property
    def criticised(self) -> int:
        return len(self.bulletin.data["criticised"])


def file_stem(period: str) -> str:
    """The name of a period's bulletin files, without extension: ``通报_2024-09``."""
    period_end(period)  # a bad period fails here
    return f"通报_{period}"


def publish_bulletin(
    session: Session,
    period: str,
    *,
    out_dir: str | os.PathLike[str],
    today: date | None = None,
    issued_on: date | None = None,
    number: int | None = None,
    issuer: str | None = None,
) -> PublishedBulletin:
    """Build and store the bulletin of ``period``, and write its Word and Excel files.

    The files are ``通报_<period>.docx`` and ``.xlsx`` in ``out_dir`` (created if needed),
    each complete or absent; an earlier bulletin of the same period is replaced.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    period : str
        ``YYYY-MM``.
    out_dir : str or path-like
        Folder of the files.
    today : datetime.date, optional
        The day it is judged on; default the period's last day.
    issued_on : datetime.date, optional
        The 成文日期; default ``today``.
    number : int, optional
        The 期号 in the year of issue; default the next one.
    issuer : str, optional
        The issuing office; default ``workflow/data/bulletin.yaml``.

    Returns
    -------
    PublishedBulletin
        The stored bulletin, its title and the two files.
    """
    stem = file_stem(period)
    b = publish(session, period, today=today, issued_on=issued_on, number=number, issuer=issuer)
    from lifecircle.io._paths import make_folder

    out = make_folder(out_dir)
    docx = render_docx(b.data, out / f"{stem}.docx")
    xlsx = render_xlsx(b.data, out / f"{stem}.xlsx")
    return PublishedBulletin(bulletin=b, title=title(b.data), docx=docx, xlsx=xlsx)


__all__ = [
    "PublishedBulletin",
    "build",
    "file_stem",
    "period_end",
    "publish",
    "publish_bulletin",
    "render_docx",
    "render_xlsx",
    "title",
]
