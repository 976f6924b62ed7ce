"""Streaming ingest of location records: chunks, files, order, time formats, GCJ-02, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifecircle.errors import FileFormatError, InputError, SchemaError
from lifecircle.mobility import PseudonymKey
from lifecircle.mobility.ingest import IngestOptions, ingest_records
from lifecircle.mobility.synth import synthetic_city
from lifecircle.mobility.synth_records import synthetic_records, write_records
from mobility._tracks import COMMUNITIES, FACILITIES, raw_id, records

KEY = PseudonymKey(secret=b"test-key-0123456789abcdef", source="test")


def run(paths, **kw):
    opt = kw.pop("options", None) or IngestOptions(k=kw.pop("k", 5), **kw.pop("opt", {}))
    return ingest_records(
        paths, key=KEY, communities=COMMUNITIES, facilities=FACILITIES, options=opt, **kw
    )


def same(a, b):
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_dtype=False)
    for key in ("devices", "devices_with_home", "stay_points", "trips", "facility_trips"):
        assert a.summary[key] == b.summary[key], key


def test_hand_tracks_give_the_expected_flows(tmp_path):
    path = tmp_path / "r.csv"
    records(n_a=6, n_b=1, days=2).to_csv(path, index=False)
    res = run([path])
    s = res.summary
    assert s["devices"] == 7 and s["devices_with_home"] == 7
    assert s["facility_trips"] == 14  # 7 devices x 2 days
    ff = res.tables["flows_facilities"]
    # A's six residents pass k = 5; B's single resident is suppressed
    assert ff.to_dict("records") == [
        {"origin": "A", "destination": "F1", "category": "fresh_market", "count": 12, "devices": 6}
    ]
    assert res.tables["homes"].to_dict("records") == [{"zone_id": "A", "devices": 6}]
    assert s["suppressed_rows"]["homes"] == 1
    zf = res.tables["flows_zones"]
    assert zf.to_dict("records") == [{"origin": "A", "destination": "B", "count": 12, "devices": 6}]


@pytest.fixture(scope="module")
def city():
    return synthetic_city(rows=6, cols=6, n_circles=8, seed=5)


@pytest.fixture(
    scope="module", params=[60, pytest.param(150, marks=pytest.mark.slow)], ids=["60dev", "150dev"]
)
def devices(request) -> int:
    """Devices of the synthetic records: 60 by default, the larger form marked slow."""
    return int(request.param)


@pytest.fixture(scope="module")
def synth_csv(tmp_path_factory, city, devices):
    path = tmp_path_factory.mktemp("rec") / "records.csv"
    write_records(path, synthetic_records(city, devices=devices, days=2, seed=2, batch_devices=40))
    return path


def run_city(city, paths, **kw):
    opt = IngestOptions(k=kw.pop("k", 3), **kw.pop("opt", {}))
    return ingest_records(
        paths, key=KEY, communities=city.communities, facilities=city.facilities, options=opt, **kw
    )


def test_chunk_boundaries_do_not_change_anything(city, synth_csv, devices):
    whole = run_city(city, [synth_csv], opt={"chunk_rows": 10**7})
    assert whole.summary["facility_trips"] > 2 * devices
    for rows in (97, 1000):  # devices run over many chunk boundaries
        same(run_city(city, [synth_csv], opt={"chunk_rows": rows}), whole)


def test_a_device_may_run_on_into_the_next_file(city, synth_csv, tmp_path):
    df = pd.read_csv(synth_csv, dtype={"device_id": str})
    cut = len(df) // 2 + 17  # inside some device's records
    assert df["device_id"].iloc[cut - 1] == df["device_id"].iloc[cut]
    df.iloc[:cut].to_csv(tmp_path / "a.csv", index=False)
    df.iloc[cut:].to_csv(tmp_path / "b.csv", index=False)
    same(run_city(city, [tmp_path / "a.csv", tmp_path / "b.csv"], opt={"chunk_rows": 500}),
         run_city(city, [synth_csv]))  # fmt: skip


def test_time_order_within_a_device_does_not_matter(city, synth_csv, tmp_path):
    df = pd.read_csv(synth_csv, dtype={"device_id": str})
    rng = np.random.default_rng(0)
    shuffled = (
        df.assign(_r=rng.random(len(df)), _d=df["device_id"].ne(df["device_id"].shift()).cumsum())
        .sort_values(["_d", "_r"])
        .drop(columns=["_r", "_d"])
    )
    shuffled.to_csv(tmp_path / "s.csv", index=False)
    same(run_city(city, [tmp_path / "s.csv"], opt={"chunk_rows": 700}), run_city(city, [synth_csv]))


def test_time_formats_and_parquet_agree(city, synth_csv, devices, tmp_path):
    base = run_city(city, [synth_csv])
    write_records(
        tmp_path / "e.csv",
        synthetic_records(
            city, devices=devices, days=2, seed=2, batch_devices=40, time_format="epoch"
        ),
    )
    write_records(
        tmp_path / "t.parquet",
        synthetic_records(
            city, devices=devices, days=2, seed=2, batch_devices=40, time_format="timestamp"
        ),
    )
    same(run_city(city, [tmp_path / "e.csv"]), base)
    same(run_city(city, [tmp_path / "t.parquet"], opt={"chunk_rows": 333}), base)


def test_gcj02_records(city, synth_csv, devices, tmp_path):
    write_records(
        tmp_path / "g.csv",
        synthetic_records(city, devices=devices, days=2, seed=2, batch_devices=40, coords="gcj02"),
    )
    base = run_city(city, [synth_csv])
    same(run_city(city, [tmp_path / "g.csv"], opt={"coords": "gcj02"}), base)
    # read as if it were WGS-84, every point is off by the GCJ-02 shift (hundreds of metres)
    wrong = run_city(city, [tmp_path / "g.csv"])
    assert wrong.summary["facility_trips"] < base.summary["facility_trips"] / 2


def test_gcj02_hand_track_matches_the_facility_only_when_declared(tmp_path):
    path = tmp_path / "g.csv"
    records(n_a=6, n_b=0, days=1, coords="gcj02").to_csv(path, index=False)
    assert run([path], opt={"coords": "gcj02"}).summary["facility_trips"] == 6
    assert run([path]).summary.get("facility_trips", 0) == 0


def test_gbk_csv_with_chinese_headers(tmp_path):
    df = records(n_a=6, n_b=0, days=1).rename(
        columns={"device_id": "设备编号", "time": "定位时间", "lon": "经度", "lat": "纬度"}
    )
    df.to_csv(tmp_path / "gbk.csv", index=False, encoding="gbk")
    assert run([tmp_path / "gbk.csv"]).summary["facility_trips"] == 6


def test_records_not_grouped_by_device_stop_with_the_row(tmp_path):
    df = records(n_a=3, n_b=0, days=1)
    first = df[df["device_id"] == raw_id(0)]
    moved = pd.concat(
        [
            df[df["device_id"] != raw_id(0)].iloc[:50],
            first,
            df.iloc[50:].loc[lambda d: d["device_id"] != raw_id(0)],
        ]
    )
    # device 0 now sits between two runs of device 1
    moved.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(SchemaError) as err:
        run([tmp_path / "m.csv"], opt={"chunk_rows": 40})
    e = err.value
    assert e.field == "device" and e.row == 50 + len(first) + 1
    assert all(raw_id(i) not in str(e) for i in range(3))


def test_bad_values_name_row_and_field_but_never_the_id(tmp_path):
    df = records(n_a=2, n_b=0, days=1)
    df["lon"] = df["lon"].astype(object)
    df.loc[41, "lon"] = "东经113"
    df.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(SchemaError) as err:
        run([tmp_path / "bad.csv"], opt={"chunk_rows": 30})
    assert err.value.row == 42 and err.value.field == "lon"
    assert raw_id(0) not in str(err.value) and raw_id(1) not in str(err.value)
    df = records(n_a=2, n_b=0, days=1)
    df.loc[7, "time"] = "昨天下午"
    df.to_csv(tmp_path / "bad2.csv", index=False)
    with pytest.raises(SchemaError) as err:
        run([tmp_path / "bad2.csv"])
    assert err.value.row == 8 and err.value.field == "time"


def test_empty_cells_and_null_island_are_dropped_and_counted(tmp_path):
    df = records(n_a=6, n_b=0, days=1)
    df.loc[3, "lat"] = None
    df.loc[9, ["lon", "lat"]] = 0.0
    df.to_csv(tmp_path / "z.csv", index=False)
    res = run([tmp_path / "z.csv"])
    assert res.summary["records_dropped"] == 2 and res.summary["first_dropped_row"] == 4


def test_missing_column_and_file(tmp_path):
    records(n_a=1, n_b=0, days=1).drop(columns="lat").to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(SchemaError) as err:
        run([tmp_path / "c.csv"])
    assert err.value.field == "lat"
    with pytest.raises(InputError):
        run([tmp_path / "none.csv"])


def test_a_malformed_csv_row_is_reported_without_its_text(tmp_path):
    df = records(n_a=2, n_b=0, days=1)
    lines = df.to_csv(index=False).splitlines()
    lines[30] += ",extra"
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as err:
        run([tmp_path / "m.csv"], opt={"chunk_rows": 10})
    assert "应有 4 列，实有 5 列" in str(err.value)
    assert raw_id(0) not in str(err.value) and raw_id(1) not in str(err.value)


def test_grid_cells_when_no_community_layer(tmp_path):
    path = tmp_path / "r.csv"
    records(n_a=6, n_b=0, days=1).to_csv(path, index=False)
    res = ingest_records(
        [path], key=KEY, facilities=FACILITIES, options=IngestOptions(cell_m=200.0)
    )
    # home A is at (700,150, 3,110,250) in UTM 49N: cell column 3500, row 15551 of 200 m cells
    assert res.tables["homes"].to_dict("records") == [{"zone_id": "G200_3500_15551", "devices": 6}]
    assert res.summary["crs"] == "EPSG:32649"
    cells = res.zones
    assert cells is not None and "G200_3500_15551" in set(cells["zone_id"])
    box = cells.set_index("zone_id").geometry.loc["G200_3500_15551"]
    assert box.bounds == (700_000.0, 3_110_200.0, 700_200.0, 3_110_400.0)
    res.write(tmp_path / "out")
    assert (tmp_path / "out" / "zones.gpkg").exists()
