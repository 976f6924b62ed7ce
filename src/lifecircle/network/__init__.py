"""The walking network: graph arrays (CSR), builders, snapping and routing kernels.

The names below load their modules on first use, so that importing a submodule that
needs nothing heavy (`lifecircle.network.warmup`) does not import geopandas and scipy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lifecircle.network.build import graph_from_lines
    from lifecircle.network.graph import WalkGraph
    from lifecircle.network.osm import graph_from_osm
    from lifecircle.network.snap import Snapped, snap_points

__all__ = ["Snapped", "WalkGraph", "graph_from_lines", "graph_from_osm", "snap_points"]

_HOME = {
    "Snapped": "lifecircle.network.snap",
    "WalkGraph": "lifecircle.network.graph",
    "graph_from_lines": "lifecircle.network.build",
    "graph_from_osm": "lifecircle.network.osm",
    "snap_points": "lifecircle.network.snap",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
