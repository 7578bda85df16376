"""The implied table of a link: the child's probabilities in every case of its parents."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from scenarios.views.formats import Format
from scenarios.views.html.templates import render

__all__ = ["implied_table_html"]


def _shown(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def implied_table_html(
    table: pd.DataFrame,
    *,
    anchors: Iterable[dict[str, Any]] = (),
    notes: Sequence[str] = (),
    fmt: Format = "percent",
    css: bool = True,
) -> str:
    """The implied table (:func:`scenarios.spec.links.implied_table`) as HTML.

    Rows are ``<tr data-case="parent=state, ...">`` (class ``scn-anchor`` for a case the
    forecaster stated), with ``td.parent`` cells and ``td.probability.num`` cells.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per case (a MultiIndex over the parents), one column per state.
    anchors : iterable of dict
        The stated cases (parent -> state or value), marked in the table.
    notes : sequence of str
        Shown under the table (e.g. how far the fit misses an anchor).
    fmt : {"percent", "decimal"}
    css : bool
        Put the stylesheet in front.

    Returns
    -------
    str

    Examples
    --------
    >>> idx = pd.MultiIndex.from_tuples([("no",), ("yes",)], names=["hq"])
    >>> t = pd.DataFrame([[0.8, 0.2], [0.4, 0.6]], index=idx, columns=["false", "true"])
    >>> page = implied_table_html(t, anchors=[{"hq": "yes"}], css=False)
    >>> '<tr data-case="hq=yes" class="scn-anchor">' in page, '60.0%' in page
    (True, True)
    """
    parents = list(table.index.names)
    stated = {tuple(sorted((k, _shown(v)) for k, v in a.items())) for a in anchors}
    rows = []
    for case, probs in zip(table.index, table.to_numpy(float), strict=True):
        values = case if isinstance(case, tuple) else (case,)
        shown = [_shown(v) for v in values]
        key = tuple(sorted(zip(parents, shown, strict=True)))
        rows.append(
            {
                "case": ", ".join(f"{p}={v}" for p, v in zip(parents, shown, strict=True)),
                "cells": shown,
                "probs": [float(p) for p in probs],
                "anchor": key in stated,
            }
        )
    return render(
        "implied_table.html",
        css=css,
        parents=parents,
        states=list(table.columns),
        rows=rows,
        notes=list(notes),
        fmt=fmt,
    )
