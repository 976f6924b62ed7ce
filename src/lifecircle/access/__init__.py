"""Per-category walking access for every home: nearest, counts, coverage, 2SFCA.

The names below load their modules on first use: `lifecircle.access.files` checks its
input files before anything heavy is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lifecircle.access.engine import DEFAULT_RADII_M, compute_access
    from lifecircle.access.result import AccessResult, column_names

__all__ = ["DEFAULT_RADII_M", "AccessResult", "column_names", "compute_access"]

_HOME = {
    "DEFAULT_RADII_M": "lifecircle.access.engine",
    "compute_access": "lifecircle.access.engine",
    "AccessResult": "lifecircle.access.result",
    "column_names": "lifecircle.access.result",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
