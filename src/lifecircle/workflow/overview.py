"""Read models of the platform's pages and API: circles with their latest grade, the year's
targets, a circle's detail, the project list. Queries only; every judgement is delegated to
the service that owns it (timeliness, target state, held grade)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from lifecircle.store.models import (
    CheckupResult,
    CheckupRun,
    Circle,
    Evaluation,
    Project,
    Street,
    Unit,
)
from lifecircle.workflow import config
from lifecircle.workflow.checkups import latest_result
from lifecircle.workflow.evaluation import held_grades
from lifecircle.workflow.projects import OPEN, STATUS_ZH, TRANSITIONS, Timeliness, timeliness
from lifecircle.workflow.schedule import (
    TargetState,
    TotalCheck,
    check_totals,
    list_targets,
    target_state,
)
from lifecircle.workflow.views import cached


@dataclass(frozen=True)
class CircleRow:
    """One circle as the map and lists show it."""

    id: int
    code: str
    name: str
    street: str
    street_id: int
    population: int | None
    grade: str | None  # latest checkup grade (NONE/AA/AAA), None without a checkup
    held_grade: str  # the grade held after joint evaluation (NONE/AA/AAA)
    failed_constraints: list[str]
    projects_total: int
    projects_open: int
    projects_overdue: int

    @property
    def grade_zh(self) -> str:
        return config.GRADE_ZH[self.grade] if self.grade else "未体检"

    @property
    def held_grade_zh(self) -> str:
        return config.GRADE_ZH[self.held_grade] if self.held_grade != "NONE" else "尚未评定"


@dataclass(frozen=True)
class ProjectRow:
    """A project with the judgements a list shows: status and timeliness in Chinese."""

    project: Project
    timeliness: Timeliness
    next_statuses: tuple[str, ...]

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.project.status, self.project.status)

    @property
    def type_zh(self) -> str:
        return config.project_types().get(self.project.project_type, self.project.project_type)

    @property
    def funding_zh(self) -> str:
        return config.funding_sources().get(
            self.project.funding_source, self.project.funding_source
        )


@dataclass(frozen=True)
class YearProgress:
    """The year's targets with their states, the counts by state, and the district totals."""

    year: int
    states: list[TargetState]
    counts: dict[str, int]
    totals: list[TotalCheck]


@dataclass
class CircleDetail:
    """What a circle page shows."""

    circle: Circle
    row: CircleRow
    communities: list[str]
    leader: str | None
    run: CheckupRun | None
    result: CheckupResult | None
    indicators: list[dict[str, Any]] = field(default_factory=list)
    shortfalls: list[dict[str, Any]] = field(default_factory=list)
    projects: list[ProjectRow] = field(default_factory=list)
    targets: list[TargetState] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)


def streets(session: Session) -> list[str]:
    """Names of the streets that have circles, sorted (cached per programme version)."""
    return list(cached(session, "streets", None, lambda: _streets(session)))


def _streets(session: Session) -> list[str]:
    q = (
        select(Street.name)
        .join(Circle, Circle.street_id == Street.id)
        .distinct()
        .order_by(Street.name)
    )
    return list(session.scalars(q))


def data_notice(session: Session) -> str | None:
    """The notice of generated (demo) data, when any stored checkup ran on generated geometry
    (every page shows it: cached per programme version)."""
    return cached(session, "data_notice", None, lambda: _data_notice(session))


def _data_notice(session: Session) -> str | None:
    run = session.scalars(
        select(CheckupRun).where(CheckupRun.generated_geometry.is_(True)).limit(1)
    ).first()
    if run is None:
        return None
    return run.notice or "示例数据：几何为生成数据"


def latest_grades(session: Session) -> dict[int, tuple[str, list[str]]]:
    """Each circle's grade and failing constraints in the newest stored checkup run (cached
    per programme version: it decodes every stored result; do not change the answer)."""
    return cached(session, "latest_grades", None, lambda: _latest_grades(session))


def _latest_grades(session: Session) -> dict[int, tuple[str, list[str]]]:
    q = (
        select(CheckupResult.circle_id, CheckupResult.grade, CheckupResult.failed_constraints)
        .join(CheckupRun)
        .order_by(CheckupRun.created_at.desc(), CheckupRun.id.desc())
    )
    out: dict[int, tuple[str, list[str]]] = {}
    for circle_id, grade, failed in session.execute(q):
        out.setdefault(circle_id, (grade, list(failed or [])))
    return out


def _circles(session: Session, street: str | None, codes: list[str] | None = None) -> list[Circle]:
    q = select(Circle).join(Street).options(selectinload(Circle.street)).order_by(Circle.code)
    if street:
        q = q.where(Street.name == street)
    if codes is not None:
        q = q.where(Circle.code.in_(codes))
    return list(session.scalars(q))


def _rows(session: Session, circles: list[Circle], today: date) -> list[CircleRow]:
    latest = latest_grades(session)  # the newest stored checkup, whatever ``today`` says
    ids = [c.id for c in circles]
    counts: dict[int, list[int]] = {i: [0, 0, 0] for i in ids}
    for p in session.scalars(select(Project).where(Project.circle_id.in_(ids))):
        n = counts[p.circle_id]
        n[0] += 1
        n[1] += p.status in OPEN
        n[2] += timeliness(p, today).code == "overdue"
    held = held_grades(session, ids, as_of=today)
    rows = []
    for c in circles:
        res = latest.get(c.id)
        rows.append(
            CircleRow(
                id=c.id,
                code=c.code,
                name=c.name,
                street=c.street.name,
                street_id=c.street_id,
                population=c.population,
                grade=res[0] if res else None,
                held_grade=held[c.id],
                failed_constraints=res[1] if res else [],
                projects_total=counts[c.id][0],
                projects_open=counts[c.id][1],
                projects_overdue=counts[c.id][2],
            )
        )
    return rows


def circle_rows(session: Session, *, today: date, street: str | None = None) -> list[CircleRow]:
    """Every circle (of ``street`` when given) with its latest grade and project counts
    (cached per programme version)."""
    return list(
        cached(
            session,
            "circle_rows",
            (today, street),
            lambda: _rows(session, _circles(session, street), today),
        )
    )


def find_circle(session: Session, code: str) -> Circle | None:
    return session.scalar(
        select(Circle)
        .where(Circle.code == code)
        .options(
            selectinload(Circle.street),
            selectinload(Circle.communities),
            selectinload(Circle.leader),
        )
    )


def year_progress(
    session: Session, year: int, *, today: date, street: str | None = None
) -> YearProgress:
    """The targets of ``year`` (of ``street`` when given) judged on ``today`` (cached per
    programme version; do not change the answer)."""
    return cached(
        session,
        "year_progress",
        (year, today, street),
        lambda: _year_progress(session, year, today=today, street=street),
    )


def _year_progress(session: Session, year: int, *, today: date, street: str | None) -> YearProgress:
    targets = [
        t for t in list_targets(session, year=year) if not street or t.circle.street.name == street
    ]
    states = [target_state(session, t, today) for t in targets]
    counts: dict[str, int] = {}
    for s in states:
        counts[s.code] = counts.get(s.code, 0) + 1
    return YearProgress(year, states, counts, check_totals(session, as_of=today))


def circle_target_states(session: Session, circle_id: int, *, today: date) -> list[TargetState]:
    """A circle's targets (all years, in schedule order) judged on ``today`` (cached per
    programme version; do not change the answer)."""

    def compute() -> list[TargetState]:
        return [target_state(session, t, today) for t in list_targets(session, circle_id=circle_id)]

    return cached(session, "circle_targets", (circle_id, today), compute)


def project_rows(projects: list[Project], today: date) -> list[ProjectRow]:
    return [ProjectRow(p, timeliness(p, today), TRANSITIONS.get(p.status, ())) for p in projects]


def circle_detail(session: Session, code: str, *, today: date) -> CircleDetail | None:
    """Everything the circle page shows, or None for an unknown circle."""
    c = find_circle(session, code)
    if c is None:
        return None
    row = next(r for r in circle_rows(session, today=today) if r.id == c.id)
    res = latest_result(session, c.id)
    run = res.run if res is not None else None
    projects = search_projects(session, circle=c.code, today=today)
    evaluations = list(
        session.scalars(
            select(Evaluation)
            .where(Evaluation.circle_id == c.id)
            .order_by(Evaluation.year, Evaluation.id)
        )
    )
    return CircleDetail(
        circle=c,
        row=row,
        communities=[m.name for m in c.communities],
        leader=c.leader.name if c.leader else None,
        run=run,
        result=res,
        indicators=list(res.indicators) if res else [],
        shortfalls=list(res.shortfalls) if res else [],
        projects=projects,
        targets=list(circle_target_states(session, c.id, today=today)),
        evaluations=evaluations,
    )


def find_project(session: Session, code: str) -> Project | None:
    return session.scalar(
        select(Project)
        .where(Project.code == code)
        .options(
            selectinload(Project.circle).selectinload(Circle.street),
            selectinload(Project.lead_unit),
            selectinload(Project.co_units),
            selectinload(Project.history),
        )
    )


def search_projects(
    session: Session,
    *,
    today: date,
    circle: str | None = None,
    street: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    text: str | None = None,
    timeliness_code: str | None = None,
) -> list[ProjectRow]:
    """Projects filtered by circle code, street name, lead unit (code or name), status,
    a text found in code or name, and timeliness (``overdue``, ``late``, ``on_time``, ``pending``)."""
    q = (
        select(Project)
        .join(Circle, Project.circle_id == Circle.id)
        .join(Street, Circle.street_id == Street.id)
        .join(Unit, Project.lead_unit_id == Unit.id)
        .options(
            selectinload(Project.circle).selectinload(Circle.street),
            selectinload(Project.lead_unit),
            selectinload(Project.co_units),
        )
        .order_by(Project.code)
    )
    if circle:
        q = q.where(Circle.code == circle)
    if street:
        q = q.where(Street.name == street)
    if unit:
        q = q.where(or_(Unit.code == unit, Unit.name == unit))
    if status:
        q = q.where(Project.status == status)
    if text and text.strip():
        like = f"%{text.strip()}%"
        q = q.where(or_(Project.code.ilike(like), Project.name.ilike(like)))
    rows = project_rows(list(session.scalars(q)), today)
    if timeliness_code:
        rows = [r for r in rows if r.timeliness.code == timeliness_code]
    return rows


def units(session: Session) -> list[Unit]:
    """The responsible units, by kind then code."""
    return list(session.scalars(select(Unit).order_by(Unit.kind, Unit.code)))


def parse_status(value: str) -> str:
    """A project status from its code or Chinese name (``在建`` → ``in_progress``)."""
    from lifecircle.errors import InputError
    from lifecircle.workflow.choices import parse_status as parse

    code = parse(str(value or ""))
    if code is not None:
        return code
    raise InputError(
        f"未知项目状态 {value!r}",
        field="status",
        fix="可用状态：" + "、".join(f"{c}（{z}）" for c, z in STATUS_ZH.items()),
    )
