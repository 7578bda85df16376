"""Reading HTML the views made: table rows, their attributes, their cells.

nbconvert re-serialises the HTML of outputs (attribute order, quotes), so pages are read
with a parser, not matched as text.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.tables: list[str] = []
        self.cell: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table":
            self.tables.append(a.get("class", ""))
        elif tag == "tr":
            table = self.tables[-1] if self.tables else ""
            self.rows.append({"attrs": a, "cells": [], "table": table})
        elif tag in ("td", "th") and self.rows:
            self.cell = {"class": a.get("class", "").split(), "text": ""}

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.cell["text"] = self.cell["text"].strip()
            self.rows[-1]["cells"].append(self.cell)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell["text"] += data


def rows(page: str, table: str | None = None, **attrs: str) -> list[dict[str, Any]]:
    """Rows of ``table`` (its class attribute) whose attributes include ``attrs``.

    ``data_fact="x"`` stands for ``data-fact="x"``. Each row is a dict: ``attrs``,
    ``cells`` (each with its ``class`` list and ``text``) and ``table``.
    """
    parser = _Rows()
    parser.feed(page)
    want = {k.replace("_", "-"): v for k, v in attrs.items()}
    return [
        r
        for r in parser.rows
        if (table is None or r["table"] == table)
        and all(r["attrs"].get(k) == v for k, v in want.items())
    ]


def having(page: str, attribute: str, table: str | None = None) -> list[dict[str, Any]]:
    """Rows that have ``attribute`` (e.g. ``"data-step"``), whatever its value."""
    return [r for r in rows(page, table) if attribute in r["attrs"]]


def cell(row: dict[str, Any], cls: str) -> str:
    """The text of the one cell of ``row`` whose first class is ``cls``."""
    [found] = [c["text"] for c in row["cells"] if c["class"][:1] == [cls]]
    return found


def texts(row: dict[str, Any]) -> list[str]:
    """The texts of a row's cells, in order."""
    return [c["text"] for c in row["cells"]]


def offsite(urls: list[str]) -> list[str]:
    """The URLs a page requested from anywhere but 127.0.0.1, each once, sorted.

    A ``blob:`` URL is memory of the page itself (anywidget loads its module from one):
    it counts by the origin that made it, ``blob:http://127.0.0.1:PORT/...`` as local.
    ``data:`` URLs are in the page and never leave it.
    """
    from urllib.parse import urlsplit

    def host(url: str) -> str | None:
        if url.startswith("data:"):
            return "127.0.0.1"
        return urlsplit(url.removeprefix("blob:")).hostname

    return sorted({u for u in urls if host(u) != "127.0.0.1"})
