"""Subsidies (奖补): configurable rules per grade, computed per accepted circle, exportable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import RuleError
from lifecircle.store.models import Evaluation, SubsidyRule
from lifecircle.workflow import config
from lifecircle.workflow._common import flush


def ensure_default_rules(session: Session) -> int:
    """Seed programme.yaml's rules when the database has none; returns how many were added."""
    if session.scalar(select(SubsidyRule).limit(1)) is not None:
        return 0
    rules = config.programme()["subsidy_rules"]
    for r in rules:
        session.add(SubsidyRule(**r))
    flush(session)
    return len(rules)


def set_rule(
    session: Session,
    grade: str,
    amount_yuan: int,
    *,
    from_year: int,
    to_year: int,
    require_published: bool = True,
    min_satisfaction: float | None = None,
    note: str | None = None,
) -> SubsidyRule:
    """Add a rule; rules of one grade must not overlap in years."""
    if grade not in config.GRADES:
        raise RuleError(f"grade {grade!r}", fix="AA or AAA")
    if amount_yuan < 0 or from_year > to_year:
        raise RuleError("amount must be >= 0 and from_year <= to_year", fix="check the values")
    for r in session.scalars(select(SubsidyRule).where(SubsidyRule.grade == grade)):
        if r.from_year <= to_year and from_year <= r.to_year:
            raise RuleError(
                f"overlaps the {grade} rule for {r.from_year}-{r.to_year}",
                fix="change or remove that rule first",
            )
    rule = SubsidyRule(
        grade=grade,
        amount_yuan=amount_yuan,
        from_year=from_year,
        to_year=to_year,
        require_published=require_published,
        min_satisfaction=min_satisfaction,
        note=note,
    )
    session.add(rule)
    flush(session)
    return rule


def remove_rule(session: Session, rule_id: int) -> None:
    rule = session.get(SubsidyRule, rule_id)
    if rule is None:
        raise RuleError(f"no subsidy rule {rule_id}", fix="see the rule list")
    session.delete(rule)
    flush(session)


@dataclass(frozen=True)
class SubsidyLine:
    circle_code: str
    circle_name: str
    street: str
    grade: str
    year: int
    evaluation_id: int
    amount_yuan: int
    eligible: bool
    reason: str


def compute(session: Session, *, year: int | None = None) -> list[SubsidyLine]:
    """One line per accepted (non-re-check) evaluation: the rule's amount when its conditions
    hold (published, residents' satisfaction), else 0 with the reason."""
    q = (
        select(Evaluation)
        .where(Evaluation.is_recheck.is_(False), Evaluation.verdict == "accepted")
        .order_by(Evaluation.id)
    )
    if year is not None:
        q = q.where(Evaluation.year == year)
    rules = list(session.scalars(select(SubsidyRule)))
    out = []
    for e in session.scalars(q):
        rule = next(
            (r for r in rules if r.grade == e.grade and r.from_year <= e.year <= r.to_year), None
        )
        amount, ok, why = 0, False, ""
        if rule is None:
            why = f"无{e.year}年{e.grade}型奖补规则"
        elif rule.require_published and e.published_on is None:
            why = "尚未公布"
        elif rule.min_satisfaction is not None and (e.satisfaction or 0) < rule.min_satisfaction:
            why = f"居民满意度{e.satisfaction:g}%低于{rule.min_satisfaction:g}%"
        else:
            amount, ok, why = rule.amount_yuan, True, rule.note or ""
        c = e.circle
        out.append(
            SubsidyLine(c.code, c.name, c.street.name, e.grade, e.year, e.id, amount, ok, why)
        )
    return out


@dataclass(frozen=True)
class SubsidyReport:
    """The subsidy lines of a year (or all years) and the workbook written, if any."""

    lines: list[SubsidyLine]
    path: Path | None

    @property
    def total_yuan(self) -> int:
        return sum(x.amount_yuan for x in self.lines)


def subsidy_report(
    session: Session, *, year: int | None = None, out: str | os.PathLike[str] | None = None
) -> SubsidyReport:
    """Compute the subsidies by the stored rules and, with ``out``, write them as XLSX.

    Reads only: rules are seeded explicitly (``lifecircle db upgrade``, ``seed_programme``)
    or set with ``set_rule``; with no rule, each line says which rule is missing.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    year : int, optional
        Only evaluations of this year.
    out : str or path-like, optional
        Workbook to write (complete or absent).

    Returns
    -------
    SubsidyReport
    """
    lines = compute(session, year=year)
    path = export_xlsx(lines, out) if out is not None else None
    return SubsidyReport(lines, path)


def export_xlsx(lines: list[SubsidyLine], path: str | os.PathLike[str]) -> Path:
    """Write the subsidy lines as an XLSX sheet with a total row (complete or absent).

    Parameters
    ----------
    lines : list of SubsidyLine
        From ``compute``.
    path : str or path-like
        The workbook.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from lifecircle.io.writers import write_atomic

    wb = Workbook()
    ws = wb.active
    ws.title = "奖补测算"
    ws.append(
        ["生活圈编号", "生活圈名称", "街道", "等级", "年度", "奖补金额（元）", "是否符合", "说明"]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for x in lines:
        ws.append(
            [
                x.circle_code,
                x.circle_name,
                x.street,
                config.GRADE_ZH[x.grade],
                x.year,
                x.amount_yuan,
                "是" if x.eligible else "否",
                x.reason,
            ]
        )
    ws.append(["合计", "", "", "", "", sum(x.amount_yuan for x in lines), "", ""])
    return write_atomic(path, wb.save)
