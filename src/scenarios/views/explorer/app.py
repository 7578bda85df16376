"""The :class:`Explorer`: the controls, the views and the model, wired together.

The parts: :mod:`~scenarios.views.explorer.edits` (what a control means),
:mod:`~scenarios.views.explorer.model` (the edited scenario and what was computed for
it, no widgets), :mod:`~scenarios.views.explorer.controls` (the sliders and dropdowns),
:mod:`~scenarios.views.explorer.panels` (the scenario view and the analysis tabs). This
module lays them out, sends every edit to the model, and shows the result.
"""

from __future__ import annotations

import html
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from scenarios.errors import ImpossibleEvidenceError, ScenarioError
from scenarios.posterior import Posterior
from scenarios.spec.scenario import Scenario
from scenarios.views.explorer.background import (
    FullRun,
    Settler,
    progress_html,
    shared_worker,
    warm_views,
)
from scenarios.views.explorer.controls import Controls
from scenarios.views.explorer.edits import counted
from scenarios.views.explorer.model import (
    ANALYSIS_VIEWS,
    FOLLOWS_EDITS,
    AnalysisResult,
    ExplorerModel,
    exact_update,
)
from scenarios.views.explorer.panels import (
    ANALYSIS_TABS,
    AnalysisTabs,
    ScenarioView,
    analysis_html,
    analysis_status_html,
    marker_html,
)
from scenarios.views.explorer.picture import ModelPicture
from scenarios.views.html import diagnostics_html, scenario_table_html

__all__ = [
    "PREFETCH_AFTER",
    "PREFETCH_ORDER",
    "SETTLE_AFTER",
    "Explorer",
    "picture_svg",
    "save_folder",
]

#: Seconds without an edit before the full exact posterior of the last one (intervals,
#: facts, score: a second of work on the Wagner file) is computed in the background,
#: once displayed. Longer than the gap between two key presses on a slider at a reader's
#: pace, so that a stepped slider is answered by the incremental engine alone: that work
#: in a thread of the kernel would slow the next step down (the interpreter's lock, the
#: cores) only to be thrown away. Measured in Chromium, Wagner, a step every 0.5 s: the
#: median key-to-display went from 78 ms to 52 ms when this went from 0.15 s to 0.6 s.
SETTLE_AFTER = 0.6
#: Seconds of quiet, after the exact posterior of an edit is shown (with worker
#: processes: :data:`SETTLE_AFTER` after the edit), before the analysis views are computed
#: and drawn in the background (once displayed), so that a tab opened later shows at once.
PREFETCH_AFTER = 0.1
#: The order they are computed in: the slow ones first (a quick one is quick at a click).
PREFETCH_ORDER = ("timeline", "sensitivity", "voi", "what_if", "predictive")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def picture_svg(scenario: Scenario, post: Posterior, timeline: Any, uid: str) -> str:
    """The picture of the model, coloured by a posterior (its reports by a timeline).

    Parameters
    ----------
    scenario : Scenario
    post : Posterior
        Its exact posterior.
    timeline : DataFrame or None
        Its timeline (:func:`scenarios.analysis.timeline`): the reports are coloured by
        how much they moved the outcomes.
    uid : str
        Makes the SVG's ids unique in the page.

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> picture_svg(s, s.update(intervals=False), None, "doc").startswith("<svg")
    True
    """
    from scenarios.analysis.graph import model_graph, report_moves
    from scenarios.views.html.graph import graph_svg

    influence = report_moves(timeline) if timeline is not None else None
    return graph_svg(model_graph(scenario, post, influence), uid=uid)


def save_folder(priors: str | os.PathLike[str] | None) -> Path:
    """Where "Save priors" writes by default: beside the opened file, never into the package.

    Parameters
    ----------
    priors : path or None
        The priors file the explorer opened (``None``: a scenario built in Python).

    Returns
    -------
    pathlib.Path
        The file's folder; ``priors`` in the working folder for a scenario built in
        Python or an example shipped with the library (its folder is the installed
        package's).

    Examples
    --------
    >>> from scenarios.io.data import example
    >>> save_folder(example()) == Path("priors")
    True
    >>> save_folder("my-team/priors/election.yaml")
    PosixPath('my-team/priors')
    """
    from scenarios.io.data import example

    if priors is None:
        return Path("priors")
    path = Path(priors)
    if path.resolve().parent == example().resolve().parent:
        return Path("priors")
    return path.parent


class Explorer:
    """Widgets to explore a scenario: every prior, claim and source, and the live result.

    Every control edits the scenario through the library (a new, validated
    :class:`~scenarios.Scenario`) and the exact engine updates it at once; an edit that
    makes the scenario invalid or the evidence impossible is refused, its message shown
    in the status line, and the last good scenario kept. "Run full engine" samples the
    PyMC model and shows its table with MCSE and diagnostics; "Save priors" writes the
    edited scenario to a new file in ``priors_dir``.

    Beside the scenario views, the analysis tabs answer what forecasters ask of a
    posterior, for the current (edited) scenario: *Report by report* (the timeline),
    *What matters most* (sensitivity and power-scaling), *What to look for next* (value of
    information), *What if* (observe versus intervene), *Score* (against a resolution,
    in hindsight) and *What reports would we expect?* (a prior predictive check: the
    reports worlds simulated from the priors would produce, beside those the file holds,
    the surprising ones flagged). They are heavier than an update, so each is computed
    when its tab is shown or its "Refresh analysis" button is pressed, never on a slider
    move while its tab is hidden; a view computed for an earlier scenario says it is
    stale. The score only re-scores the posterior already shown, so it follows every
    edit; the expected reports (a simulation of a few thousand worlds, hundredths of a
    second) are simulated again after each edit while their tab is shown.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to explore (a path is loaded with :func:`scenarios.load`).
    priors_dir : str or path, optional
        Where "Save priors" writes (created if missing; files are never overwritten).
        Default: :func:`save_folder` (beside the opened file, or ``./priors``).
    draws : int
        Draws behind the exact engine's credible intervals.
    full_options : mapping, optional
        Options for the full engine (``draws``, ``tune``, ``chains``, ``seed`` ...).
    resolution : Resolution or path, optional
        How the outcomes resolved, for the Score tab. Default: when ``scenario`` is a
        path ``<folder>/<name>.yaml``, the file ``resolutions/<name>.yaml`` beside
        ``<folder>`` if there is one (:func:`scenarios.io.data.resolution_for`).
    background : bool, optional
        Whether slow work runs in the background: the full exact posterior behind each
        edit (intervals, facts, score; the scenario probabilities themselves come at
        once from the incremental engine) and the full engine (with its progress and
        a Cancel button). Default: from the moment the explorer is displayed; before
        that (in a script) every call returns with everything computed.
    worker : bool
        Whether the background's exact work (the full posterior, the analysis views and
        their drawings) runs in processes of its own
        (:class:`~scenarios.views.explorer.background.Worker`, shared by the explorers
        of a kernel) rather than in threads of the kernel: an edit then never waits for
        the interpreter's lock, but the processes need free cores (on a busy machine
        they slow everything down). Default: threads.

    Attributes
    ----------
    model : ExplorerModel
        The state without widgets: the scenario, its posteriors, the analyses.
    controls : dict of str to Widget
        Every control by name: those of :class:`~scenarios.views.explorer.controls.Controls`
        (``prior:...``, ``claim:...``, ``source:...``) and of
        :class:`~scenarios.views.explorer.panels.AnalysisTabs` (``analysis:...``), and the
        buttons ``run_full`` and ``save``.
    views : ipywidgets.Tab
        The right-hand side: "Scenarios" (index 0), then one tab per
        :data:`~scenarios.views.explorer.model.ANALYSIS_VIEWS` in that order.
    table, chart, comparison : ipywidgets.HTML
        The scenario view.
    status : ipywidgets.HTML
        The status line: updated, or why an edit was refused; it carries the page's
        marker of the edit shown (:func:`~scenarios.views.explorer.panels.marker_html`).
    picture : ModelPicture
        The picture of the model (:mod:`scenarios.views.html.graph`), coloured by the
        posterior shown (its reports by the "Report by report" timeline, when that is
        computed for the scenario shown); a click on a node opens its controls
        (:meth:`focus`).
    focused : str or None
        The node whose controls were opened last.
    widget : ipywidgets.VBox
        The whole explorer.

    Examples
    --------
    >>> import scenarios
    >>> ex = Explorer(scenarios.load(scenarios.example()))
    >>> ex.controls["prior:army_strikes"].value = 0.5
    >>> ex.scenario.facts["army_strikes"].prior.p
    0.5
    """

    def __init__(
        self,
        scenario: Scenario | str | os.PathLike[str],
        *,
        priors_dir: str | os.PathLike[str] | None = None,
        draws: int = 4000,
        full_options: Mapping[str, Any] | None = None,
        resolution: Any = None,
        background: bool | None = None,
        worker: bool = False,
    ) -> None:
        self.priors_path: Path | None = None
        if not isinstance(scenario, Scenario):
            from scenarios.io import load

            self.priors_path = Path(scenario)
            scenario = load(scenario)
        self.priors_dir = Path(priors_dir) if priors_dir else save_folder(self.priors_path)
        self.full_options: dict[str, Any] = dict(full_options or {})
        self.saved: list[Path] = []
        # -- background work (views/explorer/background.py) --
        self.background = background
        self.worker = worker
        self.edits = 0  # edits shown; data-edit of the status line's marker
        self._shown_settled = False  # its data-settled
        self.full_run: FullRun | None = None
        self._render = threading.RLock()
        self._settler = Settler(
            lambda scenario: self.model.settle(scenario, True), self._settled, SETTLE_AFTER
        )
        self._prefetcher = Settler(self._prefetch, lambda *_: None, delay=PREFETCH_AFTER)
        # drawings made ahead by the background: view -> (result, outcome, page)
        self._pages: dict[str, tuple[AnalysisResult, str | None, str]] = {}
        # the picture coloured by a timeline: (posterior, timeline result, svg)
        self._timeline_picture: tuple[Posterior, AnalysisResult, str] | None = None
        self.model = ExplorerModel(
            scenario, draws=draws, resolution=resolution, priors_path=self.priors_path
        )
        self._build()
        if self.model.error is not None:
            self._refused(self.model.error)
        self._start_worker()
        self._refresh()

    # -- the model's state --------------------------------------------------------------

    @property
    def scenario(self) -> Scenario:
        """The current (last valid) scenario.

        Returns
        -------
        Scenario
            As edited by the controls; a refused edit leaves it as it was.

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> ex.controls["prior:army_strikes"].value = 0.5
        >>> ex.scenario.facts["army_strikes"].prior.p
        0.5
        """
        return self.model.scenario

    @property
    def posterior(self) -> Posterior | None:
        """Its exact-engine posterior (``None`` if even the opened scenario failed).

        Returns
        -------
        Posterior or None

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> round(float(ex.posterior.scenarios.loc[("putin_in_power", "true"), "probability"]), 3)
        0.869
        """
        return self.model.posterior

    @property
    def full_posterior(self) -> Posterior | None:
        """The last full-engine posterior.

        Returns
        -------
        Posterior or None
            ``None`` until "Run full engine" (:meth:`run_full`) succeeded.

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> ex.full_posterior is None
        True
        """
        return self.model.full_posterior

    @property
    def analysis(self) -> dict[str, AnalysisResult]:
        """The last result of each analysis view computed (see :meth:`refresh_analysis`).

        Returns
        -------
        dict of str to AnalysisResult
            By key of :data:`~scenarios.views.explorer.model.ANALYSIS_VIEWS`.

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> list(ex.analysis)  # the score follows every edit; the others wait for their tab
        ['score']
        """
        return self.model.analysis

    @property
    def resolution(self) -> Any:
        """What the Score tab scores against (a Resolution, or ``None``).

        Returns
        -------
        Resolution or None

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.example())  # a path: its resolution file is found
        >>> ex.resolution.outcomes
        {'mutiny_end': 'negotiated', 'putin_in_power': 'true'}
        """
        return self.model.resolution

    @property
    def resolution_path(self) -> Path | None:
        """The file of :attr:`resolution`, if it came from one.

        Returns
        -------
        pathlib.Path or None

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.example())  # a path: its resolution file is found
        >>> ex.resolution_path.parent.name, ex.resolution_path.name
        ('resolutions', 'wagner-2023-06-23.yaml')
        """
        return self.model.resolution_path

    @property
    def controls(self) -> dict[str, widgets.Widget]:
        """Every control by name (see the class docstring).

        Setting a control's ``value`` is what a forecaster's move does: the edit is
        applied (or refused) at once.

        Returns
        -------
        dict of str to ipywidgets.Widget

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> ex.controls["prior:army_strikes"].value, ex.controls["claim:hq_seized.on"].value
        (0.3, True)
        """
        return {**self._controls.widgets, **self._tabs.controls, **self._buttons}

    @property
    def status_text(self) -> str:
        """The status line as plain text.

        Returns
        -------
        str

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> ex.status_text
        'Updated: exact engine, 16 of 16 claims counted, intervals from 4000 draws.'
        """
        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value)).strip()

    # -- public actions ------------------------------------------------------------

    def apply(self, edit: Callable[[Scenario], Scenario]) -> bool:
        """Apply an edit to the current scenario, update, and refresh every view.

        Parameters
        ----------
        edit : callable
            Takes the current scenario and returns the edited one (e.g.
            ``lambda s: s.with_prior("x", {"p": 0.4})``).

        Returns
        -------
        bool
            ``True`` if applied; ``False`` if the edit was invalid or made the evidence
            impossible (the message is in the status line, the scenario unchanged).

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> ex.apply(lambda s: s.with_prior("army_strikes", {"p": 0.5}))
        True
        >>> ex.apply(lambda s: s.with_prior("army_strikes", {"p": 1.5}))
        False
        >>> ex.status_text.split(":")[0]
        'Invalid edit, not applied (showing the last valid scenario)'
        """
        started = time.perf_counter()
        # one lock with the background's display of a settled posterior: the scenario
        # never changes while that is drawn (it would settle the new one on the spot)
        with self._render:
            try:
                self.model.apply(edit)
            except (ScenarioError, ValueError, KeyError) as exc:
                self._refused(exc)
                self._controls.sync(self.scenario)
                return False
            self._refresh(elapsed=time.perf_counter() - started)
            # the other controls follow the edit (limits, implied values) after the numbers
            self._controls.sync(self.scenario)
        return True

    def run_full(self) -> Posterior | None:
        """Update with the full PyMC engine (NUTS) and show its table and diagnostics.

        Returns
        -------
        Posterior or None
            The full-engine posterior, or ``None`` if it failed (the message is shown
            in place of its table).

        Examples
        --------
        Sampling takes seconds to minutes, so the call is not run here:

        >>> import scenarios
        >>> options = {"chains": 2, "draws": 500, "tune": 500, "seed": 1}
        >>> ex = Explorer(scenarios.load(scenarios.example()), full_options=options)
        >>> post = ex.run_full()  # doctest: +SKIP
        """
        if self.full_run is not None and self.full_run.running:
            self.full_run.cancel()
        run = FullRun(self.scenario, self.full_options, on_change=self._full_changed)
        self.full_run = run
        self._buttons["run_full"].disabled = True
        self._buttons["cancel_full"].layout.display = None
        self._buttons["cancel_full"].disabled = False
        self.full_view.value = ""
        self.full_progress.value = progress_html(run)
        run.start()
        if self._background:
            stop = threading.Event()
            threading.Thread(target=self._tick, args=(stop, run), daemon=True).start()
            return None
        run.wait()
        return run.posterior

    def cancel_full(self) -> None:
        """Cancel the full engine's run (if one is running); the exact view is unaffected.

        Examples
        --------
        >>> import scenarios
        >>> Explorer(scenarios.load(scenarios.example())).cancel_full()  # nothing running
        """
        if self.full_run is not None and self.full_run.running:
            self.full_run.cancel()
            self._buttons["cancel_full"].disabled = True

    @property
    def _background(self) -> bool:
        return bool(self.background)

    def _start_worker(self) -> None:
        """Background work goes to a process of its own (:class:`Worker`) once displayed."""
        if self._background and self.worker and self.model.worker is None:
            # asked after every edit, not after the settled posterior: the same quiet
            self._prefetcher.delay = SETTLE_AFTER
            self.model.worker = exact = shared_worker("exact")
            self.model.analysis_worker = analysis = shared_worker("analysis")
            # the processes warm their caches up on the scenario as opened
            if exact is not None:
                exact.submit(exact_update, self.scenario, self.model.draws)
            if analysis is not None:
                asks = {
                    view: (self._tabs.key(view), self._drawing(view)) for view in PREFETCH_ORDER
                }
                analysis.submit(warm_views, self.scenario, asks)
            self._prefetcher.request(self.scenario)

    def save(self, why: str | None = None) -> Path | None:
        """Save the current scenario to a new file in ``priors_dir`` and say where.

        Opened from a file, the scenario is saved as that file's next revision
        (``<stem>.r2.yaml``, :func:`scenarios.io.revisions.save_revision`): its comments
        and layout kept, each changed number noted with its old value, the time and the
        reason typed in the "Reason" box, so that ``resolutions/<stem>.yaml`` still
        applies when it is reopened. Opened from a Scenario object, it is saved as a new
        file named after the title.

        Parameters
        ----------
        why : str, optional
            The reason for the change; default: the "Reason" box's text.

        Returns
        -------
        pathlib.Path or None
            The new file, or ``None`` if it could not be written (message shown).

        Examples
        --------
        >>> import scenarios, tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     ex = Explorer(scenarios.load(scenarios.example()), priors_dir=folder)
        ...     path = ex.save()
        ...     scenarios.load(path) == ex.scenario, path.parent == Path(folder)
        (True, True)
        """
        from scenarios.io import save
        from scenarios.io.revisions import save_revision

        why = self.why.value if why is None else why
        changed = ""
        try:
            self.priors_dir.mkdir(parents=True, exist_ok=True)
            if self.priors_path is not None:
                path, changes = save_revision(
                    self.scenario, self.priors_path, self.priors_dir, why=why
                )
                changed = f" ({len(changes)} value{'s' if len(changes) != 1 else ''} changed)"
            else:
                path = save(self.scenario, self.priors_dir)
        except (OSError, ScenarioError) as exc:
            self.saved_label.value = f'<span class="scn-warn">Not saved: {_e(exc)}</span>'
            return None
        self.saved.append(path)
        self.saved_label.value = (
            f'Saved to <code class="scn-saved-path">{_e(path)}</code>{_e(changed)}'
        )
        return path

    # -- analysis -------------------------------------------------------------------

    @property
    def shown_view(self) -> str | None:
        """The analysis view whose tab is shown (``None``: the scenario views).

        Returns
        -------
        str or None
            A key of :data:`~scenarios.views.explorer.model.ANALYSIS_VIEWS`.

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> ex.shown_view is None
        True
        >>> ex.show_view("voi")
        >>> ex.shown_view
        'voi'
        """
        index = self.views.selected_index or 0
        return list(ANALYSIS_VIEWS)[index - 1] if index > 0 else None

    def show_view(self, view: str | None) -> None:
        """Show an analysis view's tab (``None``: the scenario views); computed if stale.

        Parameters
        ----------
        view : str or None
            A key of :data:`~scenarios.views.explorer.model.ANALYSIS_VIEWS`.

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> ex.show_view("voi")  # as a click on its tab: computed, as it was never before
        >>> ex.stale("voi")
        False
        """
        if view is not None and view not in ANALYSIS_VIEWS:
            raise KeyError(f"no analysis view {view!r}; views are {list(ANALYSIS_VIEWS)}")
        self.views.selected_index = 0 if view is None else list(ANALYSIS_VIEWS).index(view) + 1

    def stale(self, view: str) -> bool:
        """Whether a view was never computed, or computed for another scenario or question.

        Parameters
        ----------
        view : str

        Returns
        -------
        bool

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> _ = ex.refresh_analysis("voi")
        >>> ex.stale("voi")
        False
        >>> ex.controls["prior:army_strikes"].value = 0.5
        >>> ex.stale("voi")
        True
        """
        return self.model.stale(view, self._tabs.key(view))

    def compute_analysis(self, view: str) -> AnalysisResult:
        """Compute one analysis view for the current scenario (nothing is displayed).

        The numbers are the library's (:mod:`scenarios.analysis`) for :attr:`scenario`
        and what the view's controls ask; the result is kept in :attr:`analysis`. A
        failure is kept as the result's ``error``.

        Parameters
        ----------
        view : str

        Returns
        -------
        AnalysisResult

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> sorted(ex.compute_analysis("voi").data)
        ['mutiny_end', 'putin_in_power']
        >>> ex.analysis_html("voi")  # computed, not displayed
        ''
        """
        if view not in ANALYSIS_VIEWS:
            raise KeyError(f"no analysis view {view!r}; views are {list(ANALYSIS_VIEWS)}")
        return self.model.compute(view, self._tabs.key(view))

    def refresh_analysis(self, *views: str) -> dict[str, AnalysisResult]:
        """Compute analysis views for the current scenario and display them.

        Parameters
        ----------
        *views : str
            Keys of :data:`~scenarios.views.explorer.model.ANALYSIS_VIEWS`; default: the
            view shown, or every view when the scenario views are shown.

        Returns
        -------
        dict of str to AnalysisResult

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> list(ex.refresh_analysis("voi", "what_if"))
        ['voi', 'what_if']
        >>> "scn-stale" in ex.analysis_status("voi")
        False
        """
        if not views:
            views = (self.shown_view,) if self.shown_view else tuple(ANALYSIS_VIEWS)
        out = {}
        for view in views:
            self._tabs.status[view].value = '<span class="scn-note">Computing…</span>'
            out[view] = self.compute_analysis(view)
            self._show_analysis(view)
        return out

    def analysis_html(self, view: str) -> str:
        """The HTML an analysis view shows now (``""`` before it is computed).

        Parameters
        ----------
        view : str

        Returns
        -------
        str

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> ex.analysis_html("voi")
        ''
        >>> _ = ex.refresh_analysis("voi")
        >>> "<table" in ex.analysis_html("voi")
        True
        """
        return self._tabs.body[view].value

    def analysis_status(self, view: str) -> str:
        """The HTML of an analysis view's status line (up to date, stale ...).

        Parameters
        ----------
        view : str

        Returns
        -------
        str

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> _ = ex.refresh_analysis("voi")
        >>> ex.controls["prior:army_strikes"].value = 0.5
        >>> "Stale" in ex.analysis_status("voi")
        True
        """
        return self._tabs.status[view].value

    def focus(self, node: str) -> bool:
        """Open the controls of a node of the picture (what a click on the node does).

        Parameters
        ----------
        node : str
            A node id of :attr:`picture`: ``fact:<name>``, ``outcome:<name>``,
            ``claim:<id>`` (a denial, dispute or retraction opens its claim's),
            ``source:<name>``.

        Returns
        -------
        bool
            Whether the node has controls (they are shown: their tab selected, their box
            outlined and scrolled into view).

        Examples
        --------
        >>> import scenarios
        >>> ex = Explorer(scenarios.load(scenarios.example()))
        >>> ex.focus("source:news_report"), ex.focus("fact:no_such_fact")
        (True, False)
        >>> ex.picture.selected = "claim:hq_seized"  # a click on the node
        >>> ex.focused
        'claim:hq_seized'
        """
        try:
            self._controls.focus(node)
        except KeyError:
            return False
        self.focused = node
        self.picture.reveal()
        return True

    # -- display --------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self.background is None:  # displayed: slow work moves to the background
            self.background = True
        self._start_worker()
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"Explorer({self.scenario.title!r}, {len(self.controls)} controls)"

    # -- showing ----------------------------------------------------------------------

    def _refused(self, exc: BaseException) -> None:
        kind = "Impossible evidence" if isinstance(exc, ImpossibleEvidenceError) else "Invalid edit"
        message = _e(str(exc)).replace("\n", "<br>")
        kept = (
            "showing the last valid scenario"
            if self.model.table is not None
            else "nothing to show until an edit makes it valid"
        )
        self._say(
            f'<div class="scn-status scn-error" style="color:#b3261e">'
            f"<b>{kind}, not applied</b> ({kept}): {message}</div>"
        )

    def _say(self, line: str, settled: bool | None = None) -> None:
        """Write the status line, and in it the marker of the edit shown (:func:`marker_html`).

        One widget message per edit for both: the page re-renders one element.
        """
        if settled is not None:
            self._shown_settled = settled
        self.status.value = line + marker_html(self.edits, self._shown_settled)

    def _refresh(self, elapsed: float | None = None) -> None:
        """Show the current scenario: at once from the live table, the rest when settled."""
        if self.model.table is None:
            return
        with self._render:
            self.edits += 1
            if self._background and self.model.analysis_worker is not None:
                # the analysis views are drawn ahead once quiet, in their own process
                # (in a thread, after the exact posterior: see _settled)
                self._prefetcher.request(self.scenario)
            if self._background and not self.model.settled:
                self._show_live(elapsed)
                self._settler.request(self.scenario)
                return
            self._show_settled(elapsed)

    def _show_live(self, elapsed: float | None) -> None:
        """The scenario probabilities of the incremental engine, before the full update."""
        import copy

        last, table = self.model.last_posterior, self.model.table
        if last is None or table is None:
            return
        provisional = copy.copy(last)  # no __post_init__: the live table has no intervals yet
        table.attrs = {**last.scenarios.attrs, **table.attrs}
        object.__setattr__(provisional, "scenario", self.scenario)
        object.__setattr__(provisional, "scenarios", table)
        if "prior" in table:  # the live prior, without intervals (no pandas renames: 5 ms)
            columns = {"probability": table["prior"], "lower": table["lower"]}
            columns["upper"] = table["upper"]
            prior = pd.DataFrame({k: v.to_numpy() for k, v in columns.items()}, index=table.index)
            prior.attrs = dict(last.prior_scenarios.attrs)
            object.__setattr__(provisional, "prior_scenarios", prior)
        self._scenario_view.show_live(provisional)
        took = f" in {elapsed * 1000:.0f} ms" if elapsed is not None else ""
        n_claims = sum(counted(c) for c in self.scenario.claims)
        self._say(  # after the table and the chart: its marker says they are drawn
            f'<div class="scn-status scn-ok">Updated{took}: exact engine (incremental), '
            f"{n_claims} of {len(self.scenario.claims)} claims counted; intervals and "
            "the prior-versus-posterior view follow in a moment.</div>",
            settled=False,
        )
        self.full_note.value = self._full_note()

    def _settled(self, scenario: Scenario, post: Any) -> None:
        """The full exact posterior is ready (from the settler's thread): show it if current."""
        with self._render:
            if scenario is not self.scenario or isinstance(post, BaseException):
                return
            self._show_settled(None)
        if self.model.analysis_worker is None:
            self._prefetcher.request(scenario)

    def _prefetch(self, scenario: Scenario) -> None:
        """Compute and draw the analysis views of a scenario in the background, while current."""
        worker = self.model.analysis_worker
        if worker is not None:
            worker.wait_ready(60)  # a process starting: there, not in the kernel's threads
        for view in PREFETCH_ORDER:
            if scenario is not self.scenario:
                return  # edited meanwhile: the next quiet moment starts again
            key = self._tabs.key(view)
            if self.model.stale(view, key):
                self.model.compute(view, key, reuse=True, background=True)
            result = self.analysis.get(view)
            if result is None or result.scenario is not scenario:
                continue
            outcome = self._tabs.outcome(view)
            drawn = self._pages.get(view)
            if drawn is None or drawn[0] is not result or drawn[1] != outcome:
                page = self._call(analysis_html, result, **self._drawing(view))
                self._pages[view] = (result, outcome, page)  # shown when its tab is
            if view == "timeline" and self.model.settled:  # else drawn once settled
                self._picture_svg(result)

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` in the analysis process if there is one, else here."""
        worker = self.model.analysis_worker
        if worker is not None and worker.ready:
            try:
                return worker.call(fn, *args, **kwargs)
            except Exception:  # the worker died: draw here
                pass
        return fn(*args, **kwargs)

    def _drawing(self, view: str) -> dict[str, Any]:
        """How a view is drawn besides its result: the outcome chosen, the resolution."""
        where = self.resolution_path
        return {
            "outcome": self._tabs.outcome(view),
            "resolution": self.resolution,
            "where": str(where) if where else None,
        }

    def _full_note(self) -> str:
        return (
            '<div class="scn-note">The scenario has changed since the full engine ran: '
            "run it again to compare.</div>"
            if self.model.full_is_stale
            else ""
        )

    def _show_settled(self, elapsed: float | None = None) -> None:
        post = self.posterior
        if post is None:
            return
        self._scenario_view.show(post)
        self._draw_picture()
        took = f" in {elapsed * 1000:.0f} ms" if elapsed is not None else ""
        n_claims = sum(counted(c) for c in self.scenario.claims)
        draws = post.settings.get("draws", 0)
        intervals = (
            f"intervals from {draws} draws"
            if draws
            else "no uncertain probabilities (no intervals)"
        )
        warned = "".join(f'<div style="color:#b26a00">{_e(w)}</div>' for w in self.model.warnings)
        self._say(  # after the picture: its marker says all is drawn
            f'<div class="scn-status scn-ok">Updated{took}: exact engine, '
            f"{n_claims} of {len(self.scenario.claims)} claims counted, {intervals}.</div>"
            f"{warned}",
            settled=True,
        )
        self.full_note.value = self._full_note()
        # the score follows every edit; the other views say whether they are stale
        self._tabs.sync_choices(self.scenario)
        self.compute_analysis("score")
        self._show_analysis("score")
        for view in self.analysis:
            if view != "score":  # not redrawn: only its status says whether it is stale
                self._tabs.status[view].value = analysis_status_html(
                    view, self.analysis[view], self.stale(view)
                )
        # a quick view follows the edits while its tab is shown (and only then)
        shown = self.shown_view
        if shown in FOLLOWS_EDITS and self.stale(shown):
            self.refresh_analysis(shown)

    def _draw_picture(self) -> None:
        """Colour the picture by the posterior shown (reports: by a fresh timeline)."""
        post = self.posterior
        if post is None:
            return
        timeline = self.analysis.get("timeline")
        if timeline is not None and timeline.error is None and not self.stale("timeline"):
            self.picture.svg = self._picture_svg(timeline)
        else:
            self.picture.svg = picture_svg(self.scenario, post, None, f"explorer-{id(self):x}")

    def _picture_svg(self, timeline: AnalysisResult) -> str:
        """The picture coloured by a timeline of the current scenario (drawn once)."""
        post = self.posterior
        drawn = self._timeline_picture
        if drawn is not None and drawn[0] is post and drawn[1] is timeline:
            return drawn[2]
        uid = f"explorer-{id(self):x}"
        svg = self._call(picture_svg, timeline.scenario, post, timeline.data["table"], uid)
        self._timeline_picture = (post, timeline, svg)
        return svg

    def _show_analysis(self, view: str) -> None:
        """Display a view's last result (drawn as its choices ask), and its status."""
        if view == "timeline" and self.model.settled:  # else drawn once settled
            self._draw_picture()
        result = self.analysis.get(view)
        drawing = self._drawing(view)
        drawn = self._pages.get(view)
        if result is not None and drawn is not None and drawn[:2] == (result, drawing["outcome"]):
            page = drawn[2]  # drawn ahead by the background
        else:
            page = analysis_html(result, **drawing)
        self._tabs.show(view, page, analysis_status_html(view, result, self.stale(view)))

    def _view_shown(self, change: dict[str, Any]) -> None:
        view = self.shown_view
        if view is None:
            return
        if self.stale(view):  # computed here, or by the background if it is at it
            self._tabs.status[view].value = '<span class="scn-note">Computing…</span>'
            self.model.compute(view, self._tabs.key(view), reuse=True)
        self._show_analysis(view)

    def _choice_changed(self, view: str, recompute: bool) -> None:
        if recompute and self.shown_view == view:
            self.refresh_analysis(view)
        elif view in self.analysis:
            self._show_analysis(view)

    def _tick(self, stop: threading.Event, run: FullRun) -> None:
        """Show the time elapsed while the model compiles (sampling reports its own progress)."""
        while run.running and not stop.wait(1.0):
            if run.state == "compiling":
                self._full_changed(run)

    def _full_changed(self, run: FullRun) -> None:
        """A full-engine run progressed or ended (called from its thread)."""
        with self._render:
            if run is not self.full_run:
                return
            current = run.scenario is self.scenario
            self.full_progress.value = progress_html(run, current)
            if run.running:
                return
            self._buttons["run_full"].disabled = False
            self._buttons["cancel_full"].disabled = True
            self._buttons["cancel_full"].layout.display = "none"
            if run.state == "done" and run.posterior is not None:
                self.model.full_posterior = run.posterior
                self._show_full(run.posterior, run.elapsed)
                self.full_note.value = self._full_note()
            elif run.state == "failed":
                self.full_view.value = (
                    f'<div class="scn-warn">Full engine failed: {_e(run.error)}</div>'
                )

    def _show_full(self, post: Posterior, elapsed: float) -> None:
        settings = ", ".join(f"{k} {v}" for k, v in post.settings.items())
        self.full_view.value = (
            f"<div><b>Full engine</b> ({_e(settings)}; {elapsed:.1f} s)</div>"
            + scenario_table_html(
                post, fmt="percent", mcse=True, exact=self.posterior, bars=False, notes=False
            )
            + "<div><b>Diagnostics</b></div>"
            + diagnostics_html(post, settings=False, css=False)
        )
        self.full_note.value = ""

    # -- building -------------------------------------------------------------------

    def _build(self) -> None:
        s = self.scenario
        self.status = widgets.HTML(layout=widgets.Layout(min_height="1.5em"))
        self.status.add_class("scn-status-line")
        self._controls = Controls(s, self.apply)
        self._scenario_view = ScenarioView()
        self.chart = self._scenario_view.chart
        self.table = self._scenario_view.table
        self.comparison = self._scenario_view.comparison
        self._tabs = AnalysisTabs(s, self.refresh_analysis, self._choice_changed)

        header = widgets.HTML(
            f'<h3 style="margin:4px 0">{_e(s.title)}'
            + (_e(f" — as of {s.as_of:%d %b %Y %H:%M %Z}".rstrip()) if s.as_of else "")
            + "</h3>"
            '<div class="scn-note">Move a prior, switch a claim or a source grade: the '
            "scenario probabilities update at once (exact engine). Bars are posterior "
            "probabilities, whiskers their credible intervals, red ticks the priors.</div>"
        )
        self.views = widgets.Tab(
            children=[self._scenario_view.box, *self._tabs.boxes.values()],
            titles=("Scenarios", *ANALYSIS_TABS.values()),
            selected_index=0,
        )
        self.focused: str | None = None
        self.picture = ModelPicture()
        self.picture.observe(lambda change: self.focus(change["new"]), names="selected")
        pictured = widgets.Accordion(
            children=[
                widgets.VBox(
                    [
                        widgets.HTML(
                            '<div class="scn-note">Click a source, report, fact or outcome '
                            "to open its controls below.</div>"
                        ),
                        self.picture,
                    ]
                )
            ],
            titles=("Picture of the model",),
            selected_index=0,
        )
        pictured.add_class("scn-picture-box")
        self.views.add_class("scn-views")
        self.views.observe(self._view_shown, names="selected_index")
        results = widgets.VBox(
            [self.views],
            layout=widgets.Layout(flex="1 1 55%", min_width="420px", padding="0 0 0 12px"),
        )
        self.widget = widgets.VBox(
            [
                header,
                self.status,
                pictured,
                widgets.HBox(
                    [self._controls.box, results], layout=widgets.Layout(flex_flow="row wrap")
                ),
                self._full_box(),
            ]
        )
        self.widget.add_class("scn-explorer")

    def _full_box(self) -> widgets.Widget:
        """The buttons "Run full engine" and "Save priors", and the full engine's output."""
        run = widgets.Button(
            description="Run full engine",
            button_style="primary",
            icon="play",
            tooltip="Sample the PyMC model with NUTS (seconds to minutes)",
            layout=widgets.Layout(width="auto"),
        )
        run.on_click(lambda _: self.run_full())
        cancel = widgets.Button(
            description="Cancel",
            icon="stop",
            tooltip="Stop the full engine's run (the exact view is not affected)",
            disabled=True,
            layout=widgets.Layout(width="auto", display="none"),
        )
        cancel.add_class("scn-cancel-full")
        cancel.on_click(lambda _: self.cancel_full())
        save = widgets.Button(
            description="Save priors",
            icon="save",
            tooltip=f"Write the edited scenario as a new revision in {self.priors_dir} "
            "(the file's comments and layout kept; the opened file is never changed)",
            layout=widgets.Layout(width="auto"),
        )
        save.on_click(lambda _: self.save())
        self.why = widgets.Text(
            placeholder="Why did you change it? (saved beside each changed number)",
            description="Reason",
            layout=widgets.Layout(width="30em"),
        )
        self.why.add_class("scn-why")
        self._buttons = {"run_full": run, "cancel_full": cancel, "save": save}
        self.saved_label = widgets.HTML()
        self.saved_label.add_class("scn-saved")
        self.full_progress = widgets.HTML()
        self.full_progress.add_class("scn-full-progress")
        self.full_view = widgets.HTML()
        self.full_view.add_class("scn-full-view")
        self.full_note = widgets.HTML()
        return widgets.VBox(
            [
                widgets.HBox(
                    [run, cancel, self.why, save, self.saved_label],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.full_note,
                self.full_progress,
                self.full_view,
            ]
        )
