"""The public Python API is documented in numpydoc form.

What an engine package exports (its ``__all__``): every function, and every public method
of every class, has a docstring with a ``Parameters`` section when it takes arguments and
a ``Returns`` (or ``Yields``) section when it returns something; a class that is built by
calling it (not a dataclass, not an exception, not a ``typing.Protocol``) documents its
constructor's parameters.
docs/api.md lists the same names.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "io", "network", "access", "standards", "district", "checkup", "siting", "whatif",
    "planning", "demo", "mobility", "scale",
)  # fmt: skip


def _problems(func: Callable[..., Any], doc: str, *, constructor: bool = False) -> list[str]:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):  # a builtin without a signature
        return []
    if not doc:
        return ["no docstring"]
    out = []
    if [p for p in sig.parameters if p not in ("self", "cls")] and "Parameters\n" not in doc:
        out.append("no Parameters section")
    gives = sig.return_annotation not in (None, "None", inspect.Signature.empty)
    if not constructor and gives and "Returns\n" not in doc and "Yields\n" not in doc:
        out.append("no Returns section")
    return out


def _exports(package: str) -> list[tuple[str, Any]]:
    module = importlib.import_module(f"lifecircle.{package}")
    return [(name, getattr(module, name)) for name in module.__all__]


@pytest.mark.parametrize("package", PACKAGES)
def test_exported_functions_and_methods_have_numpydoc_sections(package: str) -> None:
    found: list[str] = []
    for name, obj in _exports(package):
        if not inspect.isclass(obj):
            if callable(obj):
                found += [f"{name}: {p}" for p in _problems(obj, inspect.getdoc(obj) or "")]
            continue
        if not inspect.getdoc(obj):
            found.append(f"{name}: no docstring")
        for attr, member in vars(obj).items():
            if attr.startswith("_") and attr != "__init__":
                continue
            func = member.__func__ if isinstance(member, staticmethod | classmethod) else member
            if not inspect.isfunction(func):
                continue  # properties, constants
            if attr == "__init__":
                if issubclass(obj, BaseException) or hasattr(obj, "__dataclass_fields__"):
                    continue
                if getattr(obj, "_is_protocol", False):
                    continue  # typing's placeholder __init__: a protocol is never built
                doc = (inspect.getdoc(obj) or "") + (inspect.getdoc(func) or "")
                found += [f"{name}(): {p}" for p in _problems(func, doc, constructor=True)]
            else:
                doc = inspect.getdoc(func) or ""
                found += [f"{name}.{attr}: {p}" for p in _problems(func, doc)]
    assert not found, f"lifecircle.{package}: " + "; ".join(found)


@pytest.mark.parametrize("package", PACKAGES)
def test_docs_api_lists_every_export(package: str) -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [
        name
        for name, _ in _exports(package)
        if f"`{name}`" not in text and f"`{name}()`" not in text
    ]
    assert not missing, f"docs/api.md lacks lifecircle.{package}: {missing}"
