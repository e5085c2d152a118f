"""What the long commands show on stderr while they work: a progress bar, and notices of waits it does not show."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

__all__ = ["ProgressBar", "notice"]


class ProgressBar:
    """A tqdm bar on stderr, shown when stderr is a terminal and the work lasts over a second.

    Called as ``bar(done, total)``; a change of ``total`` (a calibration that adds a
    generation) resizes the bar. Its clock starts when it is made, so the elapsed time and
    the rate behind the time left count the wait for the first step (the first run, or
    compiling the kernels). Used as a context manager, it closes on the way out.
    """

    def __init__(self, desc: str, unit: str = "month"):
        self.desc = desc
        self.unit = unit
        self.bar: Any = self._new_bar()

    def _new_bar(self) -> Any:
        # the total is known at the first step; shown after a second, so a quick command prints none
        return tqdm(total=None, desc=self.desc, unit=self.unit, file=sys.stderr, delay=1.0,
                    disable=not sys.stderr.isatty(), dynamic_ncols=True)

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = self._new_bar()
        if total != self.bar.total:
            self.bar.total = total
            self.bar.refresh()
        self.bar.update(done - self.bar.n)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def notice(line: str) -> None:
    """One line on stderr before a wait no bar shows (the kernels compiling). It comes before
    the first step, when no bar is drawn yet (tqdm.write would draw an empty one under it)."""
    print(line, file=sys.stderr, flush=True)
