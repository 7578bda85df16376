"""Reports: the real notebook run by papermill in a real kernel, rendered to HTML.

The numbers a report shows are checked against the library computing them in this
process; parameters are checked to be data (a marker file shows that no code ran); an
interrupted or failed run must leave the previous report as it was.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
from pandas.testing import assert_frame_equal
from papermill.exceptions import PapermillExecutionError

import scenarios
from scenarios import reports
from scenarios.analysis import (
    power_scaling,
    score,
    sensitivity,
    timeline,
    value_of_information,
)
from scenarios.io import load_resolution
from scenarios.reports import (
    ParameterError,
    ReportError,
    build_report,
    parse_overrides,
    read_report,
    report_inputs,
)
from tests.analysis.conftest import confounded

from .conftest import tally

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
WAGNER = scenarios.default_priors()
EVER_GIVEN = ROOT / "priors" / "ever-given-2021-03-25.yaml"
RESOLUTION = ROOT / "resolutions" / "wagner-2023-06-23.yaml"
OVERRIDE = {"hq_seized": {"p": 0.6}}
#: How the Ever Given questions resolved (for tests only: the canal reopened on 29 March
#: 2021 and the queue was cleared on 3 April).
EVER_GIVEN_RESOLUTION = (
    "format: scenarios-resolution/1\ntitle: How the Suez blockage ended\n"
    "resolved_at: 2021-04-10T00:00:00Z\n"
    "outcomes:\n  canal_reopens: mar29_apr04\n  queue_cleared_by_apr10: true\n"
)


def _frame(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(records).set_index(["variable", "state"]).sort_index()


def _strip_run_time(page: str, data: dict) -> str:
    return page.replace(data["provenance"]["run_at_utc"], "<run at>")


def _variant(tmp: Path, code: str) -> Path:
    """A copy of the report notebook with one more code cell, after the update has run."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = copy.deepcopy(nb.cells)
    first_table = next(i for i, c in enumerate(cells) if "scenario_table_html" in c.source)
    cells.insert(first_table, nbformat.v4.new_code_cell(code))
    nb.cells = cells
    path = tmp / "variant.ipynb"
    nbformat.write(nb, path)
    return path


def _others(folder: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def _rows(page: str) -> list[tuple[dict[str, str], list[str]]]:
    """Every table row of a page: its attributes and its cells' text.

    nbconvert re-serialises the HTML of outputs (attribute order, quotes), so the report's
    rows are read with a parser, not matched as text.
    """
    from html.parser import HTMLParser

    rows: list[tuple[dict[str, str], list[str]]] = []

    class Rows(HTMLParser):
        cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "tr":
                rows.append(({k: v or "" for k, v in attrs}, []))
            elif tag in ("td", "th") and rows:
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th") and self.cell is not None:
                rows[-1][1].append("".join(self.cell).strip())
                self.cell = None

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

    Rows().feed(page)
    return rows


def _where(page: str, **attrs: str) -> list[tuple[dict[str, str], list[str]]]:
    """The rows whose attributes include ``attrs`` (``data_fact`` for ``data-fact``)."""
    want = {k.replace("_", "-"): v for k, v in attrs.items()}
    return [(a, c) for a, c in _rows(page) if all(a.get(k) == v for k, v in want.items())]


def _with(page: str, attribute: str) -> list[dict[str, str]]:
    return [a for a, _ in _rows(page) if attribute in a]


# --- inputs, without a kernel --------------------------------------------------------


def test_report_inputs_default_and_hash() -> None:
    inputs = report_inputs()
    assert inputs.path == WAGNER.resolve()
    assert inputs.sha256 == hashlib.sha256(WAGNER.read_bytes()).hexdigest()
    assert inputs.seed is None and inputs.draws == 4000 and inputs.engine == "exact"
    assert inputs.parameters() == {
        "priors": str(WAGNER.resolve()),
        "overrides": "{}",
        "engine": "exact",
        "seed": -1,
        "draws": 4000,
    }
    assert set(inputs.parameters()) == set(reports.PARAMETERS)


def test_overrides_are_applied_with_with_prior() -> None:
    inputs = report_inputs(overrides=json.dumps(OVERRIDE), seed=5)
    expected = scenarios.load(WAGNER).with_prior("hq_seized", {"p": 0.6})
    assert inputs.scenario == expected
    assert inputs.overrides == OVERRIDE
    assert report_inputs(overrides=OVERRIDE).scenario == expected  # a mapping works too


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"overrides": "not json"}, "overrides: not valid JSON"),
        ({"overrides": "[1, 2]"}, "expected an object"),
        ({"overrides": '{"hq_seized": 0.6}'}, r"overrides\['hq_seized'\]: expected a prior"),
        ({"overrides": '{"no_such_fact": {"p": 0.5}}'}, "not a fact or outcome"),
        ({"overrides": "__import__('os').system('true')"}, "not valid JSON"),
        ({"engine": "magic"}, "engine: expected one of"),
        ({"engine": 'exact"; import os'}, "engine: expected one of"),
        ({"seed": "3"}, "seed: expected an integer"),
        ({"seed": True}, "seed: expected an integer"),
        ({"seed": 2**40}, "seed: expected"),
        ({"draws": 0}, "draws: expected"),
        ({"draws": 10.5}, "draws: expected an integer"),
        ({"priors": 42}, "priors: expected a file path"),
    ],
)
def test_bad_parameters_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        report_inputs(**kwargs)


def test_override_with_a_bad_prior_names_the_field() -> None:
    with pytest.raises(scenarios.ScenarioError, match=r"facts\.hq_seized\.prior"):
        report_inputs(overrides={"hq_seized": {"p": 1.5}})


@pytest.mark.parametrize(
    "priors",
    [
        "x'); __import__('os').system('touch MARKER') #",
        'a"\nimport os\nos.system("touch MARKER")\n"',
        "bad\x00path",
        "/no/such/dir/file.yaml",
    ],
)
def test_a_priors_value_is_only_ever_a_path(
    priors: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(scenarios.ScenarioError, match="cannot read the priors file"):
        report_inputs(priors)
    assert not (tmp_path / "MARKER").exists()
    tally("report parameters carrying code (checked before a kernel)", 1, {"passed as data": 1})


def test_parse_overrides_examples() -> None:
    assert parse_overrides(None) == {} == parse_overrides("") == parse_overrides("{}")
    assert parse_overrides('{"a": {"p": 0.1}}') == {"a": {"p": 0.1}}


def test_report_names_must_be_plain_file_names(tmp_path: Path) -> None:
    for bad in ["../escape", "a/b", ".hidden", "x.html", ""]:
        with pytest.raises(ParameterError, match="name: expected a plain file name"):
            build_report(out_dir=tmp_path, name=bad, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_invalid_priors_fail_before_any_kernel(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nfacts: {a: {kind: binary, prior: {p: 1.5}}}\noutcomes: {}\n")
    out = tmp_path / "out"
    with pytest.raises(scenarios.ScenarioError, match=r"facts\.a\.prior\.p"):
        build_report(bad, out_dir=out, progress=False)
    assert not out.exists()


def test_a_python3_kernel_of_another_interpreter_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Other", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))  # searched before the venv's kernels
    out = tmp_path / "out"
    with pytest.raises(ReportError, match="runs /usr/bin/python3, not this environment"):
        build_report(out_dir=out, progress=False)
    assert not out.exists()
    monkeypatch.delenv("JUPYTER_PATH")
    reports._check_kernel()  # the venv's own kernel is accepted


# --- the pieces the notebook shows ------------------------------------------------------


@pytest.fixture(scope="module")
def wagner_post() -> scenarios.Posterior:
    return scenarios.load(WAGNER).update()


def test_scenario_table_shows_probabilities_intervals_and_their_meaning(
    wagner_post: scenarios.Posterior,
) -> None:
    page = reports.scenario_table_html(wagner_post)
    for (outcome, _state), row in wagner_post.scenarios.iterrows():
        assert outcome in page
        assert f"{row.probability:.1%}" in page
        assert f"{row.lower:.1%} – {row.upper:.1%}" in page
    assert wagner_post.interval in page


def test_claims_table_has_every_claim_with_its_grading(wagner_post: scenarios.Posterior) -> None:
    s = wagner_post.scenario
    table = reports.claims_table(s)
    assert list(table["claim"]) == [c.id for c in s.claims]
    cols = {"text", "source", "grade", "information", "status", "hedge", "time", "citation"}
    assert cols <= set(table.columns)
    hq = table.set_index("claim").loc["hq_seized"]
    claim = s.claim("hq_seized")
    assert hq["grade"] == s.sources[claim.source].grade
    assert hq["status"] == claim.status and hq["citation"] == claim.cites


def test_text_from_the_file_is_escaped(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>"
    s = scenarios.load(WAGNER).replace(title=hostile, description=hostile)
    post = s.update(intervals=False)
    page = reports.header_html(post)
    assert hostile not in page and "&lt;script&gt;" in page


def test_charts_have_one_panel_per_outcome_and_fact(wagner_post: scenarios.Posterior) -> None:
    fig = reports.plot_scenarios(wagner_post)
    assert len(fig.axes) == len(wagner_post.scenario.outcomes)
    fig = reports.plot_prior_posterior(wagner_post)
    facts = wagner_post.facts.index.get_level_values(0).unique()
    assert sum(ax.axison for ax in fig.axes) == len(facts)
    assert reports.plot_sampling(wagner_post) is None  # exact engine: nothing sampled


def test_atomic_write_leaves_the_old_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.html"
    target.write_text("previous report")

    def boom(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(reports.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        reports._write_atomic(target, "new report")
    assert target.read_text() == "previous report"
    assert _others(tmp_path, "r.html") == []


# --- the analysis sections, without a kernel ------------------------------------------


def test_find_resolution_looks_beside_the_priors_folder(tmp_path: Path) -> None:
    assert reports.find_resolution(WAGNER) == RESOLUTION.resolve()
    assert reports.find_resolution(EVER_GIVEN) is None
    (tmp_path / "priors").mkdir()
    (tmp_path / "resolutions").mkdir()
    priors = tmp_path / "priors" / "x.yaml"
    priors.write_text("")
    assert reports.find_resolution(priors) is None
    (tmp_path / "resolutions" / "x.yaml").write_text("")
    assert reports.find_resolution(priors) == tmp_path / "resolutions" / "x.yaml"


@pytest.fixture(scope="module")
def ever_given(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[reports.ReportInputs, scenarios.Posterior, reports.ReportAnalysis]:
    """The Ever Given scenario in a folder of its own, with a resolution beside it."""
    base = tmp_path_factory.mktemp("ever-given")
    (base / "priors").mkdir()
    (base / "resolutions").mkdir()
    priors = base / "priors" / EVER_GIVEN.name
    priors.write_bytes(EVER_GIVEN.read_bytes())
    (base / "resolutions" / EVER_GIVEN.name).write_text(EVER_GIVEN_RESOLUTION)
    inputs = report_inputs(priors)
    post, _ = reports.run_update(inputs)
    return inputs, post, reports.run_analysis(post, inputs)


def test_run_analysis_is_the_librarys(
    ever_given: tuple[reports.ReportInputs, scenarios.Posterior, reports.ReportAnalysis],
) -> None:
    inputs, post, analysis = ever_given
    s = inputs.scenario
    table = timeline(s)
    assert_frame_equal(analysis.timeline, table)
    sens = sensitivity(s)
    assert_frame_equal(analysis.sensitivity.table, sens.table)
    first = next(iter(s.outcomes))
    likeliest = post.scenarios.loc[first, "probability"].idxmax()
    assert analysis.sensitivity.target == (first, likeliest)
    assert_frame_equal(analysis.power.table, power_scaling(s, (first, likeliest)).table)
    assert list(analysis.voi) == list(s.outcomes)
    for outcome in s.outcomes:
        assert_frame_equal(analysis.voi[outcome].table, value_of_information(s, outcome).table)
    resolution = load_resolution(analysis.resolution_path)
    assert analysis.resolution == resolution
    assert_frame_equal(analysis.score, score(post, resolution))
    assert analysis.score_problem is None

    # which report moved what: every step once, largest move first, its largest change
    moves = analysis.moves
    assert sorted(moves.index) == list(table.index[1:])
    assert list(moves["moved"]) == sorted(table["moved"].iloc[1:], reverse=True)
    probs = table[[c for c in table.columns if c[0] not in reports.LEDGER_COLUMNS]]
    for step, r in moves.iterrows():
        change = probs.loc[step] - probs.loc[step - 1]
        assert r["change"] == pytest.approx(change[(r["outcome"], r["state"])], abs=1e-15)
        assert abs(r["change"]) == pytest.approx(table.at[step, ("moved", "")], abs=1e-15)
        assert r["claim"] == table.at[step, ("claim", "")]


def test_analysis_sections_show_the_librarys_numbers(
    ever_given: tuple[reports.ReportInputs, scenarios.Posterior, reports.ReportAnalysis],
) -> None:
    _, post, analysis = ever_given
    page = reports.timeline_html(analysis.moves)
    top = analysis.moves.head(reports.TOP_MOVES)
    assert [a["data-step"] for a in _with(page, "data-step")] == [str(i) for i in top.index]
    for r in top.itertuples():
        assert f"{r.change * 100:+.1f} pts" in page and f"<b>{r.claim}</b>" in page

    sens, power = analysis.sensitivity, analysis.power
    page = reports.sensitivity_html(sens, power)
    assert len(_with(page, "data-rank")) == min(reports.TOP_SENSITIVITY, len(sens.table))
    for r in sens.table.head(reports.TOP_SENSITIVITY).itertuples():
        assert f"{r.swing * 100:.1f} pts" in page and f"→ {r.p_low:.1%}" in page
    assert f"The prior drives {power.prior_share:.0%} of the answer" in page

    page = reports.voi_html(analysis.voi)
    for outcome, result in analysis.voi.items():
        table = result.table
        shown = [a["data-fact"] for a, _ in _where(page, data_outcome=outcome)]
        assert shown == list(table.index[: reports.TOP_VOI])
        assert f"{table['mutual_information'].iloc[0]:.3f}" in page

    page = reports.scoring_html(analysis)
    assert "Hindsight" in page and "How the Suez blockage ended" in page
    for r in analysis.score.itertuples():
        [(_, cells)] = _where(page, data_score=r.Index)
        assert cells == [
            r.Index,
            r.resolved,
            f"{r.p_resolved:.1%}",
            f"{r.brier:.3f}",
            f"{r.log_score:.3f}",
        ]

    fig = reports.plot_timelines(analysis.timeline)
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == [
        f"{o}: report by report" for o in post.scenario.outcomes
    ]
    fig = reports.plot_sensitivity(sens)
    assert len(fig.axes[0].patches) == 2 * min(reports.TOP_SENSITIVITY, len(sens.table))


def test_analysis_data_is_json_with_the_librarys_numbers(
    ever_given: tuple[reports.ReportInputs, scenarios.Posterior, reports.ReportAnalysis],
) -> None:
    inputs, post, analysis = ever_given
    data = json.loads(json.dumps(reports.report_data(post, inputs, analysis=analysis)))
    table = analysis.timeline
    steps = data["timeline"]["steps"]
    assert [s["claim"] for s in steps] == list(table["claim"])
    for step in steps:
        for outcome, probs in step["probabilities"].items():
            for state, p in probs.items():
                assert p == table.loc[step["step"], (outcome, state)]
    assert [m["step"] for m in data["timeline"]["moved_most"]] == list(
        analysis.moves.index[: reports.TOP_MOVES]
    )
    rows = pd.DataFrame(data["sensitivity"]["rows"])
    assert_frame_equal(rows, analysis.sensitivity.table, check_like=False, check_flags=False)
    assert data["power_scaling"]["prior_share"] == analysis.power.prior_share
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
    analysis = reports.run_analysis(post, resolution=bad)
    assert analysis.score is None and "not a state of" in analysis.score_problem
    assert "cannot be scored" in reports.scoring_html(analysis)
    unreadable = tmp_path / "unreadable.yaml"
    unreadable.write_text("outcomes: [\n")
    analysis = reports.run_analysis(post, resolution=unreadable)
    assert analysis.score is None and str(unreadable) in analysis.score_problem
    # no resolution: no scoring at all
    assert reports.run_analysis(post).resolution_path is None


# --- real runs -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The default report built twice, in two folders, with the same inputs.

    ``MPLBACKEND=Agg`` (as on CI) must not keep the charts out of the report.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLBACKEND", "Agg")
        a = build_report(out_dir=tmp_path_factory.mktemp("a"), progress=False)
        b = build_report(WAGNER, out_dir=tmp_path_factory.mktemp("b"), progress=False)
    return a, b


@pytest.mark.slow
def test_same_inputs_same_numbers_and_same_page(twice: tuple[Path, Path]) -> None:
    a, b = twice
    assert a.name == "wagner-2023-06-23.html" and a.with_suffix(".ipynb").exists()
    da, db = read_report(a), read_report(b)
    for key in (
        "scenarios",
        "facts",
        "quantities",
        "compare",
        "diagnostics",
        "warnings",
        "timeline",
        "sensitivity",
        "power_scaling",
        "value_of_information",
        "scoring",
    ):
        assert da[key] == db[key], key
    pa, pb = dict(da["provenance"]), dict(db["provenance"])
    pa.pop("run_at_utc"), pb.pop("run_at_utc")
    assert pa == pb
    # the whole page, plots included, is the same but for the time of the run
    assert _strip_run_time(a.read_text(), da) == _strip_run_time(b.read_text(), db)


@pytest.mark.slow
def test_report_numbers_are_the_librarys(twice: tuple[Path, Path]) -> None:
    data = read_report(twice[0])
    post = scenarios.load(WAGNER).update(draws=4000)
    got = _frame(data["scenarios"])
    want = post.scenarios.sort_index()
    np.testing.assert_allclose(got[want.columns].to_numpy(), want.to_numpy(), rtol=1e-12)
    page = twice[0].read_text()
    for _, row in want.iterrows():
        assert f"{row.probability:.1%}" in page
        assert f"{row.lower:.1%} – {row.upper:.1%}" in page
    assert post.interval in page


@pytest.mark.slow
def test_report_records_its_provenance(twice: tuple[Path, Path]) -> None:
    html = twice[0]
    data = read_report(html)
    prov = data["provenance"]
    scenario = scenarios.load(WAGNER)
    assert prov["priors_file"] == str(WAGNER.resolve())
    assert prov["priors_sha256"] == hashlib.sha256(WAGNER.read_bytes()).hexdigest()
    assert prov["engine"] == "exact"
    assert prov["seed"] == scenario.seed and prov["seed_given"] == -1
    assert prov["overrides"] == {}
    assert prov["posterior"]["scenario_sha256"] == scenarios.scenario_hash(scenario)
    assert prov["posterior"]["versions"] == scenarios.versions()
    assert Path(prov["python_executable"]).resolve() == Path(sys.executable).resolve()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", prov["run_at_utc"])
    page = html.read_text()
    for text in (
        prov["priors_sha256"],
        prov["posterior"]["scenario_sha256"],
        str(scenario.seed),
        prov["run_at_utc"],
        f"numpy {scenarios.versions()['numpy']}",
        f"scenarios {scenarios.__version__}",
        "Provenance",
    ):
        assert text in page, text


@pytest.mark.slow
def test_report_html_hides_code_and_makes_no_outside_requests(twice: tuple[Path, Path]) -> None:
    page = twice[0].read_text()
    assert "report_inputs(" not in page  # no code
    assert "hl-ipython3" not in page  # no highlighted code cell
    code_cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', page)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)
    assert reports.REPORT_MIME not in page and '"scenarios": [' not in page  # data cell left out
    assert not re.search(r"<script[^>]+src=", page)  # no CDN script (works offline)
    assert page.count("data:image/png;base64") >= 2  # the charts, even with MPLBACKEND=Agg
    assert "<title>Wagner Group mutiny" in page


@pytest.mark.slow
def test_overrides_change_the_numbers_as_the_library_does(
    tmp_path: Path, twice: tuple[Path, Path]
) -> None:
    html = build_report(
        overrides=json.dumps(OVERRIDE), seed=11, out_dir=tmp_path, name="hq", progress=False
    )
    data = read_report(html)
    changed = scenarios.load(WAGNER).with_prior("hq_seized", {"p": 0.6})
    want = changed.update(seed=11, draws=4000).scenarios.sort_index()
    got = _frame(data["scenarios"])[want.columns]
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)
    base = _frame(read_report(twice[0])["scenarios"])[want.columns]
    assert not np.allclose(got.to_numpy(), base.to_numpy())
    prov = data["provenance"]
    assert prov["overrides"] == OVERRIDE and prov["seed"] == 11 and prov["seed_given"] == 11
    assert prov["posterior"]["scenario_sha256"] == scenarios.scenario_hash(changed)
    page = html.read_text()
    assert "Priors overridden for this report: hq_seized" in page


@pytest.mark.slow
@pytest.mark.parametrize(
    ("parameters", "error"),
    [
        ({"priors": "x'); __import__('os').system('touch {marker}') #"}, "ScenarioError"),
        ({"priors": 'a"\n__import__("os").system("touch {marker}")\n"""'}, "ScenarioError"),
        ({"overrides": "__import__('os').system('touch {marker}')"}, "ParameterError"),
        ({"engine": "exact\\\"; __import__('os').system('touch {marker}') #"}, "ParameterError"),
    ],
)
def test_the_notebook_treats_parameters_as_data(
    parameters: dict[str, str], error: str, tmp_path: Path
) -> None:
    marker = tmp_path / "MARKER"
    params = {k: v.replace("{marker}", str(marker)) for k, v in parameters.items()}
    with pytest.raises(PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(NOTEBOOK),
            None,
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(tmp_path),
        )
    assert info.value.ename == error
    assert not marker.exists()
    assert list(tmp_path.iterdir()) == []
    tally("report parameters carrying code (inside the kernel)", 1, {"passed as data": 1})


@pytest.mark.slow
def test_a_failing_notebook_leaves_the_previous_report(
    tmp_path: Path, twice: tuple[Path, Path]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    html, nb = out / "wagner-2023-06-23.html", out / "wagner-2023-06-23.ipynb"
    html.write_bytes(twice[0].read_bytes())
    nb.write_bytes(twice[0].with_suffix(".ipynb").read_bytes())
    before = (html.read_bytes(), nb.read_bytes())
    broken = _variant(tmp_path, "raise RuntimeError('the kernel failed mid-run')")
    with pytest.raises(ReportError, match="RuntimeError: the kernel failed mid-run"):
        build_report(out_dir=out, progress=False, notebook=broken)
    assert (html.read_bytes(), nb.read_bytes()) == before
    assert _others(out, html.name, nb.name) == []
    tally("report runs failed mid-run (kernel error)", 1, {"previous report intact": 1})


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_report_command_leaves_the_previous_report(
    signum: int, tmp_path: Path, twice: tuple[Path, Path]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    html, nb = out / "wagner-2023-06-23.html", out / "wagner-2023-06-23.ipynb"
    html.write_bytes(twice[0].read_bytes())
    nb.write_bytes(twice[0].with_suffix(".ipynb").read_bytes())
    before = (html.read_bytes(), nb.read_bytes())
    started = tmp_path / "kernel.pid"
    slow = _variant(
        tmp_path,
        "import os, pathlib, time\n"
        "pathlib.Path(os.environ['SCENARIOS_TEST_STARTED']).write_text(str(os.getpid()))\n"
        "time.sleep(300)",
    )
    exe = Path(sys.executable).parent / "scenarios"
    env = {**os.environ, "SCENARIOS_TEST_STARTED": str(started)}
    proc = subprocess.Popen(
        [str(exe), "report", "-o", str(out), "--notebook", str(slow)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    kernel = None
    try:
        _wait_for(lambda: started.exists() and started.read_text(), 90, "the kernel to start")
        kernel = int(started.read_text())
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signum, err
        assert "no report written" in err
        _wait_for(lambda: not _alive(kernel), 30, "the kernel to stop")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if kernel is not None and _alive(kernel):
            os.kill(kernel, signal.SIGKILL)
    assert (html.read_bytes(), nb.read_bytes()) == before
    assert _others(out, html.name, nb.name) == []
    tally(f"report runs interrupted by {signal.Signals(signum).name}", 1,
          {"previous report intact": 1})


@pytest.mark.slow
def test_full_engine_report_is_reproducible_and_has_rank_plots(tmp_path: Path) -> None:
    a = build_report(engine="pymc", draws=200, seed=4, out_dir=tmp_path / "a", progress=False)
    b = build_report(engine="pymc", draws=200, seed=4, out_dir=tmp_path / "b", progress=False)
    da, db = read_report(a), read_report(b)
    assert da["scenarios"] == db["scenarios"]
    assert da["provenance"]["engine"] == "pymc" and da["provenance"]["seed"] == 4
    page = a.read_text()
    assert "Rank plots" in page and "max_rhat" in page
    assert "NUTS[" not in page  # the sampler's log stays out of the report


@pytest.fixture(scope="module")
def wagner_library() -> dict:
    """The library's answers for the default report, computed in this process."""
    s = scenarios.load(WAGNER)
    post = s.update(draws=4000)
    sens = sensitivity(s)
    return {
        "post": post,
        "timeline": timeline(s),
        "sensitivity": sens,
        "power": power_scaling(s, sens.target),
        "voi": {o: value_of_information(s, o) for o in s.outcomes},
        "score": score(post, load_resolution(RESOLUTION)),
    }


@pytest.mark.slow
def test_report_analysis_sections_are_the_librarys(
    twice: tuple[Path, Path], wagner_library: dict
) -> None:
    lib = wagner_library
    data, page = read_report(twice[0]), twice[0].read_text()
    headings = [
        "Scenario probabilities",
        "Report by report",
        "What matters most",
        "What to look for next",
        "Scoring",
        "What the claims changed",
    ]
    where = [page.find(f">{h}<") for h in headings]
    assert -1 not in where and where == sorted(where), dict(zip(headings, where, strict=True))

    # report by report: every step's probabilities, and the 5 steps that moved most
    table = lib["timeline"]
    steps = data["timeline"]["steps"]
    assert [s["claim"] for s in steps] == list(table["claim"])
    for step in steps:
        for outcome, probs in step["probabilities"].items():
            for state, p in probs.items():
                assert p == pytest.approx(table.loc[step["step"], (outcome, state)], abs=1e-14)
    moved = table.iloc[1:].sort_values("moved", ascending=False, kind="stable")
    top = moved.head(5)
    assert [m["claim"] for m in data["timeline"]["moved_most"]] == list(top["claim"])
    for claim in top["claim"]:
        assert f"<b>{claim}</b>" in page

    # what matters most: the most likely state of the first outcome, top 10 in the page
    sens, power = lib["sensitivity"], lib["power"]
    post = lib["post"]
    likeliest = post.scenarios.loc["mutiny_end", "probability"].idxmax()
    assert data["sensitivity"]["target"] == ["mutiny_end", likeliest]
    got = pd.DataFrame(data["sensitivity"]["rows"])[list(sens.table.columns)]  # JSON sorts keys
    assert_frame_equal(got, sens.table, check_flags=False, atol=1e-14, rtol=0)
    for r in sens.table.head(10).itertuples():
        assert f"{r.swing * 100:.1f} pts" in page
    assert len(_with(page, "data-rank")) == 10
    share = power.prior_share
    assert data["power_scaling"]["prior_share"] == pytest.approx(share, abs=1e-14)
    assert f"The prior drives {share:.0%} of the answer" in page

    # what to look for next: every outcome, its top 5 facts
    for outcome, result in lib["voi"].items():
        voi = result.table
        got = pd.DataFrame(data["value_of_information"][outcome]["rows"]).set_index("fact")
        assert_frame_equal(got[list(voi.columns)], voi, check_flags=False, atol=1e-14, rtol=0)
        shown = [a["data-fact"] for a, _ in _where(page, data_outcome=outcome)]
        assert shown == list(voi.index[:5])

    # scoring, in hindsight, against the shipped resolution
    scoring = data["scoring"]
    assert scoring["resolution_file"] == str(RESOLUTION.resolve())
    assert scoring["resolved"] == {"mutiny_end": "negotiated", "putin_in_power": "true"}
    got = pd.DataFrame(scoring["outcomes"]).set_index("outcome")
    assert_frame_equal(got[list(lib["score"].columns)], lib["score"], atol=1e-14, rtol=0)
    assert "Hindsight" in page
    for r in lib["score"].itertuples():
        [(_, cells)] = _where(page, data_score=r.Index)
        assert cells == [
            r.Index,
            r.resolved,
            f"{r.p_resolved:.1%}",
            f"{r.brier:.3f}",
            f"{r.log_score:.3f}",
        ]


@pytest.mark.slow
def test_a_report_without_a_resolution_has_no_scoring(tmp_path: Path) -> None:
    html = build_report(EVER_GIVEN, out_dir=tmp_path, progress=False)
    data, page = read_report(html), html.read_text()
    assert data["scoring"] is None
    assert ">Scoring<" not in page and "Hindsight" not in page
    assert ">Report by report<" in page and ">What to look for next<" in page
    assert data["timeline"]["steps"][0]["event"] == "prior"
