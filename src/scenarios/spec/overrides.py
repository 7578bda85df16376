"""Edits of a prior by field path: the one way to change one number of a file.

Sweeps, reports, the explorer and sensitivity all change priors the same way: a
dotted path into a fact's or outcome's prior as the file writes it, e.g.::

    army_strikes.p            the "p" of army_strikes' prior
    troops.between            the whole [low, high] range of troops
    troops.between.0          only its lower end (list items by index)
    mutiny_end.anchors.1.probs.suppressed
                              one state's probability in an anchor case (or a table
                              row, or ``probs``): the other states are rescaled to fill
                              the rest, so that they still sum to 1
    army_loyalty              several fields at once, e.g. {"probs": {...}, "concentration": 8}

A key naming the node alone *merges* its object into the file's prior:
``{"army_strikes": {"p": 0.6}}`` changes ``p`` and keeps the file's
``concentration``, exactly like ``{"army_strikes.p": 0.6}``; an object sharing no
field with the file's prior (``{"p": 0.6}`` for a table) replaces it. Other fields of the
prior keep the file's values; ``None`` removes a field (give
``{"army_strikes": {"concentration": null}}`` to drop it). The result is validated by
:meth:`Scenario.with_prior`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scenarios.errors import ScenarioError

if TYPE_CHECKING:
    from scenarios.spec.scenario import Scenario

__all__ = [
    "OverrideError",
    "apply_overrides",
    "canonical_json",
    "check_override",
    "merge_prior",
    "prior_data",
    "rescaled",
    "set_field",
    "split_key",
    "thaw",
]

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[^.\s]+)*$")
_MISSING = object()


class OverrideError(ScenarioError):
    """An override names an unknown fact or field, or gives a value of the wrong kind.

    Examples
    --------
    >>> print(OverrideError(["army_strike.p: no fact or outcome 'army_strike'"]))
    overrides: 1 problem
      - army_strike.p: no fact or outcome 'army_strike'
    """

    subject = "overrides"


def thaw(value: Any) -> Any:
    """Frozen or pydantic-dumped data back to plain dicts and lists.

    Parameters
    ----------
    value : object
        Mappings, tuples, lists and scalars, nested.

    Returns
    -------
    object
        The same data with every mapping a ``dict`` and every sequence a ``list``.

    Examples
    --------
    >>> thaw({"between": (1, 2)})
    {'between': [1, 2]}
    """
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON of plain or frozen data: equal data, equal text.

    Parameters
    ----------
    value : object
        JSON-like data (frozen mappings and tuples allowed); NaN and infinity are errors.

    Returns
    -------
    str

    Examples
    --------
    >>> canonical_json({"b": (1, 2), "a": 0.5})
    '{"a":0.5,"b":[1,2]}'
    """
    return json.dumps(thaw(value), sort_keys=True, separators=(",", ":"), allow_nan=False)


def split_key(key: str) -> tuple[str, tuple[str, ...]]:
    """A dotted key as (fact or outcome, field path).

    Parameters
    ----------
    key : str
        ``NODE`` or ``NODE.FIELD[.FIELD ...]``.

    Returns
    -------
    node : str
    path : tuple of str

    Raises
    ------
    OverrideError
        If ``key`` is not of that form.

    Examples
    --------
    >>> split_key("troops.between.0")
    ('troops', ('between', '0'))
    """
    if not isinstance(key, str) or not _KEY.match(key):
        raise OverrideError(
            [
                f"{key!r}: expected NODE or NODE.FIELD[.FIELD ...], e.g. army_strikes.p or "
                "troops.between.0"
            ]
        )
    node, *path = key.split(".")
    return node, tuple(path)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "list"
    return "object"


def _locate(prior: Any, path: Sequence[str | int], key: str) -> tuple[Any, str | int, Any]:
    """The container holding ``path``'s last step, that step, and its current value.

    The current value is ``_MISSING`` for a new key of a mapping.
    """
    if not path:
        raise OverrideError([f"{key}: empty field path"])
    container = prior
    for i, part in enumerate(path):
        last = i == len(path) - 1
        at = ".".join(str(p) for p in path[: i + 1])
        if isinstance(container, list):
            text = str(part)
            if not text.isdigit() or int(text) >= len(container):
                raise OverrideError(
                    [
                        f"{key}: {at!r} is not an item of a list of {len(container)} (use an "
                        f"index 0-{len(container) - 1})"
                    ]
                )
            step: str | int = int(text)
        elif isinstance(container, dict):
            if part not in container and not last:
                raise OverrideError(
                    [f"{key}: the prior has no field {at!r}; it has {sorted(container)}"]
                )
            step = part
        else:
            where = ".".join(str(p) for p in path[:i])
            raise OverrideError([f"{key}: {where!r} is a {_kind(container)}, with no fields"])
        if last:
            current = (
                container.get(step, _MISSING) if isinstance(container, dict) else container[step]
            )
            return container, step, current
        container = container[step]
    raise AssertionError("not reached: the path is not empty")


def prior_data(prior: Any) -> dict[str, Any]:
    """A prior (pydantic model or mapping) as plain, mutable JSON data.

    Parameters
    ----------
    prior : pydantic prior model or mapping

    Returns
    -------
    dict
        A deep copy: changing it changes nothing else.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> prior_data(s.facts["army_strikes"].prior)
    {'p': 0.3, 'concentration': 5.0}
    """
    if hasattr(prior, "model_dump"):
        return thaw(prior.model_dump(mode="json", exclude_none=True))
    return thaw(copy.deepcopy(prior))


def set_field(prior: Any, path: Sequence[str | int], value: Any, key: str = "") -> dict[str, Any]:
    """The prior as plain data with the field at ``path`` set to ``value``.

    ``None`` removes a field of a mapping; an empty path replaces the whole prior.

    Parameters
    ----------
    prior : pydantic prior model or mapping
    path : sequence of str or int
        e.g. ``("p",)``, ``("table", 2, "probs")``, ``("between", "0")``.
    value : object
    key : str, optional
        Named in errors (the dotted key the user wrote).

    Returns
    -------
    dict
        Ready for :meth:`Scenario.with_prior` (which validates it).

    Examples
    --------
    >>> set_field({"p": 0.3, "concentration": 5}, ("p",), 0.4)
    {'p': 0.4, 'concentration': 5}
    >>> set_field({"between": [25, 50]}, ("between", "0"), 20)
    {'between': [20, 50]}
    """
    key = key or ".".join(str(p) for p in path)
    if not path:
        if not isinstance(value, Mapping):
            raise OverrideError([f"{key}: a whole prior is an object such as {{'p': 0.3}}"])
        return thaw(copy.deepcopy(value))
    data = prior_data(prior)
    container, step, current = _locate(data, path, key)
    if value is None and isinstance(container, dict):
        container.pop(step, None)
    elif (
        len(path) >= 2
        and path[-2] == "probs"
        and current is not _MISSING
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        container.update(rescaled(container, str(step), float(value)))
    else:
        container[step] = thaw(copy.deepcopy(value))
    return data


def rescaled(probs: Mapping[str, float], state: str, value: float) -> dict[str, float]:
    """``probs`` with ``state`` at ``value`` and the other states rescaled to fill the rest.

    Parameters
    ----------
    probs : mapping of str to float
        State probabilities (summing to one).
    state : str
    value : float
        Not checked here (validation says when it is not a probability).

    Returns
    -------
    dict of str to float
        In the order of ``probs``; the others share ``1 - value`` in their old
        proportions (equally if they were all zero).

    Examples
    --------
    >>> rescaled({"a": 0.5, "b": 0.3, "c": 0.2}, "a", 0.8)
    {'a': 0.8, 'b': 0.12, 'c': 0.08}
    """
    others = [k for k in probs if k != state]
    rest = sum(float(probs[k]) for k in others)
    out = {}
    for k in probs:
        if k == state:
            out[k] = value
        elif rest > 0:
            out[k] = round((1.0 - value) * float(probs[k]) / rest, 12)
        else:
            out[k] = round((1.0 - value) / len(others), 12)
    return out


def merge_prior(prior: Any, fields: Mapping[str, Any], key: str = "") -> dict[str, Any]:
    """The prior as plain data with the top-level ``fields`` merged in.

    A field given replaces the file's field of that name (a whole ``probs`` table is
    replaced, not merged state by state); a field not given keeps the file's value;
    ``None`` removes a field. An object sharing no field with the file's prior is a
    prior of another form (``{"p": 0.6}`` for a table) and replaces it.

    Parameters
    ----------
    prior : pydantic prior model or mapping
    fields : mapping
        Field name -> new value.
    key : str, optional
        Named in errors (the key the user wrote).

    Returns
    -------
    dict
        Ready for :meth:`Scenario.with_prior` (which validates it).

    Raises
    ------
    OverrideError
        If ``fields`` is not a mapping.

    Examples
    --------
    >>> merge_prior({"p": 0.3, "concentration": 5}, {"p": 0.6})
    {'p': 0.6, 'concentration': 5}
    >>> merge_prior({"p": 0.3, "concentration": 5}, {"concentration": None})
    {'p': 0.3}
    >>> merge_prior({"given": ["a"], "table": []}, {"p": 0.6})
    {'p': 0.6}
    """
    if not isinstance(fields, Mapping):
        raise OverrideError(
            [f'{key or "prior"}: give an object of fields such as {{"p": 0.3}}, got {fields!r}']
        )
    data = prior_data(prior)
    if not any(name in data for name in fields):  # a prior of another form: replace
        return {k: thaw(copy.deepcopy(v)) for k, v in fields.items() if v is not None}
    for name, value in fields.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = thaw(copy.deepcopy(value))
    return data


def check_override(scenario: Scenario, key: str, values: Sequence[Any] = ()) -> None:
    """Check a dotted key against a scenario, and its values' kinds against the file's.

    Parameters
    ----------
    scenario : Scenario
    key : str
        A dotted key (see :func:`split_key`).
    values : sequence, optional
        Values the key will take; each must be of the kind the file has there.

    Raises
    ------
    OverrideError
        Naming the key: an unknown fact or field, an index out of range, or a value of
        another kind than the file's (a number where the file has a list, ...).

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> check_override(s, "army_strikes.p", [0.2, 0.4])
    >>> check_override(s, "army_strikes.q")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.spec.overrides.OverrideError: overrides: 1 problem
      - army_strikes.q: Probabilities has no field 'q'; its fields are ...
    """
    node, path = split_key(key)
    if node not in scenario.nodes:
        raise OverrideError(
            [f"{key}: no fact or outcome {node!r}; known: {', '.join(scenario.nodes)}"]
        )
    if not path:
        bad = [v for v in values if not isinstance(v, Mapping)]
        if bad:
            raise OverrideError(
                [
                    f'{key}: a whole prior is an object such as {{"p": 0.3}}, got {bad[0]!r}; '
                    f"to change one field use {node}.FIELD"
                ]
            )
        return
    prior = scenario.nodes[node].prior
    _, step, current = _locate(prior_data(prior), path, key)
    if current is _MISSING:
        fields = type(prior).model_fields
        if len(path) == 1 and step not in fields:
            raise OverrideError(
                [
                    f"{key}: {type(prior).__name__} has no field {step!r}; "
                    f"its fields are {', '.join(fields)}"
                ]
            )
        return
    want = _kind(current)
    for v in values:
        if v is not None and _kind(v) != want:
            example = json.dumps(current)
            extra = (
                f"; to give whole lists give a list of them, e.g. [{example}, ...], or "
                f"change one item as {key}.0"
                if want == "list"
                else ""
            )
            raise OverrideError(
                [
                    f"{key}: the file's value is a {want} ({example:.60}), got {_kind(v)} "
                    f"{json.dumps(thaw(v)):.60}{extra}"
                ]
            )


def apply_overrides(
    scenario: Scenario, overrides: Mapping[str, Any], file: str | None = None
) -> tuple[Scenario, dict[str, dict[str, Any]]]:
    """The scenario with ``overrides`` applied through :meth:`Scenario.with_prior`.

    Parameters
    ----------
    scenario : Scenario
    overrides : mapping
        Dotted key -> value (see the module docstring); a key naming only the node
        merges its object into the file's prior (other fields keep their values) and
        is applied before the dotted fields of the same node.
    file : str, optional
        Named in errors.

    Returns
    -------
    scenario : Scenario
        Validated.
    priors : dict
        The new prior of every changed node, in full.

    Raises
    ------
    OverrideError
        An unknown node or field.
    ScenarioError
        A value the scenario refuses, located (``facts.army_strikes.prior.p``) and naming
        the file and the overrides.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> s2, priors = apply_overrides(s, {"army_strikes.p": 0.6})
    >>> priors
    {'army_strikes': {'p': 0.6, 'concentration': 5.0}}
    >>> apply_overrides(s, {"army_strikes": {"p": 0.6}})[1]
    {'army_strikes': {'p': 0.6, 'concentration': 5.0}}
    """
    by_node: dict[str, list[tuple[tuple[str, ...], Any, str]]] = {}
    for key in sorted(overrides, key=lambda k: (split_key(k)[0], len(split_key(k)[1]), k)):
        node, path = split_key(key)
        if node not in scenario.nodes:
            raise OverrideError(
                [f"{key}: no fact or outcome {node!r}; known: {', '.join(scenario.nodes)}"]
            )
        by_node.setdefault(node, []).append((path, overrides[key], key))
    priors: dict[str, dict[str, Any]] = {}
    for node, edits in by_node.items():
        prior: Any = scenario.nodes[node].prior
        for path, value, key in edits:
            prior = (
                merge_prior(prior, value, key) if not path else set_field(prior, path, value, key)
            )
        priors[node] = prior_data(prior)
    where = f"{file or 'scenario'} with overrides {canonical_json(overrides)}"
    for node, prior in priors.items():
        try:
            scenario = scenario.with_prior(node, prior)
        except ScenarioError as exc:
            raise exc.with_file(where) from None
    return scenario, priors
