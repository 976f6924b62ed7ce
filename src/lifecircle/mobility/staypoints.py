"""Stay points (Li et al. 2008) and home locations (night-time mode), vectorised over devices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

import numpy as np
import pandas as pd
from numba import njit
from numpy.typing import NDArray

__all__ = [
    "DEFAULT_NIGHT",
    "StayPoints",
    "detect_stay_points",
    "home_locations",
    "night_seconds",
]

#: Night hours (local): from 22:00 to 06:00.
DEFAULT_NIGHT: Final = (22, 6)
_DAY: Final = 86_400


def _kernel_py(
    starts: NDArray[np.int64],
    t: NDArray[np.int64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    dist_m: float,
    min_s: int,
) -> tuple[
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.float64],
    NDArray[np.float64],
]:
    n = t.shape[0]
    cap = n // 2 + 1
    first = np.empty(cap, dtype=np.int64)
    last = np.empty(cap, dtype=np.int64)
    seg = np.empty(cap, dtype=np.int64)
    mx = np.empty(cap, dtype=np.float64)
    my = np.empty(cap, dtype=np.float64)
    k = 0
    d2 = dist_m * dist_m
    n_seg = starts.shape[0]
    for s in range(n_seg):
        lo = starts[s]
        hi = starts[s + 1] if s + 1 < n_seg else n
        i = lo
        while i < hi:
            j = i + 1
            while j < hi:
                dx = x[j] - x[i]
                dy = y[j] - y[i]
                if dx * dx + dy * dy > d2:
                    break
                j += 1
            if t[j - 1] - t[i] >= min_s and j - 1 > i:
                sx = 0.0
                sy = 0.0
                for q in range(i, j):
                    sx += x[q]
                    sy += y[q]
                first[k] = i
                last[k] = j - 1
                seg[k] = s
                mx[k] = sx / (j - i)
                my[k] = sy / (j - i)
                k += 1
                i = j
            else:
                i += 1
    return seg[:k], first[:k], last[:k], mx[:k], my[:k]


_Kernel = Callable[..., tuple[Any, Any, Any, Any, Any]]
_kernel = cast(_Kernel, njit(cache=True, nogil=True)(_kernel_py))


@dataclass(frozen=True)
class StayPoints:
    """Stay points, one row each: ``device`` (pseudonym), ``x``/``y`` (mean of the
    points, metric CRS), ``arrive``/``leave`` (local seconds), ``points``."""

    device: NDArray[np.uint64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    arrive: NDArray[np.int64]
    leave: NDArray[np.int64]
    points: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.device)

    def frame(self) -> pd.DataFrame:
        """As a DataFrame (for tests and inspection; pseudonyms only)."""
        return pd.DataFrame(
            {
                "device": self.device,
                "x": self.x,
                "y": self.y,
                "arrive": self.arrive,
                "leave": self.leave,
                "points": self.points,
            }
        )


def detect_stay_points(
    device: NDArray[np.uint64],
    t: NDArray[np.int64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    distance_m: float = 200.0,
    min_duration_s: int = 600,
) -> StayPoints:
    """Stay points of every device, by the algorithm of Li et al. (2008).

    From an anchor point, the track is followed while points stay within ``distance_m``
    of the anchor; if the points so gathered span at least ``min_duration_s``, they form
    a stay point (their mean position, arriving at the anchor's time and leaving at the
    last point's), and the search goes on after them; otherwise the anchor moves one
    point on. A track that ends inside a stay closes it. (Li et al. take the first
    point beyond the distance as the leaving time; the last point within is used here,
    as in most later tools, so a gap in the data is not counted as stay.)

    The loop is compiled (numba) and runs over all devices at once.

    Parameters
    ----------
    device : array of uint64
        Device pseudonym of each record; records of one device must be contiguous.
    t : array of int64
        Time (seconds), ascending within each device.
    x, y : array of float64
        Position in a metric CRS (metres).
    distance_m : float
        Distance threshold (Li et al.: 200 m).
    min_duration_s : int
        Time threshold (seconds; Li et al.: 20 minutes; here 10 minutes by default, as
        short visits to a shop or a clinic matter for a life circle).

    Returns
    -------
    StayPoints
    """
    n = len(device)
    if n == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return StayPoints(
            np.zeros(0, np.uint64), np.zeros(0), np.zeros(0), empty_i, empty_i, empty_i
        )
    change = np.ones(n, dtype=bool)
    change[1:] = device[1:] != device[:-1]
    starts = np.flatnonzero(change).astype(np.int64)
    seg, first, last, mx, my = _kernel(
        starts,
        np.ascontiguousarray(t, dtype=np.int64),
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(y, dtype=np.float64),
        float(distance_m),
        int(min_duration_s),
    )
    return StayPoints(
        device=np.asarray(device)[starts[seg]],
        x=np.asarray(mx, dtype=np.float64),
        y=np.asarray(my, dtype=np.float64),
        arrive=np.asarray(t)[first].astype(np.int64),
        leave=np.asarray(t)[last].astype(np.int64),
        points=(last - first + 1).astype(np.int64),
    )


def _night_before(t: NDArray[np.int64], start_h: int, end_h: int) -> NDArray[np.int64]:
    """Night seconds between time 0 and ``t`` (local wall-clock seconds)."""
    day, sec = np.divmod(t, _DAY)
    s, e = start_h * 3600, end_h * 3600
    if s > e:  # the night crosses midnight: [0, e) and [s, 24h)
        per_day = e + (_DAY - s)
        within = np.minimum(sec, e) + np.maximum(sec - s, 0)
    else:
        per_day = e - s
        within = np.clip(sec, s, e) - s
    return np.asarray(day * per_day + within, dtype=np.int64)


def night_seconds(
    arrive: NDArray[np.int64], leave: NDArray[np.int64], *, night: tuple[int, int] = DEFAULT_NIGHT
) -> NDArray[np.int64]:
    """Seconds of each interval ``[arrive, leave]`` that fall in the night hours.

    Exact for intervals of any length (a cumulative night clock, no loop over days).
    """
    start_h, end_h = night
    return _night_before(leave, start_h, end_h) - _night_before(arrive, start_h, end_h)


def home_locations(
    stays: StayPoints,
    zone: NDArray[np.int64],
    *,
    night: tuple[int, int] = DEFAULT_NIGHT,
    min_night_s: int = 3600,
) -> pd.DataFrame:
    """Home of each device: the zone where it spends the most night time (the night mode).

    Parameters
    ----------
    stays : StayPoints
        Stay points of complete devices.
    zone : array of int64
        Zone index of each stay point (-1: in no zone; such stays never make a home).
    night : (int, int)
        Night hours, local (default 22 to 6).
    min_night_s : int
        Fewest night seconds in the home zone for a home to be named (default one hour).

    Returns
    -------
    pandas.DataFrame
        Indexed by device pseudonym: ``zone`` (index), ``x``/``y`` (night-time-weighted
        mean of its stays in that zone), ``night_s``. Devices without a home are absent.
        Ties between zones go to the lower zone index.
    """
    w = night_seconds(stays.arrive, stays.leave, night=night).astype(np.float64)
    keep = (w > 0) & (zone >= 0)
    if not keep.any():
        return pd.DataFrame(
            {
                "zone": pd.Series(dtype=np.int64),
                "x": pd.Series(dtype=float),
                "y": pd.Series(dtype=float),
                "night_s": pd.Series(dtype=float),
            },
            index=pd.Index([], dtype=np.uint64, name="device"),
        )
    df = pd.DataFrame(
        {
            "device": stays.device[keep],
            "zone": zone[keep],
            "w": w[keep],
            "wx": stays.x[keep] * w[keep],
            "wy": stays.y[keep] * w[keep],
        }
    )
    by = df.groupby(["device", "zone"], sort=True)[["w", "wx", "wy"]].sum().reset_index()
    # the most night time per device; sort puts the lower zone first among ties
    by = by.sort_values(["device", "w", "zone"], ascending=[True, False, True], kind="stable")
    best = by.drop_duplicates("device", keep="first")
    best = best[best["w"] >= min_night_s]
    return pd.DataFrame(
        {
            "zone": best["zone"].to_numpy(dtype=np.int64),
            "x": (best["wx"] / best["w"]).to_numpy(),
            "y": (best["wy"] / best["w"]).to_numpy(),
            "night_s": best["w"].to_numpy(),
        },
        index=pd.Index(best["device"].to_numpy(dtype=np.uint64), name="device"),
    )
