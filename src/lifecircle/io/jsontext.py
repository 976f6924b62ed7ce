"""Indented JSON as ``json.dumps(obj, ensure_ascii=False, indent=n)`` writes it, faster.

With ``indent`` the standard library encodes in Python, a generator per value: a
district's ``checkup.json`` (9 MB) took 0.45 s, five times its compact C encoding. Here
the C encoder writes every container that holds no other container (most of them: a
compound, an indicator) with the indented separators, a list of such dicts (a
shortfall's compounds) in one call; only the containers around them are laid out in
Python. The text is the same, byte for byte (a test compares them).

The indented separators hold a newline, which no JSON string holds (it is written
``\\n``): where they stand in the C encoder's text is where the structure is.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

_CONTAINERS = (dict, list, tuple)
#: a str as json writes it with ensure_ascii=False (its C function)
_string: Callable[[str], str] = json.encoder.encode_basestring


def dumps_indented(obj: Any, *, indent: int = 1) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=indent)``, the same text.

    Parameters
    ----------
    obj : Any
        What ``json.dumps`` takes (dicts, lists, tuples, str, numbers, bool, None); NaN
        and infinities are written as ``NaN`` and ``Infinity`` as it writes them.
    indent : int
        Spaces per level.

    Returns
    -------
    str
        The JSON text. A container that holds itself recurses until Python's limit
        instead of ``json``'s "Circular reference detected".
    """
    return _encode(obj, 0, indent)


def _encode(obj: Any, depth: int, indent: int) -> str:
    """``obj`` written at ``depth`` (its first line not indented: the caller's)."""
    if not isinstance(obj, _CONTAINERS) or not obj:
        return _flat(depth + 1, indent)(obj)  # a scalar, or [] and {} as json writes them
    pad, inner = _pads(depth, indent)
    items = obj.values() if isinstance(obj, dict) else obj
    if not any(isinstance(v, _CONTAINERS) for v in items):
        text = _flat(depth + 1, indent)(obj)
        return f"{text[0]}{inner}{text[1:-1]}{pad}{text[-1]}"
    if not isinstance(obj, dict) and all(_flat_dict(v) for v in obj):
        return _dict_list(obj, depth, indent)
    if isinstance(obj, dict):
        body = (f"{_key(k)}: {_encode(v, depth + 1, indent)}" for k, v in obj.items())
        opening, closing = "{", "}"
    else:
        body = (_encode(v, depth + 1, indent) for v in obj)
        opening, closing = "[", "]"
    return f"{opening}{inner}{(',' + inner).join(body)}{pad}{closing}"


def _flat_dict(v: Any) -> bool:
    """A dict of scalars only, not empty."""
    return (
        isinstance(v, dict) and bool(v) and not any(isinstance(x, _CONTAINERS) for x in v.values())
    )


def _dict_list(obj: Any, depth: int, indent: int) -> str:
    """A list of `_flat_dict` at ``depth``, in one call of the C encoder.

    Its text is ``[{a},<sep>{b}]`` with the dicts' own separator between the dicts too:
    ``},<sep>{`` stands only there (a dict's items start with a key, ``"``).
    """
    pad, inner = _pads(depth, indent)
    _, in_dict = _pads(depth + 1, indent)
    sep = "," + in_dict
    body = _flat(depth + 2, indent)(obj)[2:-2]  # without the "[{" and "}]"
    body = body.replace("}" + sep + "{", f"{inner}}},{inner}{{{in_dict}")
    return f"[{inner}{{{in_dict}{body}{inner}}}{pad}]"


@functools.cache
def _pads(depth: int, indent: int) -> tuple[str, str]:
    """The newlines and indents before a closing bracket at ``depth`` and an item in it."""
    return "\n" + " " * (indent * depth), "\n" + " " * (indent * (depth + 1))


@functools.cache
def _flat(depth: int, indent: int) -> Callable[[Any], str]:
    """The C encoder of a container at ``depth - 1`` holding scalars: items on lines of
    their own, indented to ``depth`` (the brackets' lines are `_encode`'s).

    Made once: ``JSONEncoder.encode`` makes a new one per call, which cost more than
    the encoding of a compound's four values.
    """
    sep = ",\n" + " " * (indent * depth)
    enc = json.JSONEncoder(ensure_ascii=False, separators=(sep, ": "))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the same text, slower
        return enc.encode
    # as JSONEncoder.iterencode makes it, without the cycle check (see dumps_indented)
    one = make(None, enc.default, _string, None, ": ", sep, False, False, True)
    return lambda obj: "".join(one(obj, 0))


def _key(key: Any) -> str:
    """A dict key as json writes it (numbers, bool and None become strings)."""
    if isinstance(key, str):
        return _string(key)
    text = _flat(1, 0)({key: 0})  # json's own conversion: '{"1.5": 0}'
    return text[1 : -len(": 0}")]


__all__ = ["dumps_indented"]
