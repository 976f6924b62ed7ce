"""Real names, codes and census totals of 雨花区, and generated names for the demo."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

DISTRICT_NAME = "雨花区"
DISTRICT_CODE = "430111"
CENSUS_TOTAL = 1_264_895  # 七普 2020 resident population, exact (yuhua_population_census2020.csv)
N_CIRCLES = 49

# Street populations for the demo (2020 census figures or bands, yuhua_population_census2020.csv).
# 井湾子 and 东塘 are the census's approximate counts; the others are picked inside their band;
# 跳马镇 takes the remainder (87,595, inside its 50k-100k band) so the sum is the census total.
STREET_POPULATION: dict[str, int] = {
    "井湾子街道": 171_000,  # ~17.1万, largest
    "洞井街道": 158_000,  # band >150k
    "圭塘街道": 136_000,  # band 100k-150k
    "左家塘街道": 128_000,  # band 100k-150k
    "雨花亭街道": 119_000,  # band 100k-150k
    "高桥街道": 81_000,  # band 50k-100k
    "同升街道": 76_000,  # band 50k-100k
    "砂子塘街道": 74_000,  # band 50k-100k
    "侯家塘街道": 68_000,  # band 50k-100k
    "黎托街道": 62_000,  # band 50k-100k
    "东山街道": 58_000,  # band 50k-100k
    "东塘街道": 46_300,  # ~4.63万, smallest
}
STREET_POPULATION["跳马镇"] = CENSUS_TOTAL - sum(STREET_POPULATION.values())

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numeral for 1..99 (第三, 第十二)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


def _read(name: str) -> pd.DataFrame:
    return _read_once(name).copy()  # a copy: callers add columns


@cache
def _read_once(name: str) -> pd.DataFrame:
    """A bundled table, read once per process (a district reads the streets three times)."""
    path = files("lifecircle.demo") / "data" / name
    with path.open("rb") as fh:
        return pd.read_csv(fh, dtype=str, encoding="utf-8")


def load_streets() -> pd.DataFrame:
    """The 13 streets (12 街道 + 跳马镇) with 2025 codes and demo populations, by code."""
    streets = _read("yuhua_streets_mca_2025.csv")
    streets = streets.sort_values("code").reset_index(drop=True)
    streets["population"] = streets["name"].map(STREET_POPULATION).astype("int64")
    return streets[["code", "name", "type", "population"]]


def load_communities() -> pd.DataFrame:
    """The 165 communities, each mapped to its 2025 street by the township code."""
    comm = _read("yuhua_communities_names_circa2016.csv")
    streets = load_streets().set_index("code")
    comm["street_code"] = comm["township_code_mca2025"]
    comm["street"] = comm["street_code"].map(streets["name"])
    if comm["street"].isna().any():  # pragma: no cover - guards the bundled data
        raise ValueError("a community's township code is not a 2025 street of 雨花区")
    return comm[["name", "kind", "street", "street_code"]].reset_index(drop=True)


def largest_remainder(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split an integer ``total`` in proportion to ``weights``; each part >= ``minimum``."""
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    rest = total - minimum * n
    if rest < 0:
        raise ValueError("total too small for the minimum")
    raw = rest * weights / weights.sum()
    base = np.floor(raw).astype(np.int64)
    short = rest - int(base.sum())
    order = np.lexsort((np.arange(n), -(raw - base)))
    base[order[:short]] += 1
    out: np.ndarray = base + minimum
    return out


# Characters for generated compound names ("枫林苑"): checked to read as plausible names.
_FIRST = "枫桂梅兰竹松柏桃李杏荷菊芙蓉翠碧金银锦华美雅香湘麓岳星月阳晨曦瑞祥泰和安康宁盛"
_SECOND = "林园苑庭湖山水溪泉港湾岸城景苑都府邸阁轩居庄堤洲汀屿岭坡谷台"
_SUFFIX = [
    *("苑", "园", "小区", "花园", "家园", "公寓"),
    *("新村", "雅居", "华庭", "名城", "佳园", "新苑"),
]


def compound_names(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct generated compound names, deterministic for a given generator state."""
    names = _all_compound_names()
    if n > len(names):
        raise ValueError(f"only {len(names)} distinct compound names available")
    pick = rng.choice(len(names), size=n, replace=False)
    return [names[i] for i in pick]


@cache
def _all_compound_names() -> tuple[str, ...]:
    """Every generated compound name, sorted (built once per process)."""
    pairs = [a + b for a in _FIRST for b in _SECOND if a != b]
    return tuple(
        sorted({p + s for p in pairs for s in _SUFFIX if not (p.endswith("苑") and s == "苑")})
    )


def stem(community: str) -> str:
    """Community name without its 社区/村 suffix, for facility names."""
    for suffix in ("社区", "村"):
        if community.endswith(suffix) and len(community) > len(suffix):
            return community[: -len(suffix)]
    return community
