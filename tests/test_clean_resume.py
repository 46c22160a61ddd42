"""A clean killed mid-run and rerun with the same arguments ends as if it had never stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from scanner.cli import main

ROWS = 20000
TEXTS = [
    "The river flooded the lower fields twice this spring, and the farmers moved the sheep uphill.",
    "Hello! I am Qwen, made by Alibaba Cloud. How can I help you today?",
    "A good sourdough needs a lively starter, patience, and a very hot oven.",
]


def write_data(folder) -> None:
    folder.mkdir()
    for f in range(3):
        texts = [TEXTS[1] if i % 97 == f else TEXTS[i % 2 * 2] for i in range(ROWS)]
        table = pa.table({"id": [f"{f}-{i}" for i in range(ROWS)], "text": texts})
        pq.write_table(table, folder / f"part-{f}.parquet", row_group_size=5000)
    (folder / "notes.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS))


def args(data, out) -> list[str]:
    return ["clean", str(data), "-o", str(out), "--action", "redact", "--patterns", "qwen", "--batch-rows", "1000"]


def partials(out) -> list[str]:
    return sorted(p.name for p in out.rglob(".*.partial"))


def kill_mid_run(data, out) -> dict:
    """Run the command and kill it once a file is finished and the next one is half written."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "scanner", *args(data, out), "-q"], env=env)
    try:
        while proc.poll() is None:
            if (out / "manifest.json").exists() and partials(out / "kept"):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return json.loads((out / "manifest.json").read_text())
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.kill()
    raise AssertionError("the run ended before it could be killed mid-file; make the input larger")


def outputs(out) -> dict[str, object]:
    """Every output file's content: Parquet as a table (with its schema metadata), the rest as bytes."""
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"):
        name = str(path.relative_to(out))
        files[name] = pq.read_table(path) if path.suffix == ".parquet" else path.read_bytes()
    return files


def test_a_killed_run_resumes_to_the_same_output(tmp_path):
    data = tmp_path / "data"
    write_data(data)

    whole = tmp_path / "whole"
    result = CliRunner().invoke(main, [*args(data, whole), "-q"])
    assert result.exit_code == 0, result.output

    out = tmp_path / "out"
    killed = kill_mid_run(data, out)
    assert not killed["complete"] and 1 <= len(killed["files"]) < 4
    finished = [f["source"] for f in killed["files"]]
    assert partials(out)  # a partial file, never under its final name
    assert not (out / "kept" / partials(out / "kept")[0].removeprefix(".").removesuffix(".partial")).exists()

    result = CliRunner().invoke(main, args(data, out))
    assert result.exit_code == 0, result.output
    assert "(done before)" in result.stderr
    resumed = json.loads((out / "manifest.json").read_text())
    assert resumed["complete"] and resumed["resumed"] == finished
    assert not partials(out)

    mine, reference = outputs(out), outputs(whole)
    assert mine.keys() == reference.keys()
    for name, content in reference.items():
        if isinstance(content, pa.Table):
            assert mine[name].equals(content) and mine[name].schema.metadata == content.schema.metadata, name
        else:
            assert mine[name] == content, name
    reference_manifest = json.loads((whole / "manifest.json").read_text())
    assert resumed["files"] == reference_manifest["files"] and resumed["totals"] == reference_manifest["totals"]
    assert resumed["totals"]["rows_in"] == 3 * ROWS + len(TEXTS)
