"""Imports of places: the circle list (附件1) as offices lay it out, and a district data package."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.io.schemas import is_unsafe_id
from lifecircle.store.models import Circle, Street
from lifecircle.workflow._values import circle_key
from lifecircle.workflow.imports import (
    NOTICE,
    Field,
    ImportReport,
    ImportTable,
    Problem,
    missing_columns,
    read_or_report,
    run_import,
)
from lifecircle.workflow.places import upsert_circle
from lifecircle.workflow.units import street_key

CIRCLE_FIELDS = (
    Field(
        "circle_id",
        "生活圈编号",
        ("生活圈编号", "生活圈编码", "生活圈代码", "编号", "编码", "代码", "circle", "id", "code"),
    ),
    Field("name", "生活圈名称", ("生活圈名称", "生活圈", "生活圈名", "名称", "circle_name")),
    Field(
        "street",
        "街道",
        ("街道", "所属街道", "街道（镇）", "街道名称", "街镇", "镇街", "镇", "所在街道"),
    ),
    Field(
        "communities",
        "社区",
        (
            "包含社区",
            "对应社区",
            "社区清单",
            "社区名单",
            "所含社区",
            "涉及社区",
            "社区",
            "社区名称",
            "所辖社区",
            "community",
        ),
    ),
)
_SPLIT = re.compile(r"[;；、,，\n\r]+")


def split_communities(value: str | None) -> list[str]:
    """Community names of one cell, separated by ; ； 、 , ， or line breaks."""
    return [x.strip() for x in _SPLIT.split(value or "") if x.strip()]


@dataclass
class CirclePlan:
    """One circle as the file gives it, with the rows it came from."""

    code: str
    name: str
    street: str
    rows: list[int]
    communities: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


def _street_names(session: Session) -> dict[str, str]:
    """street key -> the street's name in the database (侯家塘 → 侯家塘街道)."""
    out: dict[str, str] = {}
    for s in session.scalars(select(Street)):
        out.setdefault(street_key(s.name), s.name)
    return out


#: longest circle code accepted (codes name files and web addresses)
MAX_CODE = 32


def _group_rows(table: ImportTable, report: ImportReport) -> list[CirclePlan]:
    """Rows → circles. A row without circle id and name continues the circle above (one
    community per row under a merged circle cell); rows with the same id are one circle."""
    by_key: dict[str, CirclePlan] = {}
    has_id = "circle_id" in table.columns
    last: CirclePlan | None = None
    for i, rec in enumerate(table.rows, start=1):
        code, name, street = rec.get("circle_id"), rec.get("name"), rec.get("street")
        coms = split_communities(rec.get("communities"))
        if not code and not name and last is not None and coms:
            last.communities += [c for c in coms if c not in last.communities]
            last.rows.append(i)
            continue
        if has_id and not code:
            report.add(
                table.problem(
                    "生活圈编号为空",
                    row=i,
                    field="circle_id",
                    fix="填写生活圈编号（如 C01）；一个生活圈占多行时，编号可只写在第一行",
                )
            )
            last = None
            continue
        if code and (is_unsafe_id(code) or len(code) > MAX_CODE):
            report.add(
                table.problem(
                    "生活圈编号含有“..”、斜杠或控制字符"
                    if is_unsafe_id(code)
                    else f"生活圈编号太长（{len(code)} 个字符，最多 {MAX_CODE} 个）",
                    row=i,
                    field="circle_id",
                    value=code if len(code) <= 40 else code[:40] + "…",
                    fix="生活圈编号只用字母、数字、汉字、短横线或下划线，如 C01",
                )
            )
            last = None
            continue
        if not name:
            report.add(table.problem("生活圈名称为空", row=i, field="name", fix="填写生活圈名称"))
            last = None
            continue
        if not street:
            report.add(
                table.problem(
                    "街道为空", row=i, field="street", fix="写明所属街道（如 侯家塘街道）"
                )
            )
            last = None
            continue
        if not coms:
            report.add(
                table.problem(
                    "没有列出社区",
                    row=i,
                    field="communities",
                    fix="列出生活圈包含的社区，用“、”或“；”分隔，或每个社区占一行",
                )
            )
        key = code or f"name:{name}"
        plan = by_key.get(key)
        if plan is None:
            plan = by_key[key] = CirclePlan(code=code or "", name=name, street=street, rows=[i])
            if table.geometry is not None and table.geometry[i - 1] is not None:
                plan.attrs["geom_wkb"] = table.geometry[i - 1]
        else:
            for fld, mine, theirs in (("name", plan.name, name), ("street", plan.street, street)):
                if mine != theirs and (fld != "street" or street_key(mine) != street_key(theirs)):
                    report.add(
                        table.problem(
                            f"生活圈 {code or name} 在第 {plan.rows[0]} 行写的是“{mine}”，"
                            f"这里是“{theirs}”",
                            row=i,
                            field=fld,
                            value=theirs,
                            fix="同一生活圈的各行要一致；编号重复时请检查是否写错编号",
                        )
                    )
            plan.rows.append(i)
        plan.communities += [c for c in coms if c not in plan.communities]
        last = plan
    return list(by_key.values())


def _assign_codes(
    session: Session, plans: list[CirclePlan], table: ImportTable, report: ImportReport
) -> None:
    """Without an id column: circles already stored keep their code (matched by name and
    street), new ones get the next free C01, C02 …"""
    stored = list(session.scalars(select(Circle)))
    taken = {c.code for c in stored}
    n = 0
    new = []
    for plan in plans:
        hits = [
            c
            for c in stored
            if circle_key(c.name) == circle_key(plan.name)
            and street_key(c.street.name) == street_key(plan.street)
        ]
        if len(hits) == 1:
            plan.code = hits[0].code
            continue
        while True:
            n += 1
            code = f"C{n:02d}"
            if code not in taken:
                break
        plan.code = code
        taken.add(code)
        new.append(f"{code} {plan.name}")
    if new:
        report.add(
            Problem(
                f"表中没有生活圈编号列，新生活圈按顺序编号：{'、'.join(new[:5])}"
                + ("…" if len(new) > 5 else ""),
                fix="如需固定编号，请在表中加“生活圈编号”列",
                column="生活圈编号",
                severity=NOTICE,
            )
        )


def check_circle_plans(
    session: Session,
    plans: list[CirclePlan],
    report: ImportReport,
    problem: Any,
) -> None:
    """Rules across circles and against the database: a community belongs to one circle;
    a stored community may not stay in a circle the file does not list; changes noticed."""
    streets = _street_names(session)
    owner: dict[tuple[str, str], CirclePlan] = {}
    new_streets: set[str] = set()
    for plan in plans:
        street = streets.get(street_key(plan.street))
        if street is None and plan.street not in new_streets:
            new_streets.add(plan.street)
            report.add(
                problem(
                    f"“{plan.street}”不是数据库中已有的街道，导入时将新建",
                    row=plan.rows[0],
                    field="street",
                    value=plan.street,
                    fix="如是笔误，请改为已有街道的名称（见 lifecircle db upgrade 写入的街道）",
                    severity=NOTICE,
                )
            )
        if street is not None:
            plan.street = street
        for com in plan.communities:
            key = (street_key(plan.street), com)
            other = owner.get(key)
            if other is not None and other is not plan:
                report.add(
                    problem(
                        f"社区“{com}”已列在生活圈 {other.code} {other.name}（第 {other.rows[0]} 行）",
                        row=plan.rows[-1],
                        field="communities",
                        value=com,
                        fix="一个社区只属于一个生活圈：从其中一行删去",
                    )
                )
            owner[key] = plan
    codes = {p.code for p in plans}
    stored = {c.code: c for c in session.scalars(select(Circle))}
    street_of = {st.id: st.name for st in session.scalars(select(Street))}
    for other_circle in stored.values():
        if other_circle.code in codes:
            continue
        for stored_com in other_circle.communities:
            holder = owner.get(
                (street_key(street_of.get(stored_com.street_id, "")), stored_com.name)
            )
            if holder is None:
                continue
            report.add(
                problem(
                    f"社区“{stored_com.name}”在数据库中属于生活圈 {other_circle.code} "
                    f"{other_circle.name}，该生活圈不在本表中",
                    row=holder.rows[0],
                    field="communities",
                    value=stored_com.name,
                    fix=f"在本表中一并列出 {other_circle.code} 及其社区，或从这一行删去该社区",
                )
            )
    for plan in plans:
        old = stored.get(plan.code)
        if old is None:
            continue
        changes = []
        if old.name != plan.name:
            changes.append(f"名称 {old.name} → {plan.name}")
        if old.street.name != plan.street:
            changes.append(f"街道 {old.street.name} → {plan.street}")
        before = sorted(c.name for c in old.communities)
        if before != sorted(plan.communities):
            changes.append(f"社区 {'、'.join(before)} → {'、'.join(sorted(plan.communities))}")
        if changes:
            report.add(
                problem(
                    f"生活圈 {plan.code} 已在数据库中，将更新：{'；'.join(changes)}",
                    row=plan.rows[0],
                    field="circle_id",
                    value=plan.code,
                    severity=NOTICE,
                )
            )


def apply_circle_plans(session: Session, plans: list[CirclePlan]) -> dict[str, int]:
    """Write the circles (create or update with their communities)."""
    stored = set(session.scalars(select(Circle.code)))
    for plan in plans:
        upsert_circle(session, plan.code, plan.name, plan.street, plan.communities, **plan.attrs)
    new = sum(p.code not in stored for p in plans)
    return {"新增生活圈": new, "更新生活圈": len(plans) - new}


def import_circles(
    session: Session,
    path: str | os.PathLike[str],
    *,
    commit: bool = False,
    sheet: str | None = None,
) -> ImportReport:
    """Check (and with ``commit`` write) the circle list, 附件1, as an office keeps it.

    Columns: 生活圈编号 (optional: without it, circles are matched by name and new ones
    numbered C01 …), 生活圈名称, 街道, 社区 (separated by 、；, or one per row under a
    merged circle cell). Title rows, merged cells, 序号, GBK/UTF-8 CSV and XLSX are read
    as they come; a polygon layer (GeoPackage, GeoJSON, Shapefile) with those columns
    gives each circle its outline too.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    path : str or path-like
        CSV or XLSX.
    commit : bool, default False
        Write when the file holds no error; otherwise only check.
    sheet : str, optional
        Worksheet of a workbook.

    Returns
    -------
    ImportReport
    """
    table, report = read_or_report(
        "circles", "生活圈清单（附件1）", path, CIRCLE_FIELDS, sheet=sheet
    )
    if table is None:
        return report
    report.layout = "每行一个生活圈或一个社区"
    if not table.rows:
        report.add(Problem("表中没有数据行", fix="每个生活圈写一行（或每个社区一行）"))
        return report
    required = ["street", "communities"] + (["name"] if "circle_id" in table.columns else [])
    if "circle_id" not in table.columns and "name" not in table.columns:
        required.append("name")
    if missing_columns(table, report, required):
        return report
    plans = _group_rows(table, report)
    if "circle_id" not in table.columns:
        _assign_codes(session, plans, table, report)
    check_circle_plans(session, plans, report, table.problem)
    report.counts = {"生活圈": len(plans), "社区": sum(len(p.communities) for p in plans)}
    return run_import(session, report, lambda: apply_circle_plans(session, plans), commit=commit)


def circle_street(compound_streets: list[str]) -> str:
    """The street most compounds of a circle name, or ""."""
    named = [s for s in compound_streets if s]
    return Counter(named).most_common(1)[0][0] if named else ""


def import_circle_list(session: Session, path: str | os.PathLike[str]) -> int:
    """Attachment 1 (the circle list) from CSV/XLSX, written at once.

    All or nothing: the whole file is checked first (`import_circles`); the first error is
    raised as an InputError naming file, row and field.

    Returns
    -------
    int
        Circles written.
    """
    report = import_circles(session, path, commit=True)
    report.raise_if_errors()
    return report.counts.get("新增生活圈", 0) + report.counts.get("更新生活圈", 0)
