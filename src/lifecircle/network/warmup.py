"""Import and compile the routing kernels in a background thread, while inputs are read."""

from __future__ import annotations

import threading

_THREAD: threading.Thread | None = None
_LOCK = threading.Lock()


def _work() -> None:
    try:
        from lifecircle.network import kernels

        kernels.compile_all()
    except Exception:  # the kernel call itself compiles again and reports the problem
        return


def compile_kernels_in_background() -> threading.Thread:
    """Start importing numba and compiling the access kernels in a daemon thread.

    Call it before reading the inputs: reading and graph building run mostly in C
    (GDAL, GEOS, numpy) with the GIL released while numba loads and compiles (or loads
    its cache). A kernel called before the thread is done waits for it (Python's import
    lock, numba's compiler lock) rather than compiling twice. Calling it again returns the
    thread already started; this module itself imports nothing heavy.

    Returns
    -------
    threading.Thread
        The thread; ``join()`` it to wait until every kernel is ready.
    """
    global _THREAD
    with _LOCK:
        if _THREAD is None:
            _THREAD = threading.Thread(target=_work, name="lifecircle-compile", daemon=True)
            _THREAD.start()
        return _THREAD
