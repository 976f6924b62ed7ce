"""The tree stays clean: ruff (lint and format) and mypy report nothing, as CI requires.

Each tool runs as a subprocess from the repository root with the configuration in
pyproject.toml; a finding fails the test with the tool's own output. mypy keeps its cache
in ``.mypy_cache`` at the root, so a second run checks only what changed.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = (
    "io", "network", "access", "standards", "district", "checkup", "siting", "mobility",
    "whatif", "planning", "demo", "scale",
)  # fmt: skip
STRICT_FLAGS = (
    "disallow_any_generics", "disallow_subclassing_any", "disallow_untyped_calls",
    "disallow_untyped_defs", "disallow_incomplete_defs", "disallow_untyped_decorators",
    "warn_return_any", "no_implicit_reexport", "strict_equality", "extra_checks",
)  # fmt: skip


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _report(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def test_ruff_check_finds_nothing() -> None:
    proc = _run("ruff", "check", "--no-cache", "src", "tests", "benchmarks")
    assert proc.returncode == 0, _report(proc)


def test_ruff_format_leaves_every_file_as_it_is() -> None:
    proc = _run("ruff", "format", "--check", "--no-cache", "src", "tests", "benchmarks")
    assert proc.returncode == 0, _report(proc)


def test_mypy_finds_nothing() -> None:
    # files, strictness per package and the untyped libraries: [tool.mypy] in pyproject.toml
    proc = _run("mypy", "--cache-dir", str(ROOT / ".mypy_cache"))
    assert proc.returncode == 0, _report(proc)
    assert "Success: no issues found" in proc.stdout, _report(proc)
    # a note without an error: an override section that matches no module (drop it)
    assert "note:" not in proc.stdout, _report(proc)


def _overrides() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    overrides: list[dict[str, Any]] = config["tool"]["mypy"]["overrides"]
    return overrides


def _modules(override: dict[str, Any]) -> list[str]:
    module = override["module"]
    return [module] if isinstance(module, str) else list(module)


@pytest.mark.parametrize("package", ENGINE)
def test_every_engine_package_is_checked_strictly(package: str) -> None:
    pattern = f"lifecircle.{package}.*"
    strict = [o for o in _overrides() if pattern in _modules(o)]
    assert strict, f"{pattern} has no strict section in [tool.mypy] of pyproject.toml"
    missing = [f for f in STRICT_FLAGS if strict[0].get(f) is not True]
    assert not missing, f"{pattern} is checked without {missing}"


def test_the_package_says_it_is_typed() -> None:
    assert (ROOT / "src" / "lifecircle" / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["*"]
