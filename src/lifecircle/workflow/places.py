"""Places and people: district, streets, units, communities, circles, compounds, circle leaders."""

from __future__ import annotations

import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.store.models import (
    Circle,
    Community,
    District,
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
    for s in data["streets"]:
        street = session.scalar(select(Street).where(Street.name == s["name"]))
        if street is None:
            street = Street(name=s["name"], code=s["code"], district_id=district.id)
            session.add(street)
            session.flush()
            added["streets"] += 1
        if session.scalar(select(Unit).where(Unit.name == s["name"])) is None:
            session.add(Unit(code=s["code"], name=s["name"], kind="street", street_id=street.id))
            added["units"] += 1
    for u in data["units"]:
        if session.scalar(select(Unit).where(Unit.code == u["code"])) is None:
            session.add(Unit(code=u["code"], name=u["name"], kind=u["kind"]))
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


def _ensure_community(session: Session, street: Street, name: str) -> Community:
    com = session.scalar(
        select(Community).where(Community.street_id == street.id, Community.name == name)
    )
    if com is None:
        com = Community(street_id=street.id, name=name)
        session.add(com)
        session.flush()
    return com


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
    coms = [_ensure_community(session, street, c) for c in communities]
    circle.communities = coms
    session.flush()
    return circle


def import_circle_list(session: Session, path: str | os.PathLike) -> int:
    """Attachment 1 (the circle list) from CSV/XLSX, written at once (``place_imports``).

    All or nothing: the whole file is checked first (``place_imports.import_circles``); the
    first error is raised as an InputError naming file, row and field.

    Returns
    -------
    int
        Circles written.
    """
    from lifecircle.workflow.place_imports import import_circles

    report = import_circles(session, path, commit=True)
    report.raise_if_errors()
    return report.counts.get("新增生活圈", 0) + report.counts.get("更新生活圈", 0)


def import_district_package(session: Session, folder: str | os.PathLike) -> dict[str, int]:
    """Circles, communities, compounds and facilities of a district data package, written at
    once (``place_imports.import_district``); the first error is raised as an InputError.

    Returns
    -------
    dict of str -> int
        ``circles``, ``compounds``, ``communities``, ``facilities``.
    """
    from lifecircle.workflow.place_imports import import_district

    report = import_district(session, folder, commit=True)
    report.raise_if_errors()
    c = report.counts
    return {
        "circles": c.get("新增生活圈", 0) + c.get("更新生活圈", 0),
        "compounds": c.get("新增小区", 0) + c.get("更新小区", 0),
        "communities": c.get("社区", 0),
        "facilities": c.get("设施", 0),
    }


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
) -> RoleAssignment:
    """Give a person a programme role. ``chief`` is unique in the district; a ``deputy_chief``
    belongs to a street (the plan: 总圈长 = head of 区人居环境局, 副总圈长 = street secretary)."""
    from lifecircle.errors import RuleError

    if role not in ROLES:
        raise RuleError(f"unknown role {role!r}", fix=f"use one of {', '.join(ROLES)}")
    street_id = None
    if role == "deputy_chief":
        if not street:
            raise RuleError("a deputy chief belongs to a street", fix="name the street")
        st = ensure_street(session, street)
        street_id = st.id
    if role == "chief":
        existing = session.scalar(select(RoleAssignment).where(RoleAssignment.role == "chief"))
        if existing is not None and existing.person_id != person.id:
            raise RuleError(
                "the district already has a chief (总圈长)",
                fix="remove the current chief's role first",
            )
    ra = RoleAssignment(person_id=person.id, role=role, street_id=street_id)
    session.add(ra)
    flush(session)
    return ra


def set_circle_leader(
    session: Session, circle: str | Circle, person: Person, *, expected_version: int | None = None
) -> Circle:
    """One leader (圈长) per circle; replacing the leader is an audited update."""
    from lifecircle.workflow._common import check_version

    c = get_circle(session, circle)
    check_version(c, expected_version, "circle", c.code)
    c.leader_id = person.id
    flush(session, "circle", c.code)
    return c
