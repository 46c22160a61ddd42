"""The prefilter: keywords and obfuscation detectors over a whole Arrow string column at once.

Hyperscan scans the column's data buffer as it is, its strings back to back,
for every keyword as written or nearly (keywords.py) and for the marks of text
only normalisation can read (detectors.py). A keyword hit sends the window
around it to the rules of that keyword; a detector hit sends its window to be
normalised and checked for every keyword. A document with no hit costs no
Python work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import hsdb
from ..literals import collapse_spaces
from .detectors import detectors, marks, word_starts
from .keywords import keyword_pattern, least_bytes, left_bounded, most_bytes, right_bounded

EDGE = 80  # bytes at an element's start where a class-led detector may have begun in the element before
EDGE_BYTES = 4 * EDGE  # bytes at an element's edge scanned again on their own: more than any keyword spans
DETECTOR = -1  # the keyword index of a detector hit


@dataclass(frozen=True)
class KeywordHit:
    """A keyword (or DETECTOR) found in one element of a column: byte end inside that element."""

    element: int
    end: int
    keyword: int


class Prefilter:
    """Finds keyword and obfuscation hits in a string column.

    Three hyperscan scans of the column's data buffer as it is (its strings back to back,
    not copied): the keywords with the detectors that start with a literal (`&`, `\\u`);
    the detectors that start with a character class (they would slow the keyword scan
    threefold beside it); and the detectors that are literal strings (marks()), which
    hyperscan's literal matcher runs at memory speed. A match that reaches back into the
    string before is dropped (it is shorter in its own string than it can be), and the
    strings whose edge letter touches a letter of their neighbour, or that a class-led
    detector matched near their start, are scanned again at that edge on their own.
    """

    def __init__(self, keywords: Sequence[str]):
        self.keywords = list(keywords)
        found = detectors(self.keywords)
        self._led = [d for d in found if d.startswith(("&", "\\\\"))]
        self._shapes = [d for d in found if d not in self._led]
        self._marks = marks(self.keywords)
        self._data = hsdb.compile_database([keyword_pattern(k) for k in self.keywords] + self._led)
        self._shapes_data = hsdb.compile_database(self._shapes)
        self._marks_data = hsdb.compile_database(self._marks, literal=True, every=True)
        self._load()

    def _load(self) -> None:
        self._db, self._scratch = hsdb.load_database(self._data)
        self._shapes_db, self._shapes_scratch = hsdb.load_database(self._shapes_data)
        self._marks_db, self._marks_scratch = hsdb.load_database(self._marks_data)
        # Pattern ids run keywords, led detectors, class-led detectors, marks. Per id: the fewest bytes a match
        # ends with inside its element (a class-led detector's start is unknown: near an element's start it is
        # checked again on its own), and whether its closing boundary takes the character after it.
        self._first_shape = len(self.keywords) + len(self._led)
        self._first_mark = self._first_shape + len(self._shapes)
        least = [least_bytes(k) for k in self.keywords] + [1] * len(self._led) + [EDGE] * len(self._shapes)
        self._least = np.array(least + [len(m.encode()) for m in self._marks], np.int64)
        self._joined_least = np.where(np.arange(len(self._least)) < self._first_shape, self._least, 1)
        self._bounded = np.zeros(len(self._least), bool)
        self._bounded[: len(self.keywords)] = [right_bounded(k) for k in self.keywords]
        letters = word_starts(self.keywords)
        self._word_start = np.zeros(len(self._least), bool)
        self._word_start[self._first_mark :] = [m in letters for m in self._marks]
        # A keyword a glued neighbour hides is one whose boundary reads a letter there: it lies within this many
        # bytes of the edge (an edge a class-led detector may hide lies within EDGE_BYTES).
        bounded = [most_bytes(k) for k in self.keywords if left_bounded(k) or right_bounded(k)]
        self._glue_bytes = max(bounded, default=0)
        self._scans = [
            (self._db, self._scratch, 0),
            (self._shapes_db, self._shapes_scratch, self._first_shape),
            (self._marks_db, self._marks_scratch, self._first_mark),
        ]

    def __getstate__(self) -> dict:
        names = ("keywords", "_led", "_shapes", "_marks", "_data", "_shapes_data", "_marks_data")
        return {name: getattr(self, name) for name in names}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._load()

    def contained(self, text: str) -> set[int]:
        """The keywords in `text` (normalised text, after a detector hit): the same patterns as in a column,
        with runs of spaces read as one."""
        if not text:
            return set()
        data = np.frombuffer(collapse_spaces(text).encode(), np.uint8)
        found = self._raw(data, databases=1)
        return {k for _, _, k in self._located(found, data, np.zeros(1, np.int64), self._least) if k != DETECTOR}

    def scan(self, column: pa.Array) -> list[KeywordHit]:
        """Keyword and detector hits in a string column, with byte end offsets inside each element."""
        if len(column) == 0:
            return []
        if column.null_count:
            column = pc.fill_null(column, "")
        if pa.types.is_large_string(column.type):
            column = column.cast(pa.string())  # one offsets layout below; a batch is far below 2 GB
        offsets = np.frombuffer(column.buffers()[1], np.int32)[column.offset : column.offset + len(column) + 1]
        offsets = offsets.astype(np.int64)
        if offsets[-1] == offsets[0]:
            return []
        data = np.frombuffer(column.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
        offsets -= offsets[0]
        found = self._raw(data)
        hits = set(self._located(found, data, offsets, self._least))
        heads, tails = _glued(data, offsets)
        shaped = self._shapes_near_start(found, offsets)
        hits.update(self._edge_hits(data, offsets, shaped, head=True, size=EDGE_BYTES, databases=2))
        glued = self._glue_bytes
        hits.update(self._edge_hits(data, offsets, np.setdiff1d(heads, shaped), head=True, size=glued, databases=1))
        hits.update(self._edge_hits(data, offsets, tails, head=False, size=glued, databases=1))
        return [KeywordHit(*h) for h in sorted(hits)]

    def _raw(self, data: np.ndarray, databases: int = 3) -> np.ndarray:
        """(pattern id, end) of every match in a buffer of the first `databases` of: keywords and led detectors,
        class-led detectors, marks (ids numbered on across them)."""
        raw: list[tuple[int, int]] = []
        for db, scratch, first in self._scans[:databases]:
            db.scan(
                data,
                match_event_handler=lambda i, _f, to, _fl, first: raw.append((first + i, to)),
                context=first,
                scratch=scratch,
            )
        return np.array(raw, dtype=np.int64).reshape(-1, 2)

    def _shapes_near_start(self, found: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Elements a class-led detector matched within EDGE bytes of their start (the match may have begun before)."""
        shape = found[(found[:, 0] >= self._first_shape) & (found[:, 0] < self._first_mark)]
        elements = np.searchsorted(offsets, shape[:, 1] - 1, side="right") - 1
        return np.unique(elements[shape[:, 1] - offsets[elements] < EDGE])

    def _located(
        self, found: np.ndarray, data: np.ndarray, starts: np.ndarray, least: np.ndarray
    ) -> list[tuple[int, int, int]]:
        """(element, byte end inside it, keyword) of matches in a buffer of elements beginning at `starts`,
        less those that began in an element before the one they end in."""
        kid, to = found[:, 0], found[:, 1]
        # A short keyword's closing boundary took the character after it, unless the buffer ended.
        took = self._bounded[kid] & ((to < len(data)) | ~_is_letter(data[to - 1]))
        end = to - took
        last = len(data) - 1
        for _ in range(3):  # back to the first byte of the character it took
            end -= took & (data[np.minimum(end, last)] & 0xC0 == 0x80)
        elements = np.searchsorted(starts, end - 1, side="right") - 1
        inside = end - starts[elements]
        # Spelt-out letters after a letter are words, not a name ("is a tool" is no "s a t").
        start = end - least[kid]
        worded = self._word_start[kid] & (start > starts[elements]) & _is_letter(data[np.maximum(start - 1, 0)])
        keep = (inside >= least[kid]) & ~worded
        n = len(self.keywords)
        ids = [k if k < n else DETECTOR for k in kid[keep].tolist()]
        return list(zip(elements[keep].tolist(), inside[keep].tolist(), ids))

    def _edge_hits(
        self, data: np.ndarray, offsets: np.ndarray, elements: np.ndarray, head: bool, size: int, databases: int
    ) -> list[tuple]:
        """Hits in the first (or last) `size` bytes of some elements, each edge scanned on its own by the first
        `databases` (see _raw)."""
        if not len(elements):
            return []
        lo, hi = offsets[elements], offsets[elements + 1]
        start, end = (lo, np.minimum(hi, lo + size)) if head else (np.maximum(lo, hi - size), hi)
        last = len(data) - 1
        for _ in range(3):  # whole characters only: a cut edge moves to a character's first byte
            end -= (end < hi) & (data[np.minimum(end, last)] & 0xC0 == 0x80)
            start += (start > lo) & (data[np.minimum(start, last)] & 0xC0 == 0x80)
        lengths = end - start
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))  # edges joined, a line break after each
        within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        joined = np.full(int(starts[-1] + lengths[-1] + 1), ord("\n"), np.uint8)
        joined[np.repeat(starts, lengths) + within] = data[np.repeat(start, lengths) + within]
        found = self._located(self._raw(joined, databases), joined, starts, self._joined_least)
        # What the glued neighbour hid ends at the element's end (a tail), or short of where a head was cut: the
        # line break standing in for the cut off text is a boundary the element does not have.
        if head:
            kept = [(e, end, k) for e, end, k in found if end < lengths[e] or start[e] + end == hi[e]]
        else:
            kept = [(e, end, k) for e, end, k in found if start[e] + end == hi[e]]
        return [(int(elements[e]), int(end + start[e] - lo[e]), k) for e, end, k in kept]


def _is_letter(byte: np.ndarray) -> np.ndarray:
    folded = byte | 0x20
    return (folded >= ord("a")) & (folded <= ord("z"))


def _glued(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elements whose first letter follows a letter in the buffer, and those whose last letter precedes one."""
    full = np.flatnonzero(np.diff(offsets))
    touching = _is_letter(data[offsets[full[1:]]]) & _is_letter(data[offsets[full[:-1] + 1] - 1])
    return full[1:][touching], full[:-1][touching]
