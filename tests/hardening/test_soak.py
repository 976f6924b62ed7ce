"""Issue 15, load: benchmarks/soak.py in its short form (20 s, 100 users on loopback, mixed
reads and writes) on SQLite and PostgreSQL: no error, no lost write, memory flat.

The full form (5 minutes) is a benchmark: ``python benchmarks/soak.py --db sqlite``;
figures in benchmarks/RESULTS.md. ``LIFECIRCLE_SOAK_SECONDS`` lengthens this test.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("LIFECIRCLE_SOAK_SECONDS", "20"))


def _soak():
    spec = importlib.util.spec_from_file_location("soak", ROOT / "benchmarks" / "soak.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("soak", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_soak_short(db, tmp_path, request):
    if db == "postgresql":
        request.getfixturevalue("_pg_url")  # skips (or fails in CI) without the server
    figures = _soak().run_soak(db=db, users=100, duration=SECONDS, log=tmp_path / "server.log")
    print(figures)
    assert figures["errors"] == 0, figures["error_examples"]
    assert figures["requests"] > 100
    assert figures["writes_acknowledged"] > 10
    assert figures["writes_lost"] == 0
    assert figures["projects_stored"] == figures["writes_acknowledged"]  # one per 201
    assert figures["integrity"] == "ok"
    first, last = figures["rss_mb_first_quarter"], figures["rss_mb_last_quarter"]
    assert last <= first * 1.3 + 30, (first, last)  # flat: no growth beyond warm-up
