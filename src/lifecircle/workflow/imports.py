"""Imports of office tables: reading them by Chinese or English headers, and the validation
report (row, field, problem, fix) every import shows before anything is written.

Convention for every import (CLI and web): the file is checked and the report shown; nothing
is written unless the caller asks to commit (``commit=True``, ``--commit``) and the report
holds no error. A committed import lands whole, in one transaction, or not at all.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from lifecircle.errors import InputError
from lifecircle.io._tables import TableLayout, read_office_table
from lifecircle.io.aliases import match_columns

ERROR = "错误"
NOTICE = "提示"
REPORT_HEAD = ("类别", "行", "表格行号", "列", "值", "问题", "改法")


@dataclass(frozen=True)
class Field:
    """A column an import reads: its canonical name, Chinese label and accepted headers."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Problem:
    """One line of a validation report.

    Attributes
    ----------
    message, fix : str
        What is wrong and how to put it right, in Chinese.
    row : int or None
        1-based data row (the header is not a row); None for the whole file.
    file_row : int or None
        The row as Excel/WPS numbers it (title and header rows counted).
    field : str or None
        The canonical field (``circle_id``).
    column : str or None
        The column as headed in the file (``生活圈编号``), or the field's Chinese label.
    value : str or None
        The cell as read.
    severity : str
        `ERROR` (nothing is written) or `NOTICE` (written as described).
    """

    message: str
    fix: str = ""
    row: int | None = None
    file_row: int | None = None
    field: str | None = None
    column: str | None = None
    value: str | None = None
    severity: str = ERROR
    file: str | None = None
    cause: InputError | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def cells(self) -> list[Any]:
        """The report's columns (`REPORT_HEAD`) for this problem."""
        return [
            self.severity,
            self.row if self.row is not None else "",
            self.file_row if self.file_row is not None else "",
            " · ".join(x for x in (Path(self.file).name if self.file else "", self.column) if x),
            self.value or "",
            self.message,
            self.fix,
        ]


@dataclass
class ImportReport:
    """What an import found in a file, and what it wrote or would write.

    Attributes
    ----------
    kind : str
        ``circles``, ``district``, ``schedule``, ``projects``, ``leaders``.
    title : str
        What was imported, in Chinese (``任务铺排表``).
    file : str
    rows : int
        Data rows read.
    layout : str
        How the table was laid out (``矩阵：生活圈 × 年度``), in Chinese.
    header_row : int or None
        Row of the header in the file.
    table_title : str or None
        The title above the header, if any.
    columns : dict of str -> str
        Field -> column of the file it was read from.
    problems : list of Problem
    counts : dict of str -> int
        What is (or would be) written, by Chinese label.
    committed : bool
        True once written.
    """

    kind: str
    title: str
    file: str
    rows: int = 0
    layout: str = ""
    header_row: int | None = None
    table_title: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    committed: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def notices(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        """No error: the file may be committed."""
        return not self.errors

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def summary(self) -> str:
        """One Chinese line: what was read, how many problems, what was written."""
        where = f"{self.title}（{Path(self.file).name}）"
        parts = [f"读取 {self.rows} 行"]
        if self.layout:
            parts.append(f"格式：{self.layout}")
        if self.header_row and self.header_row > 1:
            parts.append(f"表头在第 {self.header_row} 行")
        parts.append(f"错误 {len(self.errors)} 处，提示 {len(self.notices)} 处")
        counts = "，".join(f"{k} {v}" for k, v in self.counts.items() if v)
        if self.committed:
            tail = f"已写入数据库：{counts or '无变化'}"
        elif self.errors:
            tail = "有错误，未写入数据库：请按报告改正后重新导入"
        else:
            tail = f"检查通过，未写入数据库（加 --commit 写入）：将写入 {counts or '无变化'}"
        return f"{where}：" + "；".join(parts) + "。" + tail

    def first_error(self) -> InputError:
        """The first error as a typed `InputError` (file, row, field, fix)."""
        p = self.errors[0]
        if p.cause is not None:
            return p.cause
        return InputError(
            p.message, file=p.file or self.file, row=p.row, field=p.field, fix=p.fix or None
        )

    def raise_if_errors(self) -> None:
        """Raise `first_error` when the report holds an error."""
        if self.errors:
            raise self.first_error()

    def rows_for_output(self) -> list[list[Any]]:
        """The report's table, errors first, each in file order."""
        key: Callable[[Problem], tuple[int, int]] = lambda p: (  # noqa: E731
            0 if p.is_error else 1,
            p.row or 0,
        )
        return [p.cells() for p in sorted(self.problems, key=key)]

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the report as ``.xlsx`` or ``.csv`` (UTF-8 with BOM, opens in Excel).

        Returns
        -------
        pathlib.Path
            The file written (complete or absent).
        """
        return write_report(self, path)


def check_report_path(path: str | os.PathLike[str] | None) -> Path | None:
    """A report path, checked before any work: ``.xlsx`` or ``.csv``, not a folder.

    Raises
    ------
    InputError
        Another extension, or a folder of that name.
    """
    if path is None:
        return None
    p = Path(path)
    if p.suffix.lower() not in (".xlsx", ".csv"):
        raise InputError(
            f"校验报告只能写成 .xlsx 或 .csv，不能是“{p.suffix or '无扩展名'}”",
            file=str(p),
            field="--report",
            fix="例如 --report 校验报告.xlsx",
        )
    if p.is_dir():
        raise InputError(
            "这是一个文件夹，不能写成报告文件", file=str(p), field="--report", fix="给出文件名"
        )
    return p


def write_report(report: ImportReport, path: str | os.PathLike[str]) -> Path:
    """The validation report as XLSX (two sheets: 校验报告, 概况) or CSV."""
    from lifecircle.io.writers import write_atomic

    p = check_report_path(path)
    assert p is not None
    rows = report.rows_for_output()
    if p.suffix.lower() == ".csv":
        import csv

        def write_csv(tmp: Path) -> None:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(REPORT_HEAD)
                w.writerows(rows)

        return _write(p, write_csv, write_atomic)

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "校验报告"
    ws.append(list(REPORT_HEAD))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    for col, width in zip("ABCDEFG", (6, 6, 9, 14, 18, 50, 50), strict=True):
        ws.column_dimensions[col].width = width
    info = wb.create_sheet("概况")
    for label, value in (
        ("导入内容", report.title),
        ("文件", report.file),
        ("表格格式", report.layout),
        ("表头所在行", report.header_row or ""),
        ("表格标题", report.table_title or ""),
        ("数据行数", report.rows),
        ("错误", len(report.errors)),
        ("提示", len(report.notices)),
        ("结果", report.summary()),
    ):
        info.append([label, value])
    for label, n in report.counts.items():
        info.append([label, n])
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 80
    return _write(p, lambda tmp: wb.save(tmp), write_atomic)


def _write(p: Path, writer: Callable[[Path], None], write_atomic: Any) -> Path:
    try:
        out: Path = write_atomic(p, writer)
    except OSError as exc:
        raise InputError(
            f"校验报告无法写入：{exc.strerror or exc}",
            file=str(p),
            field="--report",
            fix="换一个可写的文件夹或较短的文件名",
        ) from None
    return out


@dataclass
class ImportTable:
    """An office table read for an import: canonical rows and where each came from."""

    file: str
    rows: list[dict[str, str | None]]
    columns: dict[str, str]
    layout: TableLayout
    fields: dict[str, Field]
    headers: list[str]
    frame: Any = None
    geometry: list[bytes | None] | None = None

    def cells(self) -> list[dict[str, str | None]]:
        """Every cell of every row by the file's header (columns that are no field too)."""
        if self.frame is None:
            return [{} for _ in self.rows]
        return [
            {str(k): None if v is None or v != v else str(v).strip() or None for k, v in r.items()}
            for r in self.frame.to_dict("records")
        ]

    def file_row(self, row: int) -> int:
        """The 1-based file row of data row ``row``."""
        return self.layout.file_row(row)

    def column(self, name: str) -> str:
        """The file's header for field ``name``, else its Chinese label."""
        if name in self.columns:
            return self.columns[name]
        spec = self.fields.get(name)
        return spec.label if spec else name

    def problem(
        self,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
        fix: str = "",
        severity: str = ERROR,
    ) -> Problem:
        """A `Problem` pointing at data row ``row`` and field ``field`` of this table
        (``@header`` names a column of the file that is no field, e.g. ``@2023年``)."""
        column = None
        if field and field.startswith("@"):
            field = column = field[1:]
        elif field:
            column = self.column(field)
        return Problem(
            message=message,
            fix=fix,
            row=row,
            file_row=self.file_row(row) if row is not None else None,
            field=field,
            column=column,
            value=None if value is None else str(value),
            severity=severity,
        )


def read_import_table(
    path: str | os.PathLike[str],
    fields: Sequence[Field],
    *,
    sheet: str | None = None,
    fill_down: Iterable[str] = (),
    extra_expect: Iterable[str] = (),
) -> ImportTable:
    """Read an office table for an import, its columns matched to ``fields``.

    The table may have title rows, merged cells, a 序号 column (ignored), Chinese or
    English headers, GBK or UTF-8 text (`lifecircle.io._tables.read_office_table`); or be
    a GIS layer (GeoPackage, GeoJSON, Shapefile), one row per feature, its geometry kept.

    Parameters
    ----------
    path : str or path-like
        CSV or XLSX.
    fields : sequence of Field
        The columns the import reads.
    sheet : str, optional
        Worksheet of a workbook.
    fill_down : iterable of str
        Headers of grouping columns besides 街道 (empty cells take the value above).
    extra_expect : iterable of str
        Further header names that help find the header row.

    Returns
    -------
    ImportTable
    """
    from lifecircle.io._grid import DEFAULT_FILL_DOWN

    spec: Mapping[str, Sequence[str]] = {f.name: f.aliases for f in fields}
    expect = [n for f in fields for n in (f.name, *f.aliases)] + ["序号", *extra_expect]
    geometry: list[bytes | None] | None = None
    if Path(path).suffix.lower() in GEO_SUFFIXES:
        df, layout, geometry = _read_geo_table(path, sheet)
    else:
        df, layout = read_office_table(
            path, sheet=sheet, expect=expect, fill_down=(*DEFAULT_FILL_DOWN, *fill_down)
        )
    headers = [str(c) for c in df.columns]
    usable = [c for c in headers if c.strip() not in ("序号", "序", "No.", "no", "No")]
    columns = match_columns(usable, spec)
    records: list[dict[str, str | None]] = []
    by_field = {name: df[col] for name, col in columns.items()}
    for i in range(len(df)):
        rec: dict[str, str | None] = {}
        for name, series in by_field.items():
            v = series.iloc[i]
            rec[name] = None if v is None or v != v else str(v).strip() or None
        records.append(rec)
    return ImportTable(
        file=str(path),
        rows=records,
        columns=columns,
        layout=layout,
        fields={f.name: f for f in fields},
        headers=headers,
        frame=df,
        geometry=geometry,
    )


GEO_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")


def _read_geo_table(
    path: str | os.PathLike[str], layer: str | None
) -> tuple[Any, TableLayout, list[bytes | None]]:
    """A GIS layer's attributes as text (a row per feature) and its geometry as WKB in
    WGS-84 (the circle list may come as a polygon layer)."""
    import pandas as pd
    import shapely

    from lifecircle.io import read_layer
    from lifecircle.io._xlsx import cell_text

    gdf = read_layer(path, layer=layer, geometry="any")
    if gdf.crs is not None:
        gdf = gdf.to_crs(4326)
    attrs = pd.DataFrame(
        {
            str(c): [cell_text(v) for v in gdf[c].tolist()]
            for c in gdf.columns
            if c != gdf.geometry.name
        }
    )
    wkb = [None if g is None else bytes(shapely.to_wkb(g)) for g in gdf.geometry.values]
    return attrs, TableLayout(header_row=0, first_row=1, sheet=layer), wkb


def new_report(kind: str, title: str, table: ImportTable | None, file: str) -> ImportReport:
    """An empty report for ``table`` (header row, title and columns filled in)."""
    report = ImportReport(kind=kind, title=title, file=file)
    if table is not None:
        report.rows = len(table.rows)
        report.header_row = table.layout.header_row
        report.table_title = table.layout.title
        report.columns = dict(table.columns)
    return report


def missing_columns(table: ImportTable, report: ImportReport, required: Iterable[str]) -> bool:
    """Report each required field that no column stands for; True when one is missing."""
    missing = False
    for name in required:
        if name in table.columns:
            continue
        spec = table.fields[name]
        report.add(
            Problem(
                f"缺少“{spec.label}”列（表头有：{'、'.join(table.headers) or '无'}）",
                fix=f"加上“{spec.label}”列（也认：{'、'.join(spec.aliases[:6])}）",
                field=name,
                column=spec.label,
            )
        )
        missing = True
    return missing


def run_import(
    session: Session,
    report: ImportReport,
    apply: Callable[[], Mapping[str, int] | None],
    *,
    commit: bool,
) -> ImportReport:
    """Write a checked import in one transaction when asked and the report holds no error.

    ``apply`` does the writes (inside a savepoint: an error inside leaves the session as
    it was) and may return the counts written.
    """
    if not commit or not report.ok:
        return report
    with session.begin_nested():
        counts = apply()
        session.flush()
    if counts:
        report.counts.update(counts)
    report.committed = True
    return report


def read_or_report(
    kind: str,
    title: str,
    path: str | os.PathLike[str],
    fields: Sequence[Field],
    **options: Any,
) -> tuple[ImportTable | None, ImportReport]:
    """`read_import_table`, with an unreadable file turned into a report of one error."""
    try:
        table = read_import_table(path, fields, **options)
    except InputError as exc:
        report = new_report(kind, title, None, str(path))
        report.add(
            Problem(
                exc.message,
                fix=exc.fix or "",
                row=exc.row,
                field=exc.field,
                column=exc.field,
                cause=exc,
            )
        )
        return None, report
    return table, new_report(kind, title, table, str(path))
