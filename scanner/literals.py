"""Literals every match of a rule must contain: a cheap gate before running its regex.

A keyword hit sends a window to every rule of that keyword: for a name like
"chatgpt" that is one rule per claim template per language, hundreds of
regexes, while the window holds the words of one language's claim at most.
Each rule's pattern is parsed once into an AND of ORs of literals, in the
manner of RE2's FilteredRE2: "我是" and one of the names; "i am" or "i'm" and
one of the names. A window that lacks them cannot match, so the rule is not
run (nor compiled). A pattern is read the first time a window asks for its
rule: most rules never are. A pattern that cannot be read this way (backreferences,
`regex`-only syntax, fuzzy matching) has no gate: it always runs.

Windows are normalised, hence case folded, and every space in them is " ":
literals are folded too, `\\s+` reads as one space, and literals are looked for in
the window with its runs of spaces collapsed.
"""

from __future__ import annotations

import pickle
import re
import sys
import warnings
from collections import defaultdict
from collections.abc import Sequence
from functools import cache

try:  # Python 3.11+
    from re import _constants as C
    from re import _parser as parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as C
    import sre_parse as parser

from . import hsdb
from .packs import Rule

MAX_EXACT = 64  # strings an exact set may hold before it stops being tracked
MAX_CLASS = 8  # characters a class may hold and still count as exact
BRANCH_PICKS = 3  # OR-sets a branch yields, each from one need of every alternative
MAX_NEEDS = 6  # OR-sets kept per rule, the most selective
Needs = tuple[frozenset[str], ...]  # every one must be met: one of its literals occurs in the text

# `regex` syntax that `re` does not read, rewritten to what `re` reads as "some characters":
# \p{...} properties to \w, \m and \M word edges to nothing, and group names dropped (`regex`
# lets names repeat). Escaped pairs are matched first so `\\p` stays as written.
_REWRITE = re.compile(r"\\(?:[pP]\{[^}]*\}|[pP][A-Za-z]|[mM])|\\.|\(\?P?<[A-Za-z_]\w*>", re.S)
_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}
_ATOMIC = getattr(C, "ATOMIC_GROUP", object())  # (?>...): Python 3.11+
PLACEHOLDER = 0xF0000  # private-use characters standing for named groups while a skeleton is parsed
_SPACES = re.compile(" {2,}")
_PRIVATE = re.compile("[\U000f0000-\U000fffff]")
_CONDITIONAL = re.compile(r"\(\?\(\w+\)")
_GROUP_START = re.compile(r"\(\?P?<[A-Za-z_]\w*>")
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}


@cache
def required_literals(pattern: str) -> Needs | None:
    """What any match of a case-insensitive `regex` pattern contains, or None when that cannot be said."""
    try:
        exact, needs = _pattern(pattern)
    except _Unreadable:
        return None
    collapsed = {_shortest(frozenset(collapse_spaces(s) for s in n)) for n in _usable(exact, needs)}
    kept = sorted((n for n in collapsed if n != {" "}), key=_selectivity, reverse=True)
    return tuple(kept[:MAX_NEEDS]) or None


def _shortest(literals: frozenset[str]) -> frozenset[str]:
    """An OR-set without the literals that hold another of its literals (that one occurs wherever they do)."""
    kept: list[str] = []
    for s in sorted(literals, key=len):  # a literal holding a dropped one holds a kept one too
        if not any(t in s for t in kept):
            kept.append(s)
    return frozenset(kept)


def collapse_spaces(text: str) -> str:
    """Runs of spaces as one: what literals are looked for in (`\\s+` reads as one space)."""
    return _SPACES.sub(" ", text)


@cache
def _pattern(pattern: str) -> tuple[frozenset[str] | None, tuple[frozenset[str], ...]]:
    """A pattern read as a skeleton and its named groups: rules of one claim template share all but the names."""
    skeleton, groups = _named_groups(_conditionals(pattern))
    exact, needs = _skeleton(skeleton)
    resolved = [r for n in needs for r in _resolve(n, groups)]
    return exact, tuple(resolved)


@cache
def _skeleton(skeleton: str) -> tuple[frozenset[str] | None, tuple[frozenset[str], ...]]:
    """A skeleton's literals, with a placeholder character standing for each group's own."""
    return _sequence(_parse(skeleton))


def _resolve(literals: frozenset[str], groups: tuple[str, ...]) -> list[frozenset[str]]:
    """An OR-set of a skeleton with its placeholders replaced by what their groups need."""
    marks = [s for s in literals if len(s) == 1 and _is_placeholder(ord(s))]
    if not marks:
        return [literals]
    if literals == {marks[0]}:  # the group alone: everything it needs
        exact, needs = _pattern(groups[ord(marks[0]) - PLACEHOLDER])
        return [*needs, exact] if exact is not None else list(needs)
    out = set(literals) - set(marks)
    for mark in marks:  # one of several: the group's most selective OR-set stands in for it
        exact, needs = _pattern(groups[ord(mark) - PLACEHOLDER])
        options = _usable(exact, needs)
        if not options:
            return []
        out |= max(options, key=_selectivity)
    return [frozenset(out)]


def _usable(exact: frozenset[str] | None, needs: tuple[frozenset[str], ...]) -> list[frozenset[str]]:
    """The OR-sets that say something: not empty, and not satisfied by the empty string."""
    return [n for n in (*needs, exact) if n and "" not in n]


def _is_placeholder(code: int) -> bool:
    return PLACEHOLDER <= code < PLACEHOLDER + 0x10000


def _parse(pattern: str) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "possible nested set": `regex` would read [[:alpha:]] otherwise
        try:
            return list(parser.parse(_REWRITE.sub(_rewrite, pattern), re.IGNORECASE))
        except (re.error, FutureWarning, RecursionError, OverflowError):
            raise _Unreadable from None


def _named_groups(pattern: str) -> tuple[str, tuple[str, ...]]:
    """The pattern with each top-level named group replaced by a placeholder character, and the groups' bodies."""
    if _PRIVATE.search(pattern):
        raise _Unreadable  # the placeholders' own characters
    out, groups, i = [], [], 0
    for m in _GROUP_START.finditer(pattern):
        if m.start() < i or _escaped(pattern, m.start()):
            continue
        end, _ = _group_end(pattern, m.end())
        out.append(pattern[i : m.start()] + f"(?:{chr(PLACEHOLDER + len(groups))})")
        groups.append(pattern[m.end() : end])
        i = end + 1
    return "".join(out) + pattern[i:], tuple(groups)


def _conditionals(pattern: str) -> str:
    """Conditionals `(?(name)yes|no)` as alternatives `(?:yes|no)`: a match takes one of the two either way."""
    out, i = [], 0
    for m in _CONDITIONAL.finditer(pattern):
        if m.start() < i or _escaped(pattern, m.start()):
            continue
        end, bar = _group_end(pattern, m.end())
        out.append(pattern[i : m.start()] + "(?:" + _conditionals(pattern[m.end() : end]) + ("" if bar else "|"))
        i = end
    return "".join(out) + pattern[i:]


def _escaped(pattern: str, at: int) -> bool:
    slashes = len(pattern[:at]) - len(pattern[:at].rstrip("\\"))
    return slashes % 2 == 1


def _group_end(pattern: str, i: int) -> tuple[int, bool]:
    """The index of the parenthesis closing a group whose body starts at i, and whether the body has a
    top-level `|` (escapes and classes skipped)."""
    depth, in_class, bar = 1, False, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                i += 1
            if pattern[i + 1 : i + 2] == "]":  # a leading ] is a member
                i += 1
        elif c == "(":
            depth += 1
        elif c == "|" and depth == 1:
            bar = True
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i, bar
        i += 1
    raise _Unreadable


class _Unreadable(Exception):
    """A construct whose matches `re` would read differently from `regex` (a literal brace: fuzzy matching)."""


def _rewrite(m: re.Match) -> str:
    token = m.group()
    if token.startswith("(?"):
        return "("
    if token[1] in "pP":
        return r"\w"
    if token[1] in "mM":
        return ""
    return token


def _branch_pick(literals: frozenset[str]) -> tuple[bool, int, int]:
    """Which need of an alternative to draw first: not a named group's (the names are the keywords that sent
    the window here, so they are always present), then the most selective."""
    return not any(len(s) == 1 and _is_placeholder(ord(s)) for s in literals), *_selectivity(literals)


def _selectivity(literals: frozenset[str]) -> tuple[int, int]:
    return min(len(s) for s in literals), -len(literals)


def _fold(code: int) -> str | None:
    """A pattern character as it appears in case-folded text, or None if folding changes its length."""
    c = chr(code)
    if c in "{}":
        raise _Unreadable  # `re` reads `{e<=1}` as literal text where `regex` reads fuzzy matching
    folded = c.casefold()
    return folded if len(folded) == 1 and folded == c.lower() else None


def _sequence(items: list) -> tuple[frozenset[str] | None, tuple[frozenset[str], ...]]:
    """A concatenation: its exact strings (if it has few), and the OR-sets its matches must meet."""
    needs: list[frozenset[str]] = []
    run: frozenset[str] | None = frozenset({""})
    whole = True  # every item so far was exact: `run` is the exact set of the whole sequence
    for op, arg in items:
        exact, inner = _item(op, arg)
        needs.extend(inner)
        if exact is not None and run is not None and len(run) * len(exact) <= MAX_EXACT:
            run = frozenset(a + b for a in run for b in exact)
            continue
        whole = False
        if run is not None:
            needs.append(run)
        run = exact
    if run is not None:
        needs.append(run)
    return (run if whole else None), tuple(needs)


def _item(op, arg) -> tuple[frozenset[str] | None, tuple[frozenset[str], ...]]:
    """One parsed item: its exact strings (or None), and the OR-sets its matches meet."""
    if op is C.LITERAL and _is_placeholder(arg):
        return None, (frozenset({chr(arg)}),)
    if op is C.LITERAL:
        folded = _fold(arg)
        return (frozenset({folded}) if folded is not None else None), ()
    if op is C.ASSERT:  # a lookaround's text is in the window too, beside the match
        exact, needs = _sequence(list(arg[1]))
        return frozenset({""}), needs + ((exact,) if exact is not None else ())
    if op in _ZERO_WIDTH:
        return frozenset({""}), ()
    if op is C.IN and arg == [(C.CATEGORY, C.CATEGORY_SPACE)]:
        return frozenset({" "}), ()  # \s: in normalised text every space is " "
    if op is C.IN:
        return _class(arg), ()
    if op is C.SUBPATTERN:
        return _sequence(list(arg[-1]))
    if op is _ATOMIC:
        return _sequence(list(arg))
    if op in _REPEATS:
        low, high, body = arg
        exact, needs = _sequence(list(body))
        if exact == {" "}:  # \s+ and \s*: one space or none, in text whose runs of spaces are collapsed
            return frozenset({" "} if low else {"", " "}), ()
        if low == 0 and high == 1 and exact is not None:  # x? is "" or x: the run of literals goes on
            return exact | {""}, ()
        if low == 0:
            return None, ()
        if low == high == 1:
            return exact, needs
        return None, needs + ((exact,) if exact is not None else ())
    if op is C.BRANCH:
        return _branch([_sequence(list(alt)) for alt in arg[1]])
    return None, ()  # any character, a negated literal, a backreference, a conditional


def _class(items) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, arg in items:
        if op is C.LITERAL:
            codes = [arg]
        elif op is C.RANGE and arg[1] - arg[0] < MAX_CLASS:
            codes = range(arg[0], arg[1] + 1)
        else:
            return None  # a category, a negation, a wide range
        for code in codes:
            folded = _fold(code)
            if folded is None:
                return None
            chars.add(folded)
    return frozenset(chars) if len(chars) <= MAX_CLASS else None


def _branch(alternatives: list[tuple[frozenset[str] | None, tuple[frozenset[str], ...]]]):
    """Alternatives: exact if all are; else OR-sets drawing one need from each, when each has one."""
    exacts = [e for e, _ in alternatives]
    if all(e is not None for e in exacts) and sum(len(e) for e in exacts) <= MAX_EXACT:
        return frozenset().union(*exacts), ()
    options = []
    for exact, needs in alternatives:
        usable = sorted(_usable(exact, needs), key=_branch_pick, reverse=True)
        if not usable:
            return None, ()
        options.append(usable)
    # Any one need of each alternative, together, is a need of the branch: take the best, second best...
    unions = {frozenset().union(*(o[min(i, len(o) - 1)] for o in options)) for i in range(BRANCH_PICKS)}
    return None, tuple(unions)


class RuleGate:
    """Some rules (those of the keywords a window holds), with their literals in one hyperscan literal database.

    A window is scanned once for every literal of every rule. Each rule is filed under the
    literals of its most selective OR-set, so a window reaches only the rules filed under a
    literal it holds; a rule passes when each of its other OR-sets has a literal found too.
    """

    def __init__(self, rules: Sequence[Rule]):
        self.rules = list(rules)
        patterns = [r.pattern for r in self.rules]
        # Reading a few hundred patterns costs seconds, filing them a tenth of one; loading what an earlier process
        # built, milliseconds.
        key = ["rule gate", hsdb.code_of(sys.modules[__name__]), *patterns]
        tables = pickle.loads(hsdb.cached(key, lambda: pickle.dumps(_filing(patterns))))
        literals, self._always, self._filed, self._others, self._satisfies = tables
        self._db = None
        if literals:
            self._db, self._scratch = hsdb.load_database(hsdb.compile_database(literals, literal=True))

    def select(self, text: str) -> list[Rule]:
        """The rules whose literals all occur in normalised `text` (rules without a gate always)."""
        found: set[int] = set()
        if self._db is not None and text:
            self._db.scan(
                collapse_spaces(text).encode(),
                match_event_handler=lambda i, _f, _t, _fl, _c: found.add(i),
                scratch=self._scratch,
            )
        reached, satisfied = set(self._always), set()
        for literal in found:
            reached.update(self._filed.get(literal, ()))
            satisfied.update(self._satisfies.get(literal, ()))
        return [self.rules[i] for i in sorted(reached) if self._others[i] <= satisfied]


def _filing(patterns: Sequence[str]) -> tuple[list[str], set[int], dict, list[frozenset[int]], dict]:
    """A gate's literals and, by rule number, the rules without a gate, each rule filed under the literals of its
    first OR-set, its other OR-sets by number, and the OR-sets each literal satisfies."""
    needs = [required_literals(p) for p in patterns]
    literals = _literals(needs)
    index = {s: i for i, s in enumerate(literals)}
    needs_ids = [None if n is None else [frozenset(index[s] for s in a) for a in n] for n in needs]
    always = {i for i, n in enumerate(needs_ids) if n is None}
    filed: dict[int, list[int]] = defaultdict(list)
    for i, n in enumerate(needs_ids):
        for literal in n[0] if n else ():
            filed[literal].append(i)
    # A rule's other OR-sets, by number; a window satisfies the OR-sets of the literals it holds, and a rule
    # passes when its OR-sets are a subset of those (one set operation in C, not a loop per OR-set).
    numbers: dict[frozenset[int], int] = {}
    others = [frozenset(numbers.setdefault(a, len(numbers)) for a in n[1:]) if n else frozenset() for n in needs_ids]
    satisfies: dict[int, list[int]] = defaultdict(list)
    for alternatives, number in numbers.items():
        for literal in alternatives:
            satisfies[literal].append(number)
    return literals, always, dict(filed), others, dict(satisfies)


def _literals(needs: Sequence[Needs | None]) -> list[str]:
    """Every literal of some rules' needs, in one order (a literal's place is its id in the gate's database)."""
    return sorted({s for n in needs if n for alternatives in n for s in alternatives})
