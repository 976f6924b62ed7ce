"""SQLAlchemy 2 models of the creation programme: places, units, checkups, projects, evaluation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Naive UTC timestamp (portable between SQLite and PostgreSQL)."""
    from datetime import UTC

    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- places ---------------------------------------------------------------------------------


class District(Base):
    __tablename__ = "district"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    admin_code: Mapped[str] = mapped_column(String(20), unique=True)


class Street(Base):
    __tablename__ = "street"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    code: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Community(Base):
    __tablename__ = "community"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"))
    name: Mapped[str] = mapped_column(String(100))
    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)


circle_community = Table(
    "circle_community",
    Base.metadata,
    Column("circle_id", ForeignKey("circle.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("community.id", ondelete="CASCADE"), primary_key=True),
)


class Person(Base):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    title: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))


class Circle(Base):
    """A 15-minute life circle (一刻钟生活圈); ``code`` is the plan's id (C01 …)."""

    __tablename__ = "circle"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    population: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int | None] = mapped_column(Integer)
    area_km2: Mapped[float | None] = mapped_column(Float)
    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)

    street: Mapped[Street] = relationship()
    leader: Mapped[Person | None] = relationship()
    communities: Mapped[list[Community]] = relationship(
        secondary=circle_community, order_by=Community.name
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Compound(Base):
    __tablename__ = "compound"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circle.id"))
    population: Mapped[float] = mapped_column(Float, default=0.0)
    households: Mapped[int | None] = mapped_column(Integer)
    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)


class Facility(Base):
    __tablename__ = "facility"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50))
    capacity: Mapped[float | None] = mapped_column(Float)
    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)


# --- units and people -----------------------------------------------------------------------


class Unit(Base):
    """A responsible unit (责任单位): a district bureau, a centre, or a street office."""

    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # bureau | centre | street | other
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(50))


class RoleAssignment(Base):
    """unit_staff / assessor / evaluator (the chief, deputy chiefs and circle leaders of the
    圈长负责制 are kept in `Leader`)."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role", "street_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str] = mapped_column(String(30))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))


class Leader(Base):
    """圈长负责制 (plan 七): the district chief (总圈长), a street's deputy chief (副总圈长) or
    a circle's leader (圈长), with the dates they hold the post.

    ``scope`` is ``district``, ``street:<id>`` or ``circle:<id>``; one current holder
    (``until`` empty) per role and scope.
    """

    __tablename__ = "leader"
    __table_args__ = (
        Index(
            "uq_leader_current",
            "role",
            "scope",
            unique=True,
            sqlite_where=text("until IS NULL"),
            postgresql_where=text("until IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(20))  # chief | deputy_chief | circle_leader
    scope: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    post: Mapped[str | None] = mapped_column(String(100))
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship()
    street: Mapped[Street | None] = relationship()
    circle: Mapped[Circle | None] = relationship()


# --- checkups -------------------------------------------------------------------------------


class CheckupRun(Base):
    __tablename__ = "checkup_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    year: Mapped[int] = mapped_column(Integer)
    software_version: Mapped[str | None] = mapped_column(String(50))
    catalogue_id: Mapped[str] = mapped_column(String(100))
    catalogue_version: Mapped[str] = mapped_column(String(50))
    catalogue_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    input_hash: Mapped[str] = mapped_column(String(100))
    district_name: Mapped[str | None] = mapped_column(String(100))
    admin_code: Mapped[str | None] = mapped_column(String(20))
    generated_geometry: Mapped[bool] = mapped_column(Boolean, default=False)
    notice: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict | None] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CheckupResult(Base):
    __tablename__ = "checkup_result"
    __table_args__ = (UniqueConstraint("run_id", "circle_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("checkup_run.id", ondelete="CASCADE"))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    grade: Mapped[str] = mapped_column(String(10))
    grade_reason: Mapped[str | None] = mapped_column(Text)
    population: Mapped[float | None] = mapped_column(Float)
    constraints_pass: Mapped[bool] = mapped_column(Boolean)
    failed_constraints: Mapped[list] = mapped_column(JSON, default=list)
    indicators: Mapped[list] = mapped_column(JSON, default=list)
    shortfalls: Mapped[list] = mapped_column(JSON, default=list)

    run: Mapped[CheckupRun] = relationship()


# --- projects -------------------------------------------------------------------------------

project_unit = Table(
    "project_unit",
    Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True),
)


class Project(Base):
    """A remediation project (补短板项目)."""

    __tablename__ = "project"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    project_type: Mapped[str] = mapped_column(String(30))
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    indicator_ids: Mapped[list] = mapped_column(JSON, default=list)
    budget_yuan: Mapped[int] = mapped_column(BigInteger, default=0)
    funding_source: Mapped[str] = mapped_column(String(30))
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    original_due_date: Mapped[date] = mapped_column(Date)  # as planned; lateness is judged by it
    completed_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    circle: Mapped[Circle] = relationship()
    lead_unit: Mapped[Unit] = relationship()
    co_units: Mapped[list[Unit]] = relationship(secondary=project_unit, order_by=Unit.code)
    history: Mapped[list[ProjectStatusChange]] = relationship(
        order_by="ProjectStatusChange.id", back_populates="project"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProjectStatusChange(Base):
    __tablename__ = "project_status_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    on: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    project: Mapped[Project] = relationship(back_populates="history")


class EvidenceFile(Base):
    """A stored evidence file with its sha256 (for a project or an evaluation)."""

    __tablename__ = "evidence_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE")
    )
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # None when the bytes are kept in the evidence folder under their sha256 (web uploads)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(100))


# --- schedule and evaluation ----------------------------------------------------------------


class ScheduleTarget(Base):
    """One row of the task schedule (任务铺排表): circle aims for grade in year."""

    __tablename__ = "schedule_target"
    __table_args__ = (UniqueConstraint("circle_id", "grade"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    grade: Mapped[str] = mapped_column(String(10))
    due_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    circle: Mapped[Circle] = relationship()


class Evaluation(Base):
    """One pass of a circle through self-assessment → declaration → review → joint evaluation."""

    __tablename__ = "evaluation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    grade: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    is_recheck: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[str] = mapped_column(String(30))
    self_assessed_on: Mapped[date | None] = mapped_column(Date)
    respondents: Mapped[int | None] = mapped_column(Integer)
    satisfaction: Mapped[float | None] = mapped_column(Float)  # 0..100
    questionnaire: Mapped[dict | None] = mapped_column(JSON)
    declared_on: Mapped[date | None] = mapped_column(Date)
    checkup_result_id: Mapped[int | None] = mapped_column(ForeignKey("checkup_result.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    review_passed: Mapped[bool | None] = mapped_column(Boolean)
    review_note: Mapped[str | None] = mapped_column(Text)
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    verdict: Mapped[str | None] = mapped_column(String(20))  # accepted | rejected
    verdict_note: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[date | None] = mapped_column(Date)
    plaque_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    circle: Mapped[Circle] = relationship()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SubsidyRule(Base):
    __tablename__ = "subsidy_rule"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade: Mapped[str] = mapped_column(String(10))
    amount_yuan: Mapped[int] = mapped_column(BigInteger)
    from_year: Mapped[int] = mapped_column(Integer)
    to_year: Mapped[int] = mapped_column(Integer)
    require_published: Mapped[bool] = mapped_column(Boolean, default=True)
    min_satisfaction: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)


class SubsidyPayment(Base):
    """What became of one evaluation's subsidy: paid, withheld after a failed re-check,
    due to be reclaimed (paid, then the re-check failed) or reclaimed."""

    __tablename__ = "subsidy_payment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # paid | withheld | reclaim_due | reclaimed
    amount_yuan: Mapped[int] = mapped_column(BigInteger)  # paid, or what was due and withheld
    paid_on: Mapped[date | None] = mapped_column(Date)
    recheck_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation.id"))
    decided_on: Mapped[date | None] = mapped_column(Date)  # withheld / reclaim decided
    reclaimed_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    evaluation: Mapped[Evaluation] = relationship(foreign_keys=[evaluation_id])
    recheck: Mapped[Evaluation | None] = relationship(foreign_keys=[recheck_id])
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Bulletin(Base):
    """A 通报 of one period; ``year`` and ``number`` make its 期号 (numbered per year of issue)."""

    __tablename__ = "bulletin"
    __table_args__ = (UniqueConstraint("year", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)
    as_of: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON)
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    issued_on: Mapped[date | None] = mapped_column(Date)


class Supervision(Base):
    """督办整改: one criticism of a bulletin (通报批评), its deadline and its follow-up."""

    __tablename__ = "supervision"
    __table_args__ = (UniqueConstraint("bulletin_id", "target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletin.id"))
    target: Mapped[str] = mapped_column(String(100))  # the unit, street or person criticised
    kind: Mapped[str] = mapped_column(String(20))  # unit | street | person
    person: Mapped[str | None] = mapped_column(String(100))  # who answers for it, if named
    reason: Mapped[str] = mapped_column(Text)
    opened_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | rectified
    closed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    bulletin: Mapped[Bulletin] = relationship()
    notes: Mapped[list[SupervisionNote]] = relationship(
        back_populates="supervision", order_by="SupervisionNote.id"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SupervisionNote(Base):
    """A follow-up of a 督办 record: what was done or found, on a day, by whom."""

    __tablename__ = "supervision_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supervision_id: Mapped[int] = mapped_column(ForeignKey("supervision.id"))
    noted_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    supervision: Mapped[Supervision] = relationship(back_populates="notes")


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))  # insert | update | delete
    table_name: Mapped[str] = mapped_column(String(50))
    row_key: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


# --- accounts of the web platform -----------------------------------------------------------

user_circle = Table(
    "user_circle",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("circle_id", ForeignKey("circle.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """An account of the web platform; its role and scope decide what it may do
    (``workflow.permissions``). The password is kept only as an Argon2 hash."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    street: Mapped[Street | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    circles: Mapped[list[Circle]] = relationship(secondary=user_circle, order_by=Circle.code)


class UserSession(Base):
    """A signed-in browser session; ``id`` is the sha256 of the cookie's token (the token
    itself is never stored)."""

    __tablename__ = "user_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    user: Mapped[User] = relationship()


class AppSetting(Base):
    """Installation settings kept in the database (e.g. the generated signing secret)."""

    __tablename__ = "app_setting"
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ProgrammeVersion(Base):
    """One row whose ``stamp`` changes (a fresh random value) in the same transaction as
    every committed write to the programme: caches of derived views (web pages, API) are
    keyed by it, so a write by any process or worker invalidates them on its commit.
    Written only by ``store.version`` (never through the ORM, so never audited)."""

    __tablename__ = "programme_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[str] = mapped_column(String(32))
    writes: Mapped[int] = mapped_column(BigInteger, default=0)


# --- mobility (aggregates only: no device, no trace) ----------------------------------------


class MobilityRun(Base):
    """One imported mobility result (``lifecircle mobility match`` / ``delineate``): the
    matching degree per circle and community, flows and proposed circles. Only aggregates
    on at least ``k`` devices are stored; nothing names a device."""

    __tablename__ = "mobility_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the content
    title: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    k: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[float] = mapped_column(Float)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict] = mapped_column(JSON)  # match, delineation, comparison, categories
    warnings: Mapped[list] = mapped_column(JSON, default=list)


class MobilityCircle(Base):
    """Matching degree (匹配程度) of one current circle in a run; ``circle_id`` links the
    programme's circle of the same code when there is one."""

    __tablename__ = "mobility_circle"
    __table_args__ = (UniqueConstraint("run_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("mobility_run.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(50))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circle.id", ondelete="SET NULL"))
    resident_trips: Mapped[float | None] = mapped_column(Float)
    own_circle_share: Mapped[float | None] = mapped_column(Float)
    visits: Mapped[float | None] = mapped_column(Float)
    visits_by_own_residents_share: Mapped[float | None] = mapped_column(Float)
    match_index: Mapped[float | None] = mapped_column(Float)
    within_limit_share: Mapped[float | None] = mapped_column(Float)
    mean_walk_m: Mapped[float | None] = mapped_column(Float)
    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)  # WGS-84, when given


class MobilityCommunity(Base):
    """Matching degree of one community's residents, and its proposed circle."""

    __tablename__ = "mobility_community"
    __table_args__ = (UniqueConstraint("run_id", "community"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("mobility_run.id", ondelete="CASCADE"))
    community: Mapped[str] = mapped_column(String(100))
    circle_code: Mapped[str | None] = mapped_column(String(50))
    proposed_code: Mapped[str | None] = mapped_column(String(50))
    trips: Mapped[float | None] = mapped_column(Float)
    own_circle_share: Mapped[float | None] = mapped_column(Float)
    within_limit_share: Mapped[float | None] = mapped_column(Float)
    to_nearest_share: Mapped[float | None] = mapped_column(Float)
    bypass_share: Mapped[float | None] = mapped_column(Float)
    mean_walk_m: Mapped[float | None] = mapped_column(Float)


class MobilityProposedCircle(Base):
    """A circle proposed by delineation (生活圈划分建议), with its quality and outline."""

    __tablename__ = "mobility_proposed_circle"
    __table_args__ = (UniqueConstraint("run_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("mobility_run.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(50))
    communities: Mapped[list] = mapped_column(JSON, default=list)
    population: Mapped[float | None] = mapped_column(Float)
    area_km2: Mapped[float | None] = mapped_column(Float)
    self_containment: Mapped[float | None] = mapped_column(Float)
    capture: Mapped[float | None] = mapped_column(Float)
    contiguous: Mapped[bool] = mapped_column(Boolean, default=True)
    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)  # WGS-84


class MobilityFlow(Base):
    """Aggregated trips from a community to a facility (at least k devices and k trips)."""

    __tablename__ = "mobility_flow"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("mobility_run.id", ondelete="CASCADE"), index=True
    )
    origin: Mapped[str] = mapped_column(String(100))
    destination: Mapped[str] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(50))
    count: Mapped[float] = mapped_column(Float)
    walk_m: Mapped[float | None] = mapped_column(Float)


# --- residents (public pages, no account) ---------------------------------------------------


class ResidentSurvey(Base):
    """One resident's answers to a circle's self-assessment questionnaire (满意度问卷):
    ``answers`` maps a question id (``workflow/data/questionnaire.yaml``) to a score 1..5.
    Anonymous: no name, no contact, no address is kept."""

    __tablename__ = "resident_survey"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    answers: Mapped[dict] = mapped_column(JSON)
    overall: Mapped[int] = mapped_column(Integer)  # 1..5
    community: Mapped[str | None] = mapped_column(String(100))
    circle: Mapped[Circle] = relationship()
    __table_args__ = (Index("ix_resident_survey_circle", "circle_id"),)


class ResidentFeedback(Base):
    """A resident's message about a circle. ``name`` and ``phone`` are personal data: shown
    only to the circle's leader, its street and the district, never on a public page."""

    __tablename__ = "resident_feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    topic: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="new")  # new | handled
    handled_by: Mapped[str | None] = mapped_column(String(100))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    circle: Mapped[Circle] = relationship()
    __table_args__ = (Index("ix_resident_feedback_circle", "circle_id", "status"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
