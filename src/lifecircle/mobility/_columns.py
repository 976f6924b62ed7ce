"""Mobility tables: accepted column names (Chinese and English), table reading, value checks."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from lifecircle.errors import FileFormatError, InputError, SchemaError
from lifecircle.io.aliases import normalise_name
from lifecircle.io.schemas import require_safe_ids

__all__ = ["MOBILITY_ALIASES", "find", "numbers", "read_table", "require", "text"]

#: canonical field -> accepted names (compared ignoring case, spaces, ``-`` and ``_``).
MOBILITY_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "origin": ("origin", "o", "from", "source", "origin_id", "起点", "出发地", "起点社区",
               "居住地", "居住社区", "来源", "来源社区", "o_id", "home"),
    "destination": ("destination", "d", "to", "target", "destination_id", "dest", "终点",
                    "目的地", "终点社区", "到达地", "设施", "设施编号", "facility", "facility_id",
                    "d_id"),
    "count": ("count", "trips", "flow", "flows", "volume", "n", "人次", "出行量", "次数",
              "数量", "流量", "出行次数", "访问次数"),
    "devices": ("devices", "device_count", "users", "persons", "设备数", "人数", "用户数",
                "独立设备数"),
    "hour": ("hour", "时段", "小时", "时刻"),
    "purpose": ("purpose", "目的", "出行目的", "活动类型"),
    "category": ("category", "类别", "设施类别", "设施类型", "类型", "分类"),
    "device": ("device", "device_id", "uid", "user_id", "imei", "id", "设备", "设备号",
               "设备编号", "用户", "用户编号", "手机号"),
    "time": ("time", "timestamp", "datetime", "ts", "时间", "定位时间", "时间戳", "采集时间"),
    "lon": ("lon", "lng", "longitude", "long", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "id": ("id", "编号", "编码", "代码", "code", "社区编号", "社区代码"),
    "population": ("population", "pop", "人口", "人口数", "常住人口", "居住人口"),
    "community_id": ("community_id", "community", "社区", "社区编号", "所属社区", "id"),
    "circle_id": ("circle_id", "circle", "生活圈", "生活圈编号", "所属生活圈"),
    "communities": ("communities", "社区列表", "包含社区", "社区名单"),
}  # fmt: skip


def find(columns: Sequence[object], field: str) -> str | None:
    """The column standing for canonical ``field`` (its own name first, then the aliases)."""
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(normalise_name(col), str(col))
    for alias in MOBILITY_ALIASES.get(field, (field,)):
        hit = by_norm.get(normalise_name(alias))
        if hit is not None:
            return hit
    return None


def require(columns: Sequence[object], field: str, *, source: str | None, what: str) -> str:
    """Like `find`, but a missing column stops with a `SchemaError` naming the nearest one."""
    found = find(columns, field)
    if found is not None:
        return found
    names = [str(c) for c in columns]
    accepted = MOBILITY_ALIASES.get(field, (field,))
    near = difflib.get_close_matches(field, names, n=1, cutoff=0.5)
    raise SchemaError(
        f"缺少{what}列 '{field}'（可用列名：{'、'.join(accepted[:8])} 等；表中的列：{'、'.join(names) or '无'}）",
        file=source,
        field=field,
        fix=(f"是否是列 {near[0]!r}？请改名为 '{field}'。" if near else f"请加上 '{field}' 列。"),
    )


def read_table(
    path: str | os.PathLike[str], *, encoding: str | None = None, sheet: str | None = None
) -> pd.DataFrame:
    """Read a CSV (UTF-8/GBK/GB18030), XLSX or Parquet table; text cells stay text.

    Raises
    ------
    InputError, FileFormatError
        For a missing file, an unknown extension, or a file that is not what it says.
    """
    from lifecircle.io._sniff import sniff
    from lifecircle.io._tables import read_csv_table, read_xlsx_table

    p = Path(path)
    if not p.is_file():
        raise InputError("文件不存在", file=str(p), fix="检查路径与文件名。")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        sniff(p, "csv")
        return read_csv_table(p, encoding=encoding)
    if suffix in (".xlsx", ".xlsm"):
        sniff(p, "xlsx")
        return read_xlsx_table(p, sheet=sheet)
    if suffix in (".parquet", ".pq"):
        with p.open("rb") as fh:
            head = fh.read(4)
        if head != b"PAR1":
            raise FileFormatError(
                "文件扩展名为 .parquet，但内容不是 Parquet 格式",
                file=str(p),
                fix="确认文件类型，或按真实类型改扩展名。",
            )
        return pd.read_parquet(p)
    raise FileFormatError(
        f"不支持的文件类型 {suffix or '（无扩展名）'!r}",
        file=str(p),
        fix="请使用 .csv、.xlsx 或 .parquet。",
    )


def text(values: pd.Series, *, source: str | None, field: str) -> pd.Series:
    """Ids as stripped text (whole floats lose '.0'); an empty cell stops with its row."""
    raw = values
    if pd.api.types.is_float_dtype(raw):
        finite = raw.dropna()
        if (finite == np.round(finite)).all():
            raw = raw.astype("Int64")
    out = raw.astype("string").str.strip()
    empty = np.flatnonzero((out.isna() | (out == "")).to_numpy())
    if len(empty):
        raise SchemaError(
            f"{field} 为空" + (f"（共 {len(empty)} 行）" if len(empty) > 1 else ""),
            file=source,
            row=int(empty[0]) + 1,
            field=field,
            fix=f"填写 {field}，或删除该行。",
        )
    require_safe_ids(out, file=source, field=field)
    return out.astype(str)


def numbers(
    values: pd.Series,
    *,
    source: str | None,
    field: str,
    integer: bool = False,
    minimum: float = 0.0,
    allow_empty: bool = False,
) -> pd.Series:
    """Parse numbers (thousands commas allowed); bad, empty or too small values name their row."""
    if pd.api.types.is_numeric_dtype(values):
        parsed = values.astype("float64")
        present = values.notna()
    else:
        s = values.astype("string").str.strip().str.replace(",", "", regex=False)
        parsed = pd.to_numeric(s, errors="coerce").astype("float64")
        present = s.notna() & (s != "")
        bad = np.flatnonzero((present & parsed.isna()).to_numpy())
        if len(bad):
            i = int(bad[0])
            raise SchemaError(
                f"{field} 的值 {values.iloc[i]!r} 不是数字",
                file=source,
                row=i + 1,
                field=field,
                fix=f"把 {field} 写成数字。",
            )
    if not allow_empty:
        empty = np.flatnonzero((~present).to_numpy())
        if len(empty):
            raise SchemaError(
                f"{field} 为空", file=source, row=int(empty[0]) + 1, field=field,
                fix=f"填写 {field}，或删除该行。",
            )  # fmt: skip
    arr = parsed.to_numpy()
    wrong = np.flatnonzero(
        np.isfinite(arr) & ((arr < minimum) | (integer & (arr != np.round(arr))))
    )
    wrong = np.union1d(wrong, np.flatnonzero(np.isinf(arr)))
    if len(wrong):
        i = int(wrong[0])
        need = f"不小于 {minimum:g} 的" + ("整数" if integer else "数")
        raise SchemaError(
            f"{field} 的值 {arr[i]:g} 无效，应为{need}",
            file=source,
            row=i + 1,
            field=field,
            fix=f"改正 {field}，或删除该行。",
        )
    return parsed
