"""A CJK font for matplotlib from the `mplfonts` wheel: no system font is assumed."""

from __future__ import annotations

from functools import cache
from pathlib import Path

# In order of preference; all ship inside the mplfonts wheel.
_CANDIDATES = ("NotoSansCJKsc-Regular.otf", "SourceHanSerifSC-Regular.otf", "SimHei.ttf")


def cjk_font_path() -> Path:
    """Path of Noto Sans CJK SC (or another CJK font) shipped by ``mplfonts``."""
    import mplfonts

    fonts = Path(mplfonts.__file__).parent / "fonts"
    for name in _CANDIDATES:
        p = fonts / name
        if p.is_file():
            return p
    raise RuntimeError(
        f"no CJK font found in {fonts}; reinstall mplfonts (pip install --force-reinstall mplfonts)"
    )


@cache
def cjk_font_family() -> str:
    """Register the CJK font with matplotlib's font manager and return its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def rc() -> dict:
    """matplotlib rc settings for Chinese text (use with ``matplotlib.rc_context``)."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font_family(), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.fonttype": "none",
    }
