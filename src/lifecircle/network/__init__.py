"""The walking network: graph arrays (CSR), builders, snapping and routing kernels."""

from lifecircle.network.build import graph_from_lines
from lifecircle.network.graph import WalkGraph
from lifecircle.network.osm import graph_from_osm
from lifecircle.network.snap import Snapped, snap_points

__all__ = ["Snapped", "WalkGraph", "graph_from_lines", "graph_from_osm", "snap_points"]
