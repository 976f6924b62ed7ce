"""Output paths the system refuses, named in Chinese (light: no geodata libraries)."""

from __future__ import annotations

import errno
from os import PathLike
from pathlib import Path

from lifecircle.errors import InputError

# errno values that say the output path itself is wrong (not the disk): the user can fix them
_PATH_ERRNOS = {
    errno.ENAMETOOLONG: ("名称太长", "请用较短的文件名或文件夹名（每一级不超过 255 字节）"),
    errno.ENOTDIR: ("路径中有一级是文件，不是文件夹", "请换一个输出位置"),
    errno.EEXIST: ("已有一个同名文件，不是文件夹", "请换一个输出位置"),
    errno.EISDIR: ("已有一个同名文件夹，这里要写文件", "请换一个文件名"),
    errno.EACCES: ("没有写入权限", "请换一个有写入权限的位置"),
    errno.EPERM: ("不允许写入", "请换一个有写入权限的位置"),
    errno.EROFS: ("所在位置只读", "请换一个可写入的位置"),
    errno.ENOENT: ("上级文件夹无法建立", "请换一个输出位置"),
}


def output_path_error(path: str | PathLike[str], exc: OSError) -> InputError | OSError:
    """The ``InputError`` naming an output ``path`` the system refused (name too long, a
    file in the way, no permission); ``exc`` itself for other failures (disk full, I/O)."""
    known = _PATH_ERRNOS.get(exc.errno or 0)
    if known is None:
        return exc
    what, fix = known
    return InputError(f"无法写出：{what}", file=str(path), fix=fix)


def make_folder(path: str | PathLike[str]) -> Path:
    """Create the output folder ``path`` (and its parents); a refused path is an InputError."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_path_error(folder, exc) from exc
    return folder
