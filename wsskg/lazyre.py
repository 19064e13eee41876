"""Module-level regular expressions compiled on first use instead of at import.

A ``re.compile`` at module level runs whenever the module is imported, for every command,
whether or not that command ever matches the pattern: the venue table's patterns alone cost
about 2 ms, and ``wsskg show`` or ``wsskg --help`` use none of them. ``X = lazy_compile(...)``
keeps the pattern where it was written, under the same name, with the same methods
(``X.match``, ``X.sub``, ``X.pattern``...); the first use compiles it.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any


class LazyPattern:
    """Stands for ``re.compile(pattern, flags)``, compiled on first attribute access.

    Each attribute read from the compiled pattern (a bound method such as ``match``) is then
    stored on this object, so a later ``X.match(...)`` costs a few tens of nanoseconds more
    than on an ``re.Pattern``. It is not an ``re.Pattern``: pass ``X.compiled`` where one is
    required (``isinstance``, ``re.sub(X, ...)``)."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._source = (pattern, flags)

    @cached_property
    def compiled(self) -> re.Pattern:
        return re.compile(*self._source)

    def __getattr__(self, name: str) -> Any:
        # only called for names not yet on this object: the first use of each method
        if name.startswith("_"):  # copy/pickle probes, and _source before __init__ ran
            raise AttributeError(name)
        value = getattr(self.compiled, name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"lazy_compile({self._source[0]!r}, {self._source[1]!r})"


def lazy_compile(pattern: str | bytes, flags: int = 0) -> LazyPattern:
    """``re.compile`` deferred to the pattern's first use (see :class:`LazyPattern`)."""
    return LazyPattern(pattern, flags)
