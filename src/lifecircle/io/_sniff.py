"""Check that a file's first bytes match its extension, before a driver gives a cryptic error."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from lifecircle.errors import FileFormatError, InputError

__all__ = ["KIND_BY_SUFFIX", "file_kind", "require_file", "sniff"]

#: Extension -> kind of reader.
KIND_BY_SUFFIX: Final = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}

_LABEL: Final = {
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
    "shp": "Shapefile",
    "csv": "CSV text",
    "xlsx": "Excel .xlsx",
}


def require_file(path: Path) -> None:
    """Stop unless ``path`` is an existing file (a folder or a missing path is named).

    Raises
    ------
    InputError
        The path does not exist.
    FileFormatError
        The path is a folder.
    """
    source = str(path)
    if not path.exists():
        raise InputError(
            "the file does not exist",
            file=source,
            fix="check the path and the file name (and the current folder).",
        )
    if path.is_dir():
        raise FileFormatError(
            "this is a folder, not a file",
            file=source,
            fix="give the path of the layer file inside the folder.",
        )


def file_kind(path: Path) -> str:
    """Return the reader kind for ``path`` from its extension.

    Raises
    ------
    FileFormatError
        For extensions no reader handles (``.xls`` gets its own advice).
    """
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileFormatError(
            "old Excel .xls workbooks are not read",
            file=str(path),
            fix="open it in Excel/WPS and save as .xlsx (or export CSV).",
        )
    if suffix not in KIND_BY_SUFFIX:
        raise FileFormatError(
            f"unsupported file type {suffix or '(no extension)'!r}",
            file=str(path),
            fix="use one of " + ", ".join(sorted(KIND_BY_SUFFIX)) + ".",
        )
    return KIND_BY_SUFFIX[suffix]


def _problem(kind: str, head: bytes) -> str | None:
    """Why ``head`` cannot start a file of ``kind``, or None when it can."""
    if kind == "gpkg":
        return None if head.startswith(b"SQLite format 3\x00") else "it is not an SQLite database"
    if kind == "xlsx":
        return None if head.startswith(b"PK\x03\x04") else "it is not a zip (Office Open XML) file"
    if kind == "shp":
        return None if head[:4] == b"\x00\x00\x27\x0a" else "its header lacks the shapefile code"
    if kind == "geojson":
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if b"\x00" in head or not text.startswith(b"{"):
            return "it does not start with a JSON object '{'"
        return None
    if kind == "csv":
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None  # UTF-16 text with BOM ("Unicode text" export of Excel)
        if b"\x00" in head:
            return "it contains NUL bytes, so it is binary, not text"
        for magic, what in ((b"PK\x03\x04", "a zip/xlsx"), (b"SQLite format 3", "an SQLite/gpkg")):
            if head.startswith(magic):
                return f"it is {what} file"
        return None
    return None


def sniff(path: Path, kind: str) -> None:
    """Raise `FileFormatError` when the first bytes of ``path`` do not fit ``kind``.

    Parameters
    ----------
    path : pathlib.Path
        An existing file.
    kind : str
        One of the values of `KIND_BY_SUFFIX`.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        raise FileFormatError(
            "the file is empty (0 bytes)",
            file=str(path),
            fix="export the layer again; the file was probably cut short.",
        )
    problem = _problem(kind, head)
    if problem:
        raise FileFormatError(
            f"the file is named as {_LABEL[kind]} but {problem}",
            file=str(path),
            fix=f"check that this is the right file, or rename it to its real type; a "
            f"{_LABEL[kind]} file must be exported as such.",
        )
