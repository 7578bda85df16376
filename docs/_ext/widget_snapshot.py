"""Sphinx extension: a static HTML snapshot beside every executed ipywidget.

myst-nb embeds a widget as its saved state plus a script tag that the
``@jupyter-widgets/html-manager`` JavaScript (loaded from a CDN when the page is read)
turns into controls. Offline, or without JavaScript, nothing shows. This extension adds,
under each widget, an open ``<details>`` block drawn at build time from the same saved state:
the HTML the widget's HTML children held (tables, charts), slider and dropdown values,
tab and accordion titles. It needs no JavaScript and fetches nothing.
"""

from __future__ import annotations

import html
import json
from typing import Any

from docutils import nodes
from myst_nb.core.render import (
    WIDGET_STATE_MIMETYPE,
    MimeData,
    NbElementRenderer,
)

MARKER = "<!-- widget-snapshot:{} -->"
CLASS = "widget-static-snapshot"
SUMMARY = (
    "Static snapshot of the widget as it was when this page was built "
    "(readable without JavaScript; the live widget needs a kernel)"
)


def _ref(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith("IPY_MODEL_"):
        return value[len("IPY_MODEL_") :]
    return None


def snapshot(state: dict[str, Any], model_id: str, depth: int = 0) -> str:
    """HTML for the widget ``model_id`` and its children, from a saved widget state.

    Parameters
    ----------
    state : dict
        The ``state`` mapping of an ``application/vnd.jupyter.widget-state+json`` bundle.
    model_id : str
        The widget to draw.
    depth : int
        Nesting depth (a guard against cycles).

    Returns
    -------
    str
        HTML; empty for a widget with nothing to show (a layout, a style, a button).

    Examples
    --------
    >>> state = {
    ...     "a": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_b"]}},
    ...     "b": {"model_name": "FloatSliderModel", "state": {"description": "p", "value": 0.3}},
    ... }
    >>> snapshot(state, "a")
    '<div class="snapshot-box"><div class="snapshot-control">p: <b>0.3</b></div></div>'
    """
    model = state.get(model_id)
    if model is None or depth > 60:
        return ""
    name = model.get("model_name", "")
    s = model.get("state", {})
    label = html.escape(str(s.get("description", "")))
    prefix = f"{label}: " if label else ""
    children = [c for c in map(_ref, s.get("children", [])) if c]

    if name in {"HTMLModel", "HTMLMathModel"}:
        return f"<div>{prefix}{s.get('value', '')}</div>" if s.get("value") else ""
    if name == "AnyModel" and str(s.get("svg", "")).startswith("<svg"):
        return f"<div>{s['svg']}</div>"  # the explorer's picture of the model (anywidget)
    if name == "LabelModel":
        return f"<div>{html.escape(str(s.get('value', '')))}</div>"
    if name in {"TabModel", "AccordionModel", "StackModel"}:
        titles = list(s.get("titles", [])) + [""] * len(children)
        parts = []
        for i, child in enumerate(children):
            inner = snapshot(state, child, depth + 1)
            title = html.escape(str(titles[i] or f"{i + 1}"))
            opened = " open" if s.get("selected_index") == i else ""
            parts.append(f"<details{opened}><summary>{title}</summary>{inner}</details>")
        return f'<div class="snapshot-tabs">{"".join(parts)}</div>'
    if children:
        inner = "".join(snapshot(state, c, depth + 1) for c in children)
        if not inner:
            return ""
        row = ' style="display: flex; gap: 1em"' if name == "HBoxModel" else ""
        return f'<div class="snapshot-box"{row}>{inner}</div>'
    if "value" in s and name.endswith(("SliderModel", "TextModel", "TextareaModel")):
        value = s["value"]
        shown = "–".join(map(str, value)) if isinstance(value, list) else str(value)
        return f'<div class="snapshot-control">{prefix}<b>{html.escape(shown)}</b></div>'
    if name in {"CheckboxModel", "ToggleButtonModel"}:
        mark = "☑" if s.get("value") else "☐"
        return f'<div class="snapshot-control">{mark} {label}</div>'
    if "index" in s and "_options_labels" in s:
        labels, index = s["_options_labels"], s["index"]
        chosen = labels[index] if isinstance(index, int) and 0 <= index < len(labels) else ""
        return f'<div class="snapshot-control">{prefix}<b>{html.escape(str(chosen))}</b></div>'
    if name == "OutputModel":
        out = []
        for o in s.get("outputs", []):
            data = o.get("data", {})
            if "text/html" in data:
                out.append(str(data["text/html"]))
            elif "text/plain" in data or "text" in o:
                text = str(data.get("text/plain", o.get("text", "")))
                out.append(f"<pre>{html.escape(text)}</pre>")
        return "".join(out)
    return ""


def _render_widget_view(self: NbElementRenderer, data: MimeData) -> list[nodes.Element]:
    view = _ORIGINAL_VIEW(self, data)
    content = data.content if isinstance(data.content, dict) else json.loads(data.string)
    model_id = content.get("model_id", "")
    return [*view, nodes.raw(text=MARKER.format(model_id), format="html")]


def _render_nb_finalise(self: NbElementRenderer, metadata: dict) -> None:
    _ORIGINAL_FINALISE(self, metadata)
    state = (metadata.get("widgets") or {}).get(WIDGET_STATE_MIMETYPE, {}).get("state", {})
    for node in list(self.renderer.document.findall(nodes.raw)):
        text = node.astext()
        if not text.startswith("<!-- widget-snapshot:"):
            continue
        model_id = text[len("<!-- widget-snapshot:") : -len(" -->")]
        body = snapshot(state, model_id) if state else ""
        new = (
            f'<details class="{CLASS}" open><summary>{SUMMARY}</summary>{body}</details>'
            if body
            else ""
        )
        node.replace_self(nodes.raw(text=new, format="html"))


_ORIGINAL_VIEW = NbElementRenderer.render_widget_view
_ORIGINAL_FINALISE = NbElementRenderer.render_nb_finalise


def setup(app: Any) -> dict[str, Any]:
    """Register the snapshot with myst-nb's renderer.

    Parameters
    ----------
    app : sphinx.application.Sphinx

    Returns
    -------
    dict
        Extension metadata.
    """
    NbElementRenderer.render_widget_view = _render_widget_view
    NbElementRenderer.render_nb_finalise = _render_nb_finalise
    return {"parallel_read_safe": True, "parallel_write_safe": True}
