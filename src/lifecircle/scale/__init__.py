"""Beyond one process: the access engine and the checkup over tiles, on dask.distributed.

`tiled_access` cuts one large network into tiles, each with a buffer of twice the largest
walking radius (network distance is never shorter than the straight line, so the buffer
keeps every result exact), runs `lifecircle.access.compute_access` on each tile and
merges the rows each tile owns. `checkup_districts` runs whole districts as tasks instead.
Tasks run in this process (`LocalRunner`) or on a cluster (`cluster.open_cluster`:
``LocalCluster`` or an existing scheduler). ``distributed`` is imported only for a cluster.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lifecircle.scale.checkup import auto_tiles, checkup_access, checkup_districts
    from lifecircle.scale.cluster import DaskRunner, open_cluster
    from lifecircle.scale.runner import LocalRunner, Runner
    from lifecircle.scale.tiled import tiled_access

__all__ = [
    "DaskRunner",
    "LocalRunner",
    "Runner",
    "auto_tiles",
    "checkup_access",
    "checkup_districts",
    "open_cluster",
    "tiled_access",
]

_HOME = {
    "auto_tiles": "lifecircle.scale.checkup",
    "checkup_access": "lifecircle.scale.checkup",
    "checkup_districts": "lifecircle.scale.checkup",
    "DaskRunner": "lifecircle.scale.cluster",
    "open_cluster": "lifecircle.scale.cluster",
    "LocalRunner": "lifecircle.scale.runner",
    "Runner": "lifecircle.scale.runner",
    "tiled_access": "lifecircle.scale.tiled",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
