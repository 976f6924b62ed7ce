"""Synthetic location records: devices that sleep at home and walk to facilities, vectorised."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from lifecircle.io.coords import wgs84_to_gcj02
from lifecircle.mobility.synth import SyntheticCity

__all__ = ["device_id", "synthetic_records", "write_records"]

_WALK_M_PER_S: Final = 80.0 / 60.0
_DETOUR: Final = 1.3  # network walk / straight line
_HOME_PING_S: Final = 300
_STAY_PING_S: Final = 180
_MOVE_PING_S: Final = 60
_GPS_SIGMA_M: Final = 12.0
_START: Final = np.datetime64("2024-05-06T00:00:00", "s")  # a Monday
TimeFormat = Literal["text", "epoch", "timestamp"]


def device_id(i: NDArray[np.int64]) -> NDArray[np.object_]:
    """Raw device ids as a phone operator might give them (15-digit, unique, fake)."""
    digits = (np.asarray(i, dtype=np.int64) * 7919 + 123_456_789) % 10**13
    return np.array([f"86{d:013d}" for d in digits], dtype=object)


def _ids_of(devices: NDArray[np.int64]) -> NDArray[np.object_]:
    uniq, inverse = np.unique(devices, return_inverse=True)
    return np.asarray(device_id(uniq)[inverse], dtype=object)


def _homes(
    city: SyntheticCity, comm_idx: NDArray[np.int64], rng: np.random.Generator
) -> NDArray[np.float64]:
    """A random point inside each device's home community (rejection sampling)."""
    geoms = city.communities.geometry.to_numpy()
    out = np.empty((len(comm_idx), 2))
    for c in np.unique(comm_idx):
        who = np.flatnonzero(comm_idx == c)
        x0, y0, x1, y1 = geoms[c].bounds
        pts = np.empty((0, 2))
        while len(pts) < len(who):
            cand = rng.uniform((x0, y0), (x1, y1), size=(4 * len(who) + 8, 2))
            pts = np.vstack([pts, cand[shapely.contains_xy(geoms[c], cand[:, 0], cand[:, 1])]])
        out[who] = pts[: len(who)]
    return out


def _segments(
    city: SyntheticCity,
    first_device: int,
    n_devices: int,
    days: int,
    noise: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Segments (device, t0, t1, from, to, ping interval) of every device-day, vectorised."""
    comm = city.communities
    fac = city.facilities
    pop = comm["population"].to_numpy(dtype=np.float64)
    home_c = rng.choice(len(comm), size=n_devices, p=pop / pop.sum())
    home = _homes(city, home_c, rng)
    fxy = shapely.get_coordinates(fac.geometry.to_numpy())
    own = comm["circle_id"].to_numpy()[home_c][:, None] == fac["circle_id"].to_numpy()[None, :]
    dev = np.repeat(np.arange(n_devices), days)
    day = np.tile(np.arange(days), n_devices)
    n = len(dev)
    hx, hy = home[dev, 0], home[dev, 1]
    day0 = day.astype(np.int64) * 86_400
    cursor = day0 + rng.integers(7 * 3600, 9 * 3600, n)
    parts = [(dev, day0, cursor.copy(), hx, hy, hx, hy, _HOME_PING_S)]
    visits = rng.integers(1, 4, n)
    for slot in range(3):
        go = visits > slot
        d = np.hypot(fxy[None, :, 0] - hx[:, None], fxy[None, :, 1] - hy[:, None])
        gravity = np.exp(-d / 900.0)
        planted = np.where(own[dev], gravity, 0.0)
        weights = np.where(rng.random(n)[:, None] < noise, gravity, planted)
        cum = np.cumsum(weights, axis=1)
        pick = (rng.random(n)[:, None] * cum[:, -1:] > cum).sum(axis=1)
        pick = np.minimum(pick, len(fac) - 1)
        fx = fxy[pick, 0] + rng.normal(0, 20.0, n)
        fy = fxy[pick, 1] + rng.normal(0, 20.0, n)
        travel = np.hypot(fx - hx, fy - hy) * _DETOUR / _WALK_M_PER_S
        t_out = cursor + travel.astype(np.int64) + 60
        t_stay = t_out + rng.integers(20 * 60, 60 * 60, n)
        t_back = t_stay + travel.astype(np.int64) + 60
        t_home = t_back + rng.integers(45 * 60, 150 * 60, n)
        for t0, t1, a, b, step in (
            (cursor, t_out, (hx, hy), (fx, fy), _MOVE_PING_S),
            (t_out, t_stay, (fx, fy), (fx, fy), _STAY_PING_S),
            (t_stay, t_back, (fx, fy), (hx, hy), _MOVE_PING_S),
            (t_back, t_home, (hx, hy), (hx, hy), _HOME_PING_S),
        ):
            parts.append((dev[go], t0[go], t1[go], a[0][go], a[1][go], b[0][go], b[1][go], step))
        cursor = np.where(go, t_home, cursor)
    end = day0 + 86_400
    parts.append((dev, np.minimum(cursor, end - 60), end, hx, hy, hx, hy, _HOME_PING_S))
    frames = [
        pd.DataFrame(
            {
                "device": p[0] + first_device,
                "t0": p[1],
                "t1": np.maximum(p[2], p[1] + 1),
                "x0": p[3],
                "y0": p[4],
                "x1": p[5],
                "y1": p[6],
                "step": p[7],
            }
        )
        for p in parts
    ]
    return pd.concat(frames, ignore_index=True)


def _pings(seg: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    t0 = seg["t0"].to_numpy()
    t1 = seg["t1"].to_numpy()
    step = seg["step"].to_numpy()
    count = np.maximum(1, (t1 - t0) // step)
    total = int(count.sum())
    idx = np.repeat(np.arange(len(seg)), count)
    k = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    t = t0[idx] + k * step[idx] + rng.integers(0, 20, total)
    frac = np.clip((t - t0[idx]) / np.maximum(t1[idx] - t0[idx], 1), 0.0, 1.0)
    x = seg["x0"].to_numpy()[idx] * (1 - frac) + seg["x1"].to_numpy()[idx] * frac
    y = seg["y0"].to_numpy()[idx] * (1 - frac) + seg["y1"].to_numpy()[idx] * frac
    x += rng.normal(0.0, _GPS_SIGMA_M, total)
    y += rng.normal(0.0, _GPS_SIGMA_M, total)
    out = pd.DataFrame({"device": seg["device"].to_numpy()[idx], "t": t, "x": x, "y": y})
    return out.sort_values(["device", "t"], kind="stable", ignore_index=True)


def synthetic_records(
    city: SyntheticCity,
    *,
    devices: int,
    days: int = 1,
    noise: float = 0.3,
    coords: Literal["wgs84", "gcj02"] = "wgs84",
    time_format: TimeFormat = "text",
    batch_devices: int = 5_000,
    seed: int = 1,
) -> Iterator[pd.DataFrame]:
    """Location records of ``devices`` phones over ``days`` days, in batches of devices.

    Each device lives at a random point of a community (chosen by population). Every day
    it is at home until 07:00–09:00, then makes one to three walks to facilities (one of
    its planted circle's with probability ``1 - noise``, else any facility by distance
    decay), stays 20–60 minutes, walks home and rests 45–150 minutes before the next,
    and is home again for the night. Pings: every 5 minutes at home, 3 minutes at a
    facility, 1 minute while walking, each with GPS noise (12 m) and up to 20 s jitter.
    About 220 records per device-day. Records come sorted by device, then time.

    Parameters
    ----------
    city : SyntheticCity
        From `lifecircle.mobility.synth.synthetic_city`.
    devices, days : int
        How many phones, over how many days (from Monday 2024-05-06).
    noise : float
        Share of visits that ignore the planted circles.
    coords : {"wgs84", "gcj02"}
        Coordinate system of the lon/lat written (GCJ-02 as an Amap-based SDK gives).
    time_format : {"text", "epoch", "timestamp"}
        ``"2024-05-06 07:31:00"`` (local), Unix seconds (UTC), or a datetime column.
    batch_devices : int
        Devices per yielded batch (bounds memory).
    seed : int
        Seed of every draw.

    Yields
    ------
    pandas.DataFrame
        ``device_id`` (raw text ids), ``time``, ``lon``, ``lat``.
    """
    rng = np.random.default_rng(seed)
    to_ll = pyproj.Transformer.from_crs(city.communities.crs, "EPSG:4326", always_xy=True)
    for first in range(0, devices, batch_devices):
        n = min(batch_devices, devices - first)
        pings = _pings(_segments(city, first, n, days, noise, rng), rng)
        lon, lat = to_ll.transform(pings["x"].to_numpy(), pings["y"].to_numpy())
        if coords == "gcj02":
            lon, lat = wgs84_to_gcj02(lon, lat)
        when = _START + pings["t"].to_numpy().astype("timedelta64[s]")
        if time_format == "text":
            time: object = np.datetime_as_string(when, unit="s")
            time = np.char.replace(np.asarray(time, dtype=str), "T", " ")
        elif time_format == "epoch":
            time = (when - np.timedelta64(8, "h")).astype(np.int64)  # local is UTC+8
        else:
            time = when
        yield pd.DataFrame(
            {
                "device_id": _ids_of(pings["device"].to_numpy()),
                "time": time,
                "lon": np.round(lon, 7),
                "lat": np.round(lat, 7),
            }
        )


def write_records(
    path: str | Path,
    batches: Iterator[pd.DataFrame],
    *,
    encoding: str = "utf-8",
    row_group_rows: int = 250_000,
) -> int:
    """Write record batches to one CSV or Parquet file (streamed); return the row count.

    Parquet row groups hold at most ``row_group_rows`` records: a reader holds a whole row
    group in memory, so small groups keep streaming memory small.
    """
    p = Path(path)
    rows = 0
    if p.suffix.lower() in (".parquet", ".pq"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        try:
            for df in batches:
                table = pa.Table.from_pandas(df, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(p, table.schema)
                writer.write_table(table, row_group_size=row_group_rows)
                rows += len(df)
        finally:
            if writer is not None:
                writer.close()
        return rows
    with p.open("w", encoding=encoding, newline="") as fh:
        for i, df in enumerate(batches):
            df.to_csv(fh, index=False, header=i == 0, lineterminator="\n")
            rows += len(df)
    return rows
