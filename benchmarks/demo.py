"""Benchmark: wall time and peak memory of ``lifecircle demo``, stage by stage.

    python benchmarks/demo.py [--scale 1.0] [--no-reports] [--no-db] [--rounds 1]

Runs the real command in a fresh process and a temporary folder, as a user would, timed
from process start, and prints the total, the per-stage times the command reports, and
the peak memory of the whole process tree (the command and the report workers it starts):
summed PSS, which counts shared pages once, and summed RSS. Each round runs the command
twice: once timed, with nothing watching it, and once with its memory sampled (reading
every process's ``smaps_rollup`` each 20 ms slows it by 3-6 s). Not a test: machines vary.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="1.0")
    ap.add_argument("--no-reports", action="store_true")
    ap.add_argument("--no-db", action="store_true")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    cmd = [sys.executable, "-m", "lifecircle", "demo", "--scale", args.scale]
    if args.no_reports:
        cmd.append("--no-reports")
    if args.no_db:
        cmd.append("--no-db")
    runs, sampled = [], []
    for _ in range(args.rounds):
        # a round: a timed run, unsampled (the sampler slows the tree), then a run whose
        # memory is sampled
        for sample, kept in ((False, runs), (True, sampled)):
            with tempfile.TemporaryDirectory() as tmp:
                m = _proc.run(cmd, cwd=tmp, env=_proc.env_with(COLUMNS="200"), sample=sample)
            if m.returncode != 0:
                print(m.stderr[-2000:])
                sys.exit(m.returncode)
            kept.append(m)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, scale {args.scale}, "
          f"{args.rounds} round(s), load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    secs = [m.seconds for m in runs]
    print(f"lifecircle demo: {statistics.median(secs):.1f} s wall, median "
          f"(runs: {', '.join(f'{s:.1f}' for s in secs)}; from process start, unsampled)")  # fmt: skip
    cpu = [m.cpu_seconds for m in runs]
    print(f"CPU: {statistics.median(cpu):.1f} s user+system of the whole tree, median "
          f"(runs: {', '.join(f'{s:.1f}' for s in cpu)}; steadier than wall on a shared machine)")  # fmt: skip
    pss = statistics.median(m.peak_pss_mb for m in sampled)
    rss = statistics.median(m.peak_rss_mb for m in sampled)
    slowed = ", ".join(f"{m.seconds:.1f}" for m in sampled)
    each = ", ".join(f"{m.peak_pss_mb:.0f}" for m in sampled)
    print(f"peak memory of the process tree: {pss:.0f} MB PSS ({rss:.0f} MB summed RSS), "
          f"median of the sampled runs (peaks: {each} MB; which took {slowed} s)")  # fmt: skip
    out = runs[len(runs) // 2].stdout
    stages = re.search(r"完成，用时 ([\d.]+) 秒（(.*?)）", out.replace("\n", ""))
    if stages:
        print(f"stages: {stages.group(2)}")
    grades = re.search(r"共 \d+ 个生活圈：(.*?)；", out)
    if grades:
        print(f"grades: {grades.group(1)}")


if __name__ == "__main__":
    main()
