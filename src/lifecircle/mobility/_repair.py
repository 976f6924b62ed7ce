"""Constraints on circles after Leiden: contiguity, population range, target count, refinement."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from lifecircle.mobility._flowgraph import FlowGraph, Labels, relabel
from lifecircle.mobility._leiden import halves, split_two

_MAX_ROUNDS = 20
_MAX_PASSES = 20


@dataclass
class Constraints:
    """What the circles must satisfy; ``None`` leaves a bound open."""

    target_count: int | None = None
    min_pop: float | None = None
    max_pop: float | None = None
    resolution: float = 1.0
    seed: int = 0
    warnings: list[str] = field(default_factory=list)

    def warn(self, text: str) -> None:
        """Record a warning once."""
        if text not in self.warnings:
            self.warnings.append(text)


def _pops(graph: FlowGraph, labels: Labels) -> NDArray[np.float64]:
    return np.asarray(
        np.bincount(labels, weights=graph.population, minlength=int(labels.max()) + 1),
        dtype=np.float64,
    )


def _tot(graph: FlowGraph, labels: Labels) -> NDArray[np.float64]:
    return np.asarray(
        np.bincount(labels, weights=graph.strength, minlength=int(labels.max()) + 1),
        dtype=np.float64,
    )


def split_disconnected(graph: FlowGraph, labels: Labels) -> Labels:
    """Give every connected piece of a non-contiguous circle a circle of its own."""
    out = labels.copy()
    nxt = int(labels.max()) + 1
    for c in range(int(labels.max()) + 1):
        members = np.flatnonzero(labels == c)
        pieces = graph.pieces(members)
        for piece in pieces[1:]:
            out[piece] = nxt
            nxt += 1
    return relabel(out)


def _merge_gain(graph: FlowGraph, w: float, tot_c: float, tot_d: float, gamma: float) -> float:
    """Modularity gain of merging two circles joined by symmetric weight ``w``."""
    m2 = graph.two_m
    return w / (m2 / 2.0) - 2.0 * gamma * tot_c * tot_d / (m2 * m2) if m2 > 0 else 0.0


def _merge(labels: Labels, c: int, d: int) -> Labels:
    out = labels.copy()
    out[out == d] = c
    return relabel(out)


def _split(
    graph: FlowGraph, members: NDArray[np.int64], cons: Constraints
) -> list[NDArray[np.int64]] | None:
    """Two contiguous parts of a circle, each at least ``min_pop``: along the weakest flows,
    else into population halves; None when neither works."""
    for parts in (
        split_two(graph, members, resolution=cons.resolution, seed=cons.seed),
        halves(graph, members),
    ):
        if len(parts) < 2 or not all(graph.is_contiguous(p) for p in parts):
            continue
        if (
            cons.min_pop is not None
            and min(float(graph.population[p].sum()) for p in parts) < cons.min_pop
        ):
            continue
        return parts
    return None


def merge_small(graph: FlowGraph, labels: Labels, cons: Constraints) -> Labels:
    """Merge each circle below ``min_pop`` into the neighbour it gains most with."""
    assert cons.min_pop is not None
    stuck: set[tuple[int, ...]] = set()
    for _ in range(graph.n):
        pops = _pops(graph, labels)
        small = [
            int(c)
            for c in np.argsort(pops, kind="stable")
            if pops[c] < cons.min_pop and tuple(np.flatnonzero(labels == c)) not in stuck
        ]
        if not small:
            break
        c = small[0]
        between = graph.between(labels)
        tot = _tot(graph, labels)
        options = []
        for (a, b), w in between.items():
            if c in (a, b):
                d = b if a == c else a
                fits = cons.max_pop is None or pops[c] + pops[d] <= cons.max_pop
                options.append(
                    (fits, _merge_gain(graph, w, tot[c], tot[d], cons.resolution), -d, d)
                )
        if not options:
            cons.warn("有社区与其他社区均不相邻，无法并入任何生活圈（人口低于下限）。")
            stuck.add(tuple(np.flatnonzero(labels == c)))
            continue
        _, _, _, d = max(options)
        labels = _merge(labels, min(c, d), max(c, d))
    return labels


def split_large(graph: FlowGraph, labels: Labels, cons: Constraints) -> Labels:
    """Split each circle above ``max_pop`` in two along its weakest flows."""
    assert cons.max_pop is not None
    stuck: set[tuple[int, ...]] = set()
    for _ in range(graph.n):
        pops = _pops(graph, labels)
        big = [
            int(c)
            for c in np.argsort(-pops, kind="stable")
            if pops[c] > cons.max_pop and tuple(np.flatnonzero(labels == c)) not in stuck
        ]
        if not big:
            break
        members = np.flatnonzero(labels == big[0])
        parts = _split(graph, members, cons)
        if parts is None:
            if len(members) == 1:
                cons.warn("有单个社区的人口已超过人口上限，无法再拆分（社区不拆分）。")
            stuck.add(tuple(members))
            continue
        labels = labels.copy()
        labels[parts[1]] = int(labels.max()) + 1
        labels = split_disconnected(graph, labels)
    return labels


def to_count(graph: FlowGraph, labels: Labels, cons: Constraints) -> Labels:
    """Merge (strongest gain first) or split (most populous first) until the target count."""
    target = cons.target_count
    assert target is not None
    for _ in range(2 * graph.n):
        count = int(labels.max()) + 1
        if count == target:
            break
        pops = _pops(graph, labels)
        if count > target:
            tot = _tot(graph, labels)
            options = [
                (
                    cons.max_pop is None or pops[c] + pops[d] <= cons.max_pop,
                    _merge_gain(graph, w, tot[c], tot[d], cons.resolution),
                    -c,
                    -d,
                )
                for (c, d), w in graph.between(labels).items()
            ]
            if not options:
                cons.warn("生活圈之间已无相邻关系，无法合并到目标数量。")
                break
            _, _, c, d = max(options)
            labels = _merge(labels, -c, -d)
        else:
            order = [int(c) for c in np.argsort(-pops, kind="stable") if (labels == c).sum() > 1]
            done = False
            for c in order:
                parts = _split(graph, np.flatnonzero(labels == c), cons)
                if parts is None:
                    continue
                labels = labels.copy()
                labels[parts[1]] = int(labels.max()) + 1
                labels = split_disconnected(graph, labels)
                done = True
                break
            if not done and (cons.min_pop is not None or cons.max_pop is not None):
                # no split keeps both halves in range: split evenly, then let border moves
                # restore the range; keep it only if the range is no more broken than before
                before = _violation(pops, cons)
                for c in order:
                    parts = halves(graph, np.flatnonzero(labels == c))
                    if len(parts) < 2:
                        continue
                    trial = labels.copy()
                    trial[parts[1]] = int(labels.max()) + 1
                    trial = rebalance(graph, split_disconnected(graph, trial), cons)
                    if _violation(_pops(graph, trial), cons) <= before:
                        labels, done = trial, True
                        break
            if not done:
                break
    return labels


def _violation(pops: NDArray[np.float64], cons: Constraints) -> float:
    over = np.maximum(pops - cons.max_pop, 0.0).sum() if cons.max_pop is not None else 0.0
    under = np.maximum(cons.min_pop - pops, 0.0).sum() if cons.min_pop is not None else 0.0
    return float(over + under)


def rebalance(graph: FlowGraph, labels: Labels, cons: Constraints) -> Labels:
    """Move border communities out of too-big and into too-small circles.

    Each step makes the single move (a community to an adjacent circle, both circles
    staying contiguous and non-empty) that most reduces the total population outside the
    range, the strongest flow link breaking ties; it stops when no move helps.
    """
    if cons.min_pop is None and cons.max_pop is None:
        return labels
    labels = labels.copy()
    for _ in range(4 * graph.n):
        pops = _pops(graph, labels)
        now = _violation(pops, cons)
        if now <= 0:
            break
        bad = np.zeros(len(pops), dtype=bool)
        if cons.max_pop is not None:
            bad |= pops > cons.max_pop
        if cons.min_pop is not None:
            bad |= pops < cons.min_pop
        best: tuple[float, float, int, int] | None = None
        for v in range(graph.n):
            x = int(labels[v])
            near = {int(labels[w]) for w in graph.neighbours[v]} - {x}
            if not near or not (bad[x] or any(bad[y] for y in near)):
                continue
            rest = np.flatnonzero(labels == x)
            rest = rest[rest != v]
            if len(rest) == 0:
                continue
            links = graph.link(v, labels)
            for y in sorted(near):
                trial = pops.copy()
                trial[x] -= graph.population[v]
                trial[y] += graph.population[v]
                gain = now - _violation(trial, cons)
                if gain <= 1e-9:
                    continue
                key = (gain, links.get(y, 0.0) - links.get(x, 0.0), -v, y)
                if (best is None or key > best) and graph.is_contiguous(rest):
                    best = key
        if best is None:
            break
        labels[-best[2]] = best[3]
    return relabel(labels)


def refine(graph: FlowGraph, labels: Labels, cons: Constraints) -> Labels:
    """Move single communities across circle borders while modularity rises.

    A move keeps the number of circles, both circles contiguous and inside the population
    range (a move that leaves a bound no worse is allowed when it is already broken).
    """
    labels = labels.copy()
    pops = _pops(graph, labels)
    tot = _tot(graph, labels)
    sizes = np.bincount(labels)
    m2 = graph.two_m
    if m2 <= 0:
        return labels
    gamma = cons.resolution
    for _ in range(_MAX_PASSES):
        moved = 0
        for v in range(graph.n):
            x = int(labels[v])
            if sizes[x] <= 1:
                continue
            links = graph.link(v, labels)
            kv = graph.strength[v]
            base = links.get(x, 0.0) - gamma * kv * (tot[x] - kv) / m2
            best = (0.0, -1)
            for y, w in links.items():
                if y == x:
                    continue
                gain = w - gamma * kv * tot[y] / m2 - base
                if gain > best[0] + 1e-12 * m2:
                    best = (gain, y)
            y = best[1]
            if y < 0:
                continue
            pv = graph.population[v]
            if cons.max_pop is not None and pops[y] + pv > max(cons.max_pop, pops[y]):
                continue
            if cons.min_pop is not None and pops[x] - pv < min(cons.min_pop, pops[x]):
                continue
            rest = np.flatnonzero(labels == x)
            rest = rest[rest != v]
            if not graph.is_contiguous(rest):
                continue
            labels[v] = y
            pops[x] -= pv
            pops[y] += pv
            tot[x] -= kv
            tot[y] += kv
            sizes[x] -= 1
            sizes[y] += 1
            moved += 1
        if moved == 0:
            break
    return relabel(labels)


def enforce(graph: FlowGraph, labels: Labels, cons: Constraints) -> Labels:
    """Apply every constraint, then refine; repeat until nothing changes (bounded)."""
    labels = split_disconnected(graph, labels)
    for _ in range(_MAX_ROUNDS):
        before = labels.copy()
        if cons.max_pop is not None:
            labels = split_large(graph, labels, cons)
        if cons.min_pop is not None:
            labels = merge_small(graph, labels, cons)
        if cons.target_count is not None:
            labels = to_count(graph, labels, cons)
        labels = rebalance(graph, labels, cons)
        labels = split_disconnected(graph, refine(graph, labels, cons))
        if np.array_equal(before, labels):
            break
    _check(graph, labels, cons)
    return labels


def _check(graph: FlowGraph, labels: Labels, cons: Constraints) -> None:
    pops = _pops(graph, labels)
    count = int(labels.max()) + 1
    if cons.target_count is not None and count != cons.target_count:
        cons.warn(f"划出 {count} 个生活圈，未能达到目标数量 {cons.target_count}。")
    if cons.min_pop is not None and (pops < cons.min_pop).any():
        cons.warn(f"{int((pops < cons.min_pop).sum())} 个生活圈人口低于下限 {cons.min_pop:,.0f}。")
    if cons.max_pop is not None and (pops > cons.max_pop).any():
        cons.warn(f"{int((pops > cons.max_pop).sum())} 个生活圈人口高于上限 {cons.max_pop:,.0f}。")
