"""Sentence-like pieces of normalised text: the units references are indexed by and windows are built from.

Boundaries depend on the text alone (a sentence end, a line break), so a near
copy of a reference splits where the reference splits, whatever surrounds it.
"""

from __future__ import annotations

import numpy as np
import regex

# A run of ! ? 。 (always an end in CJK text), a full stop before a space or a
# CJK character (not "2.5" or "e.g"), closing quotes after them; or line breaks.
_END = regex.compile(r"(?:[!?。]+|\.+(?=\s|$|[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]))[\"')\]」』]*|\n+")
MIN_CHARS = 12  # a shorter piece ("Hello!", "您好！") joins the next one
MAX_CHARS = 400  # a longer one is cut, so one unpunctuated page is not one window


def sentence_bounds(text: str) -> np.ndarray:
    """(start, end) of each sentence-like piece of `text`, in order, covering it without leading spaces."""
    bounds: list[list[int]] = []
    pos = 0
    for end in [m.end() for m in _END.finditer(text)] + [len(text)]:
        start = pos
        while start < end and text[start].isspace():
            start += 1
        pos = end
        if start >= end:
            continue
        if bounds and bounds[-1][1] - bounds[-1][0] < MIN_CHARS:
            bounds[-1][1] = end
        else:
            bounds.append([start, end])
    pieces = [[s, min(s + MAX_CHARS, e)] for a, e in bounds for s in range(a, e, MAX_CHARS)]
    return np.array(pieces, dtype=np.int64).reshape(-1, 2)


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The span [start, end) widened to the sentence boundaries around it within `text`."""
    before = [m.end() for m in _END.finditer(text, 0, start)]
    after = _END.search(text, end)
    return (before[-1] if before else 0), (after.end() if after else len(text))
