"""What each rule costs (`--profile`), as YARA-X's profiling reports it.

Per rule: how many windows its keywords sent it (`keyword_hits`), on how many of
those its regex ran because the window held its literals (`confirmed`), the hits
it made, and the seconds spent in its regex and checks (compiling it included).
A broad keyword shows as many keyword hits; an expensive regex as many seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .packs import Rule


@dataclass
class RuleProfile:
    """Counts and seconds per rule id, summed over windows."""

    keyword_hits: Counter = field(default_factory=Counter)
    confirmed: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)

    def sent(self, rules: Iterable[Rule]) -> None:
        """A window's keywords sent it to these rules."""
        self.keyword_hits.update(r.id for r in rules)

    def ran(self, rule: Rule, seconds: float) -> None:
        """A rule's regex ran on a window."""
        self.confirmed[rule.id] += 1
        self.seconds[rule.id] += seconds

    def add(self, other: dict) -> None:
        """Add a profile as `to_dict` gave it (a unit's, from a worker or a checkpoint)."""
        for name in ("keyword_hits", "confirmed", "seconds"):
            getattr(self, name).update(other[name])

    def to_dict(self) -> dict:
        """The profile as JSON-ready data."""
        return {
            "keyword_hits": dict(self.keyword_hits),
            "confirmed": dict(self.confirmed),
            "seconds": dict(self.seconds),
        }

    def table(self, hits: dict[str, int]) -> list[dict]:
        """One row per rule that was sent a window, the costliest first."""
        rows = [
            {
                "rule": rule,
                "keyword_hits": self.keyword_hits[rule],
                "confirmed": self.confirmed[rule],
                "hits": hits.get(rule, 0),
                "seconds": round(self.seconds[rule], 4),
            }
            for rule in self.keyword_hits.keys() | self.confirmed.keys()
        ]
        return sorted(rows, key=lambda r: (-r["seconds"], -r["keyword_hits"], r["rule"]))


def format_profile(rows: list[dict], top: int = 25) -> str:
    """The costliest rules as a plain-text table."""
    lines = [f"{'rule':<44}{'keyword hits':>14}{'confirmed':>11}{'hits':>8}{'seconds':>10}"]
    for r in rows[:top]:
        lines.append(
            f"{r['rule']:<44}{r['keyword_hits']:>14,}{r['confirmed']:>11,}{r['hits']:>8,}{r['seconds']:>10.3f}"
        )
    if len(rows) > top:
        rest = rows[top:]
        lines.append(f"... {len(rest)} more rules, {sum(r['seconds'] for r in rest):.3f} s (summary.json has them all)")
    return "\n".join(lines)
