"""Proposed circles against current ones: adjusted Rand index, NMI, matching and moves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

__all__ = ["Comparison", "compare_partitions", "name_after"]


@dataclass(frozen=True)
class Comparison:
    """How a proposed partition differs from the current one.

    ``ari`` and ``nmi`` are 1.0 for identical partitions (up to naming). ``circles`` has
    one row per current circle: its best proposed match, the Jaccard overlap of their
    communities, and whether it is kept whole. ``moved`` lists every community whose
    proposed circle is not the one matched to its current circle.
    """

    ari: float
    nmi: float
    circles: pd.DataFrame
    moved: pd.DataFrame
    unknown: tuple[str, ...]  # communities the current circles do not list

    def summary(self) -> dict[str, Any]:
        """Plain figures for JSON.

        Returns
        -------
        dict
            ``adjusted_rand_index``, ``normalized_mutual_info``, ``current_circles``,
            ``kept_whole``, ``communities_moved``, ``communities_without_current_circle``.
        """
        return {
            "adjusted_rand_index": round(self.ari, 6),
            "normalized_mutual_info": round(self.nmi, 6),
            "current_circles": len(self.circles),
            "kept_whole": int(self.circles["kept_whole"].sum()),
            "communities_moved": len(self.moved),
            "communities_without_current_circle": len(self.unknown),
        }


def _overlap(current: NDArray[np.object_], proposed: NDArray[np.object_]) -> pd.DataFrame:
    return pd.crosstab(pd.Series(current, name="current"), pd.Series(proposed, name="proposed"))


def name_after(current: pd.Series, proposed: pd.Series, *, prefix: str = "N") -> pd.Series:
    """Rename proposed circles after the current circle each overlaps most (one to one).

    The pairing maximises the number of shared communities (Hungarian assignment); the
    proposed circles left unpaired get new ids ``N01``, ``N02`` … in order.

    Parameters
    ----------
    current, proposed : pandas.Series
        Circle id per community id (index). Communities missing from ``current`` are
        ignored for the pairing.

    Returns
    -------
    pandas.Series
        ``proposed`` with renamed values.
    """
    common = proposed.index.intersection(current.index)
    table = _overlap(current.loc[common].to_numpy(), proposed.loc[common].to_numpy())
    names: dict[object, str] = {}
    if table.size:
        rows, cols = linear_sum_assignment(-table.to_numpy())
        for r, c in zip(rows, cols, strict=True):
            if table.iat[r, c] > 0:
                names[table.columns[c]] = str(table.index[r])
    taken = set(names.values())
    n = 0
    for p in pd.unique(proposed.to_numpy()):
        if p in names:
            continue
        n += 1
        while f"{prefix}{n:02d}" in taken:
            n += 1
        names[p] = f"{prefix}{n:02d}"
    return proposed.map(names)


def compare_partitions(current: pd.Series, proposed: pd.Series) -> Comparison:
    """Compare two partitions of the same communities.

    Parameters
    ----------
    current, proposed : pandas.Series
        Circle id per community id (index). ``proposed`` should already be named with
        `name_after`, so that matched circles share ids.

    Returns
    -------
    Comparison
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    common = proposed.index.intersection(current.index)
    unknown = tuple(sorted(str(c) for c in proposed.index.difference(current.index)))
    cur = current.loc[common].astype(str).to_numpy()
    pro = proposed.loc[common].astype(str).to_numpy()
    ari = float(adjusted_rand_score(cur, pro)) if len(common) else float("nan")
    nmi = float(normalized_mutual_info_score(cur, pro)) if len(common) else float("nan")
    rows = []
    for cid in sorted(set(cur)):
        members = set(common[cur == cid])
        best, best_j = "", 0.0
        for pid in sorted(set(pro[cur == cid])):
            other = set(common[pro == pid])
            j = len(members & other) / len(members | other)
            if j > best_j:
                best, best_j = pid, j
        rows.append(
            {
                "current_circle": cid,
                "communities": len(members),
                "best_proposed": best,
                "jaccard": round(best_j, 4),
                "kept_whole": best_j == 1.0,
            }
        )
    moved = pd.DataFrame(
        {"community_id": common[cur != pro], "current_circle": cur[cur != pro],
         "proposed_circle": pro[cur != pro]}
    ).sort_values("community_id", ignore_index=True)  # fmt: skip
    return Comparison(ari=ari, nmi=nmi, circles=pd.DataFrame(rows), moved=moved, unknown=unknown)
