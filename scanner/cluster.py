"""Template clusters: a scan's hits grouped by near-duplicate similarity of their text.

One self-introduction pasted a thousand times is one template, not a thousand
findings: "one template accounts for 83% of all hits" is what a data lead
needs to read first. Each hit's text (its match with its context) is shingled
and MinHashed in bulk; a hit joins the cluster whose first hit (its leader)
shares an LSH band with it and agrees on at least `threshold` of the
signature, else it leads a new cluster. Exact copies skip the sketch. Memory
holds one signature per cluster and one key per distinct text, never the hits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .hits import Hit
from .neardup.sketch import LSHIndex, shingle_hashes, signatures

THRESHOLD = 0.5  # estimated 5-gram Jaccard at which two hits' texts are one template
NUM_PERM = 64
TOP = 10  # clusters the summary lists
EXAMPLE_CHARS = 300


@dataclass
class Cluster:
    """Hits whose texts are near copies of the first one's."""

    example: str
    first_seen: dict
    size: int = 0
    families: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    references: Counter = field(default_factory=Counter)

    def add(self, hit: Hit) -> None:
        """Count one more hit."""
        self.size += 1
        self.families[hit.family] += 1
        self.languages[hit.lang] += 1
        if hit.reference:
            self.references[hit.reference] += 1


class TemplateClusters:
    """Clusters hits as they arrive, unit by unit.

    Example:
        >>> from scanner.hits import Hit
        >>> def hit(row, text):
        ...     return Hit("s", row, None, "text", None, "openai", "r", "en", "high", "regex", 0, 4, text, 1.0, None)
        >>> clusters = TemplateClusters()
        >>> clusters.add([hit(0, "I am ChatGPT, trained by OpenAI."), hit(1, "I am ChatGPT, trained by OpenAI!")])
        >>> clusters.add([hit(2, "Je suis ChatGPT, un modèle d'OpenAI.")])
        >>> [(t["size"], t["first_seen"]["row"]) for t in clusters.top(3)]
        [(2, 0)]
    """

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM):
        self.threshold = threshold
        self.num_perm = num_perm
        self.clusters: list[Cluster] = []
        self._index = LSHIndex(threshold, num_perm)
        self._leaders: list[np.ndarray] = []
        self._exact: dict[int, int] = {}  # hash of a normalised text -> its cluster

    def add(self, hits: Iterable[Hit]) -> None:
        """Assign each hit to a cluster, sketching only texts not seen before."""
        fresh = []
        for hit in hits:
            source = _text(hit)
            text = source.casefold()  # not the full normalisation: this runs in one process over every hit
            key = hash(text)
            at = self._exact.get(key)
            if at is None:
                fresh.append((hit, source, text, key))
            else:
                self.clusters[at].add(hit)
        if not fresh:
            return
        sigs = signatures([shingle_hashes(text) for _, _, text, _ in fresh], self.num_perm)
        for (hit, source, _, key), sig, keys in zip(fresh, sigs, self._index.keys(sigs)):
            at = self._exact.get(key)  # a copy earlier in this batch
            if at is None:
                at = self._nearest(sig, keys)
            if at is None:
                at = len(self.clusters)
                self.clusters.append(Cluster(source[:EXAMPLE_CHARS], _where(hit)))
                self._leaders.append(sig)
                self._index.insert(keys, at)
            self._exact[key] = at
            self.clusters[at].add(hit)

    def _nearest(self, sig: np.ndarray, keys: list[int]) -> int | None:
        """The candidate cluster whose leader agrees most with `sig`, if enough."""
        agreement = {at: float(np.mean(self._leaders[at] == sig)) for at in self._index.query(keys)}
        best = max(agreement, key=lambda at: (agreement[at], -at), default=None)
        return best if best is not None and agreement[best] >= self.threshold else None

    def top(self, total: int | None = None, n: int = TOP) -> list[dict]:
        """The `n` largest clusters of two or more hits, largest first, as summary entries."""
        total = total or sum(c.size for c in self.clusters)
        ranked = sorted((c for c in self.clusters if c.size > 1), key=lambda c: -c.size)[:n]
        return [
            {
                "size": c.size,
                "share": round(c.size / total, 4) if total else 0.0,
                "families": dict(c.families.most_common()),
                "languages": dict(c.languages.most_common()),
                "references": dict(c.references.most_common(5)),
                "example": c.example,
                "first_seen": c.first_seen,
            }
            for c in ranked
        ]


def _text(hit: Hit) -> str:
    """What a hit is compared by: its match in its context (the match alone without context)."""
    return hit.context or hit.match


def _where(hit: Hit) -> dict:
    return {"source": hit.source, "row": hit.row, "doc_id": hit.doc_id, "field": hit.field}
