"""Fewest to pass: the fewest new sites (and where) that bring coverage up to a target share."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from lifecircle.errors import LifecircleError, SchemaError
from lifecircle.siting import _uncap
from lifecircle.siting._coverage import (
    check_fixed,
    check_radius_and_count,
    check_weights,
    coverage_pairs,
)
from lifecircle.siting._instance import (
    Instance,
    group_demand,
    nearest_allocation,
    uncapacitated_value,
)
from lifecircle.siting._solution import (
    Solution,
    SolvedModel,
    SolverChoice,
    Status,
)
from lifecircle.siting.mclp import (
    AUTO_EXACT_MAX_PAIRS,
    LP_BOUND_MAX_PAIRS,
    _check_solver,
    _left,
    _method,
)
from lifecircle.siting.network import SnapReport, layer_instance


class TargetUnreachable(LifecircleError):
    """Even with every candidate open, coverage stays below the target share.

    ``best_share`` is the most that can be reached (every candidate open), ``best_weight``
    the residents that makes, ``target_share`` what was asked.
    """

    def __init__(
        self,
        *,
        target_share: float,
        best_share: float,
        best_weight: float,
        total_weight: float,
        n_candidates: int,
        service_radius: float,
    ) -> None:
        self.target_share = target_share
        self.best_share = best_share
        self.best_weight = best_weight
        self.total_weight = total_weight
        self.n_candidates = n_candidates
        self.service_radius = service_radius
        self.fix = "增加候选点（如盘活闲置物业、新增用地），或核对服务半径与步行路网是否完整。"
        message = (
            f"目标无法达到：要求覆盖 {target_share:.1%} 的居民，但即使 {n_candidates} 个候选点"
            f"全部启用，{service_radius:g} 米步行范围内最多覆盖 {best_share:.1%}"
            f"（{best_weight:,.0f} / {total_weight:,.0f} 人）。"
        )
        super().__init__(message + f" 建议：{self.fix}")
        self.message = message


class FewestToPass(SolvedModel):
    r"""The fewest new sites that bring the covered share of residents up to a target.

    A partial set-covering model (the location set covering problem, LSCP, asked to
    cover a share :math:`\tau` of all residents instead of everyone). Fixed sites are
    open and count towards coverage, not towards the number minimised:

    .. math::

       \begin{array}{llll}
       \textbf{minimise}   & \sum_{j \in J \setminus F} y_j                 &                 & (1) \\
       \textbf{subject to} & x_i \le \sum_{j \in N_i} y_j                   & \forall i \in I & (2) \\
                           & \sum_{i \in I} a_i x_i \ge \tau \sum_{i \in I} a_i &             & (3) \\
                           & y_j = 1                                        & \forall j \in F & (4) \\
                           & x_i \in [0, 1],\ y_j \in \{0, 1\}              &                 & (5) \\
       \textbf{where}      & N_i = \{ j \in J : d_{ij} \le S \}             &                 &     \\
       \end{array}

    The total in (3) counts every resident, reachable or not. Coverage follows the
    access engine's boundary rule (:math:`d \le S`). When the target cannot be reached
    even with every candidate open, :meth:`solve` raises :class:`TargetUnreachable`
    (Chinese message, with the best share reachable).

    ``solver="exact"`` solves the MILP with HiGHS (started from the heuristic), unless a
    bound below already proves the heuristic's count the fewest;
    ``"heuristic"`` adds the site covering the most until the target is met, then closes
    sites that turned out redundant, and reports a lower bound on the count: the fewest
    sites whose standalone coverage could reach the target, and the LP relaxation
    rounded up (HiGHS; on large instances, the largest count whose Lagrangian
    maximal-covering bound stays below the target). ``"auto"``
    is exact up to the sizes of :class:`lifecircle.siting.MCLP`.

    After :meth:`solve`: :attr:`n_new`, :attr:`selected`, :attr:`new_selected`,
    :attr:`covered_weight`, :attr:`covered_share`, :attr:`status`, :attr:`bound` (a
    lower bound on the number of new sites), :attr:`gap`.

    Parameters
    ----------
    instance : Instance
        Demand points, candidate sites (fixed ones included) and the pairs within the
        radius; no capacities.
    target_share : float
        Share of all residents (0 to 1) to be covered.
    solver : {"auto", "exact", "heuristic"}
        How to solve (see below).
    time_limit : float, optional
        Seconds the exact solver may take.
    name : str
        The model's name in logs and results.
    """

    #: from ``from_geodataframe``: which points met the network (:class:`SnapReport`)
    network: SnapReport | None = None

    def __init__(
        self,
        instance: Instance,
        *,
        target_share: float,
        solver: SolverChoice = "auto",
        time_limit: float | None = None,
        name: str = "fewest",
    ) -> None:
        if not (0.0 <= target_share <= 1.0):
            msg = f"目标覆盖率须在 0 到 1 之间，现为 {target_share}"
            raise SchemaError(msg, field="target_share", fix="例如 0.9 表示 90%。")
        if instance.capacities is not None:
            msg = "最少新增设施模型不考虑容量"
            raise SchemaError(
                msg, field="capacities", fix="去掉 capacities，或用 MCLP 求容量约束下的覆盖。"
            )
        _check_solver(solver)
        self.instance = instance
        self.target_share = float(target_share)
        self.solver: SolverChoice = solver
        self.time_limit = time_limit
        self.name = name
        self._solution = None

    @classmethod
    def from_cost_matrix(
        cls,
        cost: Any,
        weights: Any,
        *,
        service_radius: float,
        target_share: float,
        fixed: Any = None,
        solver: SolverChoice = "auto",
        time_limit: float | None = None,
        name: str = "fewest",
    ) -> FewestToPass:
        """Build the model from a demand × candidate matrix of walking distances.

        Parameters
        ----------
        cost
            Demand × candidate distances in metres (dense with ``inf``, or sparse; see
            :meth:`lifecircle.siting.MCLP.from_cost_matrix`).
        weights
            Residents per demand point.
        service_radius
            Walking distance (metres) within which a site covers a point (boundary
            included).
        target_share
            Share of all residents to cover, 0–1 (e.g. an indicator's threshold).
        fixed
            Candidates open already (indices or boolean mask).
        solver, time_limit, name
            As in :meth:`lifecircle.siting.MCLP.from_cost_matrix`.

        Returns
        -------
        FewestToPass
            The model, unsolved; call :meth:`solve`.
        """
        check_radius_and_count(service_radius, None)
        pairs = coverage_pairs(cost, service_radius)
        n_dem, n_cand = pairs.shape
        inst = Instance(
            pairs=pairs,
            weights=check_weights(weights, n_dem),
            fixed=check_fixed(fixed, n_cand),
            capacities=None,
            radius=float(service_radius),
        )
        return cls(inst, target_share=target_share, solver=solver, time_limit=time_limit, name=name)

    @classmethod
    def from_geodataframe(
        cls,
        demand_gdf: Any,
        candidate_gdf: Any,
        *,
        graph: Any,
        weights_col: str,
        service_radius: float,
        target_share: float,
        fixed_col: str | None = None,
        max_snap_m: float = 200.0,
        solver: SolverChoice = "auto",
        time_limit: float | None = None,
        name: str = "fewest",
    ) -> FewestToPass:
        """Build the model from layers over the walking network.

        Parameters
        ----------
        demand_gdf, candidate_gdf, graph, weights_col, service_radius, fixed_col, max_snap_m
            As for :meth:`lifecircle.siting.MCLP.from_geodataframe` (no capacities).
        target_share : float
            Share of all residents (0 to 1) to be covered.
        solver, time_limit, name
            As for the constructor.

        Returns
        -------
        FewestToPass
            The model, unsolved.
        """
        inst, info = layer_instance(
            demand_gdf,
            candidate_gdf,
            graph=graph,
            weights_col=weights_col,
            service_radius=service_radius,
            fixed_col=fixed_col,
            capacity_col=None,
            max_snap_m=max_snap_m,
        )
        model = cls(
            inst, target_share=target_share, solver=solver, time_limit=time_limit, name=name
        )
        model.network = info
        return model

    @property
    def n_new(self) -> int:
        """Number of new sites in the solution."""
        return len(self.new_selected)

    def solve(
        self, *, solver: SolverChoice | None = None, time_limit: float | None = None
    ) -> FewestToPass:
        """Solve the model; returns it. Raises :class:`TargetUnreachable` when infeasible.

        Parameters
        ----------
        solver
            Overrides the constructor's choice.
        time_limit
            Overrides the constructor's limit (seconds).

        Returns
        -------
        FewestToPass
            ``self``.
        """
        choice: SolverChoice = solver or self.solver
        _check_solver(choice)
        limit = self.time_limit if time_limit is None else time_limit
        t0 = time.perf_counter()
        inst = self.instance
        groups = group_demand(inst, capacitated=False)
        useful = _uncap.useful_columns(groups.cover)
        cover = sp.csr_matrix(groups.cover[:, useful])
        cand = groups.columns[useful]
        w = groups.weight
        total = inst.total_weight
        tol = 1e-9 * max(1.0, total)
        deficit = self.target_share * total - groups.base_weight
        best = groups.base_weight + float(w[np.diff(cover.indptr) > 0].sum())
        if best < self.target_share * total - tol:
            raise TargetUnreachable(
                target_share=self.target_share,
                best_share=best / total if total > 0 else 1.0,
                best_weight=best,
                total_weight=total,
                n_candidates=inst.n_candidates,
                service_radius=inst.radius,
            )
        method = _method(choice, cover.nnz, len(cand), AUTO_EXACT_MAX_PAIRS)
        opened = np.zeros(len(cand), dtype=bool)
        status: Status = "optimal"
        bound = 0.0
        if deficit > tol:
            opened = _uncap.greedy(cover, w, target=deficit - tol)
            opened = _uncap.drop_redundant(cover, w, opened, deficit)
            bound = float(_uncap.fewest_count_bound(cover, w, deficit))
            found = int(opened.sum())
            if (
                method == "exact"
                and bound < found
                and _proves_count(cover, w, deficit - tol, found)
            ):
                bound = float(found)  # the heuristic's count is proven: no MILP can use fewer
            if method == "exact" and bound < found:
                res = _uncap.fewest_model(
                    cover, w, deficit - tol, relax=False, time_limit=limit, start=opened
                )
                mip_open = _uncap.as_mask(res.x, len(cand))
                better = res.x is not None and mip_open.sum() <= opened.sum()
                if better and _covered(cover, w, mip_open) >= deficit - tol:
                    opened = mip_open
                bound = max(bound, math.ceil(res.bound - 1e-6))
                status = "optimal" if res.status == "optimal" else "time_limit"
            elif bound < opened.sum():  # else proven already: no relaxation can say more
                bound = max(
                    bound, _count_bound(cover, w, deficit - tol, int(opened.sum()), t0, limit)
                )
                status = "optimal" if opened.sum() <= bound else "heuristic"
        open_mask = inst.fixed.copy()
        open_mask[cand[opened]] = True
        served, _ = uncapacitated_value(inst, open_mask)
        n = float(opened.sum())
        self._solution = Solution(
            open_mask=open_mask,
            served=served,
            allocation=nearest_allocation(inst, open_mask),
            status=status,
            method=method,
            bound=bound,
            gap=(n - bound) / n if n > 0 else 0.0,
            seconds=time.perf_counter() - t0,
        )
        return self

    def __repr__(self) -> str:
        inst = self.instance
        head = (
            f"FewestToPass({self.name!r}: {inst.n_demand} demand, {inst.n_candidates} "
            f"candidates, {int(inst.fixed.sum())} fixed, target {self.target_share:.1%}, "
            f"S={inst.radius:g}"
        )
        if self._solution is None:
            return head + ", unsolved)"
        return head + f", {self.n_new} new, {self.status}, covered {self.covered_share:.2%})"


def _count_bound(
    cover: sp.csr_matrix, w: Any, deficit: float, found: int, t0: float, limit: float | None
) -> int:
    """A lower bound on the number of sites that cover ``deficit``.

    Small instances: HiGHS's LP relaxation, rounded up. Larger: a search over ``p`` for
    the largest number of sites whose maximal-covering upper bound (Lagrangian, valid
    for any multipliers) stays below ``deficit``: no such set can reach the target.
    """
    if cover.nnz <= LP_BOUND_MAX_PAIRS:
        if _fewer_fall_short(cover, w, deficit, found):
            return found  # what the LP's bound rounds up to then, without solving it
        lp = _uncap.fewest_model(cover, w, deficit, relax=True, time_limit=_left(limit, t0))
        return math.ceil(lp.objective - 1e-6) if lp.status == "optimal" else 0
    lo, hi = _uncap.fewest_count_bound(cover, w, deficit), found
    deadline = None if limit is None else t0 + limit
    while lo < hi:  # invariant: fewer than lo sites cannot reach the deficit
        mid = (lo + hi) // 2
        reach = _covered(cover, w, _uncap.greedy(cover, w, p=mid))
        upper, _ = _uncap.lagrangian_bound(cover, w, mid, reach, iterations=200, deadline=deadline)
        if upper < deficit:
            lo = mid + 1
        else:
            hi = mid
        if deadline is not None and time.perf_counter() > deadline:
            break
    return lo


#: how far past ``found - 1`` sites `_fewer_fall_short` proves the shortfall
_PAST = 1e-3


def _proves_count(cover: sp.csr_matrix, w: Any, deficit: float, found: int) -> bool:
    """Whether ``found`` sites are proven the fewest that cover ``deficit``: no ``found - 1``
    sites, even fractional ones, do (`_fewer_fall_short`). Checked before the MILP: in the
    demo's checkup it proved the heuristic's count in each of 65 models, whose MILPs took
    4.3 CPU s and only confirmed it."""
    return cover.nnz > 0 and _fewer_fall_short(cover, w, deficit, found)


def _fewer_fall_short(cover: sp.csr_matrix, w: Any, deficit: float, found: int) -> bool:
    """Whether no ``found - 1`` sites, even fractional ones, cover ``deficit``.

    The Lagrangian bound of the maximal covering with ``p = found - 1`` sites bounds its
    LP relaxation from above; the relaxation gains at most the largest site's weight per
    extra site, so a bound below ``deficit`` by ``_PAST`` of that weight means the LP
    relaxation of the fewest model needs more than ``found - 1 + _PAST`` sites: its
    bound, rounded up, is ``found`` (a proof of the count ``found`` found). A few
    milliseconds where the LP takes tens; when it proves nothing the LP is solved.
    """
    p = found - 1
    if p < 1 or cover.shape[1] == 0:
        return False
    single = np.asarray(cover.T @ w).ravel()
    reach = _covered(cover, w, _uncap.greedy(cover, w, p=p))
    upper, _ = _uncap.lagrangian_bound(cover, w, p, reach, iterations=200)
    return bool(upper + _PAST * float(single.max()) < deficit)


def _covered(cover: sp.csr_matrix, w: Any, opened: Any) -> float:
    return float(w[np.asarray(cover @ opened.astype(np.float64)).ravel() > 0].sum())
