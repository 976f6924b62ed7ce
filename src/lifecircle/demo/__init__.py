"""The bundled demo district: real Yuhua names and census totals on generated geometry.

`generate_city` puts several demo districts side by side as one package (a city of
hundreds of generated circles).
"""

from lifecircle.demo.city import DemoCity, build_city, generate_city
from lifecircle.demo.generator import DemoDistrict, build_demo, generate_demo

__all__ = ["DemoCity", "DemoDistrict", "build_city", "build_demo", "generate_city", "generate_demo"]
