"""How numbers read in every view: probabilities, changes, bits, scores.

One formatter per kind of number, shared by the HTML renderers (:mod:`scenarios.views.html`,
where they are also template filters), the report and the explorer. Probabilities come in
two styles: ``"percent"`` (``31.4%``, the report) and ``"decimal"`` (``0.314``, the
explorer's compact tables). Nothing here prints ``-0.0``: rounding noise reads as zero.
"""

from __future__ import annotations

import math
from typing import Literal

from scenarios.posterior import beside

__all__ = [
    "DIAGNOSTIC_WORDS",
    "FORMATS",
    "Format",
    "beside",
    "change",
    "clean",
    "clip",
    "diagnostic_words",
    "direction",
    "fixed",
    "number",
    "percent",
    "points",
    "probability",
]

#: The styles of a probability: ``"percent"`` (``31.4%``) or ``"decimal"`` (``0.314``).
FORMATS = ("percent", "decimal")
Format = Literal["percent", "decimal"]
#: A change smaller than this (in probability) gets no colour (``direction`` is "").
FLAT = 5e-4


def clean(x: float) -> float:
    """Rounding noise (``|x| < 1e-12``) as zero, so that tables do not show ``-0.000``.

    Parameters
    ----------
    x : float

    Returns
    -------
    float
        ``x``, or ``0.0`` when it is within ``1e-12`` of zero.

    Examples
    --------
    >>> clean(-1e-17), clean(0.25)
    (0.0, 0.25)
    """
    x = float(x)
    return 0.0 if abs(x) < 1e-12 else x


def _rounded(x: float, digits: int) -> float:
    value = round(clean(x), digits)
    return 0.0 if value == 0 else value  # never -0.0


def fixed(x: float, digits: int = 3, *, signed: bool = False) -> str:
    """``x`` with ``digits`` decimals (``+`` in front when ``signed``); never ``-0.000``.

    Parameters
    ----------
    x : float
    digits : int
        Decimals shown.
    signed : bool
        Show ``+`` in front of a positive number (and of zero), so that changes read
        as changes.

    Returns
    -------
    str
        ``"—"`` for NaN (a number that could not be computed).

    Examples
    --------
    >>> fixed(0.31439), fixed(-0.00001, 4, signed=True), fixed(float("nan"))
    ('0.314', '+0.0000', '—')
    """
    if math.isnan(float(x)):
        return "—"
    return f"{_rounded(x, digits):{'+' if signed else ''}.{digits}f}"


def percent(x: float, digits: int = 1) -> str:
    """A share or a probability as a percentage: ``31.4%``.

    Parameters
    ----------
    x : float
        A share: ``0.314`` is ``31.4%``.
    digits : int
        Decimals of the percentage.

    Returns
    -------
    str

    Examples
    --------
    >>> percent(0.31439), percent(0.8, 0), percent(-1e-15)
    ('31.4%', '80%', '0.0%')
    """
    return f"{_rounded(x, digits + 2):.{digits}%}"


def probability(p: float, fmt: Format = "percent", digits: int | None = None) -> str:
    """THE formatter of a probability in every view.

    Parameters
    ----------
    p : float
    fmt : {"percent", "decimal"}
        ``"percent"``: ``31.4%`` (one decimal by default); ``"decimal"``: ``0.314``
        (three decimals by default).
    digits : int, optional
        Decimals shown, instead of the style's default.

    Returns
    -------
    str

    Examples
    --------
    >>> probability(0.314394), probability(0.314394, "decimal")
    ('31.4%', '0.314')
    >>> probability(0.314394, "decimal", 4)
    '0.3144'
    """
    if fmt == "percent":
        return percent(p, 1 if digits is None else digits)
    if fmt == "decimal":
        return fixed(p, 3 if digits is None else digits)
    raise ValueError(f"fmt: expected one of {FORMATS}, got {fmt!r}")


def points(x: float, unit: str = " pts", *, signed: bool = True, digits: int = 1) -> str:
    """A change of probability in percentage points: ``+4.5 pts`` (never ``-0.0``).

    Parameters
    ----------
    x : float
        The change in probability: ``0.045`` is 4.5 points.
    unit : str
        Written after the number.
    signed : bool
        Show ``+`` in front of a rise.
    digits : int
        Decimals of the points.

    Returns
    -------
    str

    Examples
    --------
    >>> points(0.0451), points(-0.00001), points(0.123, "", signed=False)
    ('+4.5 pts', '+0.0 pts', '12.3')
    """
    return f"{fixed(float(x) * 100, digits, signed=signed)}{unit}"


def change(x: float, fmt: Format = "percent", *, signed: bool = True) -> str:
    """A difference of probabilities in the style of :func:`probability`.

    ``"percent"``: percentage points (``+4.5 pts``); ``"decimal"``: ``+0.045``.

    Parameters
    ----------
    x : float
        The difference of two probabilities.
    fmt : {"percent", "decimal"}
    signed : bool
        Show ``+`` in front of a rise.

    Returns
    -------
    str

    Examples
    --------
    >>> change(0.0451), change(0.0451, "decimal"), change(0.37, signed=False)
    ('+4.5 pts', '+0.045', '37.0 pts')
    """
    if fmt == "percent":
        return points(x, signed=signed)
    if fmt == "decimal":
        return fixed(x, 3, signed=signed)
    raise ValueError(f"fmt: expected one of {FORMATS}, got {fmt!r}")


def number(x: object, digits: int = 4) -> str:
    """A general number to ``digits`` significant digits; anything else as text.

    Parameters
    ----------
    x : object
        A number, or text (such as a sweep's ``"<= 0.7"``) shown as it is.
    digits : int
        Significant digits.

    Returns
    -------
    str
        ``""`` for ``None``, ``"—"`` for NaN.

    Examples
    --------
    >>> number(2646.42432), number(0.0551684), number("<= 0.7"), number(None)
    ('2646', '0.05517', '<= 0.7', '')
    """
    if x is None:
        return ""
    if isinstance(x, str | bool):
        return str(x)
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(value):
        return "—"
    return f"{clean(value):.{digits}g}"


def direction(x: float) -> str:
    """CSS class of a change: ``"up"``, ``"down"`` or ``""`` (within :data:`FLAT`).

    Parameters
    ----------
    x : float
        A change of probability.

    Returns
    -------
    str

    Examples
    --------
    >>> direction(0.01), direction(-0.01), direction(1e-5)
    ('up', 'down', '')
    """
    x = float(x)
    return "up" if x > FLAT else "down" if x < -FLAT else ""


def clip(text: object, n: int) -> str:
    """``text`` cut to ``n`` characters, ending in ``…`` when cut.

    Parameters
    ----------
    text : object
        Shown as ``str(text)``.
    n : int
        Most characters kept, the ``…`` included.

    Returns
    -------
    str

    Examples
    --------
    >>> clip("regime_change", 8), clip("ok", 8)
    ('regime_…', 'ok')
    """
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


#: What each diagnostic checks, in words (the table's first column; the warnings).
DIAGNOSTIC_WORDS = {
    "max_rhat": "the sampler's chains agree (largest R-hat)",
    "min_ess_bulk": "enough independent draws (smallest effective sample size)",
    "min_ess_tail": "enough independent draws in the tails (smallest tail ESS)",
    "min_ess": "enough independent draws (smallest effective sample size)",
    "min_ess_scenarios": "enough independent draws behind the scenario probabilities",
    "divergences": "the sampler never lost its way (divergent transitions)",
    "pareto_k": "the draws behind the intervals are trustworthy (Pareto k)",
    "importance_ess": "enough effective draws behind the intervals",
    "prior_data_conflict": "the claims agree with the priors (largest distance, in sds)",
}


def diagnostic_words(name: str, value: object, want: object) -> str:
    """A failed diagnostic as a sentence a forecaster can read.

    Parameters
    ----------
    name : str
        The diagnostic's name, e.g. ``"max_rhat"``.
    value : object
    want : object
        Its threshold as text.

    Returns
    -------
    str

    Examples
    --------
    >>> diagnostic_words("max_rhat", 1.0101, "<= 1.01")
    "Check failed: the sampler's chains agree (largest R-hat) — 1.0101, wanted <= 1.01 (max_rhat)."
    """
    what = DIAGNOSTIC_WORDS.get(name, name.replace("_", " "))
    return f"Check failed: {what} — {beside(value, want)}, wanted {want} ({name})."
