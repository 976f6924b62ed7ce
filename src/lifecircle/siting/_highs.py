"""A thin layer over HiGHS (highspy): pass a sparse model, solve it, read value and bound."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import highspy
import numpy as np
import scipy.sparse as sp

from lifecircle.siting._coverage import BoolArray, FloatArray

Sense = Literal["max", "min"]
MipStatus = Literal["optimal", "time_limit", "infeasible", "error"]

_banner_done = False
_BANNER_LOCK = threading.Lock()


@dataclass(frozen=True)
class MipResult:
    """What HiGHS found: status, values (None when it has none), objective and bound.

    ``bound`` is HiGHS's proven bound on the optimum (the MIP dual bound, or the LP
    optimum of a relaxation); ``objective`` the value of ``x``.
    """

    status: MipStatus
    x: FloatArray | None
    objective: float
    bound: float
    row_dual: FloatArray | None = None


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 (HiGHS prints a banner on its first construction)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (some embedded hosts): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance."""
    global _banner_done
    with _BANNER_LOCK:  # threads: one silences stdout, the others wait for it
        if _banner_done:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        else:
            with _quiet_stdout():
                h = highspy.Highs()  # type: ignore[no-untyped-call]
            _banner_done = True
    h.setOptionValue("output_flag", False)
    return h


def solve(
    *,
    cost: FloatArray,
    matrix: sp.csc_matrix,
    row_lower: FloatArray,
    row_upper: FloatArray,
    col_lower: FloatArray,
    col_upper: FloatArray,
    integer: BoolArray | None,
    sense: Sense,
    time_limit: float | None = None,
    start: FloatArray | None = None,
    mip_rel_gap: float = 0.0,
    options: dict[str, str | float | bool] | None = None,
) -> MipResult:
    """Solve ``sense cost·x`` s.t. ``row_lower <= matrix x <= row_upper``, bounds on x.

    ``integer`` marks the integer columns (None or all False: a linear programme).
    ``start`` is a feasible solution handed to the MIP as its first incumbent.
    """
    n_rows, n_cols = matrix.shape
    mat = sp.csc_matrix(matrix, dtype=np.float64)
    mat.sort_indices()
    inf = highspy.kHighsInf
    is_mip = integer is not None and bool(integer.any())
    kinds = np.zeros(n_cols, dtype=np.int32)  # kContinuous
    if is_mip and integer is not None:
        kinds[np.asarray(integer, dtype=bool)] = int(highspy.HighsVarType.kInteger)
    sense_code = highspy.ObjSense.kMaximize if sense == "max" else highspy.ObjSense.kMinimize
    h = new_highs()
    # the arrays in one call: HighsLp's attributes copy element by element (~40 ns each)
    h.passModel(
        n_cols, n_rows, mat.nnz, int(highspy.MatrixFormat.kColwise), int(sense_code), 0.0,
        np.asarray(cost, dtype=np.float64),
        np.where(np.isinf(col_lower), -inf, col_lower).astype(np.float64),
        np.where(np.isinf(col_upper), inf, col_upper).astype(np.float64),
        np.where(np.isneginf(row_lower), -inf, row_lower).astype(np.float64),
        np.where(np.isposinf(row_upper), inf, row_upper).astype(np.float64),
        mat.indptr.astype(np.int32), mat.indices.astype(np.int32), mat.data, kinds,
    )  # fmt: skip
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    if is_mip:
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        h.setOptionValue("mip_abs_gap", 1e-9)
        if start is not None:
            h.setSolution(n_cols, np.arange(n_cols, dtype=np.int32), start.astype(np.float64))
    h.run()
    return _result(h, is_mip, sense)


def _result(h: highspy.Highs, is_mip: bool, sense: Sense) -> MipResult:
    status = h.getModelStatus()
    info = h.getInfo()
    worst = -np.inf if sense == "max" else np.inf
    if status == highspy.HighsModelStatus.kInfeasible:
        return MipResult("infeasible", None, worst, worst)
    has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_x else None
    objective = float(info.objective_function_value) if has_x else worst
    if status == highspy.HighsModelStatus.kOptimal:
        bound = float(info.mip_dual_bound) if is_mip else objective
        if not np.isfinite(bound):
            bound = objective
        duals = None
        if not is_mip and info.dual_solution_status == 2:
            duals = np.asarray(h.getSolution().row_dual, dtype=np.float64)
        return MipResult("optimal", x, objective, bound, duals)
    if status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt):
        bound = float(info.mip_dual_bound) if is_mip else -worst
        return MipResult("time_limit", x, objective, bound if np.isfinite(bound) else -worst)
    return MipResult("error", x, objective, -worst)
