"""Benchmark: a city's checkup and reports at several sizes: does the time grow linearly?

    python benchmarks/city.py [--districts 2,4,9] [--scale 0.1] [--suggest] [--no-reports]
                              [--rounds N] [--keep DIR]

For each size, a generated city (`lifecircle.demo.generate_city`: K demo districts of 49
circles side by side, one package) is written first, then the real commands run in fresh
processes, as a user would: ``lifecircle checkup CITY --out CK`` and ``lifecircle report
CK --out REPORTS`` (every circle and the district, html/docx/xlsx). Each is timed from
process start (`_proc`): wall and CPU seconds (the process and the workers it waited
for), seconds per circle, and the peak memory of the process tree. The table divides
each size's CPU seconds per circle by the smallest size's (linear growth with no fixed
cost gives 1; the fixed cost of starting, about 3 CPU s a command, makes it fall below 1),
and gives the marginal CPU seconds per added circle between one size and the next: linear
growth keeps it constant, quadratic growth makes it climb with the size. One untimed
checkup of the smallest city runs first (numba's cache, the disk cache). The load average
is printed beside every run (the machine may be shared).

A shared machine drifts: one run of each size, one after the other, measures the drift as
much as the growth (the linear generator once took 1.27x per circle at the larger size).
``--rounds N`` runs the commands N times, the sizes alternated (small, large, small,
large ...), each run a fresh process on the same generated cities, and gives each round's
CPU seconds per circle at every size divided by the smallest size's in that round, and the
median over the rounds. The table above it is the first round's. Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _proc

CIRCLES_PER_DISTRICT = 49


@dataclass
class Row:
    """One command at one size."""

    stage: str
    districts: int
    circles: int
    run: _proc.Measured
    load: float

    @property
    def cpu_per_circle(self) -> float:
        return self.run.cpu_seconds / self.circles

    @property
    def wall_per_circle(self) -> float:
        return self.run.seconds / self.circles


def _run(cmd: list[str], *, cwd: Path, log: str) -> tuple[_proc.Measured, float]:
    m = _proc.run(cmd, cwd=str(cwd), env=_proc.env_with(COLUMNS="200"))
    load = os.getloadavg()[0]
    (cwd / f"{log}.log").write_text(m.stdout + m.stderr, encoding="utf-8")  # what it printed
    if m.returncode != 0:
        print(" ".join(cmd), file=sys.stderr)
        print(m.stdout[-2000:], m.stderr[-4000:], file=sys.stderr)
        sys.exit(m.returncode)
    return m, load


def _checkup_cmd(city: Path, out: Path, *, suggest: bool) -> list[str]:
    cmd = [sys.executable, "-m", "lifecircle", "checkup", str(city), "--out", str(out)]
    return cmd + (["--suggest"] if suggest else [])


def _size(
    k: int,
    *,
    scale: str,
    suggest: bool,
    warm: bool,
    work: Path,
    reports: bool = True,
    round_no: int = 1,
) -> list[Row]:
    """Generate the city of ``k`` districts (first round only), then check it and report."""
    py = sys.executable
    n = k * CIRCLES_PER_DISTRICT
    tag = f"{k}" if round_no == 1 else f"{k}-round{round_no}"
    city, ck, rep = work / f"city{k}", work / f"checkup{tag}", work / f"reports{tag}"
    rows = []
    if round_no == 1:
        gen = (
            "from lifecircle.demo import generate_city; "
            f"generate_city({str(city)!r}, districts={k}, scale={scale})"
        )
        rows.append(Row("generate", k, n, *_run([py, "-c", gen], cwd=work, log=f"generate{k}")))
    if warm:
        _run(_checkup_cmd(city, work / "warm-up", suggest=suggest), cwd=work, log="warm-up")
    check = _checkup_cmd(city, ck, suggest=suggest)
    rows.append(Row("checkup", k, n, *_run(check, cwd=work, log=f"checkup{tag}")))
    if reports:
        report = [py, "-m", "lifecircle", "report", str(ck), "--out", str(rep)]
        rows.append(Row("report", k, n, *_run(report, cwd=work, log=f"report{tag}")))
        files = sum(1 for p in rep.rglob("*") if p.is_file())
        if files < 3 * n:  # html, docx and xlsx per circle at least
            sys.exit(f"{rep}: {files} files for {n} circles")
    for r in rows:
        print(
            f"  {r.stage:8s} {k:2d} districts {n:4d} circles: {r.run.seconds:7.1f} s wall "
            f"{r.run.cpu_seconds:7.1f} s CPU  {r.run.peak_pss_mb:6.0f} MB PSS  load {r.load:.1f}"
            + (f"  (round {round_no})" if round_no > 1 else ""),
            flush=True,
        )
    return rows


def _table(rows: list[Row]) -> None:
    print()
    print("| stage | districts | circles | wall s | CPU s | wall s/circle | CPU s/circle |"
          " CPU s/circle ÷ smallest | marginal CPU s/circle | peak MB PSS (RSS) | load |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for stage in ("generate", "checkup", "report"):
        mine = [r for r in rows if r.stage == stage]
        if not mine:
            continue
        base = mine[0].cpu_per_circle
        for prev, r in zip([None, *mine[:-1]], mine, strict=True):
            marginal = (
                "–"
                if prev is None
                else f"{(r.run.cpu_seconds - prev.run.cpu_seconds) / (r.circles - prev.circles):.3f}"
            )
            print(
                f"| {stage} | {r.districts} | {r.circles} | {r.run.seconds:.1f} | "
                f"{r.run.cpu_seconds:.1f} | {r.wall_per_circle:.3f} | {r.cpu_per_circle:.3f} | "
                f"{r.cpu_per_circle / base:.2f} | {marginal} | {r.run.peak_pss_mb:.0f} "
                f"({r.run.peak_rss_mb:.0f}) | {r.load:.1f} |"
            )
    print()
    for stage in ("checkup", "report"):
        mine = [r for r in rows if r.stage == stage]
        if not mine:
            continue
        small, big = mine[0], mine[-1]
        print(
            f"{stage}: {big.circles / small.circles:.1f}x the circles took "
            f"{big.run.cpu_seconds / small.run.cpu_seconds:.2f}x the CPU seconds and "
            f"{big.run.seconds / small.run.seconds:.2f}x the wall seconds "
            f"({small.circles} → {big.circles} circles)"
        )


def _round_ratios(rows: list[Row], round_no: int) -> None:
    """One round's CPU s per circle at every size over the smallest's (printed as it ends)."""
    for stage in ("checkup", "report"):
        mine = [r for r in rows if r.stage == stage]
        if len(mine) < 2:
            continue
        small = mine[0]
        ratios = "  ".join(
            f"{r.circles}/{small.circles} circles: {r.cpu_per_circle / small.cpu_per_circle:.2f}x"
            for r in mine[1:]
        )
        cpu = " ".join(f"{r.run.cpu_seconds:.1f}" for r in mine)
        load = " ".join(f"{r.load:.1f}" for r in mine)
        print(
            f"  {stage} round {round_no}: CPU s per circle ÷ smallest {ratios} "
            f"(CPU s {cpu}; load {load})",
            flush=True,
        )


def _medians(rounds: list[list[Row]]) -> None:
    """The median over the rounds of each size's CPU s per circle over the smallest's."""
    print()
    print(f"{len(rounds)} rounds, the sizes alternated, each command a fresh process:")
    for i, rows in enumerate(rounds, start=1):
        _round_ratios(rows, i)
    for stage in ("checkup", "report"):
        per_round = [[r for r in rows if r.stage == stage] for rows in rounds]
        if len(per_round[0]) < 2:
            continue
        for j, r in enumerate(per_round[0][1:], start=1):
            each = [m[j].cpu_per_circle / m[0].cpu_per_circle for m in per_round]
            print(
                f"{stage}: median over {len(each)} rounds of CPU s per circle at {r.circles} "
                f"÷ at {per_round[0][0].circles} circles: {statistics.median(each):.2f}x "
                f"(min {min(each):.2f}, max {max(each):.2f})"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", default="2,4,9", help="city sizes in districts of 49 circles")
    ap.add_argument("--scale", default="0.1", help="each district's area factor (1.0: 288 km²)")
    ap.add_argument("--suggest", action="store_true", help="checkup with --suggest (siting)")
    ap.add_argument("--no-reports", action="store_true", help="time the checkup only")
    ap.add_argument("--no-warm-up", action="store_true", help="skip the untimed first checkup")
    ap.add_argument(
        "--rounds", type=int, default=1, help="run the sizes this many times, alternated"
    )
    ap.add_argument("--keep", help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args()
    sizes = sorted({int(s) for s in args.districts.split(",")})
    float(args.scale)  # a number, before any work
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, districts {sizes}, "
        f"scale {args.scale}{', --suggest' if args.suggest else ''}, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        flush=True,
    )
    if args.rounds < 1:
        sys.exit("--rounds: at least 1")
    rounds: list[list[Row]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for round_no in range(1, args.rounds + 1):
            rows: list[Row] = []
            for i, k in enumerate(sizes):
                warm = round_no == 1 and i == 0 and not args.no_warm_up
                rows += _size(
                    k,
                    scale=args.scale,
                    suggest=args.suggest,
                    warm=warm,
                    work=work,
                    reports=not args.no_reports,
                    round_no=round_no,
                )
            rounds.append(rows)
            if round_no == 1:
                _table(rows)
            if args.rounds > 1:  # each round as it ends: a long run stopped early keeps them
                _round_ratios(rows, round_no)
    if args.rounds > 1:
        _medians(rounds)


if __name__ == "__main__":
    main()
