"""Office tables as laid out by hand: the header row below title rows, two-row headers, merges."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from .aliases import ALIASES, header_key, header_keys

__all__ = [
    "DEFAULT_FILL_DOWN",
    "Header",
    "Merge",
    "clean_header",
    "column_letter",
    "find_header",
    "is_footer",
]

Cell = str | None
Grid = list[list[Cell]]

#: Rows searched for the header (title rows, a subtitle, blank rows above it).
HEADER_WINDOW: Final = 30
#: Columns whose empty cells take the value above them (a 街道 written once per group, or
#: merged over several rows and exported to CSV): names as compared by `header_key`.
DEFAULT_FILL_DOWN: Final = ("街道", "所属街道", "街道（镇）", "街道镇", "镇街", "街镇", "street")

_SPACE = re.compile(r"\s+")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")
_FOOTER = re.compile(r"^(注|说明|备注|填表|制表|审核|联系人|联系电话|负责人|数据来源|来源)")


@dataclass(frozen=True)
class Merge:
    """A merged range, 0-based and inclusive (first row/col, last row/col)."""

    r0: int
    c0: int
    r1: int
    c1: int


@dataclass
class Header:
    """Where the header is and what the columns are called.

    Attributes
    ----------
    row : int
        0-based index of the (first) header row in the grid.
    rows : int
        1, or 2 when a second row splits merged group cells (创建年度 over 2023, 2024 …).
    names : list of str
        One cleaned name per column ("" when the column has no name).
    title : str or None
        The text of the rows above the header (the table's title), joined by spaces.
    """

    row: int
    rows: int
    names: list[str]
    title: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


def clean_header(value: object) -> str:
    """A header cell as text: whitespace collapsed, none left next to Chinese characters.

    ``"生活圈\\n编号"`` → ``"生活圈编号"``; ``" circle  id "`` → ``"circle id"``.
    """
    if value is None:
        return ""
    text = _SPACE.sub(" ", str(value).replace("\u3000", " ")).strip()
    return _CJK_SPACE.sub("", text)


def expected_keys(names: Iterable[str] | None) -> frozenset[str]:
    """The compared form of expected header names; every alias of `ALIASES` by default."""
    if names is None:
        names = [n for aliases in ALIASES.values() for n in aliases] + ["序号"]
    return frozenset(header_key(n) for n in names)


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _filled(row: Sequence[Cell]) -> list[int]:
    return [j for j, v in enumerate(row) if v is not None and v == v and str(v).strip() != ""]


def _numeric(text: str) -> bool:
    return bool(_NUMBER.match(text.replace(",", "").strip()))


def find_header(grid: Grid, *, expect: frozenset[str], merges: Sequence[Merge] = ()) -> Header:
    """Find the header row of an office table and name its columns.

    The header is the first row of the first `HEADER_WINDOW` rows holding two or more
    expected names; else the first row filled across at least half the table's width
    (and two cells) with text only; else the first non-empty row. A title merged across
    the columns counts as one cell, so it is never taken for the header. When the header
    has cells spanning several columns (a merge in a workbook, empty cells after a name in
    a CSV) and the next row fills exactly those columns, it is a second header row:
    those columns are named ``group/sub`` (``创建年度/2023``).

    Parameters
    ----------
    grid : list of list of str or None
        The rows as read, merges not yet filled.
    expect : frozenset of str
        Expected header names (`expected_keys`).
    merges : sequence of Merge
        Merged ranges of a workbook (none for CSV).

    Returns
    -------
    Header
    """
    window = grid[:HEADER_WINDOW]
    counts = [len(_filled(r)) for r in window]
    widest = max(counts, default=0)
    row = None
    for i, r in enumerate(window):
        cells = [str(r[j]) for j in _filled(r)]
        hits = sum(bool(header_keys(c) & expect) for c in cells)
        if len(cells) >= 2 and hits >= 2:
            row = i
            break
    if row is None:
        need = max(2, math.ceil(widest / 2))
        for i, r in enumerate(window):
            cells = [str(r[j]) for j in _filled(r)]
            if len(cells) >= need and not any(_numeric(c) for c in cells):
                row = i
                break
    if row is None:
        row = next((i for i, n in enumerate(counts) if n), 0)
    title = " ".join(
        _SPACE.sub(" ", str(grid[i][j])).strip() for i in range(row) for j in _filled(grid[i])
    ).strip()
    top = list(grid[row]) if row < len(grid) else []
    width = max((len(r) for r in grid[row : row + 2 + HEADER_WINDOW]), default=len(top))
    top += [None] * (width - len(top))
    spans = _spans(top, row, merges)
    names = [clean_header(v) for v in top]
    rows = 1
    if spans and row + 1 < len(grid):
        sub = list(grid[row + 1]) + [None] * (width - len(grid[row + 1]))
        if _is_subheader(sub, spans, row, merges):
            rows = 2
            for c0, c1 in spans:
                for j in range(c0, c1 + 1):
                    if sub[j] is not None and clean_header(sub[j]):
                        names[j] = f"{clean_header(top[c0])}/{clean_header(sub[j])}"
    return Header(row=row, rows=rows, names=names, title=title or None, spans=spans)


def _spans(top: list[Cell], row: int, merges: Sequence[Merge]) -> list[tuple[int, int]]:
    """Header cells that stand over several columns."""
    if merges:
        return sorted((m.c0, m.c1) for m in merges if m.r0 == row and m.c1 > m.c0)
    spans = []
    filled = _filled(top)
    for k, j in enumerate(filled):
        end = (filled[k + 1] - 1) if k + 1 < len(filled) else len(top) - 1
        if end > j:
            spans.append((j, end))
    return spans


def _is_subheader(
    sub: list[Cell], spans: list[tuple[int, int]], row: int, merges: Sequence[Merge]
) -> bool:
    inside = {j for c0, c1 in spans for j in range(c0, c1 + 1)}
    carried = {j for m in merges if m.r0 == row and m.r1 > row for j in range(m.c0, m.c1 + 1)}
    filled = _filled(sub)
    in_span = [j for j in filled if j in inside]
    return len(in_span) >= 2 and all(j in inside or j in carried for j in filled)


def is_footer(row: Sequence[Cell], width: int) -> bool:
    """A note under a table: one text (one cell, or one merged across the row) in a table
    of 3+ columns, reading like ``注：…``, ``填表人：…`` or holding a colon."""
    values = {str(row[j]).strip() for j in _filled(row)}  # a merged note repeats its text
    if width < 3 or len(values) != 1:
        return False
    text = values.pop()
    return bool(_FOOTER.match(text)) or "：" in text or ":" in text


def fill_merges(grid: Grid, merges: Sequence[Merge], *, start: int) -> None:
    """Give every cell of a merged range at or below row ``start`` its top-left value."""
    for m in merges:
        if m.r1 < start or m.r0 >= len(grid):
            continue
        value = grid[m.r0][m.c0] if m.c0 < len(grid[m.r0]) else None
        for i in range(max(m.r0, start), min(m.r1, len(grid) - 1) + 1):
            row = grid[i]
            if len(row) <= m.c1:
                row.extend([None] * (m.c1 + 1 - len(row)))
            for j in range(m.c0, m.c1 + 1):
                row[j] = value
