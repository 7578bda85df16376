"""What an update returns: scenario probabilities with intervals, marginals, diagnostics.

The reported probability of a state is its posterior mean P(state | claims). The
interval is the equal-tailed credible interval of ``g(theta) = P(state | claims, theta)``
under the posterior of ``theta``, every uncertain probability of the model (see
``docs/format.md``, "What an interval means").
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scenarios.io.files import sha256_bytes

if TYPE_CHECKING:
    from scenarios.spec.scenario import Scenario

__all__ = [
    "Deferred",
    "Posterior",
    "beside",
    "finite_checks",
    "scenario_hash",
    "state_table",
    "versions",
    "weighted_quantile",
]


def versions() -> dict[str, str]:
    """Versions of this library and of the libraries its numbers depend on.

    Returns
    -------
    dict of str to str
        ``"not installed"`` for a missing library.

    Examples
    --------
    >>> sorted(versions())[:3]
    ['arviz', 'numpy', 'nutpie']
    """
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in (
        "scenarios",
        "numpy",
        "scipy",
        "pandas",
        "pymc",
        "pytensor",
        "pymc-extras",
        "arviz",
        "nutpie",
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "0+unknown" if name == "scenarios" else "not installed"
    return out


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the scenario's canonical JSON form: the same scenario, the same hash.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    str
        64 hex digits. Equal scenarios (whatever their file's layout or comments) have
        equal hashes; any change of a value changes it.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> s = load(example())
    >>> scenario_hash(s) == scenario_hash(load(example())), len(scenario_hash(s))
    (True, 64)
    >>> scenario_hash(s) == scenario_hash(s.replace(seed=s.seed + 1))
    False
    """
    text = json.dumps(scenario.model_dump(mode="json", exclude_none=True), sort_keys=True)
    return sha256_bytes(text.encode())


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of ``values`` (last axis) under ``weights``, interpolated between points.

    Each point sits at the middle of its weight on the cumulative scale, and quantiles
    are read off the straight lines between points: with equal weights this is Hazen's
    rule (numpy's ``method="hazen"``), and it stays smooth for importance and quadrature
    weights.

    Hand-written on purpose: numpy (2.x) and arviz-stats take weights only with
    ``method="inverted_cdf"``, a step function whose intervals differ from these by up
    to 4e-5 on the shipped files (and jump between quadrature nodes), so using them would
    change the engines' answers.

    Parameters
    ----------
    values : numpy.ndarray
        Quantiles are taken along the last axis.
    weights : numpy.ndarray
        Non-negative, broadcastable to ``values``; normalised here.
    q : sequence of float
        Levels in [0, 1].

    Returns
    -------
    numpy.ndarray
        Shape ``values.shape[:-1] + (len(q),)``.

    Examples
    --------
    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.ones(3) / 3, [0.5])
    array([2.])
    >>> x = np.random.default_rng(0).normal(size=101)
    >>> bool(np.allclose(weighted_quantile(x, np.ones(101), [0.1, 0.9]),
    ...                  np.quantile(x, [0.1, 0.9], method="hazen")))
    True
    """
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, axis=-1)
    v = np.take_along_axis(values, order, axis=-1)
    w = np.broadcast_to(weights, values.shape)
    w = np.take_along_axis(w, order, axis=-1)
    cdf = np.cumsum(w, axis=-1) - 0.5 * w
    cdf = cdf / np.sum(w, axis=-1, keepdims=True)
    flat_v = v.reshape(-1, v.shape[-1])
    flat_c = cdf.reshape(-1, v.shape[-1])
    out = np.array([np.interp(q, c, x) for c, x in zip(flat_c, flat_v, strict=True)])
    return out.reshape(*values.shape[:-1], len(q))


def state_table(
    probabilities: Mapping[str, np.ndarray],
    states: Mapping[str, Sequence[str]],
    draws: Mapping[str, np.ndarray] | None = None,
    weights: np.ndarray | None = None,
    mass: float = 0.9,
) -> pd.DataFrame:
    """One row per (variable, state): probability and interval of g over draws.

    Parameters
    ----------
    probabilities : mapping of str to numpy.ndarray
        Each variable's probabilities, one per state.
    states : mapping of str to sequence of str
        Each variable's state names.
    draws : mapping of str to numpy.ndarray, optional
        ``draws[name]`` has shape (n_draws, n_states); without draws (or for a variable
        without them) the interval is the point.
    weights : numpy.ndarray, optional
        Weights of the draws (default: equal).
    mass : float
        Mass of the equal-tailed intervals.

    Returns
    -------
    pandas.DataFrame
        Index ``(variable, state)``; columns ``probability``, ``lower``, ``upper``.
        Draws with a non-finite value or weight are left out of the intervals (never
        NaN): ``attrs["dropped_draws"]`` counts those that had weight (the most of any
        variable), and :class:`Posterior` reports them as a failed diagnostic; a draw of
        weight zero (the claims cannot hold under it) is left out silently.

    Examples
    --------
    >>> table = state_table({"o": np.array([0.3, 0.7])}, {"o": ["no", "yes"]})
    >>> table.loc[("o", "yes")].tolist()
    [0.7, 0.7, 0.7]
    >>> g = np.array([[0.2, 0.8], [np.nan, np.nan], [0.4, 0.6]])
    >>> table = state_table({"o": np.array([0.3, 0.7])}, {"o": ["no", "yes"]}, {"o": g})
    >>> table.loc[("o", "yes")].round(2).tolist(), table.attrs["dropped_draws"]
    ([0.7, 0.6, 0.8], 1)
    """
    names: list[str] = []
    labels: list[str] = []
    point: list[np.ndarray] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    dropped = 0
    tails = [(1 - mass) / 2, (1 + mass) / 2]
    for name, p in probabilities.items():
        n = len(states[name])
        p = np.asarray(p, dtype=float)[:n]
        lo, hi = p, p
        if draws is not None and name in draws:
            g = np.asarray(draws[name], dtype=float)
            w = np.ones(g.shape[0]) if weights is None else np.asarray(weights, dtype=float)
            keep = np.isfinite(g).all(axis=-1) & np.isfinite(w) & (w >= 0)
            # a draw of weight zero counts for nothing: leaving it out changes nothing
            lost = ~keep & ~(np.isfinite(w) & (w == 0))
            dropped = max(dropped, int(lost.sum()))
            if keep.any() and w[keep].sum() > 0:
                lo_hi = weighted_quantile(g[keep].T, w[keep], tails)
                lo, hi = lo_hi[:n, 0], lo_hi[:n, 1]
        names += [name] * n
        labels += states[name]
        point.append(p)
        lower.append(lo)
        upper.append(hi)
    if not names:  # as pandas makes an empty table (object columns)
        columns_ = ["variable", "state", "probability", "lower", "upper"]
        frame = pd.DataFrame([], columns=columns_).set_index(["variable", "state"])
        frame.attrs["dropped_draws"] = dropped
        return frame
    # the index as MultiIndex.from_arrays makes it (sorted levels), without factorising
    # every label through pandas: on a network of a thousand nodes that took most of
    # an update's time
    levels, codes = [], []
    for values in (names, labels):
        level = tuple(sorted(set(values)))
        where = {v: i for i, v in enumerate(level)}
        levels.append(_level(level))
        codes.append(np.fromiter((where[v] for v in values), dtype=np.int64, count=len(values)))
    index = pd.MultiIndex(
        levels=levels, codes=codes, names=["variable", "state"], verify_integrity=False
    )
    data = np.column_stack([np.concatenate(c) for c in (point, lower, upper)])
    frame = pd.DataFrame(data, index=index, columns=_level(("probability", "lower", "upper")))
    frame.attrs["dropped_draws"] = dropped
    return frame


@lru_cache(maxsize=256)
def _level(values: tuple[str, ...]) -> pd.Index:
    """A level of the tables' index: the same names, the same (immutable) Index."""
    return pd.Index(list(values), dtype="str")


_THRESHOLD = re.compile(r"^\s*(?:[<>]=?|==)\s*([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)")


def _general(x: float, digits: int) -> str:
    return f"{0.0 if abs(x) < 1e-12 else x:.{digits}g}"


def beside(value: object, want: object, digits: int = 4) -> str:
    """A diagnostic's value with enough digits not to read as its threshold.

    ``1.0101`` against ``<= 1.01`` shows as ``1.0101``, not ``1.01`` (which would read
    as passing); other values show to ``digits`` significant digits (``""`` for
    ``None``, ``"—"`` for NaN, text as it is). Used by :attr:`Posterior.warnings` and
    the diagnostics tables (:mod:`scenarios.views.formats` re-exports it).

    Parameters
    ----------
    value : object
        The diagnostic's value.
    want : object
        Its threshold as text, e.g. ``"<= 1.01"`` or ``">= 400"``.
    digits : int
        Significant digits at least.

    Returns
    -------
    str

    Examples
    --------
    >>> beside(1.0101, "<= 1.01"), beside(1.01, "<= 1.01"), beside(1.2345, "<= 1.01")
    ('1.0101', '1.01', '1.234')
    >>> beside(399.96, ">= 400"), beside(3, "== 0"), beside(float("nan"), "<= 0.7")
    ('399.96', '3', '—')
    """
    if value is None:
        return ""
    if isinstance(value, str | bool):
        return str(value)
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "—"
    shown = _general(x, digits)
    match = _THRESHOLD.match(str(want))
    if match is None:
        return shown
    limit = float(match.group(1))
    if x == limit:
        return shown
    for more in range(digits, 16):
        shown = _general(x, more)
        if float(shown) != limit:
            return shown
    return repr(x)


def finite_checks(*frames: pd.DataFrame) -> list[tuple[str, float, str, bool]]:
    """Failed diagnostics for numbers that are not finite, or draws left out for it.

    Parameters
    ----------
    *frames : pandas.DataFrame
        A posterior's tables (their numeric columns are checked; a table from
        :func:`state_table` also brings its ``attrs["dropped_draws"]``).

    Returns
    -------
    list of (name, value, want, ok)
        ``("non_finite_values", n, "0", False)`` when ``n`` numbers are NaN or
        infinite, ``("non_finite_draws", n, "0", False)`` when ``n`` draws were left
        out of the intervals; empty when all is well.

    Examples
    --------
    >>> good = state_table({"o": np.array([0.3, 0.7])}, {"o": ["no", "yes"]})
    >>> finite_checks(good)
    []
    >>> bad = state_table({"o": np.array([np.nan, 0.7])}, {"o": ["no", "yes"]})
    >>> finite_checks(good, bad)
    [('non_finite_values', 3.0, '0', False)]
    """
    values = 0
    for f in frames:
        if f.empty:
            continue
        # the numeric columns (select_dtypes("number"), without its cost per call): numpy
        # integers are finite; nullable ones may be missing; booleans are no numbers
        numeric = [
            i
            for i, dtype in enumerate(f.dtypes)
            if dtype.kind in "fc" or (dtype.kind in "iu" and not isinstance(dtype, np.dtype))
        ]
        if not numeric:
            continue
        part = f if len(numeric) == f.shape[1] else f.iloc[:, numeric]
        values += int((~np.isfinite(part.to_numpy(dtype=float))).sum())
    dropped = max((int(f.attrs.get("dropped_draws", 0)) for f in frames), default=0)
    rows = []
    if values:
        rows.append(("non_finite_values", float(values), "0", False))
    if dropped:
        rows.append(("non_finite_draws", float(dropped), "0", False))
    return rows


@dataclass(frozen=True)
class Deferred:
    """A table of a :class:`Posterior` built on first access: ``build(*args)``.

    An engine gives one in place of a table whose numbers it already holds, so that an
    update pays for the pandas tables a caller reads, not for all eight: on a small
    network building them took ten times its sums. The posterior builds it once, on
    first access, and keeps it; it looks and pickles as if it had been there all along.

    Parameters
    ----------
    build : callable
        Returns the table; it must give the same table whenever it is called.
    args : tuple
        Its arguments.
    finite : bool
        The engine's promise that the table has no NaN or infinite number and left no
        draw out (:func:`finite_checks` would find nothing): the posterior's diagnostics
        are then complete without it. Without the promise it is built at once.

    Examples
    --------
    >>> later = Deferred(state_table, ({"o": np.array([0.3, 0.7])}, {"o": ["no", "yes"]}))
    >>> later.build(*later.args).loc[("o", "yes"), "probability"]
    np.float64(0.7)
    """

    build: Callable[..., pd.DataFrame]
    args: tuple = ()
    finite: bool = False


#: Tables a :class:`Posterior` may hold :class:`Deferred`; the first four are state
#: tables, whose ``attrs`` say what their interval is.
_TABLES = (
    "scenarios",
    "facts",
    "prior_scenarios",
    "prior_facts",
    "quantities",
    "prior_quantities",
    "diagnostics",
    "claims",
)
_STATE_TABLES = _TABLES[:4]
#: One table of one posterior is built at a time: two threads reading it get one table.
_BUILDING = threading.RLock()


class _Table:
    """A posterior's table: a :class:`Deferred` in it is built on first access, and kept."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Posterior | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name]
        if not isinstance(value, Deferred):
            return value
        with _BUILDING:
            value = obj.__dict__[self.name]
            if isinstance(value, Deferred):
                value = value.build(*value.args)
                if self.name in _STATE_TABLES:
                    value.attrs.update(obj._stamp())
                obj.__dict__[self.name] = value
        return value

    def __set__(self, obj: Posterior, value: Any) -> None:
        # reached from the dataclass's __init__ alone (it is frozen to everyone else)
        obj.__dict__[self.name] = value


@dataclass(frozen=True, eq=False)
class Posterior:
    """The result of :meth:`Scenario.update`.

    Attributes
    ----------
    scenario : Scenario
        What was updated.
    engine : str
        ``"exact"`` or ``"pymc"``.
    seed : int
        Seed of every random draw behind the numbers.
    scenarios : pandas.DataFrame
        Index ``(outcome, state)``; columns ``probability`` (posterior mean), ``lower`` and
        ``upper`` (equal-tailed credible interval of mass ``interval_mass``).
    facts : pandas.DataFrame
        The same for every discrete fact.
    quantities : pandas.DataFrame
        Continuous facts: posterior mean, sd and quantiles.
    prior_scenarios, prior_facts, prior_quantities : pandas.DataFrame
        The same without the claims.
    diagnostics : pandas.DataFrame
        Per diagnostic: value, threshold, and whether it passed.
    idata : xarray.DataTree or None
        The draws as ArviZ expects them (:mod:`scenarios.engines.trees`): the full
        engine's always, the exact engine's with ``update(idata=True)``. Groups
        ``posterior``, ``log_likelihood`` (``claims``, one per report), ``log_prior``,
        ``prior``, ``prior_predictive``, ``observed_data``; ``arviz_stats.loo`` and
        ``arviz_stats.psense_summary`` run on either.
    log_evidence : float
        log P(claims) under the point model (exact engine).
    claims : pandas.DataFrame
        One row per claim about a proposition (index ``claim``): its ``source``, the
        analyst's information ``digit`` and its ``meaning``, the ``prior`` and posterior
        ``probability`` of the claim's proposition, and ``flag``: whether the digit
        disagrees with that posterior (a digit 1-2 below its threshold, 4-5 above it;
        ``reliability.digits``). The digit is never part of the likelihood.

    Notes
    -----
    An engine may give a table as :class:`Deferred`: it is built on first access and
    kept (the exact engine's tables without draws, so that an update pays for the
    tables read). Nothing a caller sees differs; a pickle or copy carries every table.

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.example()).update(intervals=False)
    >>> post.engine, post.scenarios.index.names
    ('exact', FrozenList(['variable', 'state']))
    >>> post.interval
    '90% equal-tailed credible interval of P(state | claims, theta)'
    """

    scenario: Scenario
    engine: str
    seed: int
    scenarios: pd.DataFrame
    facts: pd.DataFrame
    quantities: pd.DataFrame
    prior_scenarios: pd.DataFrame
    prior_facts: pd.DataFrame
    prior_quantities: pd.DataFrame
    interval_mass: float = 0.9
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)
    idata: Any = None
    log_evidence: float = float("nan")
    settings: Mapping[str, Any] = field(default_factory=dict)
    claims: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        # a table given as Deferred (and promised finite) waits for its first access:
        # its attrs are stamped and its checks skipped then (see _Table)
        held = self.__dict__
        for name in _STATE_TABLES:
            if not isinstance(held[name], Deferred):
                held[name].attrs.update(self._stamp())
        checked = ("scenarios", "facts", "quantities", "prior_scenarios", "prior_facts")
        frames = [
            getattr(self, name)
            for name in checked
            if not (isinstance(held[name], Deferred) and held[name].finite)
        ]
        rows = finite_checks(*frames)
        if rows:
            extra = pd.DataFrame(rows, columns=["diagnostic", "value", "want", "ok"])
            extra = extra.set_index("diagnostic")
            diagnostics = extra if self.diagnostics.empty else pd.concat([self.diagnostics, extra])
            object.__setattr__(self, "diagnostics", diagnostics)

    def _stamp(self) -> dict[str, Any]:
        """The attrs of the state tables: what their interval is, engine and seed."""
        return {"interval": self.interval, "engine": self.engine, "seed": self.seed}

    def __getstate__(self) -> dict[str, Any]:
        # pickled (a sweep's worker, a copy) with every table built: a Deferred holds
        # engine objects (a network, its factors) that need not travel
        for name in _TABLES:
            getattr(self, name)
        return dict(self.__dict__)

    @property
    def interval(self) -> str:
        """What the ``lower``/``upper`` columns are."""
        return (
            f"{self.interval_mass:.0%} equal-tailed credible interval of P(state | claims, theta)"
        )

    @property
    def warnings(self) -> list[str]:
        """Diagnostics that failed, in words.

        The value shows enough digits not to read as its threshold (:func:`beside`):
        ``max_rhat: 1.0103 (want <= 1.01)``, never ``1.01 (want <= 1.01)``.
        """
        if self.diagnostics.empty:
            return []
        bad = self.diagnostics[~self.diagnostics["ok"]]
        return [
            f"{name}: {beside(row.value, row.want)} (want {row.want})"
            for name, row in bad.iterrows()
        ]

    def compare(self) -> pd.DataFrame:
        """Prior versus posterior for every outcome and discrete fact.

        Returns
        -------
        pandas.DataFrame
            Index ``(variable, state)``; columns ``prior``, ``posterior``, ``change``.
        """
        post = pd.concat([self.scenarios, self.facts])["probability"]
        prior = pd.concat([self.prior_scenarios, self.prior_facts])["probability"]
        return pd.DataFrame({"prior": prior, "posterior": post, "change": post - prior})

    def provenance(self) -> dict[str, Any]:
        """What produced these numbers: scenario hash, engine, seed, settings, versions.

        Returns
        -------
        dict
            Plain data, ready for JSON.

        Examples
        --------
        >>> import scenarios
        >>> post = scenarios.load(scenarios.example()).update(intervals=False)
        >>> sorted(post.provenance())[:3]
        ['engine', 'interval', 'scenario_sha256']
        """
        return {
            "scenario_title": self.scenario.title,
            "scenario_sha256": scenario_hash(self.scenario),
            "engine": self.engine,
            "seed": self.seed,
            "interval": self.interval,
            "settings": dict(self.settings),
            "versions": versions(),
        }

    def __repr__(self) -> str:
        table = self.scenarios.to_string(float_format=lambda v: f"{v:.3f}")
        head = f"Posterior({self.scenario.title!r}, engine={self.engine!r}, seed={self.seed})"
        warn = "".join(f"\nWARNING {w}" for w in self.warnings)
        return f"{head}\n{self.interval}\n{table}{warn}"

    def _repr_html_(self) -> str:
        return (
            f"<p><b>{self.scenario.title}</b> — engine {self.engine}, seed {self.seed}; "
            f"{self.interval}</p>" + self.scenarios.to_html(float_format=lambda v: f"{v:.3f}")
        )


# the tables as properties that build a Deferred on first access (after the dataclass
# decorator, which made __init__ and the fields' defaults from the annotations)
for _name in _TABLES:
    setattr(Posterior, _name, _Table(_name))
del _name
