"""Places and people: district, streets, units, communities, circles, compounds, circle leaders."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import DistrictError, FileFormatError, InputError
from lifecircle.store.models import (
    Circle,
    Community,
    Compound,
    District,
    Person,
    RoleAssignment,
    Street,
    Unit,
)
from lifecircle.workflow import config
from lifecircle.workflow._common import flush, get_circle, read_table, require

ROLES = ("chief", "deputy_chief", "unit_staff", "assessor", "evaluator")
CIRCLE_ALIASES = {
    "circle_id": ("生活圈编号", "编号", "序号", "id"),
    "name": ("生活圈名称", "名称", "生活圈"),
    "street": ("街道", "所属街道", "街道（镇）"),
    "communities": ("社区", "对应社区", "社区清单", "包含社区"),
}
_SPLIT = re.compile(r"[;；、,，]")


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


def _split(value: str | None) -> list[str]:
    return [x.strip() for x in _SPLIT.split(value or "") if x.strip()]


def import_circle_list(session: Session, path: str | os.PathLike) -> int:
    """Attachment 1 (the circle list) from CSV/XLSX: circle_id, name, street, communities.

    All or nothing: every row is checked before anything is written; the first bad row raises
    an InputError naming file, row and field.
    """
    file = str(path)
    rows = read_table(path, CIRCLE_ALIASES)
    if not rows:
        raise InputError("the circle list is empty", file=file, fix="add one row per circle")
    seen: dict[str, int] = {}
    community_owner: dict[str, str] = {}
    parsed = []
    fix_cols = "columns: circle_id/生活圈编号, name/生活圈名称, street/街道, communities/社区"
    for i, row in enumerate(rows, start=1):
        code = require(row, "circle_id", file=file, row_no=i, fix=f"fill it in ({fix_cols})")
        if code in seen:
            raise InputError(
                f"circle id {code!r} repeats row {seen[code]}",
                file=file,
                row=i,
                field="circle_id",
                fix="give every circle its own id",
            )
        seen[code] = i
        name = require(row, "name", file=file, row_no=i, fix="give the circle's name")
        street = require(
            row, "street", file=file, row_no=i, fix="name the street (e.g. 侯家塘街道)"
        )
        coms = _split(row.get("communities"))
        if not coms:
            raise InputError(
                "no communities listed",
                file=file,
                row=i,
                field="communities",
                fix="list the circle's communities separated by ; or 、",
            )
        for c in coms:
            key = f"{street}/{c}"
            if key in community_owner and community_owner[key] != code:
                raise InputError(
                    f"community {c} is already in circle {community_owner[key]}",
                    file=file,
                    row=i,
                    field="communities",
                    fix="a community belongs to one circle: remove it from one of the rows",
                )
            community_owner[key] = code
        parsed.append((code, name, street, coms))
    with session.begin_nested():
        for code, name, street, coms in parsed:
            upsert_circle(session, code, name, street, coms)
    return len(parsed)


def import_district_package(session: Session, folder: str | os.PathLike) -> dict[str, int]:
    """Circles, communities and compounds of a district data package (docs/district-format.md).

    Geometry is stored as WKB in WGS-84. One transaction: a bad row leaves the database unchanged.
    """
    import geopandas as gpd
    import shapely

    folder = Path(folder)
    meta_path = folder / "district.yaml"
    try:
        meta = yaml.safe_load(meta_path.read_text("utf-8"))
    except OSError as exc:
        raise FileFormatError(
            f"no district.yaml: {exc}", file=str(meta_path), fix="give a district package folder"
        ) from exc
    layers = meta.get("layers") or {}
    if "circles" not in layers:
        raise DistrictError(
            "district.yaml has no layers.circles",
            file=str(meta_path),
            field="layers.circles",
            fix="add `circles: circles.csv`",
        )
    counts = {"circles": 0, "compounds": 0, "communities": 0}
    with session.begin_nested():
        district = session.scalar(
            select(District).where(District.admin_code == str(meta.get("admin_code")))
        )
        if district is None and meta.get("admin_code"):
            session.add(District(name=meta.get("name", ""), admin_code=str(meta["admin_code"])))
        counts["circles"] = import_circle_list(session, folder / layers["circles"])
        com_geoms = {}
        if layers.get("communities"):
            gdf = gpd.read_file(folder / layers["communities"])
            if gdf.crs is not None:
                gdf = gdf.to_crs(4326)
            for i, rec in enumerate(gdf.itertuples(index=False), start=1):
                com_geoms[(rec.street, rec.name)] = (i, rec.geometry)
        for (street_name, name), (i, geom) in com_geoms.items():
            street = session.scalar(select(Street).where(Street.name == street_name))
            com = street and session.scalar(
                select(Community).where(Community.street_id == street.id, Community.name == name)
            )
            if not com:
                raise DistrictError(
                    f"community {street_name}/{name} is in no circle",
                    file=str(folder / layers["communities"]),
                    row=i,
                    field="name",
                    fix="add it to a circle's communities in the circle list",
                )
            com.geom_wkb = shapely.to_wkb(geom)
            counts["communities"] += 1
        if layers.get("compounds"):
            cpath = folder / layers["compounds"]
            gdf = gpd.read_file(cpath)
            if gdf.crs is None:
                gdf = gdf.set_crs(meta.get("crs", "EPSG:4326"))
            gdf = gdf.to_crs(4326)
            by_name: dict[str, list[Community]] = {}
            for com in session.scalars(select(Community)):
                by_name.setdefault(com.name, []).append(com)
            circle_of = {}
            for circle in session.scalars(select(Circle)):
                for com in circle.communities:
                    circle_of[com.id] = circle.id
            for i, rec in enumerate(gdf.to_dict("records"), start=1):
                for field in ("id", "name", "community", "population"):
                    if rec.get(field) is None or rec.get(field) != rec.get(field):
                        raise DistrictError(
                            f"'{field}' is empty",
                            file=str(cpath),
                            row=i,
                            field=field,
                            fix="every compound needs id, name, community and population",
                        )
                coms = by_name.get(str(rec["community"]), [])
                if len(coms) != 1:
                    raise DistrictError(
                        f"community {rec['community']!r} is "
                        + ("in no circle" if not coms else "ambiguous (several streets)"),
                        file=str(cpath),
                        row=i,
                        field="community",
                        fix="use a community named in the circle list",
                    )
                try:
                    pop = float(rec["population"])
                    if pop < 0:
                        raise ValueError
                except (TypeError, ValueError):
                    raise DistrictError(
                        f"population {rec['population']!r} is not a number >= 0",
                        file=str(cpath),
                        row=i,
                        field="population",
                        fix="give a number >= 0",
                    ) from None
                code = str(rec["id"])
                comp = session.scalar(select(Compound).where(Compound.code == code))
                if comp is None:
                    comp = Compound(code=code)
                    session.add(comp)
                comp.name = str(rec["name"])
                comp.community_id = coms[0].id
                comp.circle_id = circle_of.get(coms[0].id)
                comp.population = pop
                hh = rec.get("households")
                comp.households = int(hh) if hh is not None and hh == hh else None
                geom = rec.get("geometry")
                comp.geom_wkb = shapely.to_wkb(geom) if geom is not None else None
                counts["compounds"] += 1
        session.flush()
    return counts


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
