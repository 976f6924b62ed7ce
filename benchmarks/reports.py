"""Benchmark: every report (district + all circles, HTML/DOCX/XLSX) for a real checkup.

Usage: python benchmarks/reports.py [CHECKUP_DIR]
       python benchmarks/reports.py --tree CHECKUP_DIR [--rounds N]

``--tree``: only ``render_reports`` (what the demo's 体检报告 stage runs), in a fresh process
as a command would run it, measured with ``_proc`` over the process and its workers: wall
seconds, CPU seconds (the process and every worker), peak PSS and RSS of the tree.

Without an argument it generates the full demo district (49 circles), runs the checkup and
writes it (checkup.json + GeoPackages, service areas included) to a temporary directory,
then times loading it and rendering every report. Prints seconds per stage and per format:
wall-clock and CPU (``time.process_time``; for ``render_reports`` the workers' CPU as well).
On a shared machine the CPU seconds are the figures to compare.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from lifecircle.checkup import CheckupFolder
from lifecircle.reports import (
    _circle_files,
    _options,
    _prepare,
    render_district_report,
    render_reports,
)


def _real_checkup(tmp: Path) -> Path:
    from lifecircle.checkup import run_checkup
    from lifecircle.demo import generate_demo
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue

    t0 = time.perf_counter()
    district = generate_demo(tmp / "district", scale=1.0)
    ck = run_checkup(load_district(district), load_catalogue("changsha-provisional"))
    t1 = time.perf_counter()
    ck.write(tmp / "checkup")
    t2 = time.perf_counter()
    print(f"demo + checkup    {t1 - t0:6.2f} s")
    print(f"write checkup     {t2 - t1:6.2f} s  (incl. service_areas.gpkg)")
    return tmp / "checkup"


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(checkup_dir: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(checkup_dir) if checkup_dir else _real_checkup(Path(tmp))
        t1, c1 = time.perf_counter(), time.process_time()
        ck = CheckupFolder.read(d)
        t2, c2 = time.perf_counter(), time.process_time()
        out = Path(tmp) / "reports"
        render_district_report(ck, out)
        t3, c3 = time.perf_counter(), time.process_time()
        per_fmt = {"html": 0.0, "docx": 0.0, "xlsx": 0.0}
        cpu_fmt = dict.fromkeys(per_fmt, 0.0)
        ids = ck.result.circle_ids()
        for cid in ids:
            for f in per_fmt:
                s, c = time.perf_counter(), time.process_time()
                # html: without the folder's web font (render_reports writes it once)
                _circle_files(_prepare(ck), cid, out, _options(f, "zh", None, None, None))
                per_fmt[f] += time.perf_counter() - s
                cpu_fmt[f] += time.process_time() - c
        t4, c4 = time.perf_counter(), time.process_time()
        files = list(out.iterdir())
        size = sum(p.stat().st_size for p in files) / 1e6
        n = len(ids)
        print(f"checkup           {d} ({n} circles, {len(ck.compounds):,} compounds,", end=" ")
        print(f"{0 if ck.facilities is None else len(ck.facilities):,} facilities)")
        print("                  wall s   CPU s")
        print(f"load checkup      {t2 - t1:6.2f}  {c2 - c1:6.2f}")
        print(f"district report   {t3 - t2:6.2f}  {c3 - c2:6.2f}  (html+docx+xlsx)")
        print(
            f"circle reports    {t4 - t3:6.2f}  {c4 - c3:6.2f}  ({(c4 - c3) / n:.3f} CPU s per"
            " circle, one format at a time)"
        )
        for f, s in per_fmt.items():
            print(f"  {f:5s}           {s:6.2f}  {cpu_fmt[f]:6.2f}")
        print(
            f"total (reports)   {t4 - t1:6.2f}  {c4 - c1:6.2f}  {len(files)} files, {size:.1f} MB"
        )
        t5, c5, k5 = time.perf_counter(), time.process_time(), _cpu_children()
        render_reports(ck, Path(tmp) / "reports-parallel")
        t6, c6, k6 = time.perf_counter(), time.process_time(), _cpu_children()
        print(
            f"render_reports    {t6 - t5:6.2f}  {c6 - c5:6.2f}  + workers {k6 - k5:.2f} CPU s"
            " (what `lifecircle report` and the demo run:"
        )
        print("                                  all formats, circles in one process per core)")


def _render(checkup_dir: str, out: str) -> None:
    """What the tree mode's child runs: every report of the checkup, as the demo writes them."""
    from datetime import date

    render_reports(checkup_dir, out, today=date(2024, 9, 30))


def tree(checkup_dir: str, rounds: int) -> None:
    import os
    import statistics

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _proc

    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
        "from reports import _render; _render(sys.argv[1], sys.argv[2])"
    )
    runs = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            m = _proc.run([sys.executable, "-c", code, checkup_dir, str(Path(tmp) / "reports")])
        if m.returncode != 0:
            print(m.stderr[-2000:])
            sys.exit(m.returncode)
        runs.append(m)
    print(f"{os.cpu_count()} cores, {rounds} run(s), load average {os.getloadavg()[0]:.1f}")
    for label, key in (("wall s", "seconds"), ("CPU s", "cpu_seconds")):
        vals = [getattr(m, key) for m in runs]
        print(f"render_reports {label:7s} {statistics.median(vals):6.1f}  (runs: "
              f"{', '.join(f'{v:.1f}' for v in vals)})")  # fmt: skip
    pss = statistics.median(m.peak_pss_mb for m in runs)
    rss = statistics.median(m.peak_rss_mb for m in runs)
    print(f"peak memory of the process tree: {pss:.0f} MB PSS ({rss:.0f} MB summed RSS)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--tree":
        n = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--rounds" else 1
        tree(sys.argv[2], n)
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else None)
