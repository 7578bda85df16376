"""The shipped election-night example, ``pennsylvania-2024-11-05``.

Its numbers are checked against the quoted sentences (each poll's two-party share and
sd recomputed from the percentages and margins), its exact-engine answer against an
independent one-dimensional integral with scipy, the full engine against the exact one
(slow), and it is reachable by name from the command line and the explorer.

The shipped file uses continuous facts with discrete parents, a derived fact and
threshold outcomes; the same checks run on
``tests/data/pennsylvania-anchored/priors/pennsylvania-2024-11-05.yaml``, the same event
with the outcome stated as anchor cases of a link (the form before thresholds existed),
which the engines integrate to 1e-6; the shipped form's thresholds on the derived
``trump_share`` are integrated to the quadrature's tolerance, 1e-8.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, special, stats

import scenarios
import scenarios.spec.priors
from scenarios.cli import EXIT_OK, main
from scenarios.io.data import example, examples, resolution_for
from scenarios.io.resolutions import load_resolution

NAME = "pennsylvania-2024-11-05"
ANCHORED = Path(__file__).parents[1] / "data" / "pennsylvania-anchored" / "priors" / f"{NAME}.yaml"

FILES = [pytest.param(example(NAME), id="shipped"), pytest.param(ANCHORED, id="anchored")]

# Read by hand from each claim's quoted sentence: (Trump %, Harris %), and the margin
# of error (points) or, where the sources give no margin, the sample size.
POLLS = {
    "fox_news_oct30": ((50, 49), {"moe": 3.0}),
    "quinnipiac_oct30": ((47, 46), {"moe": 2.1}),
    "cnn_ssrs_oct30": ((48, 48), {"n": 819}),
    "ces_yougov_oct30": ((48, 49), {"n": 3685}),
    "marist_nov1": ((48, 50), {"moe": 3.4}),
    "washington_post_nov1": ((47, 48), {"moe": 3.1}),
    "siena_nov3": ((48, 48), {"moe": 3.5}),
    "morning_consult_nov3": ((48, 48), {"moe": 3.0}),
}
HOUSE_SD = 1.0  # points, the file's per-pollster house effect (its header)
Q = {"A": 0.95, "B": 0.90, "C": 0.80}  # docs/format.md, "Source letter -> q"
MISS = {"understate_trump": 0.35, "on_target": 0.45, "understate_harris": 0.2}
PRIOR = stats.norm(50, 4.5 / stats.norm.ppf(0.95))  # polled_share: 90% in [45.5, 54.5]
NOISE = stats.norm(50, 3 * PRIOR.std())  # a non-informative number (docs/format.md)


@pytest.fixture(scope="module", params=FILES)
def penn(request: pytest.FixtureRequest) -> scenarios.Scenario:
    return scenarios.load(request.param)


@pytest.fixture(scope="module")
def post(penn: scenarios.Scenario) -> scenarios.Posterior:
    return penn.update()


@pytest.fixture(scope="module")
def shipped() -> scenarios.Scenario:
    return scenarios.load(example(NAME))


def test_is_a_shipped_example_with_a_resolution(shipped: scenarios.Scenario) -> None:
    assert NAME in examples()
    resolution = load_resolution(resolution_for(example(NAME)))
    assert resolution.outcomes["pa_winner"] == "trump"
    assert set(resolution.outcomes) <= set(shipped.outcomes)


@pytest.fixture(scope="module")
def anchored() -> scenarios.Scenario:
    return scenarios.load(ANCHORED)


def test_the_anchored_file_keeps_every_source_and_claim(
    shipped: scenarios.Scenario, anchored: scenarios.Scenario
) -> None:
    assert anchored.sources == shipped.sources and anchored.claims == shipped.claims
    assert anchored.facts["polled_share"] == shipped.facts["polled_share"]
    assert anchored.facts["poll_miss"] == shipped.facts["poll_miss"]
    resolution = load_resolution(resolution_for(example(NAME)))
    assert resolution.outcomes == {"pa_winner": "trump", "pa_margin": "trump_clear"}
    assert load_resolution(resolution_for(ANCHORED)).outcomes == {"pa_winner": "trump"}


def test_every_claim_is_a_poll_of_its_own_pollster_before_as_of(penn: scenarios.Scenario) -> None:
    assert {c.id for c in penn.claims} == set(POLLS)
    assert len({c.source for c in penn.claims}) == len(penn.claims)  # one poll per pollster
    assert penn.as_of is not None
    for c in penn.claims:
        assert c.time is not None and c.time <= penn.as_of, c.id
        assert c.cites is not None and c.text in c.cites, c.id
        assert penn.sources[c.source].grade in Q, c.id


@pytest.mark.parametrize("claim_id", sorted(POLLS))
def test_each_polls_number_is_its_quoted_percentages(
    shipped: scenarios.Scenario, claim_id: str
) -> None:
    (trump, harris), error = POLLS[claim_id]
    claim = next(c for c in shipped.claims if c.id == claim_id)
    hi, lo = max(trump, harris), min(trump, harris)
    assert f"{hi}%-{lo}%" in claim.text or (hi == lo and f"at {hi}%" in claim.text), claim.text
    base = (trump + harris) / 100
    assert claim.reported is not None
    assert claim.reported.value == pytest.approx(100 * trump / (trump + harris), abs=0.005)
    if "moe" in error:
        sampling = error["moe"] / stats.norm.ppf(0.975) / math.sqrt(base)
    else:
        sampling = 100 * math.sqrt(0.25 / error["n"]) / math.sqrt(base)
    assert claim.reported.sd == pytest.approx(math.hypot(sampling, HOUSE_SD), abs=0.006)


def _link(penn: scenarios.Scenario) -> tuple[float, dict[str, float]]:
    """The outcome's log-odds slope per point and shift per miss, from its anchor cases.

    One anchor per effect: the link is the anchors' log-odds differences from the
    baseline case (polls tied, on target), computed here by hand.
    """
    prior = penn.outcomes["pa_winner"].prior
    assert dict(prior.baseline) == {"polled_share": 50, "poll_miss": "on_target"}
    logit = {
        tuple(sorted(dict(a.when).items())): special.logit(a.probs["trump"]) for a in prior.anchors
    }
    base = logit[()]
    slope = logit[(("polled_share", 51),)] - base
    shift = {"on_target": 0.0}
    for miss in ("understate_trump", "understate_harris"):
        shift[miss] = logit[(("poll_miss", miss),)] - base
    return slope, shift


def _trump_above(penn: scenarios.Scenario) -> Callable[[float, str, float], float]:
    """P(Trump's actual share > t | polls read x, miss m), as the file states it.

    The anchored file: its logistic link (only for t = 50). The shipped file: Trump's
    share is x plus a Normal error per miss state, read from polling_error.
    """
    if hasattr(penn.outcomes["pa_winner"].prior, "anchors"):
        slope, shift = _link(penn)
        return lambda x, m, t: float(special.expit(slope * (x - t) + shift[m]))
    rows = {
        dict(r.when)["poll_miss"]: r.prior.parameters
        for r in penn.facts["polling_error"].prior.table
    }
    return lambda x, m, t: float(stats.norm.sf(t, x + rows[m]["mu"], rows[m]["sigma"]))


def test_the_link_is_the_normal_threshold_it_stands_for(anchored: scenarios.Scenario) -> None:
    # P(trump | share x, miss b) = Phi((x + b - 50) / 1.5), within 0.01 everywhere
    slope, shift = _link(anchored)
    x = np.linspace(40, 60, 401)
    for miss, b in (("understate_trump", 2.5), ("on_target", 0.0), ("understate_harris", -2.5)):
        normal = stats.norm.cdf((x + b - 50) / 1.5)
        logistic = special.expit(slope * (x - 50) + shift[miss])
        assert np.abs(normal - logistic).max() < 0.01, miss


def _weight(penn: scenarios.Scenario) -> Callable[[float], float]:
    """Prior density of polled_share times the likelihood of every poll."""
    polls = [
        (c.reported.value, c.reported.sd, Q[penn.sources[c.source].grade])
        for c in penn.claims
        if c.reported is not None
    ]

    def weight(x: float) -> float:
        out = PRIOR.pdf(x)
        for value, sd, q in polls:
            out *= q * stats.norm.pdf(value, x, sd) + (1 - q) * NOISE.pdf(value)
        return float(out)

    return weight


def _expected_above(penn: scenarios.Scenario, t: float, weight: Callable[[float], float]) -> float:
    """P(Trump's share > t | polls), by quad over the polls' common reading, per miss."""
    above = _trump_above(penn)
    lo, hi = 20.0, 80.0
    evidence = integrate.quad(weight, lo, hi, epsabs=0, epsrel=1e-11, limit=200)[0]
    total = 0.0
    for state, p in MISS.items():
        f = lambda x, m=state: weight(x) * above(x, m, t)  # noqa: E731
        total += p * integrate.quad(f, lo, hi, epsabs=0, epsrel=1e-11, limit=200)[0]
    return total / evidence


def _tolerance(penn: scenarios.Scenario) -> float:
    # a threshold on a derived fact is integrated exactly in one input, to the
    # quadrature's tolerance (1e-8; docs/semantics.md); the anchored file's link is a
    # logistic fit of the normal threshold it stands for (1e-6)
    return 1e-6 if "trump_share" not in penn.facts else 1e-8


def test_exact_engine_agrees_with_an_independent_integral(
    penn: scenarios.Scenario, post: scenarios.Posterior
) -> None:
    table = post.scenarios
    expected = _expected_above(penn, 50, _weight(penn))
    tol = _tolerance(penn)
    assert table.loc[("pa_winner", "trump"), "probability"] == pytest.approx(expected, abs=tol)
    assert table.loc[("pa_winner", "harris"), "probability"] == pytest.approx(1 - expected, abs=tol)
    for state in ("harris", "trump"):
        row = table.loc[("pa_winner", state)]
        assert row["lower"] < row["probability"] < row["upper"]


def test_recount_band(penn: scenarios.Scenario, post: scenarios.Posterior) -> None:
    if "pa_margin" not in penn.outcomes:
        pytest.skip("the anchored file cannot state a band (no threshold outcomes)")
    weight = _weight(penn)
    above = {t: _expected_above(penn, t, weight) for t in (49.75, 50.25)}
    expected = {
        "harris_clear": 1 - above[49.75],
        "recount_margin": above[49.75] - above[50.25],
        "trump_clear": above[50.25],
    }
    got = post.scenarios.loc["pa_margin", "probability"]
    for state, p in expected.items():
        assert got[state] == pytest.approx(p, abs=_tolerance(penn)), state


def test_trump_share_quantiles_to_the_tolerance(
    penn: scenarios.Scenario, post: scenarios.Posterior
) -> None:
    # the derived share's quantiles, in probability: the independent CDF at each is its level
    if "trump_share" not in penn.facts:
        pytest.skip("the anchored file has no derived share")
    weight = _weight(penn)
    for level, column in ((0.05, "q05"), (0.5, "median"), (0.95, "q95")):
        q = float(post.quantities.loc["trump_share", column])
        assert 1 - _expected_above(penn, q, weight) == pytest.approx(level, abs=1e-8), column


def test_the_polls_move_the_answer(penn: scenarios.Scenario, post: scenarios.Posterior) -> None:
    # without the polls, P(trump) is the prior's: by symmetry of the prior about 50
    # only the miss's tilt remains (0.35 vs 0.20 towards understated Trump)
    bare = penn.model_copy(update={"claims": ()}).update(intervals=False)
    p_bare = bare.scenarios.loc[("pa_winner", "trump"), "probability"]
    by_hand = _expected_above(penn, 50, lambda x: float(PRIOR.pdf(x)))
    assert p_bare == pytest.approx(by_hand, abs=_tolerance(penn))
    assert abs(post.scenarios.loc[("pa_winner", "trump"), "probability"] - p_bare) > 1e-3


def test_update_and_validate_by_name_from_the_command_line() -> None:
    # `scenarios update NAME` finds the shipped file by its name
    assert main(["update", NAME]) == EXIT_OK
    assert main(["validate", NAME]) == EXIT_OK


def test_a_file_in_the_working_folder_wins_over_an_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / NAME).write_text("not: [a scenario", encoding="utf-8")
    assert main(["validate", NAME]) != EXIT_OK  # the user's file, not the example
    assert NAME in capsys.readouterr().err


@pytest.mark.slow
def test_report_runs_on_the_example_by_name(tmp_path: Path) -> None:
    from scenarios.views.report import read_report

    assert main(["report", NAME, "-o", str(tmp_path), "-q"]) == EXIT_OK
    html = tmp_path / f"{NAME}.html"
    data = read_report(html)
    assert data["provenance"]["priors_file"] == str(example(NAME).resolve())


def test_opens_in_the_explorer(shipped: scenarios.Scenario) -> None:
    from scenarios.views.explorer import Explorer

    ex = Explorer(example(NAME))  # a path: its resolution is found beside it
    assert ex.scenario == shipped
    assert ex.posterior is not None
    assert ("pa_winner", "trump") in ex.posterior.scenarios.index
    assert ex.resolution is not None and ex.resolution.outcomes["pa_winner"] == "trump"


@pytest.mark.slow
def test_full_engine_within_4_mcse_of_exact(shipped: scenarios.Scenario) -> None:
    exact = shipped.update(draws=4000)
    full = shipped.update(engine="pymc", seed=3, chains=2)
    assert full.diagnostics.loc["max_rhat", "value"] <= 1.01
    diff = (full.scenarios["probability"] - exact.scenarios["probability"]).abs()
    assert (diff <= 4 * full.scenarios["mcse"] + 1e-9).all(), diff / full.scenarios["mcse"]
    assert np.isfinite(full.scenarios["mcse"]).all()
