"""Renders run on a roomy frame stack.

CPython (3.11 on) keeps a thread's Python frames in chunks of memory, 16 KB each, and gives
a chunk back to the system as soon as the last frame in it returns. WeasyPrint lays out a
page by deep recursion, which goes back and forth across the end of a chunk hundreds of
times a page: each crossing maps a fresh chunk and unmaps it again, with its page faults,
about 2–3 ms of a one-page render of 30 ms.

`on_roomy_stack` calls a function from a frame that is itself large (`_RESERVED` slots of 8
bytes, never used): CPython sizes a new chunk to the frame that needs it, doubling from
16 KB, so that frame starts a chunk of twice its size, and the render's own frames fill the
other half, never crossing into another chunk. The chunk is mapped once per call and the
result is the same.

>>> on_roomy_stack(sum)([1, 2, 3])
6
>>> _roomy.__code__.co_nlocals >= _RESERVED
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

#: Unused local variables of the calling frame: 8,192 slots of 8 bytes, so its chunk is
#: 128 KB, and the 64 KB above the frame hold a render's deepest recursion.
_RESERVED = 8192

_SOURCE = "def _roomy(function, args, kwargs):\n    return function(*args, **kwargs)\n" + "".join(
    f"    _{index} = None\n" for index in range(_RESERVED))  # never run: only reserved
_namespace: dict[str, Any] = {}
exec(compile(_SOURCE, __name__, "exec"), _namespace)  # noqa: S102 - generated above
_roomy: Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Any] = \
    _namespace["_roomy"]

Result = TypeVar("Result")


def on_roomy_stack(function: Callable[..., Result]) -> Callable[..., Result]:
    """`function`, called from a frame that starts a frame-stack chunk of 128 KB."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Result:
        return _roomy(function, args, kwargs)

    return call
