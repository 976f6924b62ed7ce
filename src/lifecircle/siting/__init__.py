"""Where to add facilities: maximal covering (with fixed sites and capacities), fewest to pass."""

from lifecircle.siting._coverage import coverage_pairs, within_radius
from lifecircle.siting._solution import Solution
from lifecircle.siting.fewest import FewestToPass, TargetUnreachable
from lifecircle.siting.mclp import MCLP
from lifecircle.siting.network import SnapReport, candidates_from_network, walking_pairs

__all__ = [
    "MCLP",
    "FewestToPass",
    "SnapReport",
    "Solution",
    "TargetUnreachable",
    "candidates_from_network",
    "coverage_pairs",
    "walking_pairs",
    "within_radius",
]
