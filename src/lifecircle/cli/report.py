"""`lifecircle report`: per-circle 体检报告 and the district report from a checkup directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lifecircle.cli import app


@app.command("report")
def report(
    checkup_dir: Annotated[Path, typer.Argument(help="Output directory of `lifecircle checkup`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the reports into.")],
    circle: Annotated[
        list[str] | None,
        typer.Option("--circle", "-c", help="Only this circle (repeatable); default: all."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="html,docx,xlsx")] = "html,docx,xlsx",
    lang: Annotated[str, typer.Option("--lang", help="zh (default) or en.")] = "zh",
    tiles: Annotated[
        str | None,
        typer.Option(
            "--tiles",
            help="Basemap for HTML maps (needs internet): 'osm' or a URL template "
            "such as a Tianditu URL with your tk key. Off by default.",
        ),
    ] = None,
    tile_attribution: Annotated[str | None, typer.Option("--tile-attribution")] = None,
) -> None:
    """Write 体检报告 (HTML, Word, Excel) for every circle and the district, or one circle."""
    from lifecircle.errors import InputError
    from lifecircle.reports import load_checkup, render_reports

    if lang not in ("zh", "en"):
        typer.echo(f"--lang must be zh or en, not {lang!r}", err=True)
        raise typer.Exit(2)
    try:
        ck = load_checkup(checkup_dir)
        if circle:
            for cid in circle:
                ck.circle(cid)  # unknown ids fail before anything is written
        n = len(circle) if circle else len(ck.circle_ids())
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("report", total=n)
            written = render_reports(
                ck,
                out,
                circle_ids=circle or None,
                formats=fmt,
                lang=lang,
                tile_url=tiles,
                tile_attribution=tile_attribution,
                progress=lambda _cid: bar.advance(task),
            )
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{len(written)} files written to {out}")
