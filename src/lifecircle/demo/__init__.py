"""The bundled demo district: real Yuhua names and census totals on generated geometry.

`generate_city` puts several demo districts side by side as one package (a city of
hundreds of generated circles).

The names load when first used, so ``lifecircle.demo.limits`` (what the command checks
before any work) stays light: no pandas or geopandas in a process that only checks options.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lifecircle.demo.city import DemoCity, build_city, generate_city
    from lifecircle.demo.generator import DemoDistrict, build_demo, generate_demo

_HOME = {
    "DemoCity": "city",
    "build_city": "city",
    "generate_city": "city",
    "DemoDistrict": "generator",
    "build_demo": "generator",
    "generate_demo": "generator",
}

__all__ = ["DemoCity", "DemoDistrict", "build_city", "build_demo", "generate_city", "generate_demo"]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(import_module(f"lifecircle.demo.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lifecircle.demo' has no attribute {name!r}")
