"""The evidence folder: uploaded files kept on disk, each named by its sha256 (one copy per
content however often it is uploaded). Only a checksum ever becomes a path, so no file name a
user sends can reach outside the folder."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from lifecircle.errors import RuleError

_SHA256 = re.compile(r"[0-9a-f]{64}")


class EvidenceStore:
    """Content-addressed files under ``root``: ``root/ab/abcdef…`` for sha256 ``abcdef…``.

    Parameters
    ----------
    root : Path
        The folder; created on the first write.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        """Where the file of this checksum lives (it may not exist)."""
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise RuleError(f"校验值 {sha256!r} 无效", fix="校验值应为 64 位小写十六进制（sha256）")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Keep ``content``; returns its sha256. Written to a temporary file and renamed, so
        a reader never sees half a file; an existing copy is kept as is."""
        sha = hashlib.sha256(content).hexdigest()
        path = self.path_of(sha)
        if path.exists() and path.stat().st_size == len(content):
            return sha
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def read(self, sha256: str) -> bytes:
        """The bytes of this checksum; refuses a missing or altered file."""
        path = self.path_of(sha256)
        if not path.is_file():
            raise RuleError(
                f"佐证材料文件 {sha256[:12]}… 不在材料目录 {self.root} 中",
                fix="从备份恢复材料目录（LIFECIRCLE_DATA_DIR/evidence），或重新上传该文件",
            )
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise RuleError(
                f"佐证材料文件 {path} 的内容与登记的校验值不符（文件已被改动或损坏）",
                fix="从备份恢复该文件，或重新上传",
            )
        return data
