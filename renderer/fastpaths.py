"""Faster paths through WeasyPrint's internals, giving the same output as its own.

The renderer replaces a few of WeasyPrint's functions with versions that skip work our
documents never need (`renderer.styles`: computed styles; `renderer.layoutpaths`: layout;
`renderer.drawpaths`, `renderer.writepaths`: drawing and writing). Each replacement is made
here, with `replace`, so that every one can be undone at once: `as_it_comes()` runs WeasyPrint
as it is released, for the tests that compare both paths' PDFs byte for byte. WeasyPrint is
pinned to one minor release (`pyproject.toml`): a new release is taken once those tests pass
on it.

>>> import types
>>> owner = types.SimpleNamespace(work=lambda: "general")
>>> replace(owner, "work", lambda: "quick")
>>> owner.work()
'quick'
>>> with as_it_comes():
...     owner.work()
'general'
>>> owner.work()
'quick'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: (owner, attribute, WeasyPrint's own value, the replacement), in the order made.
_REPLACED: list[tuple[Any, str, Any, Any]] = []


def replace(owner: Any, name: str, quick: Any) -> None:
    """Set `owner.name` to `quick`, keeping WeasyPrint's own value for `as_it_comes`. A
    function imported by name into several modules is replaced in each of them."""
    _REPLACED.append((owner, name, getattr(owner, name), quick))
    setattr(owner, name, quick)


@contextmanager
def as_it_comes() -> Iterator[None]:
    """WeasyPrint's own paths while inside (not thread-safe: for one-threaded callers)."""
    for owner, name, general, _ in reversed(_REPLACED):
        setattr(owner, name, general)
    try:
        yield
    finally:
        for owner, name, _, quick in _REPLACED:
            setattr(owner, name, quick)
