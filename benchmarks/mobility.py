"""Benchmark: streaming ingest of location records, and the delineation recovery curve.

Stream part: writes N synthetic location records (default 10 million: devices sleeping at
home and walking to facilities in a synthetic city, see lifecircle.mobility.synth_records)
to a Parquet file and a CSV file, then ingests each in a child process (stay points, homes,
trips, k-suppression) and reports records per second and the child's peak memory above
its memory once imports are done. The same run at N/10 records shows that peak memory does
not grow with the input (it is set by the chunk size).

Delineation part: planted circles on synthetic cities (three seeds), flows from the gravity
model with a share of trips that ignore the circles (noise); prints the adjusted Rand index
of the recovered circles against the planted ones at each noise level.

    python benchmarks/mobility.py [--records 10000000] [--part stream|delineation|both]
        [--formats parquet,csv] [--chunk-rows 500000] [--workdir DIR]

Not a test: these machines are noisy; read the ratios and the shape of the curve.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RECORDS_PER_DEVICE_DAY = 345  # about what synthetic_records makes


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> None:
    try:  # Linux >= 4.0: writing 5 resets the peak RSS mark (VmHWM)
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _ingest_child(path: str, chunk_rows: int, queue) -> None:
    from lifecircle.mobility import PseudonymKey
    from lifecircle.mobility.ingest import IngestOptions, ingest_records
    from lifecircle.mobility.synth import synthetic_city

    city = synthetic_city(rows=20, cols=20, n_circles=80, seed=1)
    key = PseudonymKey(secret=b"benchmark-key-0123456789", source="benchmark")
    options = IngestOptions(chunk_rows=chunk_rows)
    # warm-up on a few records: loads the compiled kernels, so they are not timed
    warm = Path(path).with_name("warm" + Path(path).suffix)
    ingest_records(
        [warm], key=key, communities=city.communities, facilities=city.facilities, options=options
    )
    base = _rss_mb()
    _reset_peak()
    t0 = time.perf_counter()
    res = ingest_records(
        [path], key=key, communities=city.communities, facilities=city.facilities, options=options
    )
    seconds = time.perf_counter() - t0
    queue.put(
        {
            "seconds": seconds,
            "peak_mb": _peak_mb() - base,
            "base_mb": base,
            "records": res.summary["records"],
            "devices": res.summary.get("devices", 0),
            "stay_points": res.summary.get("stay_points", 0),
            "facility_trips": res.summary.get("facility_trips", 0),
        }
    )


def _measure(path: Path, chunk_rows: int) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_ingest_child, args=(str(path), chunk_rows, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def _write(city, folder: Path, n_records: int, fmt: str, name: str) -> Path:
    from lifecircle.mobility.synth_records import synthetic_records, write_records

    days = 2
    devices = max(1, round(n_records / (RECORDS_PER_DEVICE_DAY * days)))
    path = folder / f"{name}.{fmt}"
    time_format = "timestamp" if fmt == "parquet" else "text"
    batches = synthetic_records(
        city, devices=devices, days=days, seed=2, time_format=time_format, batch_devices=4000
    )
    write_records(path, batches)
    return path


def stream_part(n_records: int, formats: list[str], chunk_rows: int, workdir: Path) -> None:
    from lifecircle.mobility.synth import synthetic_city

    city = synthetic_city(rows=20, cols=20, n_circles=80, seed=1)
    small = max(chunk_rows // 5, 1000)
    print(f"\n## stream: {n_records:,} synthetic records (and {n_records // 10:,})\n")
    print(
        "| input | chunk rows | records | devices | stay points | facility trips | seconds | records/s | peak MB above start |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fmt in formats:
        _write(city, workdir, 2000, fmt, "warm")
        for n in (n_records // 10, n_records):
            t0 = time.perf_counter()
            path = _write(city, workdir, n, fmt, f"records_{n}")
            gen = time.perf_counter() - t0
            size = path.stat().st_size / 1e6
            for rows in (chunk_rows, small) if n == n_records else (chunk_rows,):
                m = _measure(path, rows)
                print(
                    f"| {fmt} ({size:,.0f} MB) | {rows:,} | {m['records']:,} | {m['devices']:,} | {m['stay_points']:,} | "
                    f"{m['facility_trips']:,} | {m['seconds']:.1f} | {m['records'] / m['seconds']:,.0f} | {m['peak_mb']:,.0f} |",
                    flush=True,
                )
            print(
                f"<!-- {fmt} file of {n:,} records generated in {gen:.0f} s; child RSS after imports {m['base_mb']:.0f} MB -->",
                flush=True,
            )
            path.unlink()


def delineation_part() -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from lifecircle.mobility import delineate, synthetic_city, synthetic_flows

    noises = [round(x, 1) for x in np.arange(0.0, 1.01, 0.1)]
    seeds = (1, 2, 3)
    cities = {s: synthetic_city(rows=12, cols=12, n_circles=30, seed=s) for s in seeds}
    print(
        "\n## delineation: planted circles recovered (144 communities, 30 circles, target count 30)\n"
    )
    print("| noise | ARI mean | ARI min | NMI mean | all contiguous | seconds per run |")
    print("|---:|---:|---:|---:|:---:|---:|")
    for noise in noises:
        aris, nmis, secs, contiguous = [], [], [], True
        for s, city in cities.items():
            flows = synthetic_flows(city, noise=noise, seed=10 + s)
            t0 = time.perf_counter()
            r = delineate(city.communities, flows, target_count=30)
            secs.append(time.perf_counter() - t0)
            got = r.assignment.set_index("community_id")["circle_id"].loc[city.planted.index]
            aris.append(adjusted_rand_score(city.planted, got))
            nmis.append(normalized_mutual_info_score(city.planted, got))
            contiguous &= bool(r.summary["all_contiguous"])
        print(
            f"| {noise:.1f} | {np.mean(aris):.3f} | {np.min(aris):.3f} | {np.mean(nmis):.3f} | "
            f"{'yes' if contiguous else 'NO'} | {np.mean(secs):.2f} |",
            flush=True,
        )
    print(
        "\nnoise: share of trips drawn by the gravity model blind to circles (0: all trips follow the planted circles)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--part", choices=("stream", "delineation", "both"), default="both")
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--chunk-rows", type=int, default=500_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    if args.part in ("delineation", "both"):
        delineation_part()
    if args.part in ("stream", "both"):
        work = Path(tempfile.mkdtemp(prefix="lifecircle-mobility-", dir=args.workdir))
        try:
            stream_part(args.records, args.formats.split(","), args.chunk_rows, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
