"""Read one worksheet of an .xlsx workbook as text cells, with its merged ranges."""

from __future__ import annotations

import posixpath
import re
import warnings
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Final
from xml.etree import ElementTree

from lifecircle.errors import FileFormatError
from lifecircle.io.foreign_zh import explain

from ._grid import Grid, Merge

__all__ = ["read_sheet"]

_MERGE: Final = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_NS: Final = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_CHUNK: Final = 1 << 20


def cell_text(value: object) -> str | None:
    """A cell value as the text a person reads in it; None for an empty cell.

    Whole numbers lose their ``.0`` (an id typed as 101 stays ``"101"``); dates at midnight
    are written as ``YYYY-MM-DD``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip member of the worksheet called ``name`` (workbook.xml and its relationships)."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rid = None
    for sheet in book.iterfind("m:sheets/m:sheet", _NS):
        if sheet.get("name") == name:
            rid = sheet.get(f"{{{_NS['r']}}}id")
    if rid is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iterfind("rel:Relationship", _NS):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return None


def merged_ranges(path: Path, sheet: str) -> list[Merge]:
    """The merged ranges of a worksheet, read from its XML part without loading the cells.

    openpyxl's read-only mode (the fast one) does not report merged cells, so the
    ``<mergeCell ref="A3:A5"/>`` elements are taken from the part itself, streamed.
    """
    found: set[Merge] = set()
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, sheet)
        if part is None or part not in archive.namelist():
            return []
        with archive.open(part) as fh:
            tail = b""
            while chunk := fh.read(_CHUNK):
                data = tail + chunk
                for m in _MERGE.finditer(data):
                    c0, r0 = _col_index(m[1]), int(m[2]) - 1
                    c1 = _col_index(m[3]) if m[3] else c0
                    r1 = int(m[4]) - 1 if m[4] else r0
                    found.add(Merge(min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)))
                tail = data[-256:]
    return sorted(found, key=lambda m: (m.r0, m.c0))


#: an office table inflates to far less; a zip bomb to gigabytes
MAX_INFLATED = 256 << 20


def check_inflated_size(path: Path) -> None:
    """Refuse a workbook whose parts inflate to more than ``MAX_INFLATED`` bytes (a zip bomb)
    before anything decompresses it; a file that is no zip is left to the reader's message."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if total > MAX_INFLATED:
        raise FileFormatError(
            f"工作簿解压后达 {total / (1 << 20):,.0f} MB，超过上限 {MAX_INFLATED >> 20} MB："
            "文件可能被构造为压缩炸弹，或不是正常的表格",
            file=str(path),
            fix="核对文件来源；正常的表格请删去无用的工作表与格式后另存，或导出为 CSV 再导入。",
        )


def read_sheet(path: Path, *, sheet: str | None) -> tuple[Grid, list[Merge], str]:
    """The cells of one worksheet as text (None when empty), its merges and its name.

    Raises
    ------
    FileFormatError
        A damaged workbook, or no sheet of that name (listing the sheets).
    """
    from openpyxl import load_workbook

    check_inflated_size(path)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles/data validation it ignores; not the user's problem
            warnings.simplefilter("ignore", UserWarning)
            book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileFormatError(
            f"工作簿无法打开：{explain(exc)}；文件可能已损坏或不完整",
            file=str(path),
            fix="在 Excel/WPS 中打开后另存为 .xlsx，或导出为 CSV 再导入。",
        ) from None
    try:
        names = [str(s) for s in book.sheetnames]
        if sheet is not None and sheet not in names:
            raise FileFormatError(
                f"工作簿中没有名为 {sheet!r} 的工作表",
                file=str(path),
                field="layer",
                fix="可用的工作表：" + "、".join(names) + "。",
            )
        name = sheet if sheet is not None else names[0]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                grid: Grid = [
                    [cell_text(v) for v in row] for row in book[name].iter_rows(values_only=True)
                ]
            merges = merged_ranges(path, name)
        except FileFormatError:
            raise
        except Exception as exc:
            raise FileFormatError(
                f"工作表 {name!r} 无法读取（{type(exc).__name__}：{exc}），文件可能已损坏",
                file=str(path),
                fix="在 Excel/WPS 中打开后另存为 .xlsx，或导出为 CSV 再导入。",
            ) from None
    finally:
        book.close()
    return grid, merges, name
