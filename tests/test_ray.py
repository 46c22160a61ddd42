"""The Ray engine: the same hits, counts, summary and clean accounting as the local engine, provenance kept.

Ray tests share one local Ray instance for the session (the engine uses a running session and leaves it
running); they are skipped where the [ray] extra is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_TEXTS

from scanner.clean.actions import field_text
from scanner.cli import main
from scanner.fields import parse_field

needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="the [ray] extra is not installed: pip install -e '.[test,ray]'"
)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")  # Ray's own, on copying
PACKS = ["-p", "qwen", "-p", "openai"]
TEXTS = SAMPLE_TEXTS


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray instance for the whole test session."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A Parquet file of four row groups (four work units) and a chat JSONL file with one malformed line."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    texts = [TEXTS[i % len(TEXTS)] for i in range(40)]
    pq.write_table(
        pa.table({"id": [f"p{i}" for i in range(40)], "text": texts}), folder / "a.parquet", row_group_size=10
    )
    lines = []
    for i in range(12):
        turns = [{"role": "user", "content": "Who are you?"}, {"role": "assistant", "content": TEXTS[i % len(TEXTS)]}]
        lines.append(json.dumps({"id": f"c{i}", "messages": turns}, ensure_ascii=False))
    lines.insert(5, "{not json")
    (folder / "chat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def both_engines(command: str, corpus: Path, out: Path, *options: str) -> tuple[Path, Path]:
    """Run a command on the local engine and on Ray (two actors) with the same options; the two output folders."""
    folders = out / "local", out / "ray"
    for folder, engine in zip(folders, ([], ["--engine", "ray", "--ray-concurrency", "2"])):
        code, output = invoke(command, str(corpus), "-o", str(folder), *PACKS, "--on-error", "skip", *engine, *options)
        assert code == 0, output
    return folders


def hits(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "hits.jsonl").read_text(encoding="utf-8").splitlines()]


def records(source: str) -> list[dict | None]:
    """The rows of an input file as the scanner numbers them (a malformed JSONL line: None)."""
    if source.endswith(".parquet"):
        return pq.read_table(source).to_pylist()
    rows = []
    for line in Path(source).read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            rows.append(None)
    return rows


@needs_ray
def test_scan_on_ray_matches_local_and_keeps_provenance(corpus, tmp_path, ray_session):
    local, ray = both_engines("dataset", corpus, tmp_path, "--batch-rows", "7", "-q")
    local_hits, ray_hits = hits(local), hits(ray)
    assert sorted(map(json.dumps, local_hits)) == sorted(map(json.dumps, ray_hits))
    assert {h["source"] for h in ray_hits} == {str(corpus / "a.parquet"), str(corpus / "chat.jsonl")}
    assert pq.read_table(ray / "hits.parquet").num_rows == len(ray_hits)
    timing = ("wall_seconds", "command")
    summaries = [{k: v for k, v in json.loads((o / "summary.json").read_text()).items() if k not in timing}
                 for o in (local, ray)]  # fmt: skip
    assert summaries[0] == summaries[1]
    assert summaries[1]["rows_read"] == 53 and summaries[1]["rows_skipped"] == 1
    for h in ray_hits:  # every hit names its file and its row in that file
        row = records(h["source"])[h["row"]]
        assert row["id"] == h["doc_id"]
        assert field_text(row, parse_field(h["field"]))[h["start"] : h["end"]] == h["match"]
    assert [p.name for p in ray.iterdir()] == [p.name for p in local.iterdir()]  # the shards are merged away


@needs_ray
def test_clean_on_ray_accounts_for_every_row_of_every_file(corpus, tmp_path, ray_session):
    local, ray = both_engines("clean", corpus, tmp_path, "--action", "drop", "-q")
    files = [json.loads((o / "manifest.json").read_text())["files"] for o in (local, ray)]
    assert files[0] == files[1]
    for entry in files[1]:
        assert entry["rows_in"] == entry["rows_kept"] + entry["rows_dropped"] + entry["rows_skipped"]
        assert entry["rows_dropped"] > 0
    assert sum(e["rows_in"] for e in files[1]) == 53
    assert pq.read_table(ray / "kept/a.parquet").equals(pq.read_table(local / "kept/a.parquet"))
    assert (ray / "kept/chat.jsonl").read_bytes() == (local / "kept/chat.jsonl").read_bytes()


@needs_ray
def test_a_bad_row_on_a_ray_worker_is_a_one_line_error(corpus, tmp_path, ray_session):
    source = corpus / "chat.jsonl"
    code, output = invoke(
        "dataset", str(source), "-o", str(tmp_path / "out"), *PACKS, "--no-near-dup", "--engine", "ray"
    )
    assert code == 3
    assert output.strip().splitlines()[-1].startswith(f"error: {source}: line 6 (row 5): malformed JSON (")


@pytest.mark.parametrize("command", ["dataset", "clean"])
def test_engine_ray_without_the_extra_says_how_to_install_it(command, corpus, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed: `import ray` raises ImportError
    code, output = invoke(command, str(corpus), "-o", str(tmp_path / "out"), "--engine", "ray")
    assert code == 2
    assert "pip install 'scanner[ray]'" in output
    assert not (tmp_path / "out").exists()


def test_ray_options_need_the_ray_engine(corpus, tmp_path):
    code, output = invoke("dataset", str(corpus), "-o", str(tmp_path / "out"), "--ray-address", "auto")
    assert code == 2
    assert "--ray-address and --ray-concurrency go with --engine ray" in output
