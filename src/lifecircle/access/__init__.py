"""Per-category walking access for every home: nearest, counts, coverage, 2SFCA."""

from lifecircle.access.engine import DEFAULT_RADII_M, compute_access
from lifecircle.access.result import AccessResult, column_names

__all__ = ["DEFAULT_RADII_M", "AccessResult", "column_names", "compute_access"]
