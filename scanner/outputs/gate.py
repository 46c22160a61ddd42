"""The CI gate: whether a scan exceeds the limits a pipeline set on its data."""

from __future__ import annotations

from collections.abc import Iterable


def gate_failures(summary: dict, fail_above: float | None = None, fail_on: Iterable[str] = ()) -> list[str]:
    """Why the scan fails the gate, one line a reason; empty when it passes.

    Args:
        summary: a scan summary (`summary.json`).
        fail_above: the highest acceptable rate of contaminated documents per million.
        fail_on: families of which a single finding fails the gate.
    """
    reasons = []
    rate = summary["contaminated_per_million"]
    if fail_above is not None and rate > fail_above:
        reasons.append(f"{rate:,} contaminated documents per million is above --fail-above {fail_above:g}")
    for family in fail_on:
        found = summary["by_family"].get(family)
        if found:
            docs = found["documents"]
            reasons.append(f"--fail-on {family}: claimed in {docs:,} document{'' if docs == 1 else 's'}")
    return reasons
