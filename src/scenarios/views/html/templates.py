"""The jinja2 environment of the view templates, the stylesheet, and :func:`render`.

Templates are the files of ``scenarios/views/templates/``; every ``{{ value }}`` in them
is escaped with :func:`html.escape` (quotes too), and the number formats of
:mod:`scenarios.views.formats` are filters.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from scenarios.views.formats import (
    change,
    clip,
    direction,
    fixed,
    number,
    percent,
    points,
    probability,
)

if TYPE_CHECKING:
    import jinja2

__all__ = ["environment", "render", "stylesheet"]


def _escaped(value: Any) -> Any:
    """Every ``{{ value }}`` through :func:`html.escape` (quotes too), once."""
    from markupsafe import Markup

    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The jinja2 environment of the view templates (autoescaping, the number filters).

    Returns
    -------
    jinja2.Environment
        Loads ``scenarios/views/templates/``; filters ``probability``, ``change``,
        ``points``, ``percent``, ``fixed``, ``number``, ``direction`` and ``clip`` (from
        :mod:`scenarios.views.formats`). Values are escaped with :func:`html.escape`.

    Examples
    --------
    >>> environment().autoescape
    True
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scenarios.views", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        finalize=_escaped,
    )
    env.filters.update(
        probability=probability,
        change=change,
        points=points,
        percent=percent,
        fixed=fixed,
        number=number,
        direction=direction,
        clip=clip,
    )
    return env


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The one stylesheet of the views (``templates/scenarios.css``).

    Returns
    -------
    str
        The CSS text, read once and kept.

    Examples
    --------
    >>> ".scn-table" in stylesheet()
    True
    """
    from importlib import resources

    return (
        resources.files("scenarios.views")
        .joinpath("templates", "scenarios.css")
        .read_text(encoding="utf-8")
    )


def render(template: str, /, *, css: bool = True, block_class: str = "", **context: Any) -> str:
    """Render one view template: the building block of every renderer here.

    Parameters
    ----------
    template : str
        A file name in ``scenarios/views/templates/``, e.g. ``"note.html"``.
    css : bool
        Put the stylesheet (:func:`stylesheet`) in front, so that the fragment shows
        right on its own. ``False`` when the page already has it.
    block_class : str
        Extra CSS classes of the fragment's ``<div class="scn-block ...">``.
    **context
        The template's variables; every text is escaped.

    Returns
    -------
    str

    Examples
    --------
    >>> print(render("note.html", css=False, kind="note", text="<b>"))
    <div class="scn-block">
    <div class="scn-note">&lt;b&gt;</div>
    </div>
    """
    from markupsafe import Markup

    return (
        environment()
        .get_template(template)
        .render(css=css, stylesheet=Markup(stylesheet()), block_class=block_class, **context)
    )
