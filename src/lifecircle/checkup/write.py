"""Write a checkup: checkup.json and the circles / compounds / facilities GeoPackages."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from lifecircle.errors import InputError

if TYPE_CHECKING:
    from lifecircle.access.service_area import AreaRow
    from lifecircle.checkup.result import CheckupResult
    from lifecircle.checkup.run import Checkup
    from lifecircle.district import District


def write_checkup(checkup: Checkup, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write every output of ``checkup`` into ``out_dir``, as one unit.

    - ``checkup.json``: the result (schema in docs/checkup-schema.md);
    - ``circles.gpkg``: one polygon per circle with its grade, population and one
      ``pass__<indicator>`` column per constraint indicator (1 pass, 0 fail, null missing);
    - ``compounds.gpkg``: one point per compound with ``circle_id`` and every access column;
    - ``facilities.gpkg``: the facilities with the circle they are located in;
    - ``service_areas.gpkg``: per facility category of a coverage indicator that some
      circle fails, the walking network within the indicator's radius, as polygons (maps).

    The folder is complete or absent (``io.write_folder``): the files are written into a
    hidden sibling folder that replaces an earlier run only once every file is there. An
    existing folder that holds no ``checkup.json`` (and is not empty) is never replaced.
    """
    from lifecircle.io import write_atomic, write_folder, write_gpkg

    names = [
        "checkup.json",
        "circles.gpkg",
        "compounds.gpkg",
        "facilities.gpkg",
        "service_areas.gpkg",
    ]

    def write(out: Path) -> None:
        result = checkup.result
        district = checkup.district
        text = result.to_json()
        write_atomic(out / "checkup.json", lambda t: t.write_text(text, encoding="utf-8"))
        write_gpkg(_circles_layer(result, district), out / "circles.gpkg", layer="circles")
        write_gpkg(_compounds_layer(checkup), out / "compounds.gpkg", layer="compounds")
        fac = district.facilities.copy()
        fac["circle_id"] = fac["circle_id"].astype("string")
        write_gpkg(fac, out / "facilities.gpkg", layer="facilities")
        write_gpkg(_service_areas_layer(checkup), out / "service_areas.gpkg", layer="service_areas")

    final = write_folder(out_dir, write, owns=is_checkup_folder)
    return [final / name for name in names]


def check_out_dir(out_dir: str | os.PathLike[str]) -> None:
    """Refuse, before any work, an output folder ``write_checkup`` would refuse at the end.

    Parameters
    ----------
    out_dir : str or path-like
        The checkup's output folder.
    """
    from lifecircle.io.writers import check_replaceable

    check_replaceable(out_dir, owns=is_checkup_folder)


def is_checkup_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a checkup written by ``write_checkup`` (its ``checkup.json``).

    Parameters
    ----------
    folder : pathlib.Path
        A folder.

    Returns
    -------
    bool
    """
    return (folder / "checkup.json").is_file()


def missing_checkup_folder(folder: str | os.PathLike[str]) -> InputError:
    """The error a reader raises for a checkup folder that is not there.

    Names an interrupted write when a staging folder of a killed or running
    ``lifecircle checkup`` is found beside it (its results never took effect).

    Parameters
    ----------
    folder : str or path-like
        The checkup folder asked for.

    Returns
    -------
    lifecircle.errors.InputError
    """
    from lifecircle.io import interrupted_writes

    if interrupted_writes(folder):
        message = "找不到体检结果文件夹：上一次体检在写出结果时中断（或仍在写出），结果没有生效"
    else:
        message = "找不到体检结果文件夹"
    return InputError(
        message,
        file=str(folder),
        fix="请先运行 `lifecircle checkup … --out 该文件夹`，完成后再生成报告",
    )


def _service_areas_layer(checkup: Checkup) -> gpd.GeoDataFrame:
    """The checkup's service areas: drawn during the run, or now."""
    if checkup.service_areas is not None:
        return checkup.service_areas
    return service_areas_layer(checkup.result, checkup.district)


def service_areas_layer(
    result: CheckupResult, district: District, *, workers: int | None = None
) -> gpd.GeoDataFrame:
    """Service areas of the categories of coverage indicators that some circle fails.

    Those are what the reports draw (a shortfall and where its service reaches); the
    others are left out because each costs a network search and a polygon build. Only
    the indicators' statuses count, so a result before or after its 补短板建议 gives the
    same layer.

    Parameters
    ----------
    result : CheckupResult
        The checkup's result.
    district : District
        The district it was run on.
    workers : int, optional
        Categories drawn at once (`lifecircle.access.service_areas`; default one per core).

    Returns
    -------
    geopandas.GeoDataFrame
        ``category``, ``radius_m``, ``length_m`` and polygons, in the network's CRS.
    """
    from lifecircle.access.service_area import areas_frame, run_jobs

    rows = run_jobs(service_area_jobs(result, district), workers=workers)
    return areas_frame(rows, crs=district.graph.crs)


def service_area_jobs(result: CheckupResult, district: District) -> list[Callable[[], AreaRow]]:
    """`service_areas_layer`'s rows as jobs, one per (radius, category), in the layer's order.

    For a caller that runs them in a pool of its own
    (``lifecircle.access.service_area.run_jobs`` runs them in order);
    ``lifecircle.access.service_area.areas_frame`` makes the layer of their rows.

    Parameters
    ----------
    result : CheckupResult
        The checkup's result.
    district : District
        The district it was run on.

    Returns
    -------
    list of callable
        Each returns one row of the layer.
    """
    from lifecircle.access.service_area import service_area_jobs as area_jobs

    by_radius: dict[float, set[str]] = {}
    for c in result.circles:
        for i in c.indicators:
            if i.kind == "coverage" and i.radius_m and i.status == "fail":
                by_radius.setdefault(float(i.radius_m), set()).update(i.facility_categories)
    return area_jobs(
        district.graph,
        district.facilities,
        groups=[(r, sorted(cats)) for r, cats in sorted(by_radius.items())],
        max_snap_m=float(result.run.options.get("max_snap_m", 200.0)),
    )


def _circles_layer(result: CheckupResult, district: District) -> gpd.GeoDataFrame:
    """circles.gpkg: `lifecircle.checkup.frames.circles_frame` (one definition)."""
    from lifecircle.checkup.frames import circles_frame

    return circles_frame(result, district)


def _compounds_layer(checkup: Checkup) -> gpd.GeoDataFrame:
    """compounds.gpkg: `lifecircle.checkup.frames.compounds_frame` (one definition)."""
    from lifecircle.checkup.frames import compounds_frame

    return compounds_frame(checkup.homes, checkup.district)
