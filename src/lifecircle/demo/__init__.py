"""The bundled demo district: real Yuhua names and census totals on generated geometry."""

from lifecircle.demo.generator import DemoDistrict, build_demo, generate_demo

__all__ = ["DemoDistrict", "build_demo", "generate_demo"]
