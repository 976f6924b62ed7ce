"""Readers and writers, coordinate systems, input schemas and validation."""

from .aliases import ALIASES
from .coords import (
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
from .crs import check_crs_plausible, choose_metric_crs, is_metric, normalise_geographic, to_metric
from .readers import check_layer, read_layer
from .schemas import validate_facilities, validate_homes
from .writers import write_atomic, write_gpkg, write_gpkg_layers, write_parquet

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
    "write_gpkg",
    "write_gpkg_layers",
    "write_parquet",
]
