"""The field types every scenario value is made of.

State names (YAML's ``true``/``yes``/``3`` all read as text), bounded finite numbers,
probabilities, names, mappings that refuse changes, and :class:`SpecModel`, the frozen
pydantic base of every value in a scenario file.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "MAX_MAGNITUDE",
    "MIN_POSITIVE",
    "Finite",
    "FrozenDict",
    "Name",
    "Positive",
    "Probability",
    "SpecModel",
    "StateFloats",
    "StateName",
    "StateProbs",
    "States",
    "WrittenDate",
    "WrittenDatetime",
    "WrittenFloat",
    "WrittenInt",
    "frozen_map",
    "state_name",
    "written",
    "written_time",
]

#: Largest magnitude accepted for any number in a scenario (beyond it, float arithmetic
#: on probabilities and log-odds stops meaning anything).
MAX_MAGNITUDE = 1e12
#: Smallest positive scale accepted (concentrations, error sds, distribution scales).
MIN_POSITIVE = 1e-9


class FrozenDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes, so that scenarios stay immutable.

    Examples
    --------
    >>> d = FrozenDict({"a": 1})
    >>> d["b"] = 2
    Traceback (most recent call last):
    ...
    TypeError: scenario values are immutable: use the Scenario.with_* methods
    >>> hash(d) == hash(FrozenDict({"a": 1}))
    True
    """

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("scenario values are immutable: use the Scenario.with_* methods")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict[Any, Any]]]:
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=repr)))


def frozen_map(value: Mapping[Any, Any]) -> FrozenDict:
    """``value`` as a :class:`FrozenDict` (a pydantic after-validator).

    Parameters
    ----------
    value : mapping

    Returns
    -------
    FrozenDict

    Examples
    --------
    >>> type(frozen_map({"a": 1})).__name__
    'FrozenDict'
    """
    return FrozenDict(value)


class WrittenInt(int):
    """An integer that remembers the text it was read from (``010``, ``0x1F``, ``+5``).

    The YAML reader gives one wherever the text is not how Python writes the number, so
    that a state written ``010`` keeps its name (:func:`state_name`); as a number it is
    an ordinary ``int``. Make one with :func:`written`.
    """

    written: str


class WrittenFloat(float):
    """A float that remembers the text it was read from (``1e3``, ``1.50``, ``.5``).

    See :class:`WrittenInt`; make one with :func:`written`.
    """

    written: str


class WrittenDate(datetime.date):
    """A date that remembers the text it was read from (``2021-3-5``); see :class:`WrittenInt`.

    It prints, copies and pickles with its text, and looks like a plain date.
    """

    written: str

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, tuple[datetime.date, str]]:
        return (written_time, (datetime.date(self.year, self.month, self.day), self.written))

    def __repr__(self) -> str:
        return repr(datetime.date(self.year, self.month, self.day))


class WrittenDatetime(datetime.datetime):
    """A time that remembers the text it was read from; see :class:`WrittenDate`."""

    written: str

    def _plain(self) -> datetime.datetime:
        return datetime.datetime(
            self.year, self.month, self.day, self.hour, self.minute, self.second,
            self.microsecond, self.tzinfo, fold=self.fold,
        )  # fmt: skip

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, tuple[datetime.datetime, str]]:
        return (written_time, (self._plain(), self.written))

    def __repr__(self) -> str:
        return repr(self._plain())


def written_time(value: datetime.date, text: str) -> datetime.date:
    """A date or time read from YAML, remembering ``text`` (for a state's name).

    Parameters
    ----------
    value : datetime.date or datetime.datetime
    text : str
        As written in the file.

    Returns
    -------
    WrittenDate or WrittenDatetime
        Equal to ``value``.

    Examples
    --------
    >>> import copy
    >>> d = written_time(datetime.date(2021, 3, 5), "2021-3-5")
    >>> d == datetime.date(2021, 3, 5), state_name(copy.deepcopy(d)), d
    (True, '2021-3-5', datetime.date(2021, 3, 5))
    """
    out: WrittenDate | WrittenDatetime
    if isinstance(value, datetime.datetime):
        out = WrittenDatetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second,
            value.microsecond, value.tzinfo, fold=value.fold,
        )  # fmt: skip
    else:
        out = WrittenDate(value.year, value.month, value.day)
    out.written = text
    return out


def written(value: int | float, text: str) -> int | float:
    """``value``, remembering ``text`` when Python would write the number differently.

    Parameters
    ----------
    value : int or float
        The number the text means.
    text : str
        As written in the file.

    Returns
    -------
    int or float
        ``value`` itself when ``str(value) == text``, else a :class:`WrittenInt` or
        :class:`WrittenFloat` equal to it whose ``written`` is ``text``.

    Examples
    --------
    >>> n = written(10, "010")
    >>> n == 10, n.written, state_name(n)
    (True, '010', '010')
    >>> type(written(10, "10")).__name__
    'int'
    """
    if str(value) == text:
        return value
    out: WrittenInt | WrittenFloat = (
        WrittenInt(value) if isinstance(value, int) else WrittenFloat(value)
    )
    out.written = text
    return out


def state_name(value: object) -> object:
    """A state as text: YAML reads ``true``/``false`` as booleans and bare numbers as numbers.

    Parameters
    ----------
    value : object
        As read from YAML or given in Python.

    Returns
    -------
    object
        ``"true"``/``"false"`` for booleans, the text a number was written as in the
        file (:func:`written`: ``010`` stays ``"010"``, ``1e3`` stays ``"1e3"``),
        ``str(value)`` for other numbers, anything else as it is (pydantic then checks
        that it is text).

    Examples
    --------
    >>> state_name(True), state_name(3), state_name("armed")
    ('true', '3', 'armed')
    """
    if isinstance(value, WrittenInt | WrittenFloat | WrittenDate | WrittenDatetime):
        return value.written
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _state_keys(value: object) -> object:
    if isinstance(value, Mapping):
        return {state_name(k): v for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [state_name(v) for v in value]
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"expected a number of magnitude at most {MAX_MAGNITUDE:g}, got {value}")
    return value + 0.0  # -0.0 is 0.0 (numpy refuses a gamma of shape -0.0)


#: A state's name: text, with YAML's booleans and numbers read as their text.
StateName = Annotated[str, BeforeValidator(state_name), Field(min_length=1)]
#: A finite number of magnitude at most :data:`MAX_MAGNITUDE`.
Finite = Annotated[float, AfterValidator(_finite)]
#: A number in [0, 1].
Probability = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_finite)]
#: A finite number of at least :data:`MIN_POSITIVE`.
Positive = Annotated[float, Field(ge=MIN_POSITIVE), AfterValidator(_finite)]
#: The name of a fact, outcome, source or claim: an identifier.
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=200)]
#: ``{state: probability}``, frozen.
StateProbs = Annotated[
    dict[StateName, Probability], BeforeValidator(_state_keys), AfterValidator(FrozenDict)
]
#: ``{state: number}`` (log-odds of a categorical logit link), frozen.
StateFloats = Annotated[
    dict[StateName, Finite], BeforeValidator(_state_keys), AfterValidator(FrozenDict)
]
#: A node's states: a list of names, or names with descriptions.
States = Annotated[tuple[StateName, ...] | dict[StateName, str], BeforeValidator(_state_keys)]


class SpecModel(BaseModel):
    """The base of every value in a scenario: frozen, and unknown fields are errors.

    Examples
    --------
    >>> class Point(SpecModel):
    ...     x: Finite
    >>> Point(x=1).x
    1.0
    >>> Point(x=1, y=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Point
    y
      Extra inputs are not permitted ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
