"""Write a checkup: checkup.json and the circles / compounds / facilities GeoPackages."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd


def write_checkup(checkup, out_dir: str | os.PathLike) -> list[Path]:
    """Write every output of ``checkup`` into ``out_dir``; each file is complete or absent.

    - ``checkup.json``: the result (schema in docs/checkup-schema.md);
    - ``circles.gpkg``: one polygon per circle with its grade, population and one
      ``pass__<indicator>`` column per constraint indicator (1 pass, 0 fail, null missing);
    - ``compounds.gpkg``: one point per compound with ``circle_id`` and every access column;
    - ``facilities.gpkg``: the facilities with the circle they are located in;
    - ``service_areas.gpkg``: per facility category of a coverage indicator that some
      circle fails, the walking network within the indicator's radius, as polygons (maps).
    """
    from lifecircle.io import write_atomic, write_gpkg

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = checkup.result
    district = checkup.district
    text = result.to_json()
    written = [write_atomic(out / "checkup.json", lambda t: t.write_text(text, encoding="utf-8"))]
    written.append(
        write_gpkg(_circles_layer(result, district), out / "circles.gpkg", layer="circles")
    )
    written.append(write_gpkg(_compounds_layer(checkup), out / "compounds.gpkg", layer="compounds"))
    fac = district.facilities.copy()
    fac["circle_id"] = fac["circle_id"].astype("string")
    written.append(write_gpkg(fac, out / "facilities.gpkg", layer="facilities"))
    written.append(
        write_gpkg(_service_areas_layer(checkup), out / "service_areas.gpkg", layer="service_areas")
    )
    return written


def _service_areas_layer(checkup) -> gpd.GeoDataFrame:
    """Service areas of the categories of coverage indicators that some circle fails.

    Those are what the reports draw (a shortfall and where its service reaches); the
    others are left out because each costs a network search and a polygon build.
    """
    from lifecircle.access.service_area import service_areas

    result, district = checkup.result, checkup.district
    by_radius: dict[float, set[str]] = {}
    for c in result.circles:
        for i in c.indicators:
            if i.kind == "coverage" and i.radius_m and i.status == "fail":
                by_radius.setdefault(float(i.radius_m), set()).update(i.facility_categories)
    max_snap_m = float(result.run.options.get("max_snap_m", 200.0))
    parts = [
        service_areas(
            district.graph,
            district.facilities,
            categories=sorted(cats),
            radius_m=r,
            max_snap_m=max_snap_m,
        )
        for r, cats in sorted(by_radius.items())
    ]
    if not parts:
        return gpd.GeoDataFrame(
            {"category": [], "radius_m": [], "length_m": []}, geometry=[], crs=district.graph.crs
        )
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=district.graph.crs)


def _circles_layer(result, district) -> gpd.GeoDataFrame:
    rows = []
    for c in result.circles:
        row = {
            "circle_id": c.id,
            "name": c.name,
            "street": c.street,
            "communities": ";".join(c.communities),
            "population": c.population,
            "grade": c.grade,
            "constraint_passed": c.constraint_passed,
            "shortfalls": len(c.shortfalls),
        }
        for i in c.indicators:
            if i.category == "constraint":
                row[f"pass__{i.id}"] = None if i.status == "missing" else int(i.status == "pass")
        rows.append(row)
    table = pd.DataFrame(rows)
    geom = district.circles.set_index(district.circles["circle_id"].astype(str)).geometry
    return gpd.GeoDataFrame(
        table, geometry=geom.reindex(table["circle_id"]).to_numpy(), crs=district.crs
    )


def _compounds_layer(checkup) -> gpd.GeoDataFrame:
    homes = checkup.homes.copy()
    for col in homes.columns:
        if homes[col].dtype == object:
            homes[col] = homes[col].astype("string")
    geom = checkup.district.compounds.set_index(
        checkup.district.compounds["id"].astype(str)
    ).geometry
    return gpd.GeoDataFrame(
        homes.reset_index(drop=True),
        geometry=geom.reindex(homes["id"]).to_numpy(),
        crs=checkup.district.crs,
    )
