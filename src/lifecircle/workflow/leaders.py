"""圈长负责制 (plan 七): the district chief (总圈长, head of 区人居环境局), a deputy chief per
street (副总圈长, the street's party secretary or director), a leader per circle (圈长, an
official of the circle's street). Who holds each post and since when; every rule here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lifecircle.errors import RuleError
from lifecircle.store.models import Circle, Leader, Person, Street, Unit
from lifecircle.workflow._common import flush
from lifecircle.workflow._values import CircleFinder
from lifecircle.workflow.units import UnitDirectory, find_street, street_key

ROLE_ZH = {"chief": "总圈长", "deputy_chief": "副总圈长", "circle_leader": "圈长"}
_ROLE_WORDS = {
    "chief": ("总圈长", "chief"),
    "deputy_chief": ("副总圈长", "deputy_chief", "deputy", "副总"),
    "circle_leader": ("圈长", "circle_leader", "leader", "生活圈圈长"),
}
#: the unit whose head is the district chief (the plan: 区人居环境局主要负责同志)
CHIEF_UNIT = "区人居环境局"


def parse_role(value: object) -> str | None:
    """A role code from its code or Chinese name (总圈长 / 副总圈长 / 圈长); None if unknown."""
    v = str(value or "").strip().lower().replace("-", "_").replace(" ", "")
    for code, words in _ROLE_WORDS.items():
        if v in words:
            return code
    return None


@dataclass(frozen=True)
class LeaderPlan:
    """A leader checked against the rules, ready to be written."""

    role: str
    name: str
    unit: Unit
    street: Street | None
    circle: Circle | None
    post: str | None
    phone: str | None
    since: date | None

    @property
    def scope(self) -> str:
        if self.role == "chief":
            return "district"
        if self.role == "deputy_chief":
            assert self.street is not None
            return f"street:{self.street.id}"
        assert self.circle is not None
        return f"circle:{self.circle.id}"

    def where(self) -> str:
        """The post in words: 总圈长 / 侯家塘街道副总圈长 / 圈长（C01 梓园）."""
        if self.role == "chief":
            return "总圈长"
        if self.role == "deputy_chief":
            assert self.street is not None
            return f"{self.street.name}副总圈长"
        assert self.circle is not None
        return f"圈长（{self.circle.code} {self.circle.name}）"


class LeaderProblem(Exception):
    """A leader breaks a rule: the field at fault, the message and the fix (Chinese)."""

    def __init__(self, field: str, message: str, fix: str) -> None:
        super().__init__(message)
        self.field, self.message, self.fix = field, message, fix


def _street_office(units: UnitDirectory, street: Street) -> Unit | None:
    return units.find(street.name)


def plan_leader(
    session: Session,
    *,
    role: str,
    name: str | None,
    unit: str | None = None,
    street: str | None = None,
    circle: str | None = None,
    post: str | None = None,
    phone: str | None = None,
    since: date | None = None,
    units: UnitDirectory | None = None,
    finder: CircleFinder | None = None,
) -> LeaderPlan:
    """Check one leader against the rules of the 圈长负责制.

    The chief belongs to 区人居环境局; a deputy chief to a street (and its street office);
    a circle leader to a circle, and is an official of that circle's street: a street or
    unit of another street is refused.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    role : str
        ``chief``/``deputy_chief``/``circle_leader`` or 总圈长/副总圈长/圈长.
    name : str
        The person's name.
    unit, street, circle : str, optional
        As written (short names, circle code or name accepted).
    post, phone : str, optional
        职务 and telephone.
    since : datetime.date, optional
        Start of the post.
    units, finder : optional
        Directories already loaded (an import checks many rows).

    Returns
    -------
    LeaderPlan

    Raises
    ------
    LeaderProblem
        Naming the field at fault.
    """
    units = units or UnitDirectory.load(session)
    code = parse_role(role)
    if code is None:
        raise LeaderProblem(
            "role",
            f"角色“{role}”无法识别",
            "写 总圈长、副总圈长 或 圈长（或 chief/deputy_chief/circle_leader）",
        )
    who = (name or "").strip()
    if not who:
        raise LeaderProblem("name", "姓名为空", "填写担任该职务的同志姓名")
    the_unit = units.find(unit) if unit else None
    if unit and the_unit is None:
        near = units.suggest(unit)
        raise LeaderProblem(
            "unit",
            f"没有单位“{unit}”",
            (f"是否是：{'、'.join(near)}？" if near else "") + "写单位全称或通用简称",
        )
    the_street: Street | None = None
    the_circle: Circle | None = None
    if code == "chief":
        chief_unit = units.find(CHIEF_UNIT)
        if chief_unit is None:
            raise LeaderProblem("unit", f"数据库中没有{CHIEF_UNIT}", "先运行 lifecircle db upgrade")
        if the_unit is not None and the_unit.id != chief_unit.id:
            raise LeaderProblem(
                "unit",
                f"总圈长由{CHIEF_UNIT}主要负责同志担任，不能是{the_unit.name}的同志",
                f"单位写{CHIEF_UNIT}，或留空",
            )
        the_unit = chief_unit
    elif code == "deputy_chief":
        if not street:
            raise LeaderProblem("street", "副总圈长要写明所在街道", "填写街道，如 侯家塘街道")
        the_street = find_street(session, street)
        if the_street is None:
            raise LeaderProblem("street", f"没有街道“{street}”", "写已有街道的名称，如 侯家塘街道")
        office = _street_office(units, the_street)
        if the_unit is not None and (office is None or the_unit.id != office.id):
            raise LeaderProblem(
                "unit",
                f"副总圈长由{the_street.name}党工委书记或办事处主任担任，单位却是{the_unit.name}",
                f"单位写{the_street.name}，或留空",
            )
        the_unit = the_unit or office
    else:
        if not circle:
            raise LeaderProblem("circle_id", "圈长要写明负责的生活圈", "填写生活圈编号或名称")
        finder = finder or CircleFinder.load(session)
        the_circle = finder.by_code(circle)
        if the_circle is None:
            hits = finder.by_name(circle, street=street)
            if len(hits) != 1:
                what = "没有" if not hits else f"有 {len(hits)} 个"
                raise LeaderProblem(
                    "circle_id",
                    f"{what}生活圈“{circle}”",
                    "写生活圈编号（如 C01），或先导入生活圈清单",
                )
            the_circle = hits[0]
        the_street = the_circle.street
        if street and street_key(street) != street_key(the_street.name):
            raise LeaderProblem(
                "street",
                f"生活圈 {the_circle.code} {the_circle.name} 属于{the_street.name}，"
                f"圈长却是“{street}”的同志",
                f"圈长由{the_street.name}负责同志担任：改为该街道的同志，或核对生活圈编号",
            )
        office = _street_office(units, the_street)
        if the_unit is not None and (office is None or the_unit.id != office.id):
            other = (
                f"{the_unit.name}（另一街道）"
                if the_unit.kind == "street"
                else f"{the_unit.name}（区直部门）"
            )
            raise LeaderProblem(
                "unit",
                f"圈长由{the_street.name}负责同志担任，单位却是{other}",
                f"单位写{the_street.name}，或留空",
            )
        the_unit = the_unit or office
    if the_unit is None:
        raise LeaderProblem(
            "unit", "找不到该职务所属的单位", "先运行 lifecircle db upgrade 写入单位"
        )
    return LeaderPlan(
        role=code,
        name=who,
        unit=the_unit,
        street=the_street,
        circle=the_circle,
        post=(post or "").strip() or None,
        phone=(phone or "").strip() or None,
        since=since,
    )


def current(session: Session, role: str, scope: str) -> Leader | None:
    """The current holder of a post (``until`` empty), or None."""
    return session.scalar(
        select(Leader).where(Leader.role == role, Leader.scope == scope, Leader.until.is_(None))
    )


@dataclass(frozen=True)
class LeaderChange:
    """What `apply_leader` did: the current leader and the one replaced (if any)."""

    leader: Leader
    replaced: Person | None
    unchanged: bool


def apply_leader(
    session: Session, plan: LeaderPlan, *, on: date | None = None, person: Person | None = None
) -> LeaderChange:
    """Write a checked leader: the same person is updated; another person ends the current
    holder's post (``until``) and takes it over. A circle's leader is also kept on the circle.

    The person is ``person`` when given, else the one of that name in the plan's unit (new
    if there is none).
    """
    day = plan.since or on or date.today()
    if person is None:
        person = session.scalar(
            select(Person).where(Person.name == plan.name, Person.unit_id == plan.unit.id)
        )
    elif person.unit_id is None:
        person.unit_id = plan.unit.id
    if person is None:
        person = Person(name=plan.name, unit_id=plan.unit.id)
        session.add(person)
        session.flush()
    if plan.post:
        person.title = plan.post
    if plan.phone:
        person.phone = plan.phone
    old = current(session, plan.role, plan.scope)
    replaced = None
    if old is not None and old.person_id == person.id:
        if plan.post:
            old.post = plan.post
        if plan.since:
            old.since = plan.since
        leader, unchanged = old, True
    else:
        since = plan.since
        if old is not None:
            since = day
            if old.since is not None and old.since > day:
                raise RuleError(
                    f"{plan.where()}现任 {old.person.name} 自 {old.since} 起任职，晚于新任日期 {day}",
                    fix="核对任职日期",
                )
            old.until = day
            replaced = old.person
            session.flush()
        leader = Leader(
            role=plan.role,
            scope=plan.scope,
            person_id=person.id,
            street_id=plan.street.id if plan.street else None,
            circle_id=plan.circle.id if plan.circle else None,
            post=plan.post,
            since=since,
        )
        session.add(leader)
        unchanged = False
    if plan.circle is not None and plan.circle.leader_id != person.id:
        plan.circle.leader_id = person.id
    flush(session, "leader", plan.scope)
    return LeaderChange(leader=leader, replaced=replaced, unchanged=unchanged)


def set_leader(
    session: Session,
    role: str,
    name: str,
    *,
    unit: str | None = None,
    street: str | None = None,
    circle: str | None = None,
    post: str | None = None,
    phone: str | None = None,
    since: date | None = None,
) -> LeaderChange:
    """Appoint a 总圈长, 副总圈长 or 圈长 (checked by `plan_leader`, written by `apply_leader`).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    role : str
        总圈长 / 副总圈长 / 圈长 (or chief / deputy_chief / circle_leader).
    name : str
        The person's name.
    unit, street, circle, post, phone, since
        As `plan_leader`.

    Returns
    -------
    LeaderChange

    Raises
    ------
    RuleError
        In Chinese, naming the option at fault.
    """
    try:
        plan = plan_leader(
            session,
            role=role,
            name=name,
            unit=unit,
            street=street,
            circle=circle,
            post=post,
            phone=phone,
            since=since,
        )
    except LeaderProblem as exc:
        raise RuleError(
            f"{_OPTION.get(exc.field, exc.field)}：{exc.message}", fix=exc.fix
        ) from None
    return apply_leader(session, plan)


_OPTION = {
    "role": "角色",
    "name": "姓名",
    "unit": "--unit 单位",
    "street": "--street 街道",
    "circle_id": "--circle 生活圈",
}


@dataclass(frozen=True)
class LeaderView:
    """A leader as listed: role, place, person, dates."""

    role: str
    role_zh: str
    place: str
    name: str
    unit: str
    post: str
    phone: str
    since: date | None
    until: date | None
    circle_code: str | None
    street: str | None


def list_leaders(session: Session, *, history: bool = False) -> list[LeaderView]:
    """The chief, the deputy chiefs by street and the circle leaders by circle code
    (with ``history``, former holders too, after the current one)."""
    q = select(Leader).options(
        selectinload(Leader.person), selectinload(Leader.street), selectinload(Leader.circle)
    )
    if not history:
        q = q.where(Leader.until.is_(None))
    order = {"chief": 0, "deputy_chief": 1, "circle_leader": 2}
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    rows = []
    for ld in session.scalars(q):
        place = (
            "全区"
            if ld.role == "chief"
            else ld.street.name
            if ld.role == "deputy_chief" and ld.street
            else f"{ld.circle.code} {ld.circle.name}"
            if ld.circle
            else ""
        )
        rows.append(
            LeaderView(
                role=ld.role,
                role_zh=ROLE_ZH[ld.role],
                place=place,
                name=ld.person.name,
                unit=units.get(ld.person.unit_id or 0, ""),
                post=ld.post or ld.person.title or "",
                phone=ld.person.phone or "",
                since=ld.since,
                until=ld.until,
                circle_code=ld.circle.code if ld.circle else None,
                street=ld.street.name if ld.street else None,
            )
        )
    rows.sort(key=lambda v: (order[v.role], v.circle_code or v.street or "", v.until is not None))
    return rows


def missing_leaders(session: Session) -> list[str]:
    """Posts the plan asks for that nobody holds: the chief, a deputy chief of a street with
    circles, a leader of a circle (Chinese lines)."""
    held = {
        (ld.role, ld.scope) for ld in session.scalars(select(Leader).where(Leader.until.is_(None)))
    }
    out = []
    if ("chief", "district") not in held:
        out.append("总圈长未设")
    circles = list(session.scalars(select(Circle).order_by(Circle.code)))
    for street in sorted({c.street for c in circles}, key=lambda s: (s.code or "", s.name)):
        if ("deputy_chief", f"street:{street.id}") not in held:
            out.append(f"{street.name}副总圈长未设")
    out += [
        f"{c.code} {c.name} 圈长未设"
        for c in circles
        if ("circle_leader", f"circle:{c.id}") not in held
    ]
    return out


def circle_leader_names(session: Session, *, on: date | None = None) -> dict[int, dict[str, str]]:
    """circle id -> ``{"leader": 圈长, "deputy": 副总圈长 of its street}`` holding the posts on
    ``on`` (default: now), for schedules and bulletins."""
    rows = session.scalars(select(Leader).options(selectinload(Leader.person)))
    leaders: dict[int, str] = {}
    deputies: dict[int, str] = {}
    for ld in rows:
        if on is not None and (
            (ld.since is not None and ld.since > on) or (ld.until is not None and ld.until <= on)
        ):
            continue
        if on is None and ld.until is not None:
            continue
        if ld.role == "circle_leader" and ld.circle_id is not None:
            leaders[ld.circle_id] = ld.person.name
        elif ld.role == "deputy_chief" and ld.street_id is not None:
            deputies[ld.street_id] = ld.person.name
    out = {}
    for cid, sid in session.execute(select(Circle.id, Circle.street_id)):
        out[cid] = {"leader": leaders.get(cid, ""), "deputy": deputies.get(sid, "")}
    return out


def street_deputy_names(session: Session, *, on: date | None = None) -> dict[str, str]:
    """street name -> its 副总圈长 on ``on`` (default: now)."""
    out = {}
    for ld in session.scalars(
        select(Leader)
        .where(Leader.role == "deputy_chief")
        .options(selectinload(Leader.person), selectinload(Leader.street))
    ):
        if on is not None and (
            (ld.since is not None and ld.since > on) or (ld.until is not None and ld.until <= on)
        ):
            continue
        if on is None and ld.until is not None:
            continue
        if ld.street is not None:
            out[ld.street.name] = ld.person.name
    return out
