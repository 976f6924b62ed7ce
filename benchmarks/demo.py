"""Benchmark: wall time of ``lifecircle demo`` at full scale, stage by stage.

    python benchmarks/demo.py [--scale 1.0] [--no-reports] [--no-db]

Runs the real command in a fresh process and a temporary folder, as a user would, and
prints the total and the per-stage times the command reports. Not a test: machines vary.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="1.0")
    ap.add_argument("--no-reports", action="store_true")
    ap.add_argument("--no-db", action="store_true")
    args = ap.parse_args()
    cmd = [sys.executable, "-m", "lifecircle", "demo", "--scale", args.scale]
    if args.no_reports:
        cmd.append("--no-reports")
    if args.no_db:
        cmd.append("--no-db")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        r = subprocess.run(
            cmd, cwd=tmp, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}
        )
        wall = time.perf_counter() - t0
    if r.returncode != 0:
        print(r.stderr[-2000:])
        sys.exit(r.returncode)
    stages = re.search(r"完成，用时 ([\d.]+) 秒（(.*?)）", r.stdout.replace("\n", ""))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, scale {args.scale}")
    print(f"lifecircle demo: {wall:.1f} s wall (including interpreter start and imports)")
    if stages:
        print(f"stages: {stages.group(2)}")
    grades = re.search(r"共 49 个生活圈：(.*?)；", r.stdout)
    if grades:
        print(f"grades: {grades.group(1)}")


if __name__ == "__main__":
    main()
