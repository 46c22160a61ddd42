"""Near copies of known self-introductions, looked for only around keyword hits.

Each reference is indexed by the MinHash signatures of its sentences and of
each pair of adjacent sentences. A document is looked at only where the
prefilter found a family's name or maker (or a reference's own anchor
phrase): the sentence holding the keyword, alone and with either neighbour,
is queried against the LSH index. A reference one of those windows resembles
is then measured exactly on the stretch of text around the keyword that holds
the most of its shingles, and scored by *containment*: the share of the
reference's shingles that stretch holds. A short fragment of a reference
scores low; a near copy inside a long document scores high. A reference that
names its family counts only where the stretch names that family too.
"""

from __future__ import annotations

import bisect
import pickle
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import regex

from .. import hsdb
from .. import normalize as normalize_module
from ..normalize import Normalized, normalize
from ..packs import DEFAULT_ROLES, GENERIC, SEVERITIES, PackSet, Rule, name_regex
from ..prefilter import right_bounded
from .references import Reference, fill_templates, load_library, read_references
from .sentences import sentence_bounds
from .sketch import SHINGLE, LSHIndex, shingle_hashes, signatures

DEFAULT_THRESHOLD = 0.6  # containment: see README "Near-duplicate matching" for the measurements
DEFAULT_NUM_PERM = 128
CANDIDATE_JACCARD = 0.3  # where the LSH S-curve turns: sentence windows this similar become candidates
FOCUS_REACH = 400  # characters either side of a keyword whose sentences are queried
SPAN_SLACK = 2.0  # a matched stretch may reach this many times the reference's length from its keyword
INSERT_COST = 0.25  # per unheld shingle in a stretch: it bridges an insertion up to 4x the held text beyond it
ANCHORS = 3  # phrases (one per third of it) that stand in for a keyword in a reference that names no model


@dataclass(frozen=True)
class NearDupOptions:
    """Near-duplicate settings a worker builds its index from."""

    references: tuple[str, ...] = ()  # the user's reference files, added to the bundled library
    threshold: float = DEFAULT_THRESHOLD
    num_perm: int = DEFAULT_NUM_PERM


@dataclass(frozen=True)
class NearMatch:
    """A near copy of a reference: original offsets and the share of the reference it holds."""

    reference: Reference
    start: int
    end: int
    score: float  # the share of the reference's shingles the span holds
    shared: int  # how many that is

    @property
    def rule(self) -> Rule:
        """The rule a MinHash hit reports: `<family>.<lang>.minhash`."""
        return minhash_rule(self.reference.family, self.reference.lang, self.reference.severity)


@cache
def minhash_rule(family: str, lang: str, severity: str) -> Rule:
    """One rule per family and language for the hits MinHash finds."""
    return Rule(
        id=f"{family}.{lang}.minhash",
        family=family,
        lang=lang,
        pattern="",
        keywords=(),
        severity=severity,
        defers=family == GENERIC,
        source="references",
    )


@dataclass(frozen=True)
class _Entry:
    """A reference ready to be measured: its unique shingles, sorted."""

    ref: Reference
    shingles: np.ndarray
    chars: int
    identity: regex.Pattern | None  # its family's names, if the reference names its family: so must a copy

    def holds(self, hashes: np.ndarray) -> np.ndarray:
        """Which of `hashes` are shingles of this reference."""
        at = np.minimum(np.searchsorted(self.shingles, hashes), len(self.shingles) - 1)
        return self.shingles[at] == hashes


class _Region:
    """A normalised stretch of a document: its sentences and shingles, with offsets back to the original."""

    def __init__(self, text: str, start: int, end: int, norm: Normalized | None = None):
        self.start, self.end = start, end
        self.norm = norm or normalize(text[start:end])
        self.bounds = sentence_bounds(self.norm.text)
        self.hashes = shingle_hashes(self.norm.text)

    def at(self, pos: int) -> int:
        """The normalised offset of original offset `pos`."""
        rel = pos - self.start
        return rel if self.norm.starts is None else max(0, bisect.bisect_right(self.norm.starts, rel) - 1)

    def sentence(self, at: int) -> int:
        """The sentence holding normalised offset `at` (or the next one)."""
        return min(int(np.searchsorted(self.bounds[:, 1], at, side="right")), len(self.bounds) - 1)

    def windows(self, k: int) -> list[tuple[int, int]]:
        """The shingle ranges of sentence k, alone and with either neighbour."""
        last = len(self.bounds) - 1
        runs = [(a, b) for a, b in ((k, k), (k, k + 1), (k - 1, k)) if a >= 0 and b <= last]
        n = len(self.hashes)
        ranges = [(min(int(self.bounds[a, 0]), n), min(int(self.bounds[b, 1]) - SHINGLE + 1, n)) for a, b in runs]
        return [(lo, hi) for lo, hi in ranges if hi > lo]

    def names(self, identity: regex.Pattern | None, start: int, end: int) -> bool:
        """Whether normalised [start, end) names the family `identity` matches (always, without one)."""
        return identity is None or identity.search(self.norm.text, start, end) is not None

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of normalised [start, end)."""
        s, e = self.norm.span(start, end)
        return self.start + s, self.start + e


class NearDup:
    """Finds near copies of known self-introductions around the places a document names a model.

    Example:
        >>> ref = Reference("r1", "openai", "en", "Hello! I am ChatGPT, a large language model trained by OpenAI.")
        >>> nd = NearDup([ref])
        >>> text = "Notes from the chat. Hello! I am ChatGPT, a big language model made by OpenAI. The end."
        >>> [(m.reference.id, text[m.start : m.end], m.score) for m in nd.find(text, [text.index("OpenAI")])]
        [('r1', 'Hello! I am ChatGPT, a big language model made by OpenAI.', 0.6552)]
    """

    roles = frozenset(DEFAULT_ROLES)  # like the rules: a user asking is not a claim

    def __init__(
        self,
        references: Sequence[Reference],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        num_perm: int = DEFAULT_NUM_PERM,
        keywords: Iterable[str] = (),
        names: Mapping[str, Sequence[str]] | None = None,
    ):
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold {threshold} must be in (0, 1]: the share of a reference a near copy holds")
        if num_perm < 16:
            raise ValueError(f"num_perm {num_perm} is too small for LSH banding; use 64 or more")
        self.threshold = threshold
        self.num_perm = num_perm
        self.index = LSHIndex(CANDIDATE_JACCARD, num_perm)
        self.entries: list[_Entry] = []
        identities = {f: regex.compile(name_regex(tuple(n)) + "(?![a-z])") for f, n in (names or {}).items() if n}
        texts: dict[str, int] = {}
        pieces: list[np.ndarray] = []
        owners: list[int] = []
        for ref in references:
            norm = normalize(ref.text).text
            hashes = shingle_hashes(norm)
            if norm in texts or not len(hashes):
                continue
            texts[norm] = len(self.entries)
            for lo, hi in _pieces(norm):
                pieces.append(hashes[lo : max(lo + 1, hi - SHINGLE + 1)])
                owners.append(len(self.entries))
            identity = identities.get(ref.family)
            self.entries.append(
                _Entry(ref, np.unique(hashes), len(norm), identity if identity and identity.search(norm) else None)
            )
        if pieces:
            for keys, owner in zip(self.index.keys(signatures(pieces, num_perm)), owners):
                self.index.insert(keys, owner)
        self.postings = _Postings(self.entries, threshold)
        self.anchors = _cached_anchors(list(texts), sorted(set(keywords)))

    @classmethod
    def from_options(
        cls,
        options: NearDupOptions,
        packs: PackSet,
        *,
        keywords: Iterable[str] = (),
        families: Iterable[str] | None = None,
        min_severity: str = "low",
    ) -> NearDup:
        """The bundled library of the loaded families plus the user's reference files."""
        refs = load_library(packs, set(families) if families else None)
        refs = [r for r in refs if SEVERITIES.index(r.severity) >= SEVERITIES.index(min_severity)]
        refs += fill_templates([r for path in options.references for r in read_references(path, packs)], packs)
        names = {p.family: p.identities + p.makers for p in packs.packs}
        return cls(refs, threshold=options.threshold, num_perm=options.num_perm, keywords=keywords, names=names)

    def find(
        self,
        text: str,
        positions: Iterable[int] | None = None,
        windows: Sequence[tuple[int, int, Normalized]] = (),
    ) -> list[NearMatch]:
        """Near copies in `text` around character offsets `positions` (keyword ends; None: everywhere).

        `windows` are stretches (start, end, normalised text) a caller has normalised already around the
        positions and passed through `postings.passing`, as the Scanner does for a column's windows at once:
        they are reused, not normalised or gated again.
        """
        if not self.entries or not text:
            return []
        spots = None if positions is None else sorted({min(max(p - 1, 0), len(text) - 1) for p in positions})
        if windows:
            groups = [(s, e, norm, spots and [p for p in spots if s <= p < e]) for s, e, norm in windows]
        elif spots is None:
            groups = [(0, len(text), None, None)]
        else:
            groups = [(s, e, None, ps) for s, e, ps in _groups(spots, len(text))]
        matches = []
        for start, end, norm, near in groups:
            region = _Region(text, start, end, norm)
            if near is None:
                near = [region.original(int(s), int(s) + 1)[0] for s in region.bounds[:, 0]]
            candidates = self._candidates(region, near)
            if candidates:
                matches.extend(self._measure(text, region, candidates))
        return _best(matches)

    def _candidates(self, region: _Region, spots: list[int]) -> dict[int, set[int]]:
        """References some window around the spots resembles, with the spots that led to them."""
        sentences: dict[int, set[int]] = defaultdict(set)
        for p in spots:
            sentences[region.sentence(region.at(p))].add(p)
        windows: dict[tuple[int, int], set[int]] = defaultdict(set)
        for k, ps in sentences.items():
            for lo_hi in region.windows(k):
                windows[lo_hi] |= ps
        if not windows:
            return {}
        sigs = signatures([region.hashes[lo:hi] for lo, hi in windows], self.num_perm)
        found: dict[int, set[int]] = defaultdict(set)
        for spots_of, keys in zip(windows.values(), self.index.keys(sigs)):
            for owner in self.index.query(keys):
                found[owner] |= spots_of
        return found

    def _measure(self, text: str, region: _Region, candidates: dict[int, set[int]]) -> list[NearMatch]:
        """Each candidate measured on the best stretch around its spots; those over the threshold."""
        reach = int(SPAN_SLACK * max(self.entries[i].chars for i in candidates))
        spots = sorted({p for ps in candidates.values() for p in ps})
        lo, hi = max(0, spots[0] - reach), min(len(text), spots[-1] + reach)
        if lo < region.start or hi > region.end:  # a long reference: look further than the windows did
            region = _Region(text, lo, hi)
        out = []
        for i, ps in candidates.items():
            entry = self.entries[i]
            for at in sorted({region.at(p) for p in ps}):
                best = _best_span(region, entry, at)
                score = best[2] / len(entry.shingles) if best else 0.0
                if score >= self.threshold and region.names(entry.identity, best[0], best[1]):
                    start, end = _snap(text, *region.original(best[0], best[1]))
                    out.append(NearMatch(entry.ref, start, end, round(score, 4), best[2]))
        return out


_SEEN_MASK = np.uint64(2**20 - 1)  # low hash bits of the shingles some reference holds: a 1 MB table
_COUNTS = 2**22  # (text, reference) held-shingle counters per posting pass: 32 MB


class _Postings:
    """Which references hold each shingle: a window holding fewer than `threshold` of every reference's
    shingles cannot be a near copy of any, and is passed over before sentences, signatures and LSH."""

    def __init__(self, entries: Sequence[_Entry], threshold: float):
        hashes = np.concatenate([e.shingles for e in entries] or [np.zeros(0, np.uint64)])
        owners = np.repeat(np.arange(len(entries)), [len(e.shingles) for e in entries])
        order = np.argsort(hashes, kind="stable")
        self.shingles, self.first, self.counts = np.unique(hashes[order], return_index=True, return_counts=True)
        self.owners = owners[order]
        self.need = np.array([threshold * len(e.shingles) for e in entries]) - 1e-9
        self.least = max(self.need.min(), 1.0) if entries else 1.0  # held shingles below which none can match
        self._seen = np.zeros(_SEEN_MASK + 1, bool)
        self._seen[self.shingles & _SEEN_MASK] = True

    def passing(self, texts: Sequence[str]) -> np.ndarray:
        """Which texts hold `threshold` of some reference's shingles (counted anywhere in each), all at once."""
        step = max(1, _COUNTS // max(len(self.need), 1))  # texts whose (text, reference) counts fit _COUNTS
        parts = [self._passing(texts[i : i + step]) for i in range(0, len(texts), step)]
        return np.concatenate(parts) if parts else np.zeros(0, bool)

    def _passing(self, texts: Sequence[str]) -> np.ndarray:
        if not len(self.shingles) or not texts:
            return np.zeros(len(texts), bool)
        hashes, owner = _shingles_of_many(texts)
        kept = self._seen[hashes & _SEEN_MASK]  # one gather rules out most
        hashes, owner = hashes[kept], owner[kept]
        at = np.minimum(np.searchsorted(self.shingles, hashes), len(self.shingles) - 1)
        held = self.shingles[at] == hashes
        # Each held shingle once per text, then every (text, reference) pair it adds one to.
        pairs = np.unique(owner[held] * len(self.shingles) + at[held])
        text, at = pairs // len(self.shingles), pairs % len(self.shingles)
        counts = self.counts[at]
        run = np.repeat(np.cumsum(counts) - counts, counts)
        refs = self.owners[np.repeat(self.first[at], counts) + np.arange(int(counts.sum())) - run]
        held_count = np.bincount(np.repeat(text, counts) * len(self.need) + refs, minlength=len(texts) * len(self.need))
        return (held_count.reshape(len(texts), len(self.need)) >= self.need).any(axis=1)


def _shingles_of_many(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The shingle hashes of many texts from one pass over them joined, and the text each belongs to
    (shingles across a join dropped)."""
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    hashes = shingle_hashes("".join(texts))
    if not len(hashes):
        return hashes, np.zeros(0, np.int64)
    ends = np.cumsum(lengths)
    owner = np.searchsorted(ends, np.arange(len(hashes)), side="right")
    inside = np.arange(len(hashes)) + SHINGLE <= ends[np.minimum(owner, len(ends) - 1)]
    return hashes[inside], owner[inside]


def _pieces(norm: str) -> list[tuple[int, int]]:
    """What a reference is indexed by: each sentence and each pair of adjacent sentences."""
    bounds = sentence_bounds(norm).tolist()
    pairs = [(a[0], b[1]) for a, b in zip(bounds, bounds[1:])]
    return [tuple(b) for b in bounds] + pairs


def _groups(spots: list[int], length: int) -> list[tuple[int, int, list[int]]]:
    """Spots gathered into regions reaching FOCUS_REACH either side, merged where they overlap."""
    groups: list[tuple[int, int, list[int]]] = []
    for p in spots:
        start, end = max(0, p - FOCUS_REACH), min(length, p + FOCUS_REACH)
        if groups and start <= groups[-1][1]:
            groups[-1] = (groups[-1][0], end, groups[-1][2] + [p])
        else:
            groups.append((start, end, [p]))
    return groups


def _best_span(region: _Region, entry: _Entry, at: int) -> tuple[int, int, int] | None:
    """The stretch around normalised offset `at` holding the most of the reference, and how many of its shingles.

    Each shingle the reference holds counts +1, each other -INSERT_COST: the stretch with the greatest sum that
    covers `at` (prefix sums: the lowest prefix before it, the highest after), within SPAN_SLACK of its length.
    """
    held = entry.holds(region.hashes)
    if not len(held):
        return None
    at = min(at, len(held) - 1)
    reach = int(SPAN_SLACK * entry.chars) + 40
    lo, hi = max(0, at - reach), min(len(held), at + reach)
    gain = np.concatenate(([0.0], np.cumsum(np.where(held[lo:hi], 1.0, -INSERT_COST))))
    start = int(np.argmin(gain[: at - lo + 1]))
    end = at - lo + 1 + int(np.argmax(gain[at - lo + 1 :]))
    if gain[end] - gain[start] <= 0:
        return None
    s, e = lo + start, lo + end
    return s, e + SHINGLE - 1, int(np.unique(region.hashes[s:e][held[s:e]]).size)


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """A span widened to whole words and stripped of the spaces and punctuation it starts with."""
    while start < end and not (text[start].isalnum() or _CJK.match(text[start])):
        start += 1
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum() and not _CJK.match(text[start]):
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum() and not _CJK.match(text[end]):
        end += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _best(matches: list[NearMatch]) -> list[NearMatch]:
    """The match holding the most reference shingles in each stretch of text: overlapping ones are dropped."""
    kept: list[NearMatch] = []
    for m in sorted(matches, key=lambda m: (-m.shared, -m.score, m.start, m.reference.id)):
        if not any(k.start < m.end and m.start < k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


_WORD = regex.compile(r"[\p{L}\p{N}']+")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")  # scripts written without spaces


def _cached_anchors(texts: list[str], keywords: list[str]) -> tuple[str, ...]:
    """_anchors, from the disk cache when an earlier process found them for the same library and keywords."""
    key = ["anchors", hsdb.code_of(sys.modules[__name__], normalize_module), *texts, "", *keywords]
    return pickle.loads(hsdb.cached(key, lambda: pickle.dumps(_anchors(texts, set(keywords)))))


def _anchors(texts: list[str], keywords: set[str]) -> tuple[str, ...]:
    """Prefilter literals for references that name no keyword: their rarest phrases in the library."""
    if not keywords:
        return ()
    named = _keyword_regex(keywords)
    out: dict[str, None] = {}
    for norm in texts:
        if named.search(norm):
            continue
        phrases = _phrases(norm)
        for third in range(ANCHORS):
            lo, hi = third * len(norm) / ANCHORS, (third + 1) * len(norm) / ANCHORS
            options = [p for at, p in phrases if lo <= at < hi]
            if options:
                out[min(options, key=lambda p: (sum(p in t for t in texts), -len(p)))] = None
    return tuple(out)


def _keyword_regex(keywords: set[str]) -> regex.Pattern:
    """Any of the keywords where the prefilter would find it: a Latin one starts a word, a short one ends it too."""
    parts = []
    for k in sorted(keywords, key=len, reverse=True):
        latin = k[:1].isascii() and k[:1].isalpha()
        parts.append(("(?<![a-z])" if latin else "") + regex.escape(k) + ("(?![a-z])" if right_bounded(k) else ""))
    return regex.compile("|".join(parts))


def _phrases(norm: str) -> list[tuple[int, str]]:
    """Candidate anchors: three words in a row (14+ characters), or five characters of a CJK run."""
    words = list(_WORD.finditer(norm))
    out = []
    for i, w in enumerate(words):
        if _CJK.search(w.group()):
            out.extend((w.start() + j, w.group()[j : j + 5]) for j in range(len(w.group()) - 4))
            continue
        run = words[i : i + 3]
        if len(run) == 3 and not any(_CJK.search(r.group()) for r in run[1:]):
            text = norm[w.start() : run[-1].end()]
            if len(text) >= 14 and all(norm[a.end() : b.start()].isspace() for a, b in zip(run, run[1:])):
                out.append((w.start(), text))
    return out
