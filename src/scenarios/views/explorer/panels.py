"""The explorer's right-hand side: the scenario view and the analysis tabs.

:class:`ScenarioView` shows a posterior (chart, table, prior versus posterior).
:class:`AnalysisTabs` holds one tab per analysis view: its choices (which outcome,
which target ...), a "Refresh analysis" button, a status line (up to date or stale) and
the view itself, drawn by :func:`analysis_html` from an
:class:`~scenarios.views.explorer.model.AnalysisResult`. They compute nothing: the
explorer asks its model and hands them the results.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from scenarios.posterior import Posterior
from scenarios.spec.scenario import Scenario
from scenarios.views.explorer.charts import chart_svg, timeline_svg, tornado_svg
from scenarios.views.explorer.model import (
    ANALYSIS_VIEWS,
    NUMBER_FLAG,
    NUMBER_RANGE,
    PREDICTIVE_WORLDS,
    SURPRISE,
    AnalysisResult,
    analysis_choices,
)
from scenarios.views.html import (
    comparison_html,
    note_html,
    predictive_html,
    scenario_table_html,
    score_html,
    sensitivity_html,
    timeline_steps_html,
    voi_html,
    what_if_html,
    what_if_summary,
)

__all__ = [
    "ANALYSIS_ABOUT",
    "ANALYSIS_TABS",
    "WORLDS_CHOICES",
    "AnalysisTabs",
    "ScenarioView",
    "analysis_html",
    "analysis_status_html",
    "marker_html",
]

#: Short tab labels of the analysis views (the full titles head each tab).
ANALYSIS_TABS: dict[str, str] = {
    "timeline": "Timeline",
    "sensitivity": "What matters",
    "voi": "Look next",
    "what_if": "What if",
    "score": "Score",
    "predictive": "Expected reports",
}
#: The numbers of worlds a prior predictive check offers (the default is the model's).
WORLDS_CHOICES = (1000, PREDICTIVE_WORLDS, 20000)
#: What each analysis view answers, under its title.
ANALYSIS_ABOUT: dict[str, str] = {
    "timeline": "the scenario probabilities after each claim, in the order the reports came in.",
    "sensitivity": "which prior, claim or source moves a scenario probability most.",
    "voi": "the unresolved facts that would tell most about an outcome if we learnt them.",
    "what_if": "learning that a fact is in a state (observe) against making it so (intervene).",
    "score": "how this forecast scores against what actually happened, in hindsight.",
    "predictive": (
        "the reports worlds drawn from the priors would produce (a prior predictive check),"
        " beside those the file holds: what the priors did not see coming is flagged."
    ),
}


#: An interval cell of a live table (no intervals yet), as scenario_table_html writes it.
_NO_INTERVAL = '<td class="interval num">nan% – nan%</td>'


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


class ScenarioView:
    """The scenario probabilities: a bar chart, the table, and prior versus posterior.

    Attributes
    ----------
    chart, table, comparison : ipywidgets.HTML
    box : ipywidgets.VBox
        All three.

    Examples
    --------
    >>> import scenarios
    >>> view = ScenarioView()
    >>> view.show(scenarios.load(scenarios.example()).update(intervals=False))
    >>> 'data-outcome="mutiny_end"' in view.table.value
    True
    """

    def __init__(self) -> None:
        self.chart = widgets.HTML()
        self.chart.add_class("scn-chart-view")
        self.table = widgets.HTML()
        self.table.add_class("scn-table-view")
        self.comparison = widgets.HTML()
        self.comparison.add_class("scn-compare-view")
        self.box = widgets.VBox(
            [
                self.chart,
                self.table,
                widgets.HTML("<b>Prior versus posterior, by fact</b>"),
                self.comparison,
            ]
        )

    def show(self, post: Posterior) -> None:
        """Show a posterior: its chart, its table, and its prior against posterior.

        Parameters
        ----------
        post : Posterior

        Examples
        --------
        >>> import scenarios
        >>> view = ScenarioView()
        >>> view.show(scenarios.load(scenarios.example()).update(intervals=False))
        >>> view.chart.value.startswith('<svg class="scn-chart"')
        True
        """
        self.table.value = scenario_table_html(post, fmt="percent", bars=False, notes=False)
        self.chart.value = chart_svg(post)
        self.comparison.value = comparison_html(post, fmt="percent")
        self.comparison.remove_class("scn-refreshing")

    def show_live(self, post: Posterior) -> None:
        """Show the live scenario probabilities at once; the facts' view waits for the rest.

        Parameters
        ----------
        post : Posterior
            The last full posterior with the live table as its ``scenarios`` (no
            intervals yet): its chart and table are drawn; the prior-versus-posterior
            view is dimmed until :meth:`show` gets the full posterior.

        Examples
        --------
        >>> import scenarios
        >>> view = ScenarioView()
        >>> view.show_live(scenarios.load(scenarios.example()).update(intervals=False))
        >>> "scn-refreshing" in view.comparison._dom_classes
        True
        """
        page = scenario_table_html(post, fmt="percent", bars=False, notes=False)
        self.table.value = page.replace(_NO_INTERVAL, '<td class="interval num scn-pending">…</td>')
        self.chart.value = chart_svg(post)
        self.comparison.add_class("scn-refreshing")


def marker_html(edit: int, settled: bool) -> str:
    """The page's marker of the edit shown: ``data-edit`` and ``data-settled``.

    The explorer writes it into its status line, which is updated after the views it
    follows (one message to the page per edit, not two), so that a page (a test, the
    latency benchmark) that sees it sees them.

    Parameters
    ----------
    edit : int
        The count of edits shown.
    settled : bool
        Whether the full posterior (intervals, facts) is shown, or the live table.

    Returns
    -------
    str

    Examples
    --------
    >>> marker_html(3, settled=False)
    '<span class="scn-rendered" data-edit="3" data-settled="0"></span>'
    """
    return f'<span class="scn-rendered" data-edit="{edit}" data-settled="{int(settled)}"></span>'


def analysis_html(
    result: AnalysisResult | None,
    *,
    outcome: str | None = None,
    resolution: Any = None,
    where: str | None = None,
) -> str:
    """The HTML of an analysis view's result, or ``""`` without one.

    Parameters
    ----------
    result : AnalysisResult or None
    outcome : str, optional
        The outcome a timeline or value-of-information view shows.
    resolution : Resolution, optional
        What a score is against (named in the view).
    where : str, optional
        The resolution's file.

    Returns
    -------
    str

    Examples
    --------
    >>> '<div class="scn-warn">no scenario</div>' in analysis_html(
    ...     AnalysisResult("voi", None, None, {}, 0.0, "no scenario"))
    True
    """
    if result is None:
        return ""
    view, data = result.view, result.data
    if result.error is not None:
        return note_html(result.error, "note" if view == "score" and resolution is None else "warn")
    if view == "timeline":
        assert outcome is not None
        table = data["table"]
        steps = timeline_steps_html(data["moves"], table, outcome, fmt="percent", by_time=True)
        return timeline_svg(table, outcome) + steps
    if view == "sensitivity":
        page = sensitivity_html(data["sensitivity"], data["power"], fmt="percent")
        return page + tornado_svg(data["sensitivity"])
    if view == "voi":
        if outcome not in data:
            return note_html(f"Press Refresh analysis for {outcome}.")
        return voi_html(data[outcome], outcome)
    if view == "what_if":
        assert result.scenario is not None and result.key is not None
        fact, state = result.key
        summary = what_if_summary(data["table"], result.scenario, fact, state, fmt="percent")
        return what_if_html(data["table"], summary, f"{fact} = {state}", fmt="percent")
    if view == "predictive":
        check = data["check"]
        return predictive_html(
            check.reports,
            check.numbers,
            n=check.n,
            seed=check.seed,
            surprise=SURPRISE,
            inner=NUMBER_RANGE,
            outer=NUMBER_FLAG,
            fmt="percent",
        )
    return score_html(
        data["score"], data.get("baseline"), resolution=resolution, where=where, fmt="decimal"
    )


def analysis_status_html(view: str, result: AnalysisResult | None, stale: bool) -> str:
    """An analysis view's status line: computed when shown, up to date, or stale.

    Parameters
    ----------
    view : str
    result : AnalysisResult or None
        Its last result.
    stale : bool
        Whether that result is for another scenario or question.

    Returns
    -------
    str

    Examples
    --------
    >>> analysis_status_html("voi", None, True)
    '<span class="scn-note">Computed when this tab is shown.</span>'
    """
    if view == "score":
        return (
            '<span class="scn-note">Follows every edit: it only re-scores the scenario '
            "probabilities shown.</span>"
        )
    if result is None:
        return '<span class="scn-note">Computed when this tab is shown.</span>'
    if stale:
        return (
            '<span class="scn-stale" style="color:#b26a00;font-weight:bold">Stale</span>'
            '<span class="scn-note"> — the scenario (or the question) has changed since '
            "this was computed; press Refresh analysis.</span>"
        )
    if view == "predictive" and result.error is None:
        check = result.data["check"]
        return (
            '<span class="scn-fresh scn-note">Up to date: simulated '
            f"{check.n} worlds (seed {check.seed}) for the current scenario in "
            f"{result.seconds:.2f} s; recomputed after each edit while this tab is shown."
            "</span>"
        )
    return (
        '<span class="scn-fresh scn-note">Up to date: computed for the current '
        f"scenario in {result.seconds:.2f} s (exact engine).</span>"
    )


class AnalysisTabs:
    """One tab per analysis view: its choices, a refresh button, a status line, the view.

    Parameters
    ----------
    scenario : Scenario
        Whose outcomes and facts the choices list.
    on_refresh : callable
        Called with a view's key when its "Refresh analysis" button is pressed.
    on_choice : callable
        Called with a view's key and whether the new choice needs a new computation
        (another sensitivity target or what-if) or only another drawing (another
        outcome of the same timeline or value of information).

    Attributes
    ----------
    controls : dict of str to Widget
        ``analysis:timeline.outcome``, ``analysis:sensitivity.target`` (``("", "")``: the
        most likely state of the first outcome), ``analysis:voi.outcome``,
        ``analysis:what_if.fact``, ``analysis:what_if.state``,
        ``analysis:predictive.worlds`` and ``analysis:predictive.seed`` (the prior
        predictive check's simulation; the seed starts at the scenario's) and
        ``analysis:<view>.refresh`` (the "Refresh analysis" buttons).
    status, body : dict of str to ipywidgets.HTML
        Each view's status line and drawing.
    boxes : dict of str to ipywidgets.VBox
        Each view's tab.

    Examples
    --------
    >>> import scenarios
    >>> tabs = AnalysisTabs(scenarios.load(scenarios.example()), print, print)
    >>> tabs.controls["analysis:voi.refresh"].click()
    voi
    """

    def __init__(
        self,
        scenario: Scenario,
        on_refresh: Callable[[str], None],
        on_choice: Callable[[str, bool], None],
    ) -> None:
        self._scenario = scenario
        self._on_refresh = on_refresh
        self._on_choice = on_choice
        self._syncing = False
        self.controls: dict[str, widgets.Widget] = {}
        self.status: dict[str, widgets.HTML] = {}
        self.body: dict[str, widgets.HTML] = {}
        self.boxes = {view: self._box(view) for view in ANALYSIS_VIEWS}

    def key(self, view: str) -> Any:
        """What a view's choices ask besides the scenario (``None`` for most views).

        A result computed for another key is stale, as one computed for another scenario.

        Parameters
        ----------
        view : str
            A key of :data:`~scenarios.views.explorer.model.ANALYSIS_VIEWS`.

        Returns
        -------
        object
            The sensitivity target ``(outcome, state)`` (``None``: the default), the
            what-if ``(fact, state)``, the prior predictive check's ``(n, seed)``;
            ``None`` otherwise.

        Examples
        --------
        >>> import scenarios
        >>> tabs = AnalysisTabs(scenarios.load(scenarios.example()), print, print)
        >>> tabs.key("sensitivity"), tabs.key("what_if"), tabs.key("voi")
        (None, ('regime_stance', 'negotiate'), None)
        >>> tabs.key("predictive")  # 4000 worlds, the scenario's seed
        (4000, 20230623)
        """
        c = self.controls
        if view == "predictive":
            return (
                int(c["analysis:predictive.worlds"].value),
                int(c["analysis:predictive.seed"].value),
            )
        if view == "sensitivity":
            target = c["analysis:sensitivity.target"].value
            return tuple(target) if target and target[0] else None
        if view == "what_if":
            fact, state = c["analysis:what_if.fact"].value, c["analysis:what_if.state"].value
            return (fact, state) if fact and state else None
        return None

    def outcome(self, view: str) -> str | None:
        """The outcome a timeline or value-of-information view is drawn for.

        Parameters
        ----------
        view : str
            A key of :data:`~scenarios.views.explorer.model.ANALYSIS_VIEWS`.

        Returns
        -------
        str or None
            ``None`` for the views that have no outcome to choose.

        Examples
        --------
        >>> import scenarios
        >>> tabs = AnalysisTabs(scenarios.load(scenarios.example()), print, print)
        >>> tabs.outcome("voi"), tabs.outcome("what_if")
        ('mutiny_end', None)
        """
        control = self.controls.get(f"analysis:{view}.outcome")
        return None if control is None else control.value

    def show(self, view: str, page: str, status: str) -> None:
        """Put a view's drawing (wide tables scroll inside the tab) and status line.

        Parameters
        ----------
        view : str
            A key of :data:`~scenarios.views.explorer.model.ANALYSIS_VIEWS`.
        page : str
            The view's HTML (:func:`analysis_html`); ``""`` leaves the tab empty.
        status : str
            The status line's HTML (:func:`analysis_status_html`).

        Examples
        --------
        >>> import scenarios
        >>> tabs = AnalysisTabs(scenarios.load(scenarios.example()), print, print)
        >>> tabs.show("voi", "<p>look for hq_seized</p>", analysis_status_html("voi", None, True))
        >>> "look for hq_seized" in tabs.body["voi"].value
        True
        """
        if page:
            page = (
                '<div class="scn-analysis-body" style="line-height:1.35;max-width:100%;'
                f'overflow-x:auto">{page}</div>'
            )
        self.body[view].value = page
        self.status[view].value = status

    def sync_choices(self, scenario: Scenario) -> None:
        """Keep the dropdowns' choices those of a scenario (the current one).

        A choice still offered stays chosen; syncing calls neither callback.

        Parameters
        ----------
        scenario : Scenario

        Examples
        --------
        >>> import scenarios
        >>> tabs = AnalysisTabs(scenarios.load(scenarios.example()), print, print)
        >>> tabs.sync_choices(scenarios.load(scenarios.example("ever-given-2021-03-25")))
        >>> tabs.controls["analysis:timeline.outcome"].options
        ('canal_reopens', 'queue_cleared_by_apr10')
        """
        old_seed, self._scenario = self._scenario.seed, scenario
        self._syncing = True
        try:
            seed = self.controls["analysis:predictive.seed"]
            if seed.value == old_seed:  # the scenario's seed, not one the forecaster chose
                seed.value = scenario.seed
            for key, options in analysis_choices(scenario).items():
                dropdown = self.controls[f"analysis:{key}"]
                if list(dropdown.options) == options:
                    continue
                old = dropdown.value
                dropdown.options = options
                values = [o[1] if isinstance(o, tuple) else o for o in options]
                if old in values:
                    dropdown.value = old
        finally:
            self._syncing = False
        self._sync_what_if_states()

    # -- building -------------------------------------------------------------------

    def _choice(self, view: str, recompute: bool) -> None:
        if not self._syncing:
            self._on_choice(view, recompute)

    def _what_if_fact_changed(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self._sync_what_if_states()
        self._on_choice("what_if", True)

    def _sync_what_if_states(self) -> None:
        fact = self.controls["analysis:what_if.fact"].value
        states = list(self._scenario.nodes[fact].state_names) if fact else []
        dropdown = self.controls["analysis:what_if.state"]
        if list(dropdown.options) == states:
            return
        self._syncing = True
        try:
            old = dropdown.value
            dropdown.options = states
            if old in states:
                dropdown.value = old
            elif states:
                dropdown.value = "true" if "true" in states else states[0]
        finally:
            self._syncing = False

    def _box(self, view: str) -> widgets.Widget:
        options = analysis_choices(self._scenario)
        row: list[widgets.Widget] = []

        def dropdown(key: str, description: str, width: str) -> widgets.Dropdown:
            w = widgets.Dropdown(
                options=options[key],
                description=description,
                style={"description_width": "initial"},
                layout=widgets.Layout(width=width),
            )
            w.add_class("scn-" + key.replace(".", "-").replace("_", "-"))
            self.controls[f"analysis:{key}"] = w
            row.append(w)
            return w

        if view == "timeline":
            d = dropdown("timeline.outcome", "outcome", "260px")
            d.observe(lambda _: self._choice("timeline", False), names="value")
        elif view == "sensitivity":
            d = dropdown("sensitivity.target", "probability of", "340px")
            d.observe(lambda _: self._choice("sensitivity", True), names="value")
        elif view == "voi":
            d = dropdown("voi.outcome", "about", "260px")
            d.observe(lambda _: self._choice("voi", False), names="value")
        elif view == "what_if":
            fact = dropdown("what_if.fact", "if", "220px")
            # start on a fact with causes: there, learning it and setting it differ
            caused = [n for n in fact.options if self._scenario.facts[n].parents]
            if caused:
                fact.value = caused[0]
            state = widgets.Dropdown(options=[], layout=widgets.Layout(width="160px"))
            state.add_class("scn-what-if-state")
            self.controls["analysis:what_if.state"] = state
            row.append(widgets.HTML("&nbsp;="))
            row.append(state)
            self._sync_what_if_states()
            fact.observe(self._what_if_fact_changed, names="value")
            state.observe(lambda _: self._choice("what_if", True), names="value")
        elif view == "predictive":
            worlds = widgets.Dropdown(
                options=[(f"{n} worlds", n) for n in WORLDS_CHOICES],
                value=PREDICTIVE_WORLDS,
                description="simulate",
                style={"description_width": "initial"},
                layout=widgets.Layout(width="200px"),
                tooltip="More worlds: smaller Monte Carlo error, slower",
            )
            seed = widgets.BoundedIntText(
                value=self._scenario.seed,
                min=0,
                max=2**32 - 1,
                description="seed",
                style={"description_width": "initial"},
                layout=widgets.Layout(width="170px"),
                tooltip="The same worlds and seed give the same table (default: the file's seed)",
            )
            for key, w in (("predictive.worlds", worlds), ("predictive.seed", seed)):
                w.add_class("scn-" + key.replace(".", "-"))
                w.observe(lambda _: self._choice("predictive", True), names="value")
                self.controls[f"analysis:{key}"] = w
                row.append(w)
        if view != "score":
            refresh = widgets.Button(
                description="Refresh analysis",
                icon="refresh",
                tooltip="Compute this view for the current scenario",
                layout=widgets.Layout(width="auto"),
            )
            refresh.add_class("scn-refresh-analysis")
            refresh.on_click(lambda _: self._on_refresh(view))
            self.controls[f"analysis:{view}.refresh"] = refresh
            row.append(refresh)
        status = widgets.HTML()
        status.add_class("scn-analysis-status")
        # min_width 0: wide tables scroll inside the tab instead of widening it
        body = widgets.HTML(layout=widgets.Layout(width="100%", min_width="0", overflow="auto"))
        body.add_class(f"scn-analysis-{view.replace('_', '-')}")
        self.status[view], self.body[view] = status, body
        heading = widgets.HTML(
            f"<b>{_e(ANALYSIS_VIEWS[view])}</b>"
            f"<span class='scn-note' style='color:#666'>: {_e(ANALYSIS_ABOUT[view])}</span>"
        )
        box = widgets.VBox(
            [heading, widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap")), status, body],
            layout=widgets.Layout(width="100%", min_width="0"),
        )
        box.add_class("scn-analysis")
        return box
