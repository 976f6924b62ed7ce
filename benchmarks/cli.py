"""Benchmark: `lifecircle access` as a whole process against a plain geopandas + scipy script.

Both read the same GeoPackages of the 450 x 450 street grid (383,773 lines, 20,000 homes,
2,000 facilities of one category, radius 1,000 m) and write GeoParquet; each is timed
from process start to exit, so imports, reading, graph building, snapping, the searches
and writing all count. The plain script is ``benchmarks/plain_access.py`` (pyogrio Arrow
reading, shapely, scipy.sparse.csgraph Dijkstra with ``limit``, in chunks of 100 sources).

Three runs per round, one after another: the plain script, ``lifecircle access`` with a
warm numba cache, and ``lifecircle access`` with an empty cache (``NUMBA_CACHE_DIR`` set
to a new folder: the first run after installing). Ratios are taken within a round and
the medians printed, since the machine may be shared. The timed runs are not watched; the
peak memory comes from one more run of each whose memory is sampled (`_proc.run`: the
sampler slows what it watches).

    python benchmarks/cli.py [--rounds 5] [--size 450] [--data DIR]

Not a test: machines are noisy. Prints a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _proc  # noqa: E402

#: the grid is placed at real UTM 49N coordinates (Changsha), so its CRS is plausible
ORIGIN = (690_000.0, 3_110_000.0)


def make_data(folder: Path, size: int, n_homes: int, n_fac: int) -> dict[str, Path]:
    """Write network.gpkg, homes.gpkg and facilities.gpkg (once; reused when present)."""
    files = {k: folder / f"{k}.gpkg" for k in ("network", "homes", "facilities")}
    stamp = folder / f"grid-{size}-{n_homes}-{n_fac}.ok"
    if stamp.exists() and all(p.exists() for p in files.values()):
        return files
    import shapely

    from access import grid_lines, random_points  # the grid of benchmarks/access.py

    folder.mkdir(parents=True, exist_ok=True)
    lines = grid_lines(size)
    lines["geometry"] = shapely.transform(lines.geometry.values, lambda xy: xy + ORIGIN)
    homes = random_points(lines, n_homes, 3, "h")[["id", "population", "geometry"]]
    fac = random_points(lines, n_fac, 4, "f")[["id", "geometry"]]
    fac.insert(1, "category", "kindergarten")
    for key, frame in (("network", lines), ("homes", homes), ("facilities", fac)):
        files[key].unlink(missing_ok=True)
        frame.to_file(files[key], engine="pyogrio")
    stamp.touch()
    return files


def timed(
    cmd: list[str], env: dict[str, str], *, sample: bool = False
) -> tuple[float, float, float]:
    """Wall seconds from process start to exit, CPU seconds and, with ``sample``, peak
    memory (MB, PSS; a sampled run is slower: `_proc.run`)."""
    m = _proc.run(cmd, env=env, sample=sample)
    if m.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{m.stderr[-2000:]}")
    return m.seconds, m.cpu_seconds, m.peak_pss_mb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--size", type=int, default=450)
    ap.add_argument("--homes", type=int, default=20_000)
    ap.add_argument("--facilities", type=int, default=2_000)
    ap.add_argument("--radius", type=float, default=1000.0)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "lifecircle-bench")
    args = ap.parse_args()
    files = make_data(args.data, args.size, args.homes, args.facilities)
    out = Path(tempfile.mkdtemp(prefix="lifecircle-cli-"))
    radius = f"{args.radius:g}"
    plain = [sys.executable, str(HERE / "plain_access.py"), str(files["homes"]),
             str(files["facilities"]), str(files["network"]), str(out / "plain.parquet"), radius]  # fmt: skip
    cli = [sys.executable, "-m", "lifecircle", "access", "--homes", str(files["homes"]),
           "--facilities", str(files["facilities"]), "--network", str(files["network"]),
           "--radius", radius, "--out", str(out / "cli.parquet")]  # fmt: skip
    base = {**os.environ, "COLUMNS": "200"}
    warm_env = {**base, "NUMBA_CACHE_DIR": str(out / "numba-warm")}
    subprocess.run(cli, env=warm_env, capture_output=True, check=True)  # fill the warm cache

    rows: list[dict[str, float]] = []
    for i in range(args.rounds):
        cold_env = {**base, "NUMBA_CACHE_DIR": str(out / f"numba-cold-{i}")}
        runs = {"plain": (plain, base), "warm": (cli, warm_env), "cold": (cli, cold_env)}
        order = list(runs) if i % 2 == 0 else list(reversed(runs))  # no fixed order bias
        row: dict[str, float] = {}
        for key in order:
            row[key], row[f"{key}_cpu"], _ = timed(*runs[key])
        rows.append(row)
        print(f"round {i + 1}: plain {row['plain']:.2f} s, lifecircle warm {row['warm']:.2f} s, "
              f"first run {row['cold']:.2f} s", file=sys.stderr, flush=True)  # fmt: skip
    # the peaks, from one more run of each whose memory is sampled (the timed ones are not)
    mem_runs = {"plain": (plain, base), "warm": (cli, warm_env),
                "cold": (cli, {**base, "NUMBA_CACHE_DIR": str(out / "numba-cold-memory")})}  # fmt: skip
    peaks = {f"{k}_mb": timed(*run, sample=True)[2] for k, run in mem_runs.items()}
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]} | peaks
    ratio_plain = statistics.median(r["warm"] / r["plain"] for r in rows)
    ratio_cold = statistics.median(r["cold"] / r["warm"] for r in rows)

    import pandas as pd

    res = pd.read_parquet(out / "cli.parquet")
    ref = pd.read_parquet(out / "plain.parquet")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.rounds} rounds, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"grid {args.size}x{args.size}, {args.homes:,} homes, {args.facilities:,} "
          f"facilities, radius {radius} m\n")  # fmt: skip
    print("| run | median wall s | median ratio | median CPU s | peak MB (PSS, one sampled run) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| plain geopandas + scipy script | {med['plain']:.2f} | 1.00 | "
          f"{med['plain_cpu']:.2f} | {med['plain_mb']:.0f} |")  # fmt: skip
    print(f"| `lifecircle access`, warm cache | {med['warm']:.2f} | {ratio_plain:.2f} "
          f"(of plain) | {med['warm_cpu']:.2f} | {med['warm_mb']:.0f} |")  # fmt: skip
    print(f"| `lifecircle access`, first run (empty cache) | {med['cold']:.2f} | "
          f"{ratio_cold:.2f} (of warm) | {med['cold_cpu']:.2f} | {med['cold_mb']:.0f} |")  # fmt: skip
    print("\nper round (wall s): " + "; ".join(
        f"{r['plain']:.1f} / {r['warm']:.1f} / {r['cold']:.1f}" for r in rows
    ) + " (plain / warm / first run)")  # fmt: skip
    col = next(c for c in res.columns if c.startswith("nearest_m__"))
    cnt = next(c for c in res.columns if c.startswith("count_"))
    print(f"\nmean nearest: lifecircle {res[col].mean():.1f} m (edge snapping), plain "
          f"{ref['nearest_m'].mean():.1f} m (nearest node); mean count: {res[cnt].mean():.2f} "
          f"vs {ref['count'].mean():.2f}")  # fmt: skip
    print(f"- end to end: lifecircle / plain = {ratio_plain:.2f} (target <= 0.75)")
    print(f"- first run / warm run = {ratio_cold:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
