"""Progress on stderr, only when stderr is a terminal: rows/s, MB/s, ETA."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from .engines.unit import UnitResult


class Progress:
    """A tqdm bar fed with unit results."""

    def __init__(self, enabled: bool = True, total_rows: int | None = None):
        self.enabled = enabled and sys.stderr.isatty()
        self.total_rows = total_rows
        self._bar: tqdm | None = None
        self._bytes = 0
        self._started = time.time()

    def __enter__(self) -> Progress:
        if self.enabled:
            self._bar = tqdm(total=self.total_rows, unit="rows", unit_scale=True, file=sys.stderr, dynamic_ncols=True)
        return self

    def update(self, result: UnitResult) -> None:
        """Advance by one finished unit."""
        if self._bar is None:
            return
        self._bytes += result.bytes_scanned
        elapsed = max(time.time() - self._started, 1e-9)
        self._bar.update(result.rows_read)
        self._bar.set_postfix_str(f"{self._bytes / 1e6 / elapsed:.1f} MB/s, {len(result.hits)} hits in last unit")

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()
