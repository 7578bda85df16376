"""Validation across fields: what pydantic cannot check one field at a time.

Each value of a scenario validates its own fields when it is built (see
:mod:`~scenarios.spec.priors`, :mod:`~scenarios.spec.nodes`,
:mod:`~scenarios.spec.claims`); :func:`check_scenario` then checks how they fit
together, and :func:`validation_problems` turns pydantic's errors into the same located
:class:`~scenarios.errors.Problem` list, so that a file's every problem is reported at
once with its field path.
"""

from __future__ import annotations

import math
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from itertools import product
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from scenarios.errors import Problem, ScenarioError
from scenarios.spec import reliability as rel
from scenarios.spec.claims import Claim
from scenarios.spec.nodes import BINARY_STATES, Fact, Outcome
from scenarios.spec.priors import (
    CONTINUOUS_PRIORS,
    DEPENDENT_PRIORS,
    DISCRETE_PRIORS,
    PRIOR_TAGS,
    AnchorPrior,
    ContinuousTablePrior,
    DerivedPrior,
    LogitPrior,
    Prior,
    Probabilities,
    TablePrior,
    ThresholdPrior,
)
from scenarios.spec.propositions import parse_proposition, state_matches

if TYPE_CHECKING:
    from scenarios.spec.scenario import Scenario

__all__ = [
    "MAX_LOG_SCALE",
    "SUM_TOLERANCE",
    "as_prior",
    "check_node",
    "check_scenario",
    "comparable_time",
    "look_alike_states",
    "state_skeleton",
    "topological_order",
    "validated",
    "validation_problems",
]

#: Relative tolerance on probabilities summing to one (bnlearn tables are off by ~3e-7).
SUM_TOLERANCE = 1e-6


def _sums_to_one(probs: Iterable[float]) -> bool:
    return abs(math.fsum(probs) - 1.0) <= SUM_TOLERANCE


# Letters of other scripts that look like Latin ones, as in Unicode's confusables
# (TR39) for the Cyrillic and Greek letters most often mistaken for Latin; mapped before
# case folding (a Greek capital eta looks like H, its small letter does not).
_CONFUSABLE = str.maketrans(
    {
        **dict(
            zip(
                "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425"
                "\u0405\u0406\u0408\u04ae",
                "ABEKMHOPCTXSIJY",
                strict=True,
            )
        ),
        **dict(
            zip(
                "\u0430\u0435\u0451\u04bb\u0456\u0457\u0458\u043a\u043e\u0440\u0441"
                "\u0501\u0443\u04af\u0445\u0455\u051b\u051d\u04cf",
                "aeehiijkopcdyyxsqwl",
                strict=True,
            )
        ),
        **dict(
            zip(
                "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1"
                "\u03a4\u03a5\u03a7",
                "ABEZHIKMNOPTYX",
                strict=True,
            )
        ),
        **dict(
            zip(
                "\u03b1\u03b9\u03ba\u03bd\u03bf\u03c1\u03c5\u03c7\u03b3\u03f2\u0131\u0261",
                "aikvopuxycig",
                strict=True,
            )
        ),
    }
)


def state_skeleton(name: str) -> str:
    """What a state's name looks like to a reader: the form look-alike names share.

    NFKC-normalised (full-width letters, ligatures, composed accents), case-folded,
    invisible format characters (zero-width spaces, soft hyphens) dropped, runs of
    white space made one space, and Cyrillic and Greek letters that look Latin
    mapped to those Latin letters.

    Parameters
    ----------
    name : str

    Returns
    -------
    str

    Examples
    --------
    >>> state_skeleton("None") == state_skeleton("n\u043eне".replace("не", "ne"))
    True
    >>> state_skeleton(" Two\u200b  words "), state_skeleton("\uff21")
    ('two words', 'a')
    """
    text = unicodedata.normalize("NFKC", name).translate(_CONFUSABLE).casefold()
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


def look_alike_states(states: Iterable[str]) -> Iterable[str]:
    """Why states would be taken for each other: blank, look-alike or equal numbers.

    Two states clash when their :func:`state_skeleton` is equal (they differ only in
    case, width, spacing, invisible characters or look-alike letters of another script)
    or when both are the same number (``1`` and ``1.0``, ``10`` and ``010``: a
    proposition ``x == 1`` would match both).

    Parameters
    ----------
    states : iterable of str

    Yields
    ------
    str
        One message per clash.

    Examples
    --------
    >>> list(look_alike_states(["none", "n\u043ene", "1", "1.0", "ok"]))  # doctest: +ELLIPSIS
    ["states 'none' and 'nоne' look alike (they differ only in case, ...", ...]
    """
    seen: dict[str, str] = {}
    numbers: dict[float, str] = {}
    for state in states:
        skeleton = state_skeleton(state)
        if not skeleton.strip():
            yield f"state {state!r} has no visible character"
            continue
        if skeleton in seen:
            yield (
                f"states {seen[skeleton]!r} and {state!r} look alike (they differ only in "
                "case, width, spacing, invisible characters or letters of another script "
                "that look the same): rename one"
            )
        seen.setdefault(skeleton, state)
        try:
            number = float(state)
        except ValueError:
            continue
        if not math.isfinite(number):
            continue
        if number in numbers:
            yield (
                f"states {numbers[number]!r} and {state!r} are the same number: a "
                f"proposition such as 'x == {state}' would name both; rename one"
            )
        numbers.setdefault(number, state)


def check_node(
    name: str, node: Fact | Outcome, where: tuple[str, ...], nodes: Mapping[str, Fact | Outcome]
) -> Iterable[Problem]:
    """The problems of one fact or outcome among ``nodes``: states, prior, parents.

    Parameters
    ----------
    name : str
    node : Fact or Outcome
    where : tuple of str
        ``("facts",)`` or ``("outcomes",)``: the start of each problem's path.
    nodes : mapping of str to Fact or Outcome
        Every fact and outcome of the scenario (``node`` as it would be included), for
        the parents' states.

    Yields
    ------
    Problem
        Located at ``(*where, name, ...)``.

    Examples
    --------
    >>> f = Fact(kind="categorical", states=["a", "b"], prior={"probs": {"a": 0.5, "c": 0.5}})
    >>> for problem in check_node("f", f, ("facts",), {"f": f}):
    ...     print(problem)
    facts.f.prior.probs: expected probabilities for exactly the states ['a', 'b'], got ['a', 'c']
    """
    path = (*where, name)
    kind = node.kind
    prior = node.prior
    discrete = kind in ("binary", "categorical")
    if kind == "categorical":
        if len(node.state_names) < 2:
            yield Problem((*path, "states"), "a categorical needs at least two states")
            return
        if len(set(node.state_names)) != len(node.state_names):
            yield Problem((*path, "states"), f"duplicate state names in {list(node.state_names)}")
            return
        clashes = list(look_alike_states(node.state_names))
        for message in clashes:
            yield Problem((*path, "states"), message)
        if clashes:
            return
    elif node.states is not None and kind == "binary":
        if isinstance(node.states, dict) and set(node.states) <= set(BINARY_STATES):
            pass
        else:
            yield Problem(
                (*path, "states"),
                "a binary fact has states false/true; omit 'states' "
                "or give {true: description, false: description}",
            )
    elif node.states is not None:
        yield Problem((*path, "states"), f"a {kind} fact has no named states")
    states = node.state_names
    if isinstance(prior, DEPENDENT_PRIORS):  # tables of distributions, expressions, thresholds
        from scenarios.spec.dependent import check_dependent  # scipy: imported when used

        want = ThresholdPrior if discrete else (ContinuousTablePrior, DerivedPrior)
        if not isinstance(prior, want):
            yield Problem(
                (*path, "prior"),
                f"a {kind} fact cannot take {type(prior).__name__}: 'when'/'cases' define "
                "discrete nodes, 'derived' and tables of distributions continuous facts",
            )
            return
        yield from check_dependent(name, node, path, nodes)
        return
    if discrete and not isinstance(prior, DISCRETE_PRIORS):
        yield Problem(
            (*path, "prior"),
            f"a {kind} fact needs p/probs, a table, anchor cases or a logit link, "
            f"got {type(prior).__name__}",
        )
        return
    if not discrete and not isinstance(prior, CONTINUOUS_PRIORS):
        yield Problem(
            (*path, "prior"),
            f"a {kind} fact needs between, quantiles or a distribution, got {type(prior).__name__}",
        )
        return
    if not discrete:
        yield from _check_continuous(path, node)  # type: ignore[arg-type]
        return

    def check_probs(
        p: float | None, probs: Mapping[str, float] | None, at: tuple
    ) -> Iterable[Problem]:
        if p is not None:
            if kind != "binary":
                yield Problem(
                    (*at, "p"), f"'p' is for binary facts; give 'probs' over {list(states)}"
                )
            return
        assert probs is not None
        if set(probs) != set(states):
            yield Problem(
                (*at, "probs"),
                f"expected probabilities for exactly the states {list(states)}, got {list(probs)}",
            )
        elif not _sums_to_one(probs.values()):
            yield Problem(
                (*at, "probs"), f"probabilities must sum to 1, got {math.fsum(probs.values()):.9g}"
            )

    if isinstance(prior, Probabilities):
        yield from check_probs(prior.p, prior.probs, (*path, "prior"))
        return
    for i, parent in enumerate(node.parents):
        if parent == name:
            yield Problem((*path, "prior"), "a fact cannot depend on itself")
        elif parent not in nodes:
            yield Problem((*path, "prior"), f"unknown parent {parent!r}; known: {sorted(nodes)}")
        elif where == ("facts",) and isinstance(nodes[parent], Outcome):
            yield Problem((*path, "prior"), f"a fact cannot depend on outcome {parent!r}")
        elif isinstance(prior, TablePrior) and not nodes[parent].is_discrete:
            yield Problem(
                (*path, "prior", "given", i),
                f"{parent!r} is continuous: use a logit link for continuous parents",
            )
    if isinstance(prior, TablePrior):
        if len(set(prior.given)) != len(prior.given):
            yield Problem((*path, "prior", "given"), "duplicate parents")
            return
        if any(g not in nodes or not nodes[g].is_discrete for g in prior.given):
            return
        parent_states = [nodes[g].state_names for g in prior.given]
        seen: set[tuple[str, ...]] = set()
        for r, row in enumerate(prior.table):
            at = (*path, "prior", "table", r)
            if set(row.when) != set(prior.given):
                yield Problem(
                    (*at, "when"),
                    f"expected states for exactly {list(prior.given)}, got {list(row.when)}",
                )
                continue
            key = tuple(row.when[g] for g in prior.given)
            bad = [(g, s) for g, s in row.when.items() if s not in nodes[g].state_names]
            for g, s in bad:
                yield Problem(
                    (*at, "when", g),
                    f"unknown state {s!r} of {g!r}; states are {list(nodes[g].state_names)}",
                )
            if bad:
                continue
            if key in seen:
                yield Problem((*at, "when"), f"row {dict(row.when)} is given twice")
            seen.add(key)
            yield from check_probs(row.p, row.probs, at)
        if prior.default is not None:
            yield from check_probs(
                prior.default.p, prior.default.probs, (*path, "prior", "default")
            )
        else:
            missing = [c for c in product(*parent_states) if c not in seen]
            if missing:
                example = dict(zip(prior.given, missing[0], strict=True))
                yield Problem(
                    (*path, "prior", "table"),
                    f"{len(missing)} parent combination(s) "
                    f"have no row, e.g. {example}; add rows or a 'default'",
                )
    if isinstance(prior, LogitPrior):
        link = prior.logit
        others = states[1:] if kind == "categorical" else ()

        def check_coef(value: float | Mapping[str, float], at: tuple) -> Iterable[Problem]:
            if kind == "binary" and not isinstance(value, float | int):
                yield Problem(at, "a binary link takes a number (log-odds of true)")
            if kind == "categorical":
                if not isinstance(value, Mapping):
                    yield Problem(
                        at,
                        f"a categorical link takes {{state: log-odds}} for states "
                        f"{list(others)} (against {states[0]!r})",
                    )
                elif set(value) - set(others):
                    yield Problem(
                        at,
                        f"unknown state(s) {sorted(set(value) - set(others))}; "
                        f"expected some of {list(others)}",
                    )

        yield from check_coef(link.intercept, (*path, "prior", "logit", "intercept"))
        if link.intercept_sd is not None:  # an uncertain intercept: shaped like it
            yield from check_coef(link.intercept_sd, (*path, "prior", "logit", "intercept_sd"))
        for t, term in enumerate(link.terms):
            at = (*path, "prior", "logit", "terms", t)
            yield from check_coef(term.coef, (*at, "coef"))
            if term.sd is not None:
                yield from check_coef(term.sd, (*at, "sd"))
            parent = nodes.get(term.fact)
            if parent is None:
                continue
            if parent.is_discrete:
                if term.state is None:
                    yield Problem(
                        (*at, "state"),
                        f"{term.fact!r} is discrete: name the state "
                        f"that the term applies to, one of {list(parent.state_names)}",
                    )
                elif term.state not in parent.state_names:
                    yield Problem(
                        (*at, "state"),
                        f"unknown state {term.state!r}; states of "
                        f"{term.fact!r} are {list(parent.state_names)}",
                    )
            elif term.state is not None:
                yield Problem(
                    (*at, "state"), f"{term.fact!r} is continuous and enters linearly: omit 'state'"
                )

    if isinstance(prior, AnchorPrior):
        yield from _check_anchors(path, prior, states, kind, nodes, check_probs)


def _check_anchors(
    path: tuple[str, ...],
    prior: AnchorPrior,
    states: tuple[str, ...],
    kind: str,
    nodes: Mapping[str, Fact | Outcome],
    check_probs: Any,
) -> Iterable[Problem]:
    """Problems of anchor cases: parents, baseline, states and values, probabilities, the fit."""
    from scenarios.spec import links  # numpy/scipy: imported when anchors are checked

    at = (*path, "prior")
    if len(set(prior.given)) != len(prior.given):
        yield Problem((*at, "given"), "duplicate parents")
        return
    if any(g not in nodes for g in prior.given):
        return  # reported with the parents
    if set(prior.baseline) != set(prior.given):
        yield Problem(
            (*at, "baseline"),
            f"expected a state (or, for a continuous parent, a value) for exactly "
            f"{list(prior.given)}, got {list(prior.baseline)}",
        )
        return
    parents = {
        g: (tuple(nodes[g].state_names) if nodes[g].is_discrete else None) for g in prior.given
    }
    ctx = links.LinkContext(states, parents)
    bad = False
    cases = [(("baseline",), prior.baseline)] + [
        (("anchors", i, "when"), a.when) for i, a in enumerate(prior.anchors)
    ]
    for where, when in cases:
        for g, value in when.items():
            if g not in parents:
                yield Problem((*at, *where, g), f"{g!r} is not in 'given' {list(prior.given)}")
                bad = True
            elif links.case_value(g, value, ctx) is None:
                expected = (
                    "a number (a continuous parent)"
                    if parents[g] is None
                    else f"one of its states {list(parents[g] or ())}"
                )
                yield Problem((*at, *where, g), f"expected {expected}, got {value!r}")
                bad = True
    seen: dict[tuple, int] = {}
    for i, anchor in enumerate(prior.anchors):
        here = (*at, "anchors", i)
        problems = list(check_probs(anchor.p, anchor.probs, here))
        yield from problems
        values = [anchor.p] if anchor.p is not None else list((anchor.probs or {}).values())
        if not problems and any(v <= 0 or v >= 1 for v in values):
            yield Problem(
                (*here, "probs" if anchor.p is None else "p"),
                "an anchor's probabilities must lie strictly between 0 and 1 "
                "(a logit link never reaches 0 or 1); say e.g. 0.001 for 'almost never'",
            )
            problems.append(Problem(here, ""))
        bad = bad or bool(problems)
        if not bad:
            key = tuple(sorted(links.anchor_case(prior, anchor, ctx).items()))
            if key in seen:
                yield Problem(
                    (*here, "when"), f"the same case as anchor {seen[key]}: give each case once"
                )
                bad = True
            seen.setdefault(key, i)
    if bad:
        return
    try:
        links.fit_anchors(prior, ctx)
    except links.AnchorFitError as exc:
        for problem in exc.problems:
            yield Problem((*at, *problem.path), problem.message)


def _check_continuous(path: tuple[str, ...], fact: Fact) -> Iterable[Problem]:
    from scenarios.spec import elicit  # scipy: imported when a continuous fact is checked

    try:
        elicit.distribution(fact)
    except ValueError as exc:
        yield Problem((*path, "prior"), str(exc))


def _check_claim(
    i: int, claim: Claim, scenario: Scenario, hedges: Mapping[str, float]
) -> Iterable[Problem]:
    path = ("claims", i)
    sources = sorted(scenario.sources)
    if claim.source is not None and claim.source not in scenario.sources:
        yield Problem((*path, "source"), f"unknown source {claim.source!r}; sources are {sources}")
    if (
        claim.source is None
        and claim.likelihood is None
        and claim.status != "confirmed"
        and claim.proposition is not None
    ):
        yield Problem(
            (*path, "source"),
            "name a source (or give explicit 'likelihood', or status 'confirmed')",
        )
    if claim.hedge is not None and claim.hedge not in hedges:
        yield Problem(
            (*path, "hedge"),
            f"unknown hedge {claim.hedge!r}; expected one of "
            f"{sorted(hedges)} (or add it under reliability.hedge)",
        )
    for field in ("denied_by", "disputed_by"):
        seen: set[str] = set()
        for j, denial in enumerate(getattr(claim, field)):
            if denial.source in seen:
                yield Problem((*path, field, j, "source"), f"{denial.source!r} is named twice")
            seen.add(denial.source)
            if denial.source not in scenario.sources:
                yield Problem(
                    (*path, field, j, "source"),
                    f"unknown source {denial.source!r}; sources are {sources}",
                )
            if denial.hedge is not None and denial.hedge not in hedges:
                yield Problem(
                    (*path, field, j, "hedge"),
                    f"unknown hedge {denial.hedge!r}; expected one of "
                    f"{sorted(hedges)} (or add it under reliability.hedge)",
                )
    if claim.retraction is not None and claim.source is None:
        yield Problem(
            (*path, "source"),
            "a retraction is a report by the claim's own source: name the source",
        )
    yield from _check_hindsight(path, claim, scenario.as_of)
    if claim.reported is not None:
        fact = scenario.facts.get(claim.reported.fact)
        if fact is None:
            yield Problem((*path, "reported", "fact"), f"unknown fact {claim.reported.fact!r}")
        elif fact.is_discrete:
            yield Problem(
                (*path, "reported", "fact"),
                f"{claim.reported.fact!r} is {fact.kind}: "
                "a reported number needs a continuous fact",
            )
        elif claim.reported.count is not None and not _positive(fact, scenario):
            yield Problem(
                (*path, "reported", "count"),
                f"{claim.reported.fact!r} is not positive: a count needs a positive fact "
                "(its true value is the count's mean)",
            )
        elif (
            claim.reported.count is None and _positive(fact, scenario) and claim.reported.value <= 0
        ):
            yield Problem(
                (*path, "reported", "value"),
                f"{claim.reported.fact!r} is positive: "
                f"expected a reported value > 0, got {claim.reported.value}",
            )
        elif _positive(fact, scenario):
            yield from _check_log_scale(path, claim)
        return
    assert claim.proposition is not None
    for atom in (a for clause in parse_proposition(claim.proposition).clauses for a in clause):
        at = (*path, "proposition")
        # an observation (a confirmed claim: hard evidence) may be of an outcome too, as
        # evidence on a leaf of an imported network is; a report is about facts only
        observed = claim.status == "confirmed" and atom.fact in scenario.outcomes
        if atom.fact not in scenario.facts and not observed:
            where = (
                "an outcome: claims are about facts (only a confirmed claim may observe one)"
                if atom.fact in scenario.outcomes
                else "unknown"
            )
            yield Problem(at, f"{atom.fact!r} is {where}; facts are {sorted(scenario.facts)}")
            continue
        fact = scenario.nodes[atom.fact]
        if fact.is_discrete:
            if atom.op not in ("==", "!=", "in"):
                yield Problem(
                    at, f"{atom.fact!r} is {fact.kind}: compare it with ==, != or in, not {atom.op}"
                )
                continue
            values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
            for v in values:
                if not any(state_matches(v, st) for st in fact.state_names):
                    yield Problem(
                        at,
                        f"unknown state {v!r} of {atom.fact!r}; states are "
                        f"{list(fact.state_names)}",
                    )
        elif atom.op not in (">", ">=", "<", "<=") or not isinstance(atom.value, float):
            yield Problem(
                at, f"{atom.fact!r} is {fact.kind}: compare it with a number using > >= < <="
            )


#: Largest sd or |bias| of a reported number on the log scale (a positive fact): e**30
#: is about 1e13, more than the range of any number a scenario holds, so a larger one
#: says nothing (and overflows the engines' arithmetic).
MAX_LOG_SCALE = 30.0


def _check_log_scale(path: tuple[str | int, ...], claim: Claim) -> Iterable[Problem]:
    reported = claim.reported
    assert reported is not None
    for field, value in (("sd", reported.sd), ("bias", reported.bias)):
        if value is not None and abs(value) > MAX_LOG_SCALE:
            yield Problem(
                (*path, "reported", field),
                f"{reported.fact!r} is positive, so its reports err on the log scale: "
                f"expected |{field}| <= {MAX_LOG_SCALE:g} (a factor of e**{MAX_LOG_SCALE:g}, "
                f"about 1e13), got {value}",
            )


def _check_relays(claims: tuple[Claim, ...]) -> Iterable[Problem]:
    """Every ``via`` names another claim, chains end at an original, and say what it says."""
    index = {c.id: i for i, c in enumerate(claims)}
    for i, claim in enumerate(claims):
        if claim.via is None:
            continue
        at = ("claims", i, "via")
        if claim.via not in index:
            yield Problem(at, f"unknown claim {claim.via!r}; a relay names the claim it repeats")
            continue
        seen, root = [claim.id], claims[index[claim.via]]
        while root.via is not None and root.id not in seen and root.via in index:
            seen.append(root.id)
            root = claims[index[root.via]]
        if root.id in seen:
            cycle = " -> ".join([*seen[seen.index(root.id) :], root.id])
            yield Problem(at, f"relays repeat each other in a cycle: {cycle}")
            continue
        if root.via is not None:
            continue  # a relay further up names an unknown claim: reported there
        same = (
            claim.reported == root.reported
            if root.reported is not None
            else claim.proposition is not None
            and root.proposition is not None
            and parse_proposition(claim.proposition) == parse_proposition(root.proposition)
        )
        if not same:
            what = "the same number" if root.reported is not None else repr(root.proposition)
            yield Problem(
                (*at[:2], "proposition" if root.reported is None else "reported"),
                f"a relay repeats its original {root.id!r}: it must report {what}",
            )


def comparable_time(t: datetime) -> datetime:
    """``t`` made comparable with any other time: a naive time is taken as UTC.

    Parameters
    ----------
    t : datetime

    Returns
    -------
    datetime
        Timezone-aware.

    Examples
    --------
    >>> comparable_time(datetime(2023, 6, 23)).tzinfo
    datetime.timezone.utc
    """
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _check_hindsight(
    path: tuple[str | int, ...], claim: Claim, as_of: datetime | None
) -> Iterable[Problem]:
    """Reports dated after ``as_of`` are hindsight: refused unless the claim says so."""
    if as_of is None or claim.hindsight:
        return
    limit = comparable_time(as_of)
    times: list[tuple[tuple[str | int, ...], datetime | None, str]] = [
        ((*path, "time"), claim.time, f"claim {claim.id!r}")
    ]
    for field in ("denied_by", "disputed_by"):
        for j, denial in enumerate(getattr(claim, field)):
            times.append(((*path, field, j, "time"), denial.time, f"its {field} {denial.source!r}"))
    if claim.retracted is not None:
        times.append(((*path, "retracted", "at"), claim.retracted.at, "its retraction"))
    for where, t, what in times:
        if t is not None and comparable_time(t) > limit:
            yield Problem(
                where,
                f"after the scenario's as_of ({as_of.isoformat()}): {what} is dated "
                f"{t.isoformat()}, which was not known then; move as_of, or mark the claim "
                "'hindsight: true' to use it knowingly",
            )


def _positive(fact: Fact, scenario: Scenario) -> bool:
    from scenarios.spec import elicit  # scipy: imported when a continuous fact is checked

    if isinstance(fact.prior, DEPENDENT_PRIORS):  # a table of distributions, or derived
        from scenarios.spec.dependent import is_positive_fact

        name = next(k for k, v in scenario.facts.items() if v is fact)
        return is_positive_fact(name, scenario.nodes)
    return elicit.is_positive(fact)


def check_scenario(s: Scenario) -> Iterable[Problem]:
    """Every problem across the fields of a scenario whose fields are each valid.

    What pydantic cannot see field by field: unknown parents and cycles, states and
    probabilities that do not fit the node, tables missing rows, claims naming unknown
    sources, facts or states, duplicate claim ids, unknown reliability keys, and
    reports dated after the scenario's ``as_of`` (hindsight) that do not say so.

    Parameters
    ----------
    s : Scenario
        Built without this check (``Scenario.model_construct``) or already valid.

    Yields
    ------
    Problem

    Examples
    --------
    >>> from scenarios.io.data import example
    >>> from scenarios.io.scenario_files import load
    >>> list(check_scenario(load(example())))
    []
    """
    yield from _checked_nodes(s)
    for name, source in s.sources.items():
        if source.grade is None and (source.true_positive is None or source.false_positive is None):
            yield Problem(
                ("sources", name),
                "give a grade (A-F) or both true_positive and false_positive rates",
            )
    for grade in s.reliability.grades:
        if grade not in rel.GRADE_RATES:
            yield Problem(("reliability", "grades", grade), f"expected a letter A-F, got {grade!r}")
    for digit in s.reliability.digits:
        if rel.DIGIT_FLAGS.get(digit, (None, None))[0] is None:
            yield Problem(
                ("reliability", "digits", digit),
                "expected a digit that can be flagged: 1 or 2 (flagged below the "
                "threshold) or 4 or 5 (flagged above it); 3 and 6 are never flagged, "
                f"got {digit!r}",
            )
    hedges = s.reliability.hedges()
    yield from _check_relays(s.claims)
    ids: dict[str, int] = {}
    for i, claim in enumerate(s.claims):
        if claim.id in ids:
            yield Problem(
                ("claims", i, "id"),
                f"duplicate claim id {claim.id!r} (also claims.{ids[claim.id]})",
            )
        ids.setdefault(claim.id, i)
        yield from _check_claim(i, claim, s, hedges)


#: The problems of the last few scenarios' facts and outcomes, by the identity of their
#: nodes (kept, so that an id is never taken for another node's): an edit of the claims,
#: a source or the seed keeps every node, and their checks (a table's rows, an anchor
#: fit) took most of the time of re-validating a network of large tables.
_NODE_PROBLEMS: dict[tuple, tuple[tuple, list[Problem]]] = {}
_NODE_PROBLEMS_LOCK = threading.Lock()


def _checked_nodes(s: Scenario) -> list[Problem]:
    nodes = (*s.facts.items(), *s.outcomes.items())
    key = (len(s.facts), *((name, id(node)) for name, node in nodes))
    with _NODE_PROBLEMS_LOCK:
        hit = _NODE_PROBLEMS.get(key)
    if hit is not None and all(a is b for a, (_, b) in zip(hit[0], nodes, strict=True)):
        return hit[1]
    problems = list(_check_nodes(s))
    with _NODE_PROBLEMS_LOCK:
        _NODE_PROBLEMS[key] = (tuple(node for _, node in nodes), problems)
        while len(_NODE_PROBLEMS) > 16:
            del _NODE_PROBLEMS[next(iter(_NODE_PROBLEMS))]
    return problems


def _check_nodes(s: Scenario) -> Iterable[Problem]:
    """The problems of the facts and outcomes alone (they read nothing else)."""
    clash = set(s.facts) & set(s.outcomes)
    for name in sorted(clash):
        yield Problem(("outcomes", name), f"{name!r} is both a fact and an outcome")
    nodes = {**s.facts, **s.outcomes}
    for name, fact in s.facts.items():
        yield from check_node(name, fact, ("facts",), nodes)
    for name, outcome in s.outcomes.items():
        yield from check_node(name, outcome, ("outcomes",), nodes)
        by_cases = isinstance(outcome.prior, ThresholdPrior)  # exhaustive by construction
        if outcome.other is None and not outcome.exhaustive and not by_cases:
            yield Problem(
                ("outcomes", name),
                "outcome states must be exhaustive: name a "
                "catch-all state in 'other' (e.g. other: other) or explain in "
                "'exhaustive' why the states cover every case",
            )
        elif outcome.other is not None and outcome.other not in outcome.state_names:
            yield Problem(
                ("outcomes", name, "other"),
                f"catch-all {outcome.other!r} is not one of the states {list(outcome.state_names)}",
            )
    try:
        topological_order(nodes)
    except ValueError as exc:
        yield Problem(("facts",), str(exc))


def topological_order(nodes: Mapping[str, Fact | Outcome]) -> tuple[str, ...]:
    """Node names in an order where every node comes after its parents.

    Parameters
    ----------
    nodes : mapping of str to Fact or Outcome
        Parents missing from ``nodes`` are ignored.

    Returns
    -------
    tuple of str

    Raises
    ------
    ValueError
        If nodes depend on each other in a cycle; the message shows it.

    Examples
    --------
    >>> a = Fact(kind="binary", prior={"given": ["b"], "default": {"p": 0.5}})
    >>> b = Fact(kind="binary", prior={"p": 0.5})
    >>> topological_order({"a": a, "b": b})
    ('b', 'a')
    >>> c = Fact(kind="binary", prior={"given": ["a"], "default": {"p": 0.5}})
    >>> topological_order({"a": a, "b": c})
    Traceback (most recent call last):
    ...
    ValueError: facts depend on each other in a cycle: a -> b -> a
    """
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = [*trail[trail.index(name) :], name]
            raise ValueError(f"facts depend on each other in a cycle: {' -> '.join(cycle)}")
        state[name] = 1
        for parent in nodes[name].parents:
            if parent in nodes:
                visit(parent, (*trail, name))
        state[name] = 2
        order.append(name)

    for name in nodes:
        visit(name, ())
    return tuple(order)


def validation_problems(exc: ValidationError, prefix: tuple = ()) -> list[Problem]:
    """Turn a pydantic error into located problems, with field names only in each path.

    Parameters
    ----------
    exc : pydantic.ValidationError
    prefix : tuple
        Put before each path (where the validated value sits in a scenario).

    Returns
    -------
    list of Problem

    Examples
    --------
    >>> from pydantic import ValidationError
    >>> try:
    ...     Fact(kind="binary", prior={"p": 1.5})
    ... except ValidationError as exc:
    ...     print(validation_problems(exc, ("facts", "f"))[0])
    facts.f.prior.p: Input should be less than or equal to 1 (got 1.5)
    """
    problems = []
    for err in exc.errors(include_url=False):
        # union members show up in the path as their tags: a reader wants field names only
        loc = tuple(p for p in err["loc"] if p not in PRIOR_TAGS and not _is_member(p))
        msg = err["msg"]
        given = err.get("input")
        if err["type"] != "missing" and not isinstance(given, dict | list | tuple):
            msg = f"{msg} (got {shown(given)})"
        problems.append(Problem((*prefix, *loc), msg))
    return problems


def shown(value: object, limit: int = 200) -> str:
    """A value as an error message quotes it: its repr, cut to ``limit`` characters.

    Integers too long for Python to print (over 4,300 digits) are described instead.

    Parameters
    ----------
    value : object
    limit : int
        Longest text returned, in characters.

    Returns
    -------
    str

    Examples
    --------
    >>> shown(10**5000)
    'an integer of about 5,000 digits'
    >>> shown("x" * 100, limit=10)
    "'xxxxx...'"
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3000:
        return f"an integer of about {round(value.bit_length() * math.log10(2)):,} digits"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 4]}...{text[-1]}"


def _is_member(part: object) -> bool:
    # pydantic names union members like "float" or "dict[str,float]" in the path
    return isinstance(part, str) and (part in ("float", "int", "str") or "[" in part)


def validated(cls: Any, data: Any, path: tuple[str | int, ...] = ()) -> Any:
    """``cls.model_validate(data)``, with pydantic's errors as a located ScenarioError.

    Parameters
    ----------
    cls : type of pydantic.BaseModel
    data : mapping
    path : tuple
        Where the value sits in a scenario, put before each problem's path.

    Returns
    -------
    cls

    Raises
    ------
    ScenarioError

    Examples
    --------
    >>> from scenarios.spec.claims import Source
    >>> validated(Source, {"grade": "Z"}, ("sources", "wire"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.errors.ScenarioError: scenario: 1 problem
      - sources.wire.grade: Input should be 'A', 'B', 'C', 'D', 'E' or 'F' (got 'Z')
    """
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, path)) from None


@lru_cache(maxsize=1)
def _prior_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(Prior)


def as_prior(prior: Any, path: tuple[str | int, ...] = ("prior",)) -> Any:
    """A prior value from its plain data (as in a file), validated on its own.

    Parameters
    ----------
    prior : mapping or prior value
        A prior value (e.g. a :class:`~scenarios.spec.priors.TablePrior`) is returned
        as it is.
    path : tuple
        Where the prior sits, put before each problem's path.

    Returns
    -------
    Probabilities, TablePrior, LogitPrior, RangePrior, QuantilePrior or DistributionPrior
        Checked field by field only: whether it fits its node is :func:`check_node`'s job.

    Raises
    ------
    ScenarioError

    Examples
    --------
    >>> as_prior({"between": [25, 50]}).mass
    0.9
    >>> as_prior({"p": 2}, ("facts", "f", "prior"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.errors.ScenarioError: scenario: 1 problem
      - facts.f.prior.p: Input should be less than or equal to 1 (got 2)
    """
    if isinstance(prior, BaseModel):
        return prior
    try:
        return _prior_adapter().validate_python(prior)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, path)) from None
