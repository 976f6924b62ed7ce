"""Issued bulletins as the 简报 page lists them, and their files rendered on demand from the
stored content (the content is what was issued; the files are its Word and Excel forms)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import InputError, RuleError
from lifecircle.store.models import Bulletin
from lifecircle.workflow.bulletin_files import render_docx, render_xlsx, title
from lifecircle.workflow.bulletins import file_stem, period_end

FORMATS = {"docx": "Word 公文", "xlsx": "Excel 表格"}


@dataclass(frozen=True)
class BulletinEntry:
    """One issued bulletin: its period, 期号, dates and headline counts."""

    bulletin: Bulletin
    title: str

    @property
    def period(self) -> str:
        return self.bulletin.period

    @property
    def issue(self) -> str:
        return str((self.bulletin.data.get("issue") or {}).get("text", ""))

    @property
    def issued_on(self) -> date | None:
        return self.bulletin.issued_on

    @property
    def summary(self) -> dict:
        return dict(self.bulletin.data.get("summary") or {})

    @property
    def praised(self) -> int:
        return len(self.bulletin.data.get("praised") or [])

    @property
    def criticised(self) -> int:
        return len(self.bulletin.data.get("criticised") or [])


def list_bulletins(session: Session) -> list[BulletinEntry]:
    """Every stored bulletin, newest period first."""
    q = select(Bulletin).order_by(Bulletin.period.desc())
    return [BulletinEntry(b, title(b.data)) for b in session.scalars(q)]


def get_bulletin(session: Session, period: str) -> BulletinEntry:
    """The stored bulletin of ``period`` (YYYY-MM).

    Raises
    ------
    InputError
        ``period`` is not YYYY-MM.
    RuleError
        No bulletin of that period has been generated.
    """
    try:
        period_end(period)
    except InputError:
        raise InputError(
            f"通报月份 {period!r} 无效", field="period", fix="按 年-月 填写，如 2024-09"
        ) from None
    b = session.scalar(select(Bulletin).where(Bulletin.period == period))
    if b is None:
        raise RuleError(f"尚未生成 {period} 的通报", fix="在简报页面先生成该月通报")
    return BulletinEntry(b, title(b.data))


def write_file(entry: BulletinEntry, fmt: str, out_dir: str | Path) -> Path:
    """Render the stored bulletin as ``通报_<period>.docx`` or ``.xlsx`` in ``out_dir``."""
    if fmt not in FORMATS:
        raise InputError(f"不支持的格式 {fmt!r}", field="format", fix="可用：docx、xlsx")
    out = Path(out_dir) / f"{file_stem(entry.period)}.{fmt}"
    render = render_docx if fmt == "docx" else render_xlsx
    return render(entry.bulletin.data, out)


def judge_day(period: str, today: date) -> date:
    """The day a bulletin of ``period`` is judged on when generated on ``today``: the
    period's last day, or today while the month is still running."""
    return min(period_end(period), today)


@dataclass(frozen=True)
class PreviewTable:
    heading: str
    head: list[str]
    rows: list[list[object]]


def preview_tables(data: dict) -> list[PreviewTable]:
    """The bulletin's tables as the Word document lays them out (for the HTML preview)."""
    from lifecircle.workflow import bulletin_files as bf

    tables = [
        PreviewTable(
            "全区创建目标",
            ["目标", "要求", "已铺排", "已达标"],
            [[t["label"], t["required"], t["planned"], t["achieved"]] for t in data["totals"]],
        ),
        PreviewTable(
            f"{data['year']}年度创建目标完成情况",
            bf._TARGET_HEAD,
            [bf._target_cells(t) for t in data["targets"]],
        ),
        PreviewTable(
            "各责任单位项目推进情况", bf._UNIT_HEAD, [bf._unit_cells(r) for r in data["units"]]
        ),
        PreviewTable(
            "各街道推进情况", bf._STREET_HEAD, [bf._street_cells(r) for r in data["streets"]]
        ),
        PreviewTable(
            "逾期未完成项目清单",
            bf._OVERDUE_HEAD,
            [bf._overdue_cells(o) for o in data["overdue"]],
        ),
    ]
    if data.get("supervision"):
        tables.append(
            PreviewTable(
                "前期督办整改事项",
                bf._SUPERVISION_HEAD,
                [bf._supervision_cells(r) for r in data["supervision"]],
            )
        )
    return tables
