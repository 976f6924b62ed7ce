"""The guides per role: Markdown kept in docs/help/ (the package's lifecircle/web/help/),
rendered with markdown-it-py, one per role, in Chinese."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from lifecircle.web.help_pages import guide_html
from lifecircle.workflow.permissions import ROLE_ZH, ROLES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "help"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_its_guide_in_chinese(role):
    shipped = (resources.files("lifecircle.web") / "help" / f"{role}.md").read_text("utf-8")
    assert (DOCS / f"{role}.md").read_text("utf-8") == shipped  # docs/help is the same file
    html = str(guide_html(role))
    heading = re.search(r"<h2>(.*?)</h2>", html)
    assert heading is not None and ROLE_ZH[role].split("（")[0] in heading.group(1)
    assert heading.group(1).endswith("使用指南")
    assert "<li>" in html and "<script" not in html
    text = re.sub(r"<[^>]+>|`[^`]*`|lifecircle[\w .…/-]*|--\w+|https?://\S+", "", shipped)
    latin = set(re.findall(r"[A-Za-z]{4,}", text)) - {"Word", "Excel"}  # product names
    assert latin == set(), latin  # Chinese throughout (commands and paths aside)


def test_common_part_and_no_raw_html():
    html = str(guide_html("common"))
    assert "显示设置（适老化）" in html and "示例数据：几何为生成数据" in html
    assert '<a href="/api/v1/openapi.json">' in html
    assert "仍然有效。所有功能" in html  # a line break in the source is no space on the page
