"""Readers and writers, coordinate systems, input schemas and validation.

The names below load their modules on first use, so that a light submodule (the file
checks of `lifecircle.io._sniff`) can be imported without geopandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lifecircle.io.aliases import ALIASES
    from lifecircle.io.coords import (
        COORD_SYSTEMS,
        bd09_to_gcj02,
        bd09_to_wgs84,
        gcj02_to_bd09,
        gcj02_to_wgs84,
        out_of_china,
        to_wgs84,
        wgs84_to_bd09,
        wgs84_to_gcj02,
    )
    from lifecircle.io.crs import (
        check_crs_plausible,
        choose_metric_crs,
        is_metric,
        normalise_geographic,
        to_metric,
    )
    from lifecircle.io.readers import check_layer, read_layer
    from lifecircle.io.schemas import validate_facilities, validate_homes
    from lifecircle.io.writers import (
        interrupted_writes,
        write_atomic,
        write_folder,
        write_gpkg,
        write_gpkg_layers,
        write_parquet,
    )

__all__ = [
    "ALIASES",
    "COORD_SYSTEMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "check_crs_plausible",
    "check_layer",
    "choose_metric_crs",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "interrupted_writes",
    "is_metric",
    "normalise_geographic",
    "out_of_china",
    "read_layer",
    "to_metric",
    "to_wgs84",
    "validate_facilities",
    "validate_homes",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
    "write_atomic",
    "write_folder",
    "write_gpkg",
    "write_gpkg_layers",
    "write_parquet",
]

_HOME = {
    "ALIASES": "lifecircle.io.aliases",
    "COORD_SYSTEMS": "lifecircle.io.coords",
    "bd09_to_gcj02": "lifecircle.io.coords",
    "bd09_to_wgs84": "lifecircle.io.coords",
    "check_crs_plausible": "lifecircle.io.crs",
    "check_layer": "lifecircle.io.readers",
    "choose_metric_crs": "lifecircle.io.crs",
    "gcj02_to_bd09": "lifecircle.io.coords",
    "gcj02_to_wgs84": "lifecircle.io.coords",
    "interrupted_writes": "lifecircle.io.writers",
    "is_metric": "lifecircle.io.crs",
    "normalise_geographic": "lifecircle.io.crs",
    "out_of_china": "lifecircle.io.coords",
    "read_layer": "lifecircle.io.readers",
    "to_metric": "lifecircle.io.crs",
    "to_wgs84": "lifecircle.io.coords",
    "validate_facilities": "lifecircle.io.schemas",
    "validate_homes": "lifecircle.io.schemas",
    "wgs84_to_bd09": "lifecircle.io.coords",
    "wgs84_to_gcj02": "lifecircle.io.coords",
    "write_atomic": "lifecircle.io.writers",
    "write_folder": "lifecircle.io.writers",
    "write_gpkg": "lifecircle.io.writers",
    "write_gpkg_layers": "lifecircle.io.writers",
    "write_parquet": "lifecircle.io.writers",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
