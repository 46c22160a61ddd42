"""Obfuscation detectors: the marks of raw text that only normalisation can read.

A keyword pattern finds a keyword as written or nearly (keywords.py). What
else normalisation reads as a keyword is found by a detector: zero-width
characters, bidirectional controls, soft hyphens, a variation selector after a
keyword letter, combining accents, compatibility forms of keyword characters
(full-width, mathematical letters, half-width kana), a Latin letter beside a
Cyrillic, Greek or Armenian look-alike or a small capital (or inside a Cyrillic
keyword), a keyword spelt out letter
by letter (or joined by dots or hyphens), its parts split by more space than its
pattern allows or by markup or an HTML comment, Arabic or Hebrew vowel points,
tatweel or a Devanagari nukta inside it, its characters decomposed (NFD),
`\\uXXXX` escapes, HTML entities. A detector
hit sends its window to be normalised and checked for every keyword. Ordinary
text, CJK punctuation included, trips none.

Most detectors are literal strings (marks()), which hyperscan's literal matcher
runs at about memory speed; the rest are patterns (detectors()), those led by
`&` or `\\u` scanned beside the keywords, those led by a character class apart.
"""

from __future__ import annotations

import html.entities
import itertools
import unicodedata
from collections.abc import Iterable, Sequence

import regex

from .. import normalize
from .keywords import FULL_WIDTH_DIGITS, char_class, characters, forms, is_cjk, splits, unspaced

_WIDE_SPACE = r"[\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_SPACE = rf"(?:\s|{_WIDE_SPACE})"
_CJK = r"[\x{3040}-\x{30ff}\x{3400}-\x{9fff}\x{f900}-\x{faff}]"
_TAG = r"</?[a-zA-Z][^<>]{0,80}>"
_MARK = rf"(?:[*~`]|{_TAG})"  # what normalisation removes inside a word
_COMMENT = rf"<!--[^>]{{0,{normalize.COMMENT_CHARS}}}-->"
# A letter of a script written with keywords: Latin, Greek, Cyrillic, Hebrew, Arabic, Devanagari, Thai, CJK, Hangul.
_LETTERS = (
    r"a-zA-Z\x{c0}-\x{24f}\x{370}-\x{52f}\x{590}-\x{6ff}\x{900}-\x{97f}\x{e00}-\x{e7f}"
    r"\x{3040}-\x{30ff}\x{3400}-\x{9fff}\x{ac00}-\x{d7af}"
)
# Obfuscation detectors that are patterns, the same for every pack (detectors() adds those that
# depend on the keywords); the others are literals (marks()).
DETECTORS = (
    rf"{_CJK}\s*{_WIDE_SPACE}{_SPACE}*{_CJK}",  # CJK split by a wide space
    rf"{_CJK}[ \n]{{3}}\s*{_CJK}",  # or by 3+ spaces or line breaks (not tabs: `\s{{3}}` runs 2x slower)
    # markup inside a Latin word (Q*wen*, Q<b>wen): a letter, marks and underscores, a letter; written
    # with and without underscores first, as hyperscan runs a pattern starting with "letter, underscores?" slowly
    rf"[a-zA-Z][*~`](?:_|{_MARK})*[a-zA-Z]",
    rf"[a-zA-Z]_+[*~`](?:_|{_MARK})*[a-zA-Z]",
    rf"[a-zA-Z]{_TAG}(?:_|{_MARK})*[a-zA-Z]",
    rf"[a-zA-Z]_+{_TAG}(?:_|{_MARK})*[a-zA-Z]",
    rf"{_CJK}[*~`]*{_TAG}{_MARK}*{_CJK}",  # a tag between CJK characters (markdown marks are a keyword gap)
    r"\\u[0-9a-fA-F]{4}",  # JSON escapes
    r"&(?:amp;)?#[xX]?[0-9a-fA-F]{1,6};",  # numeric HTML entities, also escaped twice ("&amp;#67;")
    # an HTML comment inside a word: "Cha<!-- -->tGPT", "通义<!-- -->千问", "نموذ<!-- -->ج", or on one side of a
    # space between words ("an<!-- --> AI"); and beside an apostrophe: "un'<!-- -->IA", "un<!-- -->'IA"
    rf"[{_LETTERS}'](?:{_COMMENT}(?:_|{_MARK})* ?| {_COMMENT}(?:_|{_MARK})*)[{_LETTERS}']",
)
# Variation selectors common after emoji ("❤️"): watched only after a keyword character or a space.
COMMON_SELECTORS = "".join(map(chr, range(0xFE00, 0xFE10)))
# What normalisation drops but markdown marks, vowel points (those are common in Arabic: see pointed()) and
# common selectors
INVISIBLE = "".join(c for c in normalize.DROPPED if not c.isascii() and c not in normalize.POINTS + COMMON_SELECTORS)
# Combining accents and kana voicing marks (NFD text, stress marks, "Zalgo", half-width kana): rules are
# written composed and without decoration.
COMBINING = "".join(map(chr, range(0x300, 0x370))) + "\u3099\u309a\uff9e\uff9f"
_HARAKAT = "\u064b\u064c\u064d\u064e\u064f\u0650\u0652\u0670"  # Arabic vowels, without shadda
_HEBREW_VOWELS = "".join(map(chr, range(0x5B0, 0x5BC))) + "\u05c7"
# What may stand between two letters of an Arabic or Hebrew keyword in pointed text: a point, a doubling or
# consonant dot with a vowel, tatweel.
_ARABIC_POINTS = [c for c in normalize.POINTS if "\u0600" <= c <= "\u06ff"]
POINT_GAPS = {
    "arabic": _ARABIC_POINTS
    + [a + b for v in _HARAKAT for a, b in (("\u0651", v), (v, "\u0651"))]
    + ["\u0640" * 2, "\u0640" * 3],
    "hebrew": [c for c in normalize.POINTS if c < "\u0600"]
    + [a + b for v in _HEBREW_VOWELS for d in "\u05bc\u05c1\u05c2" for a, b in ((d, v), (v, d))],
    "devanagari": [normalize.NUKTA],
}
SPACED_BY = " \n\t\u00a0\u202f"  # common spaces between the letters of a spaced-out name (rare: RARE_SPACES)
# What else may stand between a keyword's words (its pattern takes one whitespace character): two
# whitespace characters, three spaces or a line break among spaces ("\n \n": a spaced-out line), a wide
# space, emphasis marks beside a space. Other runs of three or more between words of other scripts than
# CJK go unseen (between CJK characters a shape detector sees them).
WORD_GAPS = (
    "  ",
    " \n",
    "\n ",
    "\n\n",
    "\r\n",
    "\t\t",
    "\u00a0",
    "\u202f",
    "\u3000",
    "   ",
    "\n \n",
    " \n ",
    "&nbsp;",
    "&amp;nbsp;",
)
WORD_GAPS += tuple(g for m in ("*", "**", "***", "~~", "`", "_", "__") for g in (" " + m, m + " "))
# A gap between words is watched with this many characters of each word beside it: as many literals as whole
# words ran the literal database at half the speed, and three letters either side of a double space or a line
# break are still rare enough.
GAP_SIDE = 3
# Spaces ordinary text seldom puts after a letter (unlike NBSP and French typography's narrow NBSP): one
# after any letter of a keyword (but a CJK one) is a detector, so a keyword's letters or words split
# by one are seen ("Q\u2003w\u2003e\u2003n", "language\u2003model").
RARE_SPACES = "\x85\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u205f\u3000"
# What normalisation reads as one or two spaces inside a word: whitespace, a line break tag or escape, &nbsp;.
SPLIT_GAPS = tuple(" \n\t\r\x0b\x0c\u00a0\u202f") + tuple(a + b for a in " \n\t\r" for b in " \n\t\r")
SPLIT_GAPS += ("<br>", "<br/>", "<br />", "&nbsp;", "&amp;nbsp;", "\\n", "\\r\\n")
WRAP_GAPS = ("-\n", "-\r\n", "-\r", "- \n", "-\n ", "-\n\n")  # a hyphen and a line break
# Markup normalisation removes inside a word: emphasis marks and common inline tags.
INLINE_MARKS = ("*", "**", "~~", "`") + tuple(
    f"<{c}{t}>" for t in ("b", "i", "em", "strong", "span") for c in ("", "/")
)
# Where a CJK, Hangul or Thai run meets a Latin one inside a keyword (its pattern takes one space or none).
SCRIPT_GAPS = WORD_GAPS + ("\n", "\t", "\r", "<br>", "<br/>", "<br />") + INLINE_MARKS
# Between two CJK characters of a keyword (its pattern takes nothing): what normalisation removes there
# (a tag there is a shape).
CJK_GAPS = WORD_GAPS + ("\n", "\t", "\r", " ", "*", "**", "~", "~~", "`")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def detectors(keywords: Sequence[str]) -> list[str]:
    """The obfuscation detectors that are patterns: DETECTORS, entities of the keywords' characters, and HTML
    tags between their words (tagged())."""
    chars = characters(keywords)
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
    """An HTML tag between two words of a keyword, seen from the word before it ("asisten <span>virtual"), or
    after a Latin word of one or two letters (too common in HTML alone: "I <b>am") from the whole word before it
    and the start of the word after it ("an<b> AI"): patterns, as among the literal detectors a few hundred
    strings ending in "<" slowed that whole database by a third."""
    pairs = _word_pairs(keywords)
    found = {_spelt(left) + " ?<" for left, _ in pairs if len(left) > 2 or not left.isascii()}
    found |= {
        f"(?:^|[^a-zA-Z]){_spelt(left)} ?{_TAG} ?{_spelt(right[:3])}"
        for left, right in pairs
        if len(left) <= 2 and left.isascii() and left.isalnum()
    }
    return sorted(found)


def _spelt(word: str) -> str:
    return "".join(map(char_class, word))


def _word_pairs(keywords: Sequence[str]) -> set[tuple[str, str]]:
    """Every two adjacent words of a keyword."""
    return {pair for k in keywords for pair in itertools.pairwise(k.split())}


def marks(keywords: Sequence[str]) -> list[str]:
    """The obfuscation detectors that are literal strings (found case-insensitively): invisible characters, <wbr>,
    compatibility forms of keyword characters (full-width, mathematical, circled letters), a Latin letter
    beside a Cyrillic or Greek look-alike or a small capital (or look-alikes of two scripts together), the
    letters of a keyword spaced out ("q w e"), its parts split more than its pattern allows (gaps()), its Arabic,
    Hebrew or Devanagari letters split by points (pointed()), and its characters decomposed (NFD Hangul and
    accented letters)."""
    chars = characters(keywords)
    compatible = [
        c
        for c, folded in normalize.compatibility_forms().items()
        if chars & set(folded) and c not in FULL_WIDTH_DIGITS and c not in normalize.SMALL_CAPITALS
    ]
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    glyphs = {c for c in map(chr, range(0x370, 0x530)) if normalize.fold(c) in normalize.HOMOGLYPHS}
    glyphs |= set(normalize.HOMOGLYPHS) | set(normalize.CAPITAL_HOMOGLYPHS)
    # Small capitals are IPA letters too ("[ʀ]"): one counts beside a Latin letter or another small capital
    # ("Qᴡeɴ", "ᴄʜᴀᴛ"), as a look-alike does (IPA beside Latin letters, "/bɪt/", trips it too).
    small = {c for c, letter in normalize.SMALL_CAPITALS.items() if letter in chars}
    lookalikes = glyphs | small
    beside = [a + g for a in letters for g in lookalikes] + [g + a for a in letters for g in lookalikes]
    beside += [a + b for a in small for b in small]
    # Look-alikes of two scripts together, with no Latin letter ("АΙ": Cyrillic А, Greek Ι).
    greek = {g for g in glyphs if "\u0370" <= g <= "\u03ff"}
    beside += [a + b for a in greek for b in glyphs - greek] + [b + a for a in greek for b in glyphs - greek]
    # A Latin letter standing in a Cyrillic word ("языкoвая"): beside any Cyrillic letter of the keywords.
    cyrillic = {f for c in chars if "\u0400" <= c <= "\u04ff" for f in forms(c)}
    beside += [a + b for a in cyrillic for b in normalize.CYRILLIC_LOOKALIKES]
    beside += [b + a for a in cyrillic for b in normalize.CYRILLIC_LOOKALIKES]
    found = set(INVISIBLE) | set(compatible) | set(beside) | spaced(keywords) | split(keywords)
    found |= gaps(keywords) | pointed(keywords)
    found |= {d for c in chars if len(d := unicodedata.normalize("NFD", c)) > 1}  # NFD text: "큐" as "큐"
    found |= {f + w for c in chars if c.isalpha() and not is_cjk(c) for f in forms(c) for w in RARE_SPACES}
    # not after a digit ("1️⃣"), but after a letter or a vowel sign ("ดิ️ษฐ์")
    found |= {f + v for c in chars if c.isalpha() or _is_mark(c) for f in forms(c) for v in COMMON_SELECTORS}
    # a selector before a word ("a \ufe0fmodel"): an emoji takes it after itself, not after a space
    found |= {w + v for w in " \n" for v in COMMON_SELECTORS}
    found |= set(COMBINING)
    found |= {"<wbr>", "<wbr/>", "<wbr />"}  # a word-break hint: inside a word anywhere, rare elsewhere
    found.add("\u0640" * 4)  # a long tatweel anywhere
    return sorted(map(literal, found))


def literal(mark: str) -> str:
    """A mark as the literal database holds it: it folds ASCII case itself, so one spelling of that."""
    return mark.translate(_ASCII_LOWER)


def word_starts(keywords: Sequence[str]) -> set[str]:
    """The marks found only after a non-letter: a keyword spelt out or split (see spaced() and split())."""
    return set(map(literal, spaced(keywords) | split(keywords)))


def split(keywords: Sequence[str]) -> set[str]:
    """A Latin keyword split by a space or a line break where no word boundary is ("cha\\ntgpt", "mis tral"), or
    hyphenated at a line's end ("anthro-\\npic"; see keywords.splits()): found only after a non-letter (see
    Prefilter)."""
    found = set()
    for form in splits(keywords):
        left, right = regex.split("[ -]", form)
        found |= _joined([left], SPLIT_GAPS if " " in form else WRAP_GAPS, [right])
    return found


def spaced(keywords: Sequence[str]) -> set[str]:
    """A keyword's letters spaced out, or joined by dots, underscores or hyphens, three at a time ("q w e", "g_p_t"):
    found only after a non-letter (see Prefilter). So too the letters of a keyword's Cyrillic, Arabic or Hebrew
    words (one separator throughout: "ч а т", "ב י נ ה"), and CJK characters joined by dots or hyphens
    ("通.义.千")."""
    latin = _trigrams(run for k in keywords for run in regex.findall(r"[a-z]{3,}", k))
    found = {a + x + b + y + c for a, b, c in latin for x in SPACED_BY for y in SPACED_BY}
    words = {w for k in keywords for w in regex.findall(r"[\p{Cyrillic}\p{Arabic}\p{Hebrew}]{3,}", k)}
    spelt = _trigrams(case for w in words for case in {w, w.upper(), w.capitalize()})
    found |= {a + x + b + x + c for a, b, c in spelt for x in SPACED_BY}
    cjk = _trigrams(run for k in keywords for run in regex.findall(r"[\p{Han}\p{Hiragana}\p{Katakana}]{3,}", k))
    spelt |= {(x, y, z) for a, b, c in cjk for x in forms(a) for y in forms(b) for z in forms(c)}
    return found | {a + x + b + x + c for a, b, c in latin | spelt for x in "._-"}  # "c.h.a.t", "c_h_a_t"


def _trigrams(runs: Iterable[str]) -> set[str]:
    return {run[i : i + 3] for run in runs for i in range(len(run) - 2)}


def gaps(keywords: Sequence[str]) -> set[str]:
    """Each gap inside a keyword that its pattern does not take, with the keyword's text either side of it:
    between words GAP_SIDE characters of each word ("age\\n\\nmod"), beside a CJK, Hangul or Thai character
    that character; and markup inside a word, unless between two ASCII letters (the markup shapes see those):
    "챗**봇", "m<b>ột", "un'**ia", or beside a hyphen or dot joining a name's parts ("glm-~~4"). For an HTML
    tag between words see tagged()."""
    words = _word_pairs(keywords)
    chars = {pair for k in keywords for word in k.split() for pair in itertools.pairwise(word)}
    found = {g for left, right in words for g in _joined(_side(left, True), WORD_GAPS, _side(right, False))}
    for a, b in chars:
        if is_cjk(a) and is_cjk(b):
            found |= _joined(forms(a), CJK_GAPS, forms(b))
        elif unspaced(a) != unspaced(b) and a.isalnum() and b.isalnum():
            found |= _joined(forms(a), SCRIPT_GAPS, forms(b))
        elif "\u0e00" <= a <= "\u0e7f" and "\u0e00" <= b <= "\u0e7f":  # a line break inside a Thai word
            found |= _joined(a, normalize.LINE_BREAKS, b) | _joined(a, INLINE_MARKS, b)
        elif _marked_in_word(a, b):
            found |= _joined(forms(a), INLINE_MARKS, forms(b))
    return found


def pointed(keywords: Sequence[str]) -> set[str]:
    """Two adjacent letters of an Arabic, Hebrew or Devanagari keyword with vowel points, tatweel or a nukta
    between them ("نَم", "ज़े"): ordinary Arabic text has points (tanween at a word's end, shadda), and Hindi
    nuktas, so a point alone is no detector."""
    found: set[str] = set()
    for a, b in {pair for k in keywords for pair in itertools.pairwise(k)}:
        script = _pointed_script(a)
        if script and script == _pointed_script(b):
            found |= _joined(a, POINT_GAPS[script], b)
    return found


def _pointed_script(c: str) -> str | None:
    if not c.isalpha():
        return None
    if "\u0900" <= c <= "\u097f":
        return "devanagari"
    return "hebrew" if "\u0590" <= c <= "\u05ff" else "arabic" if "\u0600" <= c <= "\u06ff" else None


def _in_word(c: str) -> bool:
    """A letter, digit or apostrophe, or a mark that belongs to a letter (Thai and Devanagari vowel signs)."""
    return c.isalnum() or c == "'" or _is_mark(c)


def _is_mark(c: str) -> bool:
    return unicodedata.category(c).startswith("M")


def _marked_in_word(a: str, b: str) -> bool:
    """Whether markup between two characters of a keyword word needs a literal detector: inside a word, but not
    between two ASCII letters (the markup shapes see those), or beside a hyphen joining a name's parts or after
    a dot ("glm-4", "01.ai"; markup before a dot that ends a sentence, or beside brackets, is too common in
    markdown to watch)."""
    if _in_word(a) and _in_word(b):
        return not (_ascii_letter(a) and _ascii_letter(b))
    return (a == "-" and b.isalnum()) or (b == "-" and a.isalnum()) or (a == "." and b.isalnum())


def _ascii_letter(c: str) -> bool:
    return c.isascii() and c.isalpha()


def _side(word: str, last: bool) -> set[str]:
    """How one side of a gap between words may be written: its edge character if unspaced, else the word's
    GAP_SIDE characters nearest the gap in each case (the literal database folds ASCII case only)."""
    edge = word[-1] if last else word[0]
    if unspaced(edge):
        return set(forms(edge))
    cases = {word} if word.isascii() else {word, word.lower(), word.upper(), word.capitalize()}
    return {w[-GAP_SIDE:] if last else w[:GAP_SIDE] for w in cases}


def _joined(lefts: Sequence[str], middles: Sequence[str], rights: Sequence[str]) -> set[str]:
    return {a + g + b for a in lefts for g in middles for b in rights}
