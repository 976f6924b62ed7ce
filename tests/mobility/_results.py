"""A small mobility result (synthetic city, matching degree and delineation) written as the
CLI writes it, shared by the database, report and web tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lifecircle.mobility.delineate import delineate
from lifecircle.mobility.files import write_match
from lifecircle.mobility.match import matching_degree
from lifecircle.mobility.report import write_delineation
from lifecircle.mobility.synth import (
    SyntheticCity,
    synthetic_city,
    synthetic_facility_flows,
    synthetic_flows,
)
from lifecircle.network import graph_from_lines


@dataclass(frozen=True)
class Written:
    city: SyntheticCity
    match: Path  # folder of mobility match
    delineation: Path  # OUT.csv of delineate
    communities: Path  # community layer (GeoPackage)


def write_small_result(folder: Path, *, circle_prefix: str = "P", seed: int = 3) -> Written:
    """6 x 6 communities in 4 planted circles; circles renamed ``<prefix>01`` …"""
    city = synthetic_city(rows=6, cols=6, n_circles=4, seed=seed)
    if circle_prefix != "P":
        comm = city.communities.assign(
            circle_id=city.communities["circle_id"].str.replace("P", circle_prefix)
        )
        fac = city.facilities.assign(
            circle_id=city.facilities["circle_id"].str.replace("P", circle_prefix)
        )
        city = SyntheticCity(comm, fac, city.streets, city.seed)
    graph = graph_from_lines(city.streets)
    flows = synthetic_facility_flows(city, noise=0.3, seed=seed, trips_per_resident=0.03)
    match = matching_degree(
        flows,
        communities=city.communities,
        circle_of=city.planted,
        facilities=city.facilities,
        graph=graph,
    )
    write_match(match, folder / "match")
    result = delineate(
        city.communities,
        synthetic_flows(city, noise=0.3, seed=seed),
        target_count=4,
        current=city.planted,
    )
    out = folder / "proposal.csv"
    write_delineation(result, out)
    layer = folder / "communities.gpkg"
    city.communities.to_crs(4326).to_file(layer, layer="communities", driver="GPKG")
    return Written(city, folder / "match", out, layer)


def demo_mobility(out: Path, package: Path):
    """Trips over the demo district's own communities and facilities, planted on circles a
    little unlike today's; matched and delineated as the CLI does, read back from files."""
    from lifecircle.mobility.demo import write_demo_mobility

    return write_demo_mobility(package, out)
