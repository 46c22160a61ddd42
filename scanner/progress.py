"""Progress on stderr, only when stderr is a terminal: rows/s, MB/s and an ETA.

The total is the sum of the units' row counts where every unit knows its own
(Parquet row groups do; JSON Lines files and streamed datasets do not, and then
the bar counts rows without an ETA).
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from .engines.unit import UnitResult
from .sources import WorkUnit

BAR = "{percentage:3.0f}%|{bar}| {n_fmt}{unit} of {total_fmt} [{elapsed}, ETA {remaining}, {rate_fmt}{postfix}]"


class Progress:
    """A tqdm bar fed with unit results."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: tqdm | None = None
        self._bytes = 0
        self._started = time.time()

    def __enter__(self) -> Progress:
        return self

    def plan(self, units: list[WorkUnit]) -> None:
        """Start the bar for these units."""
        hints = [u.rows_hint() for u in units]
        total_rows = None if None in hints else sum(hints)
        if self.enabled:
            self._started = time.time()
            self._bar = tqdm(
                total=total_rows,
                unit="rows",
                unit_scale=True,
                file=sys.stderr,
                dynamic_ncols=True,
                smoothing=0.1,
                bar_format=None if total_rows is None else BAR,
            )

    def update(self, result: UnitResult) -> None:
        """Advance by one finished unit."""
        if self._bar is None:
            return
        self._bytes += result.bytes_scanned
        elapsed = max(time.time() - self._started, 1e-9)
        self._bar.update(result.rows_read)
        self._bar.set_postfix_str(f"{self._bytes / 1e6 / elapsed:,.1f} MB/s", refresh=True)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()
