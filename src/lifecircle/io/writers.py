"""Atomic writers: an output file or folder is either complete or absent, never half-written."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import signal
import sys
import uuid
from collections.abc import Callable, Mapping
from os import PathLike
from pathlib import Path

import geopandas as gpd
import pandas as pd

from lifecircle.errors import InputError
from lifecircle.io._paths import make_folder, output_path_error

__all__ = [
    "STOP_AT_ENV",
    "check_replaceable",
    "interrupted_writes",
    "make_folder",
    "output_path_error",
    "write_atomic",
    "write_folder",
    "write_gpkg",
    "write_gpkg_layers",
    "write_parquet",
]

STOP_AT_ENV = "LIFECIRCLE_TEST_STOP_AT"
"""For tests only: ``file:<name>`` or ``folder:<name>`` makes the process stop itself
(SIGSTOP) right after the file ``<name>`` is moved into place, or right before the folder
``<name>`` is swapped into place, so a test can look at the disk and kill it there."""

# Side files SQLite/GDAL may leave next to a GeoPackage being written.
_SIDECARS = ("-journal", "-wal", "-shm")


def _about(exc: OSError, *paths: Path) -> bool:
    """Whether ``exc`` is about one of ``paths`` (or a file inside one), not another file."""
    if exc.filename is None:
        return False
    named = os.path.abspath(os.fsdecode(exc.filename))
    return any(
        named == os.path.abspath(p) or named.startswith(os.path.abspath(p) + os.sep) for p in paths
    )


def _remove_quietly(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in _SIDECARS)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def write_atomic(path: str | PathLike[str], writer: Callable[[Path], object]) -> Path:
    """Run ``writer(tmp)`` on a temporary file beside ``path``, then move it into place.

    The temporary file lives in the same folder (so ``os.replace`` is an atomic rename on
    the same file system) and keeps the extension (so drivers that look at it, such as
    GDAL's GeoPackage driver, pick the right format). If ``writer`` raises, the temporary
    file is removed and an existing ``path`` is left untouched.

    Parameters
    ----------
    path : str or path-like
        The final output file. Its folder is created if needed.
    writer : callable
        Called with the temporary path; must write the whole file there.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    final = Path(path)
    make_folder(final.parent)
    try:
        is_dir = final.is_dir()
    except OSError as exc:  # a name too long for the file system
        raise output_path_error(final, exc) from exc
    if is_dir:
        raise output_path_error(final, IsADirectoryError(errno.EISDIR, "is a directory"))
    tmp = final.with_name(f".{final.stem}.{uuid.uuid4().hex[:12]}.tmp{final.suffix}")
    try:
        writer(tmp)
        if not tmp.exists():
            raise RuntimeError(f"the writer did not create {tmp}")
        os.replace(tmp, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            _remove_quietly(tmp)
        if not _about(exc, tmp, final):
            raise
        raise output_path_error(final, exc) from exc
    except BaseException:
        _remove_quietly(tmp)
        raise
    for suffix in _SIDECARS:  # a clean SQLite close leaves none; remove strays of the temp
        with contextlib.suppress(FileNotFoundError):
            tmp.with_name(tmp.name + suffix).unlink()
    _checkpoint(f"file:{final.name}")
    return final


def write_parquet(df: pd.DataFrame, path: str | PathLike[str]) -> Path:
    """Write a DataFrame (GeoParquet for a GeoDataFrame) atomically.

    Parameters
    ----------
    df : pandas.DataFrame or geopandas.GeoDataFrame
        The table; its index is written too, so ids used as index survive.
    path : str or path-like
        Output ``.parquet`` file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    return write_atomic(path, lambda tmp: df.to_parquet(tmp))


def write_gpkg(
    gdf: gpd.GeoDataFrame, path: str | PathLike[str], *, layer: str | None = None
) -> Path:
    """Write one layer as a new GeoPackage file, atomically (replaces the whole file).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer.
    path : str or path-like
        Output ``.gpkg`` file.
    layer : str, optional
        Layer name; defaults to the file stem.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    return write_gpkg_layers({layer or Path(path).stem: gdf}, path)


def write_gpkg_layers(layers: Mapping[str, gpd.GeoDataFrame], path: str | PathLike[str]) -> Path:
    """Write several layers into one new GeoPackage, atomically: all layers or no file.

    Parameters
    ----------
    layers : mapping of str -> geopandas.GeoDataFrame
        Layer name to layer, written in the mapping's order.
    path : str or path-like
        Output ``.gpkg`` file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if not layers:
        raise ValueError("write_gpkg_layers needs at least one layer")

    def write(tmp: Path) -> None:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")

    return write_atomic(path, write)


# --- folders ------------------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_STAGING = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{12}\.(?P<kind>tmp|old)$")


def _checkpoint(step: str) -> None:
    """Stop this process at ``step`` when a test asked for it (see ``STOP_AT_ENV``)."""
    if os.environ.get(STOP_AT_ENV) == step:
        os.kill(os.getpid(), signal.SIGSTOP)


def _sibling(final: Path, kind: str) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.{kind}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def interrupted_writes(path: str | PathLike[str]) -> list[Path]:
    """Staging folders of ``path`` left by ``write_folder`` runs that are still going or died.

    Parameters
    ----------
    path : str or path-like
        The output folder.

    Returns
    -------
    list of pathlib.Path
        The hidden siblings ``.<name>.<pid>-<id>.tmp`` (a new folder being written) and
        ``.<name>.<pid>-<id>.old`` (an earlier folder being replaced), sorted.
    """
    final = Path(os.path.abspath(path))
    if not final.parent.is_dir():
        return []
    found = []
    for p in final.parent.iterdir():
        m = _STAGING.match(p.name)
        if m is not None and m["name"] == final.name:
            found.append(p)
    return sorted(found)


def _sweep(final: Path) -> None:
    """Remove staging folders of ``final`` whose writer process is gone (killed)."""
    for p in interrupted_writes(final):
        m = _STAGING.match(p.name)
        if m is not None and not _alive(int(m["pid"])):
            shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False where the system or file system cannot do it; raises OSError on a real
    failure.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _swap_in(staging: Path, final: Path) -> None:
    """Put the complete ``staging`` folder at ``final``; an earlier ``final`` goes only now."""
    if not final.exists():
        os.rename(staging, final)
        return
    if _exchange(staging, final):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the earlier folder
        return
    aside = _sibling(final, "old")
    os.rename(final, aside)
    try:
        os.rename(staging, final)
    except BaseException:
        os.rename(aside, final)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def check_replaceable(
    path: str | PathLike[str], *, owns: Callable[[Path], bool] | None = None
) -> None:
    """Raise the error ``write_folder`` would raise before writing anything to ``path``.

    For commands that compute for a while before they write: they refuse a bad output
    folder at once instead of at the end.

    Parameters
    ----------
    path : str or path-like
        The output folder.
    owns : callable, optional
        As for ``write_folder``.
    """
    final = Path(os.path.abspath(path))
    try:
        if final.is_symlink():
            final = final.resolve()
    except OSError as exc:
        raise output_path_error(final, exc) from exc
    _check_replaceable(final, owns)


def _check_replaceable(final: Path, owns: Callable[[Path], bool] | None) -> None:
    try:
        if not final.exists():
            return
    except OSError as exc:
        raise output_path_error(final, exc) from exc
    if not final.is_dir():
        raise InputError(
            "输出位置已有一个同名文件，不是文件夹", file=str(final), fix="请换一个输出文件夹名称"
        )
    cwd = Path.cwd()
    if final == cwd or final in cwd.parents:
        raise InputError(
            "不能把当前文件夹（或它的上级文件夹）作为输出文件夹：输出文件夹会被整体替换",
            file=str(final),
            fix="请用 --out 指定一个新的子文件夹",
        )
    if owns is not None and any(final.iterdir()) and not owns(final):
        raise InputError(
            "输出文件夹已存在，且不是本命令以前写出的结果；输出文件夹会被整体替换，"
            "为免误删其中的文件，没有写出任何内容",
            file=str(final),
            fix="请用 --out 指定一个新的或空的文件夹",
        )


def write_folder(
    path: str | PathLike[str],
    writer: Callable[[Path], object],
    *,
    owns: Callable[[Path], bool] | None = None,
    keep_existing: bool = False,
) -> Path:
    """Write a whole folder as a unit: a reader finds the complete new folder, the complete
    earlier one, or none, never a mix.

    ``writer(staging)`` writes every file into a hidden sibling folder
    (``.<name>.<pid>-<id>.tmp``); only when it has returned is that folder put in place in
    one rename. An earlier folder at ``path`` is replaced at that moment (atomically swapped
    on Linux; elsewhere renamed aside, the new one renamed in, then the old one deleted). If
    ``writer`` or a rename fails, the staging folder is deleted and an earlier folder is left
    as it was. Staging folders of writers that were killed are removed by the next write to
    the same ``path``.

    Parameters
    ----------
    path : str or path-like
        The output folder. Its parent is created if needed.
    writer : callable
        Called with the staging folder (it exists and is empty, or holds a copy of the
        earlier folder with ``keep_existing``); must write every file there.
    owns : callable, optional
        ``owns(folder) -> bool``: whether an existing, non-empty folder at ``path`` is one
        this kind of writer wrote (e.g. holds ``checkup.json``). When it is not, nothing is
        written and ``InputError`` is raised, so a folder of other files is never replaced.
    keep_existing : bool, default False
        Start from a copy of the earlier folder's files (for adding to a folder, e.g. the
        reports of more circles); the result still appears in one step.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    final = Path(os.path.abspath(path))
    try:
        if final.is_symlink():
            final = final.resolve()
    except OSError as exc:
        raise output_path_error(final, exc) from exc
    _check_replaceable(final, owns)
    make_folder(final.parent)
    _sweep(final)
    staging = _sibling(final, "tmp")
    try:
        if keep_existing and final.is_dir():
            shutil.copytree(final, staging)
        else:
            staging.mkdir()
        writer(staging)
        _checkpoint(f"folder:{final.name}")
        _swap_in(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if not _about(exc, staging, final):
            raise
        raise output_path_error(final, exc) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final
