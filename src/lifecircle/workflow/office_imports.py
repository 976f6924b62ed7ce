"""Imports by upload (web and API): which office files can be imported, and one entry that
checks an uploaded file (validation report, nothing written) or commits it. The checkup
result comes in the same shape: a report first, then the commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import InputError
from lifecircle.store.models import CheckupRun, Circle
from lifecircle.workflow.imports import ImportReport, Problem, run_import
from lifecircle.workflow.staging import Staged, find, unpack

Runner = Callable[[Session, Path, bool, str | None, date], ImportReport]


@dataclass(frozen=True)
class ImportKind:
    code: str
    zh: str
    hint: str
    suffixes: tuple[str, ...]
    run: Runner


def _circles(s: Session, p: Path, commit: bool, sheet: str | None, on: date) -> ImportReport:
    from lifecircle.workflow.place_imports import import_circles

    return import_circles(s, p, commit=commit, sheet=sheet)


def _schedule(s: Session, p: Path, commit: bool, sheet: str | None, on: date) -> ImportReport:
    from lifecircle.workflow.schedule_import import import_schedule_file

    return import_schedule_file(s, p, commit=commit, sheet=sheet)


def _projects(s: Session, p: Path, commit: bool, sheet: str | None, on: date) -> ImportReport:
    from lifecircle.workflow.project_import import import_projects

    return import_projects(s, p, commit=commit, sheet=sheet, on=on)


def _leaders(s: Session, p: Path, commit: bool, sheet: str | None, on: date) -> ImportReport:
    from lifecircle.workflow.leader_import import import_leaders

    return import_leaders(s, p, commit=commit, sheet=sheet, on=on)


def _district(s: Session, p: Path, commit: bool, sheet: str | None, on: date) -> ImportReport:
    from lifecircle.workflow.district_import import import_district

    found = find(p, "district.yaml") if p.is_dir() else None
    if found is None:
        report = ImportReport(kind="district", title="区数据包", file=p.name)
        report.add(
            Problem(
                "压缩包里没有 district.yaml",
                fix="把含 district.yaml 的数据包文件夹整个压缩为 zip 后上传",
                file=p.name,
            )
        )
        return report
    return import_district(s, found.parent, commit=commit)


def _checkup(s: Session, p: Path, commit: bool, sheet: str | None, on: date) -> ImportReport:
    return check_checkup(s, p, commit=commit)


TABLES = (".csv", ".xlsx", ".xlsm")
KINDS: dict[str, ImportKind] = {
    k.code: k
    for k in (
        ImportKind(
            "circles",
            "生活圈清单（附件1）",
            "列：生活圈编号、生活圈名称、街道、社区；也可为带边界的 GeoPackage / GeoJSON 图层",
            (*TABLES, ".gpkg", ".geojson"),
            _circles,
        ),
        ImportKind(
            "schedule",
            "任务铺排表（附件2）",
            "长表（年度、生活圈、目标等级、完成时限）或 生活圈×年度 矩阵",
            TABLES,
            _schedule,
        ),
        ImportKind(
            "projects",
            "项目库",
            "列：项目名称、生活圈、牵头单位、项目类型、项目状态、投资（万元）、完成时限等",
            TABLES,
            _projects,
        ),
        ImportKind(
            "leaders",
            "圈长名单",
            "列：角色、姓名、职务、单位、街道、生活圈、联系电话、任职日期",
            TABLES,
            _leaders,
        ),
        ImportKind(
            "district",
            "区数据包",
            "含 district.yaml 的数据包文件夹，压缩为 .zip 上传",
            (".zip",),
            _district,
        ),
        ImportKind(
            "checkup",
            "体检结果",
            "lifecircle checkup 输出的 checkup.json，或整个输出文件夹压缩为 .zip（含生活圈边界）",
            (".json", ".zip"),
            _checkup,
        ),
    )
}


def parse_kind(value: str) -> ImportKind:
    """An import kind from its code or Chinese name (``项目库`` → projects)."""
    v = (value or "").strip()
    for k in KINDS.values():
        if v in (k.code, k.zh, k.zh.split("（")[0]):
            return k
    raise InputError(
        f"未知的导入内容 {value!r}",
        field="kind",
        fix="可选：" + "、".join(f"{k.code}（{k.zh}）" for k in KINDS.values()),
    )


def check_staged(session: Session, staged: Staged, *, commit: bool, on: date) -> ImportReport:
    """Check (and with ``commit`` write, when the report holds no error) a staged upload.

    A file of the wrong type, or an archive that cannot be unpacked, is an error of the
    report; nothing is written then.
    """
    kind = parse_kind(staged.kind)
    suffix = staged.file.suffix.lower()
    if suffix not in kind.suffixes:
        report = ImportReport(kind=kind.code, title=kind.zh, file=staged.name)
        report.add(
            Problem(
                f"{kind.zh}不能是“{suffix or '无扩展名'}”文件",
                fix="可用的文件类型：" + "、".join(kind.suffixes),
                file=staged.name,
            )
        )
        return report
    path = staged.file
    if suffix == ".zip":
        try:
            path = unpack(staged)
        except InputError as exc:
            report = ImportReport(kind=kind.code, title=kind.zh, file=staged.name)
            report.add(Problem(exc.message, fix=exc.fix or "", file=staged.name))
            return report
    report = kind.run(session, path, commit, staged.sheet, on)
    report.file = staged.name
    return report


def check_checkup(session: Session, path: Path, *, commit: bool) -> ImportReport:
    """Check (and with ``commit`` store) a checkup result: ``checkup.json`` or a folder
    holding it (the circle outlines ``circles.gpkg`` beside it are stored too).

    Errors: unreadable or invalid JSON, a run already stored.
    """
    from lifecircle.workflow.checkups import import_checkup, load_checkup_file

    report = ImportReport(kind="checkup", title="体检结果", file=path.name)
    source = path
    if path.is_dir():
        found = find(path, "checkup.json")
        if found is None:
            report.add(
                Problem(
                    "压缩包里没有 checkup.json",
                    fix="把 lifecircle checkup 的输出文件夹整个压缩为 zip 后上传",
                )
            )
            return report
        source = found
    try:
        doc = load_checkup_file(source)
    except InputError as exc:
        report.add(
            Problem(
                f"体检结果无效：{exc.message}",
                fix=exc.fix or "用 lifecircle checkup 重新生成",
                row=exc.row,
                field=exc.field,
                column=exc.field,
            )
        )
        return report
    run = doc.run
    report.rows = len(doc.circles)
    report.table_title = (
        f"{run.district.name} · 体检批次 {run.id} · {run.created:%Y-%m-%d} · "
        f"指标目录 {run.catalogue.id} {run.catalogue.version}"
    )
    if session.scalar(select(CheckupRun).where(CheckupRun.run_key == run.id)) is not None:
        report.add(
            Problem(
                f"体检批次 {run.id} 已导入过",
                fix="无需重复导入；新的体检会有新的批次编号",
                field="run.id",
                column="体检批次",
                value=run.id,
            )
        )
    known = set(session.scalars(select(Circle.code)))
    new = [c.id for c in doc.circles if c.id not in known]
    if new:
        report.add(
            Problem(
                f"{len(new)} 个生活圈尚不在数据库中，将按体检结果新建：{'、'.join(new[:10])}"
                + ("等" if len(new) > 10 else ""),
                severity="提示",
                column="生活圈",
            )
        )
    if run.generated_geometry and run.notice:
        report.add(Problem(run.notice, severity="提示", column="数据说明"))
    outlines = source.parent / "circles.gpkg"
    grades: dict[str, int] = {}
    for c in doc.circles:
        grades[c.grade] = grades.get(c.grade, 0) + 1
    report.layout = (
        f"体检结果：AAA 型 {grades.get('AAA', 0)} 个、AA 型 {grades.get('AA', 0)} 个、"
        f"未达标 {grades.get('NONE', 0)} 个"
    )
    report.counts = {"体检批次": 1, "生活圈体检结果": len(doc.circles), "新建生活圈": len(new)}

    def apply() -> dict[str, int]:
        from lifecircle.workflow.geometry import import_circle_geometry

        import_checkup(session, doc, source=path.name)
        n = import_circle_geometry(session, outlines) if outlines.is_file() else 0
        return {"生活圈边界": n}

    return run_import(session, report, apply, commit=commit)


@dataclass(frozen=True)
class RunEntry:
    """A stored checkup run as the import page lists it."""

    run: CheckupRun
    circles: int

    @property
    def imported_beijing(self) -> str:
        """When it was imported, in Beijing time (stored in UTC)."""
        from datetime import timedelta

        return (self.run.imported_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def checkup_runs(session: Session) -> list[RunEntry]:
    """Stored checkup runs, newest first, with the number of circle results of each."""
    from sqlalchemy import func

    from lifecircle.store.models import CheckupResult as StoredResult

    counts = dict(
        session.execute(
            select(StoredResult.run_id, func.count()).group_by(StoredResult.run_id)
        ).all()
    )
    q = select(CheckupRun).order_by(CheckupRun.created_at.desc(), CheckupRun.id.desc())
    return [RunEntry(r, int(counts.get(r.id, 0))) for r in session.scalars(q)]
