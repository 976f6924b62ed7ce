"""Values a user may type in Chinese or as codes: project statuses, types and funding
sources, with the synonyms offices write (在建 = 施工中 = 实施中)."""

from __future__ import annotations

import re

from lifecircle.workflow import config

STATUS_ZH = {
    "planned": "计划",
    "approved": "已立项",
    "in_progress": "在建",
    "completed": "已完工",
    "verified": "已验收",
    "delayed": "延期",
    "cancelled": "已取消",
}
STATUS_WORDS = {
    "planned": ("计划", "谋划", "储备", "拟建", "未开工", "待开工", "前期"),
    "approved": ("已立项", "立项", "已批复", "批复"),
    "in_progress": ("在建", "施工中", "实施中", "推进中", "已开工", "开工", "建设中", "进行中"),
    "completed": ("已完工", "完工", "竣工", "已竣工", "已完成", "完成"),
    "verified": ("已验收", "验收", "通过验收"),
    "delayed": ("延期", "滞后", "暂缓"),
    "cancelled": ("已取消", "取消", "撤销", "终止"),
}
FUNDING_WORDS = {
    "district_finance": ("区级财政", "区财政", "区本级", "区级", "区级资金", "财政资金"),
    "city_subsidy": ("市级补助", "市级", "市补", "市级资金", "市财政"),
    "social_capital": ("社会资本", "社会资金", "企业自筹", "社会投资", "自筹"),
}


def _choice(value: str, words: dict[str, tuple[str, ...]], labels: dict[str, str]) -> str | None:
    v = re.sub(r"\s+", "", value)
    if v in labels:
        return v
    for code, label in labels.items():
        if v == label:
            return code
    for code, names in words.items():
        if v in names:
            return code
    return None


def parse_status(value: str) -> str | None:
    """A status code from 计划/已立项/在建/已完工/已验收/延期/已取消 and their synonyms."""
    return _choice(value, STATUS_WORDS, {k: v for k, v in STATUS_ZH.items()})


def parse_project_type(value: str) -> str | None:
    """One of the 七个统筹 from its code, its name, its name without 改造, or the end of
    its name when only one fits (微改造 → 街区微改造)."""
    types = config.project_types()
    code = config.resolve_choice(value, types)
    if code:
        return code
    v = re.sub(r"\s+|项目$", "", value)
    for code, label in types.items():
        if v and (v == label.removesuffix("改造") or v + "改造" == label):
            return code
    tails = [code for code, label in types.items() if len(v) >= 3 and label.endswith(v)]
    return tails[0] if len(tails) == 1 else None


def parse_funding(value: str) -> str | None:
    """区级财政 / 市级补助 / 社会资本 (codes or synonyms)."""
    return _choice(value, FUNDING_WORDS, config.funding_sources())
