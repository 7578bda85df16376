"""Contraction plans: a big table without draws meets many small factors with draws.

A logit over many binary parents is one table of 2**k rows; with intervals each parent's
posterior carries a draw axis. Eliminating the parents one at a time (draws treated as
free) builds tables of draws x 2**(k-1); the plan must not (it ran out of memory at
k = 20: 31 GiB). Checked against numpy directly: two halves of the parents, one matrix
product.
"""

from __future__ import annotations

import numpy as np
import opt_einsum

from scenarios.engines.factors import (
    DRAW,
    PLAN_MAX_TABLE,
    Factor,
    contract,
    contraction_cost,
    elimination_path,
)


def _star(k: int, draws: int, seed: int = 0) -> tuple[list[Factor], np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    parents = [f"x{i}" for i in range(k)]
    table = rng.random((2,) * k + (2,))
    table /= table.sum(axis=-1, keepdims=True)
    posts = [rng.random((draws, 2)) for _ in range(k)]
    factors = [Factor(table, (*parents, "o"))]
    factors += [Factor(q, (DRAW, p)) for q, p in zip(posts, parents, strict=True)]
    factors += [Factor(np.array([0.5, 0.5]), (p,)) for p in parents]  # the parents' priors
    return factors, table, posts


def _by_halves(table: np.ndarray, posts: list[np.ndarray]) -> np.ndarray:
    k, draws = len(posts), posts[0].shape[0]

    def outer(qs: list[np.ndarray]) -> np.ndarray:
        out = np.ones((draws, 1))
        for q in qs:
            out = (out[:, :, None] * (0.5 * q)[:, None, :]).reshape(draws, -1)
        return out

    h = k // 2
    left, right = outer(posts[:h]), outer(posts[h:])
    grid = table.reshape(2**h, 2 ** (k - h), 2)
    return np.einsum("da,db,abo->do", left, right, grid, optimize=True)


def test_many_parents_with_draws_are_contracted_without_huge_tables() -> None:
    factors, table, posts = _star(14, 600)
    got = contract(factors, [DRAW, "o"])
    np.testing.assert_allclose(got, _by_halves(table, posts), rtol=1e-12)
    # elimination alone would build draws x 2**13 x 2 entries; the plan kept builds less
    assert contraction_cost(factors, [DRAW, "o"]).largest < 600 * 2**13


def test_twenty_parents_and_four_thousand_draws_fit_in_memory() -> None:
    factors, _, _ = _star(20, 4000)
    cost = contraction_cost(factors, [DRAW, "o"])
    assert cost.largest <= PLAN_MAX_TABLE  # before: 4000 x 2**20 entries (31 GiB)
    # and the elimination order on its own does build the huge table (what is avoided)
    symbols = {a: opt_einsum.get_symbol(i) for i, a in enumerate(dict.fromkeys(
        a for f in factors for a in f.axes))}  # fmt: skip
    eq = ",".join("".join(symbols[a] for a in f.axes) for f in factors)
    eq += "->" + symbols[DRAW] + symbols["o"]
    shapes = [f.values.shape for f in factors]
    path = elimination_path(eq, shapes, symbols[DRAW])
    info = opt_einsum.contract_path(eq, *shapes, shapes=True, optimize=path)[1]
    assert info.largest_intermediate >= 4000 * 2**19
