"""The report's sections: the shared HTML renderers with the report's choices.

Each function returns one section's HTML, from :mod:`scenarios.views.html` (probabilities
as percentages, the report's numbers of rows); the charts beside them are
:mod:`scenarios.views.plots`'. The header carries the stylesheet for the whole page; the
other sections leave it out unless asked (``css=True``).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scenarios.views import html

if TYPE_CHECKING:
    from scenarios.posterior import Posterior
    from scenarios.views.report.analysis import ReportAnalysis
    from scenarios.views.report.parameters import ReportInputs

__all__ = [
    "BOTTOM_MOVES",
    "BOTTOM_WATCH",
    "SAMPLING_CAPTION",
    "SCORING_HEADING",
    "TOP_CHANGES",
    "TOP_MOVES",
    "TOP_SENSITIVITY",
    "TOP_VOI",
    "bottom_line_section",
    "changes_section",
    "claims_section",
    "diagnostics_section",
    "header_html",
    "picture_section",
    "provenance_html",
    "quantities_section",
    "scenarios_section",
    "scoring_section",
    "sensitivity_section",
    "timeline_section",
    "voi_section",
]

#: Rows shown: the sensitivity table, each value-of-information table, the timeline's
#: largest moves, the prior-against-posterior changes.
TOP_SENSITIVITY, TOP_VOI, TOP_MOVES, TOP_CHANGES = 10, 5, 5, 12
#: The bottom line's rows: the reports that moved most, the facts to watch per outcome.
BOTTOM_MOVES, BOTTOM_WATCH = 3, 2
#: Heading of the report's scoring section, shown only when there is a resolution.
SCORING_HEADING = (
    "## Scoring\n\nIn hindsight: how this forecast scored against what actually happened."
)
#: Caption of the rank plots (full engine only); trusted markup.
SAMPLING_CAPTION = (
    "<p><b>Rank plots</b> (ArviZ) of the sampled scalar quantities, one line per chain: "
    "lines that stay inside the envelope mean the chains agree; a line that leaves it (drawn "
    "black) belongs to a chain that explored the posterior differently.</p>"
)


def header_html(post: Posterior, inputs: ReportInputs | None = None, *, css: bool = True) -> str:
    """Title, as-of time, source document, description, overrides and failed diagnostics.

    Parameters
    ----------
    post : Posterior
    inputs : ReportInputs, optional
        Its overrides are named in red.
    css : bool
        Put the page's stylesheet in front (the header comes first).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> "<h1>Wagner Group mutiny, 23 June 2023</h1>" in header_html(post)
    True
    """
    s = post.scenario
    meta = []
    if s.as_of is not None:
        meta.append(f"as of {s.as_of:%d %B %Y, %H:%M} UTC")
    if s.report is not None and (s.report.title or s.report.url or s.report.file):
        meta.append(f"source: {s.report.title or s.report.url or s.report.file}")
    sources = {c.source for c in s.claims if c.source}
    meta.append(f"{len(s.claims)} claims from {len(sources)} sources")
    meta.append(f"engine {post.engine}, seed {post.seed}")
    return html.render(
        "report_header.html",
        css=css,
        block_class="scn-report",
        title=s.title,
        meta=meta,
        description=s.description,
        overrides=_overridden(inputs),
        warnings=html.failed_checks(post),
        other=[],
        passed=False,
    )


def scenarios_section(post: Posterior, *, css: bool = False) -> str:
    """The scenario probabilities, with intervals, prior, change and what each state means.

    Parameters
    ----------
    post : Posterior
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> p = post.scenarios.loc[("mutiny_end", "negotiated"), "probability"]
    >>> f'<td class="probability num">{p:.1%}</td>' in scenarios_section(post)
    True
    """
    return html.scenario_table_html(post, css=css)


def _overridden(inputs: ReportInputs | None) -> list[str]:
    """Each overridden node with its prior as the report used it, and the file's."""
    if inputs is None or not inputs.overrides:
        return []
    from scenarios.io import load
    from scenarios.spec.overrides import canonical_json, prior_data, split_key

    original = load(inputs.path)
    said = []
    for node in dict.fromkeys(split_key(k)[0] for k in inputs.overrides):
        used = canonical_json(prior_data(inputs.scenario.nodes[node].prior))
        filed = canonical_json(prior_data(original.nodes[node].prior))
        said.append(f"{node} {used} (the file: {filed})")
    return said


def bottom_line_section(post: Posterior, analysis: ReportAnalysis, *, css: bool = False) -> str:
    """The report's first screen: the answer, what moved it most, what to watch next.

    For each outcome its most likely state (with the interval), then the scenario
    table, the :data:`BOTTOM_MOVES` reports that moved a scenario probability most
    (from the timeline) and, per outcome, the :data:`BOTTOM_WATCH` unresolved facts
    that would tell most about it (value of information).

    Parameters
    ----------
    post : Posterior
    analysis : ReportAnalysis
        :func:`scenarios.views.report.run_analysis`.
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> from scenarios.views.report import report_inputs, run_analysis
    >>> inputs = report_inputs()
    >>> post = inputs.scenario.update(intervals=False)
    >>> page = bottom_line_section(post, run_analysis(post, inputs))
    >>> page.count("<li data-claim="), "What to watch next" in page
    (3, True)
    """
    s = post.scenario
    frame = post.scenarios
    outcomes = []
    for name, outcome in s.outcomes.items():
        rows = frame.loc[name]
        state = str(rows["probability"].idxmax())
        r = rows.loc[state]
        states = outcome.states if isinstance(outcome.states, Mapping) else {}
        low = r.get("lower")
        outcomes.append(
            {
                "name": name,
                "question": outcome.question or outcome.description or name,
                "state": state,
                "description": states.get(state),
                "p": float(r["probability"]),
                "low": None if low is None or low != low else float(low),
                "high": None if low is None or low != low else float(r["upper"]),
            }
        )
    moves = [
        {**m.to_dict(), "text": m["text"] if isinstance(m["text"], str) else ""}
        for _, m in analysis.moves.head(BOTTOM_MOVES).iterrows()
        if m["moved"] > 0
    ]
    watch = []
    for outcome, voi in analysis.voi.items():
        for fact, w in voi.table.head(BOTTOM_WATCH).iterrows():
            watch.append(
                {
                    "outcome": outcome,
                    "fact": fact,
                    "description": s.nodes[str(fact)].description,
                    "share": float(w["share_of_uncertainty"]),
                }
            )
    return html.render(
        "bottom_line.html",
        css=css,
        outcomes=outcomes,
        table=html.scenario_table_html(post, css=False),
        moves=moves,
        watch=watch,
    )


def changes_section(post: Posterior, *, css: bool = False) -> str:
    """The facts' and outcomes' states the claims moved most, prior against posterior.

    Parameters
    ----------
    post : Posterior
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> changes_section(post).count("<tr data-")
    12
    """
    return html.comparison_html(post, top=TOP_CHANGES, outcomes=True, quantities=False, css=css)


def quantities_section(post: Posterior, *, css: bool = False) -> str:
    """The continuous facts, prior and posterior (or a note that there are none).

    Parameters
    ----------
    post : Posterior
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> 'data-fact="troops"' in quantities_section(post)
    True
    """
    return html.quantities_html(post, css=css)


def claims_section(post: Posterior, *, css: bool = False) -> str:
    """Every claim with its grading and citation; then the sources.

    Parameters
    ----------
    post : Posterior
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> 'data-claim="hq_seized"' in claims_section(post)
    True
    """
    return html.claims_html(post.scenario, css=css)


def diagnostics_section(post: Posterior, other: Sequence[str] = (), *, css: bool = False) -> str:
    """Diagnostics, engine settings, failed diagnostics and other messages of the update.

    Parameters
    ----------
    post : Posterior
    other : sequence of str
        Other messages of the update (:func:`scenarios.views.report.run_update`).
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update()
    >>> "All diagnostics passed." in diagnostics_section(post)
    True
    """
    return html.diagnostics_html(post, other, css=css)


def timeline_section(analysis: ReportAnalysis, *, css: bool = False) -> str:
    """The reports that moved the scenario probabilities most, with what they moved.

    Parameters
    ----------
    analysis : ReportAnalysis
        :func:`scenarios.views.report.run_analysis`.
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> from scenarios.views.report import report_inputs, run_analysis
    >>> inputs = report_inputs()
    >>> result = run_analysis(inputs.scenario.update(intervals=False), inputs)
    >>> timeline_section(result).count("<tr data-step=")
    5
    """
    return html.timeline_steps_html(analysis.moves, top=TOP_MOVES, texts=True, css=css)


def sensitivity_section(analysis: ReportAnalysis, *, css: bool = False) -> str:
    """The inputs that move the target probability most, and the prior's share in words.

    Parameters
    ----------
    analysis : ReportAnalysis
        :func:`scenarios.views.report.run_analysis`.
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> from scenarios.views.report import report_inputs, run_analysis
    >>> inputs = report_inputs()
    >>> result = run_analysis(inputs.scenario.update(intervals=False), inputs)
    >>> sensitivity_section(result).count("<tr data-rank=")
    10
    """
    return html.sensitivity_html(analysis.sensitivity, analysis.power, TOP_SENSITIVITY, css=css)


def voi_section(analysis: ReportAnalysis, *, css: bool = False) -> str:
    """What to look for next: per outcome, the facts worth learning most.

    Parameters
    ----------
    analysis : ReportAnalysis
        :func:`scenarios.views.report.run_analysis`.
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> from scenarios.views.report import report_inputs, run_analysis
    >>> inputs = report_inputs()
    >>> result = run_analysis(inputs.scenario.update(intervals=False), inputs)
    >>> voi_section(result).count('<tr data-outcome="putin_in_power"')
    5
    """
    return html.voi_html(analysis.voi, top=TOP_VOI, css=css)


def scoring_section(analysis: ReportAnalysis, *, css: bool = False) -> str:
    """How the forecast scored against what happened (hindsight), or why it cannot be.

    Parameters
    ----------
    analysis : ReportAnalysis
        :func:`scenarios.views.report.run_analysis`.
    css : bool
        Put the stylesheet in front (the header has it already).

    Returns
    -------
    str

    Examples
    --------
    >>> from scenarios.views.report import report_inputs, run_analysis
    >>> inputs = report_inputs()
    >>> result = run_analysis(inputs.scenario.update(intervals=False), inputs)
    >>> "Hindsight" in scoring_section(result)
    True
    """
    return html.score_html(
        analysis.score,
        resolution=analysis.resolution,
        where=str(analysis.resolution_path),
        problem=analysis.score_problem,
        css=css,
    )


def provenance_html(record: Mapping[str, Any], *, css: bool = False) -> str:
    """The provenance block: inputs, hashes, engine, seed, versions and time of the run.

    Parameters
    ----------
    record : mapping
        :func:`scenarios.views.report.provenance`.
    css : bool
        Put the stylesheet in front.

    Returns
    -------
    str
        A table with one ``<tr data-provenance=...>`` per item, and the command that
        reproduces the numbers.

    Examples
    --------
    >>> from scenarios.views.report import provenance, report_inputs, run_update
    >>> inputs = report_inputs()
    >>> post, _ = run_update(inputs)
    >>> "scenarios report" in provenance_html(provenance(post, inputs))
    True
    """
    post = record["posterior"]
    overrides = json.dumps(record["overrides"], sort_keys=True) if record["overrides"] else "none"
    seed_note = " (the file's seed)" if record["seed_given"] == -1 else " (given)"
    versions = ", ".join(f"{k} {v}" for k, v in post["versions"].items())
    rows = [
        ("priors file", record["priors_file"], True),
        ("priors file sha256", record["priors_sha256"], True),
        ("overrides", overrides, True),
        ("scenario (after overrides) sha256", post["scenario_sha256"], True),
        ("engine", record["engine"], False),
        ("seed", f"{record['seed']}{seed_note}", False),
        ("draws", record["draws"], False),
        ("engine settings", json.dumps(post["settings"], sort_keys=True), True),
        ("interval", post["interval"], False),
        ("run at (UTC)", record["run_at_utc"], False),
        ("kernel python", record["python_executable"], True),
        ("versions", versions, False),
    ]
    command = ["scenarios", "report", record["priors_file"], "--engine", str(record["engine"])]
    command += ["--seed", str(record["seed"]), "-p", "draws", str(record["draws"])]
    if record["overrides"]:
        command += ["-p", "overrides", overrides]
    return html.render("report_provenance.html", css=css, rows=rows, command=shlex.join(command))


def picture_section(post: Posterior, analysis: ReportAnalysis) -> str:
    """The picture of the model: sources, reports, facts and outcomes, and how far each moved.

    Facts and outcomes are coloured by how far the claims moved them (prior to
    posterior), reports by how far each moved the outcomes in the timeline, sources by
    their reports' largest move (:mod:`scenarios.analysis.graph`); the legend under the
    picture says so. A static, self-contained SVG (:func:`scenarios.views.html.graph_svg`):
    each node's full words are its tooltip.

    Parameters
    ----------
    post : Posterior
    analysis : ReportAnalysis
        :func:`scenarios.views.report.run_analysis` (its timeline).

    Returns
    -------
    str
        ``<section class="scn-picture-section">`` holding the ``<svg class="scn-graph">``.

    Examples
    --------
    >>> from scenarios.views.report import report_inputs, run_analysis
    >>> inputs = report_inputs()
    >>> post = inputs.scenario.update(intervals=False)
    >>> page = picture_section(post, run_analysis(post, inputs))
    >>> page.count('class="scn-node '), "not computed" in page
    (38, False)
    """
    from scenarios.analysis.graph import model_graph, report_moves

    graph = model_graph(post.scenario, post, report_moves(analysis.timeline))
    return (
        '<section class="scn-picture-section scn-block">'
        + html.graph_svg(graph, uid="report")
        + "</section>"
    )
