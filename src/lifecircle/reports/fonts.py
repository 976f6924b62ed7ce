"""A CJK font from the `mplfonts` wheel for matplotlib and the HTML reports: no system font assumed."""

from __future__ import annotations

import os
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
    from lifecircle.errors import OptionalDependencyError

    raise OptionalDependencyError(
        f"在 {fonts} 中找不到中文字体（{'、'.join(_CANDIDATES)}），报告无法排出中文。"
        "处理办法：重新安装 mplfonts（pip install --force-reinstall mplfonts）"
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


# --- the web font of the HTML reports ----------------------------------------------------------

WEB_FONT_DIR = "fonts"
WEB_FONT_FILE = "NotoSansCJKsc-subset.woff"
WEB_FONT_FAMILY = "Lifecircle Noto Sans SC"
# always in the subset: printable ASCII and the punctuation the pages use
_ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "，。、；：？！“”‘’（）《》【】—…·％～≥≤×✓✗"


def web_font_url() -> str:
    """The font's address relative to a report page (same folder)."""
    return f"{WEB_FONT_DIR}/{WEB_FONT_FILE}"


def write_web_font(folder: str | os.PathLike[str]) -> list[Path]:
    """The CJK font of the HTML reports in ``folder``, written once for the folder.

    Noto Sans CJK SC (from ``mplfonts``) subset with fontTools to every character of every
    ``.html`` page in ``folder`` (and ASCII), as ``fonts/NotoSansCJKsc-subset.woff`` beside
    its licence (``fonts/OFL.txt``). The pages name it by a relative ``@font-face``, so they
    show Chinese on a machine without any CJK font. Nothing is written when the font
    already there covers every character (adding a circle's page to a folder adds only
    when it brings new characters).

    Parameters
    ----------
    folder : path
        A report folder.

    Returns
    -------
    list of Path
        The files written (empty when the font there was enough).
    """
    from importlib import resources

    from fontTools import subset
    from fontTools.ttLib import TTFont

    from lifecircle.io import write_atomic

    folder = Path(folder)
    pages = sorted(folder.glob("*.html"))
    if not pages:
        return []
    wanted = set(_ALWAYS)
    for page in pages:
        wanted |= _page_characters(page)
    source = _source_cmap()
    codes = {ord(c) for c in wanted} & source
    target = folder / WEB_FONT_DIR / WEB_FONT_FILE
    licence = folder / WEB_FONT_DIR / "OFL.txt"
    if target.is_file() and licence.is_file():
        try:
            with TTFont(str(target), lazy=True) as existing:
                have = set(existing.getBestCmap())
        except Exception:  # a damaged font is written again
            have = set()
        if codes <= have:
            return []
    opts = subset.Options()
    opts.flavor = "woff"
    opts.name_IDs = ["*"]  # keeps the copyright and licence records
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    text = (resources.files("lifecircle.reports") / "static" / "fonts" / "OFL.txt").read_text(
        "utf-8"
    )
    target.parent.mkdir(exist_ok=True)
    with subset.load_font(str(cjk_font_path()), opts) as font:
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=sorted(codes))
        sub.subset(font)
        written = write_atomic(target, lambda tmp: subset.save_font(font, str(tmp), opts))
    return [written, write_atomic(licence, lambda tmp: tmp.write_text(text, "utf-8"))]


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def _page_characters(page: Path) -> set[str]:
    """The characters of ``page`` (UTF-8) beyond printable ASCII (which ``_ALWAYS`` has),
    as ``set(page.read_text("utf-8"))`` gives them, without a set of every character of
    the ~1 MB page (its scripts): printable ASCII bytes are dropped in one pass (what is
    left, ASCII controls and the bytes of non-ASCII characters, is still UTF-8) and the
    rest decoded; read as text, a carriage return is a line feed."""
    out = set(page.read_bytes().translate(None, delete=_PRINTABLE_ASCII).decode("utf-8"))
    if "\r" in out:
        out.discard("\r")
        out.add("\n")
    return out


@cache
def _source_cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(cjk_font_path()), lazy=True) as font:
        return frozenset(font.getBestCmap())
