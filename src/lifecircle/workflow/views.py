"""Derived views cached per programme version: computed once, shared by every request until
the next committed write (by any process) changes the version.

A view is a pure function of the database and its arguments (the day judged, a street…);
the cache key is (database, view name, arguments, programme version), so an entry is never
stale: a request reads the version with one cheap query and either finds the view computed
on that version or computes it. A unit of work that has written reads its own uncommitted
changes, so it computes without the cache. Cached values are shared between requests and
threads: callers must not change them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from lifecircle.store.version import programme_version

T = TypeVar("T")
#: entries kept (least recently used dropped first): a few views per circle and per day
MAX_ENTRIES = 2048
_ENTRIES: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
_LOCK = threading.Lock()
_COMPUTING: dict[tuple[Hashable, ...], threading.Lock] = {}
_MISSING = object()
_CURRENT: dict[Hashable, Hashable] = {}  # database → the version its entries were made on
_STATS = {"hits": 0, "misses": 0}


def cached(session: Session, name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """The view ``name`` for ``key``: from the cache when computed on the current version,
    else ``compute()`` (then kept)."""
    stamp = programme_version(session)
    if stamp is None:
        return compute()
    url = session.get_bind().engine.url  # an engine or a connection: the database it reaches
    full = (url.render_as_string(hide_password=True), name, key, stamp)
    with _LOCK:
        found = _lookup(full)
        if found is not _MISSING:
            return cast(T, found)
        # one computation per entry: requests arriving meanwhile wait for it (after a
        # write, or at start, many readers ask for the same view at once)
        turn = _COMPUTING.setdefault(full, threading.Lock())
    with turn:
        with _LOCK:
            found = _lookup(full)
            if found is not _MISSING:
                return cast(T, found)
            _STATS["misses"] += 1
        try:
            value = compute()
            with _LOCK:
                _keep(full, value)
        finally:
            with _LOCK:
                _COMPUTING.pop(full, None)
    return value


def _keep(full: tuple[Hashable, ...], value: object) -> None:
    """Store an entry; the caller holds ``_LOCK``. The first entry of a new version drops
    the database's entries of other versions (a replaced version never comes back; only
    readers already under way may still ask for it), so the cache holds one version's views."""
    database, stamp = full[0], full[-1]
    if _CURRENT.get(database) != stamp:
        _CURRENT[database] = stamp
        for old in [k for k in _ENTRIES if k[0] == database and k[-1] != stamp]:
            del _ENTRIES[old]
    _ENTRIES[full] = value
    while len(_ENTRIES) > MAX_ENTRIES:
        _ENTRIES.popitem(last=False)


def _lookup(full: tuple[Hashable, ...]) -> object:
    """The entry (counted as a hit) or ``_MISSING``; the caller holds ``_LOCK``."""
    if full not in _ENTRIES:
        return _MISSING
    _ENTRIES.move_to_end(full)
    _STATS["hits"] += 1
    return _ENTRIES[full]


def clear() -> None:
    """Forget every cached view (tests compare cached and freshly computed views)."""
    with _LOCK:
        _ENTRIES.clear()
        _CURRENT.clear()


def stats() -> dict[str, int]:
    with _LOCK:
        return dict(_STATS, entries=len(_ENTRIES))
