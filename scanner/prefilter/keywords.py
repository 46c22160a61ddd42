"""Keyword patterns: a keyword as hyperscan finds it in raw text, written as it is or nearly.

Keywords are the packs' names, makers and generic phrases, normalised (lower
case, simplified Chinese). In raw text they may stand in any case, in
traditional characters, with curly apostrophes, full-width digits, and one
whitespace character between words. Their patterns stay this plain because
hyperscan then runs them as near literals: a `\\s+` between words, or optional
marks between CJK characters, made the scan three times slower. Wider gaps are
detectors (see detectors.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from .. import normalize

SHORT_KEYWORD = 4  # a Latin keyword whose last word is this short must end at a word boundary too
SPLIT_PART = 3  # the fewest letters either part of a name split by a space has ("cha tgpt", "mis tral")
LONG_SPLIT_PART = 2  # ... the first part of a name of LONG_NAME letters or more ("cl aude"; not "me ta", "chatbot em")
LONG_NAME = 6
FULL_WIDTH_DIGITS = {chr(0xFF10 + i): str(i) for i in range(10)}  # ordinary in CJK text: kept out of detectors


def keyword_pattern(keyword: str) -> str:
    """A hyperscan regex for a normalised keyword as written or nearly.

    One whitespace character (a space, a line break) may stand between words,
    and one space where a CJK, Hangul or Thai run meets a Latin one ("是一个 AI");
    CJK characters stand together and a Latin word is unbroken. Wider gaps,
    and spaced-out letters, trip a detector instead (detectors.py).
    """

    def word(w: str) -> str:
        parts = [char_class(w[0])]
        for a, b in zip(w, w[1:]):
            if unspaced(a) != unspaced(b) and a.isalnum() and b.isalnum():
                parts.append(" ?")
            parts.append(char_class(b))
        return "".join(parts)

    body = r"\s".join(word(w) for w in keyword.split())
    if left_bounded(keyword):
        body = "(?:^|[^a-zA-Z])" + body
    if right_bounded(keyword):
        body += "(?:[^a-zA-Z]|\\z)"
    return body


@cache
def forms(c: str) -> list[str]:
    """The characters a keyword character may be written as: case, traditional forms, curly apostrophes, wide digits."""
    found = {c, c.upper(), c.lower()}
    if "\u3400" <= c < "\ua000":
        found |= normalize.traditional_forms(c)
    if c == "'":
        found |= {"\u2019", "\u2018", "\u02bc", "\u00b4", "\u2032"}
    found |= {w for w, d in FULL_WIDTH_DIGITS.items() if d == c}
    return sorted(f for f in found if len(f) == 1)


def char_class(c: str) -> str:
    """A keyword character as a hyperscan class of its forms (itself, when it has no other)."""
    written = forms(c)
    if len(written) == 1 and c.isascii() and c.isalnum():
        return c
    return "[" + "".join(f"\\x{{{ord(f):x}}}" for f in written) + "]"


def least_bytes(keyword: str) -> int:
    """The fewest UTF-8 bytes a match of the keyword's pattern ends with, boundaries aside."""
    words = keyword.split()
    return sum(min(len(f.encode()) for f in forms(c)) for w in words for c in w) + len(words) - 1


def most_bytes(keyword: str) -> int:
    """The most UTF-8 bytes a match of the keyword's pattern spans, with its boundaries: a space at every
    script junction, and a character either side."""
    chars = sum(max(len(f.encode()) for f in forms(c)) for c in keyword.replace(" ", ""))
    junctions = sum(unspaced(a) != unspaced(b) for a, b in zip(keyword, keyword[1:]))
    return chars + keyword.count(" ") + junctions + 2 * 4


def left_bounded(keyword: str) -> bool:
    """Whether a keyword must start a word: it starts with a Latin letter ("qwen" is not "aqwen")."""
    return keyword[:1].isascii() and keyword[:1].isalpha()


def right_bounded(keyword: str) -> bool:
    """Whether a keyword must end a word: its last word is short and Latin ("qwen" is not "qwenching",
    "als ki" not "als kind"). Its pattern then takes the character after it (see keyword_pattern)."""
    return len(keyword.split()[-1]) <= SHORT_KEYWORD and keyword[-1:].isascii() and keyword[-1:].isalpha()


def splits(keywords: Sequence[str]) -> frozenset[str]:
    """How a one-word Latin keyword may stand split in two, for normalize.rejoin() to read whole again: by a space
    or line break, SPLIT_PART letters or more either side (LONG_SPLIT_PART before it in a long name), where that
    is no keyword itself ("cha tgpt", "cl aude"; not "chat gpt"), or hyphenated at the end of a line ("anthro-pic",
    "open-ai")."""
    words = {k for k in keywords if k.isascii() and k.isalpha() and len(k) >= 4}
    first = {w: LONG_SPLIT_PART if len(w) >= LONG_NAME else SPLIT_PART for w in words}
    spaced = {w[:i] + " " + w[i:] for w in words for i in range(first[w], len(w) - SPLIT_PART + 1)}
    wrapped = {w[:i] + "-" + w[i:] for w in words for i in range(2, len(w) - 1)}
    return frozenset(spaced - set(keywords) | wrapped)


def characters(keywords: Sequence[str]) -> set[str]:
    """Every character of the keywords but the space."""
    return set("".join(keywords)) - {" "}


def unspaced(c: str) -> bool:
    """A character of a script that may meet Latin without a space (CJK, Hangul, Thai)."""
    return (
        is_cjk(c)
        or "\uac00" <= c <= "\ud7a3"
        or "\u1100" <= c <= "\u11ff"
        or "\u3130" <= c <= "\u318f"
        or "\u0e00" <= c <= "\u0e7f"
    )


def is_cjk(c: str) -> bool:
    """A Han, Hiragana or Katakana character."""
    return "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"
