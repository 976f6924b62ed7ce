"""Benchmark: every report (district + 49 circles, HTML/DOCX/XLSX) for a 49-circle checkup.

Usage: python benchmarks/reports.py [N_CIRCLES] — prints seconds per stage and per circle.
Runs on the fixture builder of tests/reports until the real demo checkup is available.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "reports"))

from conftest import build_checkup  # noqa: E402

from lifecircle.reports import load_checkup, render_circle_report, render_district_report  # noqa: E402


def main(n: int = 49) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        d = build_checkup(Path(tmp) / "checkup", n_circles=n)
        t1 = time.perf_counter()
        ck = load_checkup(d)
        t2 = time.perf_counter()
        out = Path(tmp) / "reports"
        render_district_report(ck, out)
        t3 = time.perf_counter()
        per_fmt = {"html": 0.0, "docx": 0.0, "xlsx": 0.0}
        for cid in ck.circle_ids():
            for f in per_fmt:
                s = time.perf_counter()
                render_circle_report(ck, cid, out, formats=f)
                per_fmt[f] += time.perf_counter() - s
        t4 = time.perf_counter()
        size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
        print(f"fixture build     {t1 - t0:6.2f} s  ({n} circles)")
        print(f"load checkup      {t2 - t1:6.2f} s")
        print(f"district report   {t3 - t2:6.2f} s  (html+docx+xlsx)")
        print(f"circle reports    {t4 - t3:6.2f} s  ({(t4 - t3) / n:.3f} s per circle)")
        for f, s in per_fmt.items():
            print(f"  {f:5s}           {s:6.2f} s")
        print(
            f"total (reports)   {t4 - t1:6.2f} s, {len(list(out.iterdir()))} files, {size:.1f} MB"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 49)
