"""Sentences and clauses of a report, each with its place in the text.

Every piece is a :class:`Span` of the original text: ``text[start:end]`` is its
``quote``, so every quote the drafter writes is a verbatim part of the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Span", "clauses", "content_words", "in_quotation", "sentences", "title_line"]

#: Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen col lt sgt capt maj adm gov sen rep st jr sr inc ltd co corp "
    "no vs etc jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e a.m p.m".split()
)

#: Where one sentence holds two reports: "X allegedly did A, although there are reports
#: of B" is two candidate claims.
CLAUSE_BREAKS = re.compile(r",\s+(?=(?:although|though|whereas|while|but)\b)|;\s+")

#: Words that carry no content, for merging repeated mentions and naming facts.
STOPWORDS = frozenset(
    """a an the and or but of in on at to for from by with as is are was were be been being
    has have had that this these those it its their his her he she they them which who whom
    what when where while not no there here than then so such into over under about after
    before also said says say told according reports reported reportedly allegedly would
    could should may might will can do does did up out more most some any all other later
    earlier meanwhile however""".split()
)

_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+|$)")


@dataclass(frozen=True)
class Span:
    """A piece of the report: ``text[start:end]`` is its ``quote``.

    Examples
    --------
    >>> s = Span("One. Two.", 5, 9)
    >>> s.quote
    'Two.'
    """

    source: str
    start: int
    end: int

    @property
    def quote(self) -> str:
        """The verbatim text of the piece."""
        return self.source[self.start : self.end]


def title_line(text: str) -> Span | None:
    r"""The report's title: its first line, if it is short and ends with no full stop.

    Parameters
    ----------
    text : str

    Returns
    -------
    Span or None

    Examples
    --------
    >>> title_line("Ship stuck in canal\nA ship is stuck.").quote
    'Ship stuck in canal'
    >>> title_line("A ship is stuck. It is big.") is None
    True
    """
    stripped = text.lstrip()
    start = len(text) - len(stripped)
    first = stripped.split("\n", 1)[0].rstrip()
    if first and "\n" in stripped and len(first) <= 200 and not first.endswith((".", "!", "?")):
        return Span(text, start, start + len(first))
    return None


def sentences(text: str) -> list[Span]:
    r"""The sentences of ``text`` (each inside one line or paragraph), in order.

    A full stop after a known abbreviation, an initial or a number's decimal point does
    not end a sentence.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of Span

    Examples
    --------
    >>> [s.quote for s in sentences("Mr. Smith said it. The U.S. agreed.\nNew line")]
    ['Mr. Smith said it.', 'The U.S. agreed.', 'New line']
    """
    found: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        begin, stop = line.start(), line.end()
        cursor = begin
        for end in _END.finditer(text, begin, stop):
            before = text[cursor : end.start()].split()
            last = before[-1].lower().rstrip(".") if before else ""
            if end.group().startswith(".") and (
                last in ABBREVIATIONS or (len(last) == 1 and last.isalpha())
            ):
                continue
            if in_quotation(text, cursor, end.start()):
                continue  # a quoted speech of several sentences stays one
            nxt = text[end.end() : stop].lstrip()
            if nxt and not (nxt[0].isupper() or nxt[0] in "\"“‘'(0123456789"):
                continue
            found.append(_trimmed(text, cursor, end.end()))
            cursor = end.end()
        if text[cursor:stop].strip():
            found.append(_trimmed(text, cursor, stop))
    return [s for s in found if s.quote]


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(text, start, end)


def clauses(sentence: Span) -> list[Span]:
    """A sentence split where it joins two reports ("..., although there are reports...").

    Parts of fewer than four words stay with the part before them.

    Parameters
    ----------
    sentence : Span

    Returns
    -------
    list of Span
        One span (the sentence) when it has no such break.

    Examples
    --------
    >>> from scenarios.drafting.text import Span
    >>> t = "Troops allegedly left the city, although there are reports of fighting."
    >>> [c.quote for c in clauses(Span(t, 0, len(t)))]
    ['Troops allegedly left the city', 'although there are reports of fighting.']
    """
    text = sentence.source
    parts: list[Span] = []
    cursor = sentence.start
    for brk in CLAUSE_BREAKS.finditer(text, sentence.start, sentence.end):
        if in_quotation(text, sentence.start, brk.start()):
            continue  # a quotation is one report, whoever said it
        piece = _trimmed(text, cursor, brk.start())
        rest = text[brk.end() : sentence.end]
        if len(piece.quote.split()) < 4 or len(rest.split()) < 4:
            continue
        parts.append(piece)
        cursor = brk.end()
    parts.append(_trimmed(text, cursor, sentence.end))
    return parts


def in_quotation(text: str, start: int, at: int) -> bool:
    """Whether ``text[at]`` is inside a quotation opened after ``start``.

    Curly quotes are counted open and closed; straight double quotes by parity.

    Parameters
    ----------
    text : str
    start, at : int
        Offsets in ``text``.

    Returns
    -------
    bool

    Examples
    --------
    >>> t = "“We are sure, but wait,” he said, but left."
    >>> in_quotation(t, 0, t.index(", but wait")), in_quotation(t, 0, t.index(", but left"))
    (True, False)
    """
    piece = text[start:at]
    return piece.count("“") > piece.count("”") or piece.count('"') % 2 == 1


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry content, lower case, in order, repeats kept once.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str

    Examples
    --------
    >>> content_words("The Wagner Group has seized the HQ in Rostov.")
    ['wagner', 'group', 'seized', 'hq', 'rostov']
    """
    seen: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z'’-]*", text):
        w = word.lower().replace("’", "'").removesuffix("'s")
        if w not in STOPWORDS and len(w) > 1 and w not in seen:
            seen.append(w)
    return seen
