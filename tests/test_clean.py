"""`scan clean` end to end on Parquet and JSONL: every action, the accounting, what is left untouched."""

from __future__ import annotations

import gzip
import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_TEXTS

from scanner import InputError, Scanner
from scanner.clean import CleanConfig, OptionError, clean_dataset, load_replacements
from scanner.cli import main
from scanner.engines.unit import ScanConfig, scan_unit
from scanner.run import scan_dataset
from scanner.sources import ReadOptions, open_inputs

PACKS = ("qwen", "openai", "generic")
TEXTS = [
    *SAMPLE_TEXTS,
    "To install the package, create a virtual environment and run pip install.",
]
METADATA = {b"huggingface": b'{"info": {"features": {}}}', b"owner": b"data-team"}
ACTIONS = ("drop", "tag", "redact", "replace")


def rows(n: int = 30) -> list[dict]:
    return [
        {"id": f"d{i}", "text": TEXTS[i % len(TEXTS)], "score": i / 3, "tags": ["a", str(i)], "meta": {"n": i}}
        for i in range(n)
    ]


def write_corpus(folder) -> None:
    """A Parquet file in several row groups with schema metadata, and a gzipped JSONL file."""
    folder.mkdir()
    table = pa.Table.from_pylist(rows())
    table = table.append_column("lang", pa.array(["en", "zh", "en"] * 10).dictionary_encode())  # a categorical
    pq.write_table(table.replace_schema_metadata(METADATA), folder / "a.parquet", row_group_size=8)
    with gzip.open(folder / "b.jsonl.gz", "wt", encoding="utf-8") as f:
        for r in rows(12):
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")  # compact: bytes must survive


def config(action: str = "drop", on_error: str = "fail", **options) -> CleanConfig:
    return CleanConfig(action, ScanConfig(packs=PACKS, read=ReadOptions(on_error=on_error)), **options)


def manifest(out) -> dict:
    return json.loads((out / "manifest.json").read_text())


def rescan(folder, scanner: Scanner) -> tuple[int, int]:
    """(rows read, hits) of a scan of a folder, as `scan dataset` runs it."""
    results = [scan_unit(u, scanner, ScanConfig(packs=PACKS)) for u in open_inputs([str(folder)])]
    return sum(r.rows_read for r in results), sum(len(r.hits) for r in results)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(list(PACKS))


def contaminated(scanner: Scanner, texts: list[str | None]) -> set[int]:
    return {h.row for h in scanner.scan_batch(pa.table({"text": pa.array(texts, pa.string())}))}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean") / "data"
    write_corpus(folder)
    return folder


@pytest.fixture(scope="module")
def cleaned(corpus, scanner):
    """Output folders of every action over the same corpus."""
    outs = {}
    for action in ACTIONS:
        options = {"replacements": {"*": "I am your assistant"}} if action == "replace" else {}
        outs[action] = corpus.parent / action
        clean_dataset([str(corpus)], config(action, **options), str(outs[action]), scanner=scanner)
    return outs


@pytest.mark.parametrize("action", ACTIONS)
def test_every_row_is_accounted_for(cleaned, scanner, action):
    m = manifest(cleaned[action])
    assert m["complete"] and [f["source"].rsplit("/", 1)[-1] for f in m["files"]] == ["a.parquet", "b.jsonl.gz"]
    for entry in [*m["files"], m["totals"]]:
        assert entry["rows_in"] == entry["rows_kept"] + entry["rows_dropped"] + entry["rows_skipped"]
    a, b = m["files"]
    assert (a["rows_in"], b["rows_in"]) == (30, 12)
    assert a["rows_kept"] == pq.read_metadata(cleaned[action] / "kept/a.parquet").num_rows
    with gzip.open(cleaned[action] / "kept/b.jsonl.gz", "rt") as f:  # JSONL in, JSONL out, same compression
        assert b["rows_kept"] == sum(1 for _ in f)
    assert a["rows_contaminated"] == len(contaminated(scanner, [r["text"] for r in rows()])) > 0
    assert m["settings"]["action"] == action and m["settings"]["packs"] and m["command"]


@pytest.mark.parametrize("action", ACTIONS)
def test_untouched_rows_schema_and_metadata_survive(corpus, cleaned, scanner, action):
    original = pq.read_table(corpus / "a.parquet")
    kept = pq.read_table(cleaned[action] / "kept/a.parquet")
    expected = original.schema
    if action == "tag":
        expected = expected.append(kept.schema.field("contamination"))
    assert kept.schema.equals(expected, check_metadata=True) and kept.schema.metadata[b"owner"] == b"data-team"
    dirty = contaminated(scanner, original.column("text").to_pylist())
    untouched = original.take([i for i in range(original.num_rows) if i not in dirty])
    kept_ids = kept.column("id").to_pylist()
    assert untouched.column("id").to_pylist() == [i for i in kept_ids if i in set(untouched.column("id").to_pylist())]
    mask = pa.array([i in set(untouched.column("id").to_pylist()) for i in kept_ids])
    plain = pa.schema([f.with_type(pa.string()) if f.name == "lang" else f for f in original.schema])  # a file's
    kept_untouched = kept.filter(mask).select(original.column_names)  # dictionary holds what the file holds
    assert kept_untouched.cast(plain).equals(untouched.cast(plain))  # values as they were, in order


@pytest.mark.parametrize("action", ACTIONS)
def test_untouched_jsonl_lines_are_byte_identical(corpus, cleaned, scanner, action):
    with gzip.open(corpus / "b.jsonl.gz", "rb") as f:
        lines = f.read().splitlines()
    with gzip.open(cleaned[action] / "kept/b.jsonl.gz", "rb") as f:
        kept = f.read().splitlines()
    if action == "tag":  # every row, its bytes as they were, with one member more
        assert len(kept) == len(lines) and all(k.startswith(line[:-1] + b", ") for k, line in zip(kept, lines))
        return
    dirty = contaminated(scanner, [json.loads(line)["text"] for line in lines])
    assert [line for i, line in enumerate(lines) if i not in dirty] == [k for k in kept if k in lines]
    assert all(line in kept for i, line in enumerate(lines) if i not in dirty)


def test_drop_sends_contaminated_rows_to_rejected_with_reasons(corpus, cleaned, scanner):
    rejected = pq.read_table(cleaned["drop"] / "rejected/a.parquet").to_pylist()
    original = pq.read_table(corpus / "a.parquet").to_pylist()
    dirty = contaminated(scanner, [r["text"] for r in original])
    assert [r["id"] for r in rejected] == [original[i]["id"] for i in sorted(dirty)]
    for r in rejected:
        c = r["contamination"][0]
        assert c["family"] in PACKS and c["field"] == "text" and c["method"] == "regex"
        assert 0 <= c["start"] < c["end"] <= len(r["text"])


def test_tag_keeps_every_row_with_its_claims(cleaned, scanner):
    kept = pq.read_table(cleaned["tag"] / "kept/a.parquet").to_pylist()
    assert len(kept) == 30
    assert {i for i, r in enumerate(kept) if r["contamination"]} == contaminated(scanner, [r["text"] for r in kept])
    d1 = next(r for r in kept if r["id"] == "d1")
    [claim] = d1["contamination"]
    assert claim["family"] == "qwen" and d1["text"][claim["start"] : claim["end"]].startswith("I am Qwen")


def test_redact_cuts_the_sentence_and_lists_it(cleaned):
    kept = {r["id"]: r["text"] for r in pq.read_table(cleaned["redact"] / "kept/a.parquet").to_pylist()}
    assert kept["d1"] == "Hello! How can I help?"
    assert kept["d3"] == "你好！有什么可以帮你？"
    assert kept["d4"] == "A good sourdough needs a lively starter."
    assert kept["d2"] == TEXTS[2]  # a mention is not a claim
    audit = [json.loads(line) for line in (cleaned["redact"] / "redactions/a.parquet.jsonl").read_text().splitlines()]
    d1 = next(a for a in audit if a["doc_id"] == "d1")
    assert d1["changes"] == [
        {"field": "text", "start": 7, "end": 41, "removed": "I am Qwen, made by Alibaba Cloud. ", "inserted": ""}
    ]
    assert d1["hits"][0]["family"] == "qwen" and d1["dropped"] is None


def test_replace_keeps_the_surrounding_text(cleaned):
    kept = {r["id"]: r["text"] for r in pq.read_table(cleaned["replace"] / "kept/a.parquet").to_pylist()}
    assert kept["d1"].startswith("Hello! I am your assistant") and kept["d1"].endswith("How can I help?")
    assert manifest(cleaned["replace"])["files"][0]["rows_rewritten"] > 0


@pytest.mark.parametrize("action", ["drop", "redact", "replace"])
def test_a_rescan_of_what_was_kept_finds_nothing(cleaned, scanner, action):
    assert rescan(cleaned[action] / "kept", scanner) == (manifest(cleaned[action])["totals"]["rows_kept"], 0)


def test_a_rescan_at_defaults_finds_nothing(tmp_path):
    """Every bundled pack, and default severity, families and roles, as a pipeline would run them."""
    write_corpus(tmp_path / "data")
    defaults = Scanner()
    clean_dataset([str(tmp_path / "data")], CleanConfig("redact"), str(tmp_path / "c"), scanner=defaults)
    results = [scan_unit(u, defaults, ScanConfig()) for u in open_inputs([str(tmp_path / "c/kept")])]
    assert sum(r.rows_read for r in results) == 42 and not any(r.hits for r in results)


def test_load_dataset_reads_the_kept_folder(cleaned, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    shutil.copytree(cleaned["drop"] / "kept", tmp_path / "kept", ignore=shutil.ignore_patterns("*.jsonl.gz"))
    ds = datasets.load_dataset("parquet", data_dir=str(tmp_path / "kept"), split="train", cache_dir=str(tmp_path / "c"))
    assert ds.num_rows == manifest(cleaned["drop"])["files"][0]["rows_kept"]
    assert ds.column_names == ["id", "text", "score", "tags", "meta", "lang"]


def test_parquet_out_is_zstd_in_whole_row_groups(cleaned):
    meta = pq.read_metadata(cleaned["drop"] / "kept/a.parquet")
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert meta.num_row_groups == 1  # gathered, not one per input row group


@pytest.fixture(scope="module")
def scanned(corpus, scanner, tmp_path_factory):
    """A scan's output folder (hits and summary) for the corpus and a copy of it the tests may alter."""
    copy = corpus.parent / "copy"
    shutil.copytree(corpus, copy)
    out = tmp_path_factory.mktemp("scan")
    scan_dataset([str(corpus), str(copy)], ScanConfig(packs=PACKS), str(out), workers=1)
    return out


def test_hits_from_a_scan_give_the_same_output_without_rescanning(corpus, cleaned, scanned, tmp_path):
    out = tmp_path / "from-hits"
    clean_dataset([str(corpus)], config(hits=str(scanned / "hits.parquet")), str(out))
    assert pq.read_table(out / "kept/a.parquet").equals(pq.read_table(cleaned["drop"] / "kept/a.parquet"))
    with gzip.open(out / "rejected/b.jsonl.gz") as mine, gzip.open(cleaned["drop"] / "rejected/b.jsonl.gz") as fresh:
        assert mine.read() == fresh.read()
    assert manifest(out)["totals"] == manifest(cleaned["drop"])["totals"]
    assert manifest(out)["hits"]["path"].endswith("hits.parquet") and manifest(out)["settings"]["hits"]["sha256"]


def test_hits_of_other_data_are_refused_with_a_clear_error(corpus, scanned, tmp_path):
    hits = str(scanned / "hits.jsonl")
    copy = corpus.parent / "copy"
    runner = CliRunner()

    def refused(folder) -> str:
        out = tmp_path / f"out-{folder.name}"
        result = runner.invoke(main, ["clean", str(folder), "-o", str(out), "--hits", hits])
        assert result.exit_code == 3 and result.output.startswith("error: ")
        assert not list(out.rglob("*.parquet"))  # nothing left looking complete
        return result.output

    other = tmp_path / "other"  # files the scan never read
    write_corpus(other)
    assert "hits are from a scan of other data: it did not read " in refused(other)

    pq.write_table(pa.Table.from_pylist(rows(31)), copy / "a.parquet")  # same name, more rows
    assert "31 rows, but the scan that wrote the hits read 30" in refused(copy)

    swapped = rows()  # same name and row count, other text
    swapped[1]["text"], swapped[0]["text"] = swapped[0]["text"], swapped[1]["text"]
    pq.write_table(pa.Table.from_pylist(swapped), copy / "a.parquet", row_group_size=8)
    assert "row 1: the hits say text[7:" in refused(copy) and "is 'I am Qwen" in refused(copy)


def test_a_hits_file_needs_its_summary(corpus, tmp_path):
    (tmp_path / "hits.jsonl").write_text("")
    with pytest.raises(InputError, match="no summary.json beside it"):
        clean_dataset([str(corpus)], config(hits=str(tmp_path / "hits.jsonl")), str(tmp_path / "o"))


def test_skipped_rows_are_counted_with_their_reason(tmp_path, scanner):
    (tmp_path / "data").mkdir()
    (tmp_path / "data/c.jsonl").write_text('{"text": "fine"}\n{"text": "I am Qwen, made by Alibaba Cloud."}\n{oops\n')
    m = clean_dataset([str(tmp_path / "data")], config(on_error="skip"), str(tmp_path / "out"), scanner=scanner)
    entry = m["files"][0]
    assert (entry["rows_in"], entry["rows_kept"], entry["rows_dropped"], entry["rows_skipped"]) == (3, 1, 1, 1)
    assert entry["skip_reasons"] == {"malformed JSON": 1} and entry["drop_reasons"] == {"contaminated": 1}


def test_a_replacement_that_is_itself_a_claim_is_refused(corpus, tmp_path):
    args = ["clean", str(corpus), "-o", str(tmp_path / "o"), "--action", "replace"]
    args += [a for p in PACKS for a in ("--patterns", p)]
    result = CliRunner().invoke(main, [*args, "--replace-with", "I am an AI assistant"])
    assert result.exit_code == 2 and "is itself a claim (generic." in result.output
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "--replace-with TEXT or --replace-map FILE" in result.output


def test_a_replacement_map_by_language(corpus, tmp_path, scanner):
    (tmp_path / "map.yaml").write_text("zh: 我是你的助手\n", encoding="utf-8")
    replacements = load_replacements(str(tmp_path / "map.yaml"), "I am your assistant")
    assert replacements == {"zh": "我是你的助手", "*": "I am your assistant"}
    clean_dataset([str(corpus)], config("replace", replacements=replacements), str(tmp_path / "o"), scanner=scanner)
    kept = {r["id"]: r["text"] for r in pq.read_table(tmp_path / "o/kept/a.parquet").to_pylist()}
    assert kept["d3"].startswith("你好！我是你的助手") and kept["d3"].endswith("有什么可以帮你？")
    assert kept["d1"].startswith("Hello! I am your assistant")
    with pytest.raises(OptionError, match="no replacement for claims in"):
        only_zh = config("replace", replacements={"zh": "我是你的助手"})
        clean_dataset([str(corpus)], only_zh, str(tmp_path / "p"), scanner=scanner)


def test_another_action_into_the_same_folder_is_refused(corpus, cleaned, scanner):
    with pytest.raises(InputError, match=r"other settings \(action"):
        clean_dataset([str(corpus)], config("tag"), str(cleaned["drop"]), scanner=scanner)


def test_the_command_line_cleans_and_says_what_it_did(corpus, tmp_path):
    args = ["clean", str(corpus), "-o", str(tmp_path / "o"), "--action", "tag", "--json", "--patterns", "qwen"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["rows_kept"] == 42
    assert "a.parquet: 30 rows, 30 kept, 0 dropped, 0 skipped" in result.stderr  # progress


def test_an_output_folder_inside_an_input_is_refused(corpus, scanner):
    with pytest.raises(InputError, match="overlaps the output folder"):
        clean_dataset([str(corpus)], config(), str(corpus / "clean"), scanner=scanner)
    assert not (corpus / "clean").exists()
