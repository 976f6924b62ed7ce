"""Subsidies (奖补): configurable rules per grade, computed per accepted circle, exportable;
payments recorded, and a subsidy withheld or reclaimed when a re-check fails (复核不通过)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import RuleError
from lifecircle.store.models import Evaluation, SubsidyPayment, SubsidyRule
from lifecircle.workflow import config
from lifecircle.workflow._common import check_version, check_year, flush, get_row
from lifecircle.workflow._values import check_grade

_RANK = {"NONE": 0, "AA": 1, "AAA": 2}
#: what became of a subsidy line, in Chinese (SubsidyLine.state)
STATE_ZH = {
    "due": "应发放",
    "not_eligible": "不符合条件",
    "paid": "已发放",
    "withheld": "不予发放（复核不通过）",
    "reclaim_due": "应追回（复核不通过）",
    "reclaimed": "已追回",
}


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
    grade = check_grade(grade)
    check_year(from_year, field="from_year")
    check_year(to_year, field="to_year")
    if amount_yuan < 0 or from_year > to_year:
        raise RuleError("奖补金额须不小于 0，起始年度不晚于截止年度", fix="核对金额和起止年度")
    for r in session.scalars(select(SubsidyRule).where(SubsidyRule.grade == grade)):
        if r.from_year <= to_year and from_year <= r.to_year:
            raise RuleError(
                f"与 {r.from_year}-{r.to_year} 年的 {grade} 奖补规则重叠",
                fix="先修改或删除那条规则",
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
    rule = get_row(session, SubsidyRule, rule_id)
    if rule is None:
        raise RuleError(f"没有编号为 {rule_id} 的奖补规则", fix="查看奖补规则清单")
    session.delete(rule)
    flush(session)


@dataclass(frozen=True)
class SubsidyLine:
    """One accepted evaluation's subsidy.

    ``amount_yuan`` is what is (still) to be paid by the rules; ``state`` what became of
    it (``STATE_ZH``): due, not eligible, paid, withheld or to be reclaimed after a failed
    re-check, reclaimed; ``paid_yuan`` what was paid, ``reclaim_yuan`` what is to be
    reclaimed.
    """

    circle_code: str
    circle_name: str
    street: str
    grade: str
    year: int
    evaluation_id: int
    amount_yuan: int
    eligible: bool
    reason: str
    state: str = "due"
    paid_yuan: int = 0
    reclaim_yuan: int = 0

    @property
    def state_zh(self) -> str:
        return STATE_ZH[self.state]


def _rule_amount(e: Evaluation, rules: list[SubsidyRule]) -> tuple[int, bool, str]:
    """The rule's amount when its conditions hold (published, satisfaction), else 0 and why."""
    rule = next(
        (r for r in rules if r.grade == e.grade and r.from_year <= e.year <= r.to_year), None
    )
    if rule is None:
        return 0, False, f"无{e.year}年{e.grade}型奖补规则"
    if rule.require_published and e.published_on is None:
        return 0, False, "尚未公布"
    if rule.min_satisfaction is not None and (e.satisfaction or 0) < rule.min_satisfaction:
        return 0, False, f"居民满意度{e.satisfaction:g}%低于{rule.min_satisfaction:g}%"
    return rule.amount_yuan, True, rule.note or ""


def _failed_recheck(session: Session, e: Evaluation) -> Evaluation | None:
    """The first failed re-check of the circle, on or after ``e`` was accepted, that took
    away ``e``'s grade (a failed AAA re-check takes AAA; a failed AA re-check takes both)."""
    q = (
        select(Evaluation)
        .where(
            Evaluation.circle_id == e.circle_id,
            Evaluation.is_recheck.is_(True),
            Evaluation.verdict == "rejected",
        )
        .order_by(Evaluation.evaluated_on, Evaluation.id)
    )
    for r in session.scalars(q):
        if r.evaluated_on is None or e.evaluated_on is None or r.evaluated_on < e.evaluated_on:
            continue
        if _RANK[e.grade] >= _RANK[r.grade]:
            return r
    return None


def _recheck_text(r: Evaluation | None) -> str:
    if r is None:
        return "复核不通过"
    return f"{r.evaluated_on.isoformat() if r.evaluated_on else ''}复核不通过（复核记录{r.id}）"


def compute(session: Session, *, year: int | None = None) -> list[SubsidyLine]:
    """One line per accepted (non-re-check) evaluation: the rule's amount when its conditions
    hold (published, residents' satisfaction), else 0 with the reason; a subsidy paid is
    shown as paid; after a failed re-check that took the grade away, one not yet paid is
    withheld (0) and one paid is to be reclaimed."""
    q = (
        select(Evaluation)
        .where(Evaluation.is_recheck.is_(False), Evaluation.verdict == "accepted")
        .order_by(Evaluation.id)
    )
    if year is not None:
        q = q.where(Evaluation.year == year)
    rules = list(session.scalars(select(SubsidyRule)))
    payments = {p.evaluation_id: p for p in session.scalars(select(SubsidyPayment))}
    out = []
    for e in session.scalars(q):
        amount, ok, why = _rule_amount(e, rules)
        state, paid, reclaim = ("due" if ok else "not_eligible"), 0, 0
        pay = payments.get(e.id)
        status = pay.status if pay is not None else None
        lost = _failed_recheck(session, e)
        by = _recheck_text(pay.recheck if pay is not None and pay.recheck else lost)
        if pay is not None and pay.status in ("paid", "reclaim_due", "reclaimed"):
            paid = pay.amount_yuan
        if pay is not None and pay.status == "reclaimed":
            state, amount, ok = "reclaimed", 0, False
            why = f"{by}，已于{pay.reclaimed_on}追回{paid:,}元"
        elif status == "reclaim_due" or (status == "paid" and lost is not None):
            state, amount, ok, reclaim = "reclaim_due", 0, False, paid
            why = f"{by}，已发放{paid:,}元应追回"
        elif status == "withheld" or (status is None and lost is not None):
            state, amount, ok = "withheld", 0, False
            why = f"{by}，奖补不予发放"
        elif pay is not None and pay.status == "paid":
            state, amount = "paid", 0
            why = f"已于{pay.paid_on}发放{paid:,}元"
        c = e.circle
        out.append(
            SubsidyLine(
                c.code,
                c.name,
                c.street.name,
                e.grade,
                e.year,
                e.id,
                amount,
                ok,
                why,
                state=state,
                paid_yuan=paid,
                reclaim_yuan=reclaim,
            )
        )
    return out


def record_payment(
    session: Session,
    evaluation_id: int,
    *,
    on: date,
    amount_yuan: int | None = None,
    note: str | None = None,
) -> SubsidyPayment:
    """Record that an evaluation's subsidy was paid (区财政局拨付).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    evaluation_id : int
        The accepted evaluation whose subsidy was paid.
    on : datetime.date
        Day of payment.
    amount_yuan : int, optional
        What was paid; default the amount the rules give.
    note : str, optional

    Returns
    -------
    SubsidyPayment

    Raises
    ------
    RuleError
        The evaluation has no subsidy due (not accepted, a re-check, conditions not met,
        withheld after a failed re-check) or was paid already.
    """
    e = get_row(session, Evaluation, evaluation_id)
    if e is None or e.is_recheck or e.verdict != "accepted":
        raise RuleError(
            f"评定记录 {evaluation_id} 不是联合评定通过的创建评定，没有奖补",
            fix="用 `lifecircle evaluate subsidies` 查看可发放的评定编号",
        )
    line = next(x for x in compute(session) if x.evaluation_id == e.id)
    if line.state != "due":
        raise RuleError(
            f"评定记录 {e.id}（{e.circle.code} {e.grade}型 {e.year}年）的奖补不能发放："
            f"{line.state_zh}。{line.reason}",
            fix="只能为“应发放”的奖补登记发放",
        )
    amount = line.amount_yuan if amount_yuan is None else int(amount_yuan)
    if not 0 < amount <= line.amount_yuan:
        raise RuleError(
            f"发放金额 {amount:,} 元应大于0且不超过应发金额 {line.amount_yuan:,} 元",
            fix="核对拨付凭证上的金额",
        )
    pay = SubsidyPayment(
        evaluation_id=e.id, status="paid", amount_yuan=amount, paid_on=on, note=note
    )
    session.add(pay)
    flush(session, "subsidy_payment", e.id)
    return pay


def settle_failed_recheck(session: Session, recheck: Evaluation) -> list[SubsidyPayment]:
    """After a failed re-check, withhold the subsidies of the grade it took away that are
    not yet paid, and mark those already paid to be reclaimed.

    Every change is an ORM write, so the audit log records who decided it and when. Run
    by ``evaluation.recheck`` for a failed re-check; running it again changes nothing.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    recheck : Evaluation
        A failed re-check (``is_recheck``, verdict ``rejected``).

    Returns
    -------
    list of SubsidyPayment
        The rows written or changed.
    """
    if not recheck.is_recheck or recheck.verdict != "rejected":
        return []
    q = (
        select(Evaluation)
        .where(
            Evaluation.circle_id == recheck.circle_id,
            Evaluation.is_recheck.is_(False),
            Evaluation.verdict == "accepted",
            Evaluation.evaluated_on <= recheck.evaluated_on,
        )
        .order_by(Evaluation.id)
    )
    rules = list(session.scalars(select(SubsidyRule)))
    why = f"{_recheck_text(recheck)}：{recheck.verdict_note or ''}".rstrip("：")
    changed = []
    for e in session.scalars(q):
        if _RANK[e.grade] < _RANK[recheck.grade]:
            continue  # a failed AAA re-check leaves the AA subsidy alone
        pay = session.scalar(select(SubsidyPayment).where(SubsidyPayment.evaluation_id == e.id))
        if pay is None:
            due, _ok, _why = _rule_amount(e, rules)
            pay = SubsidyPayment(
                evaluation_id=e.id,
                status="withheld",
                amount_yuan=due,
                recheck_id=recheck.id,
                decided_on=recheck.evaluated_on,
                note=f"{why}，奖补不予发放",
            )
            session.add(pay)
        elif pay.status == "paid":
            pay.status = "reclaim_due"
            pay.recheck_id = recheck.id
            pay.decided_on = recheck.evaluated_on
            pay.note = f"{why}，已发放{pay.amount_yuan:,}元应追回"
        else:
            continue
        changed.append(pay)
    flush(session, "subsidy_payment", recheck.id)
    return changed


def record_reclaim(
    session: Session,
    evaluation_id: int,
    *,
    on: date,
    note: str | None = None,
    expected_version: int | None = None,
) -> SubsidyPayment:
    """Record that a subsidy to be reclaimed after a failed re-check was paid back.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    evaluation_id : int
        The evaluation whose subsidy was reclaimed.
    on : datetime.date
        Day the money came back.
    note : str, optional
    expected_version : int, optional
        The payment's version as seen (optimistic locking).

    Returns
    -------
    SubsidyPayment

    Raises
    ------
    RuleError
        Nothing is to be reclaimed for that evaluation.
    """
    pay = session.scalar(
        select(SubsidyPayment).where(SubsidyPayment.evaluation_id == evaluation_id)
    )
    if pay is None or pay.status != "reclaim_due":
        raise RuleError(
            f"评定记录 {evaluation_id} 没有应追回的奖补",
            fix="只有已发放且复核不通过的奖补需要追回",
        )
    check_version(pay, expected_version, "subsidy_payment", evaluation_id)
    if pay.decided_on is not None and on < pay.decided_on:
        raise RuleError(f"追回日期 {on} 早于复核不通过的日期 {pay.decided_on}", fix="核对追回日期")
    pay.status, pay.reclaimed_on = "reclaimed", on
    if note:
        pay.note = f"{pay.note or ''}；{note}".lstrip("；")
    flush(session, "subsidy_payment", evaluation_id)
    return pay


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
        [
            "生活圈编号",
            "生活圈名称",
            "街道",
            "等级",
            "年度",
            "奖补金额（元）",
            "是否符合",
            "发放状态",
            "已发放（元）",
            "应追回（元）",
            "说明",
        ]
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
                x.state_zh,
                x.paid_yuan,
                x.reclaim_yuan,
                x.reason,
            ]
        )
    ws.append(
        [
            "合计",
            "",
            "",
            "",
            "",
            sum(x.amount_yuan for x in lines),
            "",
            "",
            sum(x.paid_yuan for x in lines),
            sum(x.reclaim_yuan for x in lines),
            "",
        ]
    )
    return write_atomic(path, wb.save)
