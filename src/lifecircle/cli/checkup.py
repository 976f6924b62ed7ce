"""``lifecircle checkup``: the 专项体检 of every life circle of a district."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from lifecircle.cli import app
from lifecircle.cli._progress import progress_callback
from lifecircle.cli._summary import print_checkup_summary


@app.command("checkup")
def checkup_command(
    district: Path | None = typer.Argument(None, help="区数据包文件夹（含 district.yaml）"),
    out: Path = typer.Option(Path("checkup"), "--out", help="输出文件夹"),
    catalogue: str = typer.Option(
        "changsha-provisional", "--catalogue", help="指标体系：内置名称或 YAML 文件路径"
    ),
    osm: Path | None = typer.Option(None, "--osm", help="用 OpenStreetMap .osm.pbf 直接体检"),
    floor_area: float = typer.Option(
        35.0, "--floor-area-per-person", help="OSM：人均居住面积（m²）"
    ),
    hex_km2: float = typer.Option(1.0, "--hex-km2", help="OSM：无生活圈时六边形单元面积（km²）"),
    max_snap: float = typer.Option(200.0, "--max-snap", help="点到路网的最大挂接距离（米）"),
    data_date: str | None = typer.Option(
        None,
        "--data-date",
        help="数据日期：体检所用数据反映的日期（如 2024-06-30），代替 district.yaml 的 data_date",
    ),
    suggest: bool = typer.Option(
        False,
        "--suggest",
        help="同时计算补短板建议：每项未达标的覆盖率指标最少新增几处设施、选址在哪里（较慢）",
    ),
    candidates: Path | None = typer.Option(
        None,
        "--candidates",
        help="与 --suggest 同用：候选用地图层（闲置物业、空地等，点或面；默认用路网沿线点）",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="在本机启动 N 个 dask 工作进程，分块并行计算步行可达（需安装 lifecircle[scale]）",
    ),
    cluster: str | None = typer.Option(
        None,
        "--cluster",
        help="在已运行的 dask 调度器上计算，如 tcp://10.0.0.5:8786（见 docs/scale.md）",
    ),
    tiles: int | None = typer.Option(
        None,
        "--tiles",
        min=1,
        help="与 --workers/--cluster 同用：把路网分成约 N 块（默认按工作进程数自动选择）",
    ),
) -> None:
    """专项体检：逐个生活圈评价全部指标，给出评级（未达标/AA/AAA）与短板及受影响居民。"""
    from lifecircle.network.warmup import compile_kernels_in_background

    compile_kernels_in_background()  # a first run compiles while the inputs are read
    from lifecircle.checkup import run_checkup
    from lifecircle.standards import load_catalogue

    console = Console()
    if (district is None) == (osm is None):
        raise typer.BadParameter("请给出区数据包文件夹，或 --osm 文件（二选一）")
    from lifecircle.checkup.write import check_out_dir

    if candidates is not None and not suggest:
        raise typer.BadParameter("--candidates 须与 --suggest 同用")
    if workers is not None and cluster is not None:
        raise typer.BadParameter("--workers 与 --cluster 只能二选一")
    if tiles is not None and workers is None and cluster is None:
        raise typer.BadParameter("--tiles 须与 --workers 或 --cluster 同用")
    check_out_dir(out)
    from lifecircle.network.limits import check_max_snap

    check_max_snap(max_snap)  # refused before the district is read
    if data_date is not None:  # a bad date is refused before any long work
        from lifecircle.district import parse_data_date

        parse_data_date(data_date, file="--data-date")
    cat = load_catalogue(catalogue)
    with _engine(workers, cluster, tiles) as access_fn, progress_callback() as progress:
        progress("read", 0, 1)
        if osm is not None:
            from lifecircle.district import district_from_osm

            d = district_from_osm(osm, floor_area_per_person_m2=floor_area, hex_area_km2=hex_km2)
        else:
            from lifecircle.district import load_district

            assert district is not None  # one of the two, checked above
            d = load_district(district)
        progress("read", 1, 1)
        sites = None
        if candidates is not None:
            from lifecircle.io import read_layer, to_metric

            sites = to_metric(read_layer(candidates, geometry="any"), crs=d.crs)
        checkup = run_checkup(
            d,
            cat,
            max_snap_m=max_snap,
            data_date=data_date,
            suggest=suggest,
            candidates=sites,
            progress=progress,
            access_fn=access_fn,
        )
    written = checkup.write(out)
    print_checkup_summary(checkup.result, console)
    for path in written:
        console.print(f"已写出 {path}")


@contextmanager
def _engine(workers: int | None, cluster: str | None, tiles: int | None) -> Iterator[Any]:
    """None (the engine in this process), or the tiled engine on a dask cluster."""
    if workers is None and cluster is None:
        yield None
        return
    from lifecircle.scale.checkup import checkup_access
    from lifecircle.scale.cluster import open_cluster

    with open_cluster(workers=workers, address=cluster) as runner:
        yield checkup_access(runner, workers=runner.workers, tiles=tiles)
