"""Atomic writers: an output file is either complete or absent, never half-written."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Mapping
from os import PathLike
from pathlib import Path

import geopandas as gpd
import pandas as pd

__all__ = ["write_atomic", "write_gpkg", "write_gpkg_layers", "write_parquet"]

# Side files SQLite/GDAL may leave next to a GeoPackage being written.
_SIDECARS = ("-journal", "-wal", "-shm")


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
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.stem}.{uuid.uuid4().hex[:12]}.tmp{final.suffix}")
    try:
        writer(tmp)
        if not tmp.exists():
            raise RuntimeError(f"the writer did not create {tmp}")
        os.replace(tmp, final)
    except BaseException:
        _remove_quietly(tmp)
        raise
    for suffix in _SIDECARS:  # a clean SQLite close leaves none; remove strays of the temp
        with contextlib.suppress(FileNotFoundError):
            tmp.with_name(tmp.name + suffix).unlink()
    return final


def write_parquet(df: pd.DataFrame, path: str | PathLike[str]) -> Path:
    """Write a DataFrame (GeoParquet for a GeoDataFrame) atomically.

    Parameters
    ----------
    df : pandas.DataFrame or geopandas.GeoDataFrame
        The table; its index is written too, so ids used as index survive.
    path : str or path-like
        Output ``.parquet`` file.
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
    """
    if not layers:
        raise ValueError("write_gpkg_layers needs at least one layer")

    def write(tmp: Path) -> None:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")

    return write_atomic(path, write)
