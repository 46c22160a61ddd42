"""Confirm rules on normalised text: regex, exclusions, required cues."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import regex

from .packs import Rule
from .profile import RuleProfile

EXCLUDE_REACH = 40  # how far past (or before) a match an exclusion may reach
# A rule's timeout is wall time: a process the machine preempts mid-match can run out of it on a short text. A
# rule gives up on a text only when it runs out twice (what backtracks without end does), so that output does
# not depend on the machine's load.
TRIES = 2


@dataclass(frozen=True)
class Match:
    """A rule's match in normalised text."""

    rule: Rule
    start: int
    end: int


@dataclass
class MatchStats:
    """What scanning cost: text bytes seen, and rules that gave up on a text."""

    bytes_scanned: int = 0
    timeouts: int = 0
    profile: RuleProfile | None = None  # with --profile: windows and seconds per rule


def confirm(
    text: str, rules: Iterable[Rule], timeout: float, stats: MatchStats, role: str | None = None
) -> list[Match]:
    """Every match of the given rules in normalised `text` that no exclusion vetoes.

    In an assistant turn an ambiguous name needs no AI cue: the speaker is the AI. A name that needs its
    maker (Spark) needs it in every role.
    """
    found = []
    for rule in rules:
        if rule.anchors and not any(a in text for a in rule.anchors):
            continue
        started = time.perf_counter() if stats.profile is not None else 0.0
        for _ in range(TRIES):
            try:
                found.extend(_matches(rule, text, timeout, role))
                break
            except TimeoutError:
                pass
        else:
            stats.timeouts += 1
        if stats.profile is not None:
            stats.profile.ran(rule, time.perf_counter() - started)
    return found


def _matches(rule: Rule, text: str, timeout: float, role: str | None) -> list[Match]:
    return [
        Match(rule, m.start(), m.end())
        for m in rule.regex.finditer(text, timeout=timeout)
        if m.end() > m.start() and _accepted(rule, text, m, role)
    ]


def _accepted(rule: Rule, text: str, m: regex.Match, role: str | None) -> bool:
    start, end = m.span()
    if _excluded_at(rule, text, end) or _excluded_at(rule, text, _gloss_start(text, m)):
        return False
    if rule.exclude_before_regex and rule.exclude_before_regex.search(text[max(0, start - EXCLUDE_REACH) : start]):
        return False
    near = (max(0, start - rule.within), min(len(text), end + rule.within))
    if rule.requires_regex and not rule.requires_regex.search(text, *near):
        return False
    named = m.groupdict()
    if rule.cue_regex and role != "assistant" and named.get("amb") is not None:
        if rule.human_regex and _near_name(rule.human_regex, text, m, near):
            return False  # "I'm Claude, not an AI": a person of that name
        return _near_name(rule.cue_regex, text, m, near)
    if rule.maker_cue_regex and named.get("own") is not None:
        return _near_name(rule.maker_cue_regex, text, m, near)  # in any role: an assistant may be called Spark
    return True


def _excluded_at(rule: Rule, text: str, at: int | None) -> bool:
    """Whether the rule's `exclude` matches at `at`."""
    return (
        at is not None
        and rule.exclude_regex is not None
        and bool(rule.exclude_regex.match(text, at, at + EXCLUDE_REACH))
    )


def _gloss_start(text: str, m: regex.Match) -> int | None:
    """Where a bracketed gloss the match took after its name begins ("ChatGPT(重度用户)"): what vetoes a name's
    continuation vetoes it there too."""
    if "name" not in m.re.groupindex or m.group("name") is None:
        return None
    i = m.end("name")
    while i < m.end() and text[i].isspace():
        i += 1
    return i + 1 if i < m.end() and text[i] == "(" else None


def _near_name(cue: regex.Pattern, text: str, m: regex.Match, near: tuple[int, int]) -> bool:
    """Whether `cue` stands near the match's name: anywhere near, the rest of the claim included, but not in it."""
    name_start, name_end = m.span("name")
    return bool(cue.search(text, near[0], name_start) or cue.search(text, name_end, near[1]))
