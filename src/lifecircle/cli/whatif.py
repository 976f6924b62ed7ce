"""``lifecircle whatif``: add, move or remove facilities and compounds, see the circles change."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from lifecircle.cli import app
from lifecircle.cli._progress import progress_callback

GRADE_ZH = {"NONE": "未达标", "AA": "AA型", "AAA": "AAA型"}
STATUS_ZH = {"pass": "达标", "fail": "未达标", "missing": "缺数据", None: "—"}


@app.command("whatif")
def whatif_command(
    district: Path = typer.Argument(..., help="区数据包文件夹（含 district.yaml）"),
    add: list[str] = typer.Option(
        [],
        "--add",
        help="新增设施：类别@经度,纬度，可再加 @容量，如 幼儿园@112.98300,28.12100@300（可重复）",
    ),
    move: list[str] = typer.Option([], "--move", help="迁移设施：设施编号@经度,纬度（可重复）"),
    remove: list[str] = typer.Option([], "--remove", help="撤除设施：设施编号（可重复）"),
    add_compound: list[str] = typer.Option(
        [], "--add-compound", help="新增小区：经度,纬度,人口[,名称]（可重复）"
    ),
    remove_compound: list[str] = typer.Option(
        [], "--remove-compound", help="拆除小区：小区编号（可重复）"
    ),
    out: Path | None = typer.Option(
        None, "--out", help="情景结果写为 checkup.json 格式的文件（run.scenario 列出改动）"
    ),
    catalogue: str = typer.Option(
        "changsha-provisional", "--catalogue", help="指标体系：内置名称或 YAML 文件路径"
    ),
    coords: str = typer.Option(
        "wgs84", "--coords", help="经纬度的坐标系：wgs84、cgcs2000、gcj02（高德）、bd09（百度）"
    ),
    max_snap: float = typer.Option(200.0, "--max-snap", help="点到路网的最大挂接距离（米）"),
) -> None:
    """情景推演：在体检结果上新增、迁移、撤除设施或新增、拆除小区，看各生活圈指标与评级的变化。

    顺序：先新增设施，再迁移、撤除设施，再新增、拆除小区。
    """
    from lifecircle.whatif import Edit, parse_add, parse_add_compound, parse_move, whatif_district

    edits: list[Edit] = [parse_add(t, coords=coords) for t in add]
    edits += [parse_move(t, coords=coords) for t in move]
    edits += [Edit(op="remove_facility", id=t.strip()) for t in remove]
    edits += [parse_add_compound(t, coords=coords) for t in add_compound]
    edits += [Edit(op="remove_compound", id=t.strip()) for t in remove_compound]
    if not edits:
        raise typer.BadParameter(
            "请至少给出一项改动：--add、--move、--remove、--add-compound 或 --remove-compound"
        )
    console = Console()
    with progress_callback() as progress:
        outcome = whatif_district(
            district, edits, catalogue=catalogue, out=out, max_snap_m=max_snap, progress=progress
        )
    result = outcome.result
    if result.run.generated_geometry:
        console.print(
            f"[bold yellow]{result.run.notice or '示例数据：几何为生成数据'}[/bold yellow]"
        )
    console.print("[bold]情景推演[/bold]（并非实测体检）：")
    for e in outcome.edits:
        console.print(f"  · {e.label}" + (f"（编号 {e.id}）" if e.op.startswith("add") else ""))
    changes = outcome.changes()
    if not changes:
        console.print(f"重新计算了 {len(outcome.touched_circles)} 个生活圈，指标与评级均无变化。")
    else:
        table = Table(title="变化的生活圈")
        for col in ("编号", "生活圈", "评级（前→后）", "变化的指标（前→后）"):
            table.add_column(col)
        for c in changes:
            flips = [i for i in c["indicators"] if i["status_before"] != i["status_after"]]
            lines = [
                f"{i['name_zh']}：{_num(i['value_before'])}→{_num(i['value_after'])}"
                f"（{STATUS_ZH[i['status_before']]}→{STATUS_ZH[i['status_after']]}）"
                for i in flips
            ]
            rest = len(c["indicators"]) - len(flips)
            if rest:
                lines.append(f"另有 {rest} 项指标数值变化、达标情况不变")
            table.add_row(
                c["id"],
                c["name"],
                f"{GRADE_ZH[c['grade_before']]}→{GRADE_ZH[c['grade_after']]}",
                "\n".join(lines) or "—",
            )
        console.print(table)
    before = outcome.engine.checkup.result.grade_counts
    after = result.grade_counts
    console.print(
        "评级数（前→后）："
        + "，".join(f"{GRADE_ZH[g]} {before[g]}→{after[g]}" for g in ("AAA", "AA", "NONE"))
        + f"；推演用时 {outcome.seconds * 1000:.0f} 毫秒"
    )
    if out is not None:
        console.print(f"已写出 {out}")


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.1f}" if abs(x) < 1e6 else f"{x:,.0f}"
