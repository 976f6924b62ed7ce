"""The Excel row writer (excel._fast_rows) writes the bytes openpyxl itself writes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from lifecircle.reports import excel

# every kind of value a table can hold, including those the fast path hands to openpyxl
ROWS: list[list[object]] = [
    [1, 2.5, "小区", None, " padded ", True, "", "=SUM(A1:A2)", "#N/A", float("nan")],
    [-3, 1e-9, "x" * 40, "末尾 ", 0, False, None, "=", "12", 7],
    [],
    [10**15, 0.1 + 0.2, "a\tb", "line\nbreak", 3, None, "x", "y", "z", 1],
    ["a & b <c> d", "cr\r\nlf\rend", 'say "hi"', "x]]>y", "&amp;", 1e300, -0.0, "\u2028", "’", 2],
]
HEADER = [f"列{j}" for j in range(10)]


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml") + z.read("xl/styles.xml")


def _write(path: Path, *, fast: bool) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("t")
    ws.column_dimensions["A"].width = 12
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30
    st = excel._Styles(ws, fast=fast)
    if fast:
        excel._fast_rows(ws)
    fill = excel.STATUS_FILL["fail"]
    ws.append([st.cell(h, font=excel.HEAD_FONT, fill=excel.HEAD_FILL) for h in HEADER])
    for i, row in enumerate(ROWS):
        out = [
            st.cell(v, fill=fill if j % 2 else None, fmt=excel.INT if i % 2 else None)
            if j < 5 and v is not None
            else v
            for j, v in enumerate(row)
        ]
        ws.append(out)
    ws.append([])
    ws.append(["注：", None, 3])
    wb.save(path)
    return path


def test_fast_rows_write_what_openpyxl_writes(tmp_path: Path) -> None:
    slow = _sheet_xml(_write(tmp_path / "slow.xlsx", fast=False))
    fast = _sheet_xml(_write(tmp_path / "fast.xlsx", fast=True))
    assert b"inlineStr" in fast and b'xml:space="preserve"' in fast  # texts were written
    assert fast == slow


@pytest.mark.parametrize("fast", [False, True])
def test_illegal_characters_still_refused(tmp_path: Path, fast: bool) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("t")
    if fast:
        excel._fast_rows(ws)
    with pytest.raises(IllegalCharacterError):
        ws.append(["ok", "bad\x01char"])


def test_another_openpyxl_gets_the_plain_writer(tmp_path: Path, monkeypatch) -> None:
    """On an openpyxl the fast writer was not tested against, tables still come out whole."""
    import openpyxl

    wb = Workbook(write_only=True)
    assert excel.fast_rows_available(wb.create_sheet("t"))
    monkeypatch.setattr(openpyxl, "__version__", "4.0.0")
    assert not excel.fast_rows_available(wb.create_sheet("u"))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("t")
    excel._table(ws, HEADER, [r for r in ROWS if r])
    wb.save(tmp_path / "plain.xlsx")
    back = openpyxl.load_workbook(tmp_path / "plain.xlsx")["t"]
    assert back["A1"].value == "列0" and back["C2"].value == "小区" and back.max_row == 5


def _table_xml(path: Path, monkeypatch, *, fast: bool) -> bytes:
    """A table of every kind of value, with fills and number formats, as ``_table`` writes it
    with the markup rows (``fast``) and with openpyxl's own writer."""
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(excel, "fast_rows_available", lambda ws: False)
        wb = Workbook(write_only=True)
        fail = excel.STATUS_FILL["fail"]

        def fill(i: int, j: int, v: object) -> object:
            return fail if (i + j) % 3 == 0 or v == "小区" else None

        rows = [*ROWS, [1, "a", None, 2.5], ["小区", 3, 4.25, "是"]]
        excel._table(wb.create_sheet("t"), HEADER, rows, {1: excel.INT, 2: excel.DEC2}, fill)
        excel._table(wb.create_sheet("u"), HEADER[:3], [[1, "x", 2.0]] * 3, header_height=30)
        wb.save(path)
    with zipfile.ZipFile(path) as z:
        names = ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/styles.xml")
        return b"".join(z.read(n) for n in names)


def test_table_rows_as_markup_are_what_openpyxl_writes(tmp_path: Path, monkeypatch) -> None:
    fast = _table_xml(tmp_path / "fast.xlsx", monkeypatch, fast=True)
    slow = _table_xml(tmp_path / "slow.xlsx", monkeypatch, fast=False)
    assert b'<c r="A8" s="' in fast  # a filled text
    assert fast == slow
