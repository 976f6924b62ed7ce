"""Ingest: location records streamed into stays, homes and trips; flows tables; k-suppressed."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from numpy.typing import NDArray

from lifecircle.errors import SchemaError
from lifecircle.mobility import _columns as cols
from lifecircle.mobility.privacy import DEFAULT_K, PseudonymKey, suppress
from lifecircle.mobility.records import DEFAULT_CHUNK_ROWS, RecordChunk, open_records, parse_batch
from lifecircle.mobility.staypoints import DEFAULT_NIGHT, detect_stay_points, home_locations
from lifecircle.mobility.zones import FacilityIndex, Zones

__all__ = ["IngestOptions", "IngestResult", "ingest_flows", "ingest_records"]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class IngestOptions:
    """Thresholds of record ingestion (defaults in brackets).

    ``distance_m`` [200] and ``min_duration_s`` [600]: stay-point thresholds.
    ``night`` [(22, 6)], ``min_night_s`` [3600]: home = zone of most night time.
    ``home_radius_m`` [150]: stays this near the home point are at home, not trips.
    ``match_radius_m`` [100], ``radius_by_category``: stay-to-facility matching.
    ``cell_m`` [500]: grid cell size when no community layer is given.
    ``by_hour`` [False]: split flows by hour of arrival. ``k`` [5]: suppression.
    ``coords`` ["wgs84"]: lon/lat system of the records (``gcj02`` for Amap/Tencent).
    ``utc_offset_hours`` [8]: the local clock (Beijing time) for epochs and zoned times.
    """

    distance_m: float = 200.0
    min_duration_s: int = 600
    night: tuple[int, int] = DEFAULT_NIGHT
    min_night_s: int = 3600
    home_radius_m: float = 150.0
    match_radius_m: float = 100.0
    radius_by_category: Mapping[str, float] | None = None
    cell_m: float = 500.0
    by_hour: bool = False
    k: int = DEFAULT_K
    coords: str = "wgs84"
    utc_offset_hours: float = 8.0
    chunk_rows: int = DEFAULT_CHUNK_ROWS


@dataclass
class IngestResult:
    """Aggregated, k-suppressed tables, ready to write; nothing in it names a device."""

    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    zones: gpd.GeoDataFrame | None = None

    def write(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write every table as CSV (UTF-8 with BOM, for Excel), ``zones.gpkg`` for grid
        cells, and ``summary.json``; all files appear together or not at all."""
        out = Path(out_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            names = []
            for name, table in self.tables.items():
                table.to_csv(
                    tmp / f"{name}.csv", index=False, encoding="utf-8-sig", lineterminator="\n"
                )
                names.append(f"{name}.csv")
            if self.zones is not None and len(self.zones):
                self.zones.to_file(
                    tmp / "zones.gpkg", layer="zones", driver="GPKG", engine="pyogrio"
                )
                names.append("zones.gpkg")
            text = json.dumps(
                self.summary, ensure_ascii=False, indent=2, sort_keys=True, default=str
            )
            (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")
            names.append("summary.json")
            out.mkdir(exist_ok=True)
            for name in names:
                os.replace(tmp / name, out / name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return [out / n for n in names]


# --------------------------------------------------------------------------- tallies
@dataclass
class _Tally:
    """Running sums keyed by tuples: trips and distinct devices per key."""

    keys: tuple[str, ...]
    trips: pd.Series | None = None
    devices: pd.Series | None = None

    def add(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        g = frame.groupby(list(self.keys), sort=False)
        trips = g.size()
        devices = g["device"].nunique()
        self.trips = trips if self.trips is None else self.trips.add(trips, fill_value=0)
        self.devices = devices if self.devices is None else self.devices.add(devices, fill_value=0)

    def table(self) -> pd.DataFrame:
        if self.trips is None or self.devices is None:
            return pd.DataFrame({**{k: [] for k in self.keys}, "count": [], "devices": []})
        out = pd.DataFrame({"count": self.trips, "devices": self.devices}).reset_index()
        out["count"] = out["count"].astype(np.int64)
        out["devices"] = out["devices"].astype(np.int64)
        return out.sort_values(list(self.keys), ignore_index=True)


@dataclass
class _State:
    zones: Zones
    facilities: FacilityIndex | None
    options: IngestOptions
    fac_flows: _Tally
    zone_flows: _Tally
    homes: _Tally
    counts: dict[str, int] = field(default_factory=dict)

    def bump(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + int(n)


def _process(
    state: _State,
    dev: NDArray[np.uint64],
    t: NDArray[np.int64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
) -> None:
    """Stays, homes and trips of complete devices; only tallies leave this function."""
    opt = state.options
    stays = detect_stay_points(
        dev, t, x, y, distance_m=opt.distance_m, min_duration_s=opt.min_duration_s
    )
    state.bump("devices", len(np.unique(dev)))
    state.bump("stay_points", len(stays))
    if len(stays) == 0:
        return
    zone = state.zones.locate(stays.x, stays.y)
    homes = home_locations(stays, zone, night=opt.night, min_night_s=opt.min_night_s)
    state.bump("devices_with_home", len(homes))
    state.homes.add(
        pd.DataFrame({"zone": homes["zone"].to_numpy(), "device": homes.index.to_numpy()})
    )
    pos = homes.index.get_indexer(stays.device)
    has = pos >= 0
    hx = homes["x"].to_numpy()[pos[has]]
    hy = homes["y"].to_numpy()[pos[has]]
    away = np.hypot(stays.x[has] - hx, stays.y[has] - hy) > opt.home_radius_m
    idx = np.flatnonzero(has)[away]
    home_zone = homes["zone"].to_numpy()[pos[idx]]
    frame = pd.DataFrame(
        {"origin": home_zone, "destination": zone[idx], "device": stays.device[idx]}
    )
    if opt.by_hour:
        frame["hour"] = ((stays.arrive[idx] % 86_400) // 3600).astype(np.int64)
    state.bump("trips", len(frame))
    state.zone_flows.add(frame)
    if state.facilities is not None:
        fac = state.facilities.match(stays.x[idx], stays.y[idx])
        hit = fac >= 0
        ff = frame.loc[hit, [c for c in frame.columns if c != "destination"]].copy()
        ff["destination"] = fac[hit]
        state.bump("facility_trips", int(hit.sum()))
        state.fac_flows.add(ff)


def _concat(a: dict[str, np.ndarray] | None, b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if a is None:
        return b
    return {k: np.concatenate([a[k], b[k]]) for k in b}


def _slice(a: dict[str, np.ndarray], lo: int, hi: int | None) -> dict[str, np.ndarray]:
    return {k: v[lo:hi] for k, v in a.items()}


def _runs(arr: dict[str, np.ndarray], seen: NDArray[np.uint64], source: str) -> NDArray[np.int64]:
    """Start index of each device run; stop when a device's records are not contiguous."""
    dev = arr["device"]
    change = np.ones(len(dev), dtype=bool)
    change[1:] = dev[1:] != dev[:-1]
    starts = np.flatnonzero(change)
    run_dev = dev[starts]
    _, first, counts = np.unique(run_dev, return_index=True, return_counts=True)
    again = np.zeros(len(run_dev), dtype=bool)
    if (counts > 1).any():
        again[np.setdiff1d(np.arange(len(run_dev)), first)] = True
    if len(seen):
        pos = np.minimum(np.searchsorted(seen, run_dev), len(seen) - 1)
        again |= seen[pos] == run_dev
    if again.any():
        row = int(arr["row"][starts[int(np.flatnonzero(again)[0])]])
        raise SchemaError(
            "定位记录没有按设备分组：该行设备的记录在前面已经出现过，中间隔着其他设备",
            file=source,
            row=row,
            field="device",
            fix="先按设备编号、再按时间排序后再导入（例如数据库 ORDER BY device, time）。",
        )
    return starts.astype(np.int64)


def _sorted_in_time(arr: dict[str, np.ndarray], starts: NDArray[np.int64]) -> dict[str, np.ndarray]:
    t = arr["t"]
    if len(t) < 2:
        return arr
    step = np.diff(t)
    boundary = np.zeros(len(t) - 1, dtype=bool)
    boundary[starts[1:] - 1] = True
    if ((step >= 0) | boundary).all():
        return arr
    run = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(t))))
    order = np.lexsort((t, run))
    return {k: v[order] for k, v in arr.items()}


def _metric_crs(
    zones: gpd.GeoDataFrame | None, facilities: gpd.GeoDataFrame | None, first: RecordChunk | None
) -> pyproj.CRS:
    from lifecircle.io import choose_metric_crs

    for layer in (zones, facilities):
        if layer is not None and layer.crs is not None:
            return (
                pyproj.CRS(layer.crs) if not layer.crs.is_geographic else choose_metric_crs(layer)
            )
    import shapely

    lon = np.asarray(first.lon, dtype="float64") if first is not None else np.empty(0)
    lat = np.asarray(first.lat, dtype="float64") if first is not None else np.empty(0)
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    if not ok.any():
        return pyproj.CRS("EPSG:32650")
    sample = gpd.GeoDataFrame(
        geometry=shapely.points([np.median(lon[ok])], [np.median(lat[ok])]), crs="EPSG:4326"
    )
    return choose_metric_crs(sample)


def ingest_records(
    paths: Sequence[str | os.PathLike[str]],
    *,
    key: PseudonymKey,
    communities: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> IngestResult:
    """Stream location records into aggregated, k-suppressed flows.

    Each file is read in chunks of ``options.chunk_rows`` records; raw device ids are
    replaced by keyed pseudonyms as each chunk is parsed. Records must be grouped by
    device (all of a device's records together; any time order within a device); a
    device that runs over a chunk boundary is held back until its last record is read,
    so memory stays bounded by the chunk and the largest device. For each complete
    device: stay points (Li et al. 2008), the home zone (most night time), and trips
    (stays away from home) to zones and to the nearest facility within its radius.

    Parameters
    ----------
    paths : sequence of path-like
        CSV (UTF-8/GBK) or Parquet files with device, time, lon, lat columns.
    key : PseudonymKey
        Secret of the pseudonyms (`lifecircle.mobility.privacy.load_key`).
    communities : geopandas.GeoDataFrame, optional
        Community polygons (``id``): zones are communities; else grid cells.
    facilities : geopandas.GeoDataFrame, optional
        Validated facilities (``id``, ``category``, points): trips to facilities.
    options : IngestOptions, optional
        Thresholds.
    progress : callable, optional
        ``progress(stage, done, total)``.
    columns : mapping, optional
        Column names in the files for ``device``, ``time``, ``lon``, ``lat``.
    encoding : str, optional
        Text encoding of CSV files (default: detect UTF-8 or GB18030).

    Returns
    -------
    IngestResult
        Tables ``flows_zones`` (home zone → stay zone), ``flows_facilities`` (home zone
        → facility, with category), ``homes`` (devices per home zone), each with
        ``count``/``devices``, rows below ``k`` devices removed; and a summary.
    """
    opt = options or IngestOptions()
    given = dict(columns or {})
    sources = [
        open_records(
            p,
            chunk_rows=opt.chunk_rows,
            encoding=encoding,
            device_col=given.get("device"),
            time_col=given.get("time"),
            lon_col=given.get("lon"),
            lat_col=given.get("lat"),
        )
        for p in paths
    ]
    from lifecircle.io import to_metric

    comm = None
    if communities is not None:
        comm = communities[["id", communities.geometry.name]].reset_index(drop=True)
    crs: pyproj.CRS | None = None
    state: _State | None = None
    to_xy: pyproj.Transformer | None = None
    keys = ("origin", "destination", "hour") if opt.by_hour else ("origin", "destination")
    seen = np.zeros(0, dtype=np.uint64)
    dropped = 0
    first_dropped: int | None = None
    n_records = 0
    # one stream over all files: a device may run on from one file into the next
    carry: dict[str, np.ndarray] | None = None
    for src in sources:
        for row0, batch in src.batches(progress):
            chunk = parse_batch(
                batch,
                row0,
                key=key,
                coords=opt.coords,
                utc_offset_hours=opt.utc_offset_hours,
                source=str(src.path),
            )
            n_records += batch.num_rows
            dropped += chunk.dropped
            if first_dropped is None and chunk.first_dropped_row is not None:
                first_dropped = chunk.first_dropped_row
            if state is None or to_xy is None:
                crs = _metric_crs(comm, facilities, chunk)
                polygons = to_metric(comm, crs=crs) if comm is not None else None
                fac = None
                if facilities is not None:
                    fac = FacilityIndex.from_layer(
                        to_metric(facilities, crs=crs),
                        radius_m=opt.match_radius_m,
                        radius_by_category=opt.radius_by_category,
                    )
                zones = Zones(crs=crs, polygons=polygons, cell_m=opt.cell_m)
                state = _State(zones, fac, opt, _Tally(keys), _Tally(keys), _Tally(("zone",)))
                to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
            x, y = to_xy.transform(chunk.lon, chunk.lat)
            fresh = {
                "device": chunk.device,
                "t": chunk.t,
                "x": np.asarray(x),
                "y": np.asarray(y),
                "row": chunk.row,
            }
            arr = _concat(carry, fresh)
            del chunk, batch, fresh
            if len(arr["device"]) == 0:
                continue
            starts = _runs(arr, seen, str(src.path))
            last = int(starts[-1])
            done = _slice(arr, 0, last)
            carry = _slice(arr, last, None)  # the last device may go on in the next chunk
            if len(done["device"]):
                done = _sorted_in_time(done, starts[:-1])
                _process(state, done["device"], done["t"], done["x"], done["y"])
                seen = np.union1d(seen, done["device"][starts[:-1]])
    if carry is not None and len(carry["device"]) and state is not None:
        carry = _sorted_in_time(carry, np.zeros(1, dtype=np.int64))
        _process(state, carry["device"], carry["t"], carry["x"], carry["y"])
    if state is None:
        raise SchemaError(
            "定位记录文件中没有数据行",
            file=str(sources[0].path) if sources else None,
            fix="给出含记录的文件。",
        )
    return _finish(
        state,
        opt,
        key,
        n_records=n_records,
        dropped=dropped,
        first_dropped=first_dropped,
        crs=crs,
        files=[str(s.path) for s in sources],
    )


def _finish(
    state: _State,
    opt: IngestOptions,
    key: PseudonymKey,
    *,
    n_records: int,
    dropped: int,
    first_dropped: int | None,
    crs: pyproj.CRS | None,
    files: list[str],
) -> IngestResult:
    zones = state.zones
    tables: dict[str, pd.DataFrame] = {}
    suppressed: dict[str, int] = {}
    zf = state.zone_flows.table()
    zf["origin"] = zones.ids(zf["origin"].to_numpy(dtype=np.int64))
    zf["destination"] = zones.ids(zf["destination"].to_numpy(dtype=np.int64))
    tables["flows_zones"], suppressed["flows_zones"] = suppress(zf, k=opt.k)
    if state.facilities is not None:
        ff = state.fac_flows.table()
        fidx = ff["destination"].to_numpy(dtype=np.int64)
        ff["origin"] = zones.ids(ff["origin"].to_numpy(dtype=np.int64))
        ff["destination"] = state.facilities.ids[fidx]
        ff.insert(2, "category", state.facilities.category[fidx])
        tables["flows_facilities"], suppressed["flows_facilities"] = suppress(ff, k=opt.k)
    hm = state.homes.table().drop(columns="count")
    hm["zone"] = zones.ids(hm["zone"].to_numpy(dtype=np.int64))
    hm = hm.rename(columns={"zone": "zone_id"})
    tables["homes"], suppressed["homes"] = suppress(hm, k=opt.k)
    cells = None
    if zones.kind == "grid":
        used = sorted(
            set(tables["homes"]["zone_id"])
            | set(tables["flows_zones"]["origin"])
            | set(tables["flows_zones"]["destination"])
        )
        cells = zones.cells(used).merge(tables["homes"], on="zone_id", how="left")
        cells["devices"] = cells["devices"].fillna(0).astype(np.int64)
    summary: dict[str, Any] = {
        "kind": "records",
        "files": [Path(f).name for f in files],
        "records": n_records,
        "records_dropped": dropped,
        "first_dropped_row": first_dropped,
        "zones": zones.kind,
        "crs": crs.to_string() if crs is not None else None,
        "k": opt.k,
        "suppressed_rows": suppressed,
        "written_rows": {n: len(t) for n, t in tables.items()},
        "pseudonym_key": key.source,
        "options": {
            "distance_m": opt.distance_m,
            "min_duration_s": opt.min_duration_s,
            "night": list(opt.night),
            "min_night_s": opt.min_night_s,
            "home_radius_m": opt.home_radius_m,
            "match_radius_m": opt.match_radius_m,
            "cell_m": opt.cell_m if zones.kind == "grid" else None,
            "by_hour": opt.by_hour,
            "coords": opt.coords,
            "utc_offset_hours": opt.utc_offset_hours,
        },
        **{k: v for k, v in sorted(state.counts.items())},
    }
    return IngestResult(tables=tables, summary=summary, zones=cells)


def ingest_flows(
    path: str | os.PathLike[str],
    *,
    k: int = DEFAULT_K,
    encoding: str | None = None,
    sheet: str | None = None,
) -> IngestResult:
    """Read an aggregated origin-destination table and k-suppress it.

    Columns (Chinese or English headers): ``origin``, ``destination``, ``count``, and
    optionally ``devices`` (distinct devices), ``hour``, ``purpose``, ``category``.
    Rows with the same keys are summed (trips), and their device counts combined by the
    maximum: the fewest distinct devices the merged row can rest on, so suppression errs
    on the safe side. Rows with fewer than ``k`` devices are removed; without a devices
    column, rows with fewer than ``k`` trips are (a row of 3 trips has at most 3 devices).

    Returns
    -------
    IngestResult
        Table ``flows``: ``origin``, ``destination``, [``category``, ``hour``,
        ``purpose``], ``count``, ``devices`` (absent when the input has none).
    """
    source = str(path)
    raw = cols.read_table(path, encoding=encoding, sheet=sheet)
    if raw.empty:
        raise SchemaError("流量表没有数据行", file=source, fix="给出含起点、终点、数量的表。")
    names = list(raw.columns)
    out = pd.DataFrame(
        {
            "origin": cols.text(
                raw[cols.require(names, "origin", source=source, what="起点")],
                source=source,
                field="origin",
            ),
            "destination": cols.text(
                raw[cols.require(names, "destination", source=source, what="终点")],
                source=source,
                field="destination",
            ),
        }
    )
    extra = []
    for name in ("category", "hour", "purpose"):
        c = cols.find(names, name)
        if c is not None:
            if name == "hour":
                out[name] = cols.numbers(raw[c], source=source, field=c, integer=True).astype(
                    np.int64
                )
                bad = np.flatnonzero((out[name] > 23).to_numpy())
                if len(bad):
                    raise SchemaError(
                        f"时段 {int(out[name].iloc[bad[0]])} 超出 0–23", file=source, row=int(bad[0]) + 1, field=c,
                        fix="时段写成 0 到 23 的小时数。",
                    )  # fmt: skip
            else:
                out[name] = cols.text(raw[c], source=source, field=c)
            extra.append(name)
    count_col = cols.require(names, "count", source=source, what="数量")
    out["count"] = cols.numbers(raw[count_col], source=source, field=count_col)
    dev_col = cols.find(names, "devices")
    if dev_col is not None:
        out["devices"] = cols.numbers(raw[dev_col], source=source, field=dev_col, integer=True)
    keys = ["origin", "destination", *extra]
    agg: dict[str, str] = {"count": "sum"}
    if dev_col is not None:
        agg["devices"] = "max"
    merged = out.groupby(keys, sort=True, as_index=False).agg(agg)
    measure = "devices" if dev_col is not None else "count"
    kept, n_sup = suppress(merged, k=k, devices=measure)
    summary: dict[str, Any] = {
        "kind": "flows",
        "files": [Path(source).name],
        "rows": len(raw),
        "merged_rows": len(merged),
        "k": k,
        "suppressed_by": measure,
        "suppressed_rows": {"flows": n_sup},
        "written_rows": {"flows": len(kept)},
        "trips_written": float(kept["count"].sum()),
    }
    if dev_col is None:
        summary["note"] = (
            "输入没有设备数列：按出行次数少于 k 压制；次数不少于 k 的流默认由供数方保证至少 k 台设备。"
        )
    return IngestResult(tables={"flows": kept}, summary=summary)
