"""A call run in a forked child process, beside the work of this one.

The child is a copy of this process: what the call reads (a checkup already in memory) is
shared with it, not pickled, and what it allocates is the system's again when it ends. Its
answer, or the exception it raised, comes back through a pipe. Fork only: the caller must
be the only thread of its process (as ``lifecircle.reports`` checks before it forks).
"""

from __future__ import annotations

import multiprocessing as mp
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ForkedCall(Generic[T]):
    """``fn(*args, **kwargs)`` started at once in a forked child; :meth:`result` waits for it.

    Examples
    --------
    >>> call = ForkedCall(sum, [1, 2, 3])
    >>> call.result()
    6
    """

    def __init__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        ctx = mp.get_context("fork")
        self._answer, send = ctx.Pipe(duplex=False)
        self._child = ctx.Process(
            target=_answer_through, args=(send, fn, args, kwargs), daemon=True
        )
        self._child.start()
        send.close()  # the child's end: EOF here when the child dies without answering
        self._done = False

    def result(self) -> T:
        """The call's value, or its exception raised here."""
        try:
            ok, value = self._answer.recv()
        except EOFError:
            self._child.join()
            raise RuntimeError(
                f"后台进程未给出结果即退出（退出码 {self._child.exitcode}）：可能是内存不足被系统终止"
            ) from None
        finally:
            self._done = True
            self._answer.close()
        self._child.join()
        if ok:
            return value
        raise value

    def cancel(self) -> None:
        """Stop the child if its answer has not been collected (the work it did is dropped)."""
        if not self._done:
            self._child.terminate()
            self._child.join()
            self._answer.close()
            self._done = True


def _answer_through(
    send: Connection, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    try:
        answer: tuple[bool, Any] = (True, fn(*args, **kwargs))
    except BaseException as exc:  # everything goes back to the caller, Ctrl-C included
        answer = (False, exc)
    try:
        send.send(answer)
    except Exception:  # an answer or exception that does not pickle: its text does
        detail = "".join(traceback.format_exception(answer[1])) if not answer[0] else ""
        send.send((False, RuntimeError(f"后台进程的结果无法传回：{detail or repr(answer[1])}")))
    finally:
        send.close()
