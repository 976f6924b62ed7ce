"""The input hash: sha256 over the manifest and every input file, or over frames in memory."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.network import WalkGraph

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
                while block := fh.read(1 << 20):
                    h.update(block)
    return "sha256:" + h.hexdigest()


def _feed_frame(h: hashlib._Hash, frame: pd.DataFrame) -> None:
    """Columns, dtypes and cell values of ``frame`` (geometry as WKB), row order kept."""
    h.update(f"frame:{len(frame)}:{len(frame.columns)}\n".encode())
    crs = getattr(frame, "crs", None) if isinstance(frame, gpd.GeoDataFrame) else None
    h.update(f"crs:{crs.to_wkt() if crs is not None else ''}\n".encode())
    for col in frame.columns:
        values = frame[col]
        h.update(f"col:{col}:{values.dtype}\n".encode())
        if isinstance(values.dtype, gpd.array.GeometryDtype):
            wkb = shapely.to_wkb(np.asarray(values.values), hex=True)
            h.update("\x1f".join("" if w is None else w for w in wkb).encode())
        elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype
        ):
            h.update(np.ascontiguousarray(values.to_numpy(dtype=float, na_value=np.nan)).tobytes())
        else:
            h.update("\x1f".join(map(repr, values.tolist())).encode())
        h.update(b"\x1e")


def _feed_graph(h: hashlib._Hash, graph: WalkGraph) -> None:
    """The graph's nodes, edges, lengths, geometry and CRS."""
    h.update(f"graph:{graph.n_nodes}:{graph.n_edges}\n".encode())
    h.update(f"crs:{graph.crs.to_wkt() if graph.crs is not None else ''}\n".encode())
    for arr in (graph.node_x, graph.node_y, graph.edge_u, graph.edge_v, graph.edge_length):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update("\x1f".join(shapely.to_wkb(graph.edge_geometry, hex=True)).encode())


def frames_hash(
    named_layers: Iterable[tuple[str, pd.DataFrame | WalkGraph]], options: Mapping[str, Any]
) -> str:
    """``"sha256:<hex>"`` over layers held in memory and the options that read them.

    The counterpart of `input_hash` for `District.from_frames`: the same frames with the
    same options give the same hash in any process (no Python ``hash()``, no object ids);
    a changed cell, row order, column, CRS or option changes it.

    Parameters
    ----------
    named_layers : iterable of (layer key, frame or WalkGraph)
        In a fixed order.
    options : mapping
        JSON-serialisable settings (name, crs, coords …).

    Returns
    -------
    str
        ``"sha256:<hex>"``.
    """
    h = hashlib.sha256(b"lifecircle-frames/1\n")
    h.update(json.dumps(dict(options), sort_keys=True, default=str).encode())
    for name, layer in named_layers:
        h.update(f"\nlayer:{name}\n".encode())
        if isinstance(layer, WalkGraph):
            _feed_graph(h, layer)
        else:
            _feed_frame(h, layer)
    return "sha256:" + h.hexdigest()
