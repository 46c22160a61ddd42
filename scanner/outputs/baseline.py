"""Baselines and ignore lists: findings to leave out of a scan, by fingerprint (or document id)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import fsspec
import pyarrow.compute as pc

from .. import __version__
from ..errors import InputError
from ..hits import Hit
from .scanfiles import fingerprints


@dataclass(frozen=True)
class Suppressions:
    """Fingerprints already known (a baseline) and fingerprints or document ids to ignore."""

    baseline: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()

    @classmethod
    def load(cls, baseline: str | None = None, ignore: str | None = None) -> Suppressions:
        """Read a baseline file and an ignore file (either may be None)."""
        return cls(read_list(baseline) if baseline else frozenset(), read_list(ignore) if ignore else frozenset())

    def filter(self, hits: list[Hit]) -> tuple[list[Hit], Counter]:
        """The hits to report, and how many were left out as "ignored" or "baseline"."""
        if not (self.baseline or self.ignore):
            return hits, Counter()
        kept, dropped = [], Counter()
        for h in hits:
            fingerprint = h.fingerprint
            if fingerprint in self.ignore or (h.doc_id is not None and h.doc_id in self.ignore):
                dropped["ignored"] += 1
            elif fingerprint in self.baseline:
                dropped["baseline"] += 1
            else:
                kept.append(h)
        return kept, dropped


NO_SUPPRESSIONS = Suppressions()


def read_list(path: str) -> frozenset[str]:
    """One entry a line; blank lines and `#` comments skipped (the format of a `.gitleaksignore`)."""
    try:
        with fsspec.open(path, "r", encoding="utf-8") as f:
            return frozenset(s for line in f if (s := line.strip()) and not s.startswith("#"))
    except FileNotFoundError:
        raise InputError(f"{path}: not found") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def write_baseline(out_dir: str, path: str) -> int:
    """Write every fingerprint of a scan folder to `path`, sorted and unique; return how many."""
    unique = pc.unique(fingerprints(out_dir))
    ordered = unique.take(pc.array_sort_indices(unique)).to_pylist()
    with fsspec.open(path, "w", encoding="utf-8") as f:
        f.write(f"# scanner {__version__} baseline of {out_dir}: {len(ordered)} findings, one fingerprint a line.\n")
        f.write("# A scan with --baseline this-file reports only findings not listed here.\n")
        f.writelines(fp + "\n" for fp in ordered)
    return len(ordered)
