"""The coverage rule (d <= r) and the sparse demand × candidate matrix of pairs within reach."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from lifecircle.errors import SchemaError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: rows of a dense cost matrix turned into pairs at a time (bounds the boolean mask's size)
_DENSE_CHUNK_CELLS = 4_000_000


def within_radius(distance: Any, radius: float) -> Any:
    """Whether a walk of ``distance`` metres lies within ``radius``: ``distance <= radius``.

    The one boundary rule of the siting room, and the access engine's
    (:func:`lifecircle.access.compute_access` counts a facility at exactly the radius
    as inside): a demand point at exactly the service radius is covered. Works on
    scalars and arrays; ``inf`` (unreachable) is never within.

    Parameters
    ----------
    distance : float or numpy.ndarray
        Walking distances in metres (``inf`` where unreachable).
    radius : float
        The service radius in metres.

    Returns
    -------
    bool or numpy.ndarray of bool
        ``distance <= radius``, elementwise.
    """
    return np.less_equal(distance, radius)


def coverage_pairs(cost: Any, radius: float, *, name: str = "cost") -> sp.csr_matrix:
    """The pairs of ``cost`` within ``radius``, as a CSR matrix of their distances.

    Parameters
    ----------
    cost
        Demand × candidate walking distances (metres). A dense array (``inf`` for
        unreachable pairs) or a scipy sparse matrix, whose *absent* entries are
        unreachable and whose stored entries (explicit zeros included) are distances.
    radius
        Service radius (metres); pairs with ``d <= radius`` are kept
        (:func:`within_radius`).
    name
        What to call ``cost`` in error messages.

    Returns
    -------
    scipy.sparse.csr_matrix
        Same shape as ``cost``, float64; stored entries are exactly the covered pairs
        (a pair at distance 0 is stored as an explicit zero), column indices sorted.
    """
    if not np.isfinite(radius) or radius < 0:
        msg = f"服务半径须为非负的有限数（米），现为 {radius}"
        raise SchemaError(msg, field="service_radius", fix="例如 service_radius=1000。")
    if sp.issparse(cost):
        return _from_sparse(cost, radius, name)
    arr = np.asarray(cost, dtype=np.float64)
    if arr.ndim != 2:
        msg = f"{name} 应为二维矩阵（需求点 × 候选点），现为 {arr.ndim} 维"
        raise SchemaError(msg, field=name, fix="每行一个需求点，每列一个候选点。")
    _check_values(arr, name)
    n_rows, n_cols = arr.shape
    step = max(1, _DENSE_CHUNK_CELLS // max(n_cols, 1))
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    cols: list[IntArray] = []
    data: list[FloatArray] = []
    for lo in range(0, n_rows, step):
        block = arr[lo : lo + step]
        rr, cc = np.nonzero(within_radius(block, radius))
        indptr[lo + 1 : lo + 1 + len(block)] = np.bincount(rr, minlength=len(block))
        cols.append(cc.astype(np.int64))
        data.append(block[rr, cc])
    np.cumsum(indptr, out=indptr)
    return sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0),
            np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64),
            indptr,
        ),
        shape=(n_rows, n_cols),
    )


def _from_sparse(cost: Any, radius: float, name: str) -> sp.csr_matrix:
    mat = sp.csr_matrix(cost, dtype=np.float64, copy=True)
    mat.sum_duplicates()
    _check_values(mat.data, name)
    keep = within_radius(mat.data, radius)
    if not keep.all():
        rows = np.repeat(np.arange(mat.shape[0]), np.diff(mat.indptr))[keep]
        mat = sp.csr_matrix(
            (mat.data[keep], mat.indices[keep], _indptr(rows, mat.shape[0])), shape=mat.shape
        )
    mat.sort_indices()
    return mat


def _indptr(rows: IntArray, n_rows: int) -> IntArray:
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=ptr[1:])
    return ptr


def _check_values(values: FloatArray, name: str) -> None:
    if np.isnan(values).any():
        msg = f"{name} 含空值（NaN）"
        raise SchemaError(msg, field=name, fix="不可达的点对请用 inf（或在稀疏矩阵中不存）。")
    if (values < 0).any():
        msg = f"{name} 含负距离"
        raise SchemaError(msg, field=name, fix="距离须为非负的米数。")


def check_weights(weights: Any, n_demand: int, *, field: str = "weights") -> FloatArray:
    """Demand weights as float64: one finite non-negative number per demand point."""
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(w) != n_demand:
        msg = f"{field} 有 {len(w)} 个值，但需求点有 {n_demand} 个"
        raise SchemaError(msg, field=field, fix="每个需求点（成本矩阵的一行）一个权重。")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        msg = f"权重须为非负的有限数，第 {row} 个为 {w[row - 1]}"
        raise SchemaError(msg, row=row, field=field, fix="填入该点的居民数（无人时填 0）。")
    return w


def check_fixed(fixed: Any, n_candidates: int) -> BoolArray:
    """Open-already candidates as a mask; accepts indices or a boolean mask."""
    mask = np.zeros(n_candidates, dtype=bool)
    if fixed is None:
        return mask
    arr = np.asarray(fixed).reshape(-1)
    if arr.dtype == bool:
        if len(arr) != n_candidates:
            msg = f"fixed 掩码有 {len(arr)} 个值，但候选点有 {n_candidates} 个"
            raise SchemaError(msg, field="fixed", fix="每个候选点一个真/假值，或给出下标列表。")
        return arr.copy()
    if len(arr) and not np.issubdtype(arr.dtype, np.integer):
        msg = "fixed 应为候选点下标（整数）或布尔掩码"
        raise SchemaError(msg, field="fixed", fix="例如 fixed=[0, 5]。")
    idx = arr.astype(np.int64)
    if len(idx) and (idx.min() < 0 or idx.max() >= n_candidates):
        msg = f"fixed 中的下标超出候选点范围 0–{n_candidates - 1}"
        raise SchemaError(msg, field="fixed", fix="下标从 0 开始，按成本矩阵的列编号。")
    mask[idx] = True
    return mask


def check_capacities(capacities: Any, n_candidates: int) -> FloatArray | None:
    """Per-candidate capacities (``inf`` = unlimited), or None for an uncapacitated model."""
    if capacities is None:
        return None
    cap = np.asarray(capacities, dtype=np.float64).reshape(-1)
    if len(cap) != n_candidates:
        msg = f"capacities 有 {len(cap)} 个值，但候选点有 {n_candidates} 个"
        raise SchemaError(msg, field="capacities", fix="每个候选点一个容量（不限时填 inf）。")
    bad = np.isnan(cap) | (cap < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        msg = f"容量须为非负数（不限填 inf），第 {row} 个为 {cap[row - 1]}"
        raise SchemaError(msg, row=row, field="capacities", fix="填入该设施可服务的居民数。")
    return cap


def check_radius_and_count(service_radius: float, p_facilities: int | None) -> None:
    """Common checks of the model's scalar options."""
    if not np.isfinite(service_radius) or service_radius < 0:
        msg = f"服务半径须为非负的有限数（米），现为 {service_radius}"
        raise SchemaError(msg, field="service_radius", fix="例如 service_radius=1000。")
    if p_facilities is not None and (int(p_facilities) != p_facilities or p_facilities < 0):
        msg = f"新增设施数须为非负整数，现为 {p_facilities}"
        raise SchemaError(msg, field="p_facilities", fix="例如 p_facilities=3。")
