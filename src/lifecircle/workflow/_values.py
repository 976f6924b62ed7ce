"""Cell values as offices write them: grades (AA型, 创建AAA, √), years, dates, money, circles."""

from __future__ import annotations

import calendar
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.store.models import Circle
from lifecircle.workflow.units import street_key

if TYPE_CHECKING:
    from lifecircle.workflow.imports import ImportReport, ImportTable

_FULLWIDTH = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
)
_GRADE_WORDS = re.compile(r"创建|达标|目标|等级|绿色完整|居住社区|社区|型|级|类|标准|\s")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
CHECK_MARKS = frozenset({"√", "✓", "✔", "☑", "●", "★", "▲", "是", "Y", "YES", "1", "V"})
EMPTY_MARKS = frozenset({"", "-", "—", "——", "/", "无", "否", "×", "✗", "N", "NO", "0"})
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2}|底|末)?\s*日?\s*)?$")
_MONTH_END = re.compile(r"^(\d{1,2})\s*月\s*(底|末|\d{1,2}\s*日?)?$")


def fullwidth_to_ascii(text: object) -> str:
    """ＡＡ → AA, ２０２４ → 2024 (full-width letters, digits and signs)."""
    return str(text or "").translate(_FULLWIDTH)


def parse_grades(text: object) -> list[str]:
    """The grades a cell names: ``AA``, ``AA型``, ``创建AAA型``, ``3A``, ``AA、AAA``.

    Returns
    -------
    list of str
        ``["AA"]``, ``["AAA"]``, ``["AA", "AAA"]``, or ``[]`` when the cell names none.
    """
    raw = fullwidth_to_ascii(text).upper()
    raw = raw.replace("三A", "AAA").replace("3A", "AAA").replace("两A", "AA")
    raw = raw.replace("二A", "AA").replace("2A", "AA")
    out = []
    for part in re.split(r"[、,，;；/+和及]", raw):
        token = _GRADE_WORDS.sub("", part)
        if token in ("AA", "AAA") and token not in out:
            out.append(token)
    return out


def parse_grade(text: object) -> str | None:
    """One grade (``AA``/``AAA``) from a cell, or None when it names none or both."""
    grades = parse_grades(text)
    return grades[0] if len(grades) == 1 else None


def check_grade(value: str) -> str:
    """``AA`` or ``AAA`` from what a user typed (``AA``, ``AA型``, ``三A``, ``ＡＡＡ``)."""
    from lifecircle.errors import RuleError

    grade = parse_grade(value)
    if grade is None:
        raise RuleError(f"等级“{value}”无法识别", fix="写 AA 或 AAA（也认 AA型、AAA型）")
    return grade


def is_check_mark(text: object) -> bool:
    """√ ✓ ● 是 1 …: "yes" in a matrix whose header carries the grade."""
    return fullwidth_to_ascii(text).strip().upper() in CHECK_MARKS


def is_empty_mark(text: object) -> bool:
    """Empty, ``-``, ``/``, 无, × …: nothing in that cell."""
    return text is None or fullwidth_to_ascii(text).strip().upper() in EMPTY_MARKS


def header_year(text: object) -> int | None:
    """The year a column header names (``2023``, ``2023年``, ``创建年度/2023年度``)."""
    years = _YEAR.findall(fullwidth_to_ascii(text))
    return int(years[0]) if len(set(years)) == 1 else None


def parse_year(text: object) -> int | None:
    """A year cell: ``2024``, ``2024年``, ``2024.0``, ``2024年度``; None otherwise."""
    raw = fullwidth_to_ascii(text).strip()
    m = re.fullmatch(r"(20\d{2})(?:\.0+)?\s*(?:年度?|年)?", raw)
    return int(m[1]) if m else None


def parse_date(text: object, *, year: int | None = None) -> date | None:
    """A date as offices write it, or None.

    ``2024-09-30``, ``2024/9/30``, ``2024.9.30``, ``2024年9月30日``, ``2024年9月底``
    (the month's last day), ``2024-09`` (its last day), ``2024年底``, and with ``year`` given,
    ``9月30日`` or ``9月底``. Impossible dates (2025-02-30) give None.
    """
    raw = fullwidth_to_ascii(text).strip()
    raw = re.sub(r"\s+00:00(:00)?$", "", raw)
    end = re.fullmatch(r"(\d{4})\s*年\s*(底|末|年底|年末)", raw)
    if end:
        return date(int(end[1]), 12, 31)
    m = _DATE.match(raw)
    y: int | None
    if m:
        y, mo, d = int(m[1]), int(m[2]), m[3]
    else:
        m2 = _MONTH_END.match(raw)
        if not m2 or year is None:
            return None
        y, mo, d = year, int(m2[1]), (m2[2] or "底")
    try:
        last = calendar.monthrange(y, mo)[1]
        day = last if d in (None, "底", "末") else int(str(d).rstrip("日").strip())
        return date(y, mo, day)
    except ValueError:
        return None


def parse_amount(text: object) -> float | None:
    """A number as written in a money cell: ``1,200.5``, ``120万``, ``3.5亿`` (in 万 units
    when the cell says 万, ×10⁴ for 亿); None when it is not a finite number."""
    raw = fullwidth_to_ascii(text).strip().replace(",", "").replace("，", "")
    factor = 1.0
    for suffix, f in (("亿元", 1e4), ("亿", 1e4), ("万元", 1.0), ("万", 1.0), ("元", None)):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)].strip()
            if f is None:
                return None  # 元 inside a 万元 column: the caller decides
            factor = f
            break
    try:
        value = float(raw) * factor
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def circle_key(text: object) -> str:
    """A circle name as compared: no spaces, no 生活圈 / 一刻钟 / 居住社区 words."""
    key = re.sub(r"\s+", "", fullwidth_to_ascii(text))
    return re.sub(r"一刻钟|15分钟|十五分钟|城市居住社区|居住社区|生活圈|[“”\"]", "", key)


def code_key(text: object) -> str:
    """A circle code as compared: upper case, leading zeros of its number dropped (C1 = C01)."""
    raw = fullwidth_to_ascii(text).strip().upper()
    return re.sub(r"(?<=\D)0+(?=\d)", "", raw)


@dataclass
class CircleFinder:
    """The circles of the database, found by code or name as a file writes them."""

    circles: list[Circle] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session) -> CircleFinder:
        return cls(list(session.scalars(select(Circle).order_by(Circle.code))))

    def by_code(self, text: object) -> Circle | None:
        raw = str(text or "").strip()
        for c in self.circles:
            if c.code == raw:
                return c
        hits = [c for c in self.circles if code_key(c.code) == code_key(raw)]
        return hits[0] if len(hits) == 1 else None

    def by_name(self, text: object, *, street: object = None) -> list[Circle]:
        """Circles of that name (exact, else without 生活圈 etc.); when several, those on
        ``street`` if given (a circle on another street is still returned, for the caller
        to name the street that disagrees)."""
        raw = str(text or "").strip()
        hits = [c for c in self.circles if c.name == raw] or [
            c for c in self.circles if circle_key(c.name) == circle_key(raw)
        ]
        if street and len(hits) > 1:
            on_street = [c for c in hits if street_key(c.street.name) == street_key(street)]
            return on_street or hits
        return hits

    def suggest(self, text: object) -> list[str]:
        """Codes and names close to ``text``."""
        names = {f"{c.code} {c.name}": circle_key(c.name) for c in self.circles}
        names |= {f"{c.code} {c.name} ": code_key(c.code) for c in self.circles}
        key = circle_key(text) or code_key(text)
        near = difflib.get_close_matches(key, list(names.values()), n=3, cutoff=0.5)
        return list(dict.fromkeys(k.strip() for k, v in names.items() if v in near))[:3]


def resolve_circle(
    table: ImportTable,
    report: ImportReport,
    finder: CircleFinder,
    row: int,
    rec: Mapping[str, str | None],
) -> Circle | None:
    """The circle a row names by ``circle_id`` and/or ``circle_name`` (checked against each
    other and against ``street`` when given); None after reporting why not."""
    code, name, street = rec.get("circle_id"), rec.get("circle_name"), rec.get("street")
    circle: Circle | None = None
    if code:
        circle = finder.by_code(code)
        if circle is None:
            near = finder.suggest(code)
            report.add(
                table.problem(
                    f"数据库中没有编号为“{code}”的生活圈",
                    row=row,
                    field="circle_id",
                    value=code,
                    fix=(f"是否是：{'、'.join(near)}？" if near else "")
                    + "请用生活圈清单（附件1）中的编号，或先导入生活圈清单",
                )
            )
            return None
        if name and circle_key(name) != circle_key(circle.name):
            report.add(
                table.problem(
                    f"编号 {circle.code} 的生活圈叫“{circle.name}”，表中写的是“{name}”",
                    row=row,
                    field="circle_name",
                    value=name,
                    fix="核对这一行的生活圈编号和名称是否对应（是否错行）",
                )
            )
            return None
    elif name:
        hits = finder.by_name(name, street=street)
        if not hits:
            near = finder.suggest(name)
            report.add(
                table.problem(
                    f"数据库中没有名为“{name}”的生活圈",
                    row=row,
                    field="circle_name",
                    value=name,
                    fix=(f"是否是：{'、'.join(near)}？" if near else "")
                    + "请用生活圈清单（附件1）中的名称或编号",
                )
            )
            return None
        if len(hits) > 1:
            which = "、".join(f"{c.code}（{c.street.name}）" for c in hits)
            report.add(
                table.problem(
                    f"有 {len(hits)} 个生活圈叫“{name}”：{which}",
                    row=row,
                    field="circle_name",
                    value=name,
                    fix="加上“生活圈编号”列，或用“街道”列区分",
                )
            )
            return None
        circle = hits[0]
    else:
        report.add(
            table.problem(
                "没有写生活圈",
                row=row,
                field="circle_id" if "circle_id" in table.columns else "circle_name",
                fix="填写生活圈编号或生活圈名称",
            )
        )
        return None
    if street and street_key(street) != street_key(circle.street.name):
        report.add(
            table.problem(
                f"生活圈 {circle.code} {circle.name} 属于{circle.street.name}，表中写的是“{street}”",
                row=row,
                field="street",
                value=street,
                fix=f"改为{circle.street.name}，或核对生活圈编号",
            )
        )
        return None
    return circle
