"""Normalised text with a map back to offsets in the original.

Rules match on a canonical form of the text: NFKC, case folded, simplified
Chinese, ASCII quotes, Latin small capitals and IPA look-alikes as letters,
without zero-width characters, variation selectors and tag characters,
bidirectional controls, decorating combining marks and accents no letter
takes, soft hyphens, Arabic and Hebrew vowel points, tatweel, the Devanagari
nukta, markdown emphasis and link targets, HTML tags, comments and entities or
JSON escapes, with Hangul jamo, kana voicing marks and combining accents
composed, Cyrillic, Greek and Armenian look-alikes inside Latin words mapped to
Latin (and a lone Latin letter inside a Cyrillic word to Cyrillic), spaces
between CJK characters removed and single letters spaced out (or joined by dots
or hyphens) joined.
As in Markdown, an underscore inside a word (`snake_case`) is kept: only `*`
and `~` emphasise inside a word. Every normalised character
remembers the span of the original text it came from, so a match reports the
original offsets.
"""

from __future__ import annotations

import html
import pickle
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import regex

from . import hsdb

NUKTA = "\u093c"
# Arabic harakat and tatweel, Hebrew points and cantillation, the Devanagari nukta (written or left out
# at will: "सिर्फ़", "सिर्फ"): rules are written without them.
POINTS = (
    "".join(map(chr, range(0x64B, 0x660)))
    + "\u0670\u0640"
    + "".join(map(chr, range(0x591, 0x5BE)))
    + "\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    + NUKTA
)
# Variation selectors and tag characters: invisible; the common selectors follow emoji ("❤️"), so the prefilter
# watches those only after a letter.
SELECTORS = "".join(map(chr, [*range(0xFE00, 0xFE10), *range(0xE0000, 0xE0080), *range(0xE0100, 0xE01F0)]))
# Characters that carry no letter: zero-width, joiners, bidirectional controls, decorating combining marks
# (C̲h̲a̲t̲), soft hyphen, BOM, selectors, the markdown emphasis marks that may wrap or split a name (`_` only at a
# word's edge: see _TOKEN), and points.
DROPPED = (
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f\u061c"
    + "\u0305\u0332\u0333\u0335\u0336\u0337\u0338"  # combining overlines, underlines, strokes: styled letters
    + "".join(map(chr, range(0x202A, 0x202F)))
    + "".join(map(chr, range(0x2066, 0x206A)))
    + SELECTORS
    + "*~`"
    + POINTS
)
# Latin small capitals ("ᴄʜᴀᴛɢᴘᴛ"), which NFKC leaves as they are.
SMALL_CAPITALS = dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz", strict=True))
# IPA letters that are look-alikes of plain Latin ones ("ChɑtGPT"), folded wherever they stand.
IPA_LOOKALIKES = {"ɑ": "a", "ɡ": "g", "ɩ": "i"}
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u00b4": "'", "\u2032": "'"}
_QUOTES |= {"\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"'}

# Cyrillic and Greek letters that look like Latin ones.
HOMOGLYPHS = {
    "а": "a",
    "в": "b",
    "с": "c",
    "е": "e",
    "һ": "h",
    "і": "i",
    "ј": "j",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "ԛ": "q",
    "ѕ": "s",
    "т": "t",
    "у": "y",
    "ԝ": "w",
    "х": "x",
    "ү": "y",
    "ӏ": "l",
    "α": "a",
    "β": "b",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "ѵ": "v",
    "ԁ": "d",
    "ԍ": "g",
    "ⅼ": "l",
    # Armenian
    "ո": "n",
    "օ": "o",
    "ս": "u",
    "հ": "h",
    "ց": "g",
    "զ": "q",
}
# Cyrillic letters that look Latin only as capitals ("В", "Н"; not "в", "н").
_CAPITAL_LOOKALIKES = set("вкмнт")
# Greek capitals that look like other Latin letters than their small letters do ("ΜiniMax": μ is no m).
CAPITAL_HOMOGLYPHS = {"Μ": "m", "Ν": "n", "Η": "h", "Υ": "y", "Ζ": "z"}
# Latin letters inside a word of Cyrillic letters, as the Cyrillic letter they look like ("языкoвая"): the
# look-alikes of the Russian alphabet, and Ukrainian і.
CYRILLIC_LOOKALIKES = {latin: c for c, latin in HOMOGLYPHS.items() if "а" <= c <= "я" or c == "і"}

# Inline HTML tags vanish; block tags separate words.
_INLINE_TAGS = {"b", "i", "u", "em", "strong", "span", "a", "mark", "code", "font", "s", "sup", "sub", "small", "wbr"}
_INLINE_TAGS |= {"ruby", "rb"}  # ruby text: its reading (<rt>, <rp>) goes whole
COMMENT_CHARS = 200  # the longest HTML comment read as nothing (the prefilter's detector takes as long)
_TOKEN = regex.compile(
    r"<(?:rt|rp)>[^<>]{0,40}</(?:rt|rp)>|"
    r"&(?:amp;)?(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,10});"  # an entity, or one escaped twice: "&amp;nbsp;"
    r"|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    r"|\\u[0-9a-fA-F]{4}|\\[\"\\/nrt]"
    r"|</?([a-zA-Z][a-zA-Z0-9]{0,10})(?:\s[^<>]{0,200})?/?>"
    r"|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])"
    # a markdown link reads as its text: "[ChatGPT](https://…/GPT_(model) "title")" -> "ChatGPT"
    r"|\[(?=[^\[\]\n]{1,200}\]\()"
    r'|(?<=\[[^\[\]\n]{1,200})\]\((?:[^()\s]|\([^()\s]*\)){0,500}(?:\s+"[^"\n]{0,100}")?\)'
    rf"|<!--[^>]{{0,{COMMENT_CHARS}}}?-->"  # an HTML comment, even inside a word: "Cha<!-- -->tGPT"
    r"|(?<=\n)[ \t]*>[> \t]*"  # a quote marker opening a line: "> I am a large language model\n> trained by…"
)
_VOICING = "\u3099\u309a"  # combining kana voicing marks (what half-width "ﾞ" and "ﾟ" fold to)
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
_CJK_GAP = regex.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_THAI_GAP = regex.compile(r"(?<=\p{Thai}) {1,2}(?=\p{Thai})")
LINE_BREAKS = ("\n", "\r\n", "\r")
_LATIN = regex.compile(r"\p{Latin}")
_COMBINING = regex.compile(r"[\u0300-\u036f]")
_WORD = regex.compile(r"\w+")
# Two Latin words one or two spaces apart: a name split in two, perhaps (see rejoin()).
_PAIR = regex.compile(r"(?<![\p{L}\p{N}])([a-z]{2,})(-?) {1,2}([a-z]{2,})(?![\p{L}\p{N}])")
_MIXED_WORD = regex.compile(r"[\p{Latin}\p{Cyrillic}\p{Greek}\p{Armenian}]+")
# Single letters spaced out, or joined by dots, underscores or hyphens ("C.h.a.t.G.P.T", "Ч а т"), one separator
# throughout; CJK characters joined by dots or hyphens ("通.义.千.问": spaces between them go anyway).
SPACEABLE = r"\p{Latin}\p{Cyrillic}\p{Arabic}\p{Hebrew}"
_SCRIPTS = [regex.compile(rf"\p{{{s}}}") for s in ("Latin", "Cyrillic", "Arabic", "Hebrew", "Greek", "Armenian")]
# A letter or digit of a script that parts words by spaces: a spaced-out name may touch the others
# ("私はG r o kです", "G o o g l e에서").
_SPACED_WORD = r"[[\p{L}\p{N}]--[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}]]"
_SPACED_LETTERS = regex.compile(
    rf"(?<!{_SPACED_WORD})[{SPACEABLE}]([ ._\-])[{SPACEABLE}](?:\1[{SPACEABLE}])+(?!{_SPACED_WORD})"
    rf"|[{_CJK}]([.\-])[{_CJK}](?:\2[{_CJK}])+",
    regex.V1,
)


@dataclass(frozen=True)
class Normalized:
    """Normalised text and, per character, the original span it came from."""

    text: str
    starts: list[int] | None  # None: the identity map
    ends: list[int] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised span [start, end)."""
        if self.starts is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else (self.ends[-1] if self.ends else 0)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _derived(name: str, build: Callable[[], object]):
    """A table derived from Unicode and OpenCC data, built once per machine (they take a second each)."""
    import opencc

    versions = [unicodedata.unidata_version, regex.__version__, getattr(opencc, "__version__", "")]
    key = ["normalize", name, *versions, hsdb.code_of(sys.modules[__name__])]  # any edit here rebuilds
    return pickle.loads(hsdb.cached(key, lambda: pickle.dumps(build(), protocol=pickle.HIGHEST_PROTOCOL)))


@cache
def t2s_table() -> dict[str, str]:
    """Traditional to simplified Chinese, character by character (OpenCC)."""
    return _derived("t2s", _t2s)


def _t2s() -> dict[str, str]:
    import opencc

    chars = [chr(i) for i in range(0x3400, 0xA000)] + [chr(i) for i in range(0xF900, 0xFB00)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    return {a: b for a, b in zip(chars, converted) if a != b and len(b) == 1}


@cache
def _simplified_to_traditional() -> dict[str, frozenset[str]]:
    inverse: dict[str, set[str]] = {}
    for trad, simp in t2s_table().items():
        inverse.setdefault(simp, set()).add(trad)
    return {k: frozenset(v) for k, v in inverse.items()}


def traditional_forms(c: str) -> frozenset[str]:
    """The traditional characters that fold to simplified `c`."""
    return _simplified_to_traditional().get(c, frozenset())


@cache
def compatibility_forms() -> dict[str, str]:
    """Characters that fold to letters or digits other than by case or traditional-to-simplified
    (full-width and mathematical letters, circled forms, ligatures, Kangxi radicals), with their folds."""
    return _derived("compatibility", _compatibility)


def _compatibility() -> dict[str, str]:
    table, _ = _tables()
    traditional = t2s_table()
    forms = {}
    for cp in range(0x80, 0x30000):
        ch = chr(cp)
        if 0xD800 <= cp < 0xE000 or ch in traditional:
            continue
        folded = table.get(cp) if cp < 0x10000 else fold(ch)
        if not folded or folded == ch or (len(folded) == 1 and ch in (folded.upper(), folded.lower())):
            continue
        if any(c.isalnum() for c in folded):
            forms[ch] = folded
    return forms


def fold(ch: str) -> str:
    """One character as matching sees it: NFKC, case folded, ASCII quotes, Latin small capitals as letters,
    simplified Chinese, without a nukta."""
    out = unicodedata.normalize("NFKC", _QUOTES.get(ch, ch)).casefold()
    out = "".join(_QUOTES.get(c) or SMALL_CAPITALS.get(c) or IPA_LOOKALIKES.get(c, c) for c in out)
    table = t2s_table()
    out = "".join(table.get(c, c) for c in out)
    decomposed = unicodedata.normalize("NFD", out)
    if NUKTA in decomposed:  # क़ and ऩ are क and न with a nukta, which rules leave out
        out = unicodedata.normalize("NFC", decomposed.replace(NUKTA, ""))
    return out


@cache
def _tables() -> tuple[dict[int, str], Callable[[str], bool]]:
    """The fold of every BMP character that changes, and the test of what needs the slow path."""
    folds, classes = _derived("tables", _folds_and_classes)
    return folds, _slow_test(classes)


def _folds_and_classes() -> tuple[dict[int, str], dict[str, str]]:
    folds: dict[int, str] = {}
    irregular = []
    for cp in range(0x10000):
        ch = chr(cp)
        if 0xD800 <= cp < 0xE000 or ch in DROPPED:
            continue
        folded = " " if ch.isspace() else fold(ch)
        if folded != ch:
            folds[cp] = folded
            if len(folded) != 1:
                irregular.append(ch)
    classes = {
        # (astral characters are a range of their own in the test: listed one by one, they slowed it tenfold)
        "specials": re.escape("".join(c for c in DROPPED + "".join(irregular) if c <= "\uffff")),
        "latin": _bmp_class(r"\p{Latin}"),
        "spaceable": _bmp_class(rf"[{SPACEABLE}]"),
        "other": _bmp_class(r"[\p{Cyrillic}\p{Greek}\p{Armenian}]"),
        "word": _bmp_class(r"[\p{L}\p{N}]"),
        "spaced_word": _bmp_class(_SPACED_WORD, regex.V1),
        "cjk": _bmp_class(rf"[{_CJK}]"),
        "space": re.escape("".join(c for c in map(chr, range(0x10000)) if c.isspace())),  # what folds to " "
        "dot": re.escape("." + "".join(chr(cp) for cp, f in folds.items() if f == ".")),
        "hyphen": re.escape("-" + "".join(chr(cp) for cp, f in folds.items() if f == "-")),
    }
    return folds, classes


def _slow_test(classes: dict[str, str]) -> Callable[[str], bool]:
    """Whether text holds anything the fast path (one `str.translate`) would get wrong.

    These are `re` patterns over character classes read from `regex`'s Unicode
    properties: ten times faster than the same test in `regex`, and it runs on
    every window. Each part is tried only when a cheap check says it could match.
    """
    latin, other, word, cjk, space, dot, hyphen = (
        classes[k] for k in ("latin", "other", "word", "cjk", "space", "dot", "hyphen")
    )
    # jamo: NFD Hangul; "](": a markdown link; a quote marker opening a line
    marks = re.compile(rf"[{classes['specials']}&\\<\u1160-\u11ff\U00010000-\U0010FFFF]|\]\(|\n[ \t]*>").search
    edge_underscore = re.compile(rf"(?<![{word}])_|_(?![{word}])").search
    letter = classes["spaceable"]
    joined = rf"[{space}][{letter}][{space}]|[{dot}][{letter}][{dot}]|[{hyphen}][{letter}][{hyphen}]|_[{letter}]_"
    spaced_word = classes["spaced_word"]
    spaced = re.compile(rf"(?<![{spaced_word}])[{letter}](?:{joined})[{letter}](?![{spaced_word}])").search
    separator = re.compile(rf"[{dot}{hyphen}]").search
    dotted = re.compile(rf"[{cjk}](?:[{dot}][{cjk}][{dot}]|[{hyphen}][{cjk}][{hyphen}])[{cjk}]").search
    cjk_gap = re.compile(rf"[{cjk}][{space}]+[{cjk}]").search
    thai_break = re.compile("[\u0e00-\u0e7f]\r?[\n\r][\u0e00-\u0e7f]").search
    combining = re.compile("[\u0300-\u036f\u3099\u309a\uff9e\uff9f]").search
    has_other = re.compile(rf"[{other}\u0300-\u036f]").search
    cyrillic, greek = "\u0400-\u052f", "\u0370-\u03ff"
    mixed = re.compile(
        rf"[{latin}][{other}\u0300-\u036f]|[{other}][{latin}]|[{cyrillic}][{greek}]|[{greek}][{cyrillic}]"
    ).search

    def needs_slow(text: str) -> bool:
        if marks(text) or ("_" in text and edge_underscore(text)) or spaced(text):
            return True
        if text.isascii():
            return False
        broken = ("\n" in text or "\r" in text) and thai_break(text)
        joined = separator(text) and dotted(text)  # CJK characters joined by dots or hyphens
        return bool(cjk_gap(text) or combining(text) or joined or broken or (has_other(text) and mixed(text)))

    return needs_slow


def _bmp_class(prop: str, flags: int = 0) -> str:
    """The BMP characters `regex` pattern `prop` matches, as the inside of an `re` character class."""
    test = regex.compile(prop, flags).match
    runs: list[list[int]] = []
    for cp in range(0x10000):
        if 0xD800 <= cp < 0xE000 or not test(chr(cp)):
            continue
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in runs)


def normalize(text: str) -> Normalized:
    """Normalise text for matching, keeping a map to original offsets."""
    table, needs_slow = _tables()
    if not needs_slow(text):
        return Normalized(text.translate(table), None, None)
    chars, starts, ends = _decode(text, table)
    _compose(chars, starts, ends)
    _drop_cjk_gaps(chars, starts, ends, text)
    _join_spaced_letters(chars, starts, ends, text)
    _unmask_homoglyphs(chars, starts, text)  # after joining: "Q w е n" is a word of look-alikes
    return Normalized("".join(chars), starts, ends)


def words(texts: Iterable[str]) -> frozenset[str]:
    """The words of some texts, as without_accents() reads words."""
    return frozenset(w for t in texts for w in _WORD.findall(t))


def without_accents(norm: Normalized, original: str, words: frozenset[str]) -> Normalized | None:
    """`norm` with the accents off the letters that took them from a combining mark written apart, in the words
    that then read as one of `words` (the keywords' words: "Gemini\u0302", "DeepSe\u0300ek"), or None where none
    does. NFD text is written so too ("Na\u0303o"): there a word keeps its accents."""
    if norm.starts is None or not _COMBINING.search(original):
        return None  # no mark written apart
    chars = list(norm.text)
    for m in _WORD.finditer(norm.text):
        bare = [
            unicodedata.normalize("NFD", c)[0]
            if norm.ends[i] - norm.starts[i] > 1 and _COMBINING.search(original, norm.starts[i], norm.ends[i])
            else c
            for i, c in enumerate(m.group(), m.start())
        ]
        if "".join(bare) in words and m.group() not in words:
            chars[m.start() : m.end()] = bare
    text = "".join(chars)
    return None if text == norm.text else Normalized(text, norm.starts, norm.ends)


def rejoin(norm: Normalized, original: str, splits: frozenset[str]) -> Normalized:
    """Normalised `original` with the names in `splits` read whole: split by a space ("cha tgpt": a line break,
    space or tag inside a name, "Cha\\ntGPT"), unless the second part is written as a capitalised word ("Wen
    Xin"); or hyphenated ("anthro-pic") where a line breaks after the hyphen."""
    gaps = []
    for m in _PAIR.finditer(norm.text, overlapped=True):
        left, hyphen, right = m.groups()
        first, _ = norm.span(m.start(3), m.start(3) + 2)
        if hyphen:
            a, b = norm.span(m.end(1), m.start(3))
            joined = f"{left}-{right}" in splits and ("\n" in original[a:b] or "\r" in original[a:b])
        else:
            capitalised = original[first : first + 1].isupper() and original[first + 1 : first + 2].islower()
            joined = f"{left} {right}" in splits and not capitalised
        if joined:
            gaps.append((m.end(1), m.start(3)))
    if not gaps:
        return norm
    chars = list(norm.text)
    starts = list(range(len(chars))) if norm.starts is None else list(norm.starts)
    ends = list(range(1, len(chars) + 1)) if norm.ends is None else list(norm.ends)
    for start, end in reversed(gaps):
        del chars[start:end], starts[start:end], ends[start:end]
    return Normalized("".join(chars), starts, ends)


def _decode(text: str, table: dict[int, str]) -> tuple[list[str], list[int], list[int]]:
    """Fold every character and decode entities, escapes and tags, one output char per list entry."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def emit(piece: str, start: int, end: int) -> None:
        for c in piece:
            if c in DROPPED:
                if c in POINTS and ends and ends[-1] == start:
                    ends[-1] = end  # a vowel point belongs to the letter before it
                continue
            for f in table.get(ord(c), c) if ord(c) <= 0xFFFF else fold(c):
                chars.append(f)
                starts.append(start)
                ends.append(end)

    pos = 0
    for m in _TOKEN.finditer(text):
        for i in range(pos, m.start()):
            emit(text[i], i, i + 1)
        emit(_decode_token(m), m.start(), m.end())
        pos = m.end()
    for i in range(pos, len(text)):
        emit(text[i], i, i + 1)
    return chars, starts, ends


def _decode_token(m: regex.Match) -> str:
    token = m.group()
    if token.startswith(("_", "[", "]", "<!--")) or token.lstrip(" \t").startswith(">"):
        return ""
    if token.startswith("&"):
        return html.unescape(html.unescape(token))
    if token.startswith("<"):
        return "" if m.group(1) is None or m.group(1).lower() in _INLINE_TAGS else " "  # None: a ruby reading
    if token.startswith("\\u"):
        units = [int(token[i + 2 : i + 6], 16) for i in range(0, len(token), 6)]
        if len(units) == 2:
            return chr(0x10000 + ((units[0] - 0xD800) << 10) + (units[1] - 0xDC00))
        return chr(units[0]) if not 0xD800 <= units[0] < 0xE000 else ""
    return {"n": "\n", "r": "\r", "t": "\t"}.get(token[1], token[1])


def _compose(chars: list[str], starts: list[int], ends: list[int]) -> None:
    """Join a letter and the combining accents after it ("e" + "̣" + "̂" -> "ệ"), Hangul jamo into syllables
    ("ᄏ" + "ᅲ" -> "큐": NFD Korean, as macOS writes it) and kana with their voicing marks ("ｼﾞ" -> "ジ"), as rules
    are written composed. An accent no letter takes is decoration (a stress mark, "Zalgo" text): it goes, and so
    do the accents written apart in its word ("Ćh̖ät" -> "chat")."""
    i, decorated = 1, []
    while i < len(chars):
        accent = "\u0300" <= chars[i] <= "\u036f"
        if accent or "\u1160" <= chars[i] <= "\u11ff" or chars[i] in _VOICING:
            composed = unicodedata.normalize("NFC", chars[i - 1] + chars[i])
            if len(composed) == 1 or accent:
                if len(composed) > 1:
                    decorated.append(i - 1)
                chars[i - 1], ends[i - 1] = composed[0], ends[i]
                del chars[i], starts[i], ends[i]
                continue
        i += 1
    for i in decorated:
        _strip_word_accents(chars, starts, ends, i)


def _strip_word_accents(chars: list[str], starts: list[int], ends: list[int], at: int) -> None:
    """Take off the accents composed from marks written apart in the word around `at`."""
    lo, hi = at, at + 1
    while lo > 0 and chars[lo - 1].isalpha():
        lo -= 1
    while hi < len(chars) and chars[hi].isalpha():
        hi += 1
    for j in range(lo, hi):
        if ends[j] - starts[j] > 1 and (base := unicodedata.normalize("NFD", chars[j])[0]).isalpha():
            chars[j] = base


def _drop_cjk_gaps(chars: list[str], starts: list[int], ends: list[int], original: str) -> None:
    """Remove whitespace between two CJK characters ("通义 千问" -> "通义千问"), and a line break between two
    Thai ones (Thai words run together: a space parts phrases, a line break inside a word is layout)."""
    text = "".join(chars)
    gaps = list(_CJK_GAP.finditer(text))
    gaps += [m for m in _THAI_GAP.finditer(text) if original[starts[m.start()] : ends[m.end() - 1]] in LINE_BREAKS]
    for m in sorted(gaps, key=lambda m: m.start(), reverse=True):
        del chars[m.start() : m.end()], starts[m.start() : m.end()], ends[m.start() : m.end()]


def _unmask_homoglyphs(chars: list[str], starts: list[int], original: str) -> None:
    """Map look-alikes inside words that mix Latin with Cyrillic, Greek or Armenian letters: to Latin, unless
    the word is Cyrillic (more Cyrillic letters than Latin ones, not all look-alikes as written), where a Latin
    letter standing alone maps to Cyrillic ("языкoвая", "мoвна"). A word of look-alikes of two scripts and no
    Latin letter maps to Latin too ("АΙ": Cyrillic А, Greek Ι); a word of two parts, Latin letters and two
    letters or more that are no look-alikes, is a name of two scripts and stays ("ЧатGPT")."""
    text = "".join(chars)
    for m in _MIXED_WORD.finditer(text):
        word = m.group()
        latin = [_LATIN.match(c) is not None for c in word]
        if all(latin) or (not any(latin) and len({_script(c) for c in word}) < 2):
            continue
        written = [original[starts[i]] for i in range(m.start(), m.end())]
        plain = sum(not is_latin and not _looks_latin(c, w) for c, w, is_latin in zip(word, written, latin))
        disguised = plain == 0
        if not any(latin) and not disguised:
            continue  # two scripts but no Latin letter, not all look-alikes: no Latin word disguised
        if _two_runs(latin) and plain >= 2 and sum(latin) >= 2:
            continue  # a name of two scripts, each its own part ("ЧатGPT"), is no disguise
        cyrillic = not disguised and sum("\u0400" <= c <= "\u04ff" for c in word) > sum(latin)
        for i, (c, w) in enumerate(zip(word, written)):
            if not cyrillic:
                chars[m.start() + i] = CAPITAL_HOMOGLYPHS.get(w) or HOMOGLYPHS.get(c, c)
            elif latin[i] and not any(latin[max(0, i - 1) : i]) and not any(latin[i + 1 : i + 2]):
                chars[m.start() + i] = CYRILLIC_LOOKALIKES.get(c, c)


def _looks_latin(folded: str, written: str) -> bool:
    """Whether a letter (folded, and as written) is a look-alike of a Latin one."""
    return written in CAPITAL_HOMOGLYPHS or (
        folded in HOMOGLYPHS and not (folded in _CAPITAL_LOOKALIKES and written.islower())
    )


def _two_runs(flags: list[bool]) -> bool:
    """Whether a word's letters are one run of each kind (its Latin letters, then the others, or the reverse)."""
    return sum(a != b for a, b in zip(flags, flags[1:])) == 1


def _apart(edge: str, rest: str, trailing: bool = False) -> bool:
    """Whether an edge letter of a spaced run is a word of its own: a letter of another script than the two
    nearest letters that are no look-alikes, and no look-alike itself ("Я Q w e n"); or a lower-case letter
    where the rest (read from the edge inwards) is a name that starts with a capital and mixes cases ("o L e",
    "o G e m i n i"), and a trailing letter follows two capitals ("…G P T y")."""
    plain = [c for c in rest if fold(c) not in HOMOGLYPHS][:2]  # the letters nearest the edge that are no disguise
    if plain and fold(edge) not in HOMOGLYPHS and all(_script(edge) != _script(c) for c in plain):
        return True
    if not edge.islower() or len(rest) < 2 or not rest[0].isupper() or rest.isupper() or rest.islower():
        return False
    return not trailing or rest[1].isupper()


def _script(c: str) -> int | None:
    return next((i for i, script in enumerate(_SCRIPTS) if script.match(c)), None)


def _join_spaced_letters(chars: list[str], starts: list[int], ends: list[int], original: str) -> None:
    """Remove the spaces (dots, hyphens) in a run of spaced single letters ("q w e n" -> "qwen").

    A lower-case letter at an end of a run of a mixed-case name is a word of its own: "sou o G e m i n i",
    "Soy C h a t G P T y estoy" (but "x A I", "i F L Y T E K" and "L L a M a" are one word each).
    """
    text = "".join(chars)
    for m in reversed(list(_SPACED_LETTERS.finditer(text))):
        written = "".join(original[starts[i]] for i in range(m.start(), m.end(), 2))
        first = m.start() + 2 * _apart(written[0], written[1:])
        last = m.end() - 2 * _apart(written[-1], written[-2::-1], trailing=True)
        for i in range(last - 2, first, -2):
            del chars[i], starts[i], ends[i]
