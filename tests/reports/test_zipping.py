"""The reports' own zip writers (save_docx, save_xlsx) write the members python-docx and
openpyxl write, in the same order; only the compression differs (PNGs stored)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
from docx import Document
from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from PIL import Image

from lifecircle.reports import docx_layout, excel, maps

_STAMPS = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def _members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        return [(i.filename, _STAMPS.sub(b"", z.read(i.filename))) for i in z.infolist()]


def _kinds(path: Path) -> dict[str, int]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: i.compress_type for i in z.infolist()}


def _png() -> bytes:
    px = np.zeros((40, 60, 3), dtype=np.uint8)
    px[10:30, 20:50] = (200, 30, 30)
    return maps.png_bytes(px, dpi=maps.DPI)


def test_save_docx_writes_the_members_doc_save_writes(tmp_path: Path) -> None:
    def build() -> object:
        doc = Document()
        doc.add_heading("体检报告", level=1)
        doc.add_paragraph("小区 " * 200)
        doc.add_picture(io.BytesIO(_png()))
        return doc

    build().save(tmp_path / "docx.docx")
    docx_layout.save_docx(build(), tmp_path / "ours.docx")
    assert _members(tmp_path / "ours.docx") == _members(tmp_path / "docx.docx")
    kinds = _kinds(tmp_path / "ours.docx")
    assert kinds["word/media/image1.png"] == zipfile.ZIP_STORED
    assert kinds["word/document.xml"] == zipfile.ZIP_DEFLATED


def test_save_xlsx_writes_the_members_openpyxl_writes(tmp_path: Path) -> None:
    png = tmp_path / "map.png"
    png.write_bytes(_png())

    def build() -> Workbook:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("指标")
        for i in range(200):
            ws.append([i, f"小区{i}", i * 0.5])
        return wb

    def with_image() -> Workbook:
        wb = Workbook()
        wb.active.append(["图"])
        wb.active.add_image(XlImage(str(png)), "B2")
        return wb

    build().save(tmp_path / "openpyxl.xlsx")
    excel.save_xlsx(build(), tmp_path / "ours.xlsx")
    assert _members(tmp_path / "ours.xlsx") == _members(tmp_path / "openpyxl.xlsx")
    with_image().save(tmp_path / "img_openpyxl.xlsx")
    excel.save_xlsx(with_image(), tmp_path / "img_ours.xlsx")
    assert _members(tmp_path / "img_ours.xlsx") == _members(tmp_path / "img_openpyxl.xlsx")
    kinds = _kinds(tmp_path / "img_ours.xlsx")
    assert kinds["xl/media/image1.png"] == zipfile.ZIP_STORED
    assert kinds["xl/worksheets/sheet1.xml"] == zipfile.ZIP_DEFLATED
    with Image.open(io.BytesIO(dict(_members(tmp_path / "img_ours.xlsx"))["xl/media/image1.png"])):
        pass  # the stored PNG reads
