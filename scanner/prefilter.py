"""Vectorised keyword search over a whole Arrow string column at once.

One hyperscan database holds two kinds of pattern:

- every keyword, as written or nearly: ASCII case, Cyrillic case, traditional
  Chinese forms, curly apostrophes, whitespace or a line break between
  characters;
- *obfuscation detectors*: the marks of text that only normalisation can
  read (zero-width characters, soft hyphens, compatibility forms of keyword
  characters such as full-width or mathematical letters, letters of two
  scripts in one word, spaced-out letters, CJK characters split by more
  space than a keyword allows, markup inside a word, `\\uXXXX` escapes, HTML
  entities). Ordinary text, CJK punctuation included, trips none.

The column is joined with newlines into one buffer and scanned in one call.
A keyword hit sends the window around it to the rules of that keyword; a
detector hit sends its window to be normalised and checked for every keyword.
"""

from __future__ import annotations

import html.entities
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import regex

from . import hsdb, normalize

SHORT_KEYWORD = 4  # Latin keywords this short must end at a word boundary too
_FULL_WIDTH_DIGITS = {chr(0xFF10 + i): str(i) for i in range(10)}  # ordinary in CJK text: kept out of detectors
_LATIN_LOOKALIKE = r"[\x{0370}-\x{03ff}\x{0400}-\x{04ff}\x{0500}-\x{052f}]"
_WIDE_SPACE = r"[\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_SPACE = rf"(?:\s|{_WIDE_SPACE})"
_CJK = r"[\x{3040}-\x{30ff}\x{3400}-\x{9fff}\x{f900}-\x{faff}]"
_TAG = r"</?[a-zA-Z][^<>]{0,80}>"
_MARK = rf"(?:[*~`]|{_TAG})"  # what normalisation removes inside a word
DETECTORS = (
    r"[\x{200b}-\x{200f}\x{2060}-\x{2064}\x{feff}\x{ad}\x{180e}]",  # invisible characters
    rf"[a-zA-Z]{_LATIN_LOOKALIKE}|{_LATIN_LOOKALIKE}[a-zA-Z]",  # a homoglyph inside a Latin word
    rf"(?:^|[^a-zA-Z])[a-zA-Z]{_SPACE}[a-zA-Z]{_SPACE}[a-zA-Z](?:[^a-zA-Z]|$)",  # s p a c e d letters
    rf"{_CJK}\s*{_WIDE_SPACE}{_SPACE}*{_CJK}",  # CJK split by a space a keyword pattern does not allow
    rf"[a-zA-Z](?:_|{_MARK})*{_MARK}(?:_|{_MARK})*[a-zA-Z]",  # markup inside a Latin word: Q<b>wen, Q*wen*
    rf"{_CJK}[*~`]*{_TAG}{_MARK}*{_CJK}",  # a tag between CJK characters (markdown marks are a keyword gap)
    r"\\u[0-9a-fA-F]{4}",  # JSON escapes
    r"[a-zA-Z][\x{300}-\x{36f}]",  # decomposed accents (NFD text): rules are written composed
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
    forms |= {w for w, d in _FULL_WIDTH_DIGITS.items() if d == c}
    forms = sorted(f for f in forms if len(f) == 1)
    if len(forms) == 1 and c.isascii() and c.isalnum():
        return c
    return "[" + "".join(f"\\x{{{ord(f):x}}}" for f in forms) + "]"


def detectors(keywords: Sequence[str]) -> list[str]:
    """The obfuscation detectors for these keywords: DETECTORS, and those made from the keywords' characters."""
    chars = set("".join(keywords)) - {" "}
    # Compatibility forms of keyword characters: full-width, mathematical, circled...
    forms = sorted(
        ord(c)
        for c, folded in normalize.compatibility_forms().items()
        if chars & set(folded) and c not in _FULL_WIDTH_DIGITS
    )
    # Named entities that decode to an invisible character or a form of a keyword character,
    # and space entities that split CJK text (common ones like &amp; and &nbsp; between words stay quiet).
    entities, spaces = [], []
    for name, value in html.entities.html5.items():
        if name.endswith(";") and value.isspace():
            spaces.append(regex.escape(name[:-1]))
        elif name.endswith(";") and any(c in normalize.DROPPED or chars & set(normalize.fold(c)) for c in value):
            entities.append(regex.escape(name[:-1]))
    space = f"&(?:{'|'.join(spaces)});"
    found = list(DETECTORS) + [rf"{_CJK}{space}|{space}{_CJK}"]
    if forms:
        found.append("[" + "".join(_ranges(forms)) + "]")
    if entities:
        found.append(f"&(?:{'|'.join(entities)});")
    return found


def _ranges(codes: list[int]) -> list[str]:
    """Sorted code points as hyperscan class items, runs collapsed (a class has a length limit)."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return [f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b > a else "") for a, b in runs]


def _is_cjk(c: str) -> bool:
    return "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def keyword_pattern(keyword: str) -> str:
    """A hyperscan regex for a normalised keyword as written or nearly.

    Any run of whitespace may stand between words, and of whitespace or
    markdown marks between CJK characters ("通义\n千问", "通义**千问**"); a Latin
    word must be unbroken (spaced-out letters trip a detector instead). Bounded
    gaps ("\\s{0,2}") would cost hyperscan several times the compile time for
    thousands of keywords.
    """

    def word(w: str) -> str:
        parts = [_char_class(w[0])]
        for a, b in zip(w, w[1:]):
            parts.append(r"[\s*~`]*" if _is_cjk(a) and _is_cjk(b) else "")
            parts.append(_char_class(b))
        return "".join(parts)

    body = r"\s+".join(word(w) for w in keyword.split())
    if keyword[:1].isascii() and keyword[:1].isalpha():
        body = "(?:^|[^a-zA-Z])" + body
    if len(keyword) <= SHORT_KEYWORD and keyword[-1:].isascii() and keyword[-1:].isalpha():
        body += "(?:[^a-zA-Z]|$)"
    return body


class Prefilter:
    """Finds keyword and obfuscation hits in a string column with one hyperscan scan."""

    def __init__(self, keywords: Sequence[str]):
        self.keywords = list(keywords)
        patterns = [keyword_pattern(k) for k in self.keywords] + detectors(self.keywords)
        self._data = hsdb.compile_database(patterns)
        self._literal_data = hsdb.compile_database(self.keywords, literal=True) if self.keywords else None
        self._load()

    def _load(self) -> None:
        self._db, self._scratch = hsdb.load_database(self._data)
        if self._literal_data is not None:
            self._literal_db, self._literal_scratch = hsdb.load_database(self._literal_data)

    def __getstate__(self) -> dict:
        return {"keywords": self.keywords, "data": self._data, "literal_data": self._literal_data}

    def __setstate__(self, state: dict) -> None:
        self.keywords, self._data, self._literal_data = state["keywords"], state["data"], state["literal_data"]
        self._load()

    def contained(self, text: str) -> set[int]:
        """The keywords that occur in `text` exactly as written (in normalised text: after a detector hit)."""
        found: set[int] = set()
        if self._literal_data is not None and text:
            self._literal_db.scan(
                text.encode(),
                match_event_handler=lambda kid, _frm, _to, _f, _c: found.add(kid),
                scratch=self._literal_scratch,
            )
        return found

    def scan(self, column: pa.Array) -> list[KeywordHit]:
        """Keyword and detector hits in a string column, with byte end offsets inside each element."""
        if len(column) == 0:
            return []
        if column.null_count:
            column = pc.fill_null(column, "")
        if pa.types.is_large_string(column.type):
            column = column.cast(pa.string())  # binary_join has no large_string kernel; a batch is far below 2 GB
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
