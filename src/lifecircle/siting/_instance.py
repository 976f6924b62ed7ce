"""A siting instance (pairs within reach, weights, fixed, capacities) and its reductions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lifecircle.siting._coverage import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class Instance:
    """Demand points, candidate sites and which pairs are within the service radius.

    ``pairs`` is demand × candidate (CSR); its stored entries are exactly the covered
    pairs and hold their walking distances.
    """

    pairs: sp.csr_matrix
    weights: FloatArray
    fixed: BoolArray
    capacities: FloatArray | None
    radius: float

    @property
    def n_demand(self) -> int:
        """Number of demand points."""
        return int(self.pairs.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites (fixed ones included)."""
        return int(self.pairs.shape[1])

    @property
    def total_weight(self) -> float:
        """All residents, reachable or not: the denominator of every share."""
        return float(self.weights.sum())

    def cover(self) -> sp.csr_matrix:
        """The pairs as a 0/1 matrix (explicit zero distances become ones)."""
        a = self.pairs.copy()
        a.data = np.ones_like(a.data)
        return a


@dataclass(frozen=True)
class Groups:
    """Demand points with identical candidate sets, merged (weights summed).

    ``cover`` is group × candidate (0/1, CSR, over the candidates ``columns`` of the
    instance); ``group_of[i]`` is the group of demand point ``i`` or -1 when it is out of
    the model (no weight, no candidate, or already covered by a fixed facility);
    ``base_weight`` is the weight covered whatever is chosen (by fixed facilities, in the
    uncapacitated model).
    """

    cover: sp.csr_matrix
    weight: FloatArray
    group_of: IntArray
    columns: IntArray
    base_weight: float

    @property
    def n_groups(self) -> int:
        """Number of merged demand groups."""
        return int(self.cover.shape[0])


def group_demand(inst: Instance, *, capacitated: bool) -> Groups:
    """Merge demand points that see the same candidates; drop those that cannot matter.

    Uncapacitated: points covered by a fixed facility are covered whatever is chosen
    (their weight is ``base_weight``) and the model sees only the free candidates.
    Capacitated: fixed facilities have limited room, so every candidate stays.
    Merging is exact for both models: the variables of two points with the same
    candidate set can be added together and split back in proportion to the weights.
    """
    cover = inst.cover()
    n_dem = inst.n_demand
    keep = inst.weights > 0
    base = 0.0
    if capacitated:
        columns = np.arange(inst.n_candidates, dtype=np.int64)
    else:
        by_fixed = np.asarray(cover[:, np.flatnonzero(inst.fixed)].sum(axis=1)).ravel() > 0
        base = float(inst.weights[by_fixed & keep].sum())
        keep &= ~by_fixed
        columns = np.flatnonzero(~inst.fixed).astype(np.int64)
        cover = sp.csr_matrix(cover[:, columns])
    keep &= np.diff(cover.indptr) > 0
    rows = np.flatnonzero(keep)
    group_of = np.full(n_dem, -1, dtype=np.int64)
    seen: dict[bytes, int] = {}
    indptr, indices = cover.indptr, cover.indices.astype(np.int64)
    first: list[int] = []
    for i in rows:
        key = indices[indptr[i] : indptr[i + 1]].tobytes()
        g = seen.get(key)
        if g is None:
            g = len(first)
            seen[key] = g
            first.append(int(i))
        group_of[i] = g
    reps = np.asarray(first, dtype=np.int64)
    weight = np.bincount(group_of[rows], weights=inst.weights[rows], minlength=len(reps))
    sub = sp.csr_matrix(cover[reps]) if len(reps) else sp.csr_matrix((0, len(columns)))
    return Groups(sub, weight.astype(np.float64), group_of, columns, base)


def uncapacitated_value(inst: Instance, open_mask: BoolArray) -> tuple[FloatArray, float]:
    """Residents served per demand point, and in total, when ``open_mask`` is open."""
    cover = inst.cover()
    hit = cover @ open_mask.astype(np.float64) > 0
    served = np.where(hit, inst.weights, 0.0)
    return served, float(served.sum())


def nearest_allocation(inst: Instance, open_mask: BoolArray) -> sp.csr_matrix:
    """Each covered demand point's whole weight, at its nearest open candidate.

    Ties between equally near facilities go to the lower candidate index.
    """
    pairs = inst.pairs
    rows = np.repeat(np.arange(inst.n_demand), np.diff(pairs.indptr))
    cols = pairs.indices.astype(np.int64)
    d = pairs.data
    ok = open_mask[cols] & (inst.weights[rows] > 0)
    rows, cols, d = rows[ok], cols[ok], d[ok]
    order = np.lexsort((cols, d, rows))
    rows, cols = rows[order], cols[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    rows, cols = rows[first], cols[first]
    return sp.csr_matrix(
        (inst.weights[rows], (rows, cols)), shape=(inst.n_demand, inst.n_candidates)
    )
