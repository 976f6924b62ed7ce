"""Uploaded files held between the check of an import and its commit: each upload in its own
folder under a token, owned by the user who sent it; zip archives unpacked safely."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lifecircle.errors import InputError, RuleError

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_MEMBERS = 20_000
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def default_root() -> Path:
    return Path(tempfile.gettempdir()) / "lifecircle-uploads"


@dataclass(frozen=True)
class Staged:
    """One upload waiting for its commit."""

    token: str
    folder: Path
    file: Path
    kind: str
    owner: str
    sheet: str | None = None

    @property
    def name(self) -> str:
        return self.file.name


def _safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip() or "上传文件"
    name = re.sub(r'[\x00-\x1f<>:"|?*]', "_", name)
    if name.startswith("."):
        name = "上传文件" + name
    if len(name) > 120:
        stem, suffix = Path(name).stem, Path(name).suffix
        name = stem[: 120 - len(suffix)] + suffix
    return name


def _sweep(root: Path, now: float) -> None:
    """Forget uploads older than a day (never committed)."""
    if not root.is_dir():
        return
    for d in root.iterdir():
        try:
            if d.is_dir() and now - d.stat().st_mtime > KEEP_SECONDS:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


def stage(
    *,
    kind: str,
    filename: str,
    content: bytes,
    owner: str,
    sheet: str | None = None,
    root: Path | None = None,
) -> Staged:
    """Keep an uploaded file until it is committed or forgotten.

    Raises
    ------
    InputError
        The file is empty or larger than ``MAX_UPLOAD_BYTES``.
    """
    name = _safe_name(filename)
    if not content:
        raise InputError("上传的文件是空的", file=name, fix="选择要导入的文件后重新上传")
    if len(content) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB",
            file=name,
            fix="拆分后分批导入，或由管理员用命令行 lifecircle import 导入",
        )
    base = root or default_root()
    base.mkdir(parents=True, exist_ok=True)
    _sweep(base, time.time())
    token = secrets.token_urlsafe(18)
    folder = base / token
    folder.mkdir(mode=0o700)
    (folder / name).write_bytes(content)
    meta = {"kind": kind, "owner": owner, "file": name, "sheet": sheet}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    return Staged(token, folder, folder / name, kind, owner, sheet)


def load(token: str, *, owner: str, root: Path | None = None) -> Staged:
    """The staged upload of ``token``, sent by ``owner``.

    Raises
    ------
    RuleError
        No such upload (expired, already committed), or another user's.
    """
    gone = RuleError(
        "找不到这次上传的文件（已导入、已过期或不是您上传的）", fix="重新上传文件并检查"
    )
    if not _TOKEN.match(token or ""):
        raise gone
    folder = (root or default_root()) / token
    try:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise gone from None
    if meta.get("owner") != owner:
        raise gone
    return Staged(token, folder, folder / meta["file"], meta["kind"], owner, meta.get("sheet"))


def discard(staged: Staged) -> None:
    shutil.rmtree(staged.folder, ignore_errors=True)


def unpack(staged: Staged) -> Path:
    """The zip archive unpacked beside it (once); its folder.

    Raises
    ------
    InputError
        Not a zip archive, a member escaping the folder, or too large unpacked.
    """
    out = staged.folder / "unpacked"
    if out.is_dir():
        return out
    try:
        zf = zipfile.ZipFile(staged.file)
    except (zipfile.BadZipFile, OSError):
        raise InputError(
            "不是有效的 zip 压缩包", file=staged.name, fix="把文件夹压缩为 .zip 后重新上传"
        ) from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError(
                f"压缩包内文件过多（{len(members)} 个）", file=staged.name, fix="只打包需要的文件"
            )
        total = sum(m.file_size for m in members)
        if total > MAX_UNPACKED_BYTES:
            raise InputError("压缩包解压后超过 1 GB", file=staged.name, fix="由管理员用命令行导入")
        tmp = staged.folder / "unpacking"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        root = tmp.resolve()
        for m in members:
            name = _member_name(m)
            target = (tmp / name).resolve()
            if not target.is_relative_to(root):
                raise InputError(
                    f"压缩包内的路径 {m.filename!r} 越出了文件夹",
                    file=staged.name,
                    fix="重新压缩，不要包含绝对路径或“..”",
                )
            if m.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(m) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        tmp.rename(out)
    return out


def _member_name(m: zipfile.ZipInfo) -> str:
    """Member names written by Windows tools in GBK are decoded as such."""
    name = m.filename
    if not m.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("gbk")
    return name


def find(folder: Path, filename: str) -> Path | None:
    """The shallowest ``filename`` under ``folder`` (a zip may hold a top folder)."""
    hits = sorted(folder.rglob(filename), key=lambda p: (len(p.parts), str(p)))
    hits = [h for h in hits if "__MACOSX" not in h.parts]
    return hits[0] if hits else None
