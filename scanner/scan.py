"""The one core function: an Arrow batch in, hits out.

Stages: the prefilter finds keywords over a whole column at once; windows
around them are normalised; the rules of those keywords confirm a claim; hits
are mapped back to original offsets, deduplicated per family, and generic
boilerplate yields to a named family in the same field. With near-duplicate
matching on, the same keyword hits also lead to MinHash windows (neardup/);
a MinHash hit over a regex hit of its family joins it ("regex,minhash").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pyarrow as pa
import pyarrow.compute as pc

from .fields import FieldSpec, TextColumn, one_array, plan_fields, text_columns
from .hits import Hit
from .literals import RuleGate
from .match import MatchStats, confirm
from .neardup import NearDup, NearDupOptions
from .normalize import Normalized, normalize, rejoin, without_accents, words
from .packs import SEVERITIES, PackSet, Rule, load_packs
from .prefilter import DETECTOR, Prefilter, splits

WINDOW = 200  # characters either side of a keyword that its rules see
KEYWORD_REACH = 60  # a keyword hit is known by its end: allow for its own length
MAX_GATES = 256  # rule gates kept in memory (one per combination of keywords found together)


@dataclass(frozen=True)
class _Found:
    rule: Rule
    start: int
    end: int
    method: str = "regex"
    score: float = 1.0
    reference: str | None = None


@dataclass
class _Element:
    """One string of a column being scanned: its keyword spots, normalised windows and what was found there."""

    element: int
    role: str | None
    text: str
    spots: list[int] | None  # character ends of keyword hits; None: the whole text is one window
    windows: list[tuple[int, int, Normalized]] = field(default_factory=list)
    found: list[_Found] = field(default_factory=list)


class Scanner:
    """Finds rival-model self-introductions in Arrow batches.

    Example:
        >>> scanner = Scanner(["qwen"])
        >>> [h.family for h in scanner.scan_text("Hello! I am Qwen, made by Alibaba Cloud.")]
        ['qwen']
    """

    def __init__(
        self,
        packs: PackSet | Sequence[str] | None = None,
        *,
        families: Sequence[str] | None = None,
        min_severity: str = "low",
        roles: Sequence[str] | None = None,
        context_chars: int = 80,
        timeout: float = 0.25,
        prefilter: bool = True,
        near_dup: NearDupOptions | None = None,
    ):
        self.packs = packs if isinstance(packs, PackSet) else load_packs(list(packs) if packs else None)
        floor = SEVERITIES.index(min_severity)
        self.rules = [
            r
            for r in self.packs.rules
            if SEVERITIES.index(r.severity) >= floor and (not families or r.family in families)
        ]
        self.roles = frozenset(roles) if roles else None
        self.context_chars = context_chars
        self.timeout = timeout
        self.use_prefilter = prefilter
        keywords = sorted({k for r in self.rules for k in r.keywords})
        self.neardup = None
        if near_dup is not None:
            self.neardup = NearDup.from_options(
                near_dup, self.packs, keywords=keywords, families=families, min_severity=min_severity
            )
            keywords = sorted(set(keywords) | set(self.neardup.anchors))  # references that name no model
        index = {k: i for i, k in enumerate(keywords)}
        self.keyword_rules: list[list[Rule]] = [[] for _ in keywords]
        for rule in self.rules:
            for k in rule.keywords:
                self.keyword_rules[index[k]].append(rule)
        self.prefilter = Prefilter(keywords)
        self._splits = splits(keywords)
        self._words = words(keywords)
        self._gates: dict[tuple[str, ...], RuleGate] = {}
        self._keyword_gates: dict[frozenset[int], RuleGate] = {}
        self.stats = MatchStats()

    def scan_batch(
        self,
        table: pa.Table,
        *,
        source: str = "",
        rows: Sequence[int] | None = None,
        fields: list[FieldSpec] | None = None,
        id_field: str | None = None,
    ) -> list[Hit]:
        """Hits in one Arrow batch; `rows` numbers its rows within `source` (default 0, 1, ...)."""
        specs = fields or plan_fields(table.schema, (), source)
        ids = one_array(table.column(id_field)) if id_field else None
        hits = []
        for column in text_columns(table, specs, source):
            self.stats.bytes_scanned += pc.sum(pc.binary_length(column.values)).as_py() or 0
            for element, found in self._scan_column(column):
                row = int(column.rows[element])
                text = column.values[element].as_py()
                doc_id = ids[row].as_py() if ids is not None else None
                number = int(rows[row]) if rows is not None else row
                hits.extend(self._hit(f, text, source, number, doc_id, column, element) for f in found)
        hits.sort(key=lambda h: (h.row, h.field, h.start, h.family))
        return hits

    def scan_text(self, text: str, role: str | None = None) -> list[Hit]:
        """Hits in one string (for notebooks and `scan patterns check`)."""
        table = pa.table({"text": pa.array([text], pa.string())})
        spec = FieldSpec("text", role=role)
        return self.scan_batch(table, fields=[spec])

    def _scan_column(self, column: TextColumn) -> list[tuple[int, list[_Found]]]:
        scanned = []
        for element, ends in self._candidates(column).items():
            role = column.role(element)
            if self.roles is None or role is None or role in self.roles:
                scanned.append(self._scan_element(element, column.values[element].as_py(), ends, role))
        if self.neardup:
            self._add_near_copies(scanned)
        return [(e.element, kept) for e in scanned if (kept := _resolve(e.found))]

    def _scan_element(self, element: int, text: str, ends: list[tuple[int, int]] | None, role: str | None) -> _Element:
        """The rules' matches in the windows around an element's keyword hits (`ends` None: in all of it)."""
        spots = None if ends is None else _char_ends(text, ends)
        windows = [(0, len(text), None)] if spots is None else _windows(len(text), spots)
        scanned = _Element(element, role, text, None if spots is None else [c for c, _ in spots])
        for start, end, keywords in windows:
            for norm, named in self._readings(text[start:end], keywords):
                if keywords is not None and not named:
                    continue  # an obfuscation mark with no keyword behind it
                scanned.windows.append((start, end, norm))
                rules = self._rules_for(named, norm.text, role)
                for m in confirm(norm.text, rules, self.timeout, self.stats, role):
                    a, b = norm.span(m.start, m.end)
                    scanned.found.append(_Found(m.rule, start + a, start + b))
        return scanned

    def _add_near_copies(self, scanned: list[_Element]) -> None:
        """Near copies in the elements' normalised windows, the posting gate run on a column's windows at once."""
        searched = [e for e in scanned if e.role is None or e.role in self.neardup.roles]
        held = iter(self.neardup.postings.passing([norm.text for e in searched for _, _, norm in e.windows]))
        for e in searched:
            windows = [w for w in e.windows if next(held)]
            if windows:
                near = self.neardup.find(e.text, e.spots, windows)
                e.found.extend(_Found(m.rule, m.start, m.end, "minhash", m.score, m.reference.id) for m in near)

    def _candidates(self, column: TextColumn) -> dict[int, list[tuple[int, int]] | None]:
        """Per element to confirm: its (byte end, keyword) hits, or None for the whole text."""
        if not self.use_prefilter:
            return {i: None for i in range(len(column.values)) if column.values[i].is_valid}
        by_element: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for kh in self.prefilter.scan(column.values):
            by_element[kh.element].append((kh.end, kh.keyword))
        return by_element

    def _readings(self, window: str, keywords: set[int] | None) -> list[tuple[Normalized, set[int]]]:
        """A window normalised, and its keywords: those the prefilter found or, where it saw an obfuscation mark
        (or did not run), those the normalised text holds, a name split by a space or line break read whole; there
        a second reading without the accents written apart, if any ("Gemini\u0302")."""
        norm = normalize(window)
        if keywords is not None and DETECTOR not in keywords:
            return [(norm, keywords)]
        readings = []
        for reading in (norm, without_accents(norm, window, self._words)):
            if reading is not None:
                reading = rejoin(reading, window, self._splits)
                readings.append((reading, (keywords or set()) - {DETECTOR} | self.prefilter.contained(reading.text)))
        return readings

    def _rules_for(self, keywords: set[int], norm_text: str, role: str | None) -> list[Rule]:
        """The rules a window must run: those of its keywords whose literals it holds (see literals.py)."""
        if self.stats.profile is not None:
            self.stats.profile.sent({id(r): r for k in keywords for r in self.keyword_rules[k]}.values())
        rules = self._gate(frozenset(keywords)).select(norm_text)
        return [r for r in rules if role is None or role in r.roles]

    def _gate(self, keywords: frozenset[int]) -> RuleGate:
        """The literal gate of the rules of some keywords, built when they are first found together (shared by
        keywords with the same rules: a family's names), so that a window is scanned once."""
        gate = self._keyword_gates.get(keywords)
        if gate is None:
            if len(self._gates) >= MAX_GATES:  # memory stays bounded: a gate loads again from the disk cache
                self._gates.clear()
                self._keyword_gates.clear()
            rules = sorted({r.id: r for k in keywords for r in self.keyword_rules[k]}.values(), key=lambda r: r.id)
            key = tuple(r.id for r in rules)
            gate = self._keyword_gates[keywords] = self._gates.get(key) or self._gates.setdefault(key, RuleGate(rules))
        return gate

    def _hit(self, f: _Found, text: str, source: str, row: int, doc_id, column: TextColumn, element: int) -> Hit:
        ctx = self.context_chars
        return Hit(
            source=source,
            row=row,
            doc_id=None if doc_id is None else str(doc_id),
            field=column.field(element),
            role=column.role(element),
            family=f.rule.family,
            rule=f.rule.id,
            lang=f.rule.lang,
            severity=f.rule.severity,
            method=f.method,
            start=f.start,
            end=f.end,
            match=text[f.start : f.end],
            score=f.score,
            context=text[max(0, f.start - ctx) : f.end + ctx] if ctx else None,
            reference=f.reference,
        )


def _char_ends(text: str, ends: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keyword hits (byte end, keyword) as (character end, keyword), in order."""
    encoded = text.encode()
    if len(encoded) == len(text):
        return sorted(ends)
    out, chars, last = [], 0, 0
    for b_end, keyword in sorted(ends):
        chars += len(encoded[last:b_end].decode(errors="ignore"))  # hits end on character boundaries
        out.append((chars, keyword))
        last = b_end
    return out


def _windows(length: int, ends: list[tuple[int, int]]) -> list[tuple[int, int, set[int]]]:
    """Merge keyword hits (character ends, in order) into windows reaching WINDOW either side."""
    windows: list[tuple[int, int, set[int]]] = []
    for c_end, keyword in ends:
        start, end = max(0, c_end - WINDOW - KEYWORD_REACH), min(length, c_end + WINDOW)
        if windows and start <= windows[-1][1]:
            last = windows[-1]
            windows[-1] = (last[0], max(last[1], end), last[2] | {keyword})
        else:
            windows.append((start, end, {keyword}))
    return windows


def _resolve(found: list[_Found]) -> list[_Found]:
    """One hit per family per overlapping span (regex first); generic yields to a named family in the field."""
    unique = {(f.rule.id, f.start, f.end): f for f in found}.values()
    ordered = sorted(unique, key=lambda f: (f.method != "regex", f.start, -(f.end - f.start), f.rule.id))
    kept: list[_Found] = []
    for f in ordered:
        same = [i for i, k in enumerate(kept) if k.rule.family == f.rule.family and k.start < f.end and f.start < k.end]
        if not same:
            kept.append(f)
        elif f.method == "minhash":  # a near copy over regex hits of its family: one hit, both reasons
            for i in same:
                if kept[i].method == "regex":
                    kept[i] = replace(kept[i], method="regex,minhash", reference=f.reference)
    if any(not f.rule.defers for f in kept):
        kept = [f for f in kept if not f.rule.defers]
    return kept
