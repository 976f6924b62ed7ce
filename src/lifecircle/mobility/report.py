"""Delineation outputs: the assignment CSV, a JSON report and a Markdown report (Chinese)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from lifecircle.io import write_atomic
from lifecircle.mobility.delineate import Delineation

__all__ = ["delineation_json", "delineation_markdown", "write_delineation"]


def _num(x: Any) -> Any:
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: _num(v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in df.to_dict("records")
    ]


def delineation_json(result: Delineation) -> dict[str, Any]:
    """The report as plain JSON data: summary, circles with quality, comparison, warnings."""
    doc: dict[str, Any] = {
        "summary": result.summary,
        "circles": _records(result.circles),
        "warnings": list(result.warnings),
    }
    if result.comparison is not None:
        doc["comparison"] = {
            **result.comparison.summary(),
            "current_circles": _records(result.comparison.circles),
            "moved": _records(result.comparison.moved),
        }
    return doc


def _pct(x: Any) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{float(x):.1%}"


def delineation_markdown(result: Delineation, *, title: str = "生活圈划分建议") -> str:
    """A Chinese Markdown report: figures, one table row per proposed circle, changes."""
    s = result.summary
    opt = s["options"]
    lines = [
        f"# {title}",
        "",
        "依据社区之间的实际出行联系（共享的出行量），在步行相邻的社区之间用 Leiden 社区发现算法划分；"
        "社区不拆分，每个生活圈在空间上连续。",
        "",
        f"- 社区 {s['communities']} 个，划出生活圈 {s['circles']} 个"
        + (f"（目标 {opt['target_count']} 个）" if opt["target_count"] else ""),
        f"- 出行总量 {s['trips']:,.0f} 人次，圈内自足率 {_pct(s['self_containment'])}，模块度 {s['modularity']:.3f}",
        f"- 人口范围：{opt['min_pop'] if opt['min_pop'] is not None else '不限'} – "
        f"{opt['max_pop'] if opt['max_pop'] is not None else '不限'}；相邻距离 {opt['adjacency_m']:g} 米",
        f"- 全部生活圈空间连续：{'是' if s['all_contiguous'] else '否'}",
        "",
        "## 各生活圈质量",
        "",
        "| 生活圈 | 社区数 | 人口 | 面积（km²） | 自足率 | 吸引内部占比 | 连续 | 社区 |",
        "|---|---:|---:|---:|---:|---:|:---:|---|",
    ]
    for row in result.circles.itertuples(index=False):
        lines.append(
            f"| {row.circle_id} | {row.communities} | {row.population:,.0f} | {row.area_km2:.2f} | "
            f"{_pct(row.self_containment)} | {_pct(row.capture)} | {'是' if row.contiguous else '否'} | "
            f"{row.community_ids.replace(';', '、')} |"
        )
    lines += [
        "",
        "自足率：从该圈社区出发的出行中，终点仍在圈内的比例；吸引内部占比：到达该圈的出行中，起点在圈内的比例。",
    ]
    cmp_ = result.comparison
    if cmp_ is not None:
        c = cmp_.summary()
        lines += [
            "",
            "## 与现状生活圈比较",
            "",
            f"- 调整兰德指数（ARI）{c['adjusted_rand_index']:.3f}，标准化互信息（NMI）{c['normalized_mutual_info']:.3f}（1 为完全一致）",
            f"- 现状生活圈 {c['current_circles']} 个，其中 {c['kept_whole']} 个原样保留；调整归属的社区 {c['communities_moved']} 个",
            "",
            "| 现状生活圈 | 社区数 | 最接近的建议生活圈 | 重合度（Jaccard） | 原样保留 |",
            "|---|---:|---|---:|:---:|",
        ]
        for row in cmp_.circles.itertuples(index=False):
            lines.append(
                f"| {row.current_circle} | {row.communities} | {row.best_proposed} | {row.jaccard:.2f} | "
                f"{'是' if row.kept_whole else '否'} |"
            )
        if len(cmp_.moved):
            lines += [
                "",
                "### 调整归属的社区",
                "",
                "| 社区 | 现状生活圈 | 建议生活圈 |",
                "|---|---|---|",
            ]
            lines += [
                f"| {r.community_id} | {r.current_circle} | {r.proposed_circle} |"
                for r in cmp_.moved.itertuples(index=False)
            ]
    if result.warnings:
        lines += ["", "## 注意", ""] + [f"- {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"


def write_delineation(result: Delineation, out_csv: str | Path) -> list[Path]:
    """Write ``OUT.csv`` (community_id, circle_id), ``OUT.json`` and ``OUT.md`` beside it,
    and ``OUT.gpkg`` (one polygon per proposed circle, with its quality)."""
    out = Path(out_csv)
    if out.suffix.lower() != ".csv":
        out = out.with_suffix(".csv")
    stem = out.with_suffix("")
    table = result.assignment
    doc = json.dumps(delineation_json(result), ensure_ascii=False, indent=2, default=str)
    md = delineation_markdown(result)
    polygons = result.polygons
    return [
        write_atomic(
            out, lambda t: table.to_csv(t, index=False, encoding="utf-8-sig", lineterminator="\n")
        ),
        write_atomic(
            stem.with_suffix(".json"), lambda t: t.write_text(doc + "\n", encoding="utf-8")
        ),
        write_atomic(stem.with_suffix(".md"), lambda t: t.write_text(md, encoding="utf-8")),
        write_atomic(
            stem.with_suffix(".gpkg"),
            lambda t: polygons.to_file(t, layer="circles", driver="GPKG", engine="pyogrio"),
        ),
    ]
