"""Resolution files: how questions resolved, read with located errors.

The format is :class:`scenarios.spec.resolution.Resolution`; the shipped resolutions are
found with :func:`scenarios.io.data.resolution_for`.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import ValidationError

from scenarios.errors import ScenarioError
from scenarios.io.yamlfile import read_yaml
from scenarios.spec.resolution import Resolution
from scenarios.spec.validation import validation_problems

__all__ = ["load_resolution", "resolution_from_dict"]


def resolution_from_dict(data: Any, file: str | None = None) -> Resolution:
    """Validate plain data (as read from YAML) into a :class:`Resolution`.

    Parameters
    ----------
    data : object
        Should be a mapping with ``title`` and ``outcomes``.
    file : str, optional
        Named in errors.

    Returns
    -------
    Resolution

    Raises
    ------
    ScenarioError
        Naming ``file`` and each field that is wrong.

    Examples
    --------
    >>> resolution_from_dict({"title": "t", "outcomes": {"o": True}}).outcomes
    {'o': 'true'}
    >>> resolution_from_dict({"title": "t", "outcome": {}}, "r.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.errors.ScenarioError: r.yaml: 2 problems
      - outcomes: Field required
      - outcome: Extra inputs are not permitted
    """
    if not isinstance(data, dict):
        raise ScenarioError.single(
            (), f"expected a mapping with title and outcomes, got {type(data).__name__}", file
        )
    try:
        return Resolution.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc), file) from None


def load_resolution(path: str | os.PathLike[str]) -> Resolution:
    """Load a resolution file (bounded read, strict YAML, validated).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Resolution

    Raises
    ------
    ScenarioError
        Naming the file, and the field or the line and column that is wrong.

    Examples
    --------
    >>> from scenarios.io.data import example, resolution_for
    >>> load_resolution(resolution_for(example())).outcomes["mutiny_end"]
    'negotiated'
    """
    return resolution_from_dict(read_yaml(path), str(path))
