"""The drafter's rules: hedges, attributions, denials, silences, what is not a report.

Each rule is a named regular expression; a finding records the rule's name and the
words it matched, so that every field of a draft says what found it. The hedge words
found are those of the format's table (:data:`scenarios.spec.reliability.HEDGE_WEIGHTS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scenarios.spec.reliability import HEDGE_WEIGHTS

__all__ = [
    "Attribution",
    "Denial",
    "Hit",
    "attributions",
    "denial",
    "hedges",
    "not_a_report",
    "silence",
]

# --- hedges --------------------------------------------------------------------------------

#: Hedge word of the format -> patterns that find it. Order matters only for naming.
HEDGE_RULES: dict[str, tuple[str, ...]] = {
    "allegedly": (r"\ballegedly\b", r"\balleged\b", r"\bpurported(?:ly)?\b"),
    "reportedly": (r"\breportedly\b",),
    "apparently": (r"\bapparently\b", r"\bapparent\b", r"\bseemingly\b"),
    "unconfirmed": (
        r"\bunconfirmed\b",
        r"\b(?:has|have|had) not (?:yet )?been (?:independently )?confirmed\b",
        r"\b(?:could|can|cannot|can't|could not|couldn't) not? ?(?:be )?(?:independently )?confirm",
        r"\bnot (?:yet )?confirmed\b",
    ),
    "unverified": (
        r"\bunverified\b",
        r"\bnot (?:been )?(?:independently )?verified\b",
        r"\bno (?:independent )?verification\b",
        r"\b(?:could|can|cannot|could not|couldn't) not? ?(?:be )?(?:independently )?verif",
    ),
    "rumoured": (r"\brumou?r(?:ed|s)?\b",),
    "said": (r"\b(?:is|are|was|were) (?:also )?(?:said|believed|thought|understood) to\b",),
    "according_to": (
        r"\baccording to\b",
        r"\bthere (?:are|were|have been|has been) (?:also )?(?:\w+ )?reports\b",
        r"\b(?:some|other|several|unconfirmed|media|local|early) reports\b",
        r"\breports (?:say|said|suggest|suggested|indicate|indicated)\b",
        r"\bthere (?:have been|are|were) claims\b",
    ),
}

#: "no verified information that X" is a silence, not a hedged report (see :func:`silence`).
SILENCE = re.compile(
    r"\bno (?:verified |confirmed |independent |official )?(?:information|evidence|sign|"
    r"indication|confirmation|word)s? (?:regarding|about|of|that|on|to confirm)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Hit:
    """A rule that matched: its name, the words it matched, where (in the sentence)."""

    rule: str
    words: str
    start: int


def hedges(quote: str) -> list[Hit]:
    """Hedges in a sentence, in order; rule names are ``hedge:<word>``.

    A silence's "no verified information" is not an ``unverified`` hedge.

    Parameters
    ----------
    quote : str

    Returns
    -------
    list of Hit

    Examples
    --------
    >>> [h.rule for h in hedges("The group, which is said to have 50 tanks, allegedly fled.")]
    ['hedge:said', 'hedge:allegedly']
    """
    silent = SILENCE.search(quote)
    found = []
    for word, patterns in HEDGE_RULES.items():
        assert word in HEDGE_WEIGHTS, word  # the table of the format
        for pattern in patterns:
            for m in re.finditer(pattern, quote, re.IGNORECASE):
                if silent and silent.start() <= m.start() < silent.end():
                    continue
                found.append(Hit(f"hedge:{word}", m.group(), m.start()))
    found.sort(key=lambda h: h.start)
    out: list[Hit] = []
    for h in found:  # one hit per place
        if not any(o.start <= h.start < o.start + len(o.words) for o in out):
            out.append(h)
    return out


def strongest(hits: list[Hit]) -> Hit | None:
    """The hedge of lowest weight (the most doubtful) among ``hits``, the first on ties.

    Parameters
    ----------
    hits : list of Hit

    Returns
    -------
    Hit or None

    Examples
    --------
    >>> strongest(hedges("It is said to be big and allegedly red.")).words
    'allegedly'
    """
    if not hits:
        return None
    return min(hits, key=lambda h: HEDGE_WEIGHTS[h.rule.split(":", 1)[1]])


def silence(quote: str) -> Hit | None:
    """Find a silence: "there is no verified information regarding X".

    Parameters
    ----------
    quote : str

    Returns
    -------
    Hit or None

    Examples
    --------
    >>> silence("There is no verified information regarding him leaving.").rule
    'silence'
    """
    m = SILENCE.search(quote)
    return Hit("silence", m.group(), m.start()) if m else None


# --- attribution ---------------------------------------------------------------------------

_SAY = (
    r"(?:said|says|say|told|tells|stated|states|announced|announces|claimed|claims|claim|"
    r"cites|cited|confirmed|confirms|added|adds|wrote|writes|posted|posts|tweeted|reported|"
    r"reports|warned|warns|insisted|insists|alleged|alleges|estimated|estimates|"
    r"acknowledged|acknowledges|noted|notes|declared|declares|explained|explains)"
)
#: A named actor: capitalised words (with "of", "for", "the" inside), optionally with a role.
_ROLE = (
    r"(?:government|military|army|ministry|authorities|officials?|spokes(?:man|woman|person)|"
    r"police|forces|media|office|council|agency|department|command|service|prosecutors?|"
    r"president|minister|governor|mayor|leader|chief|commander)"
)
#: (Repetitions are bounded, {0,6}: a name has a few words, and an unbounded run of
#: capitalised words would make matching slow.)
_CAP = r"(?:(?:al|el|bin|ibn|de|del|van|von|da|di)[-\s])?[A-Z][\w'’.-]*"
_NAME = (
    rf"(?:{_CAP}(?:\s+(?:of|for|the|and|de|al)\s+(?:the\s+)?|\s+)){{0,6}}{_CAP}"
    rf"(?:\s+{_ROLE})?"
    rf"|(?:[A-Z][\w'’-]*\s+){{0,6}}{_ROLE}"
)
_GENERIC = (
    r"(?:officials|police|witnesses|residents|analysts|experts|sources|authorities|"
    r"investigators|observers|diplomats|doctors|rescuers|activists|state media|"
    r"state television|local media)"
)

#: Attribution rules: name -> pattern with a group ``who`` (``None``: attributed to nobody).
ATTRIBUTION_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "attribution:according_to",
        re.compile(rf"\b[Aa]ccording to (?:the\s+)?(?P<who>{_NAME}|{_GENERIC})"),
    ),
    (
        "attribution:channel",
        re.compile(
            rf"(?P<who>{_NAME})['’]s?\s+(?:own\s+)?(?:Telegram|Twitter|X|Facebook|Instagram|"
            r"YouTube|VK|press service|website|statement|spokes(?:man|woman|person))"
        ),
    ),
    (
        "attribution:says",
        re.compile(
            rf"(?:^|(?<=[\s,“\"(]))(?:[Tt]he\s+|[Aa]\s+)?(?P<who>{_NAME}|{_GENERIC})"
            rf"(?:,[^,]{{1,80}},)?\s+(?:has |have |had |also |later |then )?{_SAY}\b"
        ),
    ),
    ("attribution:said_by", re.compile(rf",?\s+{_SAY}\s+(?:the\s+)?(?P<who>{_NAME})\s*[.,]")),
    (
        "attribution:state_media",
        re.compile(r"\b(?P<who>[Ss]tate (?:media|television|TV|news agency))\b"),
    ),
    (
        "attribution:unnamed",
        re.compile(
            r"\b(?:[Tt]here (?:are|were|have been|has been) (?:also )?(?:\w+ )?(?:reports|claims)|"
            r"(?:[Ss]ome|[Oo]ther|[Ss]everal|[Uu]nconfirmed|[Ee]arly) reports|"
            r"[Aa]ccording to (?:some |unconfirmed |media |local )?reports|"
            r"(?:is|are|was|were) (?:also )?said to|[Rr]eports (?:say|suggest|indicate))"
            r"(?P<who>)"
        ),
    ),
)

#: Words that look like a name at the start of a sentence but are not speakers.
NOT_ACTORS = frozenset(
    """However But And Although While Meanwhile Internationally Earlier Later Also Yet
    This That These Those It He She They We I You There Here If When As In On At By For
    During After Before Since Some Other Several Many Most Members""".split()
)


@dataclass(frozen=True)
class Attribution:
    """Who a sentence says a report comes from (``who`` None: nobody in particular)."""

    rule: str
    who: str | None
    words: str
    start: int


def _clean_actor(who: str) -> str | None:
    words = who.replace("’", "'").split()
    while words and (words[0] in NOT_ACTORS or words[0].lower() in ("the", "a", "an")):
        words = words[1:]
    if not words:
        return None
    name = " ".join(words).strip(" ,.'")
    if name.lower() in ("reports", "claims", "it", "he", "she", "they", "reports say"):
        return None
    return name or None


def attributions(quote: str) -> list[Attribution]:
    """Who the sentence says made its report, in order of the words.

    Parameters
    ----------
    quote : str

    Returns
    -------
    list of Attribution
        ``who`` is the actor's name as written (``None``: unnamed reports).

    Examples
    --------
    >>> [(a.rule, a.who) for a in attributions("According to the Ministry of Defence, 3 died.")]
    [('attribution:according_to', 'Ministry of Defence')]
    >>> [a.who for a in attributions("Prigozhin said on Telegram that he would stop.")]
    ['Prigozhin']
    >>> [a.rule for a in attributions("There are reports of shooting.")]
    ['attribution:unnamed']
    """
    found: list[Attribution] = []
    for rule, pattern in ATTRIBUTION_RULES:
        for m in pattern.finditer(quote):
            raw = m.group("who")
            if rule == "attribution:unnamed":
                who = None
            else:
                who = _clean_actor(raw)
                if who is None:
                    continue
                if re.fullmatch(r"reports?|claims?", who, re.IGNORECASE):
                    who = None
            if any(a.start <= m.start() < a.start + len(a.words) for a in found):
                continue
            found.append(Attribution(rule, who, m.group().strip(), m.start()))
    found.sort(key=lambda a: a.start)
    return found


# --- denials -------------------------------------------------------------------------------

DENIAL = re.compile(
    rf"(?:[Tt]he\s+)?(?P<who>(?:[A-Z][\w'’-]*\s+){{1,6}}(?:[a-z]+\s+){{0,2}}(?:sources|{_ROLE})"
    rf"|{_NAME}|{_GENERIC})(?:,[^,]{{1,80}},)?\s+(?:has |have |had |also |"
    r"quickly |strongly |flatly |later )?(?P<verb>denied|denies|deny|rejected|rejects|reject|"
    r"dismissed|dismisses|dismiss|refuted|refutes|disputed|disputes|dispute|contested|contests)"
    r"\b(?P<object>[^.;]*)"
)


@dataclass(frozen=True)
class Denial:
    """A denial or dispute in a sentence: who, which verb, and what it answers."""

    rule: str  # "denial" or "dispute"
    who: str
    words: str
    object: str  # the words after the verb: "these claims", "the claims of a coup", ...


def denial(quote: str) -> Denial | None:
    """A sentence's denial or dispute of a report, if it makes one.

    Parameters
    ----------
    quote : str

    Returns
    -------
    Denial or None

    Examples
    --------
    >>> d = denial("However, the Russian military disputes these claims.")
    >>> d.rule, d.who, d.object.strip()
    ('dispute', 'Russian military', 'these claims')
    """
    for m in DENIAL.finditer(quote):
        who = _clean_actor(m.group("who"))
        if who is None:
            continue
        verb = m.group("verb")
        rule = "dispute" if verb.startswith(("disput", "contest")) else "denial"
        return Denial(rule, who, m.group().strip(), m.group("object"))
    return None


# --- what is not a report --------------------------------------------------------------------

NOT_A_REPORT: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("skip:question", re.compile(r"\?\s*[\"”’']?$")),
    (
        "skip:editorial",
        re.compile(
            r"\b(?:keep in mind|more updates|stay tuned|updates to come|subscribe|click here|"
            r"read more|this (?:article|story|page) (?:was|has been|will be)|sign up)\b",
            re.IGNORECASE,
        ),
    ),
    ("skip:conditional", re.compile(r"^\s*If\b[^.]*\b(?:could|might|would|may)\b")),
    ("skip:short", re.compile(r"^\W*(?:\S+\s+){0,3}\S*\W*$")),
)


def not_a_report(quote: str) -> str | None:
    """Why a sentence is no report (a question, an editorial aside...), or None.

    Parameters
    ----------
    quote : str

    Returns
    -------
    str or None
        The name of the rule that set it aside.

    Examples
    --------
    >>> not_a_report("More updates to come as reports continue to roll in.")
    'skip:editorial'
    >>> not_a_report("Troops crossed the border on Monday.") is None
    True
    """
    for rule, pattern in NOT_A_REPORT:
        if pattern.search(quote):
            return rule
    return None
