"""The one set of HTML renderers: every renderer on the Wagner posterior, its hooks, the
library's numbers in the cells, and text from a file never becoming markup."""

from __future__ import annotations

import dataclasses
import html
import re
from typing import Any

import pandas as pd
import pytest
import yaml

import scenarios
from scenarios.analysis import (
    power_scaling,
    score,
    sensitivity,
    timeline,
    timeline_moves,
    value_of_information,
    what_if,
)
from scenarios.io.data import resolution_for
from scenarios.io.resolutions import load_resolution
from scenarios.io.scenario_files import from_dict
from scenarios.views import formats
from scenarios.views import html as views

from .pages import cell, rows

HOSTILE = "<script>alert('x')</script>&\""


@pytest.fixture(scope="module")
def wagner() -> scenarios.Scenario:
    return scenarios.load(scenarios.default_priors())


@pytest.fixture(scope="module")
def post(wagner: scenarios.Scenario) -> scenarios.Posterior:
    return wagner.update()


@pytest.fixture(scope="module")
def hostile(wagner: scenarios.Scenario) -> scenarios.Scenario:
    """Wagner with markup in every free text a view shows."""
    data = yaml.safe_load(scenarios.dumps(wagner))
    outcome = data["outcomes"]["mutiny_end"]
    outcome["question"] = HOSTILE
    outcome["states"] = {s: HOSTILE for s in outcome["states"]}
    data["claims"][0]["text"] = HOSTILE
    data["claims"][0]["cites"] = HOSTILE
    for source in data["sources"].values():
        source["name"] = HOSTILE
    return from_dict(data)


def test_formatters_are_the_views_number_styles() -> None:
    assert formats.probability(0.31439) == "31.4%"
    assert formats.probability(0.31439, "decimal") == "0.314"
    assert formats.change(-0.0451) == "-4.5 pts"
    assert formats.change(-0.0451, "decimal") == "-0.045"
    assert formats.points(-1e-9) == "+0.0 pts"  # never -0.0
    assert formats.fixed(-1e-13, 3) == "0.000"
    with pytest.raises(ValueError, match="fmt: expected one of"):
        formats.probability(0.5, "fraction")  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["percent", "decimal"])
def test_scenario_table_has_a_row_per_state_with_the_librarys_numbers(
    post: scenarios.Posterior, fmt: formats.Format
) -> None:
    page = views.scenario_table_html(post, fmt=fmt)
    prior = post.prior_scenarios["probability"]
    shown = rows(page, table="scn-table scn-scenarios")
    body = [r for r in shown if "data-state" in r["attrs"]]
    assert [(r["attrs"]["data-outcome"], r["attrs"]["data-state"]) for r in body] == list(
        post.scenarios.index
    )
    for r in body:
        key = (r["attrs"]["data-outcome"], r["attrs"]["data-state"])
        want = post.scenarios.loc[key]
        assert cell(r, "probability") == formats.probability(want["probability"], fmt)
        assert cell(r, "interval") == (
            f"{formats.probability(want['lower'], fmt)} – {formats.probability(want['upper'], fmt)}"
        )
        assert cell(r, "prior") == formats.probability(prior[key], fmt)
        assert cell(r, "change") == formats.change(want["probability"] - prior[key], fmt)
    groups = [r["attrs"]["data-group"] for r in shown if "data-group" in r["attrs"]]
    assert groups == list(post.scenario.outcomes)
    assert post.interval in page and "<style>" in page
    assert "<style>" not in views.scenario_table_html(post, css=False)


def test_scenario_table_options_add_columns(post: scenarios.Posterior) -> None:
    plain = views.scenario_table_html(post, bars=False, notes=False, mcse=False)
    assert "<th>MCSE</th>" not in plain and "<th>exact engine</th>" not in plain
    assert 'class="scn-bar"' not in plain and "what it means" in plain
    # a table with a Monte Carlo error (Wagner's Dirichlet anchors) shows it by default
    assert "<th>MCSE</th>" in views.scenario_table_html(post)
    page = views.scenario_table_html(post, fmt="decimal", mcse=True, exact=post)
    for r in rows(page, data_outcome="mutiny_end"):
        assert cell(r, "exact") == cell(r, "probability")
        want = post.scenarios.loc[("mutiny_end", r["attrs"]["data-state"]), "mcse"]
        assert cell(r, "mcse") == f"{want:.4f}"  # the anchors' quasi-Monte Carlo error
    # the explorer's regular expression over the markup (one row per line, class order)
    found = re.findall(
        r'<tr[^>]*data-outcome="([^"]+)" data-state="([^"]+)">.*?'
        r'<td class="probability num">([^<]+)</td>',
        page,
    )
    assert len(found) == len(post.scenarios)


def test_comparison_shows_every_fact_state_or_the_largest_changes(
    post: scenarios.Posterior,
) -> None:
    compare = post.compare()
    page = views.comparison_html(post, fmt="decimal")
    facts = [r for r in rows(page) if "data-fact" in r["attrs"] and "data-state" in r["attrs"]]
    want = [k for k in compare.index if k[0] in post.facts.index.get_level_values(0)]
    assert [(r["attrs"]["data-fact"], r["attrs"]["data-state"]) for r in facts] == want
    for r in facts:
        key = (r["attrs"]["data-fact"], r["attrs"]["data-state"])
        assert cell(r, "posterior") == f"{compare.loc[key, 'posterior']:.3f}"
    assert rows(page, data_fact="troops", data_when="posterior")  # the quantities too

    top = views.comparison_html(post, top=4, outcomes=True, quantities=False)
    shown = rows(top, table="scn-table scn-compare")[1:]
    largest = compare["change"].abs().sort_values(ascending=False, kind="stable").head(4)
    assert [cell(r, "change") for r in shown] == [
        formats.change(compare.loc[k, "change"]) for k in largest.index
    ]
    assert "scn-quantities" not in top


def test_quantities_prior_and_posterior(post: scenarios.Posterior) -> None:
    page = views.quantities_html(post)
    [r] = rows(page, data_fact="troops", data_when="posterior")
    assert cell(r, "mean") == f"{post.quantities.loc['troops', 'mean']:.4g}"
    [r] = rows(page, data_fact="troops", data_when="prior")
    assert cell(r, "q95") == f"{post.prior_quantities.loc['troops', 'q95']:.4g}"


def test_diagnostics_and_warnings(post: scenarios.Posterior) -> None:
    page = views.diagnostics_html(post, ["a <b> message"])
    for name, r in post.diagnostics.iterrows():
        [row] = rows(page, data_diagnostic=name)
        assert cell(row, "value") == formats.beside(r["value"], r["want"])
        assert cell(row, "verdict") == ("ok" if r["ok"] else "FAILED")
    assert "All diagnostics passed." in page and "a &lt;b&gt; message" in page
    assert "quadrature_nodes = 24" in page

    diagnostics = post.diagnostics.copy()
    diagnostics["want"] = diagnostics["want"].astype(object)
    diagnostics.loc["pareto_k", ["value", "want", "ok"]] = [0.9, "<= 0.7 'k'", False]
    failing = dataclasses.replace(post, diagnostics=diagnostics)
    [message] = views.failed_checks(failing)
    assert "Pareto k" in message and "0.9, wanted <= 0.7 'k'" in message
    page = views.warnings_html(failing)
    assert f'<div class="scn-warn">{html.escape(message)}</div>' in page
    page = views.diagnostics_html(failing)
    assert "All diagnostics passed." not in page
    [row] = rows(page, data_diagnostic="pareto_k")
    assert row["attrs"]["class"] == "scn-fail" and cell(row, "verdict") == "FAILED"


def test_claims_every_claim_and_source(wagner: scenarios.Scenario) -> None:
    page = views.claims_html(wagner)
    assert [r["attrs"]["data-claim"] for r in rows(page) if "data-claim" in r["attrs"]] == [
        c.id for c in wagner.claims
    ]
    [r] = rows(page, data_claim="hq_seized")
    claim = wagner.claim("hq_seized")
    assert cell(r, "grade") == wagner.sources[claim.source].grade
    assert cell(r, "status") == claim.status
    assert [r["attrs"]["data-source"] for r in rows(page) if "data-source" in r["attrs"]] == list(
        wagner.sources
    )
    table = views.claims_table(wagner)
    assert list(table["claim"]) == [c.id for c in wagner.claims]


@pytest.fixture(scope="module")
def analysed(wagner: scenarios.Scenario, post: scenarios.Posterior) -> dict[str, Any]:
    table = timeline(wagner)
    sens = sensitivity(wagner)
    return {
        "timeline": table,
        "moves": timeline_moves(table),
        "sensitivity": sens,
        "power": power_scaling(wagner, sens.target),
        "voi": {o: value_of_information(wagner, o) for o in wagner.outcomes},
        "what_if": what_if(wagner, army_loyalty="defecting"),
        "score": score(post, load_resolution(resolution_for(scenarios.default_priors()))),
    }


def test_timeline_steps(analysed: dict[str, Any]) -> None:
    moves, table = analysed["moves"], analysed["timeline"]
    page = views.timeline_steps_html(moves, table, "mutiny_end", fmt="decimal")
    shown = [r for r in rows(page) if "data-step" in r["attrs"]]
    assert [r["attrs"]["data-claim"] for r in shown] == list(moves["claim"])
    for r, (_, m) in zip(shown, moves.iterrows(), strict=True):
        assert cell(r, "moved") == f"{m['moved'] * 100:.1f}"
        assert f"({formats.points(m['change'])})" in cell(r, "most")
        assert len([c for c in r["cells"] if c["class"][:1] == ["change"]]) == 5
    top = views.timeline_steps_html(moves, top=3)
    assert [r["attrs"]["data-step"] for r in rows(top) if "data-step" in r["attrs"]] == [
        str(s) for s in moves.index[:3]
    ]
    assert "The 3 of" in top


@pytest.mark.parametrize("fmt", ["percent", "decimal"])
def test_sensitivity(analysed: dict[str, Any], fmt: formats.Format) -> None:
    sens, power = analysed["sensitivity"], analysed["power"]
    page = views.sensitivity_html(sens, power, fmt=fmt)
    shown = [r for r in rows(page) if "data-rank" in r["attrs"]]
    assert [r["attrs"]["data-rank"] for r in shown] == [str(i) for i in range(1, 11)]
    for r, t in zip(shown, sens.table.head(10).itertuples(), strict=True):
        assert r["attrs"]["data-name"] == t.name
        assert cell(r, "p-low") == formats.probability(t.p_low, fmt)
        assert cell(r, "p-high") == formats.probability(t.p_high, fmt)
        assert cell(r, "swing") == formats.change(t.swing, fmt, signed=False)
    share = power.prior_share
    assert f"the prior drives {share:.0%} of the answer" in page
    outcome, state = sens.target
    want = formats.probability(sens.probability, fmt)
    assert f"P({outcome} = {state}) = {want}" in page


def test_value_of_information_one_outcome_or_all(analysed: dict[str, Any]) -> None:
    voi = analysed["voi"]
    one = voi["mutiny_end"]
    page = views.voi_html(one)  # shown under its own outcome
    shown = [r for r in rows(page) if "data-fact" in r["attrs"]]
    assert [r["attrs"]["data-fact"] for r in shown] == list(one.table.index)
    assert {r["attrs"]["data-outcome"] for r in shown} == {"mutiny_end"}
    assert cell(shown[0], "mi") == f"{one.table.iloc[0]['mutual_information']:.4f}"
    assert f"Look for <b>{one.table.index[0]}</b> next" in page
    assert f"of {one.entropy_bits:.3f} bits" in page
    page = views.voi_html(voi, top=5)
    for outcome, result in voi.items():
        got = [r["attrs"]["data-fact"] for r in rows(page, data_outcome=outcome)]
        assert got == list(result.table.index[:5])
    empty = dataclasses.replace(one, table=one.table.iloc[:0])
    assert "Every fact is already known." in views.voi_html(empty, "mutiny_end")


def test_what_if(wagner: scenarios.Scenario, analysed: dict[str, Any]) -> None:
    table = analysed["what_if"]
    summary = views.what_if_summary(table, wagner, "army_loyalty", "defecting", fmt="decimal")
    page = views.what_if_html(table, summary, "army_loyalty = defecting", fmt="decimal")
    assert "if we learnt army_loyalty = defecting" in page
    for (outcome, state), r in table.iterrows():
        [row] = rows(page, data_outcome=outcome, data_state=state)
        for col in ("now", "observe", "intervene"):
            assert cell(row, col) == f"{r[col]:.3f}"
    assert html.escape(summary) in page and "army_loyalty has no causes" in summary


def test_score_with_and_without_a_baseline(analysed: dict[str, Any]) -> None:
    table = analysed["score"]
    page = views.score_html(table)
    for outcome, r in table.iterrows():
        [row] = rows(page, data_outcome=outcome)
        assert [c["text"] for c in row["cells"]] == [
            outcome,
            r["resolved"],
            f"{r['p_resolved']:.1%}",
            f"{r['brier']:.4f}",
            f"{r['log_score']:.4f}",
        ]
    assert f"Brier <b>{table['brier'].mean():.4f}</b>" in page
    worse = table.assign(brier=table["brier"] + 0.01)
    page = views.score_html(worse, table, fmt="decimal")
    [row] = rows(page, data_outcome="mutiny_end")
    assert cell(row, "p-resolved") == f"{table.loc['mutiny_end', 'p_resolved']:.4f}"
    assert cell(row, "brier-change") == "+0.0100 worse"
    page = views.score_html(None, problem="no <outcome> 'x'", where="r.yaml")
    assert "cannot be scored" in page and "no &lt;outcome&gt; &#x27;x&#x27;" in page


def test_text_from_a_file_is_escaped_by_every_renderer(
    hostile: scenarios.Scenario, analysed: dict[str, Any]
) -> None:
    post = hostile.update(intervals=False)
    pages = {
        "scenario table": views.scenario_table_html(post),
        "claims": views.claims_html(hostile),
        "note": views.note_html(HOSTILE, "warn"),
    }
    # analysis tables whose names and texts come from a file
    moves = analysed["moves"].assign(claim=HOSTILE, text=HOSTILE)
    pages["timeline"] = views.timeline_steps_html(moves)
    sens = analysed["sensitivity"]
    sens = dataclasses.replace(
        sens, table=sens.table.assign(name=HOSTILE, parameter=HOSTILE, low=HOSTILE)
    )
    pages["sensitivity"] = views.sensitivity_html(sens, analysed["power"])
    voi = analysed["voi"]["mutiny_end"]
    voi = dataclasses.replace(voi, table=voi.table.rename(index=lambda _: HOSTILE))
    pages["voi"] = views.voi_html(voi, HOSTILE)
    pages["what-if"] = views.what_if_html(analysed["what_if"], HOSTILE, HOSTILE)
    resolution = load_resolution(resolution_for(scenarios.default_priors()))
    pages["score"] = views.score_html(
        analysed["score"].assign(resolved=HOSTILE),
        resolution=resolution.model_copy(update={"title": HOSTILE}),
        where=HOSTILE,
    )
    for name, page in pages.items():
        assert "<script>" not in page, name
        assert html.escape(HOSTILE) in page, name


def test_every_fragment_is_one_block_after_the_stylesheet(post: scenarios.Posterior) -> None:
    page = views.diagnostics_html(post)
    assert page.startswith("<style>") and page.count('<div class="scn-block') == 1
    assert views.stylesheet() in page
    assert "&gt;" not in page.split("</style>")[0]  # the CSS is not escaped


def test_a_failed_value_never_reads_as_its_threshold(post: scenarios.Posterior) -> None:
    """`max_rhat 1.0101 | <= 1.01 | FAILED`, never `1.01 | <= 1.01 | FAILED`."""
    diagnostics = pd.DataFrame(
        {"value": [1.0101, 1.01, 399.99], "want": ["<= 1.01", "<= 1.01", ">= 400"]},
        index=pd.Index(["max_rhat", "other", "min_ess_bulk"], name="diagnostic"),
    )
    diagnostics["ok"] = [False, True, False]
    failing = dataclasses.replace(post, diagnostics=diagnostics)
    page = views.diagnostics_html(failing)
    shown = {n: cell(rows(page, data_diagnostic=n)[0], "value") for n in diagnostics.index}
    assert shown == {"max_rhat": "1.0101", "other": "1.01", "min_ess_bulk": "399.99"}
    for name, r in diagnostics.iterrows():  # what is shown compares as the value does
        assert (float(shown[name]) <= 1.01) == (r["value"] <= 1.01)
    assert "chains agree" in page and "SamplingWarning" not in page
    assert html.escape("1.0101, wanted <= 1.01") in views.warnings_html(failing)
