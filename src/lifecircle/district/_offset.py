"""GCJ-02 (火星坐标) points labelled WGS-84: found by their offset against the walking network.

Online maps in China give GCJ-02 coordinates, several hundred metres off the WGS-84 network
(OpenStreetMap, surveyed data). Points that sit far from every street as given, and close
to the streets once one more GCJ-02 → WGS-84 correction is applied, were GCJ-02 data that
no correction reached: the package says ``coords: wgs84`` (or nothing) for them.

The test can only see what the network shows: on a street grid denser than the offset
(a few hundred metres) a shifted point still lands near some street, and nothing is said.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from lifecircle.errors import CRSError
from lifecircle.io.coords import gcj02_to_wgs84
from lifecircle.network.graph import WalkGraph

#: the median distance to the network above which points are suspected (metres)
FAR_M = 40.0
#: the correction must bring the points at least this many times closer
GAIN = 5.0
#: and as close as surveyed points sit to their streets (metres)
NEAR_M = 30.0
#: a vertex of a line lies on it: a point this much nearer than FAR_M to a vertex is nearer
#: than FAR_M to the line whatever the rounding of either distance (errors are ~1e-12 m)
_SURE_M = 1e-6


def _median_distance(points: np.ndarray, tree: shapely.STRtree, lines: np.ndarray) -> float:
    idx = tree.nearest(points)
    return float(np.median(shapely.distance(points, lines[idx])))


def _surely_near(points: np.ndarray, lines: np.ndarray) -> bool:
    """True when the median distance of ``points`` to ``lines`` is surely under FAR_M.

    Over half the points within FAR_M of a line's vertex settle it; the distance to a
    vertex is found far faster than the distance to the lines (the usual case: surveyed
    points beside their streets). False says nothing: the distances must be measured.
    """
    if not (shapely.get_type_id(points) == 0).all():  # Points only: one row of xy each
        return False
    xy = shapely.get_coordinates(points)
    vertices = shapely.get_coordinates(lines)
    if len(vertices) == 0 or not (np.isfinite(xy).all() and np.isfinite(vertices).all()):
        return False
    tree = cKDTree(vertices, balanced_tree=False, compact_nodes=False)  # quicker to build
    d, _ = tree.query(xy, distance_upper_bound=FAR_M)
    # the median is the middle value (or the mean of the two middle ones): both are below
    # FAR_M once more than half the points are
    return int(np.count_nonzero(d <= FAR_M - _SURE_M)) >= len(points) // 2 + 1


def check_gcj_offset(
    points: gpd.GeoDataFrame, graph: WalkGraph, *, source: str, coords_field: str = "coords"
) -> None:
    """Raise CRSError when ``points`` look like GCJ-02 data on a WGS-84 network.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Compounds and facilities, in the graph's metric CRS.
    graph : WalkGraph
        The walking network (same CRS).
    source : str
        The file the message names (district.yaml: where the coordinate system is said).
    """
    if len(points) < 3 or len(graph.edge_geometry) == 0 or points.crs is None:
        return
    geoms = np.asarray(points.geometry.values)
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
    if len(geoms) < 3:
        return
    lines = np.asarray(graph.edge_geometry)
    if _surely_near(geoms, lines):
        return
    tree = shapely.STRtree(lines)
    given = _median_distance(geoms, tree, lines)
    if given < FAR_M:
        return
    lonlat = gpd.GeoSeries(geoms, crs=points.crs).to_crs(4326)
    lon, lat = gcj02_to_wgs84(lonlat.x.to_numpy(), lonlat.y.to_numpy())
    moved = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(points.crs)
    corrected = _median_distance(np.asarray(moved.values), tree, lines)
    if corrected * GAIN <= given and corrected <= NEAR_M:
        raise CRSError(
            f"小区与设施的坐标似为 GCJ-02（火星坐标），却按 WGS-84 读入：它们离路网的中位距离"
            f" {given:.0f} 米，按 GCJ-02 纠偏后为 {corrected:.0f} 米",
            file=source,
            field=coords_field,
            fix="坐标取自高德、腾讯等在线地图时，在 district.yaml 写 coords: gcj02（百度地图写 bd09）；"
            "或先把坐标转换为 WGS-84。",
        )
