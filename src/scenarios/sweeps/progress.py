"""The progress of a sweep on stderr: a rich bar on a terminal or in Jupyter, else lines."""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["Progress"]


class Progress:
    """Variants done and failed, with elapsed time and ETA.

    A rich progress bar when stderr is a terminal or in Jupyter; otherwise (a log file,
    CI) a line every 10%; nothing when disabled or when there is nothing to do.

    Parameters
    ----------
    total : int
        Variants in the sweep.
    done : int
        Variants already done before this run (the bar starts there).
    enabled : bool
        Show anything at all.

    Examples
    --------
    >>> bar = Progress(total=4, done=1, enabled=False)
    >>> bar.advance(3, failed=1)
    >>> bar.done, bar.failed
    (4, 1)
    >>> bar.close()
    """

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.total, self.done, self.failed = total, done, 0
        self.enabled = enabled and total > 0
        self.start = time.monotonic()
        self.bar: Any = None
        self.next_line = done + max(1, total // 10)
        if not self.enabled:
            return
        from rich.console import Console

        console = Console(stderr=True)
        if console.is_terminal or console.is_jupyter:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self.bar = Bar(
                TextColumn("[bold]sweep"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("variants, {task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=console,
            )
            self.task = self.bar.add_task("sweep", total=total, completed=done, failed=0)
            self.bar.start()

    def advance(self, n: int, failed: int) -> None:
        """Count ``n`` more variants done, ``failed`` of them failed.

        Parameters
        ----------
        n : int
            Variants just finished.
        failed : int
            How many of those failed.

        Examples
        --------
        >>> bar = Progress(total=10, done=0, enabled=False)
        >>> bar.advance(4, failed=0)
        >>> bar.advance(2, failed=1)
        >>> bar.done, bar.failed
        (6, 1)
        """
        self.done += n
        self.failed += failed
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(self.task, advance=n, failed=self.failed)
        elif self.done >= self.next_line or self.done == self.total:
            self.next_line = self.done + max(1, self.total // 10)
            print(
                f"sweep: {self.done}/{self.total} variants, {self.failed} failed, "
                f"{time.monotonic() - self.start:.0f} s",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        """Stop the bar (it stays on the screen); call it once the sweep ends, even on error.

        Examples
        --------
        >>> bar = Progress(total=2, done=0, enabled=False)
        >>> try:
        ...     bar.advance(2, failed=0)
        ... finally:
        ...     bar.close()
        >>> bar.done
        2
        """
        if self.bar is not None:
            self.bar.stop()
