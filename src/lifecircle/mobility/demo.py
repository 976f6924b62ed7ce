"""The demo's mobility: synthetic trips over a district package, matched and delineated as
the command line does, written to a folder and read back as a `MobilityResult`."""

from __future__ import annotations

import os
from pathlib import Path

from lifecircle.mobility.results import MobilityResult

__all__ = ["write_demo_mobility"]


def write_demo_mobility(
    package: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    seed: int = 1,
    noise: float = 0.2,
    shift: float = 0.1,
) -> MobilityResult:
    """Synthetic trips over ``package`` (``mobility synth --district``), their matching
    degree (``mobility match``) and proposed circles (``delineate``, as many as today's),
    written to ``out`` (``match/``, ``proposal.csv`` …) and read back, marked generated.

    ``shift`` plants circles a little unlike today's, so the matching degree and the
    proposal have something to show (see `synth_district.city_from_district`).
    """
    import pandas as pd

    from lifecircle.mobility.files import (
        delineate_files,
        match_files,
        write_match,
        write_synthetic,
    )
    from lifecircle.mobility.report import write_delineation
    from lifecircle.mobility.results import read_mobility

    folder = Path(out)
    write_synthetic(folder, district=package, noise=noise, shift=shift, seed=seed)
    match = match_files(
        flows=folder / "flows_facilities.csv",
        communities=folder / "communities.gpkg",
        facilities=folder / "facilities.gpkg",
        circles=folder / "circles.csv",
        network=folder / "streets.gpkg",
    )
    write_match(match, folder / "match")
    today = pd.read_csv(folder / "circles.csv", encoding="utf-8-sig")
    result = delineate_files(
        communities=folder / "communities.gpkg",
        flows=folder / "flows_communities.csv",
        target_count=len(today),
        current=folder / "circles.csv",
        seed=seed,
    )
    write_delineation(result, folder / "proposal.csv")
    return read_mobility(folder / "match", delineation=folder / "proposal.csv", generated=True)
