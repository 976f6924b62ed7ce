"""Compile the routing kernels in the background on the first run after installing.

A cold start (numba's on-disk cache empty) compiles them in a child process, on another
core and out of the GIL's way, while the inputs are read; a daemon thread waits for the
child and then loads what it cached. A warm start starts nothing: the kernels load from
the cache when first called. (Loading them in a thread beside the reading was tried and
measured slower: numba's import and cache loading are Python work that takes the GIL
from the reading thread; `lifecircle access` on the 200k-node grid took 3.2-3.7 s that
way against 3.0-3.1 s.) Which start it is, is known without importing numba from a
marker file written next to the cache once the kernels have been loaded.

A process with other work first and no core to spare (the demo's checking process, beside
the generator) starts the child with ``start_compiling_apart`` and imports numba only once
it is done (``ready_kernels_here``): the two never hold numba at once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_THREAD: threading.Thread | None = None
#: the compiling child of ``start_compiling_apart``, until ``ready_kernels_here`` waits for it
_CHILD: subprocess.Popen[bytes] | None = None
_LOCK = threading.Lock()
#: what the last background start did under "kernels": "loaded on first use" (warm),
#: "compiled in a child", "compiled here" (the child failed), "failed", "loaded here"
#: (``ready_kernels_here`` on a warm start); under "numba":
#: "prepared while waiting" when a caller readied numba while the child compiled
LAST_START: dict[str, str] = {}


def _kernels_file() -> Path:
    return Path(__file__).with_name("kernels.py")


def cache_marker() -> Path | None:
    """The file that says the kernels of this source, Python and numba are cached.

    It lies where numba caches them: ``NUMBA_CACHE_DIR`` when set, else the
    ``__pycache__`` folder beside the kernels when that can be written, else the user's
    cache folder. Its name holds a digest of the kernels' source, the Python version and
    the installed numba, so any of them changing makes the next start a cold one.

    Returns
    -------
    pathlib.Path or None
        The marker's path (which may not exist), or None when it cannot be known.
    """
    try:
        source = _kernels_file()
        spec = importlib.util.find_spec("numba")
        if spec is None or spec.origin is None:
            return None
        numba_stamp = os.stat(spec.origin).st_mtime_ns
        digest = hashlib.sha256(source.read_bytes())
        digest.update(f"{sys.version}|{spec.origin}|{numba_stamp}".encode())
    except OSError:
        return None
    name = f"lifecircle-kernels-{digest.hexdigest()[:16]}.ok"
    override = os.environ.get("NUMBA_CACHE_DIR")
    if override:
        return Path(override) / name
    in_tree = source.parent / "__pycache__"
    if _writable(in_tree):
        return in_tree / name
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lifecircle" / name


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def _compile_in_child() -> subprocess.Popen[bytes]:
    """Start ``python -c 'kernels.compile_all()'`` on the same lifecircle source."""
    src = str(Path(__file__).resolve().parents[2])
    # without scipy: numba imports it only to offer BLAS (np.dot and the like), which the
    # kernels do not use, and its import is a twentieth of the child's time
    code = (
        f"import sys; sys.path.insert(0, {src!r}); sys.modules['scipy'] = None; "
        "from lifecircle.network import kernels; kernels.compile_all()"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _work(marker: Path | None) -> None:
    try:
        child = _compile_in_child()
        from lifecircle.network import kernels  # imports numba meanwhile

        status = _waited(child)
        kernels.compile_all()  # loads what the child cached (or compiles, if it failed)
        LAST_START["kernels"] = "compiled in a child" if status == 0 else "compiled here"
        _mark(marker)
    except Exception:  # the kernel call itself compiles again and reports the problem
        LAST_START["kernels"] = "failed"


def _waited(child: subprocess.Popen[bytes]) -> int:
    """The compile child's exit status, once it has ended (killed after 15 minutes)."""
    try:
        return child.wait(timeout=900)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


def _mark(marker: Path | None) -> None:
    """Write the cache marker: the kernels of this source are cached."""
    if marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()


def compile_kernels_in_background() -> threading.Thread:
    """Start compiling the access kernels when their cache is cold; nothing when warm.

    Call it before reading the inputs. A kernel called before this is done waits for it
    (Python's import lock, numba's compiler lock) rather than compiling twice. Calling it
    again returns the thread already started; this module imports nothing heavy.

    Returns
    -------
    threading.Thread
        The (daemon) thread; ``join()`` it to wait until every kernel is ready (on a warm
        start a thread that has nothing to do: the kernels load when first called).
    """
    global _THREAD
    with _LOCK:
        if _THREAD is None:
            marker = cache_marker()
            if marker is not None and marker.exists():
                LAST_START["kernels"] = "loaded on first use"
                _THREAD = threading.Thread(target=lambda: None, name="lifecircle-compile")
            else:
                _THREAD = threading.Thread(
                    target=_work, args=(marker,), name="lifecircle-compile", daemon=True
                )
            _THREAD.start()
        return _THREAD


def start_compiling_apart() -> bool:
    """On a cold start, start compiling the kernels in a child process (``ready_kernels_here``
    waits for it and loads them); nothing on a warm start.

    For a process that has other work to do first and no core to spare for a second
    numba (the demo's checking process, beside the generator): unlike
    ``compile_kernels_in_background``, this process imports numba only once the child is
    done, so the two never hold it at once (the demo's first run peaked at 634 MB with
    both, 575 MB warm). A background start made before makes this do nothing.

    Returns
    -------
    bool
        Whether a child was started.
    """
    global _CHILD
    with _LOCK:
        if _THREAD is not None or _CHILD is not None:
            return False
        marker = cache_marker()
        if marker is not None and marker.exists():
            return False
        _CHILD = _compile_in_child()
        return True


def ready_kernels_here() -> str:
    """Ready the kernels in this process: the child of ``start_compiling_apart`` waited for
    and what it cached loaded (compiled here if it failed), or loaded from the cache on a
    warm start, or compiled here on a cold one. A background start made before is waited
    for instead.

    Returns
    -------
    str
        What was done, as in ``LAST_START["kernels"]``.
    """
    global _CHILD
    with _LOCK:
        started, child, _CHILD = _THREAD, _CHILD, None
    if started is not None:
        wait_for_kernels()
        return LAST_START.get("kernels", "failed")
    marker = cache_marker()
    warm = child is None and marker is not None and marker.exists()
    status = _waited(child) if child is not None else None
    from lifecircle.network import kernels

    kernels.compile_all()  # loads what is cached, compiles what is not
    if not warm:
        _mark(marker)
    done = "loaded here" if warm else "compiled in a child" if status == 0 else "compiled here"
    LAST_START["kernels"] = done
    return done


def wait_for_kernels() -> None:
    """Block until a background start (if one was made) has the kernels ready.

    Without it, a kernel called while a child process is still compiling would be
    compiled a second time in this process.
    """
    thread = _THREAD
    if thread is not None and thread is not threading.current_thread():
        if thread.is_alive():
            _prepare_numba()
        thread.join()


def _prepare_numba() -> None:
    """Make numba's CPU target ready (the imports and registries its first compile or
    cache load needs, ~0.5 s) while the child still compiles and this thread would only
    wait; loading the kernels after the child then takes a few milliseconds. The loading
    thread finds it done (the same lock guards both)."""
    try:
        from numba.core.compiler_lock import global_compiler_lock
        from numba.core.registry import cpu_target

        with global_compiler_lock:
            cpu_target.target_context.refresh()
            cpu_target.typing_context.refresh()
    except Exception:  # numba's internals moved: the load does it, as before
        return
    LAST_START["numba"] = "prepared while waiting"
