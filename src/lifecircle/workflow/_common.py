"""Shared helpers of the service layer: lookups, optimistic locking, table reading."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from lifecircle.errors import ConflictError, FileFormatError, InputError, RuleError
from lifecircle.store.models import Circle, Street, Unit

T = TypeVar("T")


ENTITY_ZH = {
    "record": "记录",
    "project": "项目",
    "evaluation": "评定",
    "circle": "生活圈",
    "leader": "圈长",
    "session": "会话",
    "subsidy_payment": "奖补拨付",
    "user": "用户",
}


def entity_zh(entity: str) -> str:
    """The Chinese name of a kind of record (``project`` → 项目)."""
    return ENTITY_ZH.get(entity, entity)


def flush(session: Session, entity: str = "record", key: object = None) -> None:
    """Flush; a lost optimistic-lock race becomes a clear ConflictError."""
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(
            f"{entity_zh(entity)} {key} 在您打开之后已被他人修改；请重新打开，再做一次您的修改",
            entity=entity,
            key=key,
        ) from exc


def check_version(obj, expected_version: int | None, entity: str, key: object) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise ConflictError(
            f"{entity_zh(entity)} {key} 已是第 {obj.version} 版，您修改的是第 {expected_version} 版："
            "已被他人修改；请重新打开，再做一次您的修改",
            entity=entity,
            key=key,
        )


#: the largest id or amount a database column holds (SQLite and PostgreSQL BIGINT)
MAX_DB_INT = 2**63 - 1
#: the years a programme date or target may name
YEARS = range(2000, 2101)


def get_row(session: Session, model: type[T], key: object) -> T | None:
    """``session.get`` for an id a user typed: None for an id no column can hold."""
    if isinstance(key, int) and not -MAX_DB_INT <= key <= MAX_DB_INT:
        return None
    return session.get(model, key)


def check_year(year: int, *, field: str = "year") -> int:
    """A year a user typed, refused when no programme could mean it (99999, -1)."""
    if not isinstance(year, int) or year not in YEARS:
        raise InputError(f"年度 {year} 不合理", field=field, fix="写四位数年份，如 2024")
    return year


def check_amount(value: float, *, field: str, limit: float = 1e12) -> float:
    """A sum of money in yuan a user typed: finite, not negative, below ``limit``
    (default 1 万亿元, a typing error above it)."""
    import math

    if not math.isfinite(value) or value < 0 or value > limit:
        raise InputError(
            f"金额 {value} 元不合理（应不小于 0、不超过 {limit:,.0f} 元）",
            field=field,
            fix="以元为单位写金额，如 1200000",
        )
    return value


def get_circle(session: Session, code_or_id: str | int | Circle) -> Circle:
    if isinstance(code_or_id, Circle):
        return code_or_id
    if isinstance(code_or_id, int):
        c = get_row(session, Circle, code_or_id)
    else:
        c = session.scalar(select(Circle).where(Circle.code == str(code_or_id).strip()))
        if c is None:  # C01 for C1, or the circle's name as written (东塘生活圈 / 东塘)
            from lifecircle.workflow._values import CircleFinder

            finder = CircleFinder.load(session)
            c = finder.by_code(code_or_id)
            if c is None:
                named = finder.by_name(code_or_id)
                c = named[0] if len(named) == 1 else None
    if c is None:
        raise RuleError(
            f"没有生活圈 {code_or_id!r}",
            fix="核对生活圈编号；新的生活圈请先导入生活圈清单（lifecircle import circles）",
        )
    return c


def get_unit(session: Session, code_or_name: str | Unit) -> Unit:
    """The unit by code, full name, short name or alias (区住建局; ``workflow.units``)."""
    from lifecircle.workflow.units import UnitDirectory

    if isinstance(code_or_name, Unit):
        return code_or_name
    key = str(code_or_name).strip()
    directory = UnitDirectory.load(session)
    u = directory.find(key)
    if u is None:
        near = directory.suggest(key)
        raise RuleError(
            f"没有责任单位“{key}”",
            fix=(f"是否是：{'、'.join(near)}？" if near else "")
            + "请写单位全称、通用简称或代码（如 区教育局、区住建局），"
            "单位名单由 `lifecircle db upgrade` 写入",
        )
    return u


def get_street(session: Session, name: str) -> Street | None:
    """The street by name, with or without 街道/办事处 (``workflow.units.find_street``)."""
    from lifecircle.workflow.units import find_street

    return find_street(session, name)


def read_table(path: str | os.PathLike, aliases: dict[str, tuple[str, ...]]) -> list[dict]:
    """Rows of a CSV (UTF-8/UTF-8-SIG/GB18030) or XLSX as dicts keyed by canonical names.

    ``aliases`` maps a canonical column to the headers it may appear under (English/中文).
    """
    import pandas as pd

    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, dtype=str)
        elif suffix == ".csv":
            df = None
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    df = pd.read_csv(path, dtype=str, encoding=enc)
                    break
                except UnicodeDecodeError:
                    continue
            if df is None:
                raise FileFormatError(
                    "无法识别 CSV 的文字编码", file=str(path), fix="另存为 UTF-8 或 GBK 编码的 CSV"
                )
        else:
            raise FileFormatError(
                f"不支持的文件类型 {suffix!r}", file=str(path), fix="请用 .csv 或 .xlsx 文件"
            )
    except (OSError, ValueError) as exc:
        raise FileFormatError(
            f"无法读取：{exc}", file=str(path), fix="确认文件存在、未被占用且未损坏"
        ) from exc
    rename = {}
    for col in df.columns:
        name = str(col).strip()
        for canon, names in aliases.items():
            if name == canon or name in names:
                rename[col] = canon
    df = df.rename(columns=rename)
    rows = []
    for rec in df.to_dict("records"):
        rows.append(
            {
                k: (None if (v is None or (isinstance(v, float) and v != v)) else str(v).strip())
                for k, v in rec.items()
            }
        )
    return rows


def require(row: dict, field: str, *, file: str, row_no: int, fix: str) -> str:
    value = row.get(field)
    if value is None or value == "":
        raise InputError("没有填写", file=file, row=row_no, field=field, fix=fix)
    return value


def as_int(value, *, file: str, row_no: int, field: str, fix: str, parse: Callable = int) -> int:
    try:
        return parse(float(value)) if parse is int else parse(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{value!r} 不是数字", file=file, row=row_no, field=field, fix=fix
        ) from None
