"""The graph delineation works on: communities as nodes, shared flows on walkable adjacency."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix

from lifecircle.mobility.adjacency import components

Labels = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class FlowGraph:
    """Communities ``0..n-1`` with population, adjacency and flows.

    ``flows`` is the directed trip matrix (origin row, destination column, every pair);
    ``sym`` the undirected weights delineation optimises: for adjacent pairs the trips
    both ways (plus a tiny floor so that adjacency alone still joins), on the diagonal
    twice the trips that stay in the community (the convention of modularity, where a
    self-loop counts twice in the strength).
    """

    population: NDArray[np.float64]
    pairs: NDArray[np.int64]
    flows: csr_matrix
    outside: NDArray[np.float64]  # trips from each community to places outside the layer
    sym: csr_matrix = field(init=False)
    strength: NDArray[np.float64] = field(init=False)
    two_m: float = field(init=False)
    neighbours: list[NDArray[np.int64]] = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.population)
        f = self.flows
        a, b = self.pairs[:, 0], self.pairs[:, 1]
        both = np.asarray(f[a, b]).ravel() + np.asarray(f[b, a]).ravel()
        total = float(f.sum())
        floor = max(total, 1.0) * 1e-9
        diag = np.asarray(f.diagonal(), dtype=np.float64) * 2.0
        rows = np.concatenate([a, b, np.arange(n)])
        cols = np.concatenate([b, a, np.arange(n)])
        vals = np.concatenate([both + floor, both + floor, diag])
        sym = coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
        strength = np.asarray(sym.sum(axis=1), dtype=np.float64).ravel()
        nb: list[list[int]] = [[] for _ in range(n)]
        for x, y in self.pairs:
            nb[int(x)].append(int(y))
            nb[int(y)].append(int(x))
        set_ = object.__setattr__
        set_(self, "sym", sym)
        set_(self, "strength", strength)
        set_(self, "two_m", float(strength.sum()))
        set_(self, "neighbours", [np.array(sorted(v), dtype=np.int64) for v in nb])

    @property
    def n(self) -> int:
        """Number of communities."""
        return len(self.population)

    def modularity(self, labels: Labels, resolution: float) -> float:
        """Modularity of ``labels`` on the symmetric weights, at ``resolution``."""
        if self.two_m <= 0:
            return 0.0
        coo = self.sym.tocoo()
        inside = float(coo.data[labels[coo.row] == labels[coo.col]].sum())
        tot = np.bincount(labels, weights=self.strength)
        return (inside - resolution * float((tot**2).sum()) / self.two_m) / self.two_m

    def link(self, v: int, labels: Labels) -> dict[int, float]:
        """Weight from ``v`` to each circle (its own circle without the self-loop)."""
        row = self.sym.getrow(v)
        out: dict[int, float] = {}
        for j, w in zip(row.indices, row.data, strict=True):
            if j == v:
                continue
            c = int(labels[j])
            out[c] = out.get(c, 0.0) + float(w)
        return out

    def between(self, labels: Labels) -> dict[tuple[int, int], float]:
        """Symmetric weight between each pair of adjacent circles ``(c, d)``, ``c < d``."""
        out: dict[tuple[int, int], float] = {}
        coo = self.sym.tocoo()
        for i, j, w in zip(coo.row, coo.col, coo.data, strict=True):
            c, d = int(labels[i]), int(labels[j])
            if c < d:
                out[(c, d)] = out.get((c, d), 0.0) + float(w)
        return out

    def pieces(self, members: NDArray[np.int64]) -> list[NDArray[np.int64]]:
        """Connected pieces of a set of communities (largest first)."""
        return components(members, self.pairs)

    def is_contiguous(self, members: NDArray[np.int64]) -> bool:
        """Whether ``members`` form one connected piece of the adjacency."""
        return len(members) <= 1 or len(self.pieces(members)) == 1


def relabel(labels: Labels) -> Labels:
    """Circles numbered 0..c-1 in order of their first community (a canonical labelling)."""
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first, kind="stable")
    mapping = np.empty(int(labels.max()) + 1, dtype=np.int64)
    mapping[np.unique(labels)[order]] = np.arange(len(order))
    return np.asarray(mapping[labels], dtype=np.int64)
