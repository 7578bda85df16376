"""The library's own exceptions and warnings."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = [
    "ImpossibleEvidenceError",
    "OptionError",
    "PriorDataConflictWarning",
    "Problem",
    "SamplingWarning",
    "ScenarioError",
    "TooCostlyError",
    "held_warnings",
    "warn",
]

# the warnings held by the current thread (each thread starts with none held)
_HELD: ContextVar[list[Warning] | None] = ContextVar("scenarios_held_warnings", default=None)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is and what was expected.

    Parameters
    ----------
    path : tuple of str or int
        Field path inside the scenario, e.g. ``("facts", "troops", "prior", "mass")``.
    message : str
        What is wrong and what was expected.

    Examples
    --------
    >>> print(Problem(("facts", "x", "prior", "p"), "expected a number in [0, 1]"))
    facts.x.prior.p: expected a number in [0, 1]
    >>> print(Problem((), "file is larger than 5,000,000 bytes"))
    file is larger than 5,000,000 bytes
    """

    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        if not self.path:  # a problem with the file or input as a whole
            return self.message
        return f"{'.'.join(str(p) for p in self.path)}: {self.message}"


class ScenarioError(Exception):
    """Something the user gave is wrong: the base of every error the library raises.

    Every problem found is listed at once, each with its field path; ``file`` names the
    file (or the input, such as a report parameter) when there is one. Subclasses say
    where the problems were found (a sweep grid, a report's parameters) and are caught
    as this class by callers that only need the list.

    Parameters
    ----------
    problems : iterable of Problem or str
        A plain string is a problem without a field path.
    file : str, optional
        The file or input the problems are in.

    Examples
    --------
    >>> problem = Problem(("facts", "x", "prior", "p"), "expected a number in [0, 1], got 1.5")
    >>> err = ScenarioError([problem], file="priors/demo.yaml")
    >>> print(err)
    priors/demo.yaml: 1 problem
      - facts.x.prior.p: expected a number in [0, 1], got 1.5
    """

    #: What the problems are in, when no file is named.
    subject = "scenario"

    def __init__(self, problems: Iterable[Problem | str], file: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            p if isinstance(p, Problem) else Problem((), str(p)) for p in problems
        )
        self.file = file
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or self.subject
        n = len(self.problems)
        head = f"{where}: {n} problem{'s' if n != 1 else ''}"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])

    @property
    def messages(self) -> tuple[str, ...]:
        """Each problem as one line of text, its field path first when it has one.

        Returns
        -------
        tuple of str

        Examples
        --------
        >>> err = ScenarioError([Problem(("facts", "x", "prior", "p"), "expected a number"),
        ...                      "the file is empty"])
        >>> err.messages
        ('facts.x.prior.p: expected a number', 'the file is empty')
        """
        return tuple(str(p) for p in self.problems)

    def with_file(self, file: str) -> ScenarioError:
        """Return the same error naming ``file``.

        Parameters
        ----------
        file : str

        Returns
        -------
        ScenarioError
            Of the same class, with the same problems.

        Examples
        --------
        >>> ScenarioError(["no title"]).with_file("mine.yaml").file
        'mine.yaml'
        """
        return type(self)(self.problems, file=file)

    @classmethod
    def single(
        cls, path: Sequence[str | int], message: str, file: str | None = None
    ) -> ScenarioError:
        """Build an error with one problem.

        Parameters
        ----------
        path : sequence of str or int
            The field path (empty for the file as a whole).
        message : str
        file : str, optional

        Returns
        -------
        ScenarioError

        Examples
        --------
        >>> ScenarioError.single(("title",), "expected text").messages
        ('title: expected text',)
        """
        return cls([Problem(tuple(path), message)], file=file)


class ImpossibleEvidenceError(ScenarioError, ValueError):
    """The claims and observations cannot all hold: their likelihood is zero.

    A :class:`ScenarioError` (one problem per claim involved, at ``claims.<id>``) that
    reads as its one-line message; ``claims`` names the claims.

    Parameters
    ----------
    message : str
        What cannot hold, naming the claims.
    claims : sequence of str
        The ids of the claims involved.
    file : str, optional
        The file the scenario came from.

    Examples
    --------
    >>> err = ImpossibleEvidenceError("the claims cannot all hold: a, b", ["a", "b"])
    >>> err.claims, str(err)
    (('a', 'b'), 'the claims cannot all hold: a, b')
    >>> isinstance(err, ScenarioError), err.messages
    (True, ('claims.a: cannot hold with the others', 'claims.b: cannot hold with the others'))
    """

    subject = "evidence"

    def __init__(self, message: str, claims: Sequence[str] = (), file: str | None = None) -> None:
        self.claims = tuple(claims)
        self.message = message
        problems = [Problem(("claims", c), "cannot hold with the others") for c in self.claims]
        super().__init__(problems or [Problem((), message)], file=file)

    def _render(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message

    def with_file(self, file: str) -> ImpossibleEvidenceError:
        """Return the same error naming ``file``.

        Parameters
        ----------
        file : str

        Returns
        -------
        ImpossibleEvidenceError

        Examples
        --------
        >>> str(ImpossibleEvidenceError("a and not a", ["a"]).with_file("x.yaml"))
        'x.yaml: a and not a'
        """
        return type(self)(self.message, self.claims, file=file)


class OptionError(ScenarioError, ValueError, TypeError):
    """An option of an update (``seed``, ``draws``, ``interval`` ...) is unknown or invalid.

    One problem per option, at the option's name, saying what was expected. It is a
    :class:`ScenarioError`, and also a ``ValueError`` and a ``TypeError`` (what Python
    raises for a bad value or an unexpected keyword), so either ``except`` catches it.

    Examples
    --------
    >>> err = OptionError.single(("draws",), "expected a whole number >= 1, got 0")
    >>> print(err)
    update options: 1 problem
      - draws: expected a whole number >= 1, got 0
    >>> isinstance(err, ValueError) and isinstance(err, TypeError)
    True
    """

    subject = "update options"


class SamplingWarning(UserWarning):
    """A full-engine fit has a diagnostic problem (R-hat, ESS, divergences, Pareto k)."""


class PriorDataConflictWarning(UserWarning):
    """A reported number lies many standard deviations from what its fact's prior expects.

    The posterior is still computed exactly; the warning says that the prior or the
    number (or its ``sd``) is probably wrong, and which claim it is.
    """


class TooCostlyError(ScenarioError):
    """The exact engine would build tables too large for memory, even sampling rates.

    The message gives the estimate (largest table, multiply-adds) and the way out
    (``engine="pymc"``, or fewer claims per source).

    Examples
    --------
    >>> err = TooCostlyError([Problem((), "largest table 40 GB; use engine='pymc'")])
    >>> isinstance(err, ScenarioError), err.subject
    (True, 'exact engine')
    """

    subject = "exact engine"


@contextmanager
def held_warnings() -> Iterator[list[Warning]]:
    """Hold the library's own warnings in this thread instead of emitting them.

    ``warnings.catch_warnings`` swaps process-wide filters, so two threads using it
    restore each other's (a background run then meets its caller's filters halfway);
    this holds only the warnings the library gives through :func:`warn`, per thread
    (a context variable), and touches no filter.

    Yields
    ------
    list of Warning
        The warnings given inside the block, in order.

    Examples
    --------
    >>> with held_warnings() as held:
    ...     warn("R-hat 1.02 > 1.01", SamplingWarning)
    >>> [(type(w).__name__, str(w)) for w in held]
    [('SamplingWarning', 'R-hat 1.02 > 1.01')]
    """
    held: list[Warning] = []
    token = _HELD.set(held)
    try:
        yield held
    finally:
        _HELD.reset(token)


def warn(message: str, category: type[Warning], stacklevel: int = 1) -> None:
    """Give one of the library's warnings: held by :func:`held_warnings`, else emitted.

    Parameters
    ----------
    message : str
    category : type of Warning
    stacklevel : int
        As for :func:`warnings.warn`, counted from the caller of this function.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     warn("a diagnostic", SamplingWarning)
    >>> str(seen[0].message)
    'a diagnostic'
    """
    held = _HELD.get()
    if held is not None:
        held.append(category(message))
        return
    warnings.warn(message, category, stacklevel=stacklevel + 1)
