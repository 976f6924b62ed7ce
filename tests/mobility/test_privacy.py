"""Privacy: keyed pseudonyms, k-suppression, and no raw device id in any output or log."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from lifecircle.errors import InputError
from lifecircle.mobility import KEY_ENV, PseudonymKey, load_key, pseudonymise, suppress
from lifecircle.mobility.ingest import IngestOptions, ingest_flows, ingest_records
from mobility._tracks import COMMUNITIES, FACILITIES, raw_id, records

SECRET = "k3y-for-tests-0123456789-abcdef"


def test_suppression_drops_rows_below_k():
    table = pd.DataFrame(
        {
            "origin": list("abcd"),
            "destination": "x",
            "count": [40, 9, 5, 4],
            "devices": [5, 4, 5, 1],
        }
    )
    kept, n = suppress(table, k=5)
    assert list(kept["origin"]) == ["a", "c"] and n == 2
    assert (suppress(table, k=1)[0]["origin"] == table["origin"]).all()
    with pytest.raises(InputError):
        suppress(table, k=0)


def test_pseudonyms_are_keyed_and_stable():
    ids = np.array([raw_id(i) for i in range(4)], dtype=object)
    a = PseudonymKey(secret=b"a" * 20, source="t")
    b = PseudonymKey(secret=b"b" * 20, source="t")
    pa_, pb = pseudonymise(ids, a), pseudonymise(ids, b)
    assert (pa_ == pseudonymise(ids, a)).all()
    assert len(set(pa_)) == 4 and not set(pa_) & set(pb)
    assert "aaaa" not in repr(a) and "aaaa" not in str(a)


def test_load_key(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    one, two = load_key(), load_key()
    assert one.secret != two.secret and "随机" in one.source  # a fresh key per run
    monkeypatch.setenv(KEY_ENV, SECRET)
    assert load_key().secret == SECRET.encode() and KEY_ENV in load_key().source
    f = tmp_path / "key.txt"
    f.write_text("file-key-0123456789abcdef\n")
    assert load_key(key_file=f).secret == b"file-key-0123456789abcdef"
    f.write_text("short")
    with pytest.raises(InputError) as err:
        load_key(key_file=f)
    assert err.value.field == "key"
    with pytest.raises(InputError):
        load_key(key_file=tmp_path / "missing.txt")


def test_every_written_row_rests_on_k_devices(tmp_path):
    path = tmp_path / "r.csv"
    records(n_a=7, n_b=3, days=2).to_csv(path, index=False)
    key = PseudonymKey(secret=SECRET.encode(), source="t")
    for k in (1, 3, 5, 8):
        res = ingest_records(
            [path],
            key=key,
            communities=COMMUNITIES,
            facilities=FACILITIES,
            options=IngestOptions(k=k),
        )
        for table in res.tables.values():
            assert (table["devices"] >= k).all()
        homes = dict(
            zip(res.tables["homes"]["zone_id"], res.tables["homes"]["devices"], strict=True)
        )
        assert homes == {z: n for z, n in {"A": 7, "B": 3}.items() if n >= k}


def test_flow_tables_merge_duplicates_on_the_safe_side(tmp_path):
    pd.DataFrame(
        {"起点": ["A", "A", "B", "C"], "终点": ["F1", "F1", "F1", "F1"], "人次": [3, 4, 20, 2],
         "设备数": [3, 4, 6, 2]}
    ).to_csv(tmp_path / "f.csv", index=False, encoding="gbk")  # fmt: skip
    res = ingest_flows(tmp_path / "f.csv", k=4)
    flows = res.tables["flows"]
    # A's two rows: 7 trips, but only max(3, 4) = 4 devices can be vouched for
    assert flows.to_dict("records") == [
        {"origin": "A", "destination": "F1", "count": 7.0, "devices": 4.0},
        {"origin": "B", "destination": "F1", "count": 20.0, "devices": 6.0},
    ]
    pd.DataFrame({"origin": ["A", "B"], "destination": ["x", "x"], "count": [4, 5]}).to_csv(
        tmp_path / "g.csv", index=False
    )
    res = ingest_flows(tmp_path / "g.csv", k=5)  # no device column: trips bound devices
    assert list(res.tables["flows"]["origin"]) == ["B"] and "note" in res.summary


def _all_text(folder: Path) -> str:
    """Everything written, as text: raw bytes decoded, and every cell of every table/layer."""
    parts = []
    for f in sorted(folder.rglob("*")):
        if not f.is_file():
            continue
        data = f.read_bytes()
        parts.append(data.decode("utf-8", errors="replace"))
        parts.append(data.decode("latin-1"))
        if f.suffix == ".gpkg":
            for name in pyogrio.list_layers(f)[:, 0]:
                parts.append(pyogrio.read_dataframe(f, layer=name).to_csv())
        if f.suffix == ".parquet":
            parts.append(pd.read_parquet(f).to_csv())
    return "\n".join(parts)


def test_no_raw_id_reaches_any_output_or_log(tmp_path, caplog):
    ids = [raw_id(i) for i in range(10)]
    rec = records(n_a=7, n_b=3, days=2)
    rec_path = tmp_path / "in" / "r.csv"
    rec_path.parent.mkdir()
    rec.to_csv(rec_path, index=False)
    COMMUNITIES.to_file(tmp_path / "in" / "c.gpkg")
    FACILITIES.to_file(tmp_path / "in" / "f.gpkg")
    # in process, every logger at DEBUG, grid zones (written as a GeoPackage) and by hour
    caplog.set_level(logging.DEBUG)
    key = PseudonymKey(secret=SECRET.encode(), source="t")
    for opts in (IngestOptions(k=2, by_hour=True, cell_m=200.0), IngestOptions(k=1)):
        res = ingest_records([rec_path], key=key, facilities=FACILITIES, options=opts,
                             communities=None if opts.cell_m == 200.0 else COMMUNITIES)  # fmt: skip
        res.write(tmp_path / f"out{opts.k}")
    # the command line, with the key from the environment and its output captured
    env = {**os.environ, KEY_ENV: SECRET, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-m", "lifecircle", "mobility", "ingest", "--records", str(rec_path),
         "--communities", str(tmp_path / "in" / "c.gpkg"), "--facilities", str(tmp_path / "in" / "f.gpkg"),
         "--out", str(tmp_path / "cli"), "--k", "1"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    written = (
        _all_text(tmp_path / "out2") + _all_text(tmp_path / "out1") + _all_text(tmp_path / "cli")
    )
    assert "F1" in written and "fresh_market" in written  # the outputs are really there
    logs = caplog.text + proc.stdout + proc.stderr
    for raw in ids:
        assert raw not in written
        assert raw not in logs
    assert SECRET not in written and SECRET not in logs
    assert "LIFECIRCLE_MOBILITY_KEY" in (tmp_path / "cli" / "summary.json").read_text("utf-8")
