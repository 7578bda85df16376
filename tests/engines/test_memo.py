"""IdentityCache: values found again by the very objects they came from, and only by them."""

from __future__ import annotations

import gc
import weakref

from scenarios.engines.memo import IdentityCache


class Prior:
    """A stand-in for a frozen prior: equal by value, distinct by identity."""

    def __init__(self, p: float) -> None:
        self.p = p

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prior) and other.p == self.p

    def __hash__(self) -> int:
        return hash(self.p)


def test_found_by_the_same_objects_only() -> None:
    cache = IdentityCache()
    a, b = Prior(0.3), Prior(0.3)
    cache.put("table", "A's table", kept=(a,))
    assert cache.get("table", kept=(a,)) == "A's table"
    assert cache.get("table", kept=(b,)) is None  # equal, another object
    assert cache.get("other", kept=(a,)) is None
    assert cache.get("table") is None  # the objects are part of the key


def test_kept_objects_stay_alive_so_their_ids_are_never_reused() -> None:
    cache = IdentityCache()
    a = Prior(0.3)
    alive = weakref.ref(a)
    cache.put("table", 1, kept=(a,))
    del a
    gc.collect()
    assert alive() is not None  # held beside the value: no new object can take its id
    assert cache.get("table", kept=(alive(),)) == 1


def test_least_recently_used_go_first() -> None:
    cache = IdentityCache(2)
    x, y, z = Prior(1), Prior(2), Prior(3)
    cache.put("k", "x", kept=(x,))
    cache.put("k", "y", kept=(y,))
    assert cache.get("k", kept=(x,)) == "x"  # x is now the most recent
    cache.put("k", "z", kept=(z,))
    assert cache.get("k", kept=(y,)) is None
    assert cache.get("k", kept=(x,)) == "x" and cache.get("k", kept=(z,)) == "z"
