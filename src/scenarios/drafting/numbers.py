"""Numbers and ranges of a report, with their units and qualifiers.

"between 25,000 and 50,000 troops", "more than 150 ships", "about 96 hours", "$5
million", "12 percent": each becomes a :class:`Number` with the words that state it.
Years, dates, clock times, ordinals and footnote marks ("mutiny1.") are not numbers of
the world and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Number", "numbers"]

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:\s*(?:thousand|million|billion|trillion|bn)\b|m\b)?"
_ONE = rf"(?P<cur>[$€£])?(?P<n>{_NUM}){_SCALE}"
LOWER = r"more than|over|at least|upwards of|in excess of|no fewer than|no less than|exceeding"
UPPER = r"less than|fewer than|under|up to|at most|no more than|nearly|almost"
ABOUT = r"about|around|approximately|roughly|some|an estimated|estimated|nearly|almost|close to"
#: Words after a number that are not its unit.
NOT_UNITS = frozenset(
    """a an the and or of to in on at by for from with as is are was were be has have had it
    its their his her that this which who per cent than more times""".split()
)
UNIT_WORDS = {"%": "percent", "percent": "percent", "per cent": "percent"}
#: Numbers written as words, and the vague plurals read as lower bounds ("dozens of").
WORD_NUMBERS = {
    w: i + 1
    for i, w in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
WORD_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "a dozen": 12})
VAGUE_PLURALS = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2000}
_WORD = re.compile(
    r"(?<![\w-])(?:(?P<q>more than|at least|over|about|around|nearly|almost|some|up to)\s+)?"
    r"(?P<w>"
    + "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True))
    + r"|(?P<vague>"
    + "|".join(VAGUE_PLURALS)
    + r"))(?![\w-])"
    r"(?:\s+of\s+(?:the\s+|our\s+|its\s+|their\s+|his\s+|her\s+)?(?:many\s+)?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """A number of the report: value or range, unit, qualifier, the words, their place.

    ``low`` and ``high`` are equal for a single number; ``bound`` is ``"lower"`` ("more
    than 150"), ``"upper"`` ("up to 30") or ``None``; ``approximate`` for "about",
    "some", "an estimated". ``start`` and ``end`` are offsets in the sentence.
    """

    low: float
    high: float
    unit: str
    words: str
    start: int
    end: int
    bound: str | None = None
    approximate: bool = False

    @property
    def is_range(self) -> bool:
        """Whether the report gives two ends ("between 25,000 and 50,000")."""
        return self.low != self.high

    @property
    def rule(self) -> str:
        """The rule that found it: ``number:range``, ``number:lower_bound``, ...

        Examples
        --------
        >>> numbers("more than 150 ships")[0].rule
        'number:lower_bound'
        """
        if self.is_range:
            return "number:range"
        if self.bound:
            return f"number:{self.bound}_bound"
        return "number:approximate" if self.approximate else "number:value"


def _value(m: re.Match[str], n: str = "n") -> float:
    value = float(m.group(n).replace(",", ""))
    tail = m.group(0)[m.end(n) - m.start(0) :].strip().lower()
    for word, scale in SCALES.items():
        if tail.startswith(word) and (word != "m" or tail == "m"):
            return value * scale
    return value


def _unit(sentence: str, end: int, currency: str | None) -> tuple[str | None, int]:
    rest = sentence[end:]
    if currency:
        name = {"$": "US dollars", "€": "euros", "£": "pounds"}[currency]
        return name, end
    m = re.match(r"\s*(%|per cent\b|percent\b)", rest)
    if m:
        return "percent", end + m.end()
    m = re.match(r"\s*(?:-\s*)?((?:[A-Za-z][a-z-]*\s+){0,2}?[a-z][a-z-]*)\b", rest)
    if not m:
        return None, end
    words = m.group(1).split()
    # take capitalised adjectives ("Ukrainian soldiers") up to the first lower-case noun
    unit: list[str] = []
    for w in words:
        unit.append(w)
        if w[0].islower():
            break
    if not unit or unit[-1][0].isupper() or unit[0].lower() in NOT_UNITS:
        return None, end
    if unit[-1].lower() in NOT_UNITS:
        return None, end
    return " ".join(unit), end + m.end()


def _excluded(sentence: str, start: int, end: int, text: str) -> bool:
    before, after = sentence[max(0, start - 12) : start], sentence[end : end + 12]
    if start > 0 and (sentence[start - 1].isalpha() or sentence[start - 1] in ":/"):
        return True  # footnote mark "mutiny1", part of a code or a time
    if re.match(r"(?:st|nd|rd|th)\b|:\d|\s*(?:a\.m|p\.m|am\b|pm\b|GMT|UTC|hours? GMT)", after):
        return True  # ordinal or clock time
    if re.search(rf"(?:{MONTHS})\.?\s*$", before) or re.match(rf"\s*(?:{MONTHS})\b", after):
        return True  # a date: "June 23", "23 June"
    if re.fullmatch(r"1[89]\d\d|20\d\d", text) and not re.match(r"\s*[a-z]", after):
        return True  # a year
    return False


def numbers(sentence: str) -> list[Number]:
    """The numbers of the world a sentence states, with units, in order.

    A number with no unit word after it (a score, a bare count) is left out: the drafter
    cannot say what it counts.

    Parameters
    ----------
    sentence : str

    Returns
    -------
    list of Number

    Examples
    --------
    >>> [(n.low, n.high, n.unit) for n in numbers("It has between 25,000 and 50,000 troops.")]
    [(25000.0, 50000.0, 'troops')]
    >>> [(n.low, n.bound, n.unit) for n in numbers("On June 23, 2023, more than 150 ships wait.")]
    [(150.0, 'lower', 'ships')]
    >>> found = numbers("It took about 96 hours, costing $5 million.")
    >>> [(n.low, n.approximate, n.unit) for n in found]
    [(96.0, True, 'hours'), (5000000.0, False, 'US dollars')]
    """
    found: list[Number] = []
    taken: list[tuple[int, int]] = []
    ranges = re.compile(
        rf"(?:(?P<between>[Bb]etween|[Ff]rom)\s+)?(?P<cur>[$€£])?(?P<a>{_NUM}){_SCALE}"
        rf"(?P<sep>\s+(?:and|to)\s+|\s*[-–—]\s*)[$€£]?(?P<b>{_NUM}){_SCALE}"
    )
    for m in ranges.finditer(sentence):
        if (m.group("sep").strip() == "and") and not m.group("between"):
            continue  # "3 dead and 5 injured": two numbers
        if _excluded(sentence, m.start("a"), m.end("a"), m.group("a")) or _excluded(
            sentence, m.start("b"), m.end("b"), m.group("b")
        ):
            continue
        low, high = _value(m, "a"), _value(m, "b")
        # "25 to 50 thousand": the scale of the second end applies to both
        tail_a = sentence[m.end("a") : m.start("sep")].strip().lower()
        if not tail_a and high / max(float(m.group("b").replace(",", "")), 1e-300) > 1:
            low *= high / float(m.group("b").replace(",", ""))
        if not low < high:
            continue
        unit, stop = _unit(sentence, m.end(), m.group("cur"))
        if unit is None:
            continue
        found.append(Number(low, high, unit, sentence[m.start() : stop], m.start(), stop))
        taken.append((m.start(), stop))
    single = re.compile(rf"(?:(?P<q>{LOWER}|{UPPER}|{ABOUT})\s+)?{_ONE}", re.IGNORECASE)
    for m in single.finditer(sentence):
        if any(a <= m.start("n") < b for a, b in taken):
            continue
        if _excluded(sentence, m.start("n"), m.end("n"), m.group("n")):
            continue
        unit, stop = _unit(sentence, m.end(), m.group("cur"))
        if unit is None:
            continue
        value = _value(m)
        if value <= 0:
            continue
        q = (m.group("q") or "").lower()
        bound = (
            "lower"
            if re.fullmatch(LOWER, q)
            else "upper"
            if re.fullmatch(UPPER, q) and q not in ("nearly", "almost")
            else None
        )
        approximate = bool(q) and bound is None
        found.append(
            Number(
                value, value, unit, sentence[m.start() : stop], m.start(), stop, bound, approximate
            )
        )
    for m in _WORD.finditer(sentence):
        if any(a <= m.start() < b for a, b in taken) or re.search(
            r"\b(?:no|any|every|each|which|the|at)\s+$", sentence[: m.start()], re.IGNORECASE
        ):
            continue  # "no one", "the one that"
        if re.match(
            r"\s+(?:another|of them|of us|by one|or two|or more)\b", sentence[m.end("w") :]
        ):
            continue
        unit, stop = _unit(sentence, m.end(), None)
        if unit is None:
            continue
        word = m.group("w").lower()
        vague = m.group("vague") is not None
        value = float(VAGUE_PLURALS[word] if vague else WORD_NUMBERS[word])
        q = (m.group("q") or "").lower()
        bound = (
            "lower"
            if vague or q in ("more than", "at least", "over")
            else ("upper" if q == "up to" else None)
        )
        found.append(
            Number(
                value,
                value,
                unit,
                sentence[m.start() : stop],
                m.start(),
                stop,
                bound,
                bool(q) and bound is None,
            )
        )
    found.sort(key=lambda n: n.start)
    return found
