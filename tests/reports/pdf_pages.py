"""Reading converted documents back: LibreOffice to PDF, poppler for page sizes, words and ink."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MM = 72 / 25.4  # points per millimetre


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docs: list[Path], out: Path, *, env: dict[str, str]) -> list[Path]:
    """Convert ``docs`` with one headless LibreOffice run (its own profile in ``out``)."""
    exe = soffice()
    assert exe, "LibreOffice missing: run scripts/install-test-deps"
    out.mkdir(parents=True, exist_ok=True)
    profile = (out / "profile").as_uri()
    subprocess.run(
        [exe, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), *map(str, docs)],
        env=env, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    pdfs = [out / (d.stem + ".pdf") for d in docs]
    missing = [p.name for p in pdfs if not p.is_file()]
    assert not missing, f"LibreOffice wrote no {missing}"
    return pdfs


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class PdfPage:
    number: int
    width: float
    height: float
    words: list[Word]
    images: int

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def read_pages(pdf: Path) -> list[PdfPage]:
    """Every page of ``pdf`` with its size (pt), its words with their boxes and its images."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml)
    root = ET.fromstring(xml)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    images = _images_per_page(pdf)
    pages = []
    for k, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), 1):
        words = [
            Word(
                w.text or "",
                float(w.get("xMin")),
                float(w.get("yMin")),
                float(w.get("xMax")),
                float(w.get("yMax")),
            )
            for w in page.findall("x:word", ns)
        ]
        pages.append(
            PdfPage(k, float(page.get("width")), float(page.get("height")), words, images.get(k, 0))
        )
    return pages


def _images_per_page(pdf: Path) -> dict[int, int]:
    out = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    counts: dict[int, int] = {}
    for line in out:
        fields = line.split()
        if len(fields) > 2 and fields[2] == "image":
            counts[int(fields[0])] = counts.get(int(fields[0]), 0) + 1
    return counts


def ink(pdf: Path, page: int, *, dpi: int = 50) -> np.ndarray:
    """The page as a grey image (0 = black), ``dpi`` dots per inch."""
    from PIL import Image

    stem = pdf.parent / f"ink-{pdf.stem.replace('.', '_')}-{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile",
         str(pdf), str(stem)],
        check=True, capture_output=True,
    )  # fmt: skip
    png = Path(f"{stem}.png")
    with Image.open(png) as im:
        grey = np.asarray(im.convert("L"), dtype=np.uint8)
    os.remove(png)
    return grey


@dataclass(frozen=True)
class Margins:
    """Margins of a portrait page in mm; ``for_page`` turns them for a landscape page the way
    ``reports.docx_layout.Page.landscape`` does."""

    top: float
    bottom: float
    left: float
    right: float

    def for_page(self, page: PdfPage) -> Margins:
        if not page.landscape:
            return self
        return Margins(top=self.right, bottom=self.left, left=self.top, right=self.bottom)


def crossings(pdf: Path, page: PdfPage, margins: Margins, *, tol_mm: float = 1.0) -> list[str]:
    """What crosses the margins of ``page``: words outside the text area (the footer below
    it excepted), and ink in the margins outside the footer's words (figures, table rules)."""
    m = margins.for_page(page)
    left, right = m.left * MM, page.width - m.right * MM
    top, bottom = m.top * MM, page.height - m.bottom * MM
    tol = tol_mm * MM
    bad = []
    footer = [w for w in page.words if w.y0 >= bottom - tol]
    for w in page.words:
        if w.x0 < left - tol or w.x1 > right + tol or w.y0 < top - tol:
            bad.append(
                f"p{page.number} word {w.text!r} at {w.x0:.0f},{w.y0:.0f}-{w.x1:.0f},{w.y1:.0f}"
            )
    grey = ink(pdf, page.number)
    scale = grey.shape[1] / page.width
    mask = np.zeros(grey.shape, dtype=bool)
    for w in footer:  # the footer's own text may stand in the bottom margin
        mask[
            max(0, int((w.y0 - 2) * scale)) : int((w.y1 + 2) * scale) + 1,
            max(0, int((w.x0 - 2) * scale)) : int((w.x1 + 2) * scale) + 1,
        ] = True
    inked = (grey < 200) & ~mask
    h, w_ = grey.shape
    strips = {
        "top": inked[: max(0, int((top - tol) * scale)), :],
        "bottom": inked[min(h, int((bottom + tol) * scale)) :, :],
        "left": inked[:, : max(0, int((left - tol) * scale))],
        "right": inked[:, min(w_, int((right + tol) * scale)) :],
    }
    for side, strip in strips.items():
        if strip.sum() > 2:
            bad.append(f"p{page.number} ink in the {side} margin ({int(strip.sum())} px)")
    return bad


def is_a4(page: PdfPage) -> bool:
    w, h = sorted((page.width, page.height))
    return abs(w - 210 * MM) < 1.5 and abs(h - 297 * MM) < 1.5


def lone_caption_pages(
    pages: list[PdfPage], margins: Margins, caption: re.Pattern[str]
) -> list[int]:
    """Pages whose body holds nothing but a caption (no image, no other text)."""
    out = []
    for p in pages:
        m = margins.for_page(p)
        body = [w for w in p.words if w.y1 <= p.height - m.bottom * MM + 1]
        lines: dict[int, list[str]] = {}
        for w in body:
            lines.setdefault(round(w.y0), []).append(w.text)
        texts = [" ".join(v) for _, v in sorted(lines.items())]
        if p.images == 0 and (not texts or all(caption.match(t) for t in texts)):
            out.append(p.number)
    return out
