"""Recall of ``scenarios draft`` on the corpus, against answer keys and the shipped Wagner file.

Run ``python -m tests.drafting.recall`` (with ``src`` on the path) to print the tables;
``tests/drafting/test_recall.py`` asserts on the same numbers.

Two measures:

- **Against the shipped Wagner file** (``scenarios.io.data.example()``, written by hand):
  each hedge, range, denial and source the file uses is looked for in the draft of its
  report. A hedge is found when a draft claim quoting the same sentence, with a text that
  overlaps the shipped claim's, carries the same ``hedge``; a range when a draft claim
  reports a range with the same ends (in the report's units); a denial when a draft claim
  of the same sentence is denied or disputed (the same way) by a source whose name's
  words are among the shipped source's; a source when the draft has a source for it
  (``news_report`` is the draft's ``the_report``; ``unnamed_reports`` its
  ``unnamed_reports``; a named actor by name).
- **Against hand-made keys** (``corpus/<name>.key.yaml``): a key number is found when a
  draft rule states its value (or range) with the same kind of bound; its unit is scored
  apart. A key hedge is found when a claim quoting the key's words has a rule naming the
  hedge (``silence`` for silences).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.drafting import draft
from scenarios.io import example, load
from scenarios.io.yamlfile import parse_yaml

CORPUS = Path(__file__).parent / "corpus"

#: The shipped Wagner file's sources and the draft's names for them.
WAGNER_SOURCES = {
    "news_report": ("the_report",),
    "unnamed_reports": ("unnamed_reports",),
    "prigozhin_telegram": ("prigozhin",),
    "russian_government": ("russian_government", "russian_military"),
}


@dataclass
class Score:
    """Found / looked for, with what was missed."""

    found: int = 0
    total: int = 0
    missed: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str) -> None:
        self.total += 1
        self.found += ok
        if not ok:
            self.missed.append(what)

    @property
    def recall(self) -> float | None:
        return self.found / self.total if self.total else None

    def __str__(self) -> str:
        r = self.recall
        return f"{self.found}/{self.total}" + (f" ({r:.0%})" if r is not None else " (n/a)")


def texts() -> list[Path]:
    """The corpus's reports."""
    return sorted(CORPUS.glob("*.txt"))


def quotes(scenario: Any) -> list[str]:
    """Every quote of the report in a draft: claims' and denials' text and cites, facts' cites."""
    found = []
    for c in scenario.claims:
        found += [c.text, c.cites or ""]
        for _, d in c.answers:
            found += [d.text or "", d.cites or ""]
    found += [f.cites or "" for f in scenario.facts.values()]
    return [q for q in found if q]


def _overlap(a: str, b: str) -> bool:
    return a in b or b in a or len(set(a.split()) & set(b.split())) >= 4


def wagner_recall() -> dict[str, Score]:
    """Recall of the shipped Wagner file's hedges, ranges, denials and sources."""
    shipped = load(example())
    text = (CORPUS / "wagner-report-2023-06-23.txt").read_text(encoding="utf-8")
    drafted = draft(text)
    scores = {k: Score() for k in ("hedges", "ranges", "denials", "sources", "claim sources")}
    for c in shipped.claims:
        same = [d for d in drafted.claims if d.cites == c.cites and _overlap(d.text, c.text)]
        if c.hedge not in (None, "none"):
            scores["hedges"].add(any(d.hedge == c.hedge for d in same), f"{c.id}: {c.hedge}")
        if c.reported is not None and "between" in (c.text or ""):
            m = re.search(r"between ([\d,]+) and ([\d,]+)", c.text)
            assert m
            low, high = (float(g.replace(",", "")) for g in m.groups())
            ok = any(
                f"= [{low:g}, {high:g}]" in rule
                for d in same
                if d.reported is not None and d.draft is not None
                for rule in d.draft.rules
            )
            scores["ranges"].add(ok, f"{c.id}: [{low:g}, {high:g}]")
        for how, answer in c.answers:
            wanted = set(re.findall(r"\w+", (shipped.sources[answer.source].name or "").lower()))
            ok = any(
                h == how and set(drafted.sources[a.source].name.lower().split()) <= wanted
                for d in same
                for h, a in d.answers
            )
            scores["denials"].add(ok, f"{c.id}: {how} {answer.source}")
        mapped = WAGNER_SOURCES[c.source]
        by_denial = any(
            a.source in mapped and a.cites == c.cites for d in drafted.claims for _, a in d.answers
        )
        scores["claim sources"].add(
            any(d.source in mapped for d in same) or by_denial, f"{c.id}: {c.source}"
        )
    for name in shipped.sources:
        scores["sources"].add(
            any(m in drafted.sources for m in WAGNER_SOURCES[name]), f"source {name}"
        )
    return scores


_NUMBER_RULE = re.compile(r"^number:(\w+): '(.*)' = (\[[^\]]*\]|\S+) (.*)$")


def key_recall(path: Path) -> dict[str, Score]:
    """Recall of a text's answer key: numbers (value and bound), their units, hedges."""
    key = parse_yaml((path.with_suffix(".key.yaml")).read_text(encoding="utf-8"))
    drafted = draft(path.read_text(encoding="utf-8"))
    rules = [(c, rule) for c in drafted.claims if c.draft is not None for rule in c.draft.rules]
    stated = []
    for _, rule in rules:
        m = _NUMBER_RULE.match(rule)
        if m:
            kind, words, value, unit = m.groups()
            ends = [float(v) for v in value.strip("[]").split(",")]
            stated.append((kind, words, ends[0], ends[-1], unit))
    scores = {k: Score() for k in ("numbers", "units", "hedges", "denials")}
    for d in key.get("denials") or []:
        wanted = set(d["by"].lower().split())
        ok = any(
            d["in"] in (a.cites or "")
            and set(drafted.sources[a.source].name.lower().split()) <= wanted
            for c in drafted.claims
            for _, a in c.answers
        )
        scores["denials"].add(ok, f"{d['by']}: {d['in']}")
    for n in key.get("numbers") or []:
        bound = n.get("bound")
        kind = f"{bound}_bound" if bound else None
        hits = [
            s
            for s in stated
            if abs(s[2] - n["low"]) <= 1e-9 * n["low"]
            and abs(s[3] - n["high"]) <= 1e-9 * n["high"]
            and (kind is None or s[0] == kind)
        ]
        scores["numbers"].add(bool(hits), n["words"])
        scores["units"].add(
            any(s[4] == n["unit"] or s[4].endswith(" " + n["unit"]) for s in hits),
            f"{n['words']} ({n['unit']})",
        )
    for h in key.get("hedges") or []:
        prefix = "silence:" if h["hedge"] == "silence" else f"hedge:{h['hedge']}:"
        ok = any(
            rule.startswith(prefix)
            and any(
                h["in"] in q for q in [c.cites or c.text] + [a.cites or "" for _, a in c.answers]
            )
            for c, rule in rules
        )
        scores["hedges"].add(ok, f"{h['hedge']}: {h['in']}")
    return scores


def main() -> None:
    """Print the recall tables."""
    print("Against the shipped Wagner file (scenarios.io.data.example()):")
    for kind, score in wagner_recall().items():
        print(f"  {kind:14} {score}" + (f"  missed: {score.missed}" if score.missed else ""))
    print("\nAgainst the hand-made keys (tests/drafting/corpus/*.key.yaml):")
    totals: dict[str, Score] = {}
    for path in texts():
        scores = key_recall(path)
        row = "  ".join(f"{k} {v}" for k, v in scores.items())
        print(f"  {path.stem:40} {row}")
        for k, v in scores.items():
            t = totals.setdefault(k, Score())
            t.found += v.found
            t.total += v.total
            t.missed += [f"{path.stem}: {m}" for m in v.missed]
    print(f"  {'all texts':40} " + "  ".join(f"{k} {v}" for k, v in totals.items()))
    for k, v in totals.items():
        for m in v.missed:
            print(f"    missed {k}: {m}")


if __name__ == "__main__":
    main()
