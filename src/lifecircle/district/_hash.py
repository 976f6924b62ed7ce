"""The input hash: sha256 over the manifest and every input file, in a fixed order."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

#: files that travel with a shapefile and change what it holds
_SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")


def _files_of(path: Path) -> list[Path]:
    files = [path]
    if path.suffix.lower() == ".shp":
        for ext in _SHAPEFILE_SIDECARS:
            for cand in (path.with_suffix(ext), path.with_suffix(ext.upper())):
                if cand.exists():
                    files.append(cand)
                    break
    return files


def input_hash(named_files: Iterable[tuple[str, Path]]) -> str:
    """``"sha256:<hex>"`` over (name, size, bytes) of each file, in the order given.

    The names (layer keys) are hashed with the bytes, so swapping two files changes the
    hash; file paths are not, so moving the package folder does not.
    """
    h = hashlib.sha256()
    for name, path in named_files:
        for f in _files_of(Path(path)):
            h.update(f"{name}:{f.suffix.lower()}:{f.stat().st_size}\n".encode())
            with f.open("rb") as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    h.update(block)
    return "sha256:" + h.hexdigest()
