"""``lifecircle demo``: generate the demo district, run its checkup, write reports and a database."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from lifecircle.cli import app
from lifecircle.cli._progress import progress_callback
from lifecircle.cli._summary import print_checkup_summary

if TYPE_CHECKING:
    from lifecircle.checkup.folder import CheckupFolder

DEMO_TODAY = date(2024, 9, 30)  # the demo programme's "today" (its schedule and projects)


@app.command("demo")
def demo_command(
    out: Path = typer.Option(Path("lifecircle-demo"), "--out", help="输出文件夹"),
    seed: int = typer.Option(2023, "--seed", help="生成示例区的随机种子"),
    scale: float = typer.Option(1.0, "--scale", help="示例区面积比例（1.0 = 全区）"),
    reports: bool = typer.Option(True, "--reports/--no-reports", help="是否生成体检报告"),
    database: bool = typer.Option(True, "--db/--no-db", help="是否建立示例创建工作数据库"),
    mobility: bool = typer.Option(
        False,
        "--mobility/--no-mobility",
        help="同时合成示例出行数据，分析匹配程度与生活圈划分，写入报告与数据库",
    ),
) -> None:
    """示例：在雨花区真实名称与人口总数上生成示例几何，完成体检、报告与创建工作数据库。"""
    from lifecircle.demo.limits import check_scale
    from lifecircle.io._paths import make_folder

    check_scale(scale)
    from lifecircle._malloc import arrow_on_the_system_allocator, return_large_blocks_at_once

    # the report workers are forked from here and inherit it: their maps' and workbooks'
    # buffers come and go, and each freed one is returned rather than kept (peak)
    return_large_blocks_at_once()
    arrow_on_the_system_allocator()  # and the processes started here
    console = Console()
    t0 = time.perf_counter()
    make_folder(out)
    # The district is made in a process forked from the checking one (once the libraries
    # both use are imported) and checked in that one: when each ends, its memory is the
    # system's again (the generator's leftovers never meet the checkup's peak, and the
    # report workers started next do not add to either). The checking process imports and
    # loads its kernels while the district is being made. This process only waits, small.
    prepared = _generate_and_check(out, seed, scale)
    stages: list[tuple[str, float]] = prepared["stages"]
    t = time.perf_counter()

    def done(stage: str, since: float) -> float:
        now = time.perf_counter()
        stages.append((stage, now - since))
        return now

    checkup_dir = out / "checkup"
    where = [f"体检结果：{checkup_dir / 'checkup.json'}（以及 circles.gpkg、compounds.gpkg）"]
    mob = None
    if mobility:
        from lifecircle.mobility.demo import write_demo_mobility

        mob = write_demo_mobility(out / "district", out / "mobility", seed=seed)
        t = done("示例出行数据", t)
        where.append(
            f"示例出行数据（合成）：{out / 'mobility'}（匹配程度 match/、划分建议 proposal.csv）"
        )
    from lifecircle.checkup.folder import CheckupFolder

    # read once, for the reports and the database (not at all for neither)
    folder = CheckupFolder.read(checkup_dir) if reports or database else None
    db: tuple[Path, float] | None = None
    if reports and folder is not None:
        from concurrent.futures import Future
        from functools import partial

        from lifecircle.reports import render_reports

        report_dir = out / "reports"
        n_circles = prepared["circles"]
        # the database is built beside the reports, in a child of one of their workers
        # (render_reports(beside=)): it shares their prepared checkup, and what it
        # allocates ends with it (the reports' part of the run's peak 582-586 -> 521-529 MB)
        building: Future[tuple[Path, float]] = Future()
        beside = (partial(_build_database, out, mobility=mob), building) if database else None
        # no refresh thread: render_reports forks its workers only from a one-thread process
        with progress_callback(ticking=False) as progress:
            done_ids: list[str] = []

            def advance(circle_id: str) -> None:
                done_ids.append(circle_id)
                progress("report", len(done_ids), n_circles)

            progress("report", 0, n_circles)
            render_reports(folder, report_dir, progress=advance, mobility=mob, beside=beside)
        t = done("体检报告", t)
        worst_id, worst_name = prepared["worst"]
        where.append(f"区级报告：{report_dir / 'district.html'}（另有 .docx / .xlsx）")
        where.append(f"短板最多的生活圈：{report_dir / (worst_id + '.html')}（{worst_name}）")
        if beside is not None:
            db = building.result()
            stages.append(("创建工作数据库（与体检报告并行）", db[1]))
    elif database and folder is not None:
        db = _build_database(out, folder, mobility=mob)
        t = done("创建工作数据库", t)
    if db is not None:
        db_path = db[0]
        where.append(f"创建工作数据库：{db_path}（lifecircle db / project / bulletin 命令可查看）")
        where.append(
            f"网页平台：echo 密码至少8位 | lifecircle user add 用户名 --role 区级 --password-stdin "
            f"--db {db_path}，再 lifecircle serve --db {db_path} --today {DEMO_TODAY.isoformat()}"
        )
    timing = "，".join(f"{name} {secs:.1f} 秒" for name, secs in stages)
    console.print(f"\n完成，用时 {time.perf_counter() - t0:.1f} 秒（{timing}）。请查看：")
    for line in where:
        console.print(f"  • {line}")


def _build_database(out: Path, folder: CheckupFolder, *, mobility: Any) -> tuple[Path, float]:
    """The demo's programme database from the checkup folder (and the mobility, if made),
    and the seconds it took. Run beside the reports (``render_reports(beside=)``), or here
    without them."""
    from lifecircle.workflow.demo import build_demo_database

    t0 = time.perf_counter()
    checkup_dir = out / "checkup"
    db_path = build_demo_database(
        out / "lifecircle.db",
        folder.result,
        today=DEMO_TODAY,
        circle_outlines=checkup_dir / "circles.gpkg",  # for the web maps
        maps_from=folder,  # the map by facility category
        district=out / "district",  # the web's what-if runs it again
    )
    if mobility is not None:
        from lifecircle.store.db import make_engine, session_scope
        from lifecircle.workflow.mobility import import_mobility

        engine = make_engine(db_path)
        try:
            with session_scope(engine, actor="demo") as s:
                import_mobility(s, mobility, title="示例出行数据（合成）")
        finally:
            engine.dispose()
    return db_path, time.perf_counter() - t0


def _generate(out: Path, seed: int, scale: float) -> float:
    """Generate the demo district package (in a process forked for it); its seconds."""
    from lifecircle.demo import generate_demo

    t0 = time.perf_counter()
    package = generate_demo(out / "district", seed=seed, scale=scale)
    Console().print(f"示例区数据包：{package}（示例数据：几何为生成数据）")
    return time.perf_counter() - t0


def _warm_and_generate(out: Path, seed: int, scale: float) -> None:
    """Ready the checking process while the district is made: imports, catalogue, kernels.

    The district is made in a child forked from here once the libraries both need are
    imported (geopandas, pandas, shapely, pyogrio, scipy): it shares them instead of
    importing its own (a generator of its own held ~300 MB beside this process's 250 at
    the demo's start), and its memory is the system's again when it ends. ``_check`` waits
    for it.
    """
    from lifecircle._forked import ForkedCall
    from lifecircle._malloc import arrow_on_the_system_allocator, return_large_blocks_at_once
    from lifecircle.network.warmup import start_compiling_apart

    _end_without_teardown()
    # its arrays of tens of MB come and go: each freed one is returned, not kept (peak)
    return_large_blocks_at_once()
    arrow_on_the_system_allocator()

    # A first run compiles the kernels in a child while the district is made, and this
    # process imports numba only once it is done: the compile child (~150 MB) beside the
    # generator and this process's numba made the run's peak (620-634 MB)
    compiling = start_compiling_apart()
    import lifecircle.demo.generator  # noqa: F401  (what the generator needs, shared with it)

    # forked while this process is its only thread (no numba threads yet)
    making = _WARMED["making"] = ForkedCall(_generate, out, seed, scale)
    try:
        _ready_to_check(compiling)
    except BaseException:
        making.cancel()  # no checkup to make the district for
        raise


def _ready_to_check(compiling: bool) -> None:
    """Import what the checkup needs and load its kernels (waiting for the compile child
    when ``compiling``) and the catalogue."""
    from lifecircle.network.warmup import ready_kernels_here

    if compiling:
        ready_kernels_here()
    import contourpy  # noqa: F401
    import highspy  # noqa: F401

    import lifecircle.checkup
    import lifecircle.district
    import lifecircle.standards

    # what the checkup would load on its way (numba's kernels, the solver, the service
    # areas' tracer), loaded now while the district is being made
    if not compiling:
        ready_kernels_here()

    import lifecircle.checkup.suggest
    import lifecircle.checkup.write  # noqa: F401
    from lifecircle.standards import load_catalogue

    _WARMED["catalogue"] = load_catalogue(DEMO_CATALOGUE)


DEMO_CATALOGUE = "changsha-provisional"
#: what ``_warm_and_generate`` started and made for ``_check`` in the checking process
_WARMED: dict[str, Any] = {}


def _end_without_teardown() -> None:
    """When this pool process ends, skip Python's teardown: the command waits for it, and
    freeing every object one by one took the checking process 0.4 s; the system takes back
    its memory at once. Its work is done by then (the files written, the results sent)."""
    import atexit

    from lifecircle.cli import end_at_once

    atexit.register(end_at_once, 0)


def _check(out: Path) -> dict[str, Any]:
    """Wait for the demo district, load it, run and write its checkup, print the summary."""
    from lifecircle.checkup import run_checkup
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue

    console = Console()
    stages: list[tuple[str, float]] = [("生成示例区", _WARMED.pop("making").result())]

    def done(stage: str, since: float) -> float:
        now = time.perf_counter()
        stages.append((stage, now - since))
        return now

    t = time.perf_counter()
    district = load_district(out / "district")
    catalogue = _WARMED.pop("catalogue", None) or load_catalogue(DEMO_CATALOGUE)
    t = done("读取与校验", t)
    with progress_callback() as progress:
        # with 补短板建议: the reports and the circle pages show where to add what
        checkup = run_checkup(district, catalogue, progress=progress, suggest=True)
    checkup.write(out / "checkup")
    done("专项体检", t)
    print_checkup_summary(checkup.result, console)
    worst = min(checkup.result.circles, key=lambda c: (c.constraint_passed, c.id))
    return {
        "stages": stages,
        "circles": len(checkup.result.circles),
        "worst": (worst.id, worst.name),
    }


def _generate_and_check(out: Path, seed: int, scale: float) -> dict[str, Any]:
    """Make the district and check it in a new (spawned) process; errors raised here.

    The process imports what both need, forks the generator, readies the checkup while
    the district is made (`_warm_and_generate`), then waits for it and checks it
    (`_check`). This process only waits meanwhile, small.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: a fresh interpreter, and numba's threads are not fork-safe
    spawn = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as checking:
        checking.submit(_warm_and_generate, out, seed, scale).result()
        prepared: dict[str, Any] = checking.submit(_check, out).result()
    return prepared
