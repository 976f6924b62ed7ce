"""Benchmark: the web's map by facility category and its what-if, against their peers in
the same process.

The demo district (``--scale``) is checked up and written, a platform database is built
from it (``lifecircle import maps`` with the package), and the web app is driven
in-process (FastAPI's test client, no network). Timed, each ``--runs`` times:

- what-if: ``WhatIf.apply`` of one new facility (the engine alone, the peer), the same
  edit through ``workflow.scenarios.try_facilities`` (what the web asks for: the circle
  before and after, the compounds' new walks) and through ``GET /api/v1/circles/{id}/whatif``;
- map: ``GET /api/v1/circles/{id}/map?category=…`` against ``GET /api/v1/circles/{id}``
  (the circle's indicators, an endpoint of the same size class).

Prints a markdown table of medians and the ratios to the peers.

    python benchmarks/web_maps.py [--scale 0.25] [--runs 30] [--seed 7]

The machine is shared and noisy: read the ratios, and the medians as upper bounds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from lifecircle.checkup import run_checkup
from lifecircle.demo import generate_demo
from lifecircle.district import load_district
from lifecircle.standards import load_catalogue
from lifecircle.store import session_scope
from lifecircle.store.db import make_engine, upgrade
from lifecircle.web import Settings, create_app
from lifecircle.whatif import edit_from_dict
from lifecircle.workflow import accounts, scenarios
from lifecircle.workflow.maps import import_checkup_maps


def _median_ms(fn, runs: int) -> float:
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        package = generate_demo(root / "district", scale=args.scale)
        district = load_district(package)
        catalogue = load_catalogue("changsha-provisional")
        ck = run_checkup(district, catalogue)
        ck.write(root / "checkup")
        engine = make_engine(root / "web.db")
        upgrade(engine)
        with session_scope(engine, actor="bench") as s:
            import_checkup_maps(s, root / "checkup", district=package)
            accounts.add_user(s, "bench", role="district", password="bench-password")
            source = scenarios.whatif_source(s)
        t0 = time.perf_counter()
        wi = scenarios.prepare_engine(source)
        prepare_s = time.perf_counter() - t0
        circle = ck.result.circles[len(ck.result.circles) // 2].id
        homes = district.compounds[district.compounds["circle_id"].astype(str) == circle]
        places = [
            (float(g.x) + rng.uniform(-150, 150), float(g.y) + rng.uniform(-150, 150))
            for g in homes.geometry.sample(args.runs, replace=True, random_state=args.seed)
        ]
        lonlat = [wi.to_wgs.transform(x, y) for x, y in places]
        cat = "kindergarten"

        def alone(i: int) -> None:
            x, y = places[i]
            wi.apply([edit_from_dict({"op": "add_facility", "category": cat, "x": x, "y": y})])

        def workflow(i: int) -> None:
            lon, lat = lonlat[i]
            scenarios.try_facilities(wi, circle, [f"{cat}@{lon:.6f},{lat:.6f}"])

        app = create_app(Settings(engine=engine, secret_key="bench", today=date(2024, 9, 30)))
        with TestClient(app) as c:
            token = c.post(
                "/api/v1/auth/token", data={"username": "bench", "password": "bench-password"}
            ).json()["access_token"]
            h = {"Authorization": f"Bearer {token}"}
            c.get("/api/v1/whatif/status?wait=120", headers=h)

            def web(i: int) -> None:
                lon, lat = lonlat[i]
                r = c.get(
                    f"/api/v1/circles/{circle}/whatif",
                    params={"add": f"{cat}@{lon:.6f},{lat:.6f}"},
                    headers=h,
                )
                assert r.status_code == 200, r.text

            def circle_json(_: int) -> None:
                assert c.get(f"/api/v1/circles/{circle}", headers=h).status_code == 200

            def map_json(_: int) -> None:
                r = c.get(f"/api/v1/circles/{circle}/map?category={cat}", headers=h)
                assert r.status_code == 200

            rows = {
                "engine alone (WhatIf.apply)": _median_ms(alone, args.runs),
                "workflow (try_facilities)": _median_ms(workflow, args.runs),
                "web GET /circles/{id}/whatif": _median_ms(web, args.runs),
                "web GET /circles/{id} (peer)": _median_ms(circle_json, args.runs),
                "web GET /circles/{id}/map": _median_ms(map_json, args.runs),
            }
    base_w = rows["engine alone (WhatIf.apply)"]
    base_m = rows["web GET /circles/{id} (peer)"]
    print(f"demo scale {args.scale}, {len(ck.result.circles)} circles, {len(district.compounds)} "
          f"compounds; engine prepared in {prepare_s:.1f} s; circle {circle}; {args.runs} runs")  # fmt: skip
    print("\n| what | median ms | ratio |\n|---|---|---|")
    for name, ms in rows.items():
        peer = base_m if "map" in name or "(peer)" in name else base_w
        print(f"| {name} | {ms:.1f} | {ms / peer:.2f} |")


if __name__ == "__main__":
    main()
