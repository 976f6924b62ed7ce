"""The 圈长 list (总圈长, 副总圈长, 圈长) from an office table, checked row by row against the
rules of `workflow.leaders` (a 圈长 from another street is refused, naming row and field)."""

from __future__ import annotations

import os
from datetime import date

from sqlalchemy.orm import Session

from lifecircle.workflow._values import CircleFinder, circle_key, parse_date
from lifecircle.workflow.imports import (
    NOTICE,
    Field,
    ImportReport,
    Problem,
    missing_columns,
    read_or_report,
    run_import,
)
from lifecircle.workflow.leaders import (
    ROLE_ZH,
    LeaderPlan,
    LeaderProblem,
    apply_leader,
    current,
    plan_leader,
)
from lifecircle.workflow.units import UnitDirectory

LEADER_FIELDS = (
    Field("role", "角色", ("角色", "职责", "类别", "圈长类别", "担任", "role")),
    Field(
        "name",
        "姓名",
        ("姓名", "名字", "圈长姓名", "圈长", "负责人", "负责同志", "name"),
        required=True,
    ),
    Field("post", "职务", ("职务", "现任职务", "行政职务", "post", "title")),
    Field("unit", "单位", ("单位", "工作单位", "所在单位", "unit")),
    Field("street", "街道", ("街道", "所属街道", "所在街道", "街道（镇）", "镇", "street")),
    Field("circle_id", "生活圈编号", ("生活圈编号", "生活圈编码", "编号", "circle")),
    Field("circle_name", "生活圈名称", ("生活圈名称", "生活圈", "负责生活圈", "名称")),
    Field("phone", "联系电话", ("联系电话", "电话", "手机", "手机号码", "联系方式", "phone")),
    Field("since", "任职日期", ("任职日期", "任职时间", "起始日期", "since")),
)


def _role_of(rec: dict[str, str | None], has_role: bool) -> str:
    """The role written, or without a role column: 圈长 where a circle is named, else
    副总圈长 where a street is, else 总圈长."""
    if has_role:
        return rec.get("role") or ""
    if rec.get("circle_id") or rec.get("circle_name"):
        return "circle_leader"
    return "deputy_chief" if rec.get("street") else "chief"


def import_leaders(
    session: Session,
    path: str | os.PathLike[str],
    *,
    commit: bool = False,
    sheet: str | None = None,
    on: date | None = None,
) -> ImportReport:
    """Check (and with ``commit`` write) the leaders of the 圈长负责制 from CSV/XLSX.

    Columns: 角色 (总圈长/副总圈长/圈长; without it, a row naming a circle is a 圈长, a row
    naming only a street a 副总圈长), 姓名, 职务, 单位, 街道, 生活圈编号 or 生活圈名称,
    联系电话, 任职日期. A leader replacing the current one ends that one's post on the
    任职日期 (default ``on``, today).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    path : str or path-like
        CSV or XLSX.
    commit : bool, default False
        Write when the file holds no error.
    sheet : str, optional
        Worksheet of a workbook.
    on : datetime.date, optional
        Date a replacement takes effect when the file gives none (default today).

    Returns
    -------
    ImportReport
    """
    table, report = read_or_report("leaders", "圈长名单", path, LEADER_FIELDS, sheet=sheet)
    if table is None:
        return report
    has_role = "role" in table.columns
    report.layout = "每行一人" + (
        "" if has_role else "（无角色列：写了生活圈的为圈长，只写街道的为副总圈长）"
    )
    if not table.rows:
        report.add(Problem("表中没有数据行", fix="每位同志写一行"))
        return report
    if missing_columns(table, report, ["name"]):
        return report
    units = UnitDirectory.load(session)
    finder = CircleFinder.load(session)
    plans: list[tuple[int, LeaderPlan]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, rec in enumerate(table.rows, start=1):
        since = None
        if rec.get("since"):
            since = parse_date(rec["since"])
            if since is None:
                report.add(
                    table.problem(
                        f"“{rec['since']}”不是日期",
                        row=i,
                        field="since",
                        value=rec["since"],
                        fix="写成 2024-03-01",
                    )
                )
                continue
        circle = rec.get("circle_id") or rec.get("circle_name")
        try:
            plan = plan_leader(
                session,
                role=_role_of(rec, has_role),
                name=rec.get("name"),
                unit=rec.get("unit"),
                street=rec.get("street"),
                circle=circle,
                post=rec.get("post"),
                phone=rec.get("phone"),
                since=since,
                units=units,
                finder=finder,
            )
        except LeaderProblem as exc:
            field = exc.field
            if field == "circle_id" and "circle_id" not in table.columns:
                field = "circle_name"
            value = rec.get(field)
            if field == "role" and not has_role:
                value = None
            report.add(table.problem(exc.message, row=i, field=field, value=value, fix=exc.fix))
            continue
        named = rec.get("circle_name")
        if (
            plan.circle is not None
            and rec.get("circle_id")
            and named
            and circle_key(named) != circle_key(plan.circle.name)
        ):
            report.add(
                table.problem(
                    f"编号 {plan.circle.code} 的生活圈叫“{plan.circle.name}”，表中写的是“{named}”",
                    row=i,
                    field="circle_name",
                    value=named,
                    fix="核对这一行的生活圈编号和名称是否对应",
                )
            )
            continue
        key = (plan.role, plan.scope)
        if key in seen:
            report.add(
                table.problem(
                    f"{plan.where()}在第 {seen[key]} 行已有人选",
                    row=i,
                    field="name",
                    value=plan.name,
                    fix="每个职务只写一人",
                )
            )
            continue
        seen[key] = i
        plans.append((i, plan))
        old = current(session, plan.role, plan.scope)
        if old is not None and old.person.name != plan.name:
            report.add(
                table.problem(
                    f"{plan.where()}将由 {old.person.name} 改为 {plan.name}",
                    row=i,
                    field="name",
                    value=plan.name,
                    severity=NOTICE,
                )
            )
    counts = {zh: sum(p.role == code for _, p in plans) for code, zh in ROLE_ZH.items()}
    report.counts = counts

    def apply() -> dict[str, int]:
        for _, plan in plans:
            apply_leader(session, plan, on=on)
        return {}

    return run_import(session, report, apply, commit=commit)
