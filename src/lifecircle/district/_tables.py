"""Read the package's attribute tables: circles (circle_id, communities) and manual values."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from lifecircle.errors import DistrictError, SchemaError
from lifecircle.io._sniff import file_kind, sniff
from lifecircle.io._tables import read_csv_table, read_xlsx_table
from lifecircle.io.aliases import find_column
from lifecircle.io.schemas import require_filled, require_safe_ids

from .manifest import LayerSpec

#: separators of the communities list of a circle: ; ； 、 , ， and line breaks (one per line
#: in a spreadsheet cell)
COMMUNITY_SEPARATORS = re.compile(r"[;；、,，\n\r]")

CIRCLE_ALIASES: dict[str, tuple[str, ...]] = {
    "circle_id": ("circle_id", "circle", "id", "生活圈编号", "生活圈编码", "编号", "编码"),
    "name": ("name", "circle_name", "生活圈名称", "名称"),
    "street": ("street", "街道", "所属街道", "镇"),
    "communities": ("communities", "community", "社区", "包含社区", "社区名单", "所含社区"),
}
MANUAL_ALIASES: dict[str, tuple[str, ...]] = {
    "scope": ("scope", "circle_id", "范围", "生活圈编号"),
    "indicator_id": ("indicator_id", "indicator", "指标编号", "指标"),
    "value": ("value", "数值", "值"),
    "evidence": ("evidence", "source", "依据", "证明材料", "来源"),
    "date": ("date", "日期", "填报日期"),
}
_DATE = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(?:[ T].*)?$")


def read_table(spec: LayerSpec) -> pd.DataFrame:
    """A CSV or XLSX table of the package, every cell as text."""
    kind = file_kind(spec.path)
    if kind not in ("csv", "xlsx"):
        raise SchemaError(
            f"{spec.key} 图层须为 CSV 或 XLSX 表格，不能是 {spec.path.suffix}",
            file=str(spec.path),
            fix="另存为 .csv（UTF-8 或 GBK 编码）或 .xlsx",
        )
    sniff(spec.path, kind)
    if kind == "csv":
        return read_csv_table(spec.path, encoding=spec.encoding)
    return read_xlsx_table(spec.path, sheet=spec.layer)


def canonical(
    df: pd.DataFrame, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...], source: str
) -> pd.DataFrame:
    """``df`` with its columns renamed to the canonical names of ``aliases``.

    Raises
    ------
    SchemaError
        A ``required`` column that no alias finds (listing the columns there are).
    """
    lookup = {k: v for k, v in aliases.items()}
    mapping: dict[str, str] = {}
    for field, names in lookup.items():
        by_norm = {str(c).strip().lower(): str(c) for c in df.columns}
        hit = next((by_norm[n.lower()] for n in names if n.lower() in by_norm), None)
        if hit is None and field in ("name", "street"):
            hit = find_column(df.columns, field)
        if hit is not None and hit not in mapping:
            mapping[hit] = field
    out = df.rename(columns=mapping)
    for field in required:
        if field not in out.columns:
            raise SchemaError(
                f"缺少必需的列“{field}”（表中现有：{'、'.join(map(str, df.columns))}）",
                file=source,
                field=field,
                fix=f"加上“{field}”列（也认：{'、'.join(aliases[field][1:])}）",
            )
    return out


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().fillna("")


def split_communities(cell: object) -> list[str]:
    """The community names of one cell, split on ; ； 、 , ， and stripped.

    A list (or tuple, or array) of names, as a frame built in Python may hold, is taken
    name by name.
    """
    if isinstance(cell, (list, tuple, np.ndarray, pd.Series)):
        return [n for c in cell for n in split_communities(c)]
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA:
        return []
    return [p.strip() for p in COMMUNITY_SEPARATORS.split(str(cell)) if p.strip()]


def circles_table(table: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """The circles table as circle_id, name, street, communities (list of str), row (1-based).

    Parameters
    ----------
    table : pandas.DataFrame
        circles.csv as read (text cells), or a frame of the same columns.
    source : str
        File (or layer) name for messages.

    Returns
    -------
    pandas.DataFrame
        One row per circle.

    Raises
    ------
    SchemaError
        Missing circle_id/communities column, or an empty circle id.
    DistrictError
        A duplicate circle id (naming both rows).
    """
    df = canonical(table, CIRCLE_ALIASES, ("circle_id", "communities"), source)
    return circle_rows(df, source)


def circle_rows(df: pd.DataFrame, src: str) -> pd.DataFrame:
    """The checked circle table from canonical columns (``communities`` optional).

    Parameters
    ----------
    df : pandas.DataFrame
        Columns renamed by `canonical`.
    src : str
        File (or layer) name for messages.

    Returns
    -------
    pandas.DataFrame
        circle_id, name, street, communities (list of str), row (1-based).
    """
    out = pd.DataFrame({"circle_id": _text(df["circle_id"])})
    for col in ("name", "street"):
        out[col] = _text(df[col]) if col in df.columns else ""
    cells = df["communities"].tolist() if "communities" in df.columns else [""] * len(df)
    out["communities"] = [split_communities(c) for c in cells]
    out["row"] = np.arange(1, len(out) + 1)
    require_filled(
        out["circle_id"], file=src, field="circle_id", fix="每个生活圈填写编号（如 C01）"
    )
    require_safe_ids(out["circle_id"], file=src, field="circle_id")
    dup = out["circle_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        cid = out["circle_id"].iloc[i]
        first = int(np.flatnonzero((out["circle_id"] == cid).to_numpy())[0]) + 1
        raise DistrictError(
            f"生活圈编号 {cid!r} 重复（第 {first} 行也是）",
            file=src,
            row=i + 1,
            field="circle_id",
            fix="每个生活圈用不同的编号",
        )
    out.loc[out["name"] == "", "name"] = out["circle_id"]
    return out


def _parse_date(text: str) -> str | None:
    m = _DATE.match(text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def manual_values_table(table: pd.DataFrame, *, source: str, circle_ids: set[str]) -> pd.DataFrame:
    """manual_values.csv as scope, indicator_id, value (float), evidence, date (ISO).

    Parameters
    ----------
    table : pandas.DataFrame
        manual_values.csv as read (text cells), or a frame of the same columns.
    source : str
        File (or layer) name for messages.
    circle_ids : set of str
        The circle ids a scope may name (besides ``district``).

    Returns
    -------
    pandas.DataFrame
        One row per value, in the order given.

    Raises
    ------
    SchemaError
        A missing column, an empty indicator id, a value that is not a number, or a date
        that is not a calendar date (YYYY-MM-DD); names the row.
    DistrictError
        A scope that is neither ``district`` nor a circle id, or the same (scope,
        indicator) twice.
    """
    src = source
    df = canonical(table, MANUAL_ALIASES, ("scope", "indicator_id", "value"), src)
    scope = _text(df["scope"])
    ind = _text(df["indicator_id"])
    raw_val = _text(df["value"]).str.replace(",", "", regex=False).str.rstrip("%")
    value = pd.to_numeric(raw_val, errors="coerce").astype(float)
    evidence = _text(df["evidence"]) if "evidence" in df.columns else pd.Series("", index=df.index)
    dates = _text(df["date"]) if "date" in df.columns else pd.Series("", index=df.index)
    iso: list[str | None] = []
    # the cells as Python lists: one pandas lookup per cell costs more than the checks
    ind_at, scope_at, date_at = ind.tolist(), scope.tolist(), dates.tolist()
    finite = np.isfinite(value.to_numpy(dtype=float))
    for i in range(len(df)):
        row = i + 1
        if ind_at[i] == "":
            raise SchemaError(
                "没有填写指标编号", file=src, row=row, field="indicator_id",
                fix="填写指标体系中的指标编号（如 gd_property_management）",
            )  # fmt: skip
        if scope_at[i] != "district" and scope_at[i] not in circle_ids:
            raise DistrictError(
                f"范围 {scope_at[i]!r} 既不是 'district'（全区），也不是生活圈编号",
                file=src,
                row=row,
                field="scope",
                fix="写 'district' 或生活圈图层中的生活圈编号",
            )
        if not finite[i]:
            raise SchemaError(
                f"数值 {df['value'].iloc[i]!r} 不是数字",
                file=src,
                row=row,
                field="value",
                fix="写纯数字，如 96.5（除末尾的 % 外不带单位）",
            )
        text = date_at[i]
        parsed = _parse_date(text) if text else None
        if text and parsed is None:
            raise SchemaError(
                f"日期 {text!r} 不是有效日期",
                file=src,
                row=row,
                field="date",
                fix="写成 年-月-日，如 2024-06-30",
            )
        iso.append(parsed)
    out = pd.DataFrame(
        {"scope": scope, "indicator_id": ind, "value": value, "evidence": evidence, "date": iso}
    )
    dup = out.duplicated(["scope", "indicator_id"]).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise DistrictError(
            f"指标 {ind.iloc[i]!r} 在范围 {scope.iloc[i]!r} 下填了两次",
            file=src,
            row=i + 1,
            field="indicator_id",
            fix="每个范围的每项指标只保留一个数值",
        )
    return out.reset_index(drop=True)


def empty_manual_values() -> pd.DataFrame:
    """The manual-values frame of a package that has none."""
    return pd.DataFrame(
        {
            "scope": pd.Series(dtype=str),
            "indicator_id": pd.Series(dtype=str),
            "value": pd.Series(dtype=float),
            "evidence": pd.Series(dtype=str),
            "date": pd.Series(dtype=object),
        }
    )
