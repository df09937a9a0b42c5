"""The cyclic garbage collector paused while a document is laid out.

A render builds hundreds of thousands of short-lived objects and no cycles that outlive it;
the collector would walk them again and again for nothing. `collector_paused` pauses it for a
block, nested and across threads (it runs again once the last block ends).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_paused_lock = threading.Lock()
_paused = 0


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (nested and across threads)."""
    global _paused
    with _paused_lock:
        if _paused == 0 and gc.isenabled():
            gc.disable()
            _paused = 1
        elif _paused:
            _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            if _paused:
                _paused -= 1
                if _paused == 0:
                    gc.enable()
