"""A CJK font from the `mplfonts` wheel for matplotlib and the HTML reports: no system font assumed."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Set
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


def write_web_font(
    folder: str | os.PathLike[str], *, known: Mapping[str, Set[str]] | None = None
) -> list[Path]:
    """The CJK font of the HTML reports in ``folder``, written once for the folder.

    Noto Sans CJK SC (from ``mplfonts``) for every character of every ``.html`` page in
    ``folder`` (and ASCII), as ``fonts/NotoSansCJKsc-subset.woff`` beside its licence
    (``fonts/OFL.txt``). The pages name it by a relative ``@font-face``, so they show
    Chinese on a machine without any CJK font. When the common subset shipped with the
    package (:data:`COMMON_WEB_FONT`: GB 2312 and the usual symbols) holds every
    character, it is copied; otherwise the font is subset with fontTools to the pages'
    characters (about a second: a report run waited for it at its end). Nothing is
    written when the font already there covers every character (adding a circle's page
    to a folder adds only when it brings new characters).

    Parameters
    ----------
    folder : path
        A report folder.
    known : mapping, optional
        The characters of pages just written, by file name (``page_characters`` of their
        bytes): those pages are not read again (the run that wrote them waited for that).

    Returns
    -------
    list of Path
        The files written (empty when the font there was enough).
    """
    import shutil

    from fontTools.ttLib import TTFont

    from lifecircle.io import write_atomic

    folder = Path(folder)
    pages = sorted(folder.glob("*.html"))
    if not pages:
        return []
    known = known or {}
    wanted = set(_ALWAYS)
    for page in pages:
        wanted |= known[page.name] if page.name in known else _page_characters(page)
    target = folder / WEB_FONT_DIR / WEB_FONT_FILE
    licence = folder / WEB_FONT_DIR / "OFL.txt"
    common = _common_cmap()
    wanted_codes = {ord(c) for c in wanted}
    if common and wanted_codes <= common_codes():
        codes = wanted_codes & common  # the common font has each of these the source has
    else:
        codes = wanted_codes & _source_cmap()
    if target.is_file() and licence.is_file():
        try:
            with TTFont(str(target), lazy=True) as existing:
                have = set(existing.getBestCmap())
        except Exception:  # a damaged font is written again
            have = set()
        if codes <= have:
            return []
    target.parent.mkdir(exist_ok=True)
    if codes <= common:
        written = write_atomic(target, lambda tmp: shutil.copyfile(COMMON_WEB_FONT, tmp))
    else:
        written = write_atomic(target, lambda tmp: _save_subset(cjk_font_path(), codes, tmp))
    text = (_STATIC_FONTS / "OFL.txt").read_text("utf-8")
    return [written, write_atomic(licence, lambda tmp: tmp.write_text(text, "utf-8"))]


_STATIC_FONTS = Path(__file__).parent / "static" / "fonts"
#: Noto Sans CJK SC subset to :func:`common_codes`, made by ``scripts/make-common-web-font``
COMMON_WEB_FONT = _STATIC_FONTS / "NotoSansCJKsc-common.woff"
#: Unicode ranges in the common font besides GB 2312: tab and line ends (the source maps
#: them), ASCII, Latin-1, general punctuation, letterlike symbols, number forms, arrows,
#: mathematical operators, enclosed numbers, box drawing, geometric shapes, miscellaneous
#: symbols, dingbats (✓), CJK punctuation, fullwidth forms
_COMMON_BLOCKS = ((0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x218F),
                  (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x257F),
                  (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x2700, 0x27BF), (0x3000, 0x303F),
                  (0xFF00, 0xFFEF))  # fmt: skip


@cache
def common_codes() -> frozenset[int]:
    """The code points the common web font is made for: every character of GB 2312 (6,763
    hanzi and its symbols) and of :data:`_COMMON_BLOCKS`. Those the source font has are in
    it; the others are in no font the reports could make."""
    codes = {c for a, b in _COMMON_BLOCKS for c in range(a, b + 1)}
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                codes.add(ord(bytes((lead, trail)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(codes)


def make_common_web_font(path: str | os.PathLike[str]) -> Path:
    """Write the common web font (:data:`COMMON_WEB_FONT`) to ``path``: the source font
    subset to :func:`common_codes`, the same bytes for the same source (no timestamp)."""
    codes = common_codes() & _source_cmap()
    _save_subset(cjk_font_path(), codes, Path(path))
    return Path(path)


def _save_subset(source: Path, codes: Iterable[int], path: Path) -> None:
    """``source`` subset to ``codes`` as an unhinted WOFF at ``path``, its name records
    (copyright, licence) kept."""
    from fontTools import subset

    opts = subset.Options()
    opts.flavor = "woff"
    opts.name_IDs = ["*"]  # keeps the copyright and licence records
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    with subset.load_font(str(source), opts) as font:
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=sorted(codes))
        sub.subset(font)
        font.recalcTimestamp = False  # the source's dates: the same bytes each time
        subset.save_font(font, str(path), opts)


def ready_web_font() -> None:
    """Read what ``write_web_font`` reads of the fonts, for this process's later calls
    (a report run does it while its workers draw)."""
    _common_cmap()
    common_codes()


@cache
def _common_cmap() -> frozenset[int]:
    """The code points of the common web font (empty if it is missing)."""
    from fontTools.ttLib import TTFont

    if not COMMON_WEB_FONT.is_file():
        return frozenset()
    with TTFont(str(COMMON_WEB_FONT), lazy=True) as font:
        return frozenset(font.getBestCmap())


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def _page_characters(page: Path) -> set[str]:
    """The characters of ``page`` (``page_characters`` of its bytes)."""
    return page_characters(page.read_bytes())


def page_characters(data: bytes) -> set[str]:
    """The characters of a page's UTF-8 ``data`` beyond printable ASCII (which ``_ALWAYS``
    has), as ``set(page.read_text("utf-8"))`` gives them, without a set of every character
    of the ~1 MB page (its scripts): printable ASCII bytes are dropped in one pass (what is
    left, ASCII controls and the bytes of non-ASCII characters, is still UTF-8) and the
    rest decoded; read as text, a carriage return is a line feed."""
    out = set(data.translate(None, delete=_PRINTABLE_ASCII).decode("utf-8"))
    if "\r" in out:
        out.discard("\r")
        out.add("\n")
    return out


@cache
def _source_cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(cjk_font_path()), lazy=True) as font:
        return frozenset(font.getBestCmap())
