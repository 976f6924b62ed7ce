"""The demo's options a user may type, checked before any work (light: no numpy)."""

from __future__ import annotations

import math

from lifecircle.errors import InputError

#: the largest area scale taken seriously (4 × the real district)
MAX_SCALE = 4.0


def check_scale(scale: float) -> float:
    """The demo's area scale: a finite number above 0 and at most ``MAX_SCALE``."""
    value = float(scale)
    if not math.isfinite(value) or not 0 < value <= MAX_SCALE:
        raise InputError(
            f"示例区面积比例 {scale} 不合理（应大于 0、不超过 {MAX_SCALE:g}）",
            field="--scale",
            fix="写 0.05～1 之间的数，1.0 为全区",
        )
    return value
