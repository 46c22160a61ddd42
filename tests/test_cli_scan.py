"""`scan dataset` end to end, as a user meets it: every source, exact offsets, counts that add up, bad input."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys

import click
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from scanner.cli import main

PACKS = ("-p", "qwen", "-p", "openai")
TEXTS = [
    "Hi! I'm Qwen, a large language model developed by Alibaba Cloud. How can I help?",
    "A recipe for bread: flour, water, salt, and time.",
    "你好，我是通义千问，由阿里云开发的AI助手。",
    None,
    "",
    "I am ChatGPT, a large language model trained by OpenAI.",
    "您好，我是通義千問，由阿里雲開發。",
    "阿里云今天发布了通义千问2.5。",
    "Hello! I am Q\u200bwen, made by Alibaba Cloud.",
    'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct")',
]
IDS = [f"doc-{i}" for i in range(len(TEXTS))]
QWEN_ROWS, OPENAI_ROWS = {0, 2, 6, 8}, {5}


def field_text(record: dict, field: str) -> str:
    """The text a hit's field path names in a record: `text`, `messages[1].content`, `...content[0].text`."""
    value = record
    for name, index in re.findall(r"(\w+)|\[(\d+)\]", field):
        value = value[name] if name else value[int(index)]
    return value


def check_hits(run, records_by_source: dict[str, list[dict]]) -> None:
    """Every hit names its text exactly: text[start:end] == match, with the right doc id; the Parquet file agrees."""
    assert run.hits, "no hits"
    for h in run.hits:
        record = records_by_source[h["source"]][h["row"]]
        assert field_text(record, h["field"])[h["start"] : h["end"]] == h["match"], h
        assert h["doc_id"] == (str(record["id"]) if "id" in record else None)
    parquet = pq.read_table(run.out / "hits.parquet").to_pylist()
    assert parquet == run.hits


def check_summary(run, rows: int, texts: list) -> None:
    summary = run.summary
    assert summary["rows_read"] == summary["rows_scanned"] == rows
    assert summary["rows_skipped"] == 0
    assert summary["bytes_scanned"] == sum(len(t.encode()) for t in texts if t)
    assert summary["hits"] == len(run.hits)
    assert summary["documents_with_hits"] == len({(h["source"], h["row"]) for h in run.hits})
    for family, counts in summary["by_family"].items():
        assert counts["hits"] == sum(h["family"] == family for h in run.hits)


def rows_by_family(run) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for h in run.hits:
        found.setdefault(h["family"], set()).add(h["row"])
    return found


def records(texts=TEXTS, ids=IDS) -> list[dict]:
    return [{"id": i, "text": t} for i, t in zip(ids, texts)]


def test_parquet_file(write_parquet, run_scan):
    path = write_parquet("corpus.parquet", {"id": IDS, "text": TEXTS}, row_group_size=4)
    run = run_scan(path, *PACKS)
    assert run.exit_code == 0, run.stderr
    check_hits(run, {str(path): records()})
    check_summary(run, len(TEXTS), TEXTS)
    assert rows_by_family(run) == {"qwen": QWEN_ROWS, "openai": OPENAI_ROWS}
    assert run.summary["by_family"]["qwen"]["documents"] == len(QWEN_ROWS)
    assert run.summary["by_source"] == {str(path): {"rows": 10, "hits": len(run.hits), "documents": 5}}
    assert "rows scanned" in run.stdout and "qwen" in run.stdout  # the table on stdout


def test_workers_agree(write_parquet, run_scan):
    path = write_parquet("corpus.parquet", {"id": IDS * 20, "text": TEXTS * 20}, row_group_size=30)
    one, two = run_scan(path, *PACKS, "-w", "1"), run_scan(path, *PACKS, "-w", "2")
    assert one.exit_code == two.exit_code == 0
    assert one.hits == two.hits
    assert two.summary["rows_scanned"] == 200 and two.summary["by_source"][str(path)]["rows"] == 200


def test_folder_glob_and_several_paths(tmp_path, write_parquet, write_jsonl, run_scan):
    a = write_parquet("corpus/a.parquet", {"id": IDS[:5], "text": TEXTS[:5]})
    b = write_jsonl("corpus/b.jsonl.zst", records(TEXTS[5:], IDS[5:]))
    c = write_parquet("corpus/sub/c.parquet", {"id": IDS[5:], "text": TEXTS[5:]})
    by_source = {str(a): records(TEXTS[:5], IDS[:5]), str(b): records(TEXTS[5:], IDS[5:])}
    by_source[str(c)] = by_source[str(b)]
    for args, sources in [
        ([tmp_path / "corpus"], {a, b, c}),
        ([tmp_path / "corpus" / "*.parquet"], {a}),
        ([a, b], {a, b}),
    ]:
        run = run_scan(*args, *PACKS)
        assert run.exit_code == 0, run.stderr
        assert set(run.summary["by_source"]) == {str(s) for s in sources}
        check_hits(run, by_source)
        rows = sum(len(by_source[str(s)]) for s in sources)
        check_summary(run, rows, [r["text"] for s in sources for r in by_source[str(s)]])


@pytest.mark.parametrize("name", ["corpus.jsonl", "corpus.jsonl.gz", "corpus.jsonl.zst"])
def test_jsonl(write_jsonl, run_scan, name):
    path = write_jsonl(name, records())
    run = run_scan(path, *PACKS)
    assert run.exit_code == 0, run.stderr
    check_hits(run, {str(path): records()})
    check_summary(run, len(TEXTS), TEXTS)
    assert rows_by_family(run) == {"qwen": QWEN_ROWS, "openai": OPENAI_ROWS}


def test_save_to_disk_dataset_and_split(tmp_path, run_scan):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"id": IDS, "text": TEXTS})
    datasets.DatasetDict({"train": ds, "validation": ds.select(range(3))}).save_to_disk(str(tmp_path / "dd"))
    run = run_scan(tmp_path / "dd", *PACKS, "--split", "validation")
    assert run.exit_code == 0, run.stderr
    source = f"{tmp_path / 'dd'}:validation"
    check_hits(run, {source: records()[:3]})
    check_summary(run, 3, TEXTS[:3])
    assert rows_by_family(run) == {"qwen": {0, 2}}


def test_hub_path_on_a_local_dataset_folder_offline(write_jsonl, run_scan):
    path = write_jsonl("hub_repo/train.jsonl", records())
    run = run_scan(path.parent, *PACKS, "--format", "hf")
    assert run.exit_code == 0, run.stderr
    source = f"{path.parent}:train"
    check_hits(run, {source: records()})
    check_summary(run, len(TEXTS), TEXTS)


def test_hub_id_offline_is_a_one_line_error(run_scan):
    run = run_scan("nobody-here/no-such-dataset", *PACKS, "--split", "validation")
    assert run.exit_code == 3
    assert isinstance(run.exception, SystemExit)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: nobody-here/no-such-dataset: ")
    assert "Hugging Face" in lines[0]


CHAT = [
    {
        "id": "c0",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Who are you? Are you Qwen?"},
            {"role": "assistant", "content": "Hello! I am Qwen, a large language model created by Alibaba Cloud."},
        ],
    },
    {
        "id": "c1",
        "messages": [
            {"role": "user", "content": "我是通义千问的忠实用户。"},
            {"role": "assistant", "content": "谢谢！"},
        ],
    },
    {"id": "c2", "messages": []},
    {"id": "c3", "messages": [{"role": "assistant", "content": "我是通义千问，由阿里云开发。"}]},
]


def test_chat_messages_turn_by_turn(write_jsonl, run_scan):
    path = write_jsonl("chat.jsonl", CHAT)
    run = run_scan(path, *PACKS)
    assert run.exit_code == 0, run.stderr
    check_hits(run, {str(path): CHAT})
    assert {(h["row"], h["field"], h["role"]) for h in run.hits} == {
        (0, "messages[2].content", "assistant"),
        (3, "messages[0].content", "assistant"),
    }
    assert run.summary["rows_scanned"] == len(CHAT)  # conversations, not turns
    assert run.summary["by_role"] == {"assistant": len(run.hits)}


def test_sharegpt_conversations_in_parquet(write_parquet, run_scan):
    rows = [{"id": r["id"], "conversations": [{"from": {"user": "human", "assistant": "gpt"}.get(m["role"], m["role"]),
             "value": m["content"]} for m in r["messages"]]} for r in CHAT]  # fmt: skip
    turn = pa.struct([("from", pa.string()), ("value", pa.string())])
    table = pa.Table.from_pylist(rows, schema=pa.schema([("id", pa.string()), ("conversations", pa.list_(turn))]))
    path = write_parquet("sharegpt.parquet", table)
    run = run_scan(path, *PACKS)
    assert run.exit_code == 0, run.stderr
    check_hits(run, {str(path): rows})
    assert {(h["row"], h["field"], h["role"]) for h in run.hits} == {
        (0, "conversations[2].value", "assistant"),
        (3, "conversations[0].value", "assistant"),
    }


def test_null_text_is_scanned_as_empty_and_counted(write_jsonl, write_parquet, run_scan):
    texts = [None, "I am ChatGPT, trained by OpenAI.", None]
    for path in (
        write_jsonl("nulls.jsonl", [{"text": t} for t in texts]),
        write_parquet("nulls.parquet", {"text": texts}),
    ):
        run = run_scan(path, *PACKS)
        assert run.exit_code == 0, run.stderr
        check_summary(run, 3, texts)
        assert {h["row"] for h in run.hits} == {1}


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.jsonl.gz", "empty.parquet"])
def test_empty_input_file_is_zero_rows(tmp_path, write_jsonl, run_scan, name):
    path = write_jsonl(name, []) if "jsonl" in name else tmp_path / name
    path.touch()
    run = run_scan(path, *PACKS)
    assert run.exit_code == 0, run.stderr
    assert run.summary["rows_read"] == run.summary["rows_scanned"] == 0
    assert run.hits == []


def corrupt_parquet(tmp_path, write_parquet, truncate: bool):
    good = write_parquet("good.parquet", {"text": TEXTS})
    path = tmp_path / ("truncated.parquet" if truncate else "corrupt.parquet")
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2] if truncate else b"PAR1" + bytes(200) + b"PAR1")
    return path


# (name, make the input, error text, a row error that --on-error skip skips)
BAD_INPUTS = [
    ("missing path", lambda tmp, wp, wj: tmp / "missing.parquet", "missing.parquet: no such file or folder", False),
    ("no text column", lambda tmp, wp, wj: wp("body.parquet", {"body": ["x"]}), "body.parquet: no text column", False),
    ("integer text", lambda tmp, wp, wj: wp("ints.parquet", {"text": [1, 2]}), "ints.parquet: column 'text' is int64", False),
    ("integer text jsonl", lambda tmp, wp, wj: wj("ints.jsonl", [{"text": 1}, {"text": 2}]), "ints.jsonl: column 'text' is int64", False),
    ("corrupt parquet", lambda tmp, wp, wj: corrupt_parquet(tmp, wp, False), "corrupt.parquet: not a readable Parquet file", False),
    ("truncated parquet", lambda tmp, wp, wj: corrupt_parquet(tmp, wp, True), "truncated.parquet: not a readable Parquet file", False),
    ("chat column of records without roles", lambda tmp, wp, wj: wp("chat.parquet", {"messages": [[{"a": "x"}]]}), "chat.parquet: column 'messages' is a list of records", False),
    ("truncated gzip", lambda tmp, wp, wj: truncated_gzip(tmp), "cut.jsonl.gz: cannot decompress", False),
    ("malformed JSON line", lambda tmp, wp, wj: wj("bad.jsonl", [{"text": "a"}, '{"text": ', {"text": "c"}]), "bad.jsonl: line 2 (row 1): malformed JSON", True),
    ("not a JSON object", lambda tmp, wp, wj: wj("bad.jsonl", [{"text": "a"}, "[1, 2]", {"text": "c"}]), "bad.jsonl: line 2 (row 1): not a JSON object", True),
    ("non-UTF-8 bytes", lambda tmp, wp, wj: wj("bad.jsonl", [{"text": "a"}, b'{"text": "\xff\xfe"}', {"text": "c"}]), "bad.jsonl: line 2 (row 1): not valid UTF-8", True),
    ("a number among texts", lambda tmp, wp, wj: wj("bad.jsonl", [{"text": "a"}, {"text": 5}, {"text": "c"}]), "bad.jsonl: row 1: field 'text' is not string", True),
    ("chat field of the wrong shape", lambda tmp, wp, wj: wj("bad.jsonl", [CHAT[0], {"messages": "hi"}, CHAT[3]]), "bad.jsonl: row 1: field 'messages' is not list", True),
    ("a turn of the wrong shape", lambda tmp, wp, wj: wj("bad.jsonl", [CHAT[0], {"messages": [{"role": "user", "content": 5}]}, CHAT[3]]), "bad.jsonl: row 1: field 'messages'", True),
]  # fmt: skip


def truncated_gzip(tmp_path):
    import gzip

    data = gzip.compress(b"".join(b'{"text": "row %d"}\n' % i for i in range(3000)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize(("case", "make", "error", "row_error"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input(tmp_path, write_parquet, write_jsonl, run_scan, case, make, error, row_error):
    path = make(tmp_path, write_parquet, write_jsonl)
    run = run_scan(path, *PACKS)
    assert run.exit_code == 3, run.stderr
    assert isinstance(run.exception, SystemExit), run.exception  # no traceback
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path.parent}/" if path.is_absolute() else "error: ")
    assert error in lines[0]

    skipped = run_scan(path, *PACKS, "--on-error", "skip")
    if not row_error:
        assert skipped.exit_code == 3
        return
    assert skipped.exit_code == 0, skipped.stderr
    summary = skipped.summary
    assert (summary["rows_read"], summary["rows_scanned"], summary["rows_skipped"]) == (3, 2, 1)
    assert sum(summary["skip_reasons"].values()) == 1


def test_results_on_stdout_and_files_logs_on_stderr(write_jsonl, run_scan):
    path = write_jsonl("corpus.jsonl", records())
    run = run_scan(path, *PACKS, "--json")
    assert run.exit_code == 0
    assert json.loads(run.stdout) == run.summary
    assert run.stderr == ""  # no progress bar off a terminal
    quiet = run_scan(path, *PACKS, "--quiet")
    assert quiet.stdout == "" and quiet.stderr == ""
    plain = run_scan(path, *PACKS)
    assert "rows scanned" in plain.stdout
    assert plain.stderr.split() == ["wrote", f"{plain.out}/{{summary.json,hits.jsonl,hits.parquet}}"]


def test_context_chars(write_jsonl, run_scan):
    path = write_jsonl("corpus.jsonl", records())
    assert {h["context"] for h in run_scan(path, *PACKS, "--context-chars", "0").hits} == {None}
    for h in run_scan(path, *PACKS, "--context-chars", "5").hits:
        text = TEXTS[h["row"]]
        assert h["context"] == text[max(0, h["start"] - 5) : h["end"] + 5]


def test_progress_bar_only_on_a_terminal(write_parquet, tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    path = write_parquet("corpus.parquet", {"text": TEXTS * 50})
    command = [sys.executable, "-m", "scanner", "dataset", str(path), *PACKS, "-o", str(tmp_path / "out"), "-w", "1"]
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=secondary, timeout=300)
    os.close(secondary)
    terminal = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(primary)
    assert proc.returncode == 0
    assert b"500rows" in terminal and b"rows/s" in terminal and b"MB/s" in terminal  # the bar, on the terminal
    assert b"rows scanned" in proc.stdout and b"MB/s" not in proc.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_endpoint(monkeypatch):
    """A local S3-compatible server (moto), reached through the standard AWS settings."""
    moto_server = pytest.importorskip("moto.server")
    s3fs = pytest.importorskip("s3fs")
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for key, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()
    yield endpoint
    s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


def test_s3_input_and_output(s3_endpoint, write_parquet, write_jsonl, run_scan):
    import boto3

    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="corpus")
    s3.upload_file(str(write_parquet("a.parquet", {"id": IDS, "text": TEXTS})), "corpus", "crawl/a.parquet")
    s3.upload_file(str(write_jsonl("b.jsonl.gz", records())), "corpus", "crawl/b.jsonl.gz")
    local = run_scan("s3://corpus/crawl/", *PACKS, "-w", "1")
    assert local.exit_code == 0, local.stderr
    sources = {"s3://corpus/crawl/a.parquet": records(), "s3://corpus/crawl/b.jsonl.gz": records()}
    assert set(local.summary["by_source"]) == set(sources)
    check_hits(local, sources)
    check_summary(local, 2 * len(TEXTS), TEXTS * 2)

    remote = run_scan("s3://corpus/crawl/a.parquet", *PACKS, "--output-dir", "s3://corpus/out")
    assert remote.exit_code == 0, remote.stderr
    written = {o["Key"] for o in s3.list_objects_v2(Bucket="corpus", Prefix="out/")["Contents"]}
    assert written == {"out/summary.json", "out/hits.jsonl", "out/hits.parquet"}
    summary = json.loads(s3.get_object(Bucket="corpus", Key="out/summary.json")["Body"].read())
    assert summary["rows_scanned"] == len(TEXTS) and summary["hits"] == local.summary["hits"] // 2


def commands(group: click.Group, path: tuple[str, ...] = ("scan",)):
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


@pytest.mark.parametrize("path", list(commands(main)), ids=" ".join)
def test_every_command_has_help_and_is_in_the_readme(path):
    from click.testing import CliRunner

    result = CliRunner().invoke(main, [*path[1:], "--help"])
    assert result.exit_code == 0 and "Usage:" in result.stdout
    assert " ".join(path) in (ROOT / "README.md").read_text()


def test_python_dash_m_scanner():
    result = subprocess.run([sys.executable, "-m", "scanner", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "dataset" in result.stdout


def test_readme_first_command_on_the_bundled_sample(tmp_path, run_scan, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```bash\n(.*?)\n```", readme, re.S).group(1)
    command = shlex.split(first.split("&&")[-1])
    assert command[:2] == ["scan", "dataset"]
    args = command[2:]
    args[args.index("--output-dir") + 1] = str(tmp_path / "out")
    monkeypatch.chdir(ROOT)
    run = run_scan(*args, out=tmp_path / "out")
    assert run.exit_code == 0, run.stderr
    sample = pq.read_table(ROOT / "examples" / "sample.parquet")
    assert run.summary["rows_scanned"] == sample.num_rows
    texts = sample.column("text").to_pylist()
    assert run.hits and all(texts[h["row"]][h["start"] : h["end"]] == h["match"] for h in run.hits)
    assert {"qwen", "openai"} <= {h["family"] for h in run.hits}
