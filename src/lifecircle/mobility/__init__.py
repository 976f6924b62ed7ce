"""Mobility: flows and location records in, privacy kept, matching degree, circle delineation."""

from lifecircle.mobility.adjacency import adjacency_pairs
from lifecircle.mobility.compare import Comparison, compare_partitions, name_after
from lifecircle.mobility.delineate import Delineation, delineate, prepare_communities, prepare_flows
from lifecircle.mobility.privacy import (
    DEFAULT_K,
    KEY_ENV,
    PseudonymKey,
    load_key,
    pseudonymise,
    suppress,
)
from lifecircle.mobility.results import MobilityResult, read_mobility
from lifecircle.mobility.synth import (
    SyntheticCity,
    synthetic_city,
    synthetic_facility_flows,
    synthetic_flows,
)
from lifecircle.mobility.synth_district import city_from_district

__all__ = [
    "DEFAULT_K",
    "KEY_ENV",
    "Comparison",
    "Delineation",
    "MobilityResult",
    "PseudonymKey",
    "SyntheticCity",
    "adjacency_pairs",
    "city_from_district",
    "compare_partitions",
    "delineate",
    "load_key",
    "name_after",
    "prepare_communities",
    "prepare_flows",
    "pseudonymise",
    "read_mobility",
    "suppress",
    "synthetic_city",
    "synthetic_facility_flows",
    "synthetic_flows",
]
