"""Evidence uploads (佐证材料) of the web platform: the kinds accepted, judged by the file's
content and not only its name, the size limit, and safe names for download."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

import filetype  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import InputError
from lifecircle.store.models import EvidenceFile, Project
from lifecircle.workflow import projects
from lifecircle.workflow.evidence_store import EvidenceStore

DEFAULT_MAX_MB = 20.0


@dataclass(frozen=True)
class Kind:
    zh: str
    mime: str
    extensions: tuple[str, ...]


# Keyed by what ``filetype`` reads from the content.
KINDS = {
    "pdf": Kind("PDF 文档", "application/pdf", ("pdf",)),
    "jpg": Kind("JPEG 图片", "image/jpeg", ("jpg", "jpeg")),
    "png": Kind("PNG 图片", "image/png", ("png",)),
    "doc": Kind("Word 文档", "application/msword", ("doc",)),
    "docx": Kind(
        "Word 文档",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
    ),
    "xls": Kind("Excel 表格", "application/vnd.ms-excel", ("xls",)),
    "xlsx": Kind(
        "Excel 表格",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ("xlsx",),
    ),
}
ACCEPT = ",".join(f".{e}" for k in KINDS.values() for e in k.extensions)
ALLOWED_ZH = "PDF、JPEG/PNG 图片、Word（doc/docx）、Excel（xls/xlsx）"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')


def safe_filename(name: str) -> str:
    """The file's own name without any folder part, control or reserved characters
    (``../../etc/passwd.pdf`` → ``passwd.pdf``), at most 200 characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = unicodedata.normalize("NFC", _UNSAFE.sub("_", base)).strip(" .")
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:200]
    return base or "材料"


def kind_of(filename: str, content: bytes, *, max_mb: float = DEFAULT_MAX_MB) -> Kind:
    """The kind of an upload, or ``InputError`` (in Chinese) when it is empty, too large, not
    one of the accepted kinds by its content, or named as another kind than it is.

    Parameters
    ----------
    filename : str
        The name the user's file had.
    content : bytes
        Its bytes.
    max_mb : float
        The size limit in MB.

    Returns
    -------
    Kind
    """
    if not content:
        raise InputError("文件是空的", file=filename, field="文件", fix="选择有内容的文件")
    if len(content) > max_mb * 1024 * 1024:
        raise InputError(
            f"文件过大：超过上限 {max_mb:g} MB",
            file=filename,
            field="文件",
            fix=f"压缩或拆分后上传，每个文件不超过 {max_mb:g} MB",
        )
    guess = filetype.guess(content)
    kind = KINDS.get(guess.extension) if guess is not None else None
    if kind is None:
        seen = f"（实际内容为 {guess.extension} 文件）" if guess is not None else ""
        raise InputError(
            f"不支持的文件类型{seen}",
            file=filename,
            field="文件",
            fix=f"只接受 {ALLOWED_ZH}；请另存为其中一种格式后上传",
        )
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in kind.extensions:
        raise InputError(
            f"文件名的扩展名“.{ext}”与文件内容（{kind.zh}）不符" if ext else "文件名没有扩展名",
            file=filename,
            field="文件",
            fix=f"该文件实际是{kind.zh}，请把文件名改为以 .{kind.extensions[0]} 结尾后重新上传",
        )
    return kind


def upload(
    session: Session,
    project: Project,
    filename: str,
    content: bytes,
    *,
    store: EvidenceStore,
    max_mb: float = DEFAULT_MAX_MB,
) -> EvidenceFile:
    """Check an uploaded file and attach it to ``project`` (its bytes in ``store``; the row
    with name, size and sha256 is audited like every write).

    Parameters
    ----------
    session : Session
    project : Project
    filename : str
        The name as uploaded; any folder part is dropped.
    content : bytes
    store : EvidenceStore
        The evidence folder.
    max_mb : float
        The size limit.

    Returns
    -------
    EvidenceFile
    """
    name = safe_filename(filename)
    kind_of(name, content, max_mb=max_mb)
    if project.status == "cancelled":
        raise InputError(
            f"项目 {project.code} 已取消", field="文件", fix="佐证材料只能上传到未取消的项目"
        )
    return projects.store_evidence(session, name, content, project_id=project.id, store=store)


def find(session: Session, project: Project, evidence_id: int) -> EvidenceFile | None:
    """The evidence file ``evidence_id`` of ``project`` (None when it is another's)."""
    return session.scalar(
        select(EvidenceFile).where(
            EvidenceFile.id == evidence_id, EvidenceFile.project_id == project.id
        )
    )


def media_type(filename: str, content: bytes) -> str:
    """The content's media type when it is an accepted kind, else a plain download."""
    guess = filetype.guess(content)
    kind = KINDS.get(guess.extension) if guess is not None else None
    return kind.mime if kind is not None else "application/octet-stream"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real (Chinese) name by RFC 5987."""
    name = safe_filename(filename)
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")

    def ascii_of(text: str) -> str:
        return text.encode("ascii", "ignore").decode().strip(" ._")

    ascii_name = (ascii_of(stem) or "evidence") + (dot + ascii_of(ext) if ascii_of(ext) else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def message_zh(exc: Exception) -> str:
    """A Chinese sentence from an error, without the English labels of ``InputError``."""
    if isinstance(exc, InputError):
        return exc.message + (f"。{exc.fix}" if exc.fix else "")
    text = str(exc)
    return text.replace(" Fix: ", "。")
