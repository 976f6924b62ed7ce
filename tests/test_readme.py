"""The README's Python example runs as printed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import geopandas as gpd

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_example() -> str:
    """The one ```python block of the README's "From Python" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return code


def test_the_from_python_example_runs(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(_python_example(), "README.md", "exec"), scope)
    circles, compounds = scope["circles"], scope["compounds"]
    assert scope["district"].root is None
    assert isinstance(circles, gpd.GeoDataFrame) and len(circles) == 49
    statuses = [c for c in circles.columns if c.startswith("status__")]
    assert statuses and {f"value__{c[8:]}" for c in statuses} <= set(circles.columns)
    assert set(circles[statuses].stack()) <= {"pass", "fail", "missing"}
    assert isinstance(compounds, gpd.GeoDataFrame) and "nearest_m__kindergarten" in compounds
    printed = ast.literal_eval(capsys.readouterr().out.strip().splitlines()[-1])
    assert sum(printed.values()) == 49 and set(printed) <= {"NONE", "AA", "AAA"}
    out = tmp_path / "yuhua-checkup"
    assert (out / "checkup.json").exists() and (out / "circles.gpkg").exists()
