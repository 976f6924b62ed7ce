"""The shape of a reported (not fatal) problem, as ``checkup.json`` carries it."""

from __future__ import annotations

WARNING_KEYS = ("code", "message", "file", "row", "field")


def warning(
    code: str,
    message: str,
    *,
    file: str | None = None,
    row: int | None = None,
    field: str | None = None,
) -> dict[str, str | int | None]:
    """A reported (not fatal) problem, in the shape ``checkup.json`` carries.

    Parameters
    ----------
    code : str
        Stable machine code, e.g. ``compound_in_no_circle``.
    message : str
        What happened, for the reader.
    file, row, field : optional
        Where: the file (or layer name), the 1-based data row, the column.

    Returns
    -------
    dict
        ``{"code", "message", "file", "row", "field"}``.
    """
    return {"code": code, "message": message, "file": file, "row": row, "field": field}
