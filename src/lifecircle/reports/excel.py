"""Excel workbooks (openpyxl): frozen headers, number formats and widths that read well."""

from __future__ import annotations

import datetime
import functools
import itertools
import math
import os
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import XML_NS, Element, SubElement, fromstring, xmlfile

from lifecircle.reports.context import CircleReport, DistrictReport, Meta
from lifecircle.reports.data import finite
from lifecircle.reports.strings import Text
from lifecircle.reports.zipping import member_compression

HEAD_FILL = PatternFill("solid", fgColor="1F3B5A")
HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_ALIGN = Alignment(vertical="center", wrap_text=True)
TITLE_FONT = Font(bold=True, size=14)
BOLD_FONT = Font(bold=True)
NOTICE_FONT = Font(bold=True, color="9C0006", size=12)
NOTICE_FILL = PatternFill("solid", fgColor="FFF3CD")
STATUS_FILL = {
    "pass": PatternFill("solid", fgColor="C6EFCE"),
    "fail": PatternFill("solid", fgColor="FFC7CE"),
    "missing": PatternFill("solid", fgColor="EDEDED"),
}
GRADE_FILL = {
    "AAA": PatternFill("solid", fgColor="2E8B57"),
    "AA": PatternFill("solid", fgColor="9DC3E6"),
    "NONE": PatternFill("solid", fgColor="F4B183"),
}
INT = "#,##0"
DEC1 = "#,##0.0"
DEC2 = "#,##0.00"


# width of an all-ASCII string of n characters, summed exactly as the general case does
_ASCII_WIDTH = [sum(1.1 for _ in range(n)) for n in range(256)]


def _width(text: object) -> float:
    s = "" if text is None else str(text)
    if s.isascii() and len(s) < len(_ASCII_WIDTH):
        return _ASCII_WIDTH[len(s)]
    return sum(2.1 if ord(ch) > 0x2E80 else 1.1 for ch in s)


def _column_width(values: Sequence[object]) -> float:
    """The widest of ``values`` by :func:`_width`, measuring each distinct text once."""
    texts = set(map(str, values))
    texts.discard("None")  # None is an empty cell ("None" the text measures the same)
    return max(map(_width, texts), default=0.0)


XML_SPACE = f"{{{XML_NS}}}space"  # xml:space, as openpyxl writes it on padded texts


def _escape(text: str) -> str:
    """``text`` as XML character data that parses back to exactly ``text`` (a carriage
    return would be read as a line feed unless written as a reference)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


class _Styled(NamedTuple):
    """A styled cell the row writer writes itself: a finite number or a plain text."""

    value: int | float | str
    data_type: str  # "n" or "s", as openpyxl would bind it
    style: Any  # the openpyxl StyleArray


def _plain(value: object) -> str | None:
    """openpyxl's data type for ``value`` when it is a finite number or a text openpyxl
    would keep as it is (not empty, no formula, error code or illegal character, not
    truncated); None for anything else (openpyxl's own cell handles those)."""
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return "n"
    if (
        type(value) is str
        and 0 < len(value) <= 32767
        and not (len(value) > 1 and value[0] == "=")
        and value not in ERROR_CODES
        and ILLEGAL_CHARACTERS_RE.search(value) is None
    ):
        return "s"
    return None


def fast_rows_available(ws: Any) -> bool:
    """Whether ``_fast_rows`` may serve ``ws``: it stands in for openpyxl internals as they
    are in openpyxl 3.1 (byte for byte, tests/reports/test_excel_rows.py); with any other
    openpyxl the workbook is written by openpyxl alone (slower, the same document)."""
    import openpyxl

    return (
        openpyxl.__version__.startswith("3.1.")
        and hasattr(ws, "_get_writer")
        and hasattr(ws, "_values_to_row")
        and hasattr(ws.parent, "_cell_styles")
    )


def _fast_rows(ws) -> None:
    """Write ``ws.append``'s rows with less per-cell work, byte for byte as openpyxl does.

    openpyxl's write-only sheet binds every value to a cell object, recognises a styled
    cell only by the ``ValueError`` (and ``repr``) that binding it raises, and writes each
    cell through nested lxml contexts: about 20 µs a cell, most of a circle workbook's time
    (20,000+ cells). Here a number or plain text (bare, or a :class:`_Styled` from
    :class:`_Styles`) is formatted as XML text; a row of only those is parsed by lxml in
    one go and written as one element (lxml writes the same bytes for it as for
    openpyxl's elements); in other rows such cells are lxml elements written one by one.
    Anything else (empty styled cells, dates, booleans, formulas, openpyxl ``Cell``
    objects) goes through openpyxl's own cell writer. Must be called on an empty write-only sheet after its
    column widths, panes and row heights are set (the sheet's head is written here).
    """
    writer = ws._writer = _TextRowsWriter(ws)
    writer.write_top()  # as ws._get_writer() does with openpyxl's writer
    wb = ws.parent
    letters: list[str] = []
    plain = WriteOnlyCell(ws)

    def element(value: object, ref: str) -> Any:
        """The ``<c>`` element of a number or plain text (None: openpyxl writes it)."""
        v: Any
        dt: str | None
        if isinstance(value, _Styled):
            v, dt = value.value, value.data_type
            c = Element("c", {"r": ref, "s": f"{wb._cell_styles.add(value.style)}"})
        else:
            dt = _plain(value)
            if dt is None:
                return None
            v = value
            c = Element("c", {"r": ref})
        if dt == "n":
            c.set("t", "n")
            SubElement(c, "v").text = safe_string(v)
        else:
            c.set("t", "inlineStr")
            keep = {XML_SPACE: "preserve"} if v != v.strip() else {}
            SubElement(SubElement(c, "is"), "t", keep).text = v
        return c

    style_ids: dict[int, tuple[Any, str]] = {}

    def style_index(style: Any) -> str:
        """The workbook's index of a shared style array, hashed once per array (the
        arrays of :class:`_Styles` are made once and never changed; each is kept here)."""
        hit = style_ids.get(id(style))
        if hit is None:
            hit = style_ids[id(style)] = (style, f"{wb._cell_styles.add(style)}")
        return hit[1]

    def markup(value: object, ref: str) -> str | None:
        """The ``<c>`` element of a number or plain text as XML text (None: not one)."""
        v: Any
        dt: str | None
        if type(value) is _Styled:
            v, dt = value.value, value.data_type
            head = f'<c r="{ref}" s="{style_index(value.style)}"'
        else:
            dt = _plain(value)
            if dt is None:
                return None
            v, head = value, f'<c r="{ref}"'
        if dt == "n":
            return f'{head} t="n"><v>{safe_string(v)}</v></c>'
        return head + _inline_text(v)

    text_tails: dict[str, str | None] = {}

    def text_tail(value: str) -> str | None:
        """:func:`_text_tail` of ``value``, made once per distinct text of the sheet."""
        tail = text_tails.get(value, _UNSEEN)
        if tail is _UNSEEN:
            tail = text_tails[value] = _text_tail(value)
        return tail  # type: ignore[return-value]

    def write_row(xf, values, row_idx: int) -> None:
        attrs = {"r": f"{row_idx}"}
        attrs.update(ws.row_dimensions.get(row_idx, {}))
        if type(values) is _RowMarkup:
            if values.row == row_idx and all(map(_PLAIN_ATTR.fullmatch, attrs.values())):
                head = " ".join(f'{k}="{v}"' for k, v in attrs.items())
                writer.write_text(xf, f"<row {head}>{values.cells}</row>")
                return
            values = values.values()  # written below, cell by cell
        row = str(row_idx)
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        cells: list[str] = []
        add = cells.append
        # letters: at least as many as values (a row's last cells may be missing)
        for letter, value in zip(letters, values, strict=False):
            if value is None:
                continue
            t = type(value)
            if t is int or (t is float and math.isfinite(value)):  # the commonest cell,
                # as markup() writes it: safe_string's own formatting of a finite number
                add(f'<c r="{letter}{row}" t="n"><v>{"%.16g" % value}</v></c>')  # noqa: UP031
                continue
            if t is str:  # the next commonest: as markup() writes it, the text part made
                # once per distinct text (categories, 是/否, 不可达 recur on every row)
                tail = text_tails.get(value, _UNSEEN)
                if tail is _UNSEEN:
                    tail = text_tails[value] = _text_tail(value)
                if tail is None:
                    break
                add(f'<c r="{letter}{row}"{tail}')
                continue
            c = markup(value, letter + row)
            if c is None:
                break
            add(c)
        else:
            if cells and all(map(_PLAIN_ATTR.fullmatch, attrs.values())):
                # the row as the text lxml would write for it (an empty row is written
                # below, as openpyxl writes it); the texts are escaped as lxml escapes them
                head = " ".join(f'{k}="{v}"' for k, v in attrs.items())
                writer.write_text(xf, f"<row {head}>{''.join(cells)}</row>")
                return
            if cells:  # the whole row parsed at once and written by lxml as openpyxl's
                # elements are (an attribute that would need escaping)
                row_el = fromstring(f"<row>{''.join(cells)}</row>")
                for k, v in attrs.items():
                    row_el.set(k, v)
                xf.write(row_el)
                return
        with xf.element("row", attrs):
            for j, value in enumerate(values):
                if value is None:
                    continue
                c = element(value, letters[j] + row)
                if c is not None:
                    xf.write(c)
                    continue
                cell = value if isinstance(value, Cell) else plain
                if cell is plain:
                    plain.value = value
                cell.column, cell.row = j + 1, row_idx
                if cell._value is not None or cell.has_style:
                    write_cell(xf, ws, cell, cell.has_style)

    writer.write_row = write_row
    writer.style_index = style_index
    writer.text_tail = text_tail
    ws._values_to_row = lambda values, row_idx: values


_UNSEEN = object()


class _RowMarkup(list):
    """A row of :func:`_table` whose cells are already markup (``cells``) for the sheet row
    ``row``. Given to ``ws.append`` (a list, empty); the row writer of ``_fast_rows`` writes
    the markup, or, should the row land elsewhere or need attributes lxml would escape,
    the row's styled values (``values()``) as it writes any row."""

    def __init__(self, values: Callable[[], list[Any]], cells: str, row: int) -> None:
        super().__init__()
        self.values, self.cells, self.row = values, cells, row


def _text_tail(value: str) -> str | None:
    """What ``markup`` writes after ``<c r="…"`` for an unstyled text, or None when the text
    is not a plain one (openpyxl's own cell writer takes it)."""
    return None if _plain(value) is None else _inline_text(value)


def _inline_text(value: str) -> str:
    """A text cell's markup after its ``<c r="…"`` (and style): the inline string."""
    keep = ' xml:space="preserve"' if value != value.strip() else ""
    return f' t="inlineStr"><is><t{keep}>{_escape(value)}</t></is></c>'


_PLAIN_ATTR = re.compile(r"[0-9A-Za-z.:+-]*")  # a row attribute lxml writes as it is


class _TextRowsWriter(WorksheetWriter):
    """openpyxl's sheet writer, its XML stream on a file opened here so that finished rows
    can be written to it as text (lxml's incremental writer flushed first): parsing each
    row's text only for lxml to write it back was most of a workbook's time."""

    _file: Any = None

    def get_stream(self) -> Any:  # openpyxl 3.1's, on a file object
        with open(self.out, "wb") as fh, xmlfile(fh) as xf:
            self._file = fh
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = yield
                        if el is True:
                            yield xf
                        elif el is None:
                            continue
                        else:
                            xf.write(el)
                except GeneratorExit:
                    pass

    def write_text(self, xf: Any, text: str) -> None:
        """``text`` (markup) after what lxml has written, as lxml writes it: ASCII, other
        characters as decimal references."""
        xf.flush()
        self._file.write(text.encode("ascii", "xmlcharrefreplace"))


class _Styles:
    """Write-only cells with shared style arrays: each font/fill/format combination is
    registered with the workbook once, not once per cell."""

    def __init__(self, ws, *, fast: bool = False):
        self.ws = ws
        self.fast = fast  # ``ws`` writes with _fast_rows: plain values may stay light
        self._arrays: dict[tuple[Any, ...], tuple[Any, Any, Any, Any]] = {}

    def cell(self, value, *, font=None, fill=None, align=None, fmt=None) -> Any:
        key = (id(font), id(fill), id(align), fmt)
        arr = self._arrays.get(key)
        if arr is None:
            c = Cell(self.ws, row=1, column=1)
            if font is not None:
                c.font = font
            if fill is not None:
                c.fill = fill
            if align is not None:
                c.alignment = align
            if fmt is not None:
                c.number_format = fmt
            arr = self._arrays[key] = (font, fill, align, c._style)
        dt = _plain(value)
        if dt is not None and self.fast:
            # no style at all: the bare value, as openpyxl writes an unstyled cell
            return value if arr[3] is None else _Styled(value, dt, arr[3])
        return Cell(self.ws, row=1, column=1, value=value, style_array=arr[3])


def _table(
    ws,
    header: list[str],
    rows: list[list],
    formats: dict[int, str] | None = None,
    fill=None,
    max_width: float = 60,
    freeze: str = "A2",
    header_height: float | None = None,
) -> None:
    """Write a header and rows; freeze the header, set number formats and column widths.

    ``ws`` is a write-only worksheet and must be empty; ``fill(i, j, value)`` (data row
    ``i`` from 0, column ``j`` from 1) returns the fill of a data cell, or ``None``.
    """
    formats = formats or {}
    # math.isfinite: np.isfinite's answer for a float, without a numpy call per cell
    rows = [[None if isinstance(v, float) and not math.isfinite(v) else v for v in r] for r in rows]
    widths = [_width(h) for h in header]
    for j, col in enumerate(itertools.zip_longest(*rows)):  # a short row: empty cells
        widths[j] = max(widths[j], _column_width(col))
    for j, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = min(max_width, max(8, w + 2))
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{1 + len(rows)}"
    if header_height is not None:
        ws.row_dimensions[1].height = header_height
    fast = fast_rows_available(ws)
    st = _Styles(ws, fast=fast)
    if fast:
        _fast_rows(ws)
    ws.append([st.cell(h, font=HEAD_FONT, fill=HEAD_FILL, align=HEAD_ALIGN) for h in header])
    if fast:
        _data_rows(ws, st, rows, formats, fill)
        return
    for i, row in enumerate(rows):
        ws.append(_styled_row(st, row, i, formats, fill))


def _data_rows(
    ws: Any,
    st: _Styles,
    rows: list[list[Any]],
    formats: dict[int, str],
    fill: Callable[[int, int, Any], Any] | None,
) -> None:
    """The data rows of :func:`_table` (below its header, row 2 on) on a ``_fast_rows``
    sheet: each row of numbers and plain texts written here as the markup the row writer
    would make of its styled cells (the style of each fill and format looked up once),
    any other row as :func:`_table` gives it to the row writer."""
    writer = ws._writer
    sids: dict[tuple[int, str | None], str | None] = {}
    letters = [get_column_letter(j) for j in range(1, max(map(len, rows), default=0) + 1)]
    text_tail = writer.text_tail

    def sid(f: Any, fmt: str | None) -> str | None:
        """The style index of a cell with fill ``f`` and number format ``fmt`` (None: the
        styled cell is not a ``_Styled`` one, and its row is left to the row writer)."""
        key = (id(f), fmt)
        if key not in sids:
            styled = st.cell(0, fill=f, fmt=fmt)  # only the style array is used
            sids[key] = writer.style_index(styled.style) if type(styled) is _Styled else None
        return sids[key]

    no_fill = lambda i, j, v: None  # noqa: E731
    fill_of = no_fill if fill is None else fill
    fmts = [formats.get(j) for j in range(1, len(letters) + 1)]
    for i, row in enumerate(rows):
        r = str(i + 2)
        cells: list[str] = []
        add = cells.append
        for letter, j, fmt, v in zip(letters, itertools.count(1), fmts, row, strict=False):
            t = type(v)
            if t is int or t is float:  # finite: _table wrote non-finite floats as None
                f = fill_of(i, j, v)
                # "%.16g": openpyxl's safe_string of a finite number
                if fmt is None and f is None:
                    add(f'<c r="{letter}{r}" t="n"><v>{"%.16g" % v}</v></c>')  # noqa: UP031
                    continue
                s = sids.get((id(f), fmt)) or sid(f, fmt)
                if s is None:
                    break
                add(f'<c r="{letter}{r}" s="{s}" t="n"><v>{"%.16g" % v}</v></c>')  # noqa: UP031
            elif t is str:
                tail = text_tail(v)
                if tail is None:
                    break
                f = fill_of(i, j, v)
                if f is None:
                    add(f'<c r="{letter}{r}"{tail}')
                    continue
                s = sids.get((id(f), None)) or sid(f, None)
                if s is None:
                    break
                add(f'<c r="{letter}{r}" s="{s}"{tail}')
            elif v is None and fill_of(i, j, v) is None:
                continue
            else:  # a styled empty cell, a date, a boolean...: the row writer's
                break
        else:
            if cells:
                styled = functools.partial(_styled_row, st, row, i, formats, fill)
                ws.append(_RowMarkup(styled, "".join(cells), i + 2))
                continue
        ws.append(_styled_row(st, row, i, formats, fill))


def _styled_row(
    st: _Styles,
    row: list[Any],
    i: int,
    formats: dict[int, str],
    fill: Callable[[int, int, Any], Any] | None,
) -> list[Any]:
    """Data row ``i`` of :func:`_table` as the row writer takes it: styled values as
    :meth:`_Styles.cell` gives them."""
    out = []
    for j, v in enumerate(row, 1):
        fmt = formats.get(j) if isinstance(v, (int, float)) else None
        f = fill(i, j, v) if fill is not None else None
        out.append(v if fmt is None and f is None else st.cell(v, fill=f, fmt=fmt))
    return out


def _meta_sheet(ws, meta: Meta, T: Text, extra: Sequence[tuple[str, object]]) -> None:
    """Overview sheet (write-only, empty ``ws`` titled ``T("sheet_overview")``)."""
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 70
    st = _Styles(ws)
    ws.append([st.cell(meta.title, font=TITLE_FONT)])
    r = 2
    note = f"{T('circles_note')}: {meta.circles_note}" if meta.circles_note else None
    for notice in (meta.generated_notice, meta.provisional_notice, note):
        if notice:
            ws.append([st.cell(notice, font=NOTICE_FONT, fill=NOTICE_FILL)])
            ws.merged_cells.add(f"A{r}:D{r}")
            r += 1
    ws.append([])
    for k, v in [*extra, *meta.rows(T)]:
        fmt = (INT if float(v).is_integer() else DEC2) if isinstance(v, int | float) else None
        ws.append([st.cell(k, font=BOLD_FONT), v if fmt is None else st.cell(v, fmt=fmt)])


def _status_fill(col: int):
    """Fill the status column ``col`` by its value (status key or its text)."""

    def fill(i, j, v):
        if j != col:
            return None
        out = None
        for status, f in STATUS_FILL.items():
            if v == status or v == _STATUS_TEXT.get(status):
                out = f
        return out

    return fill


_STATUS_TEXT: dict[str, str] = {}


def _places_sheet(ws, places: list[dict], T: Text, *, district: bool) -> None:
    """The six places: numbers where there are numbers, the texts of the Word table else."""
    where = "district" if district else "circle"
    header = [
        T("place"),
        T(f"place_supply_{where}"),
        T("place_need_h"),
        T("place_gap"),
        T(f"place_value_{where}"),
        T("place_circles_h") if district else T("status"),
        T("source"),
    ]
    rows = [
        [
            p["place"],
            p["supply"] if p["supply"] is not None else "—",
            p["need"] if p["need"] is not None else "—",
            p["gap"] if p["gap"] is not None else "—",
            p["value_text"],
            p["circles_text"] if district else p["status_text"],
            p["source"],
        ]
        for p in places
    ]
    _table(ws, header, rows, {2: INT, 3: INT, 4: INT}, fill=None if district else _status_fill(6))
    ws.append([])
    ws.append([T("place_note", where=T(f"place_where_{where}"))])


def _suggestions_sheet(ws, suggestions: list[dict], T: Text) -> None:
    """补短板建议: the advice per shortfall and, when the checkup ran with ``--suggest``, the
    fewest new facilities and their sites (one row per site)."""
    header = [
        T("seq"),
        T("indicator"),
        T("sug_advice"),
        T("sug_category"),
        T("sug_count"),
        T("sug_after"),
        T("sug_status"),
        T("sug_site"),
        "经度" if T.lang == "zh" else "lon",
        "纬度" if T.lang == "zh" else "lat",
        T("sug_added"),
    ]
    rows = []
    sep = "" if T.lang == "zh" else " "
    for n, s in enumerate(suggestions, 1):
        base = [n, s["title"], sep.join(s["lines"])]
        sug = (s.get("shortfall") or {}).get("suggestion")
        if sug is None:
            rows.append([*base, None, None, None, None, None, None, None, None])
            continue
        solved = [
            T.category(sug.category),
            sug.count,
            finite(sug.value_after),
            T(f"sug_{sug.status}") if f"sug_{sug.status}" in T.table else sug.status,
        ]
        if not sug.sites:
            rows.append([*base, *solved, None, None, None, None])
        for k, site in enumerate(sug.sites, 1):
            rows.append(
                [
                    *(base if k == 1 else [n, s["title"], None]),
                    *solved,
                    k,
                    round(site.lon, 6),
                    round(site.lat, 6),
                    finite(site.residents_added),
                ]
            )
    _table(ws, header, rows, {5: INT, 6: DEC2, 9: "0.000000", 10: "0.000000", 11: INT})


def _records(df: pd.DataFrame, names: set[str]) -> list[dict[str, Any]]:
    """``df.to_dict("records")`` with only the columns in ``names`` (the same Python values:
    each column's ``tolist``), without boxing the ~120 columns a sheet does not show."""
    cols = [c for c in df.columns if c in names]
    if not cols:
        return [{} for _ in range(len(df))]
    lists = [df[c].tolist() for c in cols]
    return [dict(zip(cols, vals, strict=True)) for vals in zip(*lists, strict=True)]


def save_xlsx(wb: Workbook, path: str | os.PathLike[str]) -> None:
    """``wb.save(path)`` with each member compressed as
    :func:`lifecircle.reports.zipping.member_compression` says (openpyxl deflates every
    member at level 6): openpyxl's own ``save_workbook`` on a zip file made here, whose
    ``write`` and ``writestr`` take the compression of the member."""
    from openpyxl.writer import excel as writer

    if not hasattr(writer, "ExcelWriter") or wb.read_only:
        wb.save(path)  # another openpyxl, or its refusal: as openpyxl does it
        return
    if wb.write_only and not wb.worksheets:
        wb.create_sheet()  # as Workbook.save does
    archive = _MemberZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    writer.ExcelWriter(wb, archive).save()


class _MemberZip(zipfile.ZipFile):
    """A zip file whose members are compressed by their names (``member_compression``)."""

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        kind, level = member_compression(str(arcname if arcname is not None else filename))
        super().write(filename, arcname, kind, level)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        kind, level = member_compression(str(name))
        super().writestr(zinfo_or_arcname, data, kind, level)


def circle_xlsx(rep: CircleReport, T: Text, path: Path) -> Path:
    """Workbook: overview, indicators, shortfalls, compounds with walking distances, facilities."""
    _STATUS_TEXT.update({s: T(f"status_{s}") for s in STATUS_FILL})
    wb = Workbook(write_only=True)
    extra = [(k, v) for k, v in rep.overview]
    _meta_sheet(wb.create_sheet(T("sheet_overview")), rep.meta, T, extra)

    ws = wb.create_sheet(T("sheet_indicators"))
    header = [
        T("seq"),
        T("indicator"),
        T("category"),
        T("value"),
        T("threshold"),
        T("unit"),
        T("status"),
        T("margin"),
        T("radius_m"),
        T("facility_categories"),
        T("responsible_units"),
        T("source"),
        T("remark"),
        T("verified"),
    ]
    rows = [
        [
            n,
            i["name"],
            i["category_text"],
            i["value"],
            f"{i['threshold_text']}",
            i["unit"],
            i["status_text"],
            i["margin"],
            i["radius_m"],
            i["facility_text"],
            i["responsible_text"],
            i["source"],
            i["remark"] or None,
            i["verified_text"],
        ]
        for n, i in enumerate(rep.indicators, 1)
    ]
    _table(ws, header, rows, {4: DEC2, 8: DEC2, 9: INT}, fill=_status_fill(7))

    ws = wb.create_sheet(T("sheet_shortfalls"))
    header = [
        T("seq"),
        T("indicator"),
        T("category"),
        T("status"),
        T("value"),
        T("threshold"),
        T("facility_categories"),
        T("responsible_units"),
        T("affected_population"),
        T("compound"),
        T("population"),
        T("nearest_m"),
    ]
    rows = []
    for n, sf in enumerate(rep.shortfalls, 1):
        base = [
            n,
            sf["name"],
            sf["category_text"],
            sf["status_text"],
            sf["value_text"],
            sf["threshold_text"],
            sf["facility_text"],
            sf["responsible_text"],
            sf["affected_population"] if sf["status"] == "fail" else None,
        ]
        if not sf["affected"] or sf["status"] != "fail":
            rows.append([*base, None, None, None])
        for a in sf["affected"]:
            rows.append(
                [
                    *base,
                    a["name"],
                    a["population"],
                    a["nearest_m"] if a["nearest_m"] is not None else a["nearest_text"],
                ]
            )
    _table(ws, header, rows, {9: INT, 11: INT, 12: INT}, fill=_status_fill(4))

    if rep.suggestions:
        _suggestions_sheet(wb.create_sheet(T("sheet_suggestions")), rep.suggestions, T)

    if rep.places:
        _places_sheet(wb.create_sheet(T("sheet_places")), rep.places, T, district=False)

    ws = wb.create_sheet(T("sheet_compounds"))
    comp = rep.compounds
    cats = [col.split("__", 1)[1] for col in comp.columns if col.startswith("nearest_m__")]
    # failing categories first, then the rest
    cats = [x for x in rep.focus_categories if x in cats] + [
        x for x in cats if x not in rep.focus_categories
    ]
    header = ["ID", T("compound"), T("community"), T("population")]
    header += [
        f"{T.category(x)}（{T('distance_unit')}）" if T.lang == "zh" else f"{T.category(x)} (m)"
        for x in cats
    ]
    rows = []
    unreachable = T("unreachable")
    wanted = {"id", "name", "community", "population", *(f"nearest_m__{x}" for x in cats)}
    for r in _records(comp.sort_values("id"), wanted):
        row = [r["id"], r.get("name", ""), r.get("community", ""), finite(r["population"])]
        for x in cats:
            v = finite(r[f"nearest_m__{x}"])
            row.append(v if v is not None else unreachable)
        rows.append(row)
    # shade distances beyond the failing indicator's radius
    radius = {5 + k: rep.radius_for.get(x) for k, x in enumerate(cats)}
    fail_fill = STATUS_FILL["fail"]

    def beyond(i, j, v):
        rad = radius.get(j)
        if not rad:
            return None
        return fail_fill if not isinstance(v, int | float) or v > rad else None

    _table(ws, header, rows, {4: INT, **{5 + k: INT for k in range(len(cats))}}, fill=beyond)

    if rep.facilities is not None:
        ws = wb.create_sheet(T("sheet_facilities"))
        fac = rep.facilities.sort_values(["category", "id"])
        header = [
            T("facility_id"),
            T("facility_name"),
            T("category"),
            T("capacity"),
            T("in_circle"),
            "lon",
            "lat",
        ]
        rows = [
            [
                r["id"],
                r.get("name", ""),
                T.category(r["category"]),
                finite(r.get("capacity")),
                T("yes") if r["in_circle"] else T("no"),
                round(x, 6),
                round(y, 6),
            ]
            for r, x, y in zip(
                _records(fac, {"id", "name", "category", "capacity", "in_circle"}),
                fac.geometry.x.tolist(),
                fac.geometry.y.tolist(),
                strict=True,
            )
        ]
        _table(ws, header, rows, {4: INT, 6: "0.000000", 7: "0.000000"})
    save_xlsx(wb, path)
    return path


def district_xlsx(
    rep: DistrictReport, T: Text, path: Path, sheets: Sequence[Callable[[Any], None]] = ()
) -> Path:
    """Workbook: overview, circles, constraint matrix, targets, district indicators."""
    _STATUS_TEXT.update({s: T(f"status_{s}") for s in STATUS_FILL})
    wb = Workbook(write_only=True)
    _meta_sheet(wb.create_sheet(T("sheet_overview")), rep.meta, T, list(rep.overview))

    ws = wb.create_sheet(T("sheet_circles"))
    header = [T("circle_id"), T("name"), T("street"), T("population"), T("grade"), T("status_fail")]
    rows = [
        [c["id"], c["name"], c["street"], c["population"], c["grade_text"], c["n_fail"]]
        for c in rep.circles
    ]
    grades = [GRADE_FILL.get(c["grade"], GRADE_FILL["NONE"]) for c in rep.circles]
    _table(ws, header, rows, {4: INT, 6: INT}, fill=lambda i, j, v: grades[i] if j == 5 else None)

    ws = wb.create_sheet(T("sheet_matrix"))
    header = [T("circle_id"), T("name"), T("grade")] + [
        rep.constraint_names[k] for k in rep.constraint_ids
    ]
    rows = [
        [c["id"], c["name"], c["grade_text"]]
        + [f"{T('status_' + c['cells'][k])} {c['value_texts'][k]}" for k in rep.constraint_ids]
        for c in rep.circles
    ]
    cells = [[None, None, None] + [c["cells"][k] for k in rep.constraint_ids] for c in rep.circles]
    _table(
        ws,
        header,
        rows,
        max_width=22,
        fill=lambda i, j, v: STATUS_FILL[cells[i][j - 1]] if j >= 4 else None,
        freeze="D2",
        header_height=48,
    )

    ws = wb.create_sheet(T("sheet_targets"))
    header = [
        T("target_item"),
        T("grade"),
        T("deadline"),
        T("target_required"),
        T("target_current"),
        T("target_status"),
    ]
    rows = [
        [
            t["label"],
            t["grade"],
            t["deadline"],
            t["required_text"],
            t["current_text"] if t["current"] is None else t["current"],
            t["status_text"],
        ]
        for t in rep.targets
    ]
    target_fill = [STATUS_FILL["pass"] if t["status"] == "met" else None for t in rep.targets]
    _table(ws, header, rows, {5: INT}, fill=lambda i, j, v: target_fill[i] if j == 6 else None)
    ws.append([])  # the notes start two rows below the table
    for note in (T("target_plan_source"), T("target_year_note"), T("grade_disclaimer")):
        ws.append([note])

    ws = wb.create_sheet(T("sheet_district_indicators"))
    header = [
        T("seq"),
        T("indicator"),
        T("value"),
        T("threshold"),
        T("unit"),
        T("status"),
        T("deadline"),
        T("plan_item"),
        T("source"),
        T("verified"),
    ]
    rows = [
        [
            n,
            i["name"],
            i["value"],
            i["threshold_text"],
            i["unit"],
            i["status_text"],
            i["deadline"],
            i["plan_item"],
            i["source"],
            i["verified_text"],
        ]
        for n, i in enumerate(rep.district_indicators, 1)
    ]
    _table(ws, header, rows, {3: DEC2}, fill=_status_fill(6))
    if rep.places:
        _places_sheet(wb.create_sheet(T("sheet_places")), rep.places, T, district=True)
    for add in sheets:  # further sheets (reports.mobility)
        add(wb)
    save_xlsx(wb, path)
    return path
