"""Sources: files, folders, globs, compressed JSONL and Hugging Face datasets, streamed with row provenance."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pytest

from scanner.errors import InputError, RowError
from scanner.sources import ReadOptions, open_inputs
from scanner.sources import jsonl as jsonl_source

TEXTS = [f"document {i}" for i in range(10)]


def read_all(units, columns=None) -> tuple[list[dict], list[int], list[tuple[int, str]]]:
    """Every row of the units, with its row number and the skipped rows."""
    records, rows, skipped = [], [], []
    for unit in units:
        for batch in unit.batches(columns):
            records += batch.table.to_pylist()
            rows += batch.rows.tolist()
            skipped += batch.skipped
    return records, rows, skipped


def test_parquet_row_groups_are_units_numbered_continuously(write_parquet):
    path = write_parquet("a.parquet", {"text": TEXTS, "id": list(range(10)), "other": [1.5] * 10}, row_group_size=4)
    units = open_inputs([str(path)], ReadOptions(batch_rows=3))
    assert len(units) == 3
    assert sum(u.rows_hint() for u in units) == 10
    records, rows, _ = read_all(units, ["text", "id"])
    assert rows == list(range(10))
    assert [r["id"] for r in records] == rows
    assert set(records[0]) == {"text", "id"}
    assert {u.source for u in units} == {str(path)}


def test_folder_glob_and_several_paths(tmp_path, write_parquet, write_jsonl):
    write_parquet("corpus/b.parquet", {"text": TEXTS[:2]})
    write_parquet("corpus/sub/c.parquet", {"text": TEXTS[2:5]})
    write_jsonl("corpus/a.jsonl", [{"text": t} for t in TEXTS[5:]])
    write_parquet("corpus/.hidden/d.parquet", {"text": ["hidden"]})
    (tmp_path / "corpus" / "README.md").write_text("not data")
    folder = [u.source for u in open_inputs([str(tmp_path / "corpus")])]
    assert [s.rsplit("corpus/", 1)[1] for s in folder] == ["a.jsonl", "b.parquet", "sub/c.parquet"]
    globbed = [u.source for u in open_inputs([str(tmp_path / "corpus" / "*.parquet")])]
    assert [s.rsplit("/", 1)[1] for s in globbed] == ["b.parquet"]
    several = open_inputs([str(tmp_path / "corpus" / "sub" / "c.parquet"), str(tmp_path / "corpus" / "a.jsonl")])
    records, _, _ = read_all(several)
    assert [r["text"] for r in records] == TEXTS[2:5] + TEXTS[5:]


@pytest.mark.parametrize("name", ["plain.jsonl", "packed.jsonl.gz", "packed.jsonl.zst"])
def test_jsonl_plain_and_compressed_read_alike(write_jsonl, name):
    path = write_jsonl(name, [{"id": i, "text": t} for i, t in enumerate(TEXTS[:3])] + ["", "   "])
    records, rows, skipped = read_all(open_inputs([str(path)], ReadOptions(batch_rows=2)))
    assert records == [{"id": i, "text": t} for i, t in enumerate(TEXTS[:3])]
    assert rows == [0, 1, 2] and skipped == []  # blank lines are no rows


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"text": "unterminated', "malformed JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'{"text": "caf\xe9"}', "not valid UTF-8"),
        (b'{"text": 42}', "field 'text' is not string"),
        (b'{"text": "ok", "messages": "not a list"}', "field 'messages' is not list"),
    ],
)
def test_bad_jsonl_rows_raise_with_row_or_are_skipped_with_reason(write_jsonl, line, reason):
    rows = [{"text": "a", "messages": [{"role": "user", "content": "hi"}]}, line, {"text": "c"}]
    path = write_jsonl("bad.jsonl", rows)
    with pytest.raises(RowError) as raised:
        read_all(open_inputs([str(path)]), ["text", "messages"])
    assert str(path) in str(raised.value) and "row 1" in str(raised.value)
    records, kept, skipped = read_all(open_inputs([str(path)], ReadOptions(on_error="skip")), ["text", "messages"])
    assert kept == [0, 2]
    assert [(row, r.split(" (")[0][: len(reason)]) for row, r in skipped] == [(1, reason)]
    assert [r["text"] for r in records] == ["a", "c"]


def test_jsonl_schema_follows_the_majority_of_the_first_rows(write_jsonl):
    path = write_jsonl("mixed.jsonl", [{"text": 7}, {"text": "b"}, {"text": "c"}])
    (unit,) = open_inputs([str(path)], ReadOptions(on_error="skip"))
    assert unit.schema().field("text").type == pa.string()
    records, rows, skipped = read_all([unit])
    assert rows == [1, 2] and [r for r, _ in skipped] == [0]


def test_jsonl_columns_empty_in_the_first_rows_take_each_batch_type(write_jsonl, monkeypatch):
    monkeypatch.setattr(jsonl_source, "SCHEMA_PEEK_ROWS", 2)
    rows = [{"text": None, "messages": []}] * 2 + [{"text": "late", "messages": [{"role": "user", "content": "hi"}]}]
    path = write_jsonl("late.jsonl", rows)
    (unit,) = open_inputs([str(path)], ReadOptions(batch_rows=2))
    assert pa.types.is_null(unit.schema().field("text").type)
    records, _, _ = read_all([unit])
    assert [r["text"] for r in records] == [None, None, "late"]
    assert records[2]["messages"] == [{"role": "user", "content": "hi"}]


def test_truncated_gzip_is_an_input_error(tmp_path):
    data = gzip.compress(b"".join(b'{"text": "row %d"}\n' % i for i in range(2000)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.jsonl.gz: cannot decompress"):
        read_all(open_inputs([str(path)]))


def test_empty_files_hold_zero_rows(tmp_path):
    for name in ("empty.parquet", "empty.jsonl"):
        (tmp_path / name).write_bytes(b"")
        (unit,) = open_inputs([str(tmp_path / name)])
        assert unit.schema().names == []
        assert read_all([unit]) == ([], [], [])


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.parquet", "no such file or folder"), ("data.csv", "unsupported file type")],
)
def test_unreadable_paths_are_named(tmp_path, name, message):
    if name.endswith(".csv"):
        (tmp_path / name).write_text("a,b\n")
    with pytest.raises(InputError, match=message) as raised:
        open_inputs([str(tmp_path / name)])
    assert name in str(raised.value)


def test_corrupt_parquet_is_named(tmp_path, write_parquet):
    good = write_parquet("good.parquet", {"text": TEXTS})
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(good.read_bytes()[:-20])
    with pytest.raises(InputError, match="bad.parquet: not a readable Parquet file"):
        open_inputs([str(bad)])


def test_save_to_disk_dataset_and_dataset_dict(tmp_path):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"text": TEXTS[:3], "id": ["a", "b", "c"]})
    ds.save_to_disk(str(tmp_path / "single"))
    datasets.DatasetDict({"train": ds, "test": ds.select([2])}).save_to_disk(str(tmp_path / "dict"))

    (single,) = open_inputs([str(tmp_path / "single")])
    assert read_all([single], ["text"])[0] == [{"text": t} for t in TEXTS[:3]]
    both = open_inputs([str(tmp_path / "dict")])
    assert [u.source.rsplit(":", 1)[1] for u in both] == ["train", "test"]
    (test,) = open_inputs([str(tmp_path / "dict")], ReadOptions(split="test"))
    records, rows, _ = read_all([test])
    assert records == [{"text": TEXTS[2], "id": "c"}] and rows == [0]
    with pytest.raises(InputError, match="no split 'nope'"):
        open_inputs([str(tmp_path / "dict")], ReadOptions(split="nope"))


def test_hf_format_streams_a_local_dataset_folder_offline(write_jsonl):
    path = write_jsonl("hub_like/data.jsonl", [{"text": t} for t in TEXTS[:4]])
    (unit,) = open_inputs([str(path.parent)], ReadOptions(format="hf", batch_rows=3))
    assert unit.source.endswith("hub_like:train")
    records, rows, _ = read_all([unit], ["text"])
    assert [r["text"] for r in records] == TEXTS[:4]
    assert rows == list(range(4))


def test_hub_id_offline_is_a_clear_error():
    (unit,) = open_inputs(["nobody-here/no-such-dataset"])
    with pytest.raises(InputError) as raised:
        unit.schema()
    message = str(raised.value)
    assert message.startswith("nobody-here/no-such-dataset: ")
    assert "Hugging Face" in message and "\n" not in message


def test_dictionary_encoded_text_reads_as_text(write_parquet):
    path = write_parquet("categorical.parquet", pa.table({"text": pa.array(TEXTS[:3] * 2).dictionary_encode()}))
    (unit,) = open_inputs([str(path)])
    assert unit.schema().field("text").type == pa.string()
    records, _, _ = read_all([unit])
    assert [r["text"] for r in records] == TEXTS[:3] * 2
