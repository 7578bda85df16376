"""From a report's text to a draft scenario: every finding a field marked ``draft``.

The drafter reads the report sentence by sentence (:mod:`~scenarios.drafting.text`),
finds hedges, attributions, denials and silences (:mod:`~scenarios.drafting.rules`),
numbers (:mod:`~scenarios.drafting.numbers`) and times (:mod:`~scenarios.drafting.times`),
and writes what it found as a scenario: a candidate claim per reporting clause (its
``text`` the clause, its ``cites`` the sentence, both verbatim), a source per actor the
report attributes something to, a binary fact per claim and a continuous fact per
number, each with a placeholder prior, and one placeholder outcome. Every item carries
``draft: {rules, decide}``: what found it, and what the forecaster has to decide.
Nothing is invented: every quote is a part of the text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from scenarios.drafting.numbers import Number, numbers
from scenarios.drafting.rules import (
    Hit,
    attributions,
    denial,
    hedges,
    not_a_report,
    silence,
    strongest,
)
from scenarios.drafting.text import Span, clauses, content_words, sentences, title_line
from scenarios.drafting.times import Moment, dateline, moments
from scenarios.errors import ScenarioError
from scenarios.spec.fields import MAX_MAGNITUDE, MIN_POSITIVE
from scenarios.spec.reliability import HEDGE_WEIGHTS

__all__ = [
    "MAX_REPORT_CHARS",
    "Drafted",
    "check_plain_text",
    "draft_data",
    "relative_clauses",
    "slug",
]

#: Source names of what the report says in its own voice, and of unnamed reports.
OWN_VOICE, UNNAMED = "the_report", "unnamed_reports"
#: Hedges that say "others report this" when the report names nobody.
HEARSAY = ("hedge:reportedly", "hedge:rumoured", "hedge:according_to", "hedge:said")
#: Least overlap (Jaccard of content words, and shared words) of a repeated mention.
MERGE_JACCARD, MERGE_SHARED = 0.6, 3
#: sd (log scale) of a reported single number: as written, or "about".
SD_EXACT, SD_ABOUT = 0.05, 0.15

PLACEHOLDER_GRADE = "F"
DECIDE_SOURCE = f"the grade ({PLACEHOLDER_GRADE}, 'reliability cannot be judged', is a placeholder)"
DECIDE_FACT = "the prior (p 0.5 is a placeholder), and whether this fact is worth keeping"
DECIDE_NUMBER = (
    "the prior (a placeholder: ten times either side of the report's figure; the figure "
    "itself is evidence, in its claim) and the unit"
)
DECIDE_CLAIM = "the proposition (this claim's own placeholder fact), the source and the hedge"
DECIDE_OUTCOME = "the outcome: its question, states and prior, linked to the facts"


def _mark(rules: list[str], decide: str) -> dict[str, Any]:
    return {"rules": list(dict.fromkeys(rules)), "decide": decide}


def relative_clauses(quote: str) -> list[tuple[int, int]]:
    """Where a sentence has an aside ", which ...," or ", who ...,": (start, end) pairs.

    What such an aside attributes or hedges ("which is said to have 25,000 troops") is
    about the aside, not about the sentence's main report.

    Parameters
    ----------
    quote : str

    Returns
    -------
    list of (int, int)

    Examples
    --------
    >>> q = "The group, which is said to have 50 tanks, allegedly fled."
    >>> [q[a:b] for a, b in relative_clauses(q)]
    [', which is said to have 50 tanks,']
    """
    return [m.span() for m in re.finditer(r",\s+(?:which|who)\b[^,]{1,160},", quote)]


def _inside(at: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= at < b for a, b in spans)


def _same_aside(x: int, y: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= x < b and a <= y < b for a, b in spans)


def slug(text: str, limit: int = 40) -> str:
    """A name for the format from words: lower case, underscores, starts with a letter.

    Parameters
    ----------
    text : str
    limit : int

    Returns
    -------
    str

    Examples
    --------
    >>> slug("Russian government")
    'russian_government'
    >>> slug("3 ships")
    'n_3_ships'
    """
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:limit].strip("_") or "item"
    return name if name[0].isalpha() else f"n_{name}"


@dataclass
class Drafted:
    """A draft as plain data, and the sentences set aside.

    ``data`` is ready for :func:`scenarios.io.scenario_files.from_dict`; ``skipped`` holds
    (sentence, rule) for each sentence that is no report.
    """

    data: dict[str, Any]
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Claim:
    id: str
    clause: Span
    sentence: Span
    words: list[str]
    entry: dict[str, Any]


class _Drafter:
    def __init__(self, text: str, published: datetime | None) -> None:
        self.text = text
        self.on: date | None = published.date() if published else dateline(text)
        if published is not None:
            self.as_of: datetime | None = published
        elif self.on is not None:
            self.as_of = datetime.combine(self.on, time(23, 59, 59), UTC)
        else:
            self.as_of = None
        self.sources: dict[str, dict[str, Any]] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.claims: list[_Claim] = []
        self.numbers: dict[tuple[str, float, float, str | None], str] = {}  # -> claim id
        self.skipped: list[tuple[str, str]] = []
        self.actors: dict[str, str] = {}  # words of a name -> source key
        self.clock: tuple[datetime, str] | None = None  # a live blog's last time stamp

    # --- names -----------------------------------------------------------------------------

    def _free(self, base: str, taken: Any) -> str:
        name, k = base, 2
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        return name

    def source(self, who: str | None, rule: str, words: str) -> str:
        if who is None:
            key, name = UNNAMED, "Reports the text attributes to nobody in particular"
        else:
            key, name = self._actor(who), who
        entry = self.sources.setdefault(
            key, {"name": name, "grade": PLACEHOLDER_GRADE, "draft": _mark([], DECIDE_SOURCE)}
        )
        entry["draft"]["rules"] = list(
            dict.fromkeys([*entry["draft"]["rules"], f"{rule}: '{words}'"])
        )
        return key

    def own_voice(self) -> str:
        entry = self.sources.setdefault(
            OWN_VOICE,
            {
                "name": "The report's own voice (statements it attributes to no one)",
                "grade": PLACEHOLDER_GRADE,
                "draft": _mark(["attribution:none"], DECIDE_SOURCE),
            },
        )
        del entry
        return OWN_VOICE

    def _actor(self, who: str) -> str:
        words = tuple(w.lower() for w in re.findall(r"[\w']+", who))
        for known, key in self.actors.items():  # "Prigozhin" is "Yevgeny Prigozhin"
            if set(words) <= set(known) or set(known) <= set(words):
                return key
        key = self._free(slug(who), self.sources)
        self.actors[words] = key
        return key

    # --- reading ---------------------------------------------------------------------------

    def run(self) -> None:
        title = title_line(self.text)
        for sentence in sentences(self.text):
            if title and sentence.start == title.start:
                continue
            why = not_a_report(sentence.quote)
            if why:
                self.stamp(sentence.quote)
                self.skipped.append((sentence.quote, why))
                continue
            for clause in clauses(sentence):
                self.clause(clause, sentence)

    def times(self, quote: str) -> tuple[datetime | None, list[str]]:
        found: list[Moment] = moments(quote, self.on)
        rules = [
            f"{m.rule}: '{m.words}' -> {m.at.isoformat().replace('+00:00', 'Z')}" for m in found
        ]
        when = self.as_of
        clocks = [m.at for m in found if m.precision == "minute"]
        if clocks and self.as_of is not None and clocks[0] <= self.as_of:
            when = clocks[0]
        elif self.clock is not None:
            when = self.clock[0]
            rules.append(f"time:stamp: '{self.clock[1]}' (the time stamp above it)")
        return when, rules

    def stamp(self, quote: str) -> None:
        """A line that is only a time ("1:07 P.M. EDT", "14:05 GMT") dates what follows."""
        found = [m for m in moments(quote, self.on) if m.precision == "minute"]
        rest = quote
        for m in moments(quote, self.on):
            rest = rest.replace(m.words, " ")
        if found and not re.search(r"[A-Za-z]{2}", re.sub(r"(?i)\b[ap]\.?m\.?", " ", rest)):
            if self.as_of is None or found[-1].at <= self.as_of:
                self.clock = (found[-1].at, quote)

    def clause(self, clause: Span, sentence: Span) -> None:
        quote = clause.quote
        when, time_rules = self.times(quote)
        hedge_hits = hedges(quote)
        answer = denial(quote)
        if answer is not None and self.answer(answer, clause, sentence, when, hedge_hits):
            return
        who_rules: list[str] = []
        source = None
        aside = relative_clauses(quote)
        attrs = [a for a in attributions(quote) if not _inside(a.start, aside)]
        main_hedges = [h for h in hedge_hits if not _inside(h.start, aside)]
        named = [a for a in attrs if a.who is not None]
        if named:
            a = named[0]
            source = self.source(a.who, a.rule, a.words)
            who_rules.append(f"{a.rule}: '{a.words}'")
        elif attrs:
            a = attrs[0]
            source = self.source(None, a.rule, a.words)
            who_rules.append(f"{a.rule}: '{a.words}'")
        elif any(h.rule in HEARSAY for h in main_hedges):
            h = next(h for h in main_hedges if h.rule in HEARSAY)
            source = self.source(None, "attribution:hedge", h.words)
            who_rules.append(f"attribution:hedge: '{h.words}'")
        else:
            source = self.own_voice()
            who_rules.append("attribution:none (the report's own voice)")
        hedge = strongest(main_hedges)
        said = [a.words for a in attrs]
        self.proposition_claim(
            clause, sentence, source, hedge, main_hedges, when, who_rules + time_rules, said
        )
        for number in numbers(quote):
            n_source, n_rules = source, who_rules
            inner = [
                a
                for a in attributions(quote)
                if _inside(a.start, aside) and _same_aside(a.start, number.start, aside)
            ]
            if inner:
                a = inner[0]
                n_source = self.source(a.who, a.rule, a.words)
                n_rules = [f"{a.rule}: '{a.words}'"]
            self.number_claim(number, clause, sentence, n_source, hedge_hits, when, n_rules)

    def _names(self, quote: str) -> list[str]:
        names = re.findall(
            r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+(?:\s+(?:of\s+)?[A-Z][\w'’-]+)*", quote
        )
        return list(dict.fromkeys(n for n in names if n not in ("I", "However", "But")))

    def proposition_claim(
        self,
        clause: Span,
        sentence: Span,
        source: str,
        hedge: Hit | None,
        hedge_hits: list[Hit],
        when: datetime | None,
        rules: list[str],
        said: list[str],
    ) -> None:
        quote = clause.quote
        bare = quote
        for words_said in said:  # "Officials said X" and "police said X" repeat X
            bare = bare.replace(words_said, " ")
        words = content_words(bare)
        quiet = silence(quote)
        rules = [*rules, *(f"{h.rule}: '{h.words}'" for h in hedge_hits)]
        names = self._names(quote)
        if names:
            rules.append("names: " + ", ".join(names))
        entry: dict[str, Any] = {"text": quote, "cites": sentence.quote, "source": source}
        if when is not None:
            entry["time"] = when
        original = self.repeat_of(words)
        if original is not None:
            root = original.entry
            entry["via"] = original.id
            for key in ("proposition", "reported"):
                if key in root:
                    entry[key] = root[key]
            shared = len(set(words) & set(original.words))
            rules.append(f"merge:repeat of {original.id} ({shared} shared words)")
            decide = (
                "whether this repeats its original (a relay: keep 'via') or confirms it "
                "independently (delete 'via')"
            )
        else:
            fact = self._free(slug("_".join(words[:4]) or "statement"), {**self.facts})
            self.facts[fact] = {
                "kind": "binary",
                "prior": {"p": 0.5},
                "description": quote,
                "cites": sentence.quote,
                "draft": _mark([f"claim: {fact}"], DECIDE_FACT),
            }
            entry["proposition"] = fact
            decide = DECIDE_CLAIM
        if hedge is not None and not quiet:
            entry["hedge"] = hedge.rule.split(":", 1)[1]
        if quiet:
            entry["silent"] = True
            rules.append(f"silence: '{quiet.words}'")
            decide += "; a silence: write the proposition the source would have reported"
        entry["draft"] = _mark(rules, decide)
        cid = self._free(
            f"c{len(self.claims) + 1:02d}_{slug('_'.join(words[:3]) or 'claim', 30)}",
            {c.id for c in self.claims},
        )
        self.claims.append(_Claim(cid, clause, sentence, words, {"id": cid, **entry}))

    def repeat_of(self, words: list[str]) -> _Claim | None:
        best, score = None, 0.0
        for c in self.claims:
            if "reported" in c.entry or "via" in c.entry or c.entry.get("silent"):
                continue
            shared = set(words) & set(c.words)
            union = set(words) | set(c.words)
            j = len(shared) / len(union) if union else 0.0
            if len(shared) >= MERGE_SHARED and j >= MERGE_JACCARD and j > score:
                best, score = c, j
        return best

    def number_claim(
        self,
        number: Number,
        clause: Span,
        sentence: Span,
        source: str,
        hedge_hits: list[Hit],
        when: datetime | None,
        who_rules: list[str],
    ) -> None:
        if number.high * 10 > MAX_MAGNITUDE or number.low / 10 < MIN_POSITIVE:
            owner = next(c for c in reversed(self.claims) if c.clause == clause)
            owner.entry["draft"]["rules"].append(
                f"{number.rule}: '{number.words}' not drafted: beyond the numbers a file "
                f"holds (magnitude {MIN_POSITIVE:g} to {MAX_MAGNITUDE:g}, prior included)"
            )
            return
        key = (number.unit.lower(), number.low, number.high, number.bound)
        rules = [
            *who_rules,
            f"{number.rule}: '{number.words}' = "
            + (f"[{number.low:g}, {number.high:g}]" if number.is_range else f"{number.low:g}")
            + f" {number.unit}",
        ]
        before = [h for h in hedge_hits if h.start < number.start and number.start - h.start < 80]
        after = [h for h in hedge_hits if h.start > number.start]
        hedge = before[-1] if before else strongest(after)
        if hedge is not None:
            where = "before the number" if before else "after the number"
            rules.append(f"{hedge.rule}: '{hedge.words}' ({where})")
        entry: dict[str, Any] = {"text": clause.quote, "cites": sentence.quote, "source": source}
        if when is not None:
            entry["time"] = when
        if hedge is not None:
            entry["hedge"] = hedge.rule.split(":", 1)[1]
        if key in self.numbers:
            original = next(c for c in self.claims if c.id == self.numbers[key])
            entry["via"] = original.id
            for k in ("proposition", "reported"):
                if k in original.entry:
                    entry[k] = original.entry[k]
            rules.append(f"merge:repeat of {original.id} (the same number and unit)")
            decide = "whether this repeats its original (keep 'via') or confirms it (delete 'via')"
        else:
            fact = self._free(slug(number.unit), {**self.facts})
            self.facts[fact] = {
                "kind": "continuous",
                "unit": number.unit,
                "support": [0, None],
                "prior": {"between": [number.low / 10, number.high * 10], "mass": 0.9},
                "description": f"{number.unit}: '{number.words}'",
                "cites": sentence.quote,
                "draft": _mark([rules[-1] if hedge is None else rules[-2]], DECIDE_NUMBER),
            }
            if number.bound == "lower":
                entry["proposition"] = f"{fact} > {number.low:g}"
            elif number.bound == "upper":
                entry["proposition"] = f"{fact} < {number.low:g}"
            else:
                sd = (
                    math.log(number.high / number.low) / 2
                    if number.is_range
                    else SD_ABOUT
                    if number.approximate
                    else SD_EXACT
                )
                entry["reported"] = {
                    "fact": fact,
                    "value": round(math.sqrt(number.low * number.high), 6),
                    "sd": round(sd, 6),
                }
            decide = (
                "the error model (sd, bias) of the number"
                if "reported" in entry
                else "the bound's proposition"
            ) + ", the source and the hedge"
        entry["draft"] = _mark(rules, decide)
        cid = self._free(
            f"c{len(self.claims) + 1:02d}_{slug(number.unit, 30)}", {c.id for c in self.claims}
        )
        self.claims.append(_Claim(cid, clause, sentence, [], {"id": cid, **entry}))
        self.numbers.setdefault(key, cid)

    def answer(
        self,
        answer: Any,
        clause: Span,
        sentence: Span,
        when: datetime | None,
        hedge_hits: list[Hit],
    ) -> bool:
        """Attach a denial or dispute to the claim it answers; False if none fits."""
        vague = {
            "claims",
            "claim",
            "reports",
            "report",
            "allegations",
            "allegation",
            "accusations",
            "accusation",
            "them",
            "this",
            "that",
            "these",
            "those",
        }
        phrase = answer.object.split(",")[0]
        wanted = [w[:5] for w in content_words(phrase) if w not in vague][:6]
        target = None
        candidates = [
            c
            for c in self.claims
            if "proposition" in c.entry and "via" not in c.entry and not c.entry.get("silent")
        ]
        if wanted:
            scored = [
                (len(set(wanted) & {w[:5] for w in c.words}), i, c)
                for i, c in enumerate(candidates)
            ]
            scored = [s for s in scored if s[0] > 0]
            if scored:
                target = max(scored, key=lambda s: (s[0], s[1]))[2]
        if (
            target is None
            and candidates
            and re.search(
                r"\b(?:these|those|the|this|that|such)\s+(?:claims?|reports?|allegations?|accusations?)\b|"
                r"\b(?:it|them)\b",
                phrase,
            )
        ):
            target = candidates[-1]
        if target is None:
            return False
        denier = self.source(answer.who, f"attribution:{answer.rule}", answer.words)
        key = "disputed_by" if answer.rule == "dispute" else "denied_by"
        item: dict[str, Any] = {"source": denier, "text": clause.quote, "cites": sentence.quote}
        if when is not None:
            item["time"] = when
        entry = target.entry
        answers = entry.setdefault(key, [])
        if any(a["source"] == denier for a in answers):  # said again: one denial, cited twice
            entry["draft"]["rules"].append(
                f"merge:repeat of the {answer.rule} by {denier}: '{sentence.quote}'"
            )
            return True
        answers.append(item)
        if "status" not in entry:
            entry["status"] = "disputed" if key == "disputed_by" else "denied"
        entry["draft"]["rules"].append(f"{answer.rule}: '{answer.words[:80]}' by {denier}")
        for h in hedge_hits:
            own = HEDGE_WEIGHTS[entry.get("hedge", "none")]
            if (
                h.rule in ("hedge:unverified", "hedge:unconfirmed")
                and HEDGE_WEIGHTS[h.rule.split(":", 1)[1]] < own
            ):
                entry["hedge"] = h.rule.split(":", 1)[1]
                entry["draft"]["rules"].append(f"{h.rule}: '{h.words}' (in the answering sentence)")
        return True

    def data(self, title: str | None, file: str | None) -> dict[str, Any]:
        t = title_line(self.text)
        report: dict[str, Any] = {}
        name = title or (t.quote if t else "Draft from a report")
        if t:
            report["title"] = t.quote
        if file:
            report["file"] = file
        if self.as_of is not None:
            report["published"] = self.as_of
        claims = [c.entry for c in self.claims]
        if not self.facts:  # a report with no reporting sentence: still a valid file
            self.facts["placeholder"] = {
                "kind": "binary",
                "prior": {"p": 0.5},
                "draft": _mark(["empty: no reporting sentence found"], DECIDE_FACT),
            }
        out: dict[str, Any] = {
            "title": f"DRAFT: {name}",
            "description": "Drafted by `scenarios draft`: every item marked draft is a "
            "candidate for a person to check, edit or delete.",
            "sources": self.sources,
            "facts": self.facts,
            "outcomes": {
                "outcome": {
                    "kind": "binary",
                    "question": "What do you want to forecast? (a placeholder)",
                    "exhaustive": "A placeholder: binary, it holds or it does not.",
                    "prior": {"p": 0.5},
                    "draft": _mark(["outcome: placeholder"], DECIDE_OUTCOME),
                }
            },
            "claims": claims,
        }
        if self.as_of is not None:
            out["as_of"] = self.as_of
        if report:
            out["report"] = report
        return out


#: Longest report drafted, in characters: a news report has a few thousand; a longer
#: text (a book, a log) is refused rather than read for minutes.
MAX_REPORT_CHARS = 500_000


def check_plain_text(text: str, file: str | None = None) -> None:
    r"""Refuse a report holding control characters (it is not plain text), or too long.

    Tabs, line and paragraph breaks are fine. A draft quotes its report verbatim, and a
    control character cannot be written in a scenario file. A text longer than
    :data:`MAX_REPORT_CHARS` is refused too.

    Parameters
    ----------
    text : str
    file : str, optional
        Named in the error.

    Raises
    ------
    ScenarioError
        Naming the first such character and where it is, or the length.

    Examples
    --------
    >>> check_plain_text("fine\ttext\n")
    >>> check_plain_text("bad\x00")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.errors.ScenarioError: ...control character U+0000 at character 3...
    """
    if len(text) > MAX_REPORT_CHARS:
        raise ScenarioError.single(
            (),
            f"the report has {len(text):,} characters; the drafter reads at most "
            f"{MAX_REPORT_CHARS:,} (a news report has a few thousand): split it",
            file,
        )
    m = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", text)
    if m:
        raise ScenarioError.single(
            (),
            f"the report holds the control character U+{ord(m.group()):04X} at character "
            f"{m.start()}: expected plain text (a report saved as text, not a binary file)",
            file,
        )


def draft_data(
    text: str,
    *,
    published: datetime | None = None,
    title: str | None = None,
    file: str | None = None,
) -> Drafted:
    r"""Draft a scenario from a report, as plain data (not yet validated).

    Parameters
    ----------
    text : str
        The report.
    published : datetime, optional
        When it was published (aware); default: the end of the first full date in its
        first lines, else none (times are then not resolved).
    title : str, optional
        Default: the report's first line when it is a title.
    file : str, optional
        Recorded as ``report.file``.

    Returns
    -------
    Drafted

    Examples
    --------
    >>> d = draft_data("Ship stuck\nOn 23 March 2021 the ship reportedly ran aground.")
    >>> [c["hedge"] for c in d.data["claims"]]
    ['reportedly']
    """
    check_plain_text(text, file)
    drafter = _Drafter(text, published)
    drafter.run()
    return Drafted(drafter.data(title, file), drafter.skipped)
