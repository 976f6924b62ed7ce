"""glibc's allocator, told to give memory back (Linux with glibc; elsewhere nothing happens).

Freed memory otherwise stays in the process and counts in its peak: glibc keeps freed
blocks for reuse, and raises its mmap threshold after each large free until blocks of up
to 32 MB come from the heap, where a few live ones pin the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
from typing import Any

#: mallopt parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt  # noqa: B018 (musl has no mallopt: nothing to tune there)
    except (OSError, AttributeError):
        return None
    return libc


def give_back_free_memory() -> None:
    """Return the allocator's free pages to the system now (``malloc_trim``)."""
    libc = _libc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.malloc_trim(0)


def return_large_blocks_at_once(*, mmap_bytes: int = 256 * 1024) -> bool:
    """From now on in this process, blocks of ``mmap_bytes`` or more are mapped on their
    own (so freeing one returns it) and the heap's free top is trimmed beyond 1 MB.

    For a process whose peak matters more than a few page faults (``lifecircle demo``'s
    checkup: arrays of tens of MB come and go). Returns whether it took effect.
    """
    libc = _libc()
    if libc is None:
        return False
    mmap_ok = libc.mallopt(_M_MMAP_THRESHOLD, int(mmap_bytes)) == 1
    trim_ok = libc.mallopt(_M_TRIM_THRESHOLD, 1024 * 1024) == 1
    return bool(mmap_ok and trim_ok)


def arrow_on_the_system_allocator() -> None:
    """Arrow's buffers (GeoPackages read through pyogrio) from glibc, not mimalloc.

    mimalloc keeps the segments of freed buffers: the demo's district read that way held
    187 MB, 145 MB through glibc. Applies to this process and, when pyarrow is not yet
    imported here, to the processes it starts (Arrow reads the setting when it loads).
    """
    import os

    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.set_memory_pool(arrow.system_memory_pool())
