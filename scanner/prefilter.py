"""Vectorised keyword search over a whole Arrow string column at once.

One hyperscan database holds two kinds of pattern:

- every keyword, as written or nearly: ASCII case, Cyrillic case, traditional
  Chinese forms, curly apostrophes, whitespace or a line break between
  characters;
- *obfuscation detectors*: the marks of text that only normalisation can
  read (zero-width characters, soft hyphens, full-width letters, letters of
  two scripts in one word, spaced-out letters, `\\uXXXX` escapes, numeric
  HTML entities). Ordinary text, CJK punctuation included, trips none.

The column is joined with newlines into one buffer and scanned in one call.
A keyword hit sends the window around it to the rules of that keyword; a
detector hit sends its window to be normalised and checked for every keyword.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import hyperscan
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import normalize

SHORT_KEYWORD = 4  # Latin keywords this short must end at a word boundary too
_GAP = r"\s{0,2}"
_LATIN_LOOKALIKE = r"[\x{0370}-\x{03ff}\x{0400}-\x{04ff}\x{0500}-\x{052f}]"
DETECTORS = (
    r"[\x{200b}-\x{200f}\x{2060}-\x{2064}\x{feff}\x{ad}\x{180e}]",  # invisible characters
    r"[\x{ff10}-\x{ff19}\x{ff21}-\x{ff3a}\x{ff41}-\x{ff5a}]",  # full-width letters and digits
    rf"[a-zA-Z]{_LATIN_LOOKALIKE}|{_LATIN_LOOKALIKE}[a-zA-Z]",  # a homoglyph inside a Latin word
    r"(?:^|[^a-zA-Z])[a-zA-Z][ \t]{1,2}[a-zA-Z][ \t]{1,2}[a-zA-Z](?:[^a-zA-Z]|$)",  # s p a c e d letters
    r"\\u[0-9a-fA-F]{4}",  # JSON escapes
    r"&#[xX]?[0-9a-fA-F]{1,6};",  # numeric HTML entities
)
DETECTOR = -1  # the keyword index of a detector hit


@dataclass(frozen=True)
class KeywordHit:
    """A keyword (or DETECTOR) found in one element of a column: byte end inside that element."""

    element: int
    end: int
    keyword: int


def _char_class(c: str) -> str:
    forms = {c, c.upper(), c.lower()}
    if "\u3400" <= c < "\ua000":
        forms |= normalize.traditional_forms(c)
    if c == "'":
        forms |= {"\u2019", "\u2018", "\u02bc"}
    forms = sorted(f for f in forms if len(f) == 1)
    if len(forms) == 1 and c.isascii() and c.isalnum():
        return c
    return "[" + "".join(f"\\x{{{ord(f):x}}}" for f in forms) + "]"


def keyword_pattern(keyword: str) -> str:
    """A hyperscan regex for a normalised keyword as written or nearly."""
    words = keyword.split()
    body = r"\s{1,3}".join(_GAP.join(_char_class(c) for c in word) for word in words)
    if keyword[:1].isascii() and keyword[:1].isalpha():
        body = "(?:^|[^a-zA-Z])" + body
    if len(keyword) <= SHORT_KEYWORD and keyword[-1:].isascii() and keyword[-1:].isalpha():
        body += "(?:[^a-zA-Z]|$)"
    return body


class Prefilter:
    """Finds keyword and obfuscation hits in a string column with one hyperscan scan."""

    def __init__(self, keywords: Sequence[str]):
        self.keywords = list(keywords)
        patterns = [keyword_pattern(k) for k in self.keywords] + list(DETECTORS)
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=[p.encode() for p in patterns],
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=[hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_DOTALL] * len(patterns),
        )
        self._scratch = hyperscan.Scratch(self._db)

    def __getstate__(self) -> dict:
        return {"keywords": self.keywords}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["keywords"])

    def scan(self, column: pa.Array) -> list[KeywordHit]:
        """Keyword and detector hits in a string column, with byte end offsets inside each element."""
        if len(column) == 0:
            return []
        if column.null_count:
            column = pc.fill_null(column, "")
        joined = pc.binary_join(pa.ListArray.from_arrays([0, len(column)], column), "\n")[0]
        lengths = pc.binary_length(column).to_numpy(zero_copy_only=False).astype(np.int64)
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        raw: list[tuple[int, int]] = []
        self._db.scan(
            memoryview(joined.as_buffer()),
            match_event_handler=lambda kid, _frm, to, _f, _c: raw.append((kid, to)),
            scratch=self._scratch,
        )
        if not raw:
            return []
        found = np.array(raw, dtype=np.int64)
        # The last byte decides the element: a boundary matched after the keyword
        # may be the newline that ends it.
        elements = np.searchsorted(starts, found[:, 1] - 1, side="right") - 1
        ends = np.minimum(found[:, 1] - starts[elements], lengths[elements])
        n = len(self.keywords)
        return [
            KeywordHit(int(e), int(x), int(k) if k < n else DETECTOR) for e, x, k in zip(elements, ends, found[:, 0])
        ]
