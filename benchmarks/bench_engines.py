"""The engines compared on one corpus, in one run: local on one core, local on all cores, Ray on all cores.

    python benchmarks/bench_engines.py                            # a 50 MB corpus written by make_corpus.py
    python benchmarks/bench_engines.py --size 500MB --row-groups 32 --repeat 3
    python benchmarks/bench_engines.py --corpus data/             # your own files

Each engine runs `scan dataset` in a fresh process, end to end as a user runs it
(the Ray engine starts and stops its own local Ray instance, and that counts).
Throughput is MB of text and rows per second of the whole run; peak memory is
the largest sum, over the scan's process tree (workers, Ray's daemons and
actors), of each process's proportional set size (shared pages divided among
the processes sharing them), sampled every 0.2 s; with `--repeat N`, the best
of N runs (on a shared machine the others' load only ever slows a run down).
Every run must find the same hits; the last line says whether they did.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from make_corpus import make_corpus, parse_size

ENGINES = {
    "local, 1 core": ["--workers", "1"],
    "local, all cores": [],
    "ray, all cores": ["--engine", "ray"],
}


def tree_pss(root: int) -> int:
    """Bytes of proportional set size of a process and all its descendants (Linux /proc)."""
    children = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        children[parent].append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children[pid])
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Pss:"))
    return total


def run(corpus: str, options: list[str], out: Path) -> dict:
    """One scan in a fresh process: wall seconds, peak memory, its summary and its hits' fingerprints."""
    command = [sys.executable, "-m", "scanner", "dataset", corpus, "-o", str(out), "--quiet", *options]
    started = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_pss(process.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    if process.returncode:
        sys.exit(f"{' '.join(command)} exited {process.returncode}:\n{process.stderr.read()}")
    summary = json.loads((out / "summary.json").read_text())
    with open(out / "hits.jsonl", encoding="utf-8") as f:
        fingerprints = sorted(json.loads(line)["fingerprint"] for line in f)
    return {"wall": wall, "peak": peak, "summary": summary, "fingerprints": fingerprints}


def machine() -> str:
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {int(memory) / 2**20:.0f} GB, load average at start {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", help="files or folder to scan (default: write one with make_corpus.py)")
    parser.add_argument("--size", type=parse_size, default=parse_size("50MB"), help="text bytes of the written corpus")
    parser.add_argument("--row-groups", type=int, default=8, help="row groups (work units) of the written corpus")
    parser.add_argument("--repeat", type=int, default=1, help="runs per engine; the fastest is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = f"{tmp}/corpus.parquet"
            make_corpus(corpus, args.size, args.row_groups)
        print(f"machine: {machine()}\ncorpus: {corpus}\n")
        print(f"{'engine':<18}{'wall s':>8}{'MB/s':>8}{'rows/s':>9}{'peak MB':>9}{'hits':>6}")
        runs = []
        for name, options in ENGINES.items():
            r = min(
                (run(corpus, options, Path(tmp) / f"out-{len(runs)}") for _ in range(args.repeat)),
                key=lambda r: r["wall"],
            )
            s = r["summary"]
            print(
                f"{name:<18}{r['wall']:>8.1f}{s['bytes_scanned'] / 1e6 / r['wall']:>8.2f}"
                f"{s['rows_read'] / r['wall']:>9,.0f}{r['peak'] / 2**20:>9,.0f}{s['hits']:>6}",
                flush=True,
            )
            runs.append(r)
        same = all(r["fingerprints"] == runs[0]["fingerprints"] for r in runs)
        print(f"\nsame hits in every run: {'yes' if same else 'NO'} ({len(runs[0]['fingerprints'])} hits)")


if __name__ == "__main__":
    main()
