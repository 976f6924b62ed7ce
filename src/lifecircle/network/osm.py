"""Walking network from an OpenStreetMap PBF extract, with explicit pedestrian tag rules."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle.errors import FileFormatError, NetworkError
from lifecircle.io.crs import to_metric
from lifecircle.io.foreign_zh import explain
from lifecircle.network.build import graph_from_lines
from lifecircle.network.graph import WalkGraph

#: highway values a pedestrian may use (sidewalks of ordinary streets included)
WALKABLE_HIGHWAYS = frozenset(
    {
        "footway", "path", "steps", "pedestrian", "living_street", "residential", "service",
        "unclassified", "tertiary", "tertiary_link", "secondary", "secondary_link", "primary",
        "primary_link", "track", "cycleway", "bridleway", "corridor", "crossing", "road",
        "sidewalk", "elevator",
    }
)  # fmt: skip
#: never walkable, unless the way says foot=yes/designated/permissive
CAR_ONLY_HIGHWAYS = frozenset({"motorway", "motorway_link", "trunk", "trunk_link"})
_FOOT_YES = frozenset({"yes", "designated", "permissive", "official"})
_FOOT_NO = frozenset({"no", "private", "use_sidepath"})
_ACCESS_NO = frozenset({"no", "private"})


def walkable_mask(tags: pd.DataFrame) -> np.ndarray:
    """Which OSM ways a person may walk on.

    Rules: a way is walkable when its ``highway`` is in :data:`WALKABLE_HIGHWAYS`;
    motorways and trunks are excluded; ``foot=no`` (or ``private``, ``use_sidepath``) and
    ``access=no|private`` exclude a way; ``foot=yes|designated|permissive`` overrides both
    exclusions (a footpath that is signed public on a private estate, a trunk with a
    pavement). Unknown highway values (``construction``, ``proposed``, ``platform`` …) are
    left out.
    """

    def col(name: str) -> pd.Series:
        if name in tags.columns:
            return tags[name].astype("string").str.strip().str.lower().fillna("")
        return pd.Series("", index=tags.index, dtype="string")

    highway, foot, access = col("highway"), col("foot"), col("access")
    foot_yes = foot.isin(_FOOT_YES)
    ok = highway.isin(WALKABLE_HIGHWAYS) & ~foot.isin(_FOOT_NO) & ~access.isin(_ACCESS_NO)
    ok |= foot_yes & (highway.isin(WALKABLE_HIGHWAYS) | highway.isin(CAR_ONLY_HIGHWAYS))
    return np.asarray(ok.to_numpy(dtype=bool))


def read_osm_ways(
    path: str | os.PathLike[str], *, bounding_box: Sequence[float] | None = None
) -> gpd.GeoDataFrame:
    """All ``highway=*`` ways of a PBF as WGS-84 lines cut at junctions (pyrosm).

    Parameters
    ----------
    path : str or path-like
        The ``.osm.pbf`` extract.
    bounding_box : sequence of 4 floats, optional
        ``[west, south, east, north]`` in degrees: read only this part.

    Returns
    -------
    geopandas.GeoDataFrame
        The ways with their OSM tags as columns.
    """
    path = Path(path)
    if not path.exists():
        raise FileFormatError("文件不存在", file=str(path), fix="核对路径和文件名")
    try:
        import pyrosm
    except ImportError as exc:  # pragma: no cover - declared dependency
        msg = "读取 OSM 数据需要安装 pyrosm"
        raise FileFormatError(msg, file=str(path), fix="pip install pyrosm") from exc
    try:
        osm = pyrosm.OSM(str(path), bounding_box=bounding_box)
        ways = osm.get_network(network_type="all", nodes=False)
    except Exception as exc:  # pyrosm raises bare errors on non-PBF input
        msg = f"无法按 OpenStreetMap PBF 文件读取：{explain(exc)}"
        raise FileFormatError(
            msg, file=str(path), fix="请给出 .osm.pbf 数据（如从 Geofabrik 下载）"
        ) from exc
    if ways is None or len(ways) == 0:
        raise NetworkError("数据中没有道路（highway）", file=str(path), fix="请用含道路的 OSM 数据")
    return ways


def graph_from_osm(
    path: str | os.PathLike[str],
    *,
    crs: Any = None,
    bounding_box: Sequence[float] | None = None,
) -> WalkGraph:
    """The walking graph of an OSM extract, in ``crs`` or the data's UTM zone.

    Ways are filtered by :func:`walkable_mask`, projected, and noded where they share OSM
    nodes (pyrosm already cuts ways at junctions); bridges and tunnels that only cross
    other ways stay unconnected, as in OSM.

    Parameters
    ----------
    path : str or path-like
        The ``.osm.pbf`` extract.
    crs : str, int or pyproj.CRS, optional
        The metric CRS of the graph (default: the UTM zone of the ways).
    bounding_box : sequence of 4 floats, optional
        ``[west, south, east, north]`` in degrees: read only this part.

    Returns
    -------
    WalkGraph
        The walking graph in ``crs``.

    Raises
    ------
    FileFormatError
        The file is missing or not a PBF.
    NetworkError
        The extract holds no (walkable) highway ways.
    """
    ways = read_osm_ways(path, bounding_box=bounding_box)
    walk = ways[walkable_mask(ways)]
    if len(walk) == 0:
        raise NetworkError(
            "数据中没有可步行的道路", file=str(path), fix="请用含可步行道路的 OSM 数据"
        )
    walk = walk[["highway", "name", "bridge", "tunnel", "id", "geometry"]].rename(
        columns={"id": "osm_id"}
    )
    walk = to_metric(walk, crs=crs)
    return graph_from_lines(walk, source=str(path))
