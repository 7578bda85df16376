"""The report's analysis and sections, without a kernel: the library's numbers, shown
through the shared renderers, and its JSON data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import scenarios
from scenarios.analysis import (
    power_scaling,
    score,
    sensitivity,
    timeline,
    timeline_moves,
    value_of_information,
)
from scenarios.analysis.timeline import LEDGER_COLUMNS
from scenarios.io.data import notebook as notebook_path
from scenarios.io.data import resolution_for
from scenarios.io.resolutions import load_resolution
from scenarios.views import plots, report
from scenarios.views.formats import points
from scenarios.views.report import ReportAnalysis, ReportInputs, report_inputs
from tests.analysis.conftest import confounded

from .pages import cell, having, rows, texts

WAGNER = scenarios.default_priors()
EVER_GIVEN = scenarios.example("ever-given-2021-03-25")
RESOLUTION = resolution_for(WAGNER)
#: How the Ever Given questions resolved (for tests only: the canal reopened on 29 March
#: 2021 and the queue was cleared on 3 April).
EVER_GIVEN_RESOLUTION = (
    "format: scenarios-resolution/1\ntitle: How the Suez blockage ended\n"
    "resolved_at: 2021-04-10T00:00:00Z\n"
    "outcomes:\n  canal_reopens: mar29_apr04\n  queue_cleared_by_apr10: true\n"
)


@pytest.fixture(scope="module")
def wagner_post() -> scenarios.Posterior:
    return scenarios.load(WAGNER).update()


def test_scenario_section_shows_probabilities_intervals_and_their_meaning(
    wagner_post: scenarios.Posterior,
) -> None:
    page = report.scenarios_section(wagner_post)
    for (outcome, state), row in wagner_post.scenarios.iterrows():
        [shown] = rows(page, data_outcome=outcome, data_state=state)
        assert cell(shown, "probability") == f"{row.probability:.1%}"
        assert cell(shown, "interval") == f"{row.lower:.1%} – {row.upper:.1%}"
        meaning = wagner_post.scenario.outcomes[outcome].states[state]
        assert cell(shown, "meaning") == meaning
    assert wagner_post.interval in page
    assert "<style>" not in page  # the header carries the page's stylesheet
    assert "<style>" in report.header_html(wagner_post)


def test_changes_section_shows_the_largest_moves(wagner_post: scenarios.Posterior) -> None:
    page = report.changes_section(wagner_post)
    compare = wagner_post.compare()
    top = compare["change"].abs().sort_values(ascending=False, kind="stable").head(12)
    shown = [r for r in rows(page, table="scn-table scn-compare") if r["cells"][0]["class"]]
    assert [cell(r, "change") for r in shown] == [
        points(compare.loc[k, "change"]) for k in top.index
    ]


def test_claims_section_has_every_claim(wagner_post: scenarios.Posterior) -> None:
    s = wagner_post.scenario
    page = report.claims_section(wagner_post)
    assert [r["attrs"]["data-claim"] for r in having(page, "data-claim")] == [
        c.id for c in s.claims
    ]
    [hq] = rows(page, data_claim="hq_seized")
    claim = s.claim("hq_seized")
    assert cell(hq, "grade") == s.sources[claim.source].grade
    assert claim.cites in cell(hq, "text")


def test_text_from_the_file_is_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    s = scenarios.load(WAGNER).replace(title=hostile, description=hostile)
    post = s.update(intervals=False)
    page = report.header_html(post)
    assert hostile not in page and "&lt;script&gt;" in page


def test_the_header_names_overrides_and_failed_diagnostics(
    wagner_post: scenarios.Posterior,
) -> None:
    inputs = report_inputs(overrides={"hq_seized": {"p": 0.6}})
    page = report.header_html(wagner_post, inputs)
    assert "Priors overridden for this report: hq_seized" in page
    assert "Diagnostics failed" not in page
    with pytest.warns(scenarios.SamplingWarning):  # too few draws for the ESS threshold
        low = scenarios.load(WAGNER).update(draws=50)
    assert low.warnings
    page = report.header_html(low)
    assert "Diagnostics failed" in page and "enough effective draws" in page
    assert "(importance_ess)" in page


def test_provenance_block_names_every_input(wagner_post: scenarios.Posterior) -> None:
    inputs = report_inputs(overrides={"hq_seized": {"p": 0.6}}, seed=7)
    post, _ = report.run_update(inputs)
    record = report.provenance(post, inputs)
    page = report.provenance_html(record)
    [sha] = rows(page, data_provenance="priors file sha256")
    assert texts(sha)[1] == inputs.sha256
    assert "scenarios report" in page and "-p overrides" in page and "--seed 7" in page
    assert json.loads(json.dumps(record)) == record


def test_charts_have_one_panel_per_outcome_and_fact(wagner_post: scenarios.Posterior) -> None:
    fig = plots.plot_scenarios(wagner_post)
    assert len(fig.axes) == len(wagner_post.scenario.outcomes)
    fig = plots.plot_prior_posterior(wagner_post)
    facts = wagner_post.facts.index.get_level_values(0).unique()
    assert sum(ax.axison for ax in fig.axes) == len(facts)
    assert plots.plot_sampling(wagner_post) is None  # exact engine: nothing sampled


def test_the_resolution_is_found_beside_the_priors_folder(tmp_path: Path) -> None:
    assert resolution_for(EVER_GIVEN) is None
    (tmp_path / "priors").mkdir()
    (tmp_path / "resolutions").mkdir()
    priors = tmp_path / "priors" / "x.yaml"
    priors.write_text("")
    assert resolution_for(priors) is None
    (tmp_path / "resolutions" / "x.yaml").write_text("")
    assert resolution_for(priors) == tmp_path / "resolutions" / "x.yaml"


@pytest.fixture(scope="module")
def ever_given(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ReportInputs, scenarios.Posterior, ReportAnalysis]:
    """The Ever Given scenario in a folder of its own, with a resolution beside it."""
    base = tmp_path_factory.mktemp("ever-given")
    (base / "priors").mkdir()
    (base / "resolutions").mkdir()
    priors = base / "priors" / EVER_GIVEN.name
    priors.write_bytes(EVER_GIVEN.read_bytes())
    (base / "resolutions" / EVER_GIVEN.name).write_text(EVER_GIVEN_RESOLUTION)
    inputs = report_inputs(priors)
    post, _ = report.run_update(inputs)
    return inputs, post, report.run_analysis(post, inputs)


def test_run_analysis_is_the_librarys(
    ever_given: tuple[ReportInputs, scenarios.Posterior, ReportAnalysis],
) -> None:
    inputs, post, analysis = ever_given
    s = inputs.scenario
    table = timeline(s)
    assert_frame_equal(analysis.timeline, table)
    sens = sensitivity(s)
    assert_frame_equal(analysis.sensitivity.table, sens.table)
    assert analysis.sensitivity.probability == sens.probability
    first = next(iter(s.outcomes))
    likeliest = post.scenarios.loc[first, "probability"].idxmax()
    assert analysis.sensitivity.target == (first, likeliest)
    power = power_scaling(s, (first, likeliest))
    assert analysis.power.target == (first, likeliest)
    assert_frame_equal(analysis.power.table, power.table)
    assert (analysis.power.prior_slope, analysis.power.evidence_slope) == (
        power.prior_slope,
        power.evidence_slope,
    )
    assert list(analysis.voi) == list(s.outcomes)
    for outcome in s.outcomes:
        voi = value_of_information(s, outcome)
        assert analysis.voi[outcome].outcome == outcome
        assert analysis.voi[outcome].entropy_bits == voi.entropy_bits
        assert_frame_equal(analysis.voi[outcome].table, voi.table)
    assert analysis.resolution_path == inputs.path.parent.parent / "resolutions" / EVER_GIVEN.name
    resolution = load_resolution(analysis.resolution_path)
    assert analysis.resolution == resolution
    assert_frame_equal(analysis.score, score(post, resolution))
    assert analysis.score_problem is None

    # which report moved what: every step once, largest move first, its largest change
    moves = analysis.moves
    assert_frame_equal(moves, timeline_moves(table))
    assert sorted(moves.index) == list(table.index[1:])
    assert list(moves["moved"]) == sorted(table["moved"].iloc[1:], reverse=True)
    probs = table[[c for c in table.columns if c[0] not in LEDGER_COLUMNS]]
    for step, r in moves.iterrows():
        change = probs.loc[step] - probs.loc[step - 1]
        assert r["change"] == pytest.approx(change[(r["outcome"], r["state"])], abs=1e-15)
        assert abs(r["change"]) == pytest.approx(table.at[step, ("moved", "")], abs=1e-15)
        assert r["claim"] == table.at[step, ("claim", "")]


def test_analysis_sections_show_the_librarys_numbers(
    ever_given: tuple[ReportInputs, scenarios.Posterior, ReportAnalysis],
) -> None:
    _, post, analysis = ever_given
    page = report.timeline_section(analysis)
    top = analysis.moves.head(report.TOP_MOVES)
    shown = having(page, "data-step")
    assert [r["attrs"]["data-step"] for r in shown] == [str(i) for i in top.index]
    for r, m in zip(shown, top.itertuples(), strict=True):
        assert f"({m.change * 100:+.1f} pts)" in cell(r, "most")
        assert cell(r, "report").startswith(m.claim) and m.text in cell(r, "report")

    sens, power = analysis.sensitivity, analysis.power
    page = report.sensitivity_section(analysis)
    shown = having(page, "data-rank")
    assert len(shown) == min(report.TOP_SENSITIVITY, len(sens.table))
    for r, t in zip(shown, sens.table.head(report.TOP_SENSITIVITY).itertuples(), strict=True):
        assert cell(r, "swing") == f"{t.swing * 100:.1f} pts"
        assert cell(r, "p-low") == f"{t.p_low:.1%}" and cell(r, "p-high") == f"{t.p_high:.1%}"
    assert f"the prior drives {power.prior_share:.0%} of the answer" in page

    page = report.voi_section(analysis)
    for outcome, result in analysis.voi.items():
        table = result.table
        shown = rows(page, data_outcome=outcome)
        assert [r["attrs"]["data-fact"] for r in shown] == list(table.index[: report.TOP_VOI])
        assert cell(shown[0], "mi") == f"{table['mutual_information'].iloc[0]:.4f}"

    page = report.scoring_section(analysis)
    assert "Hindsight" in page and "How the Suez blockage ended" in page
    for r in analysis.score.itertuples():
        [row] = rows(page, table="scn-table scn-score", data_outcome=r.Index)
        assert texts(row) == [
            r.Index,
            r.resolved,
            f"{r.p_resolved:.1%}",
            f"{r.brier:.4f}",
            f"{r.log_score:.4f}",
        ]

    fig = plots.plot_timelines(analysis.timeline)
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == [
        f"{o}: report by report" for o in post.scenario.outcomes
    ]
    fig = plots.plot_sensitivity(sens)
    assert len(fig.axes[0].patches) == 2 * min(report.TOP_SENSITIVITY, len(sens.table))


def test_analysis_data_is_json_with_the_librarys_numbers(
    ever_given: tuple[ReportInputs, scenarios.Posterior, ReportAnalysis],
) -> None:
    inputs, post, analysis = ever_given
    data = json.loads(json.dumps(report.report_data(post, inputs, analysis=analysis)))
    table = analysis.timeline
    steps = data["timeline"]["steps"]
    assert [s["claim"] for s in steps] == list(table["claim"])
    for step in steps:
        for outcome, probs in step["probabilities"].items():
            for state, p in probs.items():
                assert p == table.loc[step["step"], (outcome, state)]
    assert [m["step"] for m in data["timeline"]["moved_most"]] == list(
        analysis.moves.index[: report.TOP_MOVES]
    )
    sens = analysis.sensitivity
    assert data["sensitivity"]["target"] == list(sens.target)
    assert data["sensitivity"]["probability"] == sens.probability
    rows_ = pd.DataFrame(data["sensitivity"]["rows"])
    assert_frame_equal(rows_, sens.table, check_like=False, check_flags=False)
    power = analysis.power
    assert data["power_scaling"]["prior_share"] == power.prior_share
    assert data["power_scaling"]["prior_slope"] == power.prior_slope
    assert data["power_scaling"]["evidence_slope"] == power.evidence_slope
    got = pd.DataFrame(data["power_scaling"]["table"]).set_index("alpha")
    assert_frame_equal(got, power.table, check_flags=False)
    for outcome, result in analysis.voi.items():
        got = pd.DataFrame(data["value_of_information"][outcome]["rows"]).set_index("fact")
        assert_frame_equal(got, result.table, check_flags=False)
        assert data["value_of_information"][outcome]["entropy_bits"] == result.entropy_bits
    scoring = data["scoring"]
    assert scoring["hindsight"] is True
    assert scoring["resolved"] == {"canal_reopens": "mar29_apr04", "queue_cleared_by_apr10": "true"}
    got = pd.DataFrame(scoring["outcomes"]).set_index("outcome")
    assert_frame_equal(got, analysis.score)
    assert scoring["mean_brier"] == pytest.approx(analysis.score["brier"].mean())


def test_a_resolution_that_does_not_fit_is_reported_not_fatal(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: scenarios-resolution/1\ntitle: t\noutcomes: {o: maybe}\n")
    post = confounded().update()
    analysis = report.run_analysis(post, resolution=bad)
    assert analysis.score is None and "not a state of" in analysis.score_problem
    page = report.scoring_section(analysis)
    assert "cannot be scored" in page and str(bad) in page
    unreadable = tmp_path / "unreadable.yaml"
    unreadable.write_text("outcomes: [\n")
    analysis = report.run_analysis(post, resolution=unreadable)
    assert analysis.score is None and str(unreadable) in analysis.score_problem
    # no resolution: no scoring at all
    assert report.run_analysis(post).resolution_path is None


def test_the_bottom_line_is_the_answer_the_moves_and_what_to_watch(
    wagner_post: scenarios.Posterior,
) -> None:
    inputs = report_inputs()
    analysis = report.run_analysis(wagner_post, inputs)
    page = report.bottom_line_section(wagner_post, analysis)
    s = wagner_post.scenario
    for name in s.outcomes:  # the most likely state of each outcome, from the posterior
        probs = wagner_post.scenarios.loc[name, "probability"]
        [answer] = re.findall(rf'<p class="scn-answer" data-outcome="{name}">(.*?)</p>', page)
        assert f"Most likely: <b>{probs.idxmax()}</b>" in answer
        assert f"{probs.max():.1%}" in answer
    # the reports that moved a scenario probability most, computed again from the timeline
    moves = timeline_moves(timeline(s))
    want = list(moves.sort_values("moved", ascending=False, kind="stable")["claim"].head(3))
    got = [li.split('"')[1] for li in page.split("<li data-claim=")[1:]]
    assert got == want
    # what to watch: each outcome's most informative unresolved facts
    for name in s.outcomes:
        top = list(value_of_information(s, name).table.index[: report.BOTTOM_WATCH])
        for fact in top:
            assert f'data-outcome="{name}" data-fact="{fact}"' in page
    assert 'class="scn-table' in page  # the scenario table is on the first screen


def test_the_detail_folds_below_the_bottom_line() -> None:
    import nbformat

    cells = [nbformat.v4.new_markdown_cell("# Answer")]
    detail = nbformat.v4.new_markdown_cell("## Scenario probabilities\n\ndetail text")
    detail.id = report.build.DETAIL_CELL_ID
    cells += [detail, nbformat.v4.new_markdown_cell("## Provenance")]
    page = report.render_html(nbformat.v4.new_notebook(cells=cells), "t")
    head, _, folded = page.partition('<details class="scn-detail">')
    assert "Answer" in head and "detail text" not in head
    assert "detail text" in folded and "Provenance" in folded
    assert folded.index("</details>") > folded.index("Provenance")
    assert page.count("<details") == page.count("</details>") == 1
    # the shipped notebook has the cell, after the bottom line
    nb = nbformat.read(notebook_path("report"), as_version=4)
    ids = [c.get("id") for c in nb.cells]
    assert ids.index("bottom-line") < ids.index(report.build.DETAIL_CELL_ID)


def test_the_header_shows_the_merged_prior_beside_the_files() -> None:
    inputs = report_inputs(overrides='{"army_strikes": {"p": 0.6}}')
    wagner = scenarios.load(scenarios.default_priors())
    kept = wagner.facts["army_strikes"].prior.concentration
    page = report.header_html(inputs.scenario.update(intervals=False), inputs)
    assert (
        f"army_strikes {{&#34;concentration&#34;:{kept},&#34;p&#34;:0.6}}" in page
        or f"army_strikes {{&quot;concentration&quot;:{kept},&quot;p&quot;:0.6}}" in page
    )


def test_the_picture_follows_the_bottom_line_with_the_reports_moves(
    ever_given: tuple[ReportInputs, scenarios.Posterior, ReportAnalysis],
) -> None:
    import xml.etree.ElementTree as ET

    import nbformat

    from scenarios.analysis.graph import model_graph

    inputs, post, analysis = ever_given
    page = report.picture_section(post, analysis)
    svg = ET.fromstring(page[page.index("<svg") : page.rindex("</section>")])
    ns = "{http://www.w3.org/2000/svg}"
    shown = {
        g.attrib["data-node"]: g.attrib.get("data-moved")
        for g in svg.iter(f"{ns}g")
        if "scn-node" in g.attrib.get("class", "")
    }
    graph = model_graph(inputs.scenario)
    assert list(shown) == [n.id for n in graph.nodes]
    steps = analysis.timeline.iloc[1:]
    for rid, moved in zip(steps["claim"], steps[("moved", "")], strict=True):
        assert float(shown[f"claim:{rid}"]) == pytest.approx(float(moved), rel=1e-5, abs=1e-12)
    assert all(v is not None for v in shown.values())  # every node coloured
    nb = nbformat.read(notebook_path("report"), as_version=4)
    ids = [c.get("id") for c in nb.cells]
    assert ids.index("bottom-line") < ids.index("model-picture") < ids.index("report-detail")
