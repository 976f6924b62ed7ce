"""Benchmark: one-facility what-ifs on the full demo district, against a full recompute.

The demo district at full scale (``lifecircle.demo``, scale 1: 4,200 compounds, ~15,700
facilities, a 137,000-node walking network) is checked up once (``run_checkup``, the
peer: what a what-if would cost without the incremental engine). Then ``WhatIf`` is
prepared (snaps, one distance field per category) and timed on random single edits:

- add: a facility of a random category of the catalogue at a random compound's place,
  moved up to 300 m (capacity-carrying categories get a capacity);
- move: a random existing facility moved up to 500 m;
- remove: a random existing facility.

Each what-if returns the whole new ``CheckupResult`` (every circle touched graded
again). Prints a markdown table: median and 90th percentile per kind, and the ratio
of the full recompute to the median. ``--verify`` also runs the full recompute of one
edited district and checks that every access column and every circle agree.

    python benchmarks/whatif.py [--scale 1.0] [--runs 30] [--seed 7] [--verify]

The machine is shared and noisy: read the ratios, and the medians as upper bounds.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from lifecircle.checkup import run_checkup
from lifecircle.demo import generate_demo
from lifecircle.district import load_district
from lifecircle.standards import load_catalogue
from lifecircle.whatif import Edit, WhatIf

CAPACITY = {"kindergarten": 270, "nursery": 60, "primary_school": 1350, "middle_school": 1000,
            "elderly_service_station": 20, "day_care_centre": 30}  # fmt: skip


def edits(district, catalogue, kind: str, n: int, seed: int) -> list[Edit]:
    """``n`` random single edits of one kind."""
    rng = np.random.default_rng(seed)
    comp = district.compounds
    fac = district.facilities
    cats = sorted({c for i in catalogue.indicators for c in i.facility_categories})
    out = []
    for _ in range(n):
        if kind == "add":
            p = comp.geometry.iloc[int(rng.integers(len(comp)))]
            r, a = rng.uniform(0, 300), rng.uniform(0, 2 * np.pi)
            cat = cats[int(rng.integers(len(cats)))]
            out.append(
                Edit(op="add_facility", category=cat, x=p.x + r * np.cos(a),
                     y=p.y + r * np.sin(a), capacity=CAPACITY.get(cat))
            )  # fmt: skip
        else:
            k = int(rng.integers(len(fac)))
            fid = str(fac["id"].iloc[k])
            if kind == "remove":
                out.append(Edit(op="remove_facility", id=fid))
            else:
                p = fac.geometry.iloc[k]
                r, a = rng.uniform(0, 500), rng.uniform(0, 2 * np.pi)
                out.append(
                    Edit(op="move_facility", id=fid, x=p.x + r * np.cos(a), y=p.y + r * np.sin(a))
                )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--verify", action="store_true")
    args = ap.parse_args()
    catalogue = load_catalogue("changsha-provisional")
    with tempfile.TemporaryDirectory() as tmp:
        district = load_district(generate_demo(Path(tmp) / "demo", scale=args.scale))
    t0 = time.perf_counter()
    checkup = run_checkup(district, catalogue)
    full = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = WhatIf(checkup, catalogue)
    prep = time.perf_counter() - t0
    print(
        f"demo scale {args.scale:g}: {len(district.compounds):,} compounds, "
        f"{len(district.facilities):,} facilities, {district.graph.n_nodes:,} nodes; "
        f"full checkup {full:.1f} s, what-if preparation {prep:.2f} s\n"
    )
    print(
        "| edit | runs | median ms | p90 ms | circles graded again (median) | full checkup / median |"
    )
    print("|---|---|---|---|---|---|")
    last = None
    for k, kind in enumerate(("add", "move", "remove")):
        times, touched = [], []
        for e in edits(district, catalogue, kind, args.runs, args.seed + k):
            t = time.perf_counter()
            out = engine.apply([e])
            times.append(time.perf_counter() - t)
            touched.append(len(out.touched_circles))
            last = out
        med = statistics.median(times)
        p90 = float(np.percentile(times, 90))
        print(
            f"| {kind} | {len(times)} | {1000 * med:.1f} | {1000 * p90:.1f} | "
            f"{statistics.median(touched):g} | {full / med:,.0f}× |"
        )
    if args.verify and last is not None:
        edited = dataclasses.replace(district, facilities=last.facilities)
        again = run_checkup(edited, catalogue)
        a = last.homes.set_index("id")
        b = again.homes.set_index("id").reindex(a.index)
        bad = [c for c in b.columns if not _same(a[c], b[c])]
        grades = all(
            (x.grade, [i.status for i in x.indicators])
            == (y.grade, [i.status for i in y.indicators])
            for x, y in zip(last.result.circles, again.result.circles, strict=True)
        )
        print(f"\nverify: columns differing {bad or 'none'}; circles agree: {grades}")
        return 0 if not bad and grades else 1
    return 0


def _same(x, y) -> bool:
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(y):
        return bool(((x == y) | (x.isna() & y.isna())).all())
    return bool(np.allclose(x.astype(float), y.astype(float), rtol=1e-9, atol=1e-9, equal_nan=True))


if __name__ == "__main__":
    sys.exit(main())
