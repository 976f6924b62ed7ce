"""dumps_indented writes what json.dumps(..., ensure_ascii=False, indent=n) writes."""

from __future__ import annotations

import json
import random

import pytest

from lifecircle.io.jsontext import dumps_indented

SCALARS = [
    None, True, False, 0, -3, 10**20, 1.5, -0.0, 1e16, 1e-7, 3.141592653589793,
    float("nan"), float("inf"), -float("inf"), "", "a", '中文"\\\n\t\x01\u2028',
    "},\n {", "{}", "[]",
]  # fmt: skip
KEYS = ["k", "键", 'a"b', "},\n {", 1, 2.5, True, False, None]


def _random(rng: random.Random, depth: int = 0) -> object:
    r = rng.random()
    if depth > 4 or r < 0.4:
        return rng.choice(SCALARS)
    if r < 0.55:  # a list of dicts of scalars: one call of the C encoder
        return [
            {rng.choice(KEYS): rng.choice(SCALARS) for _ in range(rng.randint(0, 3))}
            for _ in range(rng.randint(0, 4))
        ]
    if r < 0.75:
        return [_random(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if r < 0.8:
        return tuple(_random(rng, depth + 1) for _ in range(rng.randint(0, 3)))
    return {rng.choice(KEYS): _random(rng, depth + 1) for _ in range(rng.randint(0, 4))}


@pytest.mark.parametrize("indent", [0, 1, 2])
def test_the_text_of_json_dumps(indent: int) -> None:
    rng = random.Random(indent)
    for _ in range(3000):
        obj = _random(rng)
        assert dumps_indented(obj, indent=indent) == json.dumps(
            obj, ensure_ascii=False, indent=indent
        ), obj


def test_what_json_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"a": [1, {"b": object()}]})
    with pytest.raises(TypeError):
        dumps_indented({(1, 2): 0, "a": [1]})
