"""Places and people: district, streets, units, communities, circles, compounds, circle leaders."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.store.models import (
    Circle,
    Community,
    District,
    Leader,
    Person,
    RoleAssignment,
    Street,
    Unit,
)
from lifecircle.workflow import config
from lifecircle.workflow._common import flush, get_circle

ROLES = ("chief", "deputy_chief", "unit_staff", "assessor", "evaluator")


def seed_units(session: Session) -> dict[str, int]:
    """District, street offices and the plan's responsible units from units.yaml (idempotent)."""
    data = config.units_data()
    d = data["district"]
    district = session.scalar(select(District).where(District.admin_code == d["admin_code"]))
    if district is None:
        district = District(name=d["name"], admin_code=d["admin_code"])
        session.add(district)
        session.flush()
    added = {"streets": 0, "units": 0}
    # streets and units read once (a programme's first seed asked fifty times, each
    # autoflushing): the flush a new street's id needs now writes the unit added before it
    # too, in the same order, so the rows, ids and audit entries are the same
    streets = {st.name: st for st in session.scalars(select(Street))}
    units = list(session.scalars(select(Unit)))
    unit_names = {u.name for u in units}
    unit_codes = {u.code for u in units}
    for s in data["streets"]:
        street = streets.get(s["name"])
        if street is None:
            street = streets[s["name"]] = Street(
                name=s["name"], code=s["code"], district_id=district.id
            )
            session.add(street)
            session.flush()
            added["streets"] += 1
        if s["name"] not in unit_names:
            session.add(Unit(code=s["code"], name=s["name"], kind="street", street_id=street.id))
            unit_names.add(s["name"])
            unit_codes.add(s["code"])
            added["units"] += 1
    for u in data["units"]:
        if u["code"] not in unit_codes:
            session.add(Unit(code=u["code"], name=u["name"], kind=u["kind"]))
            unit_names.add(u["name"])
            unit_codes.add(u["code"])
            added["units"] += 1
    flush(session)
    return added


def ensure_street(session: Session, name: str) -> Street:
    """The street of that name; a street not in units.yaml gets a street office unit too."""
    street = session.scalar(select(Street).where(Street.name == name))
    if street is None:
        street = Street(name=name)
        session.add(street)
        session.flush()
        if session.scalar(select(Unit).where(Unit.name == name)) is None:
            session.add(
                Unit(code=f"street-{street.id}", name=name, kind="street", street_id=street.id)
            )
    return street


def upsert_circle(
    session: Session,
    code: str,
    name: str,
    street_name: str,
    communities: list[str],
    **attrs,
) -> Circle:
    """Create or update one circle with its communities."""
    street = ensure_street(session, street_name)
    circle = session.scalar(select(Circle).where(Circle.code == code))
    if circle is None:
        circle = Circle(code=code, name=name, street_id=street.id)
        session.add(circle)
    else:
        circle.name, circle.street_id = name, street.id
    for k, v in attrs.items():
        if v is not None:
            setattr(circle, k, v)
    circle.communities = _communities(session, street, communities)
    session.flush()
    return circle


def _communities(session: Session, street: Street, names: list[str]) -> list[Community]:
    """The street's communities of those names, the new ones added (and written with the
    circle's flush, in this order): one query for the street instead of a query and a flush
    per community."""
    if not names:
        return []
    known = {
        c.name: c
        for c in session.scalars(select(Community).where(Community.street_id == street.id))
    }
    out = []
    for name in names:
        com = known.get(name)
        if com is None:
            com = known[name] = Community(street_id=street.id, name=name)
            session.add(com)
        out.append(com)
    return out


def add_person(
    session: Session,
    name: str,
    *,
    unit: str | None = None,
    title: str | None = None,
    phone: str | None = None,
) -> Person:
    from lifecircle.workflow._common import get_unit

    p = Person(
        name=name, unit_id=get_unit(session, unit).id if unit else None, title=title, phone=phone
    )
    session.add(p)
    flush(session)
    return p


def assign_role(
    session: Session, person: Person, role: str, *, street: str | None = None
) -> RoleAssignment | Leader:
    """Give a person a programme role. The 圈长负责制 roles (``chief``: one in the district,
    the head of 区人居环境局; ``deputy_chief``: one per street) are kept by
    ``workflow.leaders``; ``unit_staff``/``assessor``/``evaluator`` as role assignments."""
    from lifecircle.errors import RuleError
    from lifecircle.workflow.leaders import ROLE_ZH, LeaderProblem, apply_leader, current
    from lifecircle.workflow.leaders import plan_leader as plan

    if role not in ROLES:
        raise RuleError(f"角色“{role}”无法识别", fix=f"可用：{'、'.join(ROLES)}")
    if role in ROLE_ZH:
        unit = session.get(Unit, person.unit_id) if person.unit_id else None
        try:
            p = plan(
                session,
                role=role,
                name=person.name,
                unit=unit.name if unit else None,
                street=street,
            )
        except LeaderProblem as exc:
            raise RuleError(exc.message, fix=exc.fix) from None
        held = current(session, p.role, p.scope)
        if held is not None and held.person_id != person.id:
            raise RuleError(
                f"{p.where()}已由 {held.person.name} 担任",
                fix="更换请用 lifecircle leader set（原任职务自动结束）",
            )
        return apply_leader(session, p, person=person).leader
    ra = RoleAssignment(person_id=person.id, role=role, street_id=None)
    session.add(ra)
    flush(session)
    return ra


def set_circle_leader(
    session: Session, circle: str | Circle, person: Person, *, expected_version: int | None = None
) -> Circle:
    """One leader (圈长) per circle, an official of the circle's street; replacing the leader
    ends the former one's post (``workflow.leaders``) and is an audited update."""
    from lifecircle.errors import RuleError
    from lifecircle.workflow._common import check_version
    from lifecircle.workflow._values import CircleFinder
    from lifecircle.workflow.leaders import LeaderProblem, apply_leader, plan_leader

    c = get_circle(session, circle)
    check_version(c, expected_version, "circle", c.code)
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    try:
        p = plan_leader(
            session,
            role="circle_leader",
            name=person.name,
            unit=unit.name if unit else None,
            circle=c.code,
            # the circle is known: every circle need not be read to find it by its code
            finder=CircleFinder([c]),
        )
    except LeaderProblem as exc:
        raise RuleError(exc.message, fix=exc.fix) from None
    apply_leader(session, p, person=person)
    flush(session, "circle", c.code)
    return c
