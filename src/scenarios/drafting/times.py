"""Times in a report, resolved against the report's own date.

"on Saturday" is the last Saturday on or before the report's date, "yesterday" the day
before it, "at 07:30 Moscow time" that clock time on the day the sentence names (else
the report's day) in Moscow's zone, "June 23, 2023" that day. Each :class:`Moment`
keeps the words it was read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

__all__ = ["Moment", "dateline", "moments"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        )
    )
    for m in names.split()
}
#: Time-zone words -> offset from UTC in hours (summer offsets where a place has them;
#: a draft's reader checks them).
ZONES = {
    "moscow time": 3,
    "msk": 3,
    "kyiv time": 3,
    "kiev time": 3,
    "gmt": 0,
    "utc": 0,
    "bst": 1,
    "cet": 1,
    "cest": 2,
    "edt": -4,
    "est": -5,
    "et": -4,
    "eastern time": -4,
    "pdt": -7,
    "pst": -8,
    "local time": None,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_MDY = re.compile(
    rf"\b(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?\b", re.I
)
_DATE_DMY = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH})\.?(?:,?\s+(?P<y>\d{{4}}))?\b", re.I
)
_DATE_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")
_WEEKDAY = re.compile(rf"\b(?:on |last |this |early |late )?(?P<w>{'|'.join(WEEKDAYS)})\b", re.I)
_RELATIVE = re.compile(
    r"\b(?P<r>yesterday|today|tonight|this morning|this afternoon|this evening|last night|"
    r"earlier today)\b",
    re.I,
)
_CLOCK = re.compile(
    r"\b(?:at |around |about |by |until |from )?(?P<h>\d{1,2})"
    r"(?::(?P<min>\d{2})|\.(?P<min2>\d{2})(?=\s*[ap]\.?m))?"
    r"\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?(?:\s*\(?(?P<zone>"
    + "|".join(sorted((re.escape(z) for z in ZONES), key=len, reverse=True))
    + r")\)?)?(?=[\s,.;)]|$)",
    re.I,
)


@dataclass(frozen=True)
class Moment:
    """A time a sentence names: the words, and the date-time they resolve to (UTC).

    ``precision`` is ``"day"`` (a date or a weekday) or ``"minute"`` (a clock time);
    ``rule`` the rule that read it (``time:weekday``, ``time:date``, ``time:clock``...).
    """

    words: str
    at: datetime
    precision: str
    rule: str
    start: int


def _mk_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def dateline(text: str) -> date | None:
    r"""The report's own date: the first full date (with a year) in its first 400 characters.

    Parameters
    ----------
    text : str

    Returns
    -------
    datetime.date or None

    Examples
    --------
    >>> dateline("Title\nAs of June 23, 2023, there are reports...")
    datetime.date(2023, 6, 23)
    """
    head = text[:400]
    best: tuple[int, date] | None = None
    for pattern in (_DATE_ISO, _DATE_MDY, _DATE_DMY):
        for m in pattern.finditer(head):
            if not m.group("y"):
                continue
            month = m.group("m")
            mo = int(month) if month.isdigit() else MONTHS[month.lower()]
            day = _mk_date(int(m.group("y")), mo, int(m.group("d")))
            if day and (best is None or m.start() < best[0]):
                best = (m.start(), day)
    return best[1] if best else None


def moments(sentence: str, on: date | None) -> list[Moment]:
    """The times a sentence names, resolved against the report's date ``on``.

    Without ``on`` only full dates (with a year) are resolved. Clock times take the day
    the sentence names, else ``on``; a zone the drafter does not know is read as UTC
    (the rule says so).

    Parameters
    ----------
    sentence : str
    on : datetime.date or None
        The report's date.

    Returns
    -------
    list of Moment

    Examples
    --------
    >>> from datetime import date
    >>> found = moments("On Saturday at 07:30 Moscow time it began.", date(2023, 6, 26))
    >>> [(m.words, m.at.strftime("%d %H:%M")) for m in found]
    [('On Saturday', '24 00:00'), ('at 07:30 Moscow time', '24 04:30')]
    """
    found: list[Moment] = []
    for pattern in (_DATE_ISO, _DATE_MDY, _DATE_DMY):
        for m in pattern.finditer(sentence):
            month = m.group("m")
            mo = int(month) if month.isdigit() else MONTHS[month.lower()]
            year = int(m.group("y")) if m.group("y") else (on.year if on else None)
            if year is None:
                continue
            d = _mk_date(year, mo, int(m.group("d")))
            if d is None or any(f.start <= m.start() < f.start + len(f.words) for f in found):
                continue
            found.append(Moment(m.group(), _at(d, time()), "day", "time:date", m.start()))
    if on is not None:
        for m in _WEEKDAY.finditer(sentence):
            back = (on.weekday() - WEEKDAYS.index(m.group("w").lower())) % 7
            if m.group().lower().startswith("last ") and back == 0:
                back = 7
            d = on - timedelta(days=back)
            found.append(Moment(m.group(), _at(d, time()), "day", "time:weekday", m.start()))
        for m in _RELATIVE.finditer(sentence):
            word = m.group("r").lower()
            d = on - timedelta(days=1) if word in ("yesterday", "last night") else on
            found.append(
                Moment(
                    m.group(), _at(d, time()), "day", f"time:{word.replace(' ', '_')}", m.start()
                )
            )
    for m in _CLOCK.finditer(sentence):
        minute = m.group("min") or m.group("min2")
        if not (minute or m.group("ampm")):
            continue
        hour = int(m.group("h"))
        ampm = (m.group("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        if ampm == "am" and hour == 12:
            hour = 0
        if hour > 23 or int(minute or 0) > 59:
            continue
        days = sorted((f for f in found if f.precision == "day"), key=lambda f: f.start)
        before = [f for f in days if f.start < m.start()]
        near = before[-1] if before else (days[0] if days else None)
        base = near.at.date() if near else on
        if base is None:
            continue
        zone = (m.group("zone") or "").lower()
        offset = ZONES.get(zone)
        tz = timezone(timedelta(hours=offset)) if offset is not None else UTC
        rule = "time:clock" if offset is not None else "time:clock_zone_unknown_read_as_utc"
        at = datetime.combine(base, time(hour, int(minute or 0)), tz).astimezone(UTC)
        found.append(Moment(m.group().strip(), at, "minute", rule, m.start()))
    found.sort(key=lambda f: f.start)
    return found


def _at(d: date, t: time) -> datetime:
    return datetime.combine(d, t, UTC)
