"""``lifecircle mobility …`` (ingest, match, synth) and ``lifecircle delineate``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from lifecircle.cli import app
from lifecircle.cli._progress import progress_callback

mobility_app = typer.Typer(
    name="mobility",
    help="手机信令/定位数据：导入并脱敏聚合、匹配程度分析、合成示例数据。",
    no_args_is_help=True,
)
app.add_typer(mobility_app, name="mobility")

_STAGES = {"records": "读取定位记录", "walk": "计算步行距离"}


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    with progress_callback() as draw:

        def report(stage: str, done: int, total: int) -> None:
            draw(_STAGES.get(stage, stage), done, total)

        yield report


def _night(text: str) -> tuple[int, int]:
    try:
        a, b = text.replace("－", "-").replace("—", "-").split("-")
        start, end = int(a), int(b)
    except ValueError as exc:
        raise typer.BadParameter("--night 应写成 起-止 小时，例如 22-6") from exc
    if not (0 <= start <= 23 and 0 <= end <= 23) or start == end:
        raise typer.BadParameter("--night 的小时应在 0–23 之间且起止不同，例如 22-6")
    return start, end


def _positive(value: float, option: str) -> float:
    if not value > 0:
        raise typer.BadParameter(f"{option} 应大于 0")
    return value


@mobility_app.command("ingest")
def ingest_command(
    out: Path = typer.Option(..., "--out", help="输出文件夹（只写聚合且已压制的结果）"),
    records: list[Path] | None = typer.Option(
        None,
        "--records",
        help="原始定位记录 CSV/Parquet（设备编号、时间、经度、纬度；按设备分组），可多次给出",
    ),
    flows: Path | None = typer.Option(
        None, "--flows", help="已聚合的起讫点流量表 CSV/XLSX/Parquet"
    ),
    communities: Path | None = typer.Option(
        None, "--communities", help="社区面图层（id）：以社区为单元；不给则用格网"
    ),
    facilities: Path | None = typer.Option(
        None, "--facilities", help="设施点图层（id, category）：匹配到访设施"
    ),
    coords: str = typer.Option(
        "wgs84", "--coords", help="定位记录的经纬度坐标系：wgs84 / gcj02 / bd09 / cgcs2000"
    ),
    facility_coords: str = typer.Option("wgs84", "--facility-coords", help="设施点的经纬度坐标系"),
    k: int = typer.Option(5, "--k", help="每条流、每个格网至少包含的设备数，少于此数即压制"),
    key_file: Path | None = typer.Option(
        None,
        "--key-file",
        help="假名化密钥文件（勿放在输出文件夹内）；不给则读环境变量 LIFECIRCLE_MOBILITY_KEY，再不给则用一次性随机密钥",
    ),
    distance: float = typer.Option(200.0, "--distance", help="停留点距离阈值（米）"),
    min_minutes: float = typer.Option(10.0, "--min-minutes", help="停留点时间阈值（分钟）"),
    night: str = typer.Option("22-6", "--night", help="夜间时段（小时），用于识别居住地"),
    home_radius: float = typer.Option(
        150.0, "--home-radius", help="距居住点多少米以内算在家（不计出行）"
    ),
    match_radius: float = typer.Option(
        100.0, "--match-radius", help="停留点与设施的最大匹配距离（米）"
    ),
    cell: float = typer.Option(500.0, "--cell", help="无社区图层时的格网边长（米）"),
    by_hour: bool = typer.Option(False, "--by-hour", help="按到达时段（小时）分别统计"),
    utc_offset: float = typer.Option(
        8.0, "--utc-offset", help="当地时区与 UTC 的时差（小时），北京时间为 8"
    ),
    chunk_rows: int = typer.Option(500_000, "--chunk-rows", help="每块读入的记录数（控制内存）"),
    device_col: str | None = typer.Option(
        None, "--device-col", help="设备编号列名（默认按列名识别）"
    ),
    time_col: str | None = typer.Option(None, "--time-col", help="时间列名"),
    lon_col: str | None = typer.Option(None, "--lon-col", help="经度列名"),
    lat_col: str | None = typer.Option(None, "--lat-col", help="纬度列名"),
    encoding: str | None = typer.Option(
        None, "--encoding", help="CSV 编码（默认自动识别 UTF-8 / GBK）"
    ),
    own_categories: bool = typer.Option(False, "--own-categories", help="允许自定义设施类别"),
) -> None:
    """导入出行数据：原始定位记录（识别停留点、居住地与到访设施）或已聚合的流量表；设备编号即时假名化，只写出聚合结果，少于 k 台设备的流一律压制。"""
    from lifecircle.mobility.files import ingest_flows_file, ingest_records_files
    from lifecircle.mobility.ingest import IngestOptions

    if bool(records) == (flows is not None):
        raise typer.BadParameter("请给出 --records（原始定位记录）或 --flows（聚合流量表）二者之一")
    console = Console()
    if flows is not None:
        result, written = ingest_flows_file(flows, out=out, k=k, encoding=encoding)
    else:
        assert records is not None
        options = IngestOptions(
            distance_m=_positive(distance, "--distance"),
            min_duration_s=round(_positive(min_minutes, "--min-minutes") * 60),
            night=_night(night),
            home_radius_m=home_radius,
            match_radius_m=_positive(match_radius, "--match-radius"),
            cell_m=_positive(cell, "--cell"),
            by_hour=by_hour,
            k=k,
            coords=coords,
            utc_offset_hours=utc_offset,
            chunk_rows=int(_positive(chunk_rows, "--chunk-rows")),
        )
        columns = {
            name: value
            for name, value in (
                ("device", device_col),
                ("time", time_col),
                ("lon", lon_col),
                ("lat", lat_col),
            )
            if value
        }
        with _progress() as progress:
            result, written = ingest_records_files(
                records,
                out=out,
                communities=communities,
                facilities=facilities,
                facility_coords=facility_coords,
                own_categories=own_categories,
                key_file=key_file,
                options=options,
                columns=columns,
                encoding=encoding,
                progress=progress,
            )
        s = result.summary
        console.print(
            f"定位记录 {s['records']:,} 条（无效跳过 {s['records_dropped']:,} 条），设备 {s.get('devices', 0):,} 台，"
            f"识别居住地 {s.get('devices_with_home', 0):,} 台；停留点 {s.get('stay_points', 0):,} 个，"
            f"出行 {s.get('trips', 0):,} 次，其中到访设施 {s.get('facility_trips', 0):,} 次；假名化密钥：{s['pseudonym_key']}"
        )
    s = result.summary
    for name, n in s["written_rows"].items():
        console.print(
            f"{name}：写出 {n:,} 行，压制 {s['suppressed_rows'][name]:,} 行（少于 {k} 台设备）"
        )
    if "note" in s:
        console.print(f"[yellow]注意：{s['note']}[/yellow]")
    for path in written:
        console.print(f"已写出 {path}")


@mobility_app.command("match")
def match_command(
    flows: Path = typer.Option(
        ..., "--flows", help="社区→设施流量表（如 ingest 输出的 flows_facilities.csv）"
    ),
    communities: Path = typer.Option(..., "--communities", help="社区面图层（id；可带 circle_id）"),
    facilities: Path = typer.Option(..., "--facilities", help="设施点图层（id, category）"),
    out: Path = typer.Option(..., "--out", help="输出文件夹"),
    circles: Path | None = typer.Option(
        None, "--circles", help="生活圈表：circle_id + communities，或 community_id + circle_id"
    ),
    network: Path | None = typer.Option(None, "--network", help="路网线图层"),
    osm: Path | None = typer.Option(None, "--osm", help="OpenStreetMap .osm.pbf 文件"),
    minutes: float = typer.Option(15.0, "--minutes", help="步行时间（分钟）"),
    speed: float = typer.Option(80.0, "--speed", help="步行速度（米/分钟）"),
    coords: str = typer.Option("wgs84", "--coords", help="设施点的经纬度坐标系"),
    network_coords: str = typer.Option("wgs84", "--network-coords", help="路网经纬度坐标系"),
    k: int = typer.Option(5, "--k", help="少于 k 台设备的流不参与计算"),
    own_categories: bool = typer.Option(False, "--own-categories", help="允许自定义设施类别"),
) -> None:
    """匹配程度：居民到访设施的出行有多少留在本生活圈、本圈设施有多少由本圈居民使用、多少在 15 分钟步行内，以及是否舍近求远。"""
    from lifecircle.mobility.files import match_files, write_match

    with _progress() as progress:
        result = match_files(
            flows=flows,
            communities=communities,
            facilities=facilities,
            circles=circles,
            network=network,
            osm=osm,
            coords=coords,
            network_coords=network_coords,
            own_categories=own_categories,
            minutes=_positive(minutes, "--minutes"),
            walk_speed_m_per_min=_positive(speed, "--speed"),
            k=k,
            progress=progress,
        )
    written = write_match(result, out)
    console = Console()
    s = result.summary

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.1%}"

    console.print(
        f"出行 {s['trips']:,.0f} 次（{s['communities']} 个社区、{s['circles']} 个生活圈、{s['facilities']} 处设施）："
        f"留在本圈 {pct(s['own_circle_share'])}，{minutes:g} 分钟步行内 {pct(s['within_limit_share'])}，"
        f"去最近设施 {pct(s['to_nearest_share'])}，舍近求远 {pct(s['bypass_share'])}"
    )
    for w in result.warnings:
        console.print(f"[yellow]注意：{w}[/yellow]")
    for path in written:
        console.print(f"已写出 {path}")


@mobility_app.command("synth")
def synth_command(
    out: Path = typer.Option(..., "--out", help="输出文件夹"),
    seed: int = typer.Option(1, "--seed", help="随机种子"),
    noise: float = typer.Option(0.3, "--noise", help="不按预设生活圈出行的比例（0–1）"),
    rows: int = typer.Option(12, "--rows", help="社区网格行数"),
    cols: int = typer.Option(12, "--cols", help="社区网格列数"),
    circles: int = typer.Option(30, "--circles", help="预设生活圈个数"),
    devices: int = typer.Option(
        0, "--devices", help="同时生成多少台设备的原始定位记录（0 为不生成）"
    ),
    days: int = typer.Option(1, "--days", help="定位记录的天数"),
    coords: str = typer.Option("wgs84", "--coords", help="定位记录的坐标系：wgs84 或 gcj02"),
    district: Path | None = typer.Option(
        None,
        "--district",
        help="在这个区数据包（如 lifecircle demo 生成的示例区）的社区、生活圈、设施与路网上合成出行；给出时不用 --rows/--cols/--circles",
    ),
    shift: float = typer.Option(
        0.0,
        "--shift",
        help="（配合 --district）边界社区改随相邻生活圈出行的比例（0–1），使实际出行与现状生活圈不完全一致",
    ),
) -> None:
    """合成示例数据：规则网格上（或 --district 区数据包上）的社区、预设生活圈、重力模型出行流（及原始定位记录），供试用与测试。"""
    from lifecircle.mobility.files import write_synthetic

    if not 0.0 <= noise <= 1.0:
        raise typer.BadParameter("--noise 应在 0 到 1 之间")
    if not 0.0 <= shift <= 1.0:
        raise typer.BadParameter("--shift 应在 0 到 1 之间")
    if district is None and not 1 <= circles <= rows * cols:
        raise typer.BadParameter(f"--circles 应在 1 到 {rows * cols} 之间")
    written = write_synthetic(
        out,
        seed=seed,
        noise=noise,
        rows=rows,
        cols_=cols,
        circles=circles,
        devices=devices,
        days=days,
        coords=coords,
        district=district,
        shift=shift,
    )
    console = Console()
    console.print(
        "合成数据（出行为生成数据，非真实数据；"
        + ("社区、设施与路网取自区数据包）：" if district else "几何也为生成数据）：")
    )
    for path in written:
        console.print(f"已写出 {path}")


@app.command("delineate")
def delineate_command(
    communities: Path = typer.Option(..., "--communities", help="社区面图层：id, population, 几何"),
    flows: Path = typer.Option(..., "--flows", help="社区间流量表：origin, destination, count"),
    out: Path = typer.Option(
        ...,
        "--out",
        help="输出 CSV（每个社区一行：community_id, circle_id）；同名 .json/.md/.gpkg 为报告",
    ),
    target_count: int | None = typer.Option(None, "--target-count", help="目标生活圈个数"),
    min_pop: float | None = typer.Option(None, "--min-pop", help="每个生活圈人口下限"),
    max_pop: float | None = typer.Option(None, "--max-pop", help="每个生活圈人口上限"),
    current: Path | None = typer.Option(
        None, "--current", help="现状生活圈表，用于比较（ARI、NMI、调整的社区）"
    ),
    adjacency: float = typer.Option(1.0, "--adjacency", help="两社区边界相距多少米以内算相邻"),
    resolution: float = typer.Option(
        1.0, "--resolution", help="不给目标个数时的分辨率（越大生活圈越小）"
    ),
    seed: int = typer.Option(0, "--seed", help="随机种子（同样输入同样结果）"),
    layer: str | None = typer.Option(
        None, "--layer", help="社区图层所在的图层名（GeoPackage 多图层时）"
    ),
) -> None:
    """生活圈划分：按社区间实际出行联系，在步行相邻的社区之间用 Leiden 算法划分；社区不拆分，生活圈空间连续，可限定人口范围或目标个数。"""
    from lifecircle.mobility.files import delineate_files
    from lifecircle.mobility.report import write_delineation

    if target_count is not None and target_count < 1:
        raise typer.BadParameter("--target-count 应为正整数")
    result = delineate_files(
        communities=communities,
        flows=flows,
        target_count=target_count,
        min_pop=min_pop,
        max_pop=max_pop,
        current=current,
        adjacency_m=_positive(adjacency, "--adjacency") if adjacency != 0 else 0.0,
        resolution=_positive(resolution, "--resolution"),
        seed=seed,
        layer=layer,
    )
    written = write_delineation(result, out)
    console = Console()
    s = result.summary
    console.print(
        f"社区 {s['communities']} 个 → 生活圈 {s['circles']} 个；圈内自足率 {s['self_containment']:.1%}；"
        f"全部空间连续：{'是' if s['all_contiguous'] else '否'}"
    )
    if result.comparison is not None:
        c = result.comparison.summary()
        console.print(
            f"与现状比较：ARI {c['adjusted_rand_index']:.3f}，NMI {c['normalized_mutual_info']:.3f}，"
            f"原样保留 {c['kept_whole']}/{c['current_circles']} 个，调整社区 {c['communities_moved']} 个"
        )
    for w in result.warnings:
        console.print(f"[yellow]注意：{w}[/yellow]")
    for path in written:
        console.print(f"已写出 {path}")


# --- into the programme database ----------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _register_db_commands() -> None:
    from lifecircle.cli._programme import ActorOpt, DbOpt, _handle, import_app, open_programme

    @import_app.command("mobility")
    @_handle
    def import_mobility_cmd(
        match: Path = typer.Option(
            ..., "--match", help="mobility match 的输出文件夹（match.json、match_*.csv）"
        ),
        delineation: Path | None = typer.Option(
            None, "--delineation", help="delineate 写出的 CSV（同名 .json、.gpkg 放在一起）"
        ),
        communities: Path | None = typer.Option(
            None, "--communities", help="社区面图层（id）：用来画现状生活圈的范围（可选）"
        ),
        title: str | None = typer.Option(None, "--title", help="名称，如 2024年5月手机信令"),
        generated: bool = typer.Option(
            False, "--generated", help="数据为合成的示例数据（地图与报告中注明）"
        ),
        db: str | None = DbOpt,
        actor: str | None = ActorOpt,
    ) -> None:
        """导入出行分析结果（匹配程度、生活圈划分建议、到访设施的聚合流量）到数据库，供网页地图使用。只存聚合且已压制的结果，不含任何设备编号或轨迹。"""
        from lifecircle.workflow.mobility import import_mobility, load_mobility_files

        result = load_mobility_files(
            match, delineation=delineation, communities=communities, generated=generated
        )
        with open_programme(db, actor=actor) as s:
            run = import_mobility(s, result, title=title)
            console = Console()
            m = run.summary.get("match", {})
            console.print(
                f"已导入出行分析结果“{run.title}”（编号 {run.id}）：生活圈 {len(result.circles)} 个，"
                f"社区 {len(result.communities)} 个，到访设施的流 {len(result.flows)} 条（每条不少于 {run.k} 台设备）；"
                f"留在本圈 {_pct(m.get('own_circle_share'))}"
                + (f"；建议生活圈 {len(result.proposed)} 个" if result.proposed is not None else "")
            )

    @mobility_app.command("runs")
    @_handle
    def runs_cmd(
        delete: int | None = typer.Option(None, "--delete", help="删除这个编号的结果"),
        db: str | None = DbOpt,
        actor: str | None = ActorOpt,
    ) -> None:
        """列出（或删除）数据库中的出行分析结果。"""
        from rich.table import Table

        from lifecircle.workflow.mobility import delete_mobility_run, mobility_runs

        console = Console()
        with open_programme(db, actor=actor) as s:
            if delete is not None:
                run = delete_mobility_run(s, delete)
                console.print(f"已删除出行分析结果“{run.title}”（编号 {delete}）")
                return
            runs = mobility_runs(s)
            if not runs:
                console.print("数据库中还没有出行分析结果（用 lifecircle import mobility 导入）。")
                return
            t = Table("编号", "名称", "导入时间", "k", "留在本圈", "建议生活圈", "示例数据")
            for r in runs:
                d = r.summary.get("delineation") or {}
                t.add_row(
                    str(r.id),
                    r.title,
                    r.imported_at.strftime("%Y-%m-%d %H:%M"),
                    str(r.k),
                    _pct(r.summary.get("match", {}).get("own_circle_share")),
                    str(d.get("circles", "—")),
                    "是" if r.generated else "否",
                )
            console.print(t)


_register_db_commands()
