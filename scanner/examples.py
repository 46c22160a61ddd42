"""Run the examples every rule, claim template and pack carries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .match import MatchStats, confirm
from .normalize import normalize
from .packs import PackSet, Rule
from .prefilter import Prefilter
from .scan import Scanner


@dataclass(frozen=True)
class ExampleFailure:
    """An example that did not do what it says."""

    where: str  # rule id, grammar claim, or pack family
    source: str
    text: str
    expected: bool  # True: should have matched

    def __str__(self) -> str:
        verb = "should match but does not" if self.expected else "should not match but does"
        return f"{self.source}: {self.where}: {verb}: {self.text!r}"


def run_examples(packs: PackSet, families: list[str] | None = None) -> tuple[int, list[ExampleFailure]]:
    """(examples run, failures) for the rules and packs of `families`; claim templates too when all are loaded."""
    wanted = set(families or packs.families)
    failures: list[ExampleFailure] = []
    count = 0
    groups: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    for rule in packs.rules:
        if rule.template:
            if families is None:  # template examples name families of every kind
                groups[(rule.source, rule.template)].append(rule)
        elif rule.family in wanted:
            groups[(rule.source, rule.id)].append(rule)
    scanner = Scanner(packs)
    for (source, where), rules in sorted(groups.items()):
        for expected in (True, False):
            for text in rules[0].examples["match" if expected else "no_match"]:
                count += 1
                if _matches(rules, text, scanner.prefilter) != expected:
                    failures.append(ExampleFailure(where, source, text, expected))
    for pack in packs.packs:
        if pack.family not in wanted:
            continue
        for expected in (True, False):
            for text in pack.examples["match" if expected else "no_match"]:
                count += 1
                found = any(h.family == pack.family for h in scanner.scan_text(text))
                if found != expected:
                    failures.append(ExampleFailure(f"family {pack.family}", pack.path, text, expected))
    return count, failures


def _matches(rules: list[Rule], text: str, prefilter: Prefilter) -> bool:
    """Does any of the rules match, and would the prefilter have sent it there?"""
    norm = normalize(text).text
    found = {prefilter.keywords[k] for k in prefilter.contained(norm)}
    return any(confirm(norm, [rule], 1.0, MatchStats()) and not found.isdisjoint(rule.keywords) for rule in rules)
