"""Apply edits to a prepared checkup: only the homes within reach of each change are recomputed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lifecircle.whatif import _kernels
from lifecircle.whatif.state import (
    NEAREST_ID,
    NEAREST_M,
    Base,
    Field,
    IntArray,
    Points,
    by_edge,
    compute_field,
    seeds,
)


class Work:
    """The state of one scenario while its edits are applied (the base is never changed).

    Facilities and homes keep their base index; new ones are appended. Columns of
    ``Checkup.homes`` that an edit changes are copied on first write (``cols``); a
    category's field likewise (``fields``).
    """

    def __init__(self, base: Base) -> None:
        self.base = base
        self.g = base.graph
        self.homes = base.home_pts.copy()
        self.facs = base.fac_pts.copy()
        self.fac_category = base.fac_category.copy()
        self.fac_capacity = base.fac_capacity.copy()
        self.fac_ids = base.fac_ids.copy()
        self.fac_circle = base.fac_circle.copy()
        self.by_category = dict(base.by_category)  # arrays replaced, never written
        self.new_facilities: list[dict[str, Any]] = []  # rows of added facilities (by index)
        self.moved: dict[int, int] = {}  # base index -> index of its new place
        n = len(base.homes)
        self.home_ids = base.home_ids.copy()
        self.home_pop = base.home_pop.copy()
        self.home_circle = base.home_circle.copy()
        self.new_homes: list[dict[str, Any]] = []
        self.n_base_homes = n
        self.fields: dict[str, Field] = {}
        self.cols: dict[str, np.ndarray] = {}
        self.dropped: set[str] = set()
        self.changed_homes: set[int] = set()
        self.circles_touched: set[str] = set()
        self.circles_populated: set[str] = set()  # circles whose residents changed
        self.categories_changed: set[str] = set()
        self._home_csr: tuple[IntArray, IntArray] | None = None
        self._fac_csr: dict[str, tuple[IntArray, IntArray]] = {}

    # --- lookups -------------------------------------------------------------------------

    def fac_index(self, fid: str) -> int:
        """Index of the live facility with id ``fid`` (-1 when none)."""
        hit = np.flatnonzero((self.fac_ids == fid) & self.facs.alive)
        return int(hit[0]) if len(hit) else -1

    def home_index(self, hid: str) -> int:
        """Index of the live compound with id ``hid`` (-1 when none)."""
        hit = np.flatnonzero((self.home_ids == hid) & self.homes.alive)
        return int(hit[0]) if len(hit) else -1

    def fac_id_taken(self, fid: str) -> bool:
        """Whether some facility (live or removed) has id ``fid``."""
        return fid in self.base.fac_id_set or any(r["id"] == fid for r in self.new_facilities)

    def home_id_taken(self, hid: str) -> bool:
        """Whether some compound (live or removed) has id ``hid``."""
        return hid in self.base.home_id_set or any(r["id"] == hid for r in self.new_homes)

    def field(self, cat: str) -> Field:
        """This scenario's field of ``cat`` (copied from the base on first use)."""
        f = self.fields.get(cat)
        if f is None:
            if cat in self.base.by_category or cat in self.base.wanted:
                b = self.base.field(cat)
                f = Field(b.dist.copy(), b.label.copy())
            else:  # a category nobody had: its field from this scenario's facilities
                f = compute_field(self.g, self.facs, self.members(cat))
            self.fields[cat] = f
        return f

    def members(self, cat: str) -> IntArray:
        """Live facilities of ``cat`` on the network."""
        idx = self.by_category.get(cat, np.zeros(0, dtype=np.int64))
        return idx[self.facs.alive[idx] & (self.facs.edge[idx] >= 0)]

    def supplied(self, cat: str) -> bool:
        """Whether ``cat`` gets 2SFCA columns: some live facility on the network has a
        capacity (the access engine's rule)."""
        m = self.members(cat)
        return bool(len(m)) and bool(np.isfinite(self.fac_capacity[m]).any())

    def home_csr(self) -> tuple[IntArray, IntArray]:
        """Live homes on the network grouped by edge."""
        if self._home_csr is None:
            ok = np.flatnonzero(self.homes.alive & (self.homes.edge >= 0)).astype(np.int64)
            self._home_csr = by_edge(self.homes.edge[ok], ok, self.g.n_edges)
        return self._home_csr

    def fac_csr(self, cat: str) -> tuple[IntArray, IntArray]:
        """Live facilities of ``cat`` on the network grouped by edge."""
        got = self._fac_csr.get(cat)
        if got is None:
            m = self.members(cat)
            got = by_edge(self.facs.edge[m], m, self.g.n_edges)
            self._fac_csr[cat] = got
        return got

    # --- columns -------------------------------------------------------------------------

    def n_homes(self) -> int:
        """Homes so far, the removed ones included (they keep their index)."""
        return len(self.home_ids)

    def column(self, name: str) -> np.ndarray:
        """The column ``name`` to write (copied from the base on first write)."""
        col = self.cols.get(name)
        if col is None:
            if name in self.base.homes.columns:
                col = self.base.array(name).copy()
            elif name.startswith(NEAREST_M):
                col = np.full(self.n_base_homes, np.inf)
            elif name.startswith(NEAREST_ID):
                col = np.full(self.n_base_homes, None, dtype=object)
            else:  # counts, supply: zero where nothing was measured
                col = np.zeros(self.n_base_homes, dtype=np.float64)
            extra = self.n_homes() - len(col)
            if extra:
                fill = (
                    np.full(extra, None, dtype=object) if col.dtype == object else np.zeros(extra)
                )
                col = np.concatenate([col, fill.astype(col.dtype)])
            self.cols[name] = col
            self.dropped.discard(name)
        return col

    def values(self, name: str, idx: IntArray) -> np.ndarray:
        """Column ``name`` at homes ``idx`` (base, changed or new)."""
        col = self.cols.get(name)
        if col is not None:
            return col[idx]
        n = self.n_base_homes
        if name in self.base.homes.columns:
            base = self.base.array(name)
            if len(idx) == 0 or idx.max() < n:
                return base[idx]
        else:
            base = np.full(n, np.nan)
        new = {r["index"]: r.get(name, np.nan) for r in self.new_homes}
        return np.array([base[i] if i < n else new[i] for i in idx.tolist()], dtype=base.dtype)

    def rows_of(self, circle: str) -> IntArray:
        """Live homes of ``circle``, base ones first (in base order), then new ones."""
        return np.flatnonzero((self.home_circle == circle) & self.homes.alive).astype(np.int64)

    def access_columns(self) -> list[str]:
        """The access columns of this scenario's homes (base ones, new ones, not dropped)."""
        base = [c for c in self.base.homes.columns if _is_access(c)]
        extra = [c for c in self.cols if _is_access(c) and c not in base]
        return [c for c in base + extra if c not in self.dropped]

    # --- nearest -------------------------------------------------------------------------

    def reread(self, cat: str, nodes: IntArray, edges: IntArray) -> None:
        """Read again the nearest ``cat`` facility of homes near ``nodes`` / on ``edges``."""
        ptr, srt = self.home_csr()
        idx = _kernels.points_near_nodes(
            nodes.astype(np.int64), self.g.indptr, self.g.csr_edge, ptr, srt,
            edges.astype(np.int64),
        )  # fmt: skip
        if len(idx):
            self._read(cat, idx)

    def _read(self, cat: str, idx: IntArray) -> None:
        f = self.field(cat)
        fptr, fsrt = self.fac_csr(cat)
        d, lab = _kernels.read_points(
            f.dist, f.label, self.g.edge_u, self.g.edge_v, self.g.edge_length,
            self.homes.edge[idx], self.homes.offset[idx], self.homes.gap[idx],
            fptr, fsrt, self.facs.offset, self.facs.gap,
        )  # fmt: skip
        dist_col = self.column(NEAREST_M + cat)
        id_col = self.column(NEAREST_ID + cat)
        ids = np.full(len(idx), None, dtype=object)
        ids[lab >= 0] = self.fac_ids[lab[lab >= 0]]
        moved = (dist_col[idx] != d) | (id_col[idx] != ids)
        dist_col[idx] = d
        id_col[idx] = ids
        self.changed_homes.update(idx[moved].tolist())

    # --- counts and 2SFCA ----------------------------------------------------------------

    def _catchment(self, j: int) -> tuple[IntArray, np.ndarray]:
        """Homes within the largest radius of facility ``j``, and their walks."""
        ptr, srt = self.home_csr()
        g = self.g
        pts, d = _kernels.bounded(
            self.facs.edge[j], self.facs.offset[j], self.facs.gap[j], g.indptr, g.indices,
            g.weights, g.csr_edge, g.edge_u, g.edge_v, g.edge_length, ptr, srt,
            self.homes.offset, self.homes.gap, float(self.base.radii[-1]),
        )  # fmt: skip
        return pts, d

    def spread(self, cat: str, j: int, sign: int, *, supplied: bool) -> None:
        """Add (+1) or take away (-1) facility ``j``'s counts and 2SFCA supply."""
        pts, d = self._catchment(j)
        if not len(pts):
            return
        cap = float(np.nan_to_num(self.fac_capacity[j], nan=0.0))
        for r, label in enumerate(self.base.labels):
            inside = pts[d <= self.base.radii[r]]
            if not len(inside):
                continue
            self.column(f"count_{label}__{cat}")[inside] += sign
            if supplied:
                demand = float(self.home_pop[inside].sum())
                if demand > 0.0:
                    self.column(f"supply_per_1000_{label}__{cat}")[inside] += (
                        sign * cap / demand * 1000.0
                    )
        self.changed_homes.update(pts.tolist())

    def reweigh(self, cat: str, home: int, delta: float, *, new: bool = False) -> None:
        """Home ``home``'s residents change by ``delta`` (already in ``home_pop``): the
        2SFCA supply of every home sharing a facility's catchment with it changes (and a
        ``new`` home gets its own supply).

        Facilities within reach are found by a search from the home; their catchments
        by the access engine's search from each, so walks equal a full recompute.
        """
        ptr, srt = self.fac_csr(cat)
        g = self.g
        limit = float(self.base.radii[-1]) * (1 + 1e-9) + 1e-6  # either way round
        near, _ = _kernels.bounded(
            self.homes.edge[home], self.homes.offset[home], self.homes.gap[home], g.indptr,
            g.indices, g.weights, g.csr_edge, g.edge_u, g.edge_v, g.edge_length, ptr, srt,
            self.facs.offset, self.facs.gap, limit,
        )  # fmt: skip
        for j in near.tolist():
            cap = float(np.nan_to_num(self.fac_capacity[j], nan=0.0))
            pts, d = self._catchment(j)
            for r, label in enumerate(self.base.labels):
                within = d <= self.base.radii[r]
                inside = pts[within]
                if home not in set(inside.tolist()):
                    continue
                now = float(self.home_pop[inside].sum())
                before = now - delta
                r_now = cap / now if now > 0.0 else 0.0
                r_before = cap / before if before > 0.0 else 0.0
                col = self.column(f"supply_per_1000_{label}__{cat}")
                others = inside[inside != home]
                col[others] += (r_now - r_before) * 1000.0
                if new:
                    col[home] += r_now * 1000.0
                self.changed_homes.update(others.tolist())

    # --- edits ---------------------------------------------------------------------------

    def add_facility(self, row: dict[str, Any], geometry: Any, circle: str | None) -> int:
        """Add a facility (``row``: id, name, category, capacity, floor_area_m2)."""
        cat = str(row["category"])
        e, off, gap = self.base.snapper.snap(geometry)
        if e >= 0:
            self.field(cat)  # the field before this facility (copied or computed)
        was = self.supplied(cat) if cat in self.base.bounded else False
        j = self.facs.append(e, off, 0.0 if e < 0 else gap)
        self.fac_category = np.append(self.fac_category, cat)
        self.by_category[cat] = np.append(
            self.by_category.get(cat, np.zeros(0, dtype=np.int64)), np.int64(j)
        )
        cap = row.get("capacity")
        self.fac_capacity = np.append(self.fac_capacity, np.nan if cap is None else float(cap))
        self.fac_ids = np.append(self.fac_ids, str(row["id"]))
        self.fac_circle = np.append(self.fac_circle, np.array([circle], dtype=object))
        self.new_facilities.append({**row, "circle_id": circle, "geometry": geometry, "index": j})
        self.categories_changed.add(cat)
        if circle is not None:
            self.circles_touched.add(circle)
        if e < 0:
            return j
        self._fac_csr.pop(cat, None)
        f = self.fields[cat]
        node, dist, lab = seeds(self.g, self.facs, np.array([j], dtype=np.int64))
        g = self.g
        changed = _kernels.lower(g.indptr, g.indices, g.weights, f.dist, f.label, node, dist, lab)
        self.reread(cat, changed, np.array([e], dtype=np.int64))
        if cat in self.base.bounded:
            now = self.supplied(cat)
            if now and not was:  # capacities appear: every other one is blank (0)
                for label in self.base.labels:
                    self.column(f"supply_per_1000_{label}__{cat}")[:] = 0.0
            self.spread(cat, j, +1, supplied=now)
        return j

    def remove_facility(self, j: int) -> None:
        """Remove facility ``j``."""
        cat = str(self.fac_category[j])
        self.categories_changed.add(cat)
        circle = self.fac_circle[j]
        if circle is not None and not pd.isna(circle):
            self.circles_touched.add(str(circle))
        e = int(self.facs.edge[j])
        if e < 0:
            self.facs.alive[j] = False
            return
        self.field(cat)
        supplied = self.supplied(cat) if cat in self.base.bounded else False
        if cat in self.base.bounded:
            self.spread(cat, j, -1, supplied=supplied)
        self.facs.alive[j] = False
        self._fac_csr.pop(cat, None)
        f = self.fields[cat]
        node, dist, lab = seeds(self.g, self.facs, self.members(cat))
        g = self.g
        cell = _kernels.repair(
            g.indptr, g.indices, g.weights, f.dist, f.label, np.int64(j), node, dist, lab
        )
        self.reread(cat, cell, np.array([e], dtype=np.int64))
        if supplied and not self.supplied(cat):  # no capacity left: no 2SFCA columns
            for label in self.base.labels:
                name = f"supply_per_1000_{label}__{cat}"
                self.cols.pop(name, None)
                self.dropped.add(name)

    def add_home(self, row: dict[str, Any], geometry: Any, categories: list[str]) -> int:
        """Add a compound (``row``: every column of ``Checkup.homes`` but access ones)."""
        e, off, gap = self.base.snapper.snap(geometry)
        for name in self.access_columns():
            self.column(name)  # every access column is written for the new row
        i = self.homes.append(e, off, 0.0 if e < 0 else gap)
        pop = float(row["population"])
        self.home_ids = np.append(self.home_ids, str(row["id"]))
        self.home_pop = np.append(self.home_pop, pop)
        self.home_circle = np.append(self.home_circle, str(row["circle_id"]))
        on = e >= 0
        self.new_homes.append(
            {
                **row,
                "snap_m": gap if on else np.nan,
                "component": int(self.g.component[self.g.edge_u[e]]) if on else np.nan,
                "geometry": geometry,
                "index": i,
            }
        )
        for name, col in list(self.cols.items()):
            fill: Any = np.inf if name.startswith(NEAREST_M) else None
            if not name.startswith((NEAREST_M, NEAREST_ID)):
                fill = 0
            self.cols[name] = np.append(col, np.array([fill], dtype=col.dtype))
        self._home_csr = None
        self.changed_homes.add(i)
        self.circles_touched.add(str(row["circle_id"]))
        self.circles_populated.add(str(row["circle_id"]))
        if not on:
            return i
        idx = np.array([i], dtype=np.int64)
        for cat in categories:
            self._read(cat, idx)
        for cat in sorted(self.base.bounded):
            if cat not in categories:
                continue
            self._count_new_home(cat, i)
            if self.supplied(cat):
                self.reweigh(cat, i, pop, new=True)
                self.categories_changed.add(cat)  # others' 2SFCA supply moved
        return i

    def _count_new_home(self, cat: str, i: int) -> None:
        ptr, srt = self.fac_csr(cat)
        g = self.g
        limit = float(self.base.radii[-1]) * (1 + 1e-9) + 1e-6
        near, _ = _kernels.bounded(
            self.homes.edge[i], self.homes.offset[i], self.homes.gap[i], g.indptr, g.indices,
            g.weights, g.csr_edge, g.edge_u, g.edge_v, g.edge_length, ptr, srt,
            self.facs.offset, self.facs.gap, limit,
        )  # fmt: skip
        for j in near.tolist():
            pts, d = self._catchment(j)  # the walk as the engine measures it: from j
            hit = d[pts == i]
            if not len(hit):
                continue
            for r, label in enumerate(self.base.labels):
                if hit[0] <= self.base.radii[r]:
                    self.column(f"count_{label}__{cat}")[i] += 1

    def remove_home(self, i: int) -> None:
        """Remove compound ``i``; facilities near it lose its residents from their demand."""
        circle = str(self.home_circle[i])
        self.circles_touched.add(circle)
        self.circles_populated.add(circle)
        pop = float(self.home_pop[i])
        if self.homes.edge[i] >= 0 and pop > 0:
            self.home_pop[i] = 0.0
            for cat in sorted(self.base.bounded):
                if self.supplied(cat):
                    self.reweigh(cat, i, -pop)
                    self.categories_changed.add(cat)
        self.home_pop[i] = 0.0
        self.homes.alive[i] = False
        self._home_csr = None


def _is_access(name: str) -> bool:
    return name.startswith((NEAREST_M, NEAREST_ID, "count_", "supply_per_1000_"))


__all__ = ["Points", "Work"]
