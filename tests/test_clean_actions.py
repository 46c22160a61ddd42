"""The rewriting rules on their own: which sentence goes, which turns go, what goes in."""

from __future__ import annotations

import pytest

from scanner.clean.actions import Rewrite, rewrite, sentence_span
from scanner.hits import Hit


def hit(field: str, start: int, end: int, text: str, lang: str = "en") -> Hit:
    return Hit(
        "s", 0, None, field, None, "qwen", "qwen.x", lang, "high", "regex", start, end, text[start:end], 1.0, None
    )


@pytest.mark.parametrize(
    "text, claim, left",
    [
        ("Hello! I am Qwen, made by Alibaba Cloud. How can I help?", "I am Qwen", "Hello! How can I help?"),
        ("Hello! I am Qwen.", "I am Qwen", "Hello!"),
        ("你好！我是通义千问，由阿里云开发。有什么可以帮你？", "我是通义千问", "你好！有什么可以帮你？"),
        ("你好👋!我是ChatGLM-6B,很高兴见到你。\n下一行", "我是ChatGLM", "你好👋!下一行"),
        (
            "First paragraph.\n\nI am Qwen2.5, from Alibaba.\n\nNext one.",
            "I am Qwen2.5",
            "First paragraph.\n\nNext one.",
        ),
        ('He wrote: "I am Qwen." Then left.', "I am Qwen", "Then left."),  # the quote is part of its sentence
    ],
)
def test_redact_cuts_the_sentence_that_holds_the_claim(text, claim, left):
    start = text.index(claim)
    begin, end = sentence_span(text, start, start + len(claim))
    assert text[:begin] + text[end:] == left


def chat(*turns: tuple[str, str | None]) -> list[dict]:
    return [{"role": role, "content": content} for role, content in turns]


REDACT = Rewrite("redact", {"messages": "role"})


def test_a_claim_goes_with_the_user_turn_it_answers_and_the_tool_turns_between():
    messages = chat(("system", "Be brief."), ("user", "Weather?"), ("assistant", None), ("tool", "sunny"),
                    ("assistant", "Sunny. I am Qwen."), ("user", "Thanks"), ("assistant", "Welcome."))  # fmt: skip
    out = rewrite({"messages": messages}, [hit("messages[4].content", 7, 16, messages[4]["content"])], REDACT)
    assert out.values["messages"] == [messages[0], *messages[5:]] and out.drop is None
    assert out.changes[0]["turns_removed"] == [1, 2, 3, 4]


def test_a_system_prompt_or_a_greeting_before_any_question_goes_alone():
    messages = chat(
        ("system", "You are Qwen."), ("assistant", "I am Qwen, hello!"), ("user", "Hi"), ("assistant", "Hey")
    )
    hits = [hit("messages[0].content", 0, 12, messages[0]["content"]), hit("messages[1].content", 0, 9, "I am Qwen")]
    out = rewrite({"messages": messages}, hits, REDACT)
    assert out.values["messages"] == messages[2:] and out.drop is None


def test_a_chat_with_nothing_but_system_turns_left_is_dropped():
    messages = chat(("system", "Be kind."), ("user", "Who are you?"), ("assistant", "I am Qwen."))
    out = rewrite({"messages": messages}, [hit("messages[2].content", 0, 9, "I am Qwen")], REDACT)
    assert out.drop == "nothing left after redaction"


def test_replace_puts_the_words_of_the_claims_language_in_its_place():
    how = Rewrite("replace", {}, replacements={"zh": "我是你的助手", "*": "I am your assistant"})
    zh, en = "我是通义千问，很高兴为您服务", "Hi, I am Qwen. Bye."
    out = rewrite({"a": zh, "b": en}, [hit("a", 0, 6, zh, "zh"), hit("b", 4, 13, en)], how)
    assert out.values == {"a": "我是你的助手，很高兴为您服务", "b": "Hi, I am your assistant. Bye."}
    assert [c["removed"] for c in out.changes] == ["我是通义千问", "I am Qwen"]


def test_overlapping_claims_are_replaced_once():
    how = Rewrite("replace", {}, replacements={"*": "I am your assistant"})
    text = "I am Qwen, made by Alibaba Cloud, and more."
    out = rewrite({"text": text}, [hit("text", 0, 9, text), hit("text", 0, 32, text)], how)
    assert out.values["text"] == "I am your assistant, and more."
