"""``lifecircle._forked.ForkedCall``: the demo's database is built in a forked child."""

from __future__ import annotations

import os
import threading
import time

import pytest

from lifecircle._forked import ForkedCall
from lifecircle.errors import SchemaError


def _length(lock: threading.Lock, items: list[int], *, extra: int = 0) -> int:
    with lock:  # a lock does not pickle: it reached the child by the fork, not a pipe
        return len(items) + extra


def test_the_value_comes_back_and_nothing_is_pickled_on_the_way_in():
    call = ForkedCall(_length, threading.Lock(), list(range(1000)), extra=5)
    assert call.result() == 1005


def _refuse() -> None:
    raise SchemaError("示例错误", field="radius", fix="改为正数")


def test_the_childs_typed_exception_is_raised_here():
    call = ForkedCall(_refuse)
    with pytest.raises(SchemaError, match="示例错误"):
        call.result()


def _die() -> None:
    os._exit(3)


def test_a_child_that_dies_without_answering_is_said_so_in_chinese():
    call = ForkedCall(_die)
    with pytest.raises(RuntimeError, match="退出码 3"):
        call.result()


def _unpicklable() -> object:
    return threading.Lock()


def test_an_answer_that_does_not_pickle_comes_back_as_its_text():
    with pytest.raises(RuntimeError, match="无法传回"):
        ForkedCall(_unpicklable).result()


def _sleep() -> None:
    time.sleep(60)


def test_cancel_stops_a_child_still_working():
    call = ForkedCall(_sleep)
    t0 = time.perf_counter()
    call.cancel()
    assert time.perf_counter() - t0 < 30
    assert not call._child.is_alive()
    call.cancel()  # twice is harmless
