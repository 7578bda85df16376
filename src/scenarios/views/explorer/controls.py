"""The controls of a scenario: a slider or dropdown for every prior, claim and source.

Each control is bound to what it means (:mod:`scenarios.views.explorer.edits`): how to
read its value from a scenario, and the edit its new value makes. :class:`Controls`
builds them for a scenario, hands every edit to a callback (the explorer applies it,
or refuses it) and sets the controls back from the scenario afterwards.

Examples
--------
>>> import scenarios
>>> s = scenarios.load(scenarios.example())
>>> edits = []
>>> c = Controls(s, lambda edit: edits.append(edit(s)) or True)
>>> c.widgets["prior:army_strikes"].value = 0.4
>>> edits[0].facts["army_strikes"].prior.p
0.4
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import traitlets

from scenarios.spec.dependent import ThresholdPlace, threshold_places, value_range
from scenarios.spec.links import (
    anchor_case,
    anchor_notes,
    case_count,
    implied_table,
    link_context,
)
from scenarios.spec.nodes import Fact, Outcome
from scenarios.spec.priors import (
    CONTINUOUS_PRIORS,
    OTHERWISE,
    AnchorPrior,
    ContinuousTablePrior,
    DerivedPrior,
    LogitPrior,
    Probabilities,
    TablePrior,
    ThresholdPrior,
)
from scenarios.spec.reliability import DIGIT_MEANINGS, GRADE_MEANINGS
from scenarios.spec.scenario import Scenario
from scenarios.views.explorer.edits import (
    GRADES,
    INFORMATION,
    RANGE_MASS,
    STATUSES,
    FieldPath,
    claim_time_notes,
    constant_bounds,
    control_shape,
    counted,
    derived_words,
    field,
    interval_of,
    link_anchors,
    number_bounds,
    parse_number,
    parse_probability,
    prior_kind,
    range_bounds,
    range_prior,
    rescale,
    row_fact,
    state_text,
    switch_claim,
    with_anchor_field,
    with_derived_constant,
    with_field,
    with_row_range,
    with_threshold_value,
)
from scenarios.views.formats import probability
from scenarios.views.html.links import implied_table_html

__all__ = [
    "IMPLIED_ROWS",
    "LABEL_WIDTH",
    "Binding",
    "Controls",
    "NumberInput",
    "ProbabilityEditor",
    "ProbabilityInput",
    "close_all",
    "note",
]

#: The most cases an implied table shows (a link over many parents has very many).
IMPLIED_ROWS = 500
#: Width of slider labels, so that the tracks line up.
LABEL_WIDTH = "170px"

Edit = Callable[[Scenario], Scenario]
_OP_WORDS = {">": "is above", ">=": "is at least", "<": "is below", "<=": "is at most"}


def _case_text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def note(text: str) -> widgets.HTML:
    """A small grey line of text.

    Parameters
    ----------
    text : str
        Plain text (escaped).

    Returns
    -------
    ipywidgets.HTML

    Examples
    --------
    >>> note("No claims.").value
    "<span class='scn-note' style='color:#666;font-size:11px'>No claims.</span>"
    """
    return widgets.HTML(
        f"<span class='scn-note' style='color:#666;font-size:11px'>{_e(text)}</span>"
    )


def close_all(widget: widgets.Widget) -> None:
    """Close a widget and every widget inside it (their models leave the kernel).

    Controls that are replaced are closed this way, so that a long session of edits does
    not pile up widgets in the kernel.

    Parameters
    ----------
    widget : ipywidgets.Widget
        A box and its children, or a single widget.

    Examples
    --------
    >>> box = widgets.VBox([note("a")])
    >>> close_all(box)
    >>> box.comm is None
    True
    """
    for child in getattr(widget, "children", ()):
        close_all(child)
    widget.close()


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _phrase(text: str) -> str:
    """A sentence used inside another: without its final full stop."""
    return text.rstrip().removesuffix(".")


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _slider(kind: type[widgets.Widget], **options: Any) -> Any:
    return kind(
        continuous_update=False,
        style={"description_width": LABEL_WIDTH},
        layout=widgets.Layout(width="95%"),
        **options,
    )


class NumberInput(widgets.HBox):
    """A number: a slider, and a box to type it in (in the quantity's unit).

    A typed value that is not a number, or lies outside ``lower`` to ``upper``, is
    refused, not clamped: the value stays, and the reason shows beside the box
    (``.scn-refused``) until the next accepted edit. The slider widens to take a value
    outside its span.

    Parameters
    ----------
    value : float
    description : str
        The slider's label.
    span : (float, float, float)
        The slider's ``(min, max, step)``.
    lower, upper : float
        The values allowed (inclusive; default any finite number).
    tooltip : str
        Shown over the box.

    Attributes
    ----------
    slider : ipywidgets.FloatSlider
    box : ipywidgets.Text
        Shows the value; typing in it and pressing Enter edits it.
    message : ipywidgets.HTML
        Why the last typed value was refused; empty otherwise.

    Examples
    --------
    >>> n = NumberInput(50, "the line", (40, 60, 0.1))
    >>> n.box.value = "51.5"
    >>> n.value, n.slider.value
    (51.5, 51.5)
    >>> n.box.value = "fifty"
    >>> n.value, n.box.value, "not a number" in n.message.value
    (51.5, '51.5', True)
    """

    value = traitlets.Float()
    continuous_update = False  # the slider's: an edit when the handle is let go

    def __init__(
        self,
        value: float,
        description: str = "",
        span: tuple[float, float, float] = (0.0, 1.0, 0.01),
        lower: float = -math.inf,
        upper: float = math.inf,
        tooltip: str = "Type a number and press Enter",
        **kwargs: Any,
    ) -> None:
        self._syncing = False
        self.lower, self.upper = float(lower), float(upper)
        lo, hi, step = (float(v) for v in span)
        self.slider = _slider(
            widgets.FloatSlider,
            value=float(value),
            min=min(lo, float(value)),
            max=max(hi, float(value)),
            step=step,
            description=description,
            readout=False,
        )
        self.slider.layout = widgets.Layout(flex="1 1 auto", width="auto")
        self.box = widgets.Text(
            value=self._format(float(value)),
            continuous_update=False,
            layout=widgets.Layout(width="5.5em"),
            tooltip=tooltip,
        )
        self.box.add_class("scn-number-input")
        self.message = widgets.HTML("")
        self.message.add_class("scn-refused")
        self.slider.observe(self._slid, names="value")
        self.box.observe(self._typed, names="value")
        super().__init__(
            children=[self.slider, self.box, self.message],
            layout=widgets.Layout(width="95%", align_items="center", flex_flow="row wrap"),
            **kwargs,
        )
        self.value = float(value)

    @property
    def description(self) -> str:
        """The slider's label (the state or fact it sets)."""
        return str(self.slider.description)

    def _parse(self, text: str) -> float:
        return parse_number(text, self.lower, self.upper)

    def _format(self, value: float) -> str:
        return f"{value:.6g}"

    def _slid(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self.message.value = ""
        self.value = float(change["new"])

    def _typed(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        try:
            new = self._parse(change["new"])
        except ValueError as exc:
            self.message.value = (
                f'<span class="scn-warn" role="alert">Not applied: {_e(exc)}</span>'
            )
            self._show_value(self.value)
            return
        self.message.value = ""
        if new == self.value:
            self._show_value(new)
        else:
            self.value = new

    def _show_value(self, value: float) -> None:
        self._syncing = True
        try:
            self.slider.min = min(self.slider.min, value)
            self.slider.max = max(self.slider.max, value)
            self.slider.value = value
            self.box.value = self._format(value)
        finally:
            self._syncing = False

    @traitlets.observe("value")
    def _show(self, change: dict[str, Any]) -> None:
        self._show_value(float(change["new"]))


class ProbabilityInput(NumberInput):
    """A probability: a slider, and a box to type it in (``0.35`` or ``35%``).

    A typed value that is not a probability (``1.7``, ``-2``, ``abc``) is refused, not
    clamped: the value stays, and the reason shows beside the box
    (``.scn-refused``) until the next accepted edit.

    Parameters
    ----------
    value : float
        From 0 to 1.
    description : str
        The slider's label.

    Attributes
    ----------
    slider : ipywidgets.FloatSlider
    box : ipywidgets.Text
        Shows the value as a percentage; typing in it and pressing Enter edits it.
    message : ipywidgets.HTML
        Why the last typed value was refused; empty otherwise.

    Examples
    --------
    >>> p = ProbabilityInput(0.3, "army_strikes")
    >>> p.box.value
    '30.0%'
    >>> p.box.value = "1.7"
    >>> p.value, p.box.value, "more than 1" in p.message.value
    (0.3, '30.0%', True)
    >>> p.box.value = "45%"
    >>> p.value, p.slider.value, p.message.value
    (0.45, 0.45, '')
    """

    def __init__(self, value: float, description: str = "", **kwargs: Any) -> None:
        super().__init__(
            value,
            description,
            span=(0.0, 1.0, 0.01),
            lower=0.0,
            upper=1.0,
            tooltip="Type 0.35 or 35% and press Enter",
            **kwargs,
        )
        self.box.remove_class("scn-number-input")
        self.box.add_class("scn-p-input")
        self.add_class("scn-probability-input")

    def _parse(self, text: str) -> float:
        return parse_probability(text)

    def _format(self, value: float) -> str:
        return probability(value)


class ProbabilityEditor(widgets.VBox):
    """One slider per state; moving one rescales the others, so the sum stays one.

    ``value`` is the dict of state probabilities; observe it for edits.

    Parameters
    ----------
    probs : mapping of str to float
        Initial probabilities.
    description : str
        Shown above the sliders.
    **kwargs
        For :class:`ipywidgets.VBox`.

    Examples
    --------
    >>> ed = ProbabilityEditor({"a": 0.5, "b": 0.3, "c": 0.2})
    >>> ed.sliders["a"].value = 0.8  # or typed: ed.sliders["a"].box.value = "80%"
    >>> round(sum(ed.value.values()), 12), round(ed.value["b"], 2)
    (1.0, 0.12)
    """

    value = traitlets.Dict()

    def __init__(self, probs: Mapping[str, float], description: str = "", **kwargs: Any) -> None:
        self._syncing = False
        self.sliders: dict[str, ProbabilityInput] = {}
        for state, p in probs.items():
            slider = ProbabilityInput(float(p), str(state))
            slider.observe(self._moved, names="value")
            self.sliders[str(state)] = slider
        children: list[widgets.Widget] = list(self.sliders.values())
        if description:
            children.insert(0, widgets.HTML(f"<small>{_e(description)}</small>"))
        super().__init__(children=children, **kwargs)
        self.value = {str(k): float(v) for k, v in probs.items()}
        self.add_class("scn-probability-editor")

    def _moved(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        state = change["owner"].description
        self.value = rescale(self.value, state, change["new"])

    @traitlets.observe("value")
    def _show(self, change: dict[str, Any]) -> None:
        self._syncing = True
        try:
            for state, p in change["new"].items():
                if state in self.sliders:
                    self.sliders[state].value = float(p)
        finally:
            self._syncing = False


@dataclass
class Binding:
    """A control and what it means: its value in a scenario, and the edit it makes.

    Attributes
    ----------
    widget : ipywidgets.Widget
    read : callable
        Scenario -> the control's value.
    write : callable
        (Scenario, value) -> the edited scenario.
    """

    widget: widgets.Widget
    read: Callable[[Scenario], Any]
    write: Callable[[Scenario, Any], Scenario]


class Controls:
    """Tabs of controls (Priors, Claims, Sources) for a scenario, bound to edits.

    Parameters
    ----------
    scenario : Scenario
        Whose controls to build.
    on_edit : callable
        Called with an edit (Scenario -> Scenario) when a control moves; returns whether
        it was applied. Either way, call :meth:`sync` with the scenario that holds then.

    Attributes
    ----------
    widgets : dict of str to Widget
        Every control by name: ``prior:<fact>`` (slider, state editor or range slider),
        ``prior:<fact>.concentration`` ("how sure"), ``prior:<fact>.table[<i>]`` (a
        conditional table's row), ``prior:<fact>.table[<i>].concentration``,
        ``prior:<fact>.default``, ``prior:<fact>.anchors[<i>]`` (a link's anchor case:
        a slider or a state editor; a logit link shows the cases it implies),
        ``prior:<fact>.implied`` (the table the anchors imply),
        ``prior:<fact>.anchors[<i>].concentration`` (how sure of one anchor case),
        ``prior:<fact>.table[<i>]`` and ``prior:<fact>.default`` of a continuous fact with
        discrete parents (a 90% range slider per parent case),
        ``prior:<fact>.formula`` (a derived fact's formula in words, read-only) and
        ``prior:<fact>.constants[<k>]`` (the k-th number written in it),
        ``prior:<node>.meaning`` (what each state of a threshold node means, read-only)
        and ``prior:<node>.threshold[<k>]`` (the k-th line its conditions draw, in the
        fact's unit: :func:`~scenarios.spec.dependent.threshold_places`),
        ``claim:<id>.on``, ``claim:<id>.status``, ``claim:<id>.information`` (0 for none),
        ``source:<name>.grade``.
    box : ipywidgets.VBox
        Holds the tabs (replaced when the scenario gains or loses something to control).
    """

    def __init__(self, scenario: Scenario, on_edit: Callable[[Edit], bool]) -> None:
        self._on_edit = on_edit
        self._syncing = False
        self._status_before_off: dict[str, str] = {}
        self.widgets: dict[str, widgets.Widget] = {}
        self.bindings: list[Binding] = []
        self._limits: list[tuple[NumberInput, str]] = []
        self.boxes: dict[tuple[int, str], widgets.Widget] = {}
        self.focused: tuple[int, str] | None = None
        self._implied: dict[str, tuple[tuple[Any, ...], str]] = {}
        self.box = widgets.VBox(layout=widgets.Layout(flex="1 1 45%", min_width="360px"))
        self.box.children = [self._tabs(scenario)]

    def sync(self, scenario: Scenario) -> None:
        """Set every control from a scenario (after an edit, or to revert a refused one).

        When the scenario has other things to control than the controls' (a claim added,
        a concentration removed), new controls replace the old ones.

        Parameters
        ----------
        scenario : Scenario
            The scenario that holds now (the edited one, or the last valid one).

        Examples
        --------
        >>> import scenarios
        >>> s = scenarios.load(scenarios.example())
        >>> c = Controls(s, lambda edit: False)
        >>> c.sync(s.with_prior("army_strikes", {"p": 0.4}))
        >>> c.widgets["prior:army_strikes"].value
        0.4
        """
        if control_shape(scenario) != self._shape:
            self._rebuild(scenario)
            return
        self._syncing = True
        try:
            for number, fact in self._limits:  # where a line can sit follows its quantity
                number.lower, number.upper = value_range(fact, scenario.nodes)
            for b in self.bindings:
                value = b.read(scenario)
                if isinstance(b.widget, widgets.FloatRangeSlider):
                    b.widget.min = min(b.widget.min, value[0])
                    b.widget.max = max(b.widget.max, value[1])
                if b.widget.value != value:
                    b.widget.value = value
        finally:
            self._syncing = False

    def focus(self, node: str) -> widgets.Widget:
        """Show the controls of a node of the picture: select its tab, mark its box.

        The box gets the CSS class ``scn-focused`` (outlined), the one focused before
        loses it; the folded parts of its controls (a table's rows, a link's anchor
        cases) open.

        Parameters
        ----------
        node : str
            A node id of :func:`scenarios.analysis.graph.model_graph`: ``fact:<name>``,
            ``outcome:<name>``, ``claim:<id>`` (a denial, dispute or retraction,
            ``claim:<id>~...``, opens its claim's), ``source:<name>``.

        Returns
        -------
        ipywidgets.Widget
            The box of its controls.

        Raises
        ------
        KeyError
            No such fact, outcome, claim or source.

        Examples
        --------
        >>> import scenarios
        >>> c = Controls(scenarios.load(scenarios.example()), lambda edit: False)
        >>> box = c.focus("claim:coup_attempt~denied_by~russian_government")
        >>> c.box.children[0].selected_index, "scn-focused" in box._dom_classes
        (1, True)
        """
        kind, _, name = node.partition(":")
        tab = {"fact": 0, "outcome": 0, "claim": 1, "source": 2}.get(kind)
        key = (tab, name.split("~")[0]) if tab is not None else None
        if key not in self.boxes:
            raise KeyError(f"no controls for {node!r}")
        if self.focused in self.boxes:
            self.boxes[self.focused].remove_class("scn-focused")
        self.focused = key
        box = self.boxes[key]
        box.add_class("scn-focused")
        for child in box.children:
            if isinstance(child, widgets.Accordion) and child.selected_index is None:
                child.selected_index = 0
        self.box.children[0].selected_index = tab
        return box

    # -- building -------------------------------------------------------------------

    def _tabs(self, s: Scenario, selected: int = 0) -> widgets.Tab:
        self._scenario = s  # what the controls are built from
        self._shape = control_shape(s)
        self.boxes = {
            **{(0, n): self._node_box(n, node) for n, node in s.nodes.items()},
            **{(1, c.id): self._claim_box(c.id) for c in s.claims},
            **{(2, n): self._source_box(n) for n in s.sources},
        }
        priors = widgets.VBox([b for (t, _), b in self.boxes.items() if t == 0])
        claims = widgets.VBox([b for (t, _), b in self.boxes.items() if t == 1])
        sources = widgets.VBox([b for (t, _), b in self.boxes.items() if t == 2])
        claims.children = claims.children or (note("No claims."),)
        sources.children = sources.children or (note("No sources."),)
        if self.focused in self.boxes:
            self.boxes[self.focused].add_class("scn-focused")
        return widgets.Tab(
            children=[priors, claims, sources],
            titles=("Priors", f"Claims ({len(s.claims)})", f"Sources ({len(s.sources)})"),
            selected_index=selected,
            layout=widgets.Layout(overflow="visible"),
        )

    def _rebuild(self, scenario: Scenario) -> None:
        old = self.box.children[0]
        selected = old.selected_index or 0
        self.bindings, self.widgets, self._limits = [], {}, []
        self.box.children = [self._tabs(scenario, selected)]
        close_all(old)

    def _bind(
        self,
        key: str,
        widget: widgets.Widget,
        read: Callable[[Scenario], Any],
        write: Callable[[Scenario, Any], Scenario],
    ) -> widgets.Widget:
        binding = Binding(widget, read, write)
        self.bindings.append(binding)
        self.widgets[key] = widget

        def changed(change: dict[str, Any]) -> None:
            if self._syncing:
                return
            new = change["new"]
            self._on_edit(lambda s: binding.write(s, new))

        widget.observe(changed, names="value")
        return widget

    def _node_box(self, name: str, node: Fact | Outcome) -> widgets.Widget:
        prior = node.prior
        what = "outcome" if isinstance(node, Outcome) else node.kind
        text = node.description or getattr(node, "question", None) or ""
        about = f"{what}, {prior_kind(prior, node.kind)}" + (f": {_clip(text, 90)}" if text else "")
        words = f"{what}, {prior_kind(prior, node.kind)}"
        title = widgets.HTML(
            (f"<b>{_e(_clip(text, 120))}</b><br>" if text else "")
            + f"<code class='scn-id'>{_e(name)}</code> <span class='scn-note'>{_e(words)}</span>",
            tooltip=about,
        )
        if isinstance(node, Fact) and isinstance(prior, CONTINUOUS_PRIORS):
            body = [self._range_control(name, node)]
        elif isinstance(node, Fact) and isinstance(prior, ContinuousTablePrior):
            body = [self._continuous_table_control(name, node, prior)]
        elif isinstance(prior, DerivedPrior):
            body = self._derived_control(name, prior)
        elif isinstance(prior, ThresholdPrior):
            body = self._threshold_control(name, prior)
        elif isinstance(prior, Probabilities):
            body = [self._probs_control(f"prior:{name}", name, (), label=name)]
        elif isinstance(prior, TablePrior):
            body = [self._table_control(name, prior)]
        elif isinstance(prior, AnchorPrior | LogitPrior):
            body = [self._link_control(name)]
        else:  # pragma: no cover - every prior kind is handled above
            body = [note(f"{type(prior).__name__}: no control")]
        if getattr(prior, "concentration", None) is not None:
            body.append(self._concentration(f"prior:{name}.concentration", name, ()))
        box = widgets.VBox([title, *body], layout=widgets.Layout(margin="0 0 8px 0"))
        box.add_class("scn-prior")
        return box

    def _probs_control(
        self, key: str, name: str, base: FieldPath, label: str, heading: str = ""
    ) -> widgets.Widget:
        """A slider (binary ``p``) or a state editor (``probs``) for the prior at ``base``.

        ``base`` locates the owner of ``p``/``probs`` in the prior: ``()`` for the prior
        itself, ``("table", i)`` for a row, ``("default",)``. ``label`` names a binary
        slider; ``heading`` goes above the control.
        """
        owner = field(self._scenario.nodes[name].prior, base)
        widget: widgets.Widget
        if owner.get("p") is not None:
            path = (*base, "p")
            widget = ProbabilityInput(owner["p"], label)
            widget.add_class("scn-p")

            def read(s: Scenario) -> Any:
                return float(field(s.nodes[name].prior, path))

            def write(s: Scenario, v: Any) -> Scenario:
                return with_field(s, name, path, float(v))

        else:
            path = (*base, "probs")
            widget = ProbabilityEditor(owner["probs"])

            def read(s: Scenario) -> Any:
                return {k: float(v) for k, v in field(s.nodes[name].prior, path).items()}

            def write(s: Scenario, v: Any) -> Scenario:
                return with_field(s, name, path, dict(v))

        self._bind(key, widget, read, write)
        return widgets.VBox([note(heading), widget]) if heading else widget

    def _concentration(self, key: str, name: str, base: FieldPath) -> widgets.Widget:
        path = (*base, "concentration")
        value = float(field(self._scenario.nodes[name].prior, path))
        slider = _slider(
            widgets.FloatLogSlider,
            value=value,
            base=10,
            min=-1,
            max=math.ceil(max(3.0, math.log10(value) + 1)),
            step=0.05,
            description="how sure",
            readout_format=".3g",
            tooltip="How sure the forecaster is of these probabilities (larger = surer)",
        )
        slider.add_class("scn-concentration")

        def read(s: Scenario) -> Any:
            return float(field(s.nodes[name].prior, path))

        def write(s: Scenario, v: Any) -> Scenario:
            return with_field(s, name, path, float(v))

        return self._bind(key, slider, read, write)

    def _range_control(
        self,
        name: str,
        fact: Fact,
        key: str = "",
        at: FieldPath | None = None,
        description: str = "",
    ) -> widgets.Widget:
        """A 90% range slider: of a root continuous fact, or of a continuous table's row.

        ``at`` locates the row (``("table", i)`` or ``("default",)``); ``None`` for the
        fact's own prior.
        """

        def fact_of(s: Scenario) -> Fact:
            return s.facts[name] if at is None else row_fact(s.facts[name], at)

        shown = fact_of(self._scenario)
        lo, hi = interval_of(shown)
        vmin, vmax, step = range_bounds(shown, lo, hi)
        unit = f" ({fact.unit})" if fact.unit else ""
        slider = _slider(
            widgets.FloatRangeSlider,
            value=(lo, hi),
            min=min(vmin, lo),
            max=max(vmax, hi),
            step=step,
            description=description or name,
            readout_format=".3g",
            tooltip=f"The range the value lies in with {RANGE_MASS:.0%} probability{unit}",
        )
        slider.add_class("scn-range")

        def read(s: Scenario) -> Any:
            return interval_of(fact_of(s))

        def write(s: Scenario, v: Any) -> Scenario:
            if at is None:
                return s.with_prior(name, range_prior(s.facts[name], v[0], v[1]))
            return with_row_range(s, name, at, v[0], v[1])

        self._bind(key or f"prior:{name}", slider, read, write)
        hint = note(f"{RANGE_MASS:.0%} prior interval{unit}")
        return widgets.VBox([slider, hint])

    def _continuous_table_control(
        self, name: str, fact: Fact, prior: ContinuousTablePrior
    ) -> widgets.Widget:
        """A continuous fact with discrete parents: a 90% range per parent case."""
        rows: list[widgets.Widget] = []
        places: list[tuple[str, FieldPath, str]] = []
        for i, row in enumerate(prior.table):
            words = "; ".join(
                f"{_phrase(state_text(self._scenario.nodes[k], v))} ({k} = {v})"
                for k, v in row.when.items()
            )
            places.append((f"prior:{name}.table[{i}]", ("table", i), f"when {words}"))
        if prior.default is not None:
            places.append(
                (f"prior:{name}.default", ("default",), "every other combination (default)")
            )
        for key, at, heading in places:
            rows.append(note(heading))
            rows.append(self._range_control(name, fact, key, at, description="90% range"))
        acc = widgets.Accordion(
            children=[widgets.VBox(rows)],
            titles=(f"a range given {', '.join(prior.given)} ({len(places)} cases)",),
            selected_index=None,
        )
        acc.add_class("scn-continuous-table-prior")
        return acc

    def _derived_control(self, name: str, prior: DerivedPrior) -> list[widgets.Widget]:
        """A derived fact: its formula in words (read-only), and a box per number in it."""
        formula = widgets.HTML(self._formula_html(self._scenario, name))
        formula.add_class("scn-derived")
        self._bind(f"prior:{name}.formula", formula,
                   lambda s: self._formula_html(s, name), lambda s, v: s)  # fmt: skip
        body: list[widgets.Widget] = [formula]
        for k, (value, _, _) in enumerate(prior.expression.constants()):
            number = NumberInput(
                value,
                f"number {k + 1} of the formula",
                constant_bounds(value),
                tooltip="A number written in the formula: type another and press Enter",
            )
            number.add_class("scn-derived-number")

            def read(s: Scenario, k: int = k) -> Any:
                return s.facts[name].prior.expression.constants()[k][0]

            def write(s: Scenario, v: Any, k: int = k) -> Scenario:
                return with_derived_constant(s, name, k, float(v))

            body.append(self._bind(f"prior:{name}.constants[{k}]", number, read, write))
        return body

    @staticmethod
    def _formula_html(s: Scenario, name: str) -> str:
        prior = s.facts[name].prior
        assert isinstance(prior, DerivedPrior)
        parts = "".join(
            f"<li><code>{_e(f)}</code>: {_e(_clip(words, 140))}</li>"
            for f, words in derived_words(s, name)
        )
        return (
            "<div class='scn-note'>Worked out, not judged: "
            f"<code>{_e(name)} = {_e(prior.expression.text)}</code>, where"
            f"<ul style='margin:2px 0'>{parts}</ul></div>"
        )

    def _threshold_control(self, name: str, prior: ThresholdPrior) -> list[widgets.Widget]:
        """A threshold node: what each state means, and a box per line it draws."""
        meaning = widgets.HTML(self._meaning_html(self._scenario, name))
        meaning.add_class("scn-threshold-meaning")
        self._bind(f"prior:{name}.meaning", meaning,
                   lambda s: self._meaning_html(s, name), lambda s, v: s)  # fmt: skip
        body: list[widgets.Widget] = [meaning]
        node = self._scenario.nodes[name]
        for k, place in enumerate(threshold_places(prior)):
            fact = self._scenario.nodes[place.fact]
            lower, upper, lo, hi, step = number_bounds(self._scenario, place.fact)
            unit = getattr(fact, "unit", None)
            about = " ".join((fact.description or place.fact).split())
            heading = (
                f"{_phrase(_clip(state_text(node, place.state), 80))}: when "
                f"{_phrase(_clip(about, 80))} ({place.fact} {place.op} …)"
            )
            number = NumberInput(
                place.value,
                _OP_WORDS[place.op],
                (lo, hi, step),
                lower,
                upper,
                tooltip=f"Where the line is drawn{f', in {unit}' if unit else ''}: type a "
                "number and press Enter",
            )
            number.add_class("scn-threshold")
            self._limits.append((number, place.fact))

            def read(s: Scenario, k: int = k) -> Any:
                return threshold_places(s.nodes[name].prior)[k].value

            def write(s: Scenario, v: Any, place: ThresholdPlace = place) -> Scenario:
                return with_threshold_value(s, name, place, float(v))

            body.append(note(heading + (f", in {unit}" if unit else "")))
            body.append(self._bind(f"prior:{name}.threshold[{k}]", number, read, write))
        return body

    @staticmethod
    def _meaning_html(s: Scenario, name: str) -> str:
        node = s.nodes[name]
        prior = node.prior
        assert isinstance(prior, ThresholdPrior)
        if prior.when is not None:
            cases = [("true", prior.when), ("false", OTHERWISE)]
        else:
            cases = list((prior.cases or {}).items())
        items = "".join(
            f"<li><b>{_e(_clip(state_text(node, state), 90))}</b> ({_e(state)}): "
            + ("in every other case" if text == OTHERWISE else f"when <code>{_e(text)}</code>")
            + "</li>"
            for state, text in cases
        )
        order = " (the first that holds)" if len(cases) > 2 else ""
        return (
            f"<div class='scn-note'>Decided by a line on a quantity{order}:"
            f"<ul style='margin:2px 0'>{items}</ul></div>"
        )

    def _table_control(self, name: str, prior: TablePrior) -> widgets.Widget:
        rows = []
        p_label = "P(true)"
        for i, row in enumerate(prior.table):
            when = "when " + ", ".join(f"{k} = {v}" for k, v in row.when.items())
            key = f"prior:{name}.table[{i}]"
            rows.append(self._probs_control(key, name, ("table", i), p_label, heading=when))
            if row.concentration is not None:
                rows.append(self._concentration(f"{key}.concentration", name, ("table", i)))
        if prior.default is not None:
            rows.append(
                self._probs_control(
                    f"prior:{name}.default",
                    name,
                    ("default",),
                    p_label,
                    heading="every other combination (default)",
                )
            )
        n_rows = len(prior.table) + (prior.default is not None)
        acc = widgets.Accordion(
            children=[widgets.VBox(rows)],
            titles=(f"table given {', '.join(prior.given)} ({n_rows} rows)",),
            selected_index=None,
        )
        acc.add_class("scn-table-prior")
        return acc

    def _link_control(self, name: str) -> widgets.Widget:
        """A link as its anchor cases (a box per case) and the table it implies."""
        prior = link_anchors(self._scenario, name)
        base = ", ".join(f"{k} = {_case_text(v)}" for k, v in prior.baseline.items())
        rows: list[widgets.Widget] = []
        for i, anchor in enumerate(prior.anchors):
            changed = ", ".join(f"{k} = {_case_text(v)}" for k, v in anchor.when.items())
            heading = (
                f"when {changed} (the rest as the baseline)"
                if changed
                else f"the baseline case: {base}"
            )
            rows.append(note(heading))
            rows.append(self._anchor_box(name, i, anchor.p is not None))
            if anchor.concentration is not None:
                rows.append(self._concentration(f"prior:{name}.anchors[{i}].concentration",
                                                name, ("anchors", i)))  # fmt: skip
        implied = widgets.HTML(self._implied_html(self._scenario, name))
        implied.add_class("scn-implied")
        self._bind(f"prior:{name}.implied", implied, lambda s: self._implied_html(s, name),
                   lambda s, v: s)  # fmt: skip
        parents = ", ".join(prior.given)
        acc = widgets.Accordion(
            children=[widgets.VBox(rows), implied],
            titles=(
                f"given {parents}: {len(prior.anchors)} cases you state",
                "the probabilities they imply in every case",
            ),
            selected_index=None,
        )
        acc.add_class("scn-link-prior")
        return acc

    def _anchor_box(self, name: str, i: int, binary: bool) -> widgets.Widget:
        anchor = link_anchors(self._scenario, name).anchors[i]
        widget: widgets.Widget
        if binary:
            widget = ProbabilityInput(anchor.p, "P(true)")
            widget.add_class("scn-p")
        else:
            widget = ProbabilityEditor(dict(anchor.probs or {}))
        what = "p" if binary else "probs"

        def read(s: Scenario) -> Any:
            value = getattr(link_anchors(s, name).anchors[i], what)
            return float(value) if binary else {k: float(v) for k, v in value.items()}

        def write(s: Scenario, v: Any) -> Scenario:
            return with_anchor_field(s, name, ("anchors", i, what), float(v) if binary else dict(v))

        return self._bind(f"prior:{name}.anchors[{i}]", widget, read, write)

    def _implied_html(self, s: Scenario, name: str) -> str:
        # every edit syncs every control: the implied table (tens of ms) is laid out again
        # only when its node or a parent changed (an edit keeps the other nodes as they are)
        node = s.nodes[name]
        given = getattr(node.prior, "given", None) or ()
        key = (node, *(s.nodes[p] for p in given if p in s.nodes))
        kept = self._implied.get(name)
        if kept is not None and len(kept[0]) == len(key):
            if all(a is b for a, b in zip(kept[0], key, strict=True)):
                return kept[1]
        html = self._implied_table(s, name)
        self._implied[name] = (key, html)
        return html

    @staticmethod
    def _implied_table(s: Scenario, name: str) -> str:
        prior = link_anchors(s, name)
        ctx = link_context(s.nodes, name)
        cases = [anchor_case(prior, a, ctx) for a in prior.anchors]
        notes = [n.message for n in anchor_notes(s) if n.path[1] == name]
        total = case_count(ctx)
        if total > IMPLIED_ROWS:
            notes.append(f"the first {IMPLIED_ROWS} of {total:,} cases")
        table = implied_table(prior, ctx, limit=IMPLIED_ROWS)
        return implied_table_html(table, anchors=cases, notes=notes, css=False)

    def _claim_box(self, claim_id: str) -> widgets.Widget:
        claim = self._scenario.claim(claim_id)
        on = widgets.Checkbox(
            value=counted(claim),
            description=claim_id,
            indent=False,
            tooltip="Off: its source retracted it (the report stays; the retraction counts)",
            layout=widgets.Layout(width="210px"),
        )
        on.add_class("scn-claim-on")

        def write_on(s: Scenario, v: Any) -> Scenario:
            if not v:
                self._status_before_off[claim_id] = s.claim(claim_id).status
            return switch_claim(s, claim_id, bool(v), self._status_before_off.get(claim_id))

        status = widgets.Dropdown(
            options=list(dict.fromkeys([*STATUSES, claim.status])),
            value=claim.status,
            layout=widgets.Layout(width="110px"),
            tooltip="Status of the claim",
        )
        status.add_class("scn-claim-status")
        info = widgets.Dropdown(
            options=[("not graded", 0)] + [(f"{d} - {DIGIT_MEANINGS[d]}", d) for d in INFORMATION],
            value=claim.information or 0,
            layout=widgets.Layout(width="230px"),
            tooltip="The analyst's grade of the information (Admiralty digit): recorded and "
            "checked against the result, never weighed",
        )
        info.add_class("scn-claim-information")

        self._bind(f"claim:{claim_id}.on", on, lambda s: counted(s.claim(claim_id)), write_on)
        self._bind(
            f"claim:{claim_id}.status",
            status,
            lambda s: s.claim(claim_id).status,
            lambda s, v: s.with_claim_changed(claim_id, status=v),
        )
        self._bind(
            f"claim:{claim_id}.information",
            info,
            lambda s: s.claim(claim_id).information or 0,
            lambda s, v: s.with_claim_changed(claim_id, information=v or None),
        )
        if claim.proposition is not None:
            about = claim.proposition
        else:
            reported = claim.reported
            assert reported is not None
            about = f"{reported.fact} reported as {reported.value:g}"
        source = claim.source or "no source"
        hedge = f", “{claim.hedge}”" if claim.hedge else ""
        text = widgets.HTML(
            f"<div class='scn-note' title='{_e(claim.text)}'>{_e(_clip(claim.text, 110))}<br>"
            f"<code style='font-size:11px'>{_e(about)}</code> — {_e(source)}{_e(hedge)}</div>"
        )
        dated = [
            widgets.HTML(f'<div class="scn-warn scn-claim-time" role="note">{_e(n)}</div>')
            for n in claim_time_notes(claim, self._scenario.as_of)
        ]
        box = widgets.VBox(
            [widgets.HBox([on, status, info]), text, *dated],
            layout=widgets.Layout(margin="0 0 6px 0"),
        )
        box.add_class("scn-claim")
        return box

    def _source_box(self, name: str) -> widgets.Widget:
        source = self._scenario.sources[name]
        graded = [(f"{g} - {GRADE_MEANINGS[g]}", g) for g in GRADES]
        options: list[Any] = graded if source.grade else [("explicit rates", None), *graded]
        grade = widgets.Dropdown(
            options=options,
            value=source.grade,
            description=name,
            style={"description_width": "initial"},
            tooltip="How reliable the source is (Admiralty grade): A completely reliable ... "
            "F cannot be judged",
            layout=widgets.Layout(width="auto"),
        )
        grade.add_class("scn-source-grade")
        self._bind(
            f"source:{name}.grade",
            grade,
            lambda s: s.sources[name].grade,
            lambda s, v: s.with_source(name, grade=v),
        )
        n = sum(c.source == name for c in self._scenario.claims)
        overridden = (
            " (explicit rates override the grade)"
            if source.true_positive is not None or source.false_positive is not None
            else ""
        )
        text = note(f"{source.name or name}; {n} claim{'s' if n != 1 else ''}{overridden}")
        box = widgets.VBox([grade, text], layout=widgets.Layout(margin="0 0 6px 0"))
        box.add_class("scn-source")
        return box
