"""AccessResult: the per-home access table, coverage by category and radius, and writers."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd


@dataclass(frozen=True)
class ColumnNames:
    """The output column names of one category (cityseer-style systematic names)."""

    nearest_m: str
    nearest_id: str
    count: dict[str, str]
    supply: dict[str, str]


def column_names(category: str, radius_labels: tuple[str, ...] | list[str]) -> ColumnNames:
    """Column names for ``category``: ``nearest_m__kindergarten``, ``count_500m__clinic`` …

    Parameters
    ----------
    category : str
        A facility category id.
    radius_labels : sequence of str
        Radius labels such as ``500m`` or ``10min``.

    Returns
    -------
    ColumnNames
        ``nearest_m``, ``nearest_id`` and, per radius label, ``count`` and ``supply``.
    """
    return ColumnNames(
        nearest_m=f"nearest_m__{category}",
        nearest_id=f"nearest_id__{category}",
        count={r: f"count_{r}__{category}" for r in radius_labels},
        supply={r: f"supply_per_1000_{r}__{category}" for r in radius_labels},
    )


@dataclass(frozen=True)
class AccessResult:
    """What :func:`compute_access` measured.

    Attributes
    ----------
    homes
        One row per snapped home (index: home id): ``population``, ``snap_m``,
        ``component`` and, per category, ``nearest_m__{c}``, ``nearest_id__{c}``,
        ``count_{r}__{c}`` and (with capacities) ``supply_per_1000_{r}__{c}``.
    unsnapped
        Homes and facilities left out, with ``kind``, ``id``, ``distance_m``, ``reason``.
    """

    homes: pd.DataFrame
    home_geometry: np.ndarray
    radii_m: tuple[float, ...]
    radius_labels: tuple[str, ...]
    categories: tuple[str, ...]
    unsnapped: pd.DataFrame
    unsnapped_population: float
    network: dict[str, Any]
    crs: Any
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def coverage(self) -> pd.DataFrame:
        """Population within each radius of each category (share of snapped residents)."""
        pop = self.homes["population"].to_numpy(dtype=float)
        total = float(pop.sum())
        rows = []
        for cat in self.categories:
            d = self.homes[f"nearest_m__{cat}"].to_numpy(dtype=float)
            for label, r in zip(self.radius_labels, self.radii_m, strict=True):
                covered = float(pop[d <= r].sum())
                rows.append(
                    {
                        "category": cat,
                        "radius": label,
                        "radius_m": r,
                        "population": total,
                        "covered_population": covered,
                        "share": covered / total if total > 0 else float("nan"),
                        "unsnapped_population": self.unsnapped_population,
                    }
                )
        return pd.DataFrame(rows)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The homes table with point geometry.

        Returns
        -------
        geopandas.GeoDataFrame
            :attr:`homes` with its ``id`` as a column and the homes' points, in :attr:`crs`.
        """
        import geopandas as gpd

        frame = self.homes.reset_index()
        for c in frame.columns:
            if c.startswith("nearest_id__"):
                frame[c] = frame[c].astype("string")
        return gpd.GeoDataFrame(frame, geometry=list(self.home_geometry), crs=self.crs)

    def to_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write the homes table as GeoParquet; complete or absent.

        Parameters
        ----------
        path : str or path-like
            The ``.parquet`` file.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        from lifecircle.io.writers import write_atomic

        gdf = self.to_geodataframe()
        return write_atomic(path, lambda tmp: gdf.to_parquet(tmp, index=False))

    def to_gpkg(self, path: str | os.PathLike[str]) -> Path:
        """Write layers ``homes``, ``coverage`` and ``unsnapped`` to one GeoPackage.

        Parameters
        ----------
        path : str or path-like
            The ``.gpkg`` file (replaced as a whole).

        Returns
        -------
        pathlib.Path
            The file written.
        """
        from lifecircle.io.writers import write_atomic

        gdf = self.to_geodataframe()
        coverage = self.coverage
        unsnapped = self.unsnapped.astype({"id": str, "kind": str, "reason": str})

        def write(tmp: Path) -> None:
            import pyogrio

            gdf.to_file(tmp, layer="homes", driver="GPKG")
            pyogrio.write_dataframe(coverage, tmp, layer="coverage", driver="GPKG", append=True)
            if len(unsnapped):
                pyogrio.write_dataframe(
                    unsnapped, tmp, layer="unsnapped", driver="GPKG", append=True
                )

        return write_atomic(path, write)
