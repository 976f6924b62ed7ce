"""How the Word and Excel reports' zip members are compressed.

python-docx and openpyxl deflate every member at zlib's default level 6: about a fifth
of a circle's Word and Excel time went to it, most of it on members that gain little: the
PNG maps (already deflated: 4 % smaller for 3 ms each) and the big sheets and style parts
(level 3 takes ~40 % of level 6's time for ~10 % more bytes). The members' contents are
the same; only their compressed bytes (and the files' sizes) differ.
"""

from __future__ import annotations

import zipfile

#: zlib level of the XML members (python-docx and openpyxl use 6)
ZIP_LEVEL = 3

#: members already compressed: stored as they are
STORED_SUFFIXES = (".png", ".jpeg", ".jpg", ".gif")


def member_compression(name: str) -> tuple[int, int | None]:
    """``(compress_type, compresslevel)`` for the member ``name``, as ``ZipFile.writestr``
    takes them."""
    if name.lower().endswith(STORED_SUFFIXES):
        return zipfile.ZIP_STORED, None
    return zipfile.ZIP_DEFLATED, ZIP_LEVEL
