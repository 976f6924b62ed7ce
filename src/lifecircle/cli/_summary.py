"""Terminal summary of a checkup: grades per circle, shortfalls, the notices that must show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from lifecircle.checkup import CheckupResult

GRADE_ZH = {"NONE": "未达标", "AA": "AA型", "AAA": "AAA型"}


def print_checkup_summary(
    result: CheckupResult, console: Console | None = None, *, limit: int = 60
) -> None:
    """Print notices, the per-circle table and the grade counts of a CheckupResult."""
    console = console or Console()
    if not console.is_terminal:
        console.width = max(console.width, 120)  # logs and pipes: no need to wrap at 80
    run = result.run
    if run.generated_geometry:
        console.print(f"[bold yellow]{run.notice or '示例数据：几何为生成数据'}[/bold yellow]")
    if run.circles_note:
        console.print(f"[yellow]{run.circles_note}[/yellow]")
    cat = run.catalogue
    flag = "（暂定版）" if cat.provisional else ""
    console.print(f"指标体系：{cat.title} {cat.id} v{cat.version}{flag}")
    if cat.provisional and cat.notice_zh:
        console.print(f"[dim]{cat.notice_zh.strip()}[/dim]")
    ran = run.created_at[:10]
    if run.data_date:
        console.print(f"数据日期：{run.data_date}（体检运行：{ran}）")
    else:
        console.print(f"数据日期：未给出，按体检运行日期 {ran} 计")
    table = Table(title=f"{run.district.name} 生活圈体检结果")
    right: set[str] = {"人口", "约束性达标"}
    for col in ("编号", "生活圈", "人口", "约束性达标", "评级", "主要短板"):
        table.add_column(col, justify="right" if col in right else "left")
    n_constraint = (
        sum(1 for i in result.circles[0].indicators if i.category == "constraint")
        if result.circles
        else 0
    )
    for c in result.circles[:limit]:
        main = _short_names([s for s in c.shortfalls if s.category == "constraint"])
        colour = {"NONE": "red", "AA": "green", "AAA": "bold green"}.get(c.grade, "")
        table.add_row(
            c.id, c.name, f"{c.population:,.0f}",
            f"{c.constraint_passed}/{n_constraint}",
            f"[{colour}]{GRADE_ZH.get(c.grade, c.grade)}[/{colour}]",
            main or "—",
        )  # fmt: skip
    console.print(table)
    g = result.summary["grades"]
    console.print(
        f"共 {result.summary['circles']} 个生活圈：AAA型 {g.get('AAA', 0)}，AA型 {g.get('AA', 0)}，"
        f"未达标 {g.get('NONE', 0)}；区级指标达标 "
        f"{result.summary['district_indicators_passed']}/{result.summary['district_indicators']}"
    )
    for w in result.warnings[:10]:
        console.print(f"[yellow]注意：{w['message']}[/yellow]")
    if len(result.warnings) > 10:
        console.print(
            f"[yellow]……另有 {len(result.warnings) - 10} 条提示，见 checkup.json[/yellow]"
        )


def _short_names(shortfalls) -> str:
    """Short Chinese names of what is lacking: the facility kinds, else the indicator name."""
    from lifecircle.standards import load_taxonomy

    tax = load_taxonomy()
    names: list[str] = []
    for s in shortfalls:
        cats = [tax.name_zh(c) if c in tax else c for c in s.facility_categories]
        for name in cats or [s.name_zh]:
            if name not in names:
                names.append(name)
    shown = "、".join(names[:4])
    return shown + ("等" if len(names) > 4 else "")
