"""Maximal covering (MCLP): where p new sites serve the most residents, with capacities."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from lifecircle.errors import SchemaError
from lifecircle.siting import _cap, _uncap
from lifecircle.siting._coverage import (
    BoolArray,
    FloatArray,
    check_capacities,
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
    SOLVERS,
    Method,
    Solution,
    SolvedModel,
    SolverChoice,
    Status,
    relative_gap,
)
from lifecircle.siting.network import SnapReport, layer_instance

#: ``solver="auto"`` runs the exact MILP up to these sizes (after merging demand points)
AUTO_EXACT_MAX_PAIRS = 1_000_000
AUTO_EXACT_MAX_CANDIDATES = 2_000
AUTO_EXACT_MAX_PAIRS_CAPACITATED = 150_000
#: the heuristic's LP bound comes from HiGHS's simplex up to this many covered pairs and
#: from its interior point method beyond (simplex takes minutes on city-sized instances)
LP_BOUND_MAX_PAIRS = 100_000


class MCLP(SolvedModel):
    r"""Maximal covering location: open ``p`` new sites to serve the most residents.

    Existing facilities (``fixed``) are open and serve whoever they reach; they do not
    count towards the ``p`` new ones. A demand point is *covered* by a site within the
    service radius, boundary included (:math:`d_{ij} \le S`, the access engine's rule,
    :func:`lifecircle.siting.within_radius`).

    Uncapacitated, after Church and ReVelle (1974), as in spopt:

    .. math::

       \begin{array}{llll}
       \textbf{maximise}   & \sum_{i \in I} a_i x_i                         &                     & (1) \\
       \textbf{subject to} & x_i \le \sum_{j \in N_i} y_j                   & \forall i \in I     & (2) \\
                           & \sum_{j \in J \setminus F} y_j \le p            &                     & (3) \\
                           & y_j = 1                                        & \forall j \in F     & (4) \\
                           & x_i \in [0, 1],\ y_j \in \{0, 1\}              &                     & (5) \\
       \textbf{where}      & N_i = \{ j \in J : d_{ij} \le S \}             &                     &     \\
       \end{array}

    with :math:`a_i` the residents of demand point :math:`i`, :math:`F` the fixed sites
    and :math:`y_j = 1` when site :math:`j` is open. (:math:`x_i` may be continuous: at an
    optimum it is 1 exactly when a site covers :math:`i`.)

    Capacitated (``capacities`` :math:`C_j`): residents may be split between sites, are
    served only within the radius, and no site serves more than its capacity:

    .. math::

       \begin{array}{llll}
       \textbf{maximise}   & \sum_{i \in I} \sum_{j \in N_i} z_{ij}               &                          & (1) \\
       \textbf{subject to} & \sum_{j \in N_i} z_{ij} \le a_i                       & \forall i \in I          & (2) \\
                           & \sum_{i : j \in N_i} z_{ij} \le M_j y_j               & \forall j \in J          & (3) \\
                           & z_{ij} \le a_i y_j                                   & \forall i,\ j \in N_i    & (4) \\
                           & \sum_{j \in J \setminus F} y_j \le p,\ y_j = 1\ \forall j \in F &               & (5) \\
                           & z_{ij} \ge 0,\ y_j \in \{0, 1\}                      &                          & (6) \\
       \textbf{where}      & M_j = \min(C_j, \sum_{i : j \in N_i} a_i)             &                          &     \\
       \end{array}

    (4) is implied by (2)–(3) for integer :math:`y` and tightens the LP relaxation.

    At most ``p`` new sites open: a site that would serve nobody more is left closed
    (spopt opens exactly ``p``; its extra picks are arbitrary).

    Solving: demand points that see the same sites are merged (exact), then
    ``solver="exact"`` solves the MILP with HiGHS, started from the heuristic's answer;
    ``"heuristic"`` runs a greedy and a swap (interchange) search and reports its gap to
    a proven bound: uncapacitated, the least of a Lagrangian relaxation bound, the
    submodularity bound and the LP relaxation (HiGHS: simplex up to
    :data:`LP_BOUND_MAX_PAIRS` pairs; beyond, interior point, its duals turned into an
    exactly valid Lagrangian bound); capacitated, the LP relaxation; ``"auto"`` is exact up to :data:`AUTO_EXACT_MAX_PAIRS` covered pairs and
    :data:`AUTO_EXACT_MAX_CANDIDATES` candidates (capacitated:
    :data:`AUTO_EXACT_MAX_PAIRS_CAPACITATED` pairs), heuristic beyond.

    After :meth:`solve`: :attr:`selected`, :attr:`new_selected`, :attr:`covered_weight`,
    :attr:`covered_share`, :attr:`served`, :attr:`covered`, :attr:`n_uncovered`,
    :attr:`allocation`, :attr:`load`, :attr:`status`, :attr:`method`, :attr:`bound`,
    :attr:`gap`.

    Parameters
    ----------
    instance : Instance
        Demand points, candidate sites (fixed ones included), the pairs within the radius
        and optional capacities (:meth:`from_geodataframe`, :meth:`from_cost_matrix`).
    p_facilities : int
        Most new sites to open.
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
        p_facilities: int,
        solver: SolverChoice = "auto",
        time_limit: float | None = None,
        name: str = "mclp",
    ) -> None:
        check_radius_and_count(instance.radius, p_facilities)
        _check_solver(solver)
        self.instance = instance
        self.p_facilities = int(p_facilities)
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
        p_facilities: int,
        fixed: Any = None,
        capacities: Any = None,
        solver: SolverChoice = "auto",
        time_limit: float | None = None,
        name: str = "mclp",
    ) -> MCLP:
        """Build the model from a demand × candidate matrix of walking distances.

        Parameters
        ----------
        cost
            Demand × candidate distances in metres: a dense array with ``inf`` for
            unreachable pairs, or a scipy sparse matrix whose absent entries are
            unreachable (stored zeros are distance 0). Only pairs within the radius
            are kept, as a sparse matrix.
        weights
            Residents per demand point (non-negative).
        service_radius
            Walking distance (metres) within which a site serves a demand point
            (boundary included).
        p_facilities
            How many new sites may open (fixed ones not counted).
        fixed
            Candidates open already: indices, or a boolean mask over the columns.
        capacities
            Residents each candidate can serve (``inf``: unlimited); None for the
            uncapacitated model.
        solver
            ``"auto"``, ``"exact"`` (HiGHS MILP) or ``"heuristic"``.
        time_limit
            Seconds the solver may take (None: no limit). An exact solve stopped by it
            keeps its best answer, with status ``time_limit`` and HiGHS's bound.
        name
            The problem's name.

        Returns
        -------
        MCLP
            The model, unsolved; call :meth:`solve`.
        """
        check_radius_and_count(service_radius, p_facilities)
        pairs = coverage_pairs(cost, service_radius)
        n_dem, n_cand = pairs.shape
        inst = Instance(
            pairs=pairs,
            weights=check_weights(weights, n_dem),
            fixed=check_fixed(fixed, n_cand),
            capacities=check_capacities(capacities, n_cand),
            radius=float(service_radius),
        )
        return cls(inst, p_facilities=p_facilities, solver=solver, time_limit=time_limit, name=name)

    @classmethod
    def from_geodataframe(
        cls,
        demand_gdf: Any,
        candidate_gdf: Any,
        *,
        graph: Any,
        weights_col: str,
        service_radius: float,
        p_facilities: int,
        fixed_col: str | None = None,
        capacity_col: str | None = None,
        max_snap_m: float = 200.0,
        solver: SolverChoice = "auto",
        time_limit: float | None = None,
        name: str = "mclp",
    ) -> MCLP:
        """Build the model from demand and candidate layers over the walking network.

        Walking distances come from the access engine's kernels: both layers are
        snapped to their nearest edge (as :func:`lifecircle.access.compute_access`
        does) and a search bounded by the radius runs from every candidate
        (:func:`lifecircle.siting.walking_pairs`). Demand points that cannot be
        snapped stay in the model, unserved.

        Parameters
        ----------
        demand_gdf
            Points (or polygons: a point inside is used) with ``weights_col``, in the
            graph's CRS.
        candidate_gdf
            Candidate sites (a user layer, or
            :func:`lifecircle.siting.candidates_from_network`), in the graph's CRS.
        graph
            The walking network (:class:`lifecircle.network.WalkGraph`).
        weights_col
            Column of ``demand_gdf`` with residents.
        service_radius, p_facilities, solver, time_limit, name
            As in :meth:`from_cost_matrix`.
        fixed_col
            Boolean column of ``candidate_gdf``: sites open already.
        capacity_col
            Column of ``candidate_gdf`` with capacities (blank or ``inf``: unlimited).
        max_snap_m
            Points farther than this from every edge are not snapped.

        Returns
        -------
        MCLP
            The model, unsolved; :attr:`network` says what was snapped.
        """
        check_radius_and_count(service_radius, p_facilities)
        inst, info = layer_instance(
            demand_gdf,
            candidate_gdf,
            graph=graph,
            weights_col=weights_col,
            service_radius=service_radius,
            fixed_col=fixed_col,
            capacity_col=capacity_col,
            max_snap_m=max_snap_m,
        )
        model = cls(
            inst, p_facilities=p_facilities, solver=solver, time_limit=time_limit, name=name
        )
        model.network = info
        return model

    def solve(self, *, solver: SolverChoice | None = None, time_limit: float | None = None) -> MCLP:
        """Solve the model; returns it, with the results as attributes.

        Parameters
        ----------
        solver
            Overrides the constructor's choice.
        time_limit
            Overrides the constructor's limit (seconds).

        Returns
        -------
        MCLP
            ``self``.
        """
        choice: SolverChoice = solver or self.solver
        _check_solver(choice)
        limit = self.time_limit if time_limit is None else time_limit
        t0 = time.perf_counter()
        if self.instance.capacities is None:
            self._solution = self._solve_uncapacitated(choice, limit, t0)
        else:
            self._solution = self._solve_capacitated(choice, limit, t0)
        return self

    def _solve_uncapacitated(
        self, choice: SolverChoice, limit: float | None, t0: float
    ) -> Solution:
        inst = self.instance
        groups = group_demand(inst, capacitated=False)
        useful = _uncap.useful_columns(groups.cover)
        cover = sp.csr_matrix(groups.cover[:, useful])
        cand = groups.columns[useful]
        w = groups.weight
        p = min(self.p_facilities, len(cand))
        method = _method(choice, cover.nnz, len(cand), AUTO_EXACT_MAX_PAIRS)
        deadline = None if limit is None else t0 + limit
        opened = _uncap.greedy(cover, w, p=p)
        opened = _uncap.swap_search(cover, w, opened, deadline=deadline)
        value = _covered(cover, w, opened)
        tol = 1e-9 * max(1.0, float(w.sum()))
        status: Status = "optimal"
        bound = value
        if p > 0 and cover.nnz > 0:
            # cheap proofs first: often they close the gap and no MILP is needed
            bound, sites = _uncap.lagrangian_bound(cover, w, p, value, deadline=deadline)
            if _covered(cover, w, sites) > value + tol:  # the relaxation found better sites
                opened = _uncap.swap_search(cover, w, sites, deadline=deadline)
                value = _covered(cover, w, opened)
            bound = min(bound, _uncap.top_gain_bound(cover, w, opened, p))
        if value < bound - tol and method == "exact" and cover.nnz > LP_BOUND_MAX_PAIRS:
            # on large instances the MILP's own root LP (simplex) is slow: try the
            # interior point bound first, it may prove the heuristic optimal
            bound = min(bound, _uncap.lp_bound(cover, w, p, time_limit=_left(limit, t0)))
        if value >= bound - tol:
            pass
        elif method == "exact":
            res = _uncap.mclp_model(
                cover, w, p, relax=False, time_limit=_left(limit, t0), start=opened
            )
            mip_open = _uncap.as_mask(res.x, len(cand))
            if res.x is not None and _covered(cover, w, mip_open) >= value - tol:
                opened, value = mip_open, _covered(cover, w, mip_open)
            bound = min(bound, res.bound)
            proven = res.status == "optimal" or value >= bound - tol
            status = "optimal" if proven else "time_limit"
        else:
            if cover.nnz <= LP_BOUND_MAX_PAIRS:
                lp = _uncap.mclp_model(cover, w, p, relax=True, time_limit=_left(limit, t0))
                if lp.status == "optimal":
                    bound = min(bound, lp.objective)
            else:
                bound = min(bound, _uncap.lp_bound(cover, w, p, time_limit=_left(limit, t0)))
            status = "optimal" if value >= bound - tol else "heuristic"
        bound = max(bound, value)
        opened = _uncap.drop_redundant(cover, w, opened, value)
        open_mask = inst.fixed.copy()
        open_mask[cand[opened]] = True
        served, total = uncapacitated_value(inst, open_mask)
        bound_total = bound + groups.base_weight
        return Solution(
            open_mask=open_mask,
            served=served,
            allocation=nearest_allocation(inst, open_mask),
            status=status,
            method=method,
            bound=bound_total,
            gap=relative_gap(total, bound_total),
            seconds=time.perf_counter() - t0,
        )

    def _solve_capacitated(self, choice: SolverChoice, limit: float | None, t0: float) -> Solution:
        inst = self.instance
        assert inst.capacities is not None
        groups = group_demand(inst, capacitated=True)
        prob = _cap.CapProblem.build(groups.cover, groups.weight, inst.capacities, inst.fixed)
        p = min(self.p_facilities, int((~inst.fixed).sum()))
        method = _method(choice, prob.n_pairs, prob.n_cand, AUTO_EXACT_MAX_PAIRS_CAPACITATED)
        deadline = None if limit is None else t0 + limit
        opened, value, z = _cap.greedy(prob, p)
        opened, value, z = _cap.swap_search(prob, opened, value, z, deadline=deadline)
        tol = 1e-9 * max(1.0, float(prob.weight.sum()))
        bound = _cap.simple_bound(prob, p)
        status: Status
        if prob.n_pairs == 0:
            status = "optimal"
        elif method == "exact":
            res = _cap.model(prob, p, relax=False, time_limit=_left(limit, t0), start=(opened, z))
            if res.x is not None:
                mip_open = np.asarray(res.x[: prob.n_cand] > 0.5)
                v2, z2 = _cap.flow(prob, mip_open)
                if v2 >= value - tol:
                    opened, value, z = mip_open, v2, z2
            bound = min(bound, res.bound)
            status = "optimal" if res.status == "optimal" else "time_limit"
        else:
            lp = _cap.model(prob, p, relax=True, time_limit=_left(limit, t0))
            if lp.status == "optimal" and lp.x is not None:
                bound = min(bound, lp.objective)
                # a second start: the sites the relaxation opens most, then the same search
                o2, v2, z2 = _cap.round_relaxation(prob, p, lp.x[: prob.n_cand])
                o2, v2, z2 = _cap.swap_search(prob, o2, v2, z2, deadline=deadline)
                if v2 > value + tol:
                    opened, value, z = o2, v2, z2
            status = "optimal" if value >= bound - tol else "heuristic"
        bound = max(bound, value)
        # a new site that serves nobody in the flow is not needed
        load = np.bincount(prob.pair_cand, weights=z, minlength=prob.n_cand)
        opened = opened & (inst.fixed | (load > tol))
        alloc, served = _cap.shortest_split(inst, opened, value)
        total = float(served.sum())
        return Solution(
            open_mask=np.asarray(opened),
            served=served,
            allocation=alloc,
            status=status,
            method=method,
            bound=bound,
            gap=relative_gap(total, bound),
            seconds=time.perf_counter() - t0,
        )

    def __repr__(self) -> str:
        inst = self.instance
        head = (
            f"MCLP({self.name!r}: {inst.n_demand} demand, {inst.n_candidates} candidates, "
            f"{int(inst.fixed.sum())} fixed, p={self.p_facilities}, S={inst.radius:g}"
            f"{', capacitated' if inst.capacities is not None else ''}"
        )
        if self._solution is None:
            return head + ", unsolved)"
        return head + f", {self.status}, covered {self.covered_share:.2%})"


def _covered(cover: sp.csr_matrix, w: FloatArray, opened: BoolArray) -> float:
    return float(w[np.asarray(cover @ opened.astype(np.float64)).ravel() > 0].sum())


def _method(choice: SolverChoice, pairs: int, candidates: int, max_pairs: int) -> Method:
    if choice == "auto":
        small = pairs <= max_pairs and candidates <= AUTO_EXACT_MAX_CANDIDATES
        return "exact" if small else "heuristic"
    return "exact" if choice == "exact" else "heuristic"


def _left(limit: float | None, t0: float) -> float | None:
    """Seconds left of ``limit`` since ``t0`` (at least a moment, so HiGHS can answer)."""
    if limit is None:
        return None
    return max(0.01, limit - (time.perf_counter() - t0))


def _check_solver(solver: str) -> None:
    if solver not in SOLVERS:
        msg = f"未知的求解方式 {solver!r}"
        raise SchemaError(msg, field="solver", fix="用 auto、exact 或 heuristic。")
