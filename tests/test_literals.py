"""The literal gate never keeps a rule from a text it matches: a rule's regex matching implies its literals occur."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import load_packs
from scanner.literals import RuleGate, collapse_spaces, required_literals
from scanner.match import MatchStats, confirm
from scanner.normalize import normalize
from scanner.packs import Rule


def needs(pattern: str) -> set[frozenset[str]]:
    return set(required_literals(pattern))


def met(pattern: str, text: str) -> bool:
    needs, text = required_literals(pattern), collapse_spaces(text)
    return needs is None or all(any(s in text for s in n) for n in needs)


def test_literals_of_common_shapes():
    assert needs("i am qwen") == {frozenset({"i am qwen"})}
    assert needs(r"I\s+am\s+(?:Qwen|QwQ)") == {frozenset({"i am qwen", "i am qwq"})}  # \s+: one space
    assert needs(r"(?:my name is|i'm) (?P<name>qwen)") == {frozenset({"my name is ", "i'm "}), frozenset({"qwen"})}
    # Optional parts need nothing; a lookbehind's text is in the window too.
    assert needs(r"(?:very\s+)?good") == {frozenset({"good"})}
    assert needs(r"(?<=you\s)are") == {frozenset({"you "}), frozenset({"are"})}
    # A conditional takes one branch or the other; a conditional without `no` may take nothing.
    assert needs(r"(?P<me>me\s)?(?(me)called|named)") == {frozenset({"called", "named"})}
    assert needs(r"x(?P<a>y)?(?(a)zz)") == {frozenset({"x"})}


def test_what_cannot_be_read_has_no_gate():
    assert required_literals(r"(?:qwen){e<=1}") is None  # fuzzy matching: `re` would read literal braces
    assert required_literals(r"[[:alpha:]]+qwen") is None  # a POSIX class `re` reads differently
    assert required_literals(r"\X+") is None
    assert required_literals(r".*") is None  # nothing required


def test_repeated_group_names_and_properties_are_read():
    pattern = r"(?P<n>qwen)\p{Han}+|(?P<n>通义)\s*(?:千问)"
    assert needs(pattern) == {frozenset({"qwen", "千问"}), frozenset({"qwen", "通义"})}


def test_the_gate_keeps_rules_without_literals_and_those_whose_literals_occur():
    rules = [Rule("a", "f", "en", r"i am qwen", ("qwen",)), Rule("b", "f", "en", r"(?:q){e<=1}", ("q",))]
    gate = RuleGate(rules)
    assert [r.id for r in gate.select("hello qwen")] == ["b"]
    assert [r.id for r in gate.select("so i am qwen.")] == ["a", "b"]


def test_the_gate_agrees_with_the_literals_of_each_rule():
    rules = [r for r in load_packs(["qwen"]).rules if r.family == "qwen"]
    gate = RuleGate(rules)
    for text in ["我是通义千问，由阿里云开发", "i am qwen, made by alibaba cloud", "qwen2.5 was released", ""]:
        assert gate.select(text) == [r for r in rules if met(r.pattern, text)]


_PIECES = st.sampled_from(["a", "b", "ab", "Ba", "c", "x", "я", "Я", "通", "义", " ", "'"])
_CLASSES = st.sampled_from(["[ab]", "[A-C]", "[^a]", r"\w", r"\s", ".", r"\d", "[яЯ]", r"\p{Han}"])
_ATOMS = st.one_of(_PIECES.map(regex.escape), _CLASSES)


@st.composite
def patterns(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 6 if depth < 2 else 2))
        if kind <= 2:
            parts.append(draw(_ATOMS))
        elif kind == 3:
            parts.append("(?:" + "|".join(draw(st.lists(patterns(depth + 1), min_size=1, max_size=3))) + ")")
        elif kind == 4:
            parts.append(
                "(?:" + draw(patterns(depth + 1)) + ")" + draw(st.sampled_from(["?", "*", "+", "{2}", "{1,3}"]))
            )
        elif kind == 5:
            parts.append(draw(st.sampled_from(["(?=", "(?<=", "(?!", "(?<!"])) + draw(patterns(depth + 1)) + ")")
        else:
            parts.append("(?P<g>" + draw(patterns(depth + 1)) + ")?(?(g)" + draw(patterns(depth + 1)) + ")")
    return "".join(parts)


@settings(max_examples=200, deadline=None)
@given(patterns(), st.text(alphabet="abcxyzя通义 '1", max_size=12))
def test_a_match_always_meets_the_literals(pattern, text):
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE | regex.V0)
    except regex.error:
        return
    if compiled.search(text):
        assert met(pattern, text), (pattern, text, required_literals(pattern))


def test_every_pack_example_a_rule_matches_passes_its_gate():
    packs = load_packs(["qwen"])
    for rule in packs.rules:
        for example in rule.examples.get("match", ()):
            text = normalize(example).text
            if not met(rule.pattern, text):
                assert not confirm(text, [rule], 1.0, MatchStats()), (rule.id, example)


def test_gates_beyond_the_memory_bound_load_again_and_find_the_same(monkeypatch):
    import scanner.scan as scan

    texts = [
        "I am ChatGPT, a large language model trained by OpenAI.",
        "我是通义千问，由阿里云开发的大模型。",
        "Hi! I'm Claude, an AI assistant made by Anthropic.",
        "As an AI language model, I cannot browse the web.",
    ] * 2
    unbounded = scan.Scanner()
    expected = [[(h.rule, h.start, h.end) for h in unbounded.scan_text(t)] for t in texts]
    monkeypatch.setattr(scan, "MAX_GATES", 1)
    bounded = scan.Scanner()
    assert [[(h.rule, h.start, h.end) for h in bounded.scan_text(t)] for t in texts] == expected
    assert len(bounded._gates) == 1 and all(expected)
