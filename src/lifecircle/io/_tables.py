"""Read CSV (UTF-8 / GBK / GB18030) and XLSX tables into string-typed DataFrames."""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path
from typing import Final

import pandas as pd

from lifecircle.errors import FileFormatError

__all__ = ["decode_text", "numeric_where_possible", "read_csv_table", "read_xlsx_table"]

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
                f"unknown text encoding {enc!r}",
                file=source,
                field="encoding",
                fix="use utf-8, utf-8-sig, gbk or gb18030, or leave it empty to detect.",
            ) from None
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    line = data[: first_error.start].count(b"\n") + 1
    raise FileFormatError(
        f"the text cannot be decoded as {' or '.join(tried)} (bad byte at offset "
        f"{first_error.start}, line {line} of the file)",
        file=source,
        row=max(line - 1, 1),
        fix="save the file as UTF-8 (Excel: 'CSV UTF-8') or GBK, or pass the right encoding=.",
    )


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def read_csv_table(path: Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read a delimited text table, every cell as a string (empty cells as NA).

    Strings keep ids such as ``"001"`` intact; numbers are parsed later by the caller.
    The delimiter (comma, tab, semicolon, bar) is sniffed from the first lines.
    """
    text, enc = decode_text(path.read_bytes(), source=str(path), encoding=encoding)
    if not text.strip():
        raise FileFormatError(
            "the file has no header and no rows",
            file=str(path),
            fix="export the table again with a header row and data rows.",
        )
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=_delimiter(text),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise FileFormatError(
            f"the table cannot be parsed as CSV: {exc}",
            file=str(path),
            fix="check that every row has as many fields as the header and quotes are closed.",
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["encoding"] = enc
    return df


def read_xlsx_table(path: Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read one sheet of an .xlsx workbook (the first unless ``sheet``), cells as strings."""
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileFormatError(
            f"the workbook cannot be opened: {exc}",
            file=str(path),
            fix="open and re-save it in Excel/WPS as .xlsx, or export CSV.",
        ) from None
    with book:
        names = [str(s) for s in book.sheet_names]
        if sheet is not None and sheet not in names:
            raise FileFormatError(
                f"the workbook has no sheet {sheet!r}",
                file=str(path),
                field="layer",
                fix="use one of the sheets: " + ", ".join(names) + ".",
            )
        with warnings.catch_warnings():
            # openpyxl warns about styles/data validation it ignores; not the user's problem
            warnings.simplefilter("ignore", UserWarning)
            df = pd.read_excel(book, sheet_name=sheet if sheet is not None else names[0], dtype=str)
    df.columns = [str(c).strip() for c in df.columns]
    df = df.loc[:, [not c.startswith("Unnamed:") or df[c].notna().any() for c in df.columns]]
    return df.dropna(how="all").reset_index(drop=True)


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
