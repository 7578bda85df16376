"""Values worked out from frozen objects, kept by those objects' identity.

Scenarios are immutable, and an edit keeps every node it does not touch (the same
objects), so what a node alone decides (its table, its fitted link, a quadrature rule)
can be found again by the node's identity instead of being worked out again on every
update: :class:`IdentityCache`.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from typing import Any

__all__ = ["IdentityCache"]


class IdentityCache:
    """A small thread-safe LRU of values, keyed by a key and the identity of objects.

    The objects named by identity are kept beside the value: an ``id`` reused by a new
    object after the old one died can never find the old one's value.

    Parameters
    ----------
    size : int
        Entries kept; the least recently used go first.

    Examples
    --------
    >>> cache = IdentityCache(2)
    >>> prior = {"p": 0.3}
    >>> cache.put("table", [0.3, 0.7], kept=(prior,))
    >>> cache.get("table", kept=(prior,))
    [0.3, 0.7]
    >>> cache.get("table", kept=({"p": 0.3},)) is None  # equal, but another object
    True
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._values: dict[Hashable, tuple[tuple[object, ...], Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, kept: Sequence[object] = ()) -> Any:
        """The value put under ``key`` with these very objects, or ``None``."""
        full = (key, *map(id, kept))
        with self._lock:
            entry = self._values.pop(full, None)
            if entry is None:
                return None
            self._values[full] = entry  # the most recent last
        objects, value = entry
        # the key holds one id per object, so the lengths agree
        same = all(a is b for a, b in zip(objects, kept, strict=True))
        return value if same else None

    def put(self, key: Hashable, value: Any, kept: Sequence[object] = ()) -> None:
        """Keep ``value`` under ``key`` and the identity of ``kept`` (held with it)."""
        full = (key, *map(id, kept))
        with self._lock:
            self._values[full] = (tuple(kept), value)
            while len(self._values) > self.size:
                del self._values[next(iter(self._values))]
