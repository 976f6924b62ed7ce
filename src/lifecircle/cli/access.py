"""``lifecircle access``: walking access from every home to every facility category."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from lifecircle.cli import app
from lifecircle.cli._progress import progress_callback


def _floats(text: str | None, option: str) -> list[float] | None:
    if not text:
        return None
    try:
        return [float(x) for x in text.replace("，", ",").split(",") if x.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"{option} 应为逗号分隔的数字，例如 300,500,1000") from exc


@app.command("access")
def access_command(
    homes: Path = typer.Option(..., "--homes", help="住宅点（小区）图层：id, population"),
    facilities: Path = typer.Option(..., "--facilities", help="设施点图层：id, category"),
    out: Path = typer.Option(..., "--out", help="输出文件夹，或 .parquet / .gpkg 文件"),
    network: Path | None = typer.Option(None, "--network", help="路网线图层"),
    osm: Path | None = typer.Option(None, "--osm", help="OpenStreetMap .osm.pbf 文件"),
    radius: str | None = typer.Option(None, "--radius", help="半径（米），如 300,500,1000"),
    minutes: str | None = typer.Option(None, "--minutes", help="步行分钟数，如 5,10,15"),
    speed: float = typer.Option(80.0, "--speed", help="步行速度（米/分钟）"),
    crs: str | None = typer.Option(None, "--crs", help="计算用米制坐标系，默认按数据选 UTM 带"),
    coords: str = typer.Option(
        "wgs84", "--coords", help="住宅点与设施点的经纬度坐标系：wgs84/cgcs2000/gcj02/bd09"
    ),
    network_coords: str = typer.Option("wgs84", "--network-coords", help="路网经纬度坐标系"),
    node_crossings: bool = typer.Option(
        False, "--node-crossings", help="线在交叉处即连通（路网无交点顶点时使用）"
    ),
    max_snap: float = typer.Option(200.0, "--max-snap", help="点到路网的最大挂接距离（米）"),
    own_categories: bool = typer.Option(
        False, "--own-categories", help="允许自定义设施类别（不按标准分类校验）"
    ),
) -> None:
    """步行可达性：每个住宅点到每类设施的最近距离、半径内数量、覆盖率与千人供给（2SFCA）。"""
    # access_from_files checks the files, then starts numba loading while it reads them
    from lifecircle.access.files import access_from_files, write_outputs

    with progress_callback() as progress:
        result = access_from_files(
            homes=homes,
            facilities=facilities,
            network=network,
            osm=osm,
            radii=_floats(radius, "--radius"),
            minutes=_floats(minutes, "--minutes"),
            walk_speed_m_per_min=speed,
            crs=crs,
            coords=coords,
            network_coords=network_coords,
            node_crossings=node_crossings,
            max_snap_m=max_snap,
            own_categories=own_categories,
            progress=progress,
        )
    written = write_outputs(result, out)
    console = Console(stderr=False)
    table = Table(title="人口覆盖率（步行可达）")
    table.add_column("设施类别")
    for label in result.radius_labels:
        table.add_column(label, justify="right")
    cov = result.coverage
    for cat in result.categories:
        shares = cov[cov["category"] == cat]["share"].tolist()
        table.add_row(cat, *(f"{s:.1%}" for s in shares))
    console.print(table)
    net = result.network
    console.print(
        f"路网 {net['nodes']:,} 个节点、{net['edges']:,} 条边、{net['components']} 个连通分量；"
        f"住宅点 {len(result.homes):,} 个；未挂接 {len(result.unsnapped)} 个"
        f"（人口 {result.unsnapped_population:,.0f}）；用时 {result.seconds:.1f} 秒"
    )
    for w in result.warnings:
        console.print(f"[yellow]注意：{w}[/yellow]")
    for path in written:
        console.print(f"已写出 {path}")
