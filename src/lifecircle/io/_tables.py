"""Read CSV (UTF-8 / GBK / GB18030) and XLSX tables, laid out as offices keep them, as text."""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from lifecircle.errors import FileFormatError, InputError

from ._grid import (
    DEFAULT_FILL_DOWN,
    HEADER_WINDOW,
    Header,
    column_letter,
    expected_keys,
    fill_merges,
    find_header,
    is_footer,
)
from ._sniff import file_kind, sniff
from ._xlsx import read_sheet
from .aliases import header_key

__all__ = [
    "TableLayout",
    "decode_text",
    "numeric_where_possible",
    "read_csv_layout",
    "read_csv_table",
    "read_office_table",
    "read_xlsx_layout",
    "read_xlsx_table",
]

#: Encodings tried in order when none is given. UTF-8 with or without BOM first (a valid
#: UTF-8 file is almost never valid GBK by accident), then GB18030, a superset of GBK/GB2312.
AUTO_ENCODINGS: Final = ("utf-8-sig", "gb18030")

_LEADING_ZERO = re.compile(r"^[+-]?0\d")


def decode_text(data: bytes, *, source: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` with ``encoding``, or try UTF-8(-SIG) then GB18030.

    Returns
    -------
    (text, encoding) : tuple of str
        The decoded text and the encoding that worked.

    Raises
    ------
    FileFormatError
        Naming the byte offset (and line) where decoding failed, with the fix.
    """
    if encoding:
        tried = [encoding]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        tried = ["utf-16"]
    else:
        tried = list(AUTO_ENCODINGS)
    first_error: UnicodeDecodeError | None = None
    for enc in tried:
        try:
            return data.decode(enc), enc
        except LookupError:
            raise FileFormatError(
                f"未知的文字编码 {enc!r}",
                file=source,
                field="encoding",
                fix="用 utf-8、utf-8-sig、gbk 或 gb18030，或不写以自动识别",
            ) from None
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    line = data[: first_error.start].count(b"\n") + 1
    raise FileFormatError(
        f"文字无法按 {' 或 '.join(tried)} 编码识别（文件第 {line} 行，"
        f"第 {first_error.start} 字节处）",
        file=source,
        row=max(line - 1, 1),
        fix="将文件另存为 UTF-8（Excel：“CSV UTF-8”）或 GBK 编码",
    )


_DELIMITERS: Final = (",", "\t", ";", "|")


def _delimiter(text: str) -> str:
    """The field separator: the one splitting most lines into the same number of fields.

    Title lines above the header ("附件1 …", no separator) do not confuse it, unlike a
    sniffer that wants every line alike.
    """
    lines = [ln for ln in text[:200_000].splitlines()[:50] if ln.strip()]
    best, score = ",", 0
    for sep in _DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=sep)]
        common = Counter(w for w in widths if w > 1).most_common(1)
        if common and common[0][1] * common[0][0] > score:
            best, score = sep, common[0][1] * common[0][0]
    return best


@dataclass(frozen=True)
class TableLayout:
    """How a table was laid out in its file (for messages that point into the file).

    Attributes
    ----------
    header_row : int
        1-based row (CSV line, sheet row) of the header; its first row when two.
    header_rows : int
        1 or 2.
    title : str or None
        Text above the header (the table's title), if any.
    first_row : int
        1-based file row of data row 1.
    gaps : tuple of (int, int)
        ``(data_row, extra)``: from that 1-based data row on, ``extra`` more file rows were
        skipped (blank rows inside the table); usually empty.
    filled : tuple of str
        Columns whose merged or grouped cells were filled down.
    sheet : str or None
        The worksheet read.
    encoding : str or None
        The text encoding of a CSV.
    """

    header_row: int
    header_rows: int = 1
    title: str | None = None
    first_row: int = 2
    gaps: tuple[tuple[int, int], ...] = ()
    filled: tuple[str, ...] = ()
    sheet: str | None = None
    encoding: str | None = None

    def file_row(self, row: int) -> int:
        """The 1-based row of the file (as Excel/WPS numbers it) holding data row ``row``."""
        extra = sum(e for r, e in self.gaps if r <= row)
        return self.first_row + row - 1 + extra


def _layout_rows(file_rows: np.ndarray) -> tuple[int, tuple[tuple[int, int], ...]]:
    """``first_row`` and ``gaps`` of `TableLayout` from the file row of every data row."""
    if len(file_rows) == 0:
        return 0, ()
    step = np.diff(file_rows) - 1
    where = np.flatnonzero(step > 0)
    return int(file_rows[0]), tuple((int(i) + 2, int(step[i])) for i in where)


def _names(header: Header, frame_width: int, has_data: list[bool]) -> list[str | None]:
    """Final column names: unnamed columns with data become 列D, duplicates get their
    letter; unnamed empty columns are dropped (None)."""
    names = header.names + [""] * (frame_width - len(header.names))
    seen: Counter[str] = Counter()
    out: list[str | None] = []
    for j, name in enumerate(names[:frame_width]):
        if not name:
            out.append(f"列{column_letter(j)}" if has_data[j] else None)
            continue
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}（{column_letter(j)}列）")
    return out


def _finish(
    df: pd.DataFrame,
    file_rows: np.ndarray,
    header: Header,
    *,
    fill_down: Iterable[str],
    merged_fill: set[int],
) -> tuple[pd.DataFrame, np.ndarray, tuple[str, ...]]:
    """Name the columns, drop blank rows and notes under the table, fill grouping columns."""
    for j in range(df.shape[1]):
        col = df.iloc[:, j]
        if col.notna().any():
            text = col.str.strip()
            df.isetitem(j, text.mask(text == ""))
    filled_rows = df.notna().any(axis=1).to_numpy()
    df, file_rows = df.loc[filled_rows].reset_index(drop=True), file_rows[filled_rows]
    width = df.shape[1]
    while len(df) and is_footer(list(df.iloc[-1]), width):
        df, file_rows = df.iloc[:-1], file_rows[:-1]
    names = _names(header, width, list(df.notna().any(axis=0).to_numpy()))
    keep = [j for j, n in enumerate(names) if n is not None]
    df = df.iloc[:, keep]
    df.columns = [names[j] for j in keep]
    merged_names = {names[j] for j in merged_fill if names[j] is not None}
    wanted = {header_key(n) for n in fill_down}
    filled = []
    for col in df.columns:
        if header_key(col) in wanted and df[col].isna().any() and df[col].notna().any():
            df[col] = df[col].ffill()
            filled.append(str(col))
        elif col in merged_names:
            filled.append(str(col))
    return df.reset_index(drop=True), file_rows, tuple(filled)


def read_csv_layout(
    path: Path,
    *,
    encoding: str | None = None,
    expect: Iterable[str] | None = None,
    fill_down: Iterable[str] = DEFAULT_FILL_DOWN,
) -> tuple[pd.DataFrame, TableLayout]:
    """Read a delimited text table as an office keeps it, and say how it was laid out.

    The header is found below title rows (`lifecircle.io._grid.find_header`), a second
    header row under cells spanning several columns is joined to the first, blank rows and
    notes under the table are dropped, and empty cells of grouping columns (``fill_down``,
    街道 by default) take the value above them. Every cell is a string (empty cells NA).

    Parameters
    ----------
    path : pathlib.Path
        The file.
    encoding : str, optional
        Text encoding; default UTF-8 (with or without BOM), then GB18030.
    expect : iterable of str, optional
        Header names expected (helps find the header); default every alias of `ALIASES`.
    fill_down : iterable of str
        Names of the grouping columns.

    Returns
    -------
    (pandas.DataFrame, TableLayout)
    """
    text, enc = decode_text(path.read_bytes(), source=str(path), encoding=encoding)
    if not text.strip():
        raise FileFormatError(
            "文件没有表头，也没有数据行",
            file=str(path),
            fix="重新导出表格，须有表头行和数据行",
        )
    sep = _delimiter(text)
    head: list[list[str | None]] = []
    ends: list[int] = []  # physical lines consumed after each record
    reader = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
    try:
        for record in reader:
            head.append([c.strip() or None for c in record])
            ends.append(reader.line_num)
            if len(head) >= HEADER_WINDOW + 2:
                break
    except csv.Error as exc:
        raise FileFormatError(
            f"无法按 CSV 解析表格：{exc}",
            file=str(path),
            fix="核对每一行的列数与表头一致，引号成对",
        ) from None
    header = find_header(head, expect=expected_keys(expect))
    last = header.row + header.rows - 1
    skip = ends[last] if last < len(ends) else len(ends)
    width = max(len(header.names), max((len(r) for r in head[last + 1 :]), default=0))
    body = io.StringIO(text)
    for _ in range(skip):
        body.readline()
    try:
        df = pd.read_csv(
            body,
            sep=sep,
            header=None,
            names=list(range(width)),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise FileFormatError(
            f"无法按 CSV 解析表格：{exc}",
            file=str(path),
            fix="核对每一行的列数与表头一致，引号成对",
        ) from None
    file_rows = np.arange(skip + 1, skip + 1 + len(df))
    df, file_rows, filled = _finish(df, file_rows, header, fill_down=fill_down, merged_fill=set())
    first, gaps = _layout_rows(file_rows)
    layout = TableLayout(
        header_row=ends[header.row - 1] + 1 if header.row else 1,
        header_rows=header.rows,
        title=header.title,
        first_row=first or skip + 1,
        gaps=gaps,
        filled=filled,
        encoding=enc,
    )
    return df, layout


def read_xlsx_layout(
    path: Path,
    *,
    sheet: str | None = None,
    expect: Iterable[str] | None = None,
    fill_down: Iterable[str] = DEFAULT_FILL_DOWN,
) -> tuple[pd.DataFrame, TableLayout]:
    """Read one sheet of an .xlsx workbook as an office keeps it (see `read_csv_layout`).

    Merged cells (街道 over several rows) give every cell of the range their value.

    Parameters
    ----------
    path : pathlib.Path
        The workbook.
    sheet : str, optional
        The worksheet; default the first.
    expect, fill_down
        As `read_csv_layout`.

    Returns
    -------
    (pandas.DataFrame, TableLayout)
    """
    grid, merges, name = read_sheet(path, sheet=sheet)
    if not any(any(v is not None for v in r) for r in grid):
        return pd.DataFrame(), TableLayout(header_row=1, sheet=name, first_row=2)
    header = find_header(grid, expect=expected_keys(expect), merges=merges)
    start = header.row + header.rows
    fill_merges(grid, merges, start=start)
    body = grid[start:]
    width = max(len(header.names), max((len(r) for r in body), default=0))
    rows = [list(r) + [None] * (width - len(r)) for r in body]
    df = pd.DataFrame(rows, columns=list(range(width)))
    merged_cols = {
        j for m in merges if m.r1 >= start and m.r1 > m.r0 for j in range(m.c0, m.c1 + 1)
    }
    file_rows = np.arange(start + 1, start + 1 + len(df))
    df, file_rows, filled = _finish(
        df, file_rows, header, fill_down=fill_down, merged_fill=merged_cols
    )
    first, gaps = _layout_rows(file_rows)
    layout = TableLayout(
        header_row=header.row + 1,
        header_rows=header.rows,
        title=header.title,
        first_row=first or start + 1,
        gaps=gaps,
        filled=filled,
        sheet=name,
    )
    return df, layout


def read_csv_table(
    path: Path, *, encoding: str | None = None, expect: Iterable[str] | None = None
) -> pd.DataFrame:
    """Read a delimited text table, every cell as a string (empty cells as NA).

    Strings keep ids such as ``"001"`` intact; numbers are parsed later by the caller.
    The delimiter (comma, tab, semicolon, bar) is found from the first lines; title rows
    above the header are skipped (`read_csv_layout`). ``attrs["encoding"]`` says which
    encoding worked.
    """
    df, layout = read_csv_layout(path, encoding=encoding, expect=expect)
    df.attrs["encoding"] = layout.encoding
    df.attrs["header_row"] = layout.header_row
    return df


def read_xlsx_table(
    path: Path, *, sheet: str | None = None, expect: Iterable[str] | None = None
) -> pd.DataFrame:
    """Read one sheet of an .xlsx workbook (the first unless ``sheet``), cells as strings.

    Title rows are skipped and merged cells filled (`read_xlsx_layout`).
    """
    df, layout = read_xlsx_layout(path, sheet=sheet, expect=expect)
    df.attrs["header_row"] = layout.header_row
    return df


def read_office_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    expect: Iterable[str] | None = None,
    fill_down: Iterable[str] = DEFAULT_FILL_DOWN,
) -> tuple[pd.DataFrame, TableLayout]:
    """A CSV or XLSX table as an office keeps it, checked to be what its extension says.

    Parameters
    ----------
    path : str or path-like
        ``.csv``/``.txt``/``.tsv`` or ``.xlsx``/``.xlsm``.
    sheet : str, optional
        Worksheet of a workbook.
    encoding : str, optional
        Text encoding of a CSV (default: detected).
    expect : iterable of str, optional
        Header names expected, to find the header below title rows.
    fill_down : iterable of str
        Grouping columns whose empty cells take the value above.

    Returns
    -------
    (pandas.DataFrame, TableLayout)
        Text cells (NA when empty) and the layout (header row, title, file rows).

    Raises
    ------
    InputError
        The file does not exist.
    FileFormatError
        Not a table file, not what its extension says, empty, undecodable or damaged.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("文件不存在", file=str(p), fix="检查路径和文件名（以及当前目录）。")
    if p.is_dir():
        raise FileFormatError(
            "这是一个文件夹，不是表格文件", file=str(p), fix="给出 .csv 或 .xlsx 文件。"
        )
    kind = file_kind(p)
    if kind not in ("csv", "xlsx"):
        raise FileFormatError(
            f"这里需要 CSV 或 XLSX 表格，不是 {p.suffix} 文件",
            file=str(p),
            fix="另存为 .xlsx，或导出为 CSV（UTF-8 或 GBK）。",
        )
    sniff(p, kind)
    if kind == "csv":
        return read_csv_layout(p, encoding=encoding, expect=expect, fill_down=fill_down)
    return read_xlsx_layout(p, sheet=sheet, expect=expect, fill_down=fill_down)


def numeric_where_possible(df: pd.DataFrame, *, keep_text: set[str]) -> pd.DataFrame:
    """Turn string columns whose every non-empty value is a number into numeric columns.

    Columns in ``keep_text`` stay text, and so does any column with a leading-zero value
    (``"007"``, a code, not a number).
    """
    out = df.copy()
    for col in out.columns:
        if col in keep_text or col == "geometry" or not pd.api.types.is_string_dtype(out[col]):
            continue
        values = out[col].dropna().astype(str).str.strip()
        if values.empty or values.str.match(_LEADING_ZERO).any():
            continue
        parsed = pd.to_numeric(values, errors="coerce")
        if parsed.notna().all():
            out[col] = pd.to_numeric(out[col].str.strip(), errors="coerce")
    return out
