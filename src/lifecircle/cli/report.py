"""`lifecircle report`: per-circle 体检报告 and the district report from a checkup directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lifecircle.cli import app


@app.command("report")
def report(
    checkup_dir: Annotated[Path, typer.Argument(help="`lifecircle checkup` 的输出文件夹")],
    out: Annotated[Path, typer.Option("--out", "-o", help="报告输出文件夹")],
    circle: Annotated[
        list[str] | None,
        typer.Option("--circle", "-c", help="只生成该生活圈（可重复）；默认全部"),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="格式：html,docx,xlsx")
    ] = "html,docx,xlsx",
    lang: Annotated[str, typer.Option("--lang", help="语言：zh（默认）或 en")] = "zh",
    tiles: Annotated[
        str | None,
        typer.Option(
            "--tiles",
            help="HTML 地图底图（需联网）：osm，或瓦片地址模板（如带 tk 密钥的天地图）；默认不加底图",
        ),
    ] = None,
    tile_attribution: Annotated[str | None, typer.Option("--tile-attribution")] = None,
    mobility: Annotated[
        Path | None,
        typer.Option(
            "--mobility",
            help="mobility match 的输出文件夹：全区报告加一章“出行与生活圈匹配”",
        ),
    ] = None,
    delineation: Annotated[
        Path | None,
        typer.Option("--delineation", help="delineate 写出的 CSV：该章加上生活圈划分建议"),
    ] = None,
    mobility_generated: Annotated[
        bool, typer.Option("--mobility-generated", help="出行数据为合成的示例数据（报告中注明）")
    ] = False,
) -> None:
    """体检报告：为每个生活圈和全区生成 HTML、Word、Excel 报告（或只生成指定生活圈）。"""
    from lifecircle.checkup import CheckupFolder
    from lifecircle.errors import InputError
    from lifecircle.reports import render_reports

    if lang not in ("zh", "en"):
        typer.echo(f"--lang 只能是 zh 或 en，而不是 {lang!r}", err=True)
        raise typer.Exit(2)
    if delineation is not None and mobility is None:
        typer.echo(
            "错误：--delineation 需与 --mobility（mobility match 的输出文件夹）一起给出", err=True
        )
        raise typer.Exit(2)
    try:
        mob = None
        if mobility is not None:
            from lifecircle.mobility.results import read_mobility

            mob = read_mobility(mobility, delineation=delineation, generated=mobility_generated)
        ck = CheckupFolder.read(checkup_dir)
        if circle:
            for cid in circle:
                ck.result.circle(cid)  # unknown ids fail before anything is written
        n = len(circle) if circle else len(ck.result.circles)
        from rich.progress import Progress

        # no refresh thread: render_reports forks its workers only from a one-thread process
        with Progress(transient=True, auto_refresh=False) as bar:
            task = bar.add_task("生成报告", total=n)

            def advance(_cid: str) -> None:
                bar.advance(task)
                bar.refresh()

            written = render_reports(
                ck,
                out,
                circle_ids=circle or None,
                formats=fmt,
                lang=lang,
                tile_url=tiles,
                tile_attribution=tile_attribution,
                progress=advance,
                mobility=mob,
            )
    except InputError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(2) from None
    reports = [p for p in written if p.parent.name != "fonts"]
    font = "（另有网页用中文字体 fonts/）" if len(reports) < len(written) else ""
    typer.echo(f"已写出 {len(reports)} 个报告文件到 {out}{font}")
