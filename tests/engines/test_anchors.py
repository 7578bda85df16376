"""Anchor-case links in the engines: the same answers as the logit link they restate."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import scenarios
from scenarios import Scenario
from scenarios.spec.links import anchors_from_logit, link_context


def restated(s: Scenario, name: str) -> Scenario:
    """``s`` with node ``name``'s logit link given as the anchor cases it implies."""
    anchors = anchors_from_logit(s.nodes[name].prior, link_context(s.nodes, name))
    out = s.with_prior(name, anchors)
    assert type(out.nodes[name].prior).__name__ == "AnchorPrior"
    return out


def test_exact_engine_anchors_equal_the_logit_link(mixed: Scenario) -> None:
    anchored = restated(mixed, "res")
    a, b = mixed.update(), anchored.update()
    for table_a, table_b in ((a.scenarios, b.scenarios), (a.facts, b.facts)):
        np.testing.assert_allclose(table_b.to_numpy(float), table_a.to_numpy(float), atol=1e-12)


def test_exact_engine_wagner_with_anchors_equals_its_logit() -> None:
    wagner = scenarios.load(scenarios.example("wagner-2023-06-23"))
    logit = wagner.outcomes["mutiny_end"].prior
    if type(logit).__name__ != "LogitPrior":  # the shipped file states anchors: compare both ways
        from scenarios.spec.links import fit_anchors
        from scenarios.spec.priors import LogitPrior

        ctx = link_context(wagner.nodes, "mutiny_end")
        wagner = wagner.with_prior("mutiny_end", LogitPrior(logit=fit_anchors(logit, ctx).link))
    anchored = restated(wagner, "mutiny_end")
    a, b = wagner.update(), anchored.update()
    np.testing.assert_allclose(b.scenarios.to_numpy(float), a.scenarios.to_numpy(float), atol=1e-12)


def test_full_engine_model_of_anchors_has_the_logit_models_density(mixed: Scenario) -> None:
    anchored = restated(mixed, "res")
    ours, theirs = anchored.to_pymc(marginalized=True), mixed.to_pymc(marginalized=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # compilation chatter of pytensor, if any
        f_ours, f_theirs = ours.compile_logp(), theirs.compile_logp()
    start = ours.initial_point()
    rng = np.random.default_rng(1)
    for _ in range(5):
        point = {k: v + rng.normal(scale=0.5, size=np.shape(v)) for k, v in start.items()}
        assert f_ours(point) == pytest.approx(f_theirs(point), abs=1e-10)
