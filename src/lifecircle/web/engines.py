"""The what-if engines the web keeps in memory: one per checkup, prepared in the background.

Preparing runs the checkup again (seconds on the demo, longer on a large district); the
first request starts it and every later one finds it ready. Only the newest checkup's
engine is kept (an older one is dropped when a newer checkup is imported).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Request

from lifecircle.errors import LifecircleError
from lifecircle.workflow.scenarios import WhatIfSource, prepare_engine

if TYPE_CHECKING:
    from lifecircle.whatif import WhatIf


@dataclass
class Entry:
    """One checkup's engine: ``state`` is ``preparing``, ``ready`` or ``failed``."""

    source: WhatIfSource
    state: str = "preparing"
    engine: WhatIf | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)  # one what-if at a time

    def status(self) -> dict[str, Any]:
        text = {
            "preparing": "正在准备情景推演（在内存中重算体检，首次需要一些时间）……",
            "ready": "情景推演已就绪：在地图上点击即可放置新设施。",
            "failed": f"无法准备情景推演：{self.error}",
        }[self.state]
        return {
            "state": self.state,
            "run": self.source.run_key,
            "message": text,
            "waited_s": round(time.monotonic() - self.started, 1),
            "prepare_s": self.seconds,
        }


class Engines:
    """The engines of one web application (kept in ``app.state``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}

    def entry(self, source: WhatIfSource) -> Entry:
        """The entry of ``source``'s checkup, its preparation started when new."""
        with self._lock:
            hit = self._entries.get(source.run_key)
            if hit is not None:
                return hit
            self._entries = {}  # the newest checkup only: an older engine is let go
            entry = Entry(source)
            self._entries[source.run_key] = entry
        threading.Thread(
            target=self._prepare, args=(entry,), name="lifecircle-whatif", daemon=True
        ).start()
        return entry

    @staticmethod
    def _prepare(entry: Entry) -> None:
        t0 = time.perf_counter()
        try:
            entry.engine = prepare_engine(entry.source)
            entry.state = "ready"
        except LifecircleError as exc:
            entry.error = str(exc)
            entry.state = "failed"
        except Exception as exc:  # shown on the page; the server keeps serving
            entry.error = f"内部错误（{type(exc).__name__}）：{exc}"
            entry.state = "failed"
        entry.seconds = round(time.perf_counter() - t0, 1)

    def wait(self, source: WhatIfSource, timeout_s: float) -> Entry:
        """The entry, waiting up to ``timeout_s`` for it to leave ``preparing``."""
        entry = self.entry(source)
        end = time.monotonic() + timeout_s
        while entry.state == "preparing" and time.monotonic() < end:
            time.sleep(0.05)
        return entry


def engines(request: Request) -> Engines:
    """The application's engines (made on first use)."""
    state = request.app.state
    with _MAKE:
        found: Engines | None = getattr(state, "whatif_engines", None)
        if found is None:
            found = Engines()
            state.whatif_engines = found
    return found


_MAKE = threading.Lock()
