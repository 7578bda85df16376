"""The picture of the model as a widget: clicking a node opens its controls.

The SVG is :mod:`scenarios.views.html.graph`'s. :class:`ModelPicture` is an
`anywidget <https://anywidget.dev>`_: its few lines of JavaScript ship inside this
module (no CDN, no build step) and run in JupyterLab, in Voila and in a notebook. A
click on a node (or Enter on it) sets the synced trait ``selected`` to the node's id
(``fact:army_loyalty``, ``claim:hq_seized``,
``claim:coup_attempt~denied_by~russian_government``, ``source:news_report``); the
explorer observes it and opens that node's controls, then calls
:meth:`ModelPicture.reveal` to scroll them into view.
"""

from __future__ import annotations

import anywidget
import traitlets

__all__ = ["ModelPicture"]

_ESM = """
function render({ model, el }) {
  el.classList.add("scn-picture");
  const mark = () => {
    el.querySelectorAll(".scn-picked").forEach((g) => g.classList.remove("scn-picked"));
    const id = model.get("selected");
    if (!id) return;
    el.querySelectorAll("[data-node]").forEach((g) => {
      if (g.dataset.node === id) g.classList.add("scn-picked");
    });
  };
  const pick = (id) => {
    if (model.get("selected") === id) {  // a second click on it opens it again
      model.set("selected", "");
      model.save_changes();
    }
    model.set("selected", id);
    model.save_changes();
  };
  const draw = () => {
    el.innerHTML = model.get("svg");
    el.querySelectorAll("[data-node]").forEach((g) => {
      g.addEventListener("click", () => pick(g.dataset.node));
      g.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          pick(g.dataset.node);
        }
      });
    });
    mark();
  };
  const reveal = (msg) => {
    if (!msg || msg.reveal !== true) return;
    const root = el.closest(".scn-explorer") || document;
    const target = root.querySelector(".scn-focused");
    if (target) target.scrollIntoView({ block: "nearest" });
  };
  model.on("change:svg", draw);
  model.on("change:selected", mark);
  model.on("msg:custom", reveal);
  draw();
  return () => {
    model.off("change:svg", draw);
    model.off("change:selected", mark);
    model.off("msg:custom", reveal);
  };
}
export default { render };
"""

_CSS = """
.scn-picture { overflow-x: auto; }
.scn-picture svg { display: block; }
.scn-explorer .scn-focused { outline: 3px solid #1a73e8; outline-offset: 2px;
  background: #eef4fd; border-radius: 4px; }
"""


class ModelPicture(anywidget.AnyWidget):  # type: ignore[misc]
    """The picture of a model (an SVG string) whose nodes can be clicked.

    Attributes
    ----------
    svg : str
        The picture (:func:`scenarios.views.html.graph.graph_svg`); set it to redraw.
    selected : str
        The id of the node last clicked (``""``: none). Observe it to act on a click.

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis.graph import model_graph
    >>> from scenarios.views.html.graph import graph_svg
    >>> picture = ModelPicture(svg=graph_svg(model_graph(scenarios.load(scenarios.example()))))
    >>> clicked = []
    >>> picture.observe(lambda change: clicked.append(change["new"]), names="selected")
    >>> picture.selected = "fact:army_loyalty"  # what a click on the node does
    >>> clicked
    ['fact:army_loyalty']
    """

    _esm = _ESM
    _css = _CSS
    svg = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)

    def reveal(self) -> None:
        """Ask the page to scroll the explorer's focused controls (``.scn-focused``) into view.

        Examples
        --------
        >>> ModelPicture().reveal()  # no page shows it: nothing happens
        """
        self.send({"reveal": True})
