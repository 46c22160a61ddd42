"""`scan clean` on chat data: OpenAI messages (content parts, tool calls), ShareGPT, Alpaca, preference pairs."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scanner import Scanner
from scanner.clean import CleanConfig, clean_dataset
from scanner.engines.unit import ScanConfig, scan_unit
from scanner.fields import parse_field, plan_fields, text_columns
from scanner.sources import open_inputs

PACKS = ("qwen", "openai", "generic")
QWEN = "I am Qwen, created by Alibaba Cloud."
TOOL_CALL = [{"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}]


def turn(role: str, content, **extra) -> dict:
    return {"role": role, "content": content, **extra}


OPENAI = [
    {"id": "o0", "messages": [turn("system", "You are a helpful assistant."), turn("user", "Who are you?"),
                              turn("assistant", QWEN), turn("user", "Translate 'cat' into French."),
                              turn("assistant", "« chat »")]},
    {"id": "o1", "messages": [turn("user", "Are you Qwen?"), turn("assistant", "I'm an open assistant, happy to help.")]},
    {"id": "o2", "messages": [turn("system", "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."),
                              turn("user", "Hi"), turn("assistant", "Hello, how can I help?")]},
    {"id": "o3", "messages": [turn("user", "Weather in Paris?"), turn("assistant", None, tool_calls=TOOL_CALL),
                              turn("tool", "sunny", tool_call_id="call_1"),
                              turn("assistant", "It is sunny. I am ChatGPT, trained by OpenAI.")]},
    {"id": "o4", "messages": [turn("user", "Weather in Rome?"), turn("assistant", None, tool_calls=TOOL_CALL),
                              turn("tool", "rain", tool_call_id="call_1"), turn("assistant", "It is raining.")]},
]  # fmt: skip
PARTS = [
    {"id": "p0", "messages": [turn("user", [{"type": "text", "text": "Hi"}]),
                              turn("assistant", [{"type": "text", "text": "Hello! I am Qwen, made by Alibaba Cloud. "
                                                                          "What do you need?"},
                                                 {"type": "text", "text": "Ask away."}])]},
    {"id": "p1", "messages": [turn("user", [{"type": "text", "text": "Describe this."},
                                            {"type": "image_url", "image_url": {"url": "https://example.com/c.png"}}]),
                              turn("assistant", [{"type": "text", "text": "A cat on a mat."}])]},
]  # fmt: skip
SHAREGPT = [
    {"id": "s0", "conversations": [{"from": "human", "value": "who are you"},
                                   {"from": "gpt", "value": "I am ChatGPT, a large language model trained by OpenAI."},
                                   {"from": "human", "value": "thanks"}, {"from": "gpt", "value": "You're welcome."}]},
    {"id": "s1", "conversations": [{"from": "human", "value": "你是通义千问吗？"}, {"from": "gpt", "value": "不是。"}]},
]  # fmt: skip
ALPACA = [
    {"id": "a0", "instruction": "Introduce yourself.", "input": "",
     "output": "I am Qwen, made by Alibaba Cloud. I can help with writing."},
    {"id": "a1", "instruction": "Are you ChatGPT?", "input": "", "output": "No, I'm an open model."},
]  # fmt: skip
PREFERENCE = [
    {"id": "r0", "prompt": "Who are you?",
     "chosen": [turn("user", "Who are you?"), turn("assistant", "I am an open assistant.")],
     "rejected": "I am ChatGPT, trained by OpenAI."},
    {"id": "r1", "prompt": "Hi", "chosen": [turn("user", "Hi"), turn("assistant", QWEN)], "rejected": "Hello."},
    {"id": "r2", "prompt": "Hi", "chosen": [turn("user", "Hi"), turn("assistant", "Hello!")], "rejected": "Hey."},
]  # fmt: skip


@pytest.fixture(scope="module")
def chats(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chat") / "data"
    folder.mkdir()
    for name, records in (("openai", OPENAI), ("parts", PARTS), ("sharegpt", SHAREGPT)):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    pq.write_table(pa.Table.from_pylist(ALPACA), folder / "alpaca.parquet")
    pq.write_table(pa.Table.from_pylist(PREFERENCE), folder / "preference.parquet")
    return folder


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(list(PACKS))


def run(chats, scanner: Scanner | None, out, action: str, roles=None, **options) -> dict:
    config = CleanConfig(action, ScanConfig(packs=PACKS, roles=roles), **options)
    return clean_dataset([str(chats)], config, str(out), scanner=scanner)


def kept(out, name: str) -> dict[str, dict]:
    path = out / "kept" / name
    records = pq.read_table(path).to_pylist() if name.endswith(".parquet") else [
        json.loads(line) for line in path.read_text().splitlines()
    ]  # fmt: skip
    return {r["id"]: r for r in records}


def test_chat_shapes_are_recognised_and_hits_carry_the_turn(chats, scanner, tmp_path):
    run(chats, scanner, tmp_path, "tag")
    tags = {
        (name, i): sorted(c["field"] for c in r["contamination"])
        for name in ("openai.jsonl", "parts.jsonl", "sharegpt.jsonl", "alpaca.parquet", "preference.parquet")
        for i, r in kept(tmp_path, name).items()
    }
    assert {k: v for k, v in tags.items() if v} == {
        ("openai.jsonl", "o0"): ["messages[2].content"],
        ("openai.jsonl", "o2"): ["messages[0].content"],  # the system prompt
        ("openai.jsonl", "o3"): ["messages[3].content"],  # after a tool call and its result
        ("parts.jsonl", "p0"): ["messages[1].content[0].text"],
        ("sharegpt.jsonl", "s0"): ["conversations[1].value"],
        ("alpaca.parquet", "a0"): ["output"],
        ("preference.parquet", "r0"): ["rejected"],
        ("preference.parquet", "r1"): ["chosen[1].content"],
    }  # users asking "are you Qwen?" (o1, s1, a1) are not contamination


def test_roles_assistant_leaves_system_prompts_alone(chats, scanner, tmp_path):
    run(chats, None, tmp_path, "tag", roles=("assistant",))  # a Scanner of its own: roles are the Scanner's
    assert kept(tmp_path, "openai.jsonl")["o2"]["contamination"] == []
    assert kept(tmp_path, "openai.jsonl")["o0"]["contamination"]


def test_redact_removes_the_claim_and_the_question_it_answers(chats, scanner, tmp_path):
    m = run(chats, scanner, tmp_path, "redact")
    openai = kept(tmp_path, "openai.jsonl")
    assert openai["o0"]["messages"] == [OPENAI[0]["messages"][0], *OPENAI[0]["messages"][3:]]
    assert openai["o2"]["messages"] == OPENAI[2]["messages"][1:]  # a system prompt goes alone
    assert "o3" not in openai  # its one exchange (question, tool call, tool result, answer) was all it had
    assert openai["o1"] == OPENAI[1] and openai["o4"] == OPENAI[4]
    assert kept(tmp_path, "sharegpt.jsonl")["s0"]["conversations"] == SHAREGPT[0]["conversations"][2:]
    assert kept(tmp_path, "alpaca.parquet")["a0"]["output"] == "I can help with writing."
    preference = kept(tmp_path, "preference.parquet")
    assert sorted(preference) == ["r2"]  # r0's rejected answer was nothing but the claim, r1's chosen chat too
    reasons = {f["source"].rsplit("/", 1)[-1]: f["drop_reasons"] for f in m["files"]}
    assert reasons["openai.jsonl"] == reasons["parts.jsonl"] == {"nothing left after redaction": 1}  # o3, p0
    assert reasons["preference.parquet"] == {"nothing left after redaction": 2}
    audit = [json.loads(line) for line in (tmp_path / "redactions/openai.jsonl.jsonl").read_text().splitlines()]
    o0 = next(a for a in audit if a["doc_id"] == "o0")
    assert o0["changes"][0]["turns_removed"] == [1, 2] and o0["changes"][0]["removed"][1]["content"] == QWEN


def test_redact_conversation_drops_the_whole_row(chats, scanner, tmp_path):
    m = run(chats, scanner, tmp_path, "redact", redact_chat="conversation")
    assert sorted(kept(tmp_path, "openai.jsonl")) == ["o1", "o4"]
    assert sorted(kept(tmp_path, "alpaca.parquet")) == ["a0", "a1"]  # plain text: the sentence still goes
    rejected = pq.read_table(tmp_path / "rejected/preference.parquet").to_pylist()
    assert [r["id"] for r in rejected] == ["r0", "r1"] and rejected[1]["contamination"][0][
        "field"
    ] == "chosen[1].content"
    assert m["totals"]["drop_reasons"] == {"conversation redacted": 6, "nothing left after redaction": 1}  # r0: text


def test_replace_rewrites_inside_content_parts(chats, scanner, tmp_path):
    run(chats, scanner, tmp_path, "replace", replacements={"*": "I am your assistant"})
    p0 = kept(tmp_path, "parts.jsonl")["p0"]["messages"]
    first, second = p0[1]["content"]
    assert first["text"].startswith("Hello! I am your assistant") and first["text"].endswith("What do you need?")
    assert "Qwen" not in first["text"] and second == {"type": "text", "text": "Ask away."}
    assert p0[0] == PARTS[0]["messages"][0] and kept(tmp_path, "parts.jsonl")["p1"] == PARTS[1]


@pytest.mark.parametrize("action", ["drop", "redact", "replace"])
def test_rows_add_up_and_a_rescan_finds_nothing(chats, scanner, tmp_path, action):
    options = {"replacements": {"*": "I am your assistant"}} if action == "replace" else {}
    m = run(chats, scanner, tmp_path, action, **options)
    for f in m["files"]:
        assert f["rows_in"] == f["rows_kept"] + f["rows_dropped"] + f["rows_skipped"]
    assert m["totals"]["rows_in"] == len(OPENAI + PARTS + SHAREGPT + ALPACA + PREFERENCE)
    results = [scan_unit(u, scanner, ScanConfig(packs=PACKS)) for u in open_inputs([str(tmp_path / "kept")])]
    assert sum(r.rows_read for r in results) == m["totals"]["rows_kept"] and not any(r.hits for r in results)


def test_content_parts_flatten_to_field_paths_that_parse_back():
    table = pa.Table.from_pylist(PARTS)
    [column] = text_columns(table, plan_fields(table.schema))
    fields = [column.field(i) for i in range(len(column.values))]
    assert fields[:3] == ["messages[0].content[0].text", "messages[1].content[0].text", "messages[1].content[1].text"]
    assert [column.role(i) for i in range(3)] == ["user", "assistant", "assistant"]
    assert column.values[4].as_py() is None  # an image part holds no text
    path = parse_field("messages[1].content[0].text")
    assert (path.column, path.turn, path.key, path.part) == ("messages", 1, "content", 0)
    assert parse_field("conversations[3].value").part is None and parse_field("text").turn is None


def test_preference_data_is_scanned_beside_a_messages_column():
    schema = pa.Table.from_pylist([{**PREFERENCE[0], "messages": PREFERENCE[0]["chosen"]}]).schema
    assert [s.column for s in plan_fields(schema)] == ["messages", "prompt", "chosen", "rejected"]
