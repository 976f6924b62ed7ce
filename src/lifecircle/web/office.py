"""Plumbing shared by the office pages (计划, 评价, 简报, 数据导入) and their API: errors in
Chinese, file downloads, reading uploads within a size limit."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import UploadFile
from fastapi.responses import Response

from lifecircle.errors import InputError, LifecircleError, RuleError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA = {".xlsx": XLSX, ".docx": DOCX, ".csv": "text/csv; charset=utf-8"}


def zh(exc: LifecircleError) -> str:
    """An error's message and its fix, in Chinese (without the English 'Fix:' framing)."""
    if isinstance(exc, InputError):
        text = exc.message
        if exc.row is not None:
            text = f"第 {exc.row} 行：{text}"
        return text + (f"（改法：{exc.fix}）" if exc.fix else "")
    if isinstance(exc, RuleError):
        text = str(exc)
        if exc.fix:
            text = text.removesuffix(f" Fix: {exc.fix}") + f"（改法：{exc.fix}）"
        return text
    return str(exc)


def download(content: bytes, filename: str) -> Response:
    """A file download; the Chinese name survives (RFC 6266 ``filename*``)."""
    ascii_name = "".join(
        c if (c.isascii() and c.isalnum()) or c in "._-" else "_" for c in filename
    )
    return Response(
        content,
        media_type=MEDIA.get(Path(filename).suffix.lower(), "application/octet-stream"),
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
            )
        },
    )


def rendered(write: Callable[[Path], Path], filename: str) -> Response:
    """Render a file with ``write(folder) -> path`` in a temporary folder and send it."""
    with tempfile.TemporaryDirectory(prefix="lifecircle-") as tmp:
        path = write(Path(tmp))
        return download(path.read_bytes(), filename)


def read_upload(upload: UploadFile, *, limit: int, label: str = "文件") -> bytes:
    """The uploaded file's bytes, refused beyond ``limit``."""
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise InputError(
            f"{label}超过 {limit // 1024 // 1024} MB",
            file=upload.filename,
            fix="压缩或拆分后重新上传",
        )
    return bytes(data)
