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
    "csv": "CSV 文本",
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
            "文件不存在",
            file=source,
            fix="核对路径和文件名（以及当前所在的文件夹）",
        )
    if path.is_dir():
        raise FileFormatError(
            "这是一个文件夹，不是文件",
            file=source,
            fix="请给出文件夹里图层文件的路径",
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
            "不读取旧版 Excel .xls 工作簿",
            file=str(path),
            fix="用 Excel/WPS 打开后另存为 .xlsx（或导出 CSV）",
        )
    if suffix not in KIND_BY_SUFFIX:
        raise FileFormatError(
            f"不支持的文件类型 {suffix or '（无扩展名）'!r}",
            file=str(path),
            fix="请用以下类型之一：" + "、".join(sorted(KIND_BY_SUFFIX)),
        )
    return KIND_BY_SUFFIX[suffix]


def _problem(kind: str, head: bytes) -> str | None:
    """Why ``head`` cannot start a file of ``kind``, or None when it can."""
    if kind == "gpkg":
        return None if head.startswith(b"SQLite format 3\x00") else "它不是 SQLite 数据库"
    if kind == "xlsx":
        return None if head.startswith(b"PK\x03\x04") else "它不是 zip（Office Open XML）文件"
    if kind == "shp":
        return None if head[:4] == b"\x00\x00\x27\x0a" else "文件头没有 Shapefile 标识"
    if kind == "geojson":
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if b"\x00" in head or not text.startswith(b"{"):
            return "它不是以 JSON 对象“{”开头"
        return None
    if kind == "csv":
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None  # UTF-16 text with BOM ("Unicode text" export of Excel)
        if b"\x00" in head:
            return "它含有 NUL 字节，是二进制文件，不是文本"
        for magic, what in ((b"PK\x03\x04", "zip/xlsx"), (b"SQLite format 3", "SQLite/gpkg")):
            if head.startswith(magic):
                return f"它实际是 {what} 文件"
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
            "文件是空的（0 字节）",
            file=str(path),
            fix="重新导出该图层；文件可能没有写完整",
        )
    problem = _problem(kind, head)
    if problem:
        raise FileFormatError(
            f"文件名表明是 {_LABEL[kind]}，但{problem}",
            file=str(path),
            fix=f"核对是不是选错了文件，或按实际类型改扩展名；{_LABEL[kind]} 文件须按该格式导出",
        )
