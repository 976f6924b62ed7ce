"""YAML anchors and aliases in files people give us: refused before anything walks the data.

An alias is a reference, so ``&a [*a]`` (a list holding itself) or nine levels of nine
aliases (a "billion laughs") load quickly and then hang or overflow whatever walks them.
Neither a district manifest nor a catalogue needs them.
"""

from __future__ import annotations

import yaml

__all__ = ["first_alias_line"]


def first_alias_line(text: str) -> int | None:
    """The 1-based line of the first alias (``*name``) in ``text``; None when there is none.

    Raises ``yaml.YAMLError`` when the text is not YAML (callers already handle that).
    """
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            return mark.line + 1 if mark is not None else 1
    return None
