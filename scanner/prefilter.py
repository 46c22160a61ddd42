"""Vectorised keyword search over a whole Arrow string column at once.

Hyperscan looks, over the column's data buffer, for two kinds of thing:

- every keyword, as written or nearly: ASCII case, Cyrillic case, traditional
  Chinese forms, curly apostrophes, one whitespace character between words,
  one space where a CJK run meets a Latin one;
- *obfuscation detectors*: the marks of text that only normalisation can
  read (zero-width characters, soft hyphens, compatibility forms of keyword
  characters such as full-width or mathematical letters, a Latin letter
  beside a Cyrillic or Greek look-alike, a keyword spelt out letter by letter,
  a keyword's parts split by more space than its pattern allows or by
  markdown marks, Arabic or Hebrew vowel points or tatweel inside a keyword, a
  keyword character decomposed (NFD Hangul), markup inside a word, `\\uXXXX` escapes, HTML entities).
  Ordinary text, CJK punctuation included, trips none.

A keyword hit sends the window around it to the rules of that keyword; a
detector hit sends its window to be normalised and checked for every keyword.
Keyword patterns stay this plain because hyperscan then runs them as near
literals: a `\\s+` between words, or optional marks between CJK characters,
made the scan three times slower. The gaps they allowed are detectors
instead, literals joining the two sides of each gap (see gaps()).
"""

from __future__ import annotations

import html.entities
import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import regex

from . import hsdb, normalize
from .literals import collapse_spaces

SHORT_KEYWORD = 4  # a Latin keyword whose last word is this short must end at a word boundary too
EDGE = 80  # bytes at an element's start where a class-led detector may have begun in the element before
EDGE_BYTES = 4 * EDGE  # bytes at an element's edge scanned again on their own: more than any keyword spans
_FULL_WIDTH_DIGITS = {chr(0xFF10 + i): str(i) for i in range(10)}  # ordinary in CJK text: kept out of detectors
_WIDE_SPACE = r"[\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_SPACE = rf"(?:\s|{_WIDE_SPACE})"
_CJK = r"[\x{3040}-\x{30ff}\x{3400}-\x{9fff}\x{f900}-\x{faff}]"
_TAG = r"</?[a-zA-Z][^<>]{0,80}>"
_MARK = rf"(?:[*~`]|{_TAG})"  # what normalisation removes inside a word
# Obfuscation detectors that are patterns: each starts with a rare character or a narrow
# pair, so hyperscan runs them beside the keywords at nearly no cost. The others are
# literals (see marks()).
DETECTORS = (
    rf"{_CJK}\s*{_WIDE_SPACE}{_SPACE}*{_CJK}",  # CJK split by a wide space
    rf"{_CJK}[ \n]{{3}}\s*{_CJK}",  # or by more space than CJK_GAPS lists (`\s{{3}}` runs 2x slower)
    # markup inside a Latin word (Q*wen*, Q<b>wen): a letter, marks and underscores, a letter; written
    # with and without underscores first, as hyperscan runs a pattern starting with "letter, underscores?" slowly
    rf"[a-zA-Z][*~`](?:_|{_MARK})*[a-zA-Z]",
    rf"[a-zA-Z]_+[*~`](?:_|{_MARK})*[a-zA-Z]",
    rf"[a-zA-Z]{_TAG}(?:_|{_MARK})*[a-zA-Z]",
    rf"[a-zA-Z]_+{_TAG}(?:_|{_MARK})*[a-zA-Z]",
    rf"{_CJK}[*~`]*{_TAG}{_MARK}*{_CJK}",  # a tag between CJK characters (markdown marks are a keyword gap)
    r"\\u[0-9a-fA-F]{4}",  # JSON escapes
    r"[a-zA-Z][\x{300}-\x{36f}]",  # decomposed accents (NFD text): rules are written composed
    r"&#[xX]?[0-9a-fA-F]{1,6};",  # numeric HTML entities
)
# What normalisation drops but markdown marks and vowel points (those are common in Arabic: see pointed())
INVISIBLE = "".join(c for c in normalize.DROPPED if not c.isascii() and c not in normalize.POINTS)
_HARAKAT = "\u064b\u064c\u064d\u064e\u064f\u0650\u0652\u0670"  # Arabic vowels, without shadda
_HEBREW_VOWELS = "".join(map(chr, range(0x5B0, 0x5BC))) + "\u05c7"
# What may stand between two letters of an Arabic or Hebrew keyword in pointed text: a point, a doubling or
# consonant dot with a vowel, tatweel.
_ARABIC_POINTS = [c for c in normalize.POINTS if c >= "\u0600"]
POINT_GAPS = {
    "arabic": _ARABIC_POINTS
    + [a + b for v in _HARAKAT for a, b in (("\u0651", v), (v, "\u0651"))]
    + ["\u0640" * 2, "\u0640" * 3],
    "hebrew": [c for c in normalize.POINTS if c < "\u0600"]
    + [a + b for v in _HEBREW_VOWELS for d in "\u05bc\u05c1\u05c2" for a, b in ((d, v), (v, d))],
}
SPACED_BY = " \n\t\u00a0"  # what may stand between the letters of a spaced-out name
# What else may stand between a keyword's words (its pattern takes one whitespace character): two
# whitespace characters, a wide space, emphasis marks beside a space. Longer runs between Latin words
# go unseen (between CJK characters a shape detector sees them).
WORD_GAPS = ("  ", " \n", "\n ", "\n\n", "\r\n", "\t\t", "\u00a0", "\u202f", "\u3000") + tuple(
    g for m in ("*", "**", "`", "_") for g in (" " + m, m + " ")
)
# Spaces ordinary text seldom puts after a letter (unlike NBSP, French typography's narrow NBSP, the
# ideographic space): one after any letter of a keyword is a detector, so a keyword's letters or words split
# by one are seen ("Q\u2003w\u2003e\u2003n", "language\u2003model").
RARE_SPACES = "\x85\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u205f"
# Where a CJK, Hangul or Thai run meets a Latin one inside a keyword (its pattern takes one space or none).
SCRIPT_GAPS = WORD_GAPS + ("\n", "\t", "\r")
# Markup normalisation removes inside a word: emphasis marks and common inline tags.
INLINE_MARKS = ("*", "**", "~~", "`") + tuple(
    f"<{c}{t}>" for t in ("b", "i", "em", "strong", "span") for c in ("", "/")
)
# Between two CJK characters of a keyword (its pattern takes nothing): what normalisation removes there.
CJK_GAPS = SCRIPT_GAPS + (" ", "*", "**", "~", "~~", "`")
DETECTOR = -1  # the keyword index of a detector hit
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class KeywordHit:
    """A keyword (or DETECTOR) found in one element of a column: byte end inside that element."""

    element: int
    end: int
    keyword: int


@cache
def _forms(c: str) -> list[str]:
    """The characters a keyword character may be written as: case, traditional forms, curly apostrophes, wide digits."""
    forms = {c, c.upper(), c.lower()}
    if "\u3400" <= c < "\ua000":
        forms |= normalize.traditional_forms(c)
    if c == "'":
        forms |= {"\u2019", "\u2018", "\u02bc"}
    forms |= {w for w, d in _FULL_WIDTH_DIGITS.items() if d == c}
    return sorted(f for f in forms if len(f) == 1)


def _char_class(c: str) -> str:
    forms = _forms(c)
    if len(forms) == 1 and c.isascii() and c.isalnum():
        return c
    return "[" + "".join(f"\\x{{{ord(f):x}}}" for f in forms) + "]"


def _least_bytes(keyword: str) -> int:
    """The fewest UTF-8 bytes a match of the keyword's pattern ends with, boundaries aside."""
    words = keyword.split()
    return sum(min(len(f.encode()) for f in _forms(c)) for w in words for c in w) + len(words) - 1


def right_bounded(keyword: str) -> bool:
    """Whether a keyword must end a word: its last word is short and Latin ("qwen" is not "qwenching",
    "als ki" not "als kind"). Its pattern then takes the character after it (see keyword_pattern)."""
    return len(keyword.split()[-1]) <= SHORT_KEYWORD and keyword[-1:].isascii() and keyword[-1:].isalpha()


def _characters(keywords: Sequence[str]) -> set[str]:
    return set("".join(keywords)) - {" "}


def detectors(keywords: Sequence[str]) -> list[str]:
    """The obfuscation detectors that are patterns: DETECTORS, entities of the keywords' characters, and HTML
    tags between their words (tagged())."""
    chars = _characters(keywords)
    # Named entities that decode to an invisible character or a form of a keyword character,
    # and space entities that split CJK text (common ones like &amp; and &nbsp; between words stay quiet).
    entities, spaces = [], []
    for name, value in html.entities.html5.items():
        if name.endswith(";") and value.isspace():
            spaces.append(regex.escape(name[:-1]))
        elif name.endswith(";") and any(c in normalize.DROPPED or chars & set(normalize.fold(c)) for c in value):
            entities.append(regex.escape(name[:-1]))
    space = f"&(?:{'|'.join(spaces)});"
    found = list(DETECTORS) + [rf"{_CJK}{space}|{space}{_CJK}"] + tagged(keywords)
    if entities:
        found.append(f"&(?:{'|'.join(entities)});")
    return found


def tagged(keywords: Sequence[str]) -> list[str]:
    """An HTML tag between two words of a keyword, seen from the word before it ("asisten <span>virtual") when
    that word has three letters or more: patterns, as among the literal detectors a few hundred strings
    ending in "<" slowed that whole database by a third."""
    words = {left for k in keywords for left, _ in itertools.pairwise(k.split()) if len(left) > 2}
    return sorted("".join(map(_char_class, w)) + " ?<" for w in words)


def marks(keywords: Sequence[str]) -> list[str]:
    """The obfuscation detectors that are literal strings (found case-insensitively): invisible characters,
    compatibility forms of keyword characters (full-width, mathematical, circled letters), a Latin letter beside
    a Cyrillic or Greek look-alike, the letters of a keyword spaced out ("q w e"), its parts split more
    than its pattern allows (gaps()), its Arabic or Hebrew letters split by points (pointed()), and its
    characters decomposed (NFD Hangul and accented letters)."""
    chars = _characters(keywords)
    forms = [
        c
        for c, folded in normalize.compatibility_forms().items()
        if chars & set(folded) and c not in _FULL_WIDTH_DIGITS
    ]
    glyphs = {c for c in map(chr, range(0x370, 0x530)) if normalize.fold(c) in normalize.HOMOGLYPHS}
    glyphs |= set(normalize.HOMOGLYPHS)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    beside = [a + g for a in letters for g in glyphs] + [g + a for a in letters for g in glyphs]
    found = set(INVISIBLE) | set(forms) | set(beside) | spaced(keywords) | gaps(keywords) | pointed(keywords)
    found |= {d for c in chars if len(d := unicodedata.normalize("NFD", c)) > 1}  # NFD text: "큐" as "큐"
    found |= {f + w for c in chars if c.isalpha() and not _is_cjk(c) for f in _forms(c) for w in RARE_SPACES}
    found.add("\u0640" * 4)  # a long tatweel anywhere
    # The database folds ASCII case itself: one spelling each.
    return sorted({m.lower() if m.isascii() else m.translate(_ASCII_LOWER) for m in found})


def spaced(keywords: Sequence[str]) -> set[str]:
    """A keyword's letters spaced out, three at a time ("q w e"): found only after a non-letter (see Prefilter)."""
    runs = {run for k in keywords for run in regex.findall(r"[a-z]{3,}", k)}
    trigrams = {run[i : i + 3] for run in runs for i in range(len(run) - 2)}
    return {a + x + b + y + c for a, b, c in trigrams for x in SPACED_BY for y in SPACED_BY}


def gaps(keywords: Sequence[str]) -> set[str]:
    """Each gap inside a keyword that its pattern does not take, with the keyword's text either side of it:
    between words the whole words ("language\\n\\nmodel"), beside a CJK, Hangul or Thai character that character;
    and markup between two letters of a word outside ASCII ("챗**봇", "m<b>ột"). For an HTML tag between
    words see tagged()."""
    words = {pair for k in keywords for pair in itertools.pairwise(k.split())}
    chars = {pair for k in keywords for word in k.split() for pair in itertools.pairwise(word)}
    found = {g for left, right in words for g in _joined(_side(left, True), WORD_GAPS, _side(right, False))}
    for a, b in chars:
        if _is_cjk(a) and _is_cjk(b):
            found |= _joined(_forms(a), CJK_GAPS, _forms(b))
        elif _unspaced(a) != _unspaced(b) and a.isalnum() and b.isalnum():
            found |= _joined(_forms(a), SCRIPT_GAPS, _forms(b))
        elif _in_word(a) and _in_word(b) and not (a.isascii() and b.isascii()):
            found |= _joined(_forms(a), INLINE_MARKS, _forms(b))  # ASCII letters: the markup shapes see them
    return found


def pointed(keywords: Sequence[str]) -> set[str]:
    """Two adjacent letters of an Arabic or Hebrew keyword with vowel points or tatweel between them ("نَم"):
    ordinary Arabic text has points (tanween at a word's end, shadda), so a point alone is no detector."""
    found: set[str] = set()
    for a, b in {pair for k in keywords for pair in itertools.pairwise(k)}:
        script = _pointed_script(a)
        if script and script == _pointed_script(b):
            found |= _joined(a, POINT_GAPS[script], b)
    return found


def _pointed_script(c: str) -> str | None:
    if not c.isalpha():
        return None
    return "hebrew" if "\u0590" <= c <= "\u05ff" else "arabic" if "\u0600" <= c <= "\u06ff" else None


def _in_word(c: str) -> bool:
    """A letter, or a mark that belongs to one (Thai and Devanagari vowel signs)."""
    return c.isalpha() or unicodedata.category(c).startswith("M")


def _side(word: str, last: bool) -> set[str]:
    """How one side of a gap between words may be written: its edge character if unspaced, else the word in
    each case (the literal database folds ASCII case only)."""
    edge = word[-1] if last else word[0]
    if _unspaced(edge):
        return set(_forms(edge))
    return {word} if word.isascii() else {word, word.lower(), word.upper(), word.capitalize()}


def _joined(lefts: Sequence[str], middles: Sequence[str], rights: Sequence[str]) -> set[str]:
    return {a + g + b for a in lefts for g in middles for b in rights}


def _unspaced(c: str) -> bool:
    """A character of a script that may meet Latin without a space (CJK, Hangul, Thai)."""
    return (
        _is_cjk(c)
        or "\uac00" <= c <= "\ud7a3"
        or "\u1100" <= c <= "\u11ff"
        or "\u3130" <= c <= "\u318f"
        or "\u0e00" <= c <= "\u0e7f"
    )


def _is_cjk(c: str) -> bool:
    return "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def keyword_pattern(keyword: str) -> str:
    """A hyperscan regex for a normalised keyword as written or nearly.

    One whitespace character (a space, a line break) may stand between words,
    and one space where a CJK, Hangul or Thai run meets a Latin one ("是一个 AI");
    CJK characters stand together and a Latin word is unbroken. Wider gaps,
    and spaced-out letters, trip a detector instead (marks()).
    """

    def word(w: str) -> str:
        parts = [_char_class(w[0])]
        for a, b in zip(w, w[1:]):
            if _unspaced(a) != _unspaced(b) and a.isalnum() and b.isalnum():
                parts.append(" ?")
            parts.append(_char_class(b))
        return "".join(parts)

    body = r"\s".join(word(w) for w in keyword.split())
    if keyword[:1].isascii() and keyword[:1].isalpha():
        body = "(?:^|[^a-zA-Z])" + body
    if right_bounded(keyword):
        body += "(?:[^a-zA-Z]|\\z)"
    return body


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
        least = [_least_bytes(k) for k in self.keywords] + [1] * len(self._led) + [EDGE] * len(self._shapes)
        self._least = np.array(least + [len(m.encode()) for m in self._marks], np.int64)
        self._joined_least = np.where(np.arange(len(self._least)) < self._first_shape, self._least, 1)
        self._bounded = np.zeros(len(self._least), bool)
        self._bounded[: len(self.keywords)] = [right_bounded(k) for k in self.keywords]
        letters = spaced(self.keywords)
        self._word_start = np.zeros(len(self._least), bool)
        self._word_start[self._first_mark :] = [m in letters for m in self._marks]
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
        hits.update(self._edge_hits(data, offsets, np.union1d(heads, self._shapes_near_start(found, offsets)), True))
        hits.update(self._edge_hits(data, offsets, tails, head=False))
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

    def _edge_hits(self, data: np.ndarray, offsets: np.ndarray, elements: np.ndarray, head: bool) -> list[tuple]:
        """Hits in the first (or last) EDGE_BYTES of some elements, each edge scanned on its own."""
        if not len(elements):
            return []
        lo, hi = offsets[elements], offsets[elements + 1]
        start, end = (lo, np.minimum(hi, lo + EDGE_BYTES)) if head else (np.maximum(lo, hi - EDGE_BYTES), hi)
        last = len(data) - 1
        for _ in range(3):  # whole characters only: a cut edge moves to a character's first byte
            end -= (end < hi) & (data[np.minimum(end, last)] & 0xC0 == 0x80)
            start += (start > lo) & (data[np.minimum(start, last)] & 0xC0 == 0x80)
        lengths = end - start
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))  # edges joined, a line break after each
        within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        joined = np.full(int(starts[-1] + lengths[-1] + 1), ord("\n"), np.uint8)
        joined[np.repeat(starts, lengths) + within] = data[np.repeat(start, lengths) + within]
        found = self._located(self._raw(joined, databases=2), joined, starts, self._joined_least)
        return [(int(elements[e]), int(end + start[e] - lo[e]), k) for e, end, k in found]


def _is_letter(byte: np.ndarray) -> np.ndarray:
    folded = byte | 0x20
    return (folded >= ord("a")) & (folded <= ord("z"))


def _glued(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elements whose first letter follows a letter in the buffer, and those whose last letter precedes one."""
    full = np.flatnonzero(np.diff(offsets))
    touching = _is_letter(data[offsets[full[1:]]]) & _is_letter(data[offsets[full[:-1] + 1] - 1])
    return full[1:][touching], full[:-1][touching]
