"""docx_layout.table_layout: the vectorised widening search picks what a column-by-column
search picks (the layout a Word table gets must not change with the speed-up)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from lifecircle.reports import docx_layout as dl


def _reference(header: list[str], rows: list[list[object]], **kw: float) -> object:
    """The search written plainly: try each column one step wider, keep the best."""
    font_pt, available_pt, pad_pt = kw["font_pt"], kw["available_pt"], dl.CELL_PAD_PT
    first = dl.table_layout(header, rows, font_pt=font_pt, available_pt=1e9)
    out = dl.table_layout(header, rows, font_pt=font_pt, available_pt=available_pt)
    if out is None or first is None:
        return out
    texts = [[str(h) for h in header]] + [["" if v is None else str(v) for v in r] for r in rows]
    wide = np.array([[dl.text_width_pt(t, font_pt) for t in r] for r in texts])
    unbreakable = np.array([[dl.longest_unbreakable_pt(t, font_pt) for t in r] for r in texts])
    unbreakable[1:] = np.where(wide[1:] <= 6.0 * font_pt, wide[1:], unbreakable[1:])
    half = [max(-(-len(t) // 2), 2) * font_pt if t.strip() else 0.0 for t in texts[0]]
    unbreakable[0] = np.maximum(unbreakable[0], np.minimum(wide[0], half))
    natural = wide.max(axis=0) + pad_pt + 0.5
    need = np.minimum(unbreakable.max(axis=0) + pad_pt + 0.5, natural)
    if natural.sum() <= available_pt:
        return out
    width = need.copy()
    spare = available_pt - width.sum()
    step = max(spare / 200, 0.5)

    def lines(w: np.ndarray) -> np.ndarray:
        return np.maximum(np.ceil(wide / np.maximum(w - pad_pt, 1.0)), 1.0)

    current = lines(width)
    while spare > 1e-6:
        d = min(step, spare)
        best, best_height = -1, current.max(axis=1).sum()
        for j in range(len(header)):
            if width[j] >= natural[j]:
                continue
            trial = current.copy()
            trial[:, j] = lines(np.where(np.arange(len(header)) == j, width + d, width))[:, j]
            if trial.max(axis=1).sum() < best_height:
                best, best_height = j, trial.max(axis=1).sum()
        if best < 0:
            open_ = width < natural
            if not open_.any():
                break
            best = int(np.argmax(np.where(open_, (current - 1).sum(axis=0), -1.0)))
        d = min(d, natural[best] - width[best]) if width[best] < natural[best] else d
        width[best] += d
        spare -= d
        current = lines(width)
    return [float(w) for w in width], float((current.max(axis=1) * font_pt * 1.2 + 1.5).sum())


WORDS = ["小区", "公共服务设施", "abc", "12,345", "2026-01-01", "—", "幼儿园（托儿所）"]
WORDS += ["很长的一段说明文字，需要换行显示，以便阅读", "x" * 30, ""]


@pytest.mark.parametrize("seed", range(4))
def test_widening_search_matches_the_plain_one(seed: int) -> None:
    rng = random.Random(seed)
    searched = 0
    for _ in range(150):
        n = rng.randint(1, 8)
        header = [rng.choice(WORDS) + str(j) for j in range(n)]
        rows: list[list[object]] = [
            [rng.choice(WORDS) * rng.randint(1, 2) for _ in range(n)]
            for _ in range(rng.randint(0, 20))
        ]
        kw = {"font_pt": rng.choice([7.0, 9.0, 10.5]), "available_pt": rng.uniform(150, 900)}
        got = dl.table_layout(header, rows, font_pt=kw["font_pt"], available_pt=kw["available_pt"])
        assert got == _reference(header, rows, **kw)
        searched += got is not None
    assert searched > 20  # the search itself ran, not only the early returns
