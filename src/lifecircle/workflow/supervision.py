"""督办整改: each criticism of a bulletin (通报批评) is followed until it is rectified.

The plan (六、(三)): units and persons criticised in a bulletin are supervised to rectify
(进行通报批评并进行督办整改). Here a published bulletin opens one record per criticism with a
deadline (``rectify_days`` of ``workflow/data/bulletin.yaml`` after the bulletin's date);
follow-ups are noted on it, and it is closed when rectified. On a given day a record is
整改中 (open, deadline not passed), 逾期未整改 (open past its deadline), 已整改 (closed by its
deadline) or 逾期整改 (closed after it). The next bulletin lists the records still open.
Every write goes through the ORM, so the audit log records it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import InputError, RuleError
from lifecircle.store.audit import get_actor
from lifecircle.store.models import Bulletin, Supervision, SupervisionNote
from lifecircle.workflow._common import check_version, flush, get_row

STATE_ZH = {
    "open": "整改中",
    "overdue": "逾期未整改",
    "rectified": "已整改",
    "rectified_late": "逾期整改",
}
KIND_ZH = {"unit": "责任单位", "street": "街道", "person": "个人"}


def state_on(rec: Supervision, day: date) -> str:
    """The record's state on ``day``: open, overdue, rectified or rectified_late."""
    if rec.state == "rectified" and rec.closed_on is not None and rec.closed_on <= day:
        return "rectified" if rec.closed_on <= rec.deadline else "rectified_late"
    return "overdue" if day > rec.deadline else "open"


def parse_state(value: str) -> str:
    """A state code from its code or Chinese name (整改中, 逾期未整改, 已整改, 逾期整改)."""
    v = value.strip()
    for code, zh in STATE_ZH.items():
        if v in (code, zh):
            return code
    raise InputError(
        f"督办状态 {value!r} 无法识别",
        field="state",
        fix="请用 " + "、".join(STATE_ZH.values()),
    )


def open_records(
    session: Session,
    bulletin: Bulletin,
    criticised: list[dict],
    *,
    opened_on: date,
    days: int,
) -> list[Supervision]:
    """One 督办 record per criticism of ``bulletin`` (kept when it is published again).

    A criticism already recorded for this bulletin keeps its record (and its follow-ups);
    a record whose criticism is gone from a re-published bulletin is removed if nothing was
    noted on it yet.
    """
    have = {
        r.target: r
        for r in session.scalars(select(Supervision).where(Supervision.bulletin_id == bulletin.id))
    }
    out = []
    for c in criticised:
        rec = have.pop(c["who"], None)
        if rec is None:
            rec = Supervision(
                bulletin=bulletin,
                target=c["who"],
                kind=c.get("kind", "unit"),
                person=c.get("person"),
                reason=c["why"],
                opened_on=opened_on,
                deadline=opened_on + timedelta(days=days),
                state="open",
            )
            session.add(rec)
        elif rec.state == "open":
            rec.reason, rec.person = c["why"], c.get("person")
            rec.opened_on, rec.deadline = opened_on, opened_on + timedelta(days=days)
        out.append(rec)
    for rec in have.values():
        if rec.state == "open" and not rec.notes:
            session.delete(rec)
    flush(session, "督办记录")
    return out


def get_record(session: Session, record_id: int) -> Supervision:
    rec = get_row(session, Supervision, record_id)
    if rec is None:
        raise RuleError(
            f"没有编号为 {record_id} 的督办记录",
            fix="用 lifecircle bulletin supervise list 查看编号",
        )
    return rec


def list_records(
    session: Session,
    *,
    on: date | None = None,
    state: str | None = None,
    target: str | None = None,
    before: Bulletin | None = None,
) -> list[Supervision]:
    """督办 records, oldest first; filtered by state on ``on`` (default today), by who was
    criticised, or to those opened by bulletins issued before ``before``."""
    day = on or date.today()
    q = select(Supervision).join(Bulletin).order_by(Supervision.opened_on, Supervision.id)
    if target:
        q = q.where(Supervision.target == target.strip())
    if before is not None:
        q = q.where(Bulletin.id != before.id, Bulletin.as_of <= before.as_of)
    recs = list(session.scalars(q))
    if state:
        code = parse_state(state)
        recs = [r for r in recs if state_on(r, day) == code]
    return recs


def outstanding(session: Session, bulletin: Bulletin, on: date) -> list[dict]:
    """Records of earlier bulletins still open on ``on`` (for the next bulletin), as data."""
    return [
        record_data(r, on)
        for r in list_records(session, on=on, before=bulletin)
        if state_on(r, on) in ("open", "overdue")
    ]


def record_data(rec: Supervision, on: date) -> dict:
    """A record as plain data (JSON-ready) on ``on``."""
    st = state_on(rec, on)
    b = rec.bulletin
    return {
        "id": rec.id,
        "target": rec.target,
        "kind": rec.kind,
        "person": rec.person,
        "reason": rec.reason,
        "bulletin": b.period,
        "issue": f"{b.year}年第{b.number}期" if b.number else b.period,
        "opened_on": rec.opened_on.isoformat(),
        "deadline": rec.deadline.isoformat(),
        "state": st,
        "state_zh": STATE_ZH[st],
        "closed_on": rec.closed_on.isoformat() if rec.closed_on else None,
        "notes": [f"{n.noted_on.isoformat()} {n.note}" for n in rec.notes],
    }


def follow_up(
    session: Session,
    record_id: int,
    note: str,
    *,
    on: date | None = None,
    expected_version: int | None = None,
) -> Supervision:
    """Note a follow-up (what was done or found) on a 督办 record."""
    rec = get_record(session, record_id)
    check_version(rec, expected_version, "督办记录", record_id)
    text = (note or "").strip()
    if not text:
        raise InputError("跟进情况不能为空", field="note", fix="写明督办或整改的情况")
    day = on or date.today()
    if day < rec.opened_on:
        raise RuleError(f"跟进日期 {day} 早于通报日期 {rec.opened_on}", fix="请写通报之后的日期")
    rec.notes.append(SupervisionNote(noted_on=day, note=text, actor=get_actor(session)))
    flush(session, "督办记录", record_id)
    return rec


def close(
    session: Session,
    record_id: int,
    *,
    on: date | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Supervision:
    """Close a 督办 record as rectified on ``on`` (default today), with an optional note."""
    rec = get_record(session, record_id)
    check_version(rec, expected_version, "督办记录", record_id)
    if rec.state == "rectified":
        raise RuleError(
            f"督办记录 {record_id} 已于 {rec.closed_on} 整改销号",
            fix="如需重新督办，请在下一期通报中批评",
        )
    day = on or date.today()
    if day < rec.opened_on:
        raise RuleError(f"销号日期 {day} 早于通报日期 {rec.opened_on}", fix="请写通报之后的日期")
    if note and note.strip():
        rec.notes.append(SupervisionNote(noted_on=day, note=note.strip(), actor=get_actor(session)))
    rec.state, rec.closed_on = "rectified", day
    flush(session, "督办记录", record_id)
    return rec
