"""Shared helpers of the service layer: lookups, optimistic locking, table reading."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from lifecircle.errors import ConflictError, FileFormatError, InputError, RuleError
from lifecircle.store.models import Circle, Street, Unit


def flush(session: Session, entity: str = "record", key: object = None) -> None:
    """Flush; a lost optimistic-lock race becomes a clear ConflictError."""
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(
            f"{entity} {key} was changed by someone else since you loaded it; "
            "reload it and apply your change again",
            entity=entity,
            key=key,
        ) from exc


def check_version(obj, expected_version: int | None, entity: str, key: object) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise ConflictError(
            f"{entity} {key} is at version {obj.version}, you edited version "
            f"{expected_version}: someone else changed it; reload and apply your change again",
            entity=entity,
            key=key,
        )


def get_circle(session: Session, code_or_id: str | int | Circle) -> Circle:
    if isinstance(code_or_id, Circle):
        return code_or_id
    if isinstance(code_or_id, int):
        c = session.get(Circle, code_or_id)
    else:
        c = session.scalar(select(Circle).where(Circle.code == str(code_or_id).strip()))
    if c is None:
        raise RuleError(
            f"no circle {code_or_id!r}", fix="import the circle list first (lifecircle import)"
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
                    "cannot decode the CSV", file=str(path), fix="save it as UTF-8 or GBK"
                )
        else:
            raise FileFormatError(
                f"unsupported file type {suffix!r}", file=str(path), fix="give a .csv or .xlsx"
            )
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read: {exc}", file=str(path), fix="check the file") from exc
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
        raise InputError(f"'{field}' is empty", file=file, row=row_no, field=field, fix=fix)
    return value


def as_int(value, *, file: str, row_no: int, field: str, fix: str, parse: Callable = int) -> int:
    try:
        return parse(float(value)) if parse is int else parse(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{value!r} is not a number", file=file, row=row_no, field=field, fix=fix
        ) from None
