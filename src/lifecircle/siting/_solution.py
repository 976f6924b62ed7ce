"""What a solved siting model holds, and the attributes both models share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from lifecircle.siting._coverage import BoolArray, FloatArray, IntArray
from lifecircle.siting._instance import Instance

Method = Literal["exact", "heuristic"]
Status = Literal["optimal", "heuristic", "time_limit"]
SolverChoice = Literal["auto", "exact", "heuristic"]
SOLVERS: tuple[str, ...] = ("auto", "exact", "heuristic")


@dataclass(frozen=True)
class Solution:
    """The sites opened and the residents they serve.

    ``bound`` is a proven bound on the optimum of the model's objective (an upper bound
    on residents served for maximal covering, a lower bound on the number of new sites
    for fewest-to-pass); ``gap`` is the relative distance from the solution to it.
    """

    open_mask: BoolArray
    served: FloatArray
    allocation: sp.csr_matrix
    status: Status
    method: Method
    bound: float
    gap: float
    seconds: float


def relative_gap(value: float, bound: float) -> float:
    """``|bound - value| / |bound|`` (0 when both are 0), never negative."""
    if bound == 0:
        return 0.0 if value == 0 else 1.0
    return max(0.0, abs(bound - value) / abs(bound))


class SolvedModel:
    """Attributes read after ``.solve()``: the selection, coverage and solver figures."""

    instance: Instance
    _solution: Solution | None = None

    @property
    def solution(self) -> Solution:
        """The raw solution; raises before ``.solve()``."""
        if self._solution is None:
            msg = "模型尚未求解：请先调用 .solve()"
            raise AttributeError(msg)
        return self._solution

    @property
    def selected(self) -> IntArray:
        """Candidate indices open in the solution, fixed ones included, sorted."""
        return np.flatnonzero(self.solution.open_mask).astype(np.int64)

    @property
    def new_selected(self) -> IntArray:
        """Candidate indices opened by the solution (fixed ones left out), sorted."""
        return np.flatnonzero(self.solution.open_mask & ~self.instance.fixed).astype(np.int64)

    @property
    def fixed(self) -> IntArray:
        """Candidate indices open before (given as ``fixed``), sorted."""
        return np.flatnonzero(self.instance.fixed).astype(np.int64)

    @property
    def served(self) -> FloatArray:
        """Residents served, per demand point (all of its weight when uncapacitated)."""
        return self.solution.served

    @property
    def covered_weight(self) -> float:
        """Residents served in total (within the radius of an open site, within capacity)."""
        return float(self.solution.served.sum())

    @property
    def total_weight(self) -> float:
        """All residents, reachable or not."""
        return self.instance.total_weight

    @property
    def uncovered_weight(self) -> float:
        """Residents not served."""
        return self.total_weight - self.covered_weight

    @property
    def covered_share(self) -> float:
        """Share of all residents served (0–1); 1 when there are no residents."""
        total = self.total_weight
        return self.covered_weight / total if total > 0 else 1.0

    @property
    def covered(self) -> BoolArray:
        """Per demand point: wholly served (within reach of an open site with room)."""
        sol = self.solution
        w = self.instance.weights
        reach = np.asarray(self.instance.cover() @ sol.open_mask.astype(np.float64)).ravel() > 0
        return np.asarray(reach & (sol.served >= w * (1 - 1e-9)))

    @property
    def n_uncovered(self) -> int:
        """Demand points not wholly served (spopt's ``n_cli_uncov``)."""
        return int((~self.covered).sum())

    @property
    def allocation(self) -> sp.csr_matrix:
        """Demand × candidate residents served.

        Uncapacitated: each covered point wholly at its nearest open site. Capacitated:
        among the splits that serve the most residents, the one with the least total
        walking (resident × metre).
        """
        return self.solution.allocation

    @property
    def load(self) -> FloatArray:
        """Residents served by each candidate (0 for closed ones)."""
        return np.asarray(self.solution.allocation.sum(axis=0), dtype=np.float64).ravel()

    @property
    def status(self) -> Status:
        """``optimal`` (proven), ``heuristic`` (gap > 0 to ``bound``) or ``time_limit``."""
        return self.solution.status

    @property
    def method(self) -> Method:
        """``exact`` (HiGHS MILP) or ``heuristic`` (greedy and interchange)."""
        return self.solution.method

    @property
    def bound(self) -> float:
        """A proven bound on the optimum (see :class:`Solution`)."""
        return self.solution.bound

    @property
    def gap(self) -> float:
        """Relative gap between the solution and :attr:`bound` (0 when proven optimal)."""
        return self.solution.gap

    @property
    def seconds(self) -> float:
        """Time spent in ``.solve()``."""
        return self.solution.seconds
