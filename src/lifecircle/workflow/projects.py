"""The project library (项目库): projects, their state machine with history, evidence, overdue."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lifecircle.errors import RuleError
from lifecircle.store.audit import get_actor
from lifecircle.store.models import (
    Circle,
    EvidenceFile,
    Project,
    ProjectStatusChange,
    Unit,
    project_unit,
)
from lifecircle.workflow import config
from lifecircle.workflow._common import (
    check_amount,
    check_version,
    flush,
    get_circle,
    get_row,
    get_unit,
)
from lifecircle.workflow.choices import STATUS_ZH, parse_funding, parse_project_type
from lifecircle.workflow.choices import parse_status as parse_status_code
from lifecircle.workflow.evidence_store import EvidenceStore

STATUSES = ("planned", "approved", "in_progress", "completed", "verified", "delayed", "cancelled")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "planned": ("approved", "delayed", "cancelled"),
    "approved": ("in_progress", "delayed", "cancelled"),
    "in_progress": ("completed", "delayed", "cancelled"),
    "delayed": ("approved", "in_progress", "cancelled"),
    "completed": ("verified", "in_progress"),
    "verified": (),
    "cancelled": (),
}
OPEN = ("planned", "approved", "in_progress", "delayed")
DONE = ("completed", "verified")
EDITABLE = (
    "name",
    "budget_yuan",
    "funding_source",
    "start_date",
    "due_date",
    "note",
    "indicator_ids",
    "project_type",
)


class CodeTaken(RuleError):
    """A project with this code exists already (someone may have just created it)."""


def _project(session: Session, code_or_id: str | int | Project) -> Project:
    if isinstance(code_or_id, Project):
        return code_or_id
    if isinstance(code_or_id, int):
        p = get_row(session, Project, code_or_id)
    else:
        p = session.scalar(select(Project).where(Project.code == code_or_id))
    if p is None:
        raise RuleError(f"没有项目 {code_or_id!r}", fix="用 `lifecircle project list` 查看项目编号")
    return p


get_project = _project


def parse_status(value: str) -> str:
    """A status code from its code, its Chinese name or a synonym (在建、实施中 → in_progress)."""
    code = parse_status_code(str(value or ""))
    if code is None:
        raise RuleError(
            f"未知项目状态 {value!r}",
            fix="写以下之一：" + "、".join(f"{z}（{c}）" for c, z in STATUS_ZH.items()),
        )
    return code


def _check_type(value: str) -> str:
    code = parse_project_type(str(value or ""))
    if code is None:
        raise RuleError(
            f"未知项目类型 {value!r}",
            fix="写七个统筹之一：" + "、".join(config.project_types().values()),
        )
    return code


def _check_funding(value: str) -> str:
    code = parse_funding(str(value or ""))
    if code is None:
        raise RuleError(
            f"未知资金来源 {value!r}",
            fix="写以下之一：" + "、".join(config.funding_sources().values()),
        )
    return code


@dataclass(frozen=True, kw_only=True)
class NewProject:
    """One project to create: the arguments of `create_project` but the session."""

    code: str
    name: str
    circle: str
    project_type: str
    lead_unit: str
    due_date: date
    on: date
    co_units: tuple[str, ...] | list[str] = ()
    indicator_ids: tuple[str, ...] | list[str] = ()
    budget_yuan: int = 0
    funding_source: str = "district_finance"
    start_date: date | None = None
    note: str | None = None


def create_project(
    session: Session,
    *,
    code: str,
    name: str,
    circle: str,
    project_type: str,
    lead_unit: str,
    due_date: date,
    on: date,
    co_units: tuple[str, ...] | list[str] = (),
    indicator_ids: tuple[str, ...] | list[str] = (),
    budget_yuan: int = 0,
    funding_source: str = "district_finance",
    start_date: date | None = None,
    note: str | None = None,
) -> Project:
    """A new project in state ``planned``; its history starts with that entry."""
    if session.scalar(select(Project).where(Project.code == code)) is not None:
        raise _code_taken(code)
    spec = NewProject(
        code=code,
        name=name,
        circle=circle,
        project_type=project_type,
        lead_unit=lead_unit,
        due_date=due_date,
        on=on,
        co_units=co_units,
        indicator_ids=indicator_ids,
        budget_yuan=budget_yuan,
        funding_source=funding_source,
        start_date=start_date,
        note=note,
    )
    p, co = _add_project(session, spec, {})
    p.co_units = co
    flush(session)
    return p


def create_projects(session: Session, specs: Sequence[NewProject]) -> list[Project]:
    """New projects in state ``planned``, as `create_project` called for each in turn makes
    them (the same checks, rows, ids and audit entries, in this order), in one flush.

    A programme plans a circle's projects together: one query for the codes, one per
    circle and one flush instead of three round trips per project. The checks run project
    by project, so the first that fails is the one `create_project` would have refused;
    the projects before it are then added but not flushed (the caller rolls back).

    Parameters
    ----------
    session : Session
        Open session (the caller commits).
    specs : sequence of NewProject
        The projects, in the order of their ids.

    Returns
    -------
    list of Project
        Flushed (ids set), in the order of ``specs``.
    """
    if not specs:
        return []
    if session.autoflush:  # what the first code lookup of `create_project` flushes
        flush(session)
    codes = list(dict.fromkeys(spec.code for spec in specs))
    taken = set(session.scalars(select(Project.code).where(Project.code.in_(codes))))
    circles: dict[str, Circle] = {}
    made = []
    # the new projects stay pending until the one flush at the end: no lookup may flush them
    with session.no_autoflush:
        for spec in specs:
            if spec.code in taken:
                raise _code_taken(spec.code)
            made.append(_add_project(session, spec, circles))
            taken.add(spec.code)
    flush(session)
    # the co-units are written after the flush, project by project: a flush writes the
    # association rows of many projects in no fixed order (one at a time kept this one)
    links = [{"project_id": p.id, "unit_id": u.id} for p, co in made for u in co]
    if links:
        session.connection().execute(insert(project_unit), links)
    for p, co in made:
        set_committed_value(p, "co_units", co)
    return [p for p, _ in made]


def _code_taken(code: str) -> CodeTaken:
    return CodeTaken(f"项目编号 {code} 已被使用", fix="换一个编号，或留空由系统自动编号")


def _add_project(
    session: Session, spec: NewProject, circles: dict[str, Circle]
) -> tuple[Project, list[Unit]]:
    """The checked project of ``spec`` added to the session (not flushed), and its
    co-units (not yet given to it); ``circles`` keeps the circles looked up before."""
    check_amount(spec.budget_yuan, field="budget")
    if spec.start_date and spec.start_date > spec.due_date:
        raise RuleError("开工日期晚于完成时限", fix="核对开工日期和完成时限")
    lead = get_unit(session, spec.lead_unit)
    co = [get_unit(session, u) for u in spec.co_units]
    if any(u.id == lead.id for u in co):
        raise RuleError("牵头单位又列为配合单位", fix="配合单位中去掉牵头单位")
    circle = circles.get(spec.circle)
    if circle is None:  # looked up here, after the units, as the checks always ran
        circle = circles[spec.circle] = get_circle(session, spec.circle)
    p = Project(
        code=spec.code,
        name=spec.name,
        circle_id=circle.id,
        project_type=_check_type(spec.project_type),
        lead_unit_id=lead.id,
        indicator_ids=list(spec.indicator_ids),
        budget_yuan=int(spec.budget_yuan),
        funding_source=_check_funding(spec.funding_source),
        start_date=spec.start_date,
        due_date=spec.due_date,
        original_due_date=spec.due_date,
        status="planned",
        progress=0,
        note=spec.note,
        # given with the project: one flush writes both (the project's audit entry first,
        # as when they were flushed one after the other), and the new project's empty
        # history is not read back from the database
        history=[
            ProjectStatusChange(
                from_status=None,
                to_status="planned",
                on=spec.on,
                actor=get_actor(session),
                note="新建项目",
            )
        ],
    )
    session.add(p)
    return p, co


def transition(
    session: Session,
    project: str | int | Project,
    to_status: str,
    *,
    on: date,
    expected_version: int | None = None,
    note: str | None = None,
    new_due_date: date | None = None,
) -> Project:
    """Move a project along its state machine (history recorded).

    ``completed`` sets the completion date to ``on``; ``verified`` needs at least one evidence
    file; ``delayed`` and ``cancelled`` need a note (the reason), ``delayed`` may carry a new due
    date (the original stays in the history, and lateness is judged by the original date).
    """
    p = _project(session, project)
    check_version(p, expected_version, "project", p.code)
    to_status = parse_status(to_status)
    if to_status not in TRANSITIONS[p.status]:
        allowed = "、".join(STATUS_ZH[s] for s in TRANSITIONS[p.status]) or "无（已是最终状态）"
        raise RuleError(
            f"项目 {p.code} 不能从“{STATUS_ZH[p.status]}”变为“{STATUS_ZH[to_status]}”",
            fix=f"“{STATUS_ZH[p.status]}”之后只能变为：{allowed}",
        )
    if to_status == "verified":
        n = len(evidence_of(session, p.id))
        if n == 0:
            raise RuleError(
                f"项目 {p.code} 还没有佐证材料，不能验收",
                fix="先上传验收佐证材料（lifecircle project evidence）",
            )
    if to_status in ("delayed", "cancelled") and not (note and note.strip()):
        raise RuleError(f"“{STATUS_ZH[to_status]}”须写明原因", fix="用 --note 写明原因")
    if on < max((h.on for h in p.history), default=on):
        raise RuleError("日期早于项目上一次变更的日期", fix="核对日期")
    text = note
    if new_due_date is not None:
        if to_status != "delayed":
            raise RuleError(
                "只有“延期”时才能调整完成时限", fix="状态写“延期”，再用 --new-due 给出新时限"
            )
        text = f"{note}（原定完成 {p.due_date.isoformat()}，调整为 {new_due_date.isoformat()}）"
        p.due_date = new_due_date
    if to_status == "completed":
        p.completed_date = on
        p.progress = 100
    if to_status == "in_progress" and p.status == "completed":
        p.completed_date = None
    p.history.append(
        ProjectStatusChange(
            from_status=p.status,
            to_status=to_status,
            on=on,
            actor=get_actor(session),
            note=text,
        )
    )
    p.status = to_status
    flush(session, "project", p.code)
    return p


def update_project(
    session: Session, project: str | int | Project, *, expected_version: int | None, **fields
) -> Project:
    """Edit a project's plain fields (optimistic: ``expected_version`` is the version you saw)."""
    p = _project(session, project)
    check_version(p, expected_version, "project", p.code)
    for k, v in fields.items():
        if k not in EDITABLE:
            raise RuleError(
                f"字段 {k!r} 不能在这里修改",
                fix=f"可修改：{'、'.join(EDITABLE)}；状态请用状态变更",
            )
        if k == "project_type":
            v = _check_type(v)
        if k == "funding_source":
            v = _check_funding(v)
        if k == "budget_yuan":
            check_amount(int(v), field="budget")
        setattr(p, k, v)
    flush(session, "project", p.code)
    return p


def report_progress(
    session: Session,
    project: str | int | Project,
    progress: int,
    *,
    expected_version: int | None = None,
) -> Project:
    p = _project(session, project)
    check_version(p, expected_version, "project", p.code)
    if not 0 <= progress <= 100:
        raise RuleError(f"进度 {progress} 不在 0～100 之间", fix="写百分数，如 60")
    if p.status not in ("approved", "in_progress", "delayed"):
        raise RuleError(
            f"项目 {p.code} 处于“{STATUS_ZH[p.status]}”，不报送进度",
            fix="进度只对已立项、在建、延期的项目报送",
        )
    p.progress = progress
    flush(session, "project", p.code)
    return p


def store_evidence(
    session: Session,
    filename: str,
    content: bytes,
    *,
    project_id: int | None = None,
    evaluation_id: int | None = None,
    store: EvidenceStore | None = None,
) -> EvidenceFile:
    """Record an evidence file with its sha256; its bytes go to ``store`` (the evidence
    folder, named by the checksum) when given, else into the database row."""
    if not content:
        raise RuleError(f"佐证文件 {filename} 是空文件", fix="上传实际的佐证材料")
    sha = store.put(content) if store is not None else hashlib.sha256(content).hexdigest()
    ev = EvidenceFile(
        project_id=project_id,
        evaluation_id=evaluation_id,
        filename=filename,
        sha256=sha,
        size=len(content),
        content=None if store is not None else content,
        uploaded_by=get_actor(session),
    )
    session.add(ev)
    flush(session)
    return ev


def attach_evidence(
    session: Session, project: str | int | Project, filename: str, content: bytes
) -> EvidenceFile:
    """Store an evidence file (content and sha256) on a project."""
    p = _project(session, project)
    if p.status == "cancelled":
        raise RuleError(f"项目 {p.code} 已取消", fix="佐证材料只对未取消的项目上传")
    return store_evidence(session, filename, content, project_id=p.id)


def evidence_of(session: Session, project_id: int) -> list[EvidenceFile]:
    return list(
        session.scalars(
            select(EvidenceFile)
            .where(EvidenceFile.project_id == project_id)
            .order_by(EvidenceFile.id)
        )
    )


def evidence_content(ev: EvidenceFile, store: EvidenceStore | None = None) -> bytes:
    """The bytes of an evidence file, from its row or from the evidence folder."""
    if ev.content is not None:
        return ev.content
    if store is None:
        raise RuleError(
            f"佐证材料 {ev.filename} 保存在材料目录中", fix="指定材料目录（LIFECIRCLE_DATA_DIR）"
        )
    return store.read(ev.sha256)


def verify_evidence(ev: EvidenceFile, store: EvidenceStore | None = None) -> bool:
    """True when the stored content still matches its checksum."""
    try:
        content = evidence_content(ev, store)
    except RuleError:
        return False
    return hashlib.sha256(content).hexdigest() == ev.sha256


def original_due(p: Project) -> date:
    return p.original_due_date or p.due_date


@dataclass(frozen=True)
class Timeliness:
    code: str  # on_time | late | overdue | pending | cancelled
    zh: str
    days_late: int


def timeliness(p: Project, today: date) -> Timeliness:
    """Judge a project against its original due date on ``today``: done on time, done late,
    overdue (open past due), pending (open, not yet due) or cancelled."""
    due = original_due(p)
    if p.status == "cancelled":
        return Timeliness("cancelled", "已取消", 0)
    if p.status in DONE and p.completed_date is not None and p.completed_date <= today:
        late = (p.completed_date - due).days
        return (
            Timeliness("on_time", "按期完成", 0)
            if late <= 0
            else Timeliness("late", "逾期完成", late)
        )
    if today > due:
        return Timeliness("overdue", "逾期未完成", (today - due).days)
    return Timeliness("pending", "推进中", 0)


def is_overdue(p: Project, today: date) -> bool:
    return timeliness(p, today).code == "overdue"


def list_projects(
    session: Session,
    *,
    circle: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    overdue_on: date | None = None,
) -> list[Project]:
    q = select(Project).order_by(Project.code)
    if circle:
        q = q.where(Project.circle_id == get_circle(session, circle).id)
    if unit:
        q = q.where(Project.lead_unit_id == get_unit(session, unit).id)
    if status:
        q = q.where(Project.status == parse_status(status))
    out = list(session.scalars(q))
    if overdue_on is not None:
        out = [p for p in out if is_overdue(p, overdue_on)]
    return out


def judge_projects(
    session: Session,
    *,
    on: date,
    circle: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    overdue_only: bool = False,
) -> list[tuple[Project, Timeliness]]:
    """Projects (filtered as ``list_projects``) each with its timeliness on the day ``on``.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    on : datetime.date
        The day they are judged on.
    circle, unit, status : str, optional
        Filters: circle code, unit code or name, status code.
    overdue_only : bool, default False
        Only projects overdue on ``on``.

    Returns
    -------
    list of (Project, Timeliness)
        In project code order.
    """
    rows = list_projects(
        session, circle=circle, unit=unit, status=status, overdue_on=on if overdue_only else None
    )
    return [(p, timeliness(p, on)) for p in rows]
