"""Reports: the real notebook run by papermill in a real kernel, rendered to HTML.

The numbers a report shows are checked against the library computing them in this
process; parameters are checked to be data (a marker file shows that no code ran); an
interrupted or failed run must leave the previous report as it was.
"""

from __future__ import annotations

import copy
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
from scenarios.analysis import (
    power_scaling,
    score,
    sensitivity,
    timeline,
    value_of_information,
)
from scenarios.io import files, load_resolution
from scenarios.io.data import notebook, resolution_for
from scenarios.views import report
from scenarios.views.report import (
    ParameterError,
    ReportError,
    build_report,
    read_report,
)

from ..conftest import tally
from .pages import having, rows, texts

NOTEBOOK = notebook("report")
WAGNER = scenarios.default_priors()
EVER_GIVEN = scenarios.example("ever-given-2021-03-25")
RESOLUTION = resolution_for(WAGNER)
OVERRIDE = {"hq_seized": {"p": 0.6}}


def _frame(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(records).set_index(["variable", "state"]).sort_index()


def _strip_run_time(page: str, data: dict) -> str:
    """The page without the time of its run (nor its notebook's hash, which holds it)."""
    page = re.sub(
        rf'<meta name="{report.NOTEBOOK_SHA256_META}" content="[0-9a-f]{{64}}">', "", page
    )
    return page.replace(data["provenance"]["run_at_utc"], "<run at>")


def _variant(tmp: Path, code: str) -> Path:
    """A copy of the report notebook with one more code cell, after the update has run."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = copy.deepcopy(nb.cells)
    first_table = next(i for i, c in enumerate(cells) if "scenarios_section" in c.source)
    cells.insert(first_table, nbformat.v4.new_code_cell(code))
    nb.cells = cells
    path = tmp / "variant.ipynb"
    nbformat.write(nb, path)
    return path


def _others(folder: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# --- refused before any kernel -------------------------------------------------------


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
    report.check_kernel()  # the venv's own kernel is accepted


def test_atomic_write_leaves_the_old_pair_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html, nb = tmp_path / "r.html", tmp_path / "r.ipynb"
    html.write_text("previous report")
    nb.write_text("previous notebook")
    real_replace = files.os.replace
    calls = []

    def boom(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:  # the notebook is in place, the HTML is not
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", boom)  # the writer build_report uses
    assert report.build.write_atomic_all is files.write_atomic_all
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic_all({nb: "new notebook", html: "new report"})
    assert (html.read_text(), nb.read_text()) == ("previous report", "previous notebook")
    assert _others(tmp_path, "r.html", "r.ipynb") == []


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
def test_a_notebook_that_is_not_the_htmls_is_refused(
    tmp_path: Path, twice: tuple[Path, Path]
) -> None:
    """A pair mixed by a crash between its two renames cannot give numbers the page lacks."""
    a, b = twice
    page = a.read_text()
    assert f'<meta name="{report.NOTEBOOK_SHA256_META}"' in page
    html, nb = tmp_path / "mixed.html", tmp_path / "mixed.ipynb"
    html.write_text(page)
    nb.write_bytes(b.with_suffix(".ipynb").read_bytes())  # another run's notebook
    with pytest.raises(ReportError, match="not the one this report was rendered from"):
        read_report(html)
    nb.write_bytes(a.with_suffix(".ipynb").read_bytes())  # its own
    assert read_report(nb)["scenarios"] == read_report(a)["scenarios"]
    tally("report pairs mixed (HTML of one run, notebook of another)", 1, {"refused": 1})


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
    assert prov["priors_sha256"] == files.sha256_file(WAGNER)
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
    assert report.REPORT_MIME not in page and '"scenarios": [' not in page  # data cell left out
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
        # the command stops its kernel before it exits: seconds, minutes on a loaded machine
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 128 + signum, err
        assert "no report written" in err
        _wait_for(lambda: not _alive(kernel), 30, "the kernel to stop")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)  # reaps it and closes its pipes (else a later test's
        # garbage collection warns of them, and fails that test)
        if kernel is not None and _alive(kernel):
            os.kill(kernel, signal.SIGKILL)
    assert (html.read_bytes(), nb.read_bytes()) == before
    assert _others(out, html.name, nb.name) == []
    tally(
        f"report runs interrupted by {signal.Signals(signum).name}",
        1,
        {"previous report intact": 1},
    )


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
    assert data["sensitivity"]["probability"] == pytest.approx(sens.probability, abs=1e-14)
    got = pd.DataFrame(data["sensitivity"]["rows"])[list(sens.table.columns)]  # JSON sorts keys
    assert_frame_equal(got, sens.table, check_flags=False, atol=1e-14, rtol=0)
    for r in sens.table.head(10).itertuples():
        assert f"{r.swing * 100:.1f} pts" in page
    assert len(having(page, "data-rank", "scn-table scn-sensitivity")) == 10
    share = power.prior_share
    assert data["power_scaling"]["prior_share"] == pytest.approx(share, abs=1e-14)
    assert f"the prior drives {share:.0%} of the answer" in page

    # what to look for next: every outcome, its top 5 facts
    for outcome, result in lib["voi"].items():
        voi = result.table
        got = pd.DataFrame(data["value_of_information"][outcome]["rows"]).set_index("fact")
        assert_frame_equal(got[list(voi.columns)], voi, check_flags=False, atol=1e-14, rtol=0)
        entropy = data["value_of_information"][outcome]["entropy_bits"]
        assert entropy == pytest.approx(result.entropy_bits, abs=1e-14)
        in_outcome = rows(page, "scn-table scn-voi", data_outcome=outcome)
        assert [r["attrs"]["data-fact"] for r in in_outcome] == list(voi.index[:5])

    # scoring, in hindsight, against the shipped resolution
    scoring = data["scoring"]
    assert scoring["resolution_file"] == str(RESOLUTION.resolve())
    assert scoring["resolved"] == {"mutiny_end": "negotiated", "putin_in_power": "true"}
    got = pd.DataFrame(scoring["outcomes"]).set_index("outcome")
    assert_frame_equal(got[list(lib["score"].columns)], lib["score"], atol=1e-14, rtol=0)
    assert "Hindsight" in page
    for r in lib["score"].itertuples():
        [row] = rows(page, "scn-table scn-score", data_outcome=r.Index)
        assert texts(row) == [
            r.Index,
            r.resolved,
            f"{r.p_resolved:.1%}",
            f"{r.brier:.4f}",
            f"{r.log_score:.4f}",
        ]


@pytest.mark.slow
def test_a_report_without_a_resolution_has_no_scoring(tmp_path: Path) -> None:
    html = build_report(EVER_GIVEN, out_dir=tmp_path, progress=False)
    data, page = read_report(html), html.read_text()
    assert data["scoring"] is None
    assert ">Scoring<" not in page and "Hindsight" not in page
    assert ">Report by report<" in page and ">What to look for next<" in page
    assert data["timeline"]["steps"][0]["event"] == "prior"


def test_a_variant_report_never_replaces_the_plain_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Overrides give the report its own name (their short hash), beside the plain one."""
    import hashlib

    from scenarios.spec.overrides import canonical_json

    def fake_execute(nb_path: Path, parameters: dict, progress: bool) -> object:
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_markdown_cell(f"overrides {parameters['overrides']}"))
        return nb

    monkeypatch.setattr(report.build, "_execute", fake_execute)  # no kernel: names only
    monkeypatch.setattr(report.build, "check_kernel", lambda: None)
    plain = build_report(out_dir=tmp_path, progress=False)
    first = plain.read_text()
    override = {"army_strikes": {"p": 0.6}}
    variant = build_report(overrides=override, out_dir=tmp_path, progress=False)
    digest = hashlib.sha256(canonical_json(override).encode()).hexdigest()[:8]
    assert variant.name == f"{WAGNER.stem}--{digest}.html"
    assert plain.name == f"{WAGNER.stem}.html"
    assert plain.read_text() == first  # the plain report is untouched
    assert "army_strikes" in variant.read_text() and "army_strikes" not in first
    again = build_report(overrides=json.dumps(override), out_dir=tmp_path, progress=False)
    assert again == variant  # the same overrides, the same file
    other = build_report(overrides={"army_strikes.p": 0.5}, out_dir=tmp_path, progress=False)
    assert other not in (plain, variant)
