"""Facility taxonomy: category ids, names, capacity units, and OSM-tag / Amap-code mappings."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from lifecircle.errors import CatalogueError

_AMAP_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class OsmRule:
    """All ``tags`` must match; a value ``"*"`` matches any value, a list matches any of it."""

    category: str
    tags: dict[str, tuple[str, ...]]
    source: str
    verified: bool
    order: int

    def matches(self, tags: dict[str, Any]) -> bool:
        for key, wanted in self.tags.items():
            have = tags.get(key)
            if have is None or (isinstance(have, float) and pd.isna(have)):
                return False
            if "*" in wanted:
                continue
            parts = {p.strip() for p in str(have).split(";")}
            if not parts.intersection(wanted):
                return False
        return True


@dataclass(frozen=True)
class AmapRule:
    """One Amap (高德) POI type code mapped to a category."""

    category: str
    code: str
    name_zh: str
    source: str
    verified: bool


@dataclass(frozen=True)
class Category:
    """A facility category shared by the taxonomy, catalogues, demo and reports."""

    id: str
    name_zh: str
    name_en: str
    capacity_unit: str | None
    capacity_unit_en: str | None
    area_meaning: str | None
    osm: tuple[OsmRule, ...]
    amap: tuple[AmapRule, ...]


class Taxonomy:
    """The canonical facility categories and the rules that map source data onto them.

    Parameters
    ----------
    categories : dict of str -> Category
        Category id to category (names, capacity unit, OSM and Amap rules).
    version : str
        The taxonomy's version.
    """

    def __init__(self, categories: dict[str, Category], version: str) -> None:
        self.categories = categories
        self.version = version
        rules = [r for c in categories.values() for r in c.osm]
        # the most specific rule (most tags) wins; ties go to the order in the file
        self.osm_rules: list[OsmRule] = sorted(rules, key=lambda r: (-len(r.tags), r.order))
        self.amap_rules: dict[str, AmapRule] = {
            r.code: r for c in categories.values() for r in c.amap
        }

    @property
    def ids(self) -> list[str]:
        """Category ids in file order."""
        return list(self.categories)

    def __contains__(self, category_id: object) -> bool:
        return category_id in self.categories

    def name_zh(self, category_id: str) -> str:
        """Chinese name of a category (KeyError for an unknown id).

        Parameters
        ----------
        category_id : str
            A category id.

        Returns
        -------
        str
            The category's Chinese name.
        """
        return self.categories[category_id].name_zh

    def name_en(self, category_id: str) -> str:
        """English name of a category (KeyError for an unknown id).

        Parameters
        ----------
        category_id : str
            A category id.

        Returns
        -------
        str
            The category's English name.
        """
        return self.categories[category_id].name_en

    def capacity_unit(self, category_id: str) -> str | None:
        """The unit of ``capacity`` for this category (学位, 托位 …), or None.

        Parameters
        ----------
        category_id : str
            A category id.

        Returns
        -------
        str or None
            The unit, or ``None`` when the category has no capacity.
        """
        return self.categories[category_id].capacity_unit

    def category_for_osm_tags(self, tags: dict[str, Any]) -> str | None:
        """The category of one OSM object from its tags, or None when no rule matches.

        Parameters
        ----------
        tags : dict
            The object's OSM tags.

        Returns
        -------
        str or None
            The category id of the most specific matching rule.
        """
        for rule in self.osm_rules:
            if rule.matches(tags):
                return rule.category
        return None

    def classify_osm(self, df: pd.DataFrame) -> pd.Series:
        """Category per row of a frame whose columns are OSM tag keys (None where unmatched).

        A ``tags`` column of dicts or JSON strings (as pyrosm writes) supplies keys that are
        not columns themselves.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per OSM object; columns named by tag key, and optionally ``tags``.

        Returns
        -------
        pandas.Series
            Category id per row (object dtype, ``None`` where no rule matches), on ``df``'s
            index.
        """
        cols = {c: df[c] for c in df.columns if c != "tags"}
        if "tags" in df.columns:
            extra = df["tags"].map(_as_dict)
            needed = {k for r in self.osm_rules for k in r.tags} - set(cols)
            for key in needed:
                cols[key] = extra.map(lambda d, k=key: d.get(k))
        out = pd.Series([None] * len(df), index=df.index, dtype=object)
        todo = pd.Series(True, index=df.index)
        for rule in self.osm_rules:
            if not todo.any():
                break
            mask = todo.copy()
            for key, wanted in rule.tags.items():
                col = cols.get(key)
                if col is None:
                    mask[:] = False
                    break
                present = col.notna()
                if "*" in wanted:
                    mask &= present
                    continue
                pattern = r"(?:^|;)\s*(?:" + "|".join(map(re.escape, wanted)) + r")\s*(?:;|$)"
                text = col.where(present, "").astype(str)
                mask &= present & text.str.contains(pattern, regex=True)
            out[mask] = rule.category
            todo &= ~mask
        return out

    def category_for_label(self, label: object) -> str | None:
        """The category id a person or an export means: an id, a Chinese or English name
        (any case), or an Amap type code; None when none of these matches.

        Parameters
        ----------
        label : object
            A cell of a facility layer's category column.

        Returns
        -------
        str or None
            The category id.
        """
        if label is None or label is pd.NA or (isinstance(label, float) and pd.isna(label)):
            return None
        text = str(label).strip()
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]  # a type code read as a float
        if not hasattr(self, "_labels"):
            table: dict[str, str] = {}
            for cid in self.ids:
                for name in (cid, self.name_zh(cid), self.name_en(cid)):
                    table.setdefault(str(name).strip().lower(), cid)
            self._labels = table
        hit = self._labels.get(text.lower())
        if hit is None and text.replace("|", "").replace(";", "").isdigit():
            hit = self.category_for_amap(text)
        return hit

    def map_labels(self, values: pd.Series) -> pd.Series:
        """Replace every recognised label by its category id; unknown labels stay as they
        are, so validation can name them.

        Parameters
        ----------
        values : pandas.Series
            A facility layer's category column.

        Returns
        -------
        pandas.Series
            The column with recognised labels replaced by category ids.
        """
        uniques = {v: self.category_for_label(v) for v in values.dropna().unique()}
        if values.dtype == "str" and uniques and all((c or v) == v for v, c in uniques.items()):
            # ids already (a package written by this tool): mapping would give the same
            # text column, one Python call per row later
            return values.copy()
        return values.map(lambda v: uniques.get(v) or v)

    def category_for_amap(self, typecode: str | int | None) -> str | None:
        """The category of an Amap POI type code (6 digits; ``a|b`` lists are tried in order).

        An exact code wins; otherwise its mid-level parent (``xxxx00``) and then its top
        level (``xx0000``) are tried.

        Parameters
        ----------
        typecode : str, int or None
            An Amap type code, or several joined by ``|`` or ``;``.

        Returns
        -------
        str or None
            The category id, or ``None`` when no code maps to one.
        """
        if typecode is None or (isinstance(typecode, float) and pd.isna(typecode)):
            return None
        for raw in str(typecode).replace(";", "|").split("|"):
            code = raw.strip()
            if code.isdigit() and len(code) < 6:
                code = code.zfill(6)  # Excel drops the leading zero of 011100
            if not _AMAP_CODE.match(code):
                continue
            for cand in (code, code[:4] + "00", code[:2] + "0000"):
                rule = self.amap_rules.get(cand)
                if rule is not None:
                    return rule.category
        return None


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _taxonomy_error(path: Path, message: str, field: str, fix: str) -> CatalogueError:
    return CatalogueError(message, file=str(path), field=field, fix=fix)


def parse_taxonomy(data: dict[str, Any], path: Path) -> Taxonomy:
    """Build a Taxonomy from parsed YAML, checking ids, names and mapping rows."""
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise _taxonomy_error(
            path, "没有 categories 列表", "categories", "写出设施类别列表 categories:"
        )
    cats: dict[str, Category] = {}
    order = 0
    for n, row in enumerate(data["categories"], start=1):
        cid = row.get("id") if isinstance(row, dict) else None
        if not isinstance(cid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", cid):
            raise _taxonomy_error(
                path, f"第 {n} 个类别没有小写下划线形式的编号", "id", "写 id:，如 'kindergarten'"
            )
        if cid in cats:
            raise _taxonomy_error(path, f"类别“{cid}”出现了两次", "id", "每个编号只保留一项")
        for key in ("name_zh", "name_en"):
            if not row.get(key):
                raise _taxonomy_error(path, f"类别“{cid}”没有 {key}", key, f"为“{cid}”加上 {key}")
        osm = []
        for rule in row.get("osm") or []:
            tags = {
                str(k): tuple(str(x) for x in (v if isinstance(v, list) else [v]))
                for k, v in (rule.get("tags") or {}).items()
            }
            if not tags or "source" not in rule or "verified" not in rule:
                raise _taxonomy_error(
                    path,
                    f"类别“{cid}”：有一条 osm 规则缺少 tags、source 或 verified",
                    "osm",
                    "每条 osm 规则写 tags:、source: 和 verified:",
                )
            osm.append(OsmRule(cid, tags, str(rule["source"]), bool(rule["verified"]), order))
            order += 1
        amap = []
        for rule in row.get("amap") or []:
            code = str(rule.get("code", ""))
            if not _AMAP_CODE.match(code) or "source" not in rule or "verified" not in rule:
                raise _taxonomy_error(
                    path,
                    f"类别“{cid}”：高德类型码 {code!r} 不是 6 位数字，或缺少 source/verified",
                    "amap",
                    "类型码写成带引号的 6 位数字，如 '141204'，并写 source 和 verified",
                )
            amap.append(
                AmapRule(
                    cid,
                    code,
                    str(rule.get("name_zh", "")),
                    str(rule["source"]),
                    bool(rule["verified"]),
                )
            )
        cats[cid] = Category(
            id=cid,
            name_zh=str(row["name_zh"]),
            name_en=str(row["name_en"]),
            capacity_unit=row.get("capacity_unit"),
            capacity_unit_en=row.get("capacity_unit_en"),
            area_meaning=row.get("area_meaning"),
            osm=tuple(osm),
            amap=tuple(amap),
        )
    seen: dict[str, str] = {}
    for c in cats.values():
        for r in c.amap:
            if r.code in seen:
                raise _taxonomy_error(
                    path,
                    f"高德类型码 {r.code} 同时对应“{seen[r.code]}”和“{c.id}”",
                    "amap",
                    "每个类型码只对应一个类别",
                )
            seen[r.code] = c.id
    return Taxonomy(cats, str(data.get("version", "")))


@cache
def _load_default() -> Taxonomy:
    ref = resources.files("lifecircle.standards") / "data" / "categories.yaml"
    path = Path(str(ref))
    # the shipped file is known to be valid: parse it with libyaml when present (10x faster)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse_taxonomy(yaml.load(ref.read_text(encoding="utf-8"), Loader=loader), path)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load the shipped facility taxonomy, or one from ``path`` in the same format.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A taxonomy YAML file; default the shipped one.

    Returns
    -------
    Taxonomy
        Categories with their Chinese names, aliases and Amap type codes.
    """
    if path is None:
        return _load_default()
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(
            f"无法读取设施分类：{exc}", file=str(p), fix="请给出可读的 YAML 文件"
        ) from exc
    return parse_taxonomy(data, p)
