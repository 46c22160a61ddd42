"""Our scan against the decode floor and the baselines, side by side, on one corpus in one run.

    python benchmarks/make_corpus.py /tmp/corpus.parquet --size 1GB
    python benchmarks/bench_scan.py /tmp/corpus.parquet --repeat 3

Each measurement runs in a fresh process, one after another, on a page-cached file:

- floor: pyarrow decoding the text column, one row group at a time (what any scan must pay);
- scan, 1 worker and N workers (default: all cores): `scan dataset` end to end as a user runs it,
  every pack and near-duplicate matching on (the defaults), writing hits and summary. Its startup
  (loading packs, the compiled prefilter from the disk cache) is measured apart and subtracted
  for the throughput; the end-to-end time is shown too;
- naive: every rule's `regex` on every document, timed on a sample of documents and rules and
  extrapolated to the corpus (rule compilation not counted);
- datasets: `datasets` streaming the file, `.map` calling our Scanner on each batch of 1,000;
- ripgrep: `rg` over a text dump (one document a line, written before timing) for the packs'
  keywords as fixed strings, case-insensitive: keywords only, no rules (skipped where absent).

MB/s counts UTF-8 bytes of text. Peak RSS is the largest resident set of any process of the
measurement (the scan's workers included). With `--repeat N` every measurement runs N times in
rounds and the table gives medians; ratios to the floor are taken within a round, then the median.
Other processes loading the machine slow every column alike: compare ratios, not MB/s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

NAIVE_DOCS, NAIVE_RULES = 60, 150


def corpus_stats(path: str) -> dict:
    """Rows, text bytes and row groups of the corpus."""
    pf = pq.ParquetFile(path)
    size = sum(pc.sum(pc.binary_length(b.column(0))).as_py() or 0 for b in pf.iter_batches(columns=["text"]))
    return {"rows": pf.metadata.num_rows, "bytes": size, "row_groups": pf.metadata.num_row_groups}


# --- measurements, each run by `--child` in a fresh process ---------------------------------------------


def floor(corpus: str) -> dict:
    """pyarrow decoding the text column: the least any scan costs."""
    pf = pq.ParquetFile(corpus)
    started = time.perf_counter()
    for group in range(pf.num_row_groups):
        for batch in pf.iter_batches(batch_size=8192, row_groups=[group], columns=["text"]):
            pc.sum(pc.binary_length(batch.column(0)))
    return {"seconds": time.perf_counter() - started}


def startup(corpus: str) -> dict:
    """Building the Scanner `scan dataset` builds: packs, near-dup index, prefilter (disk cache warm)."""
    from scanner.engines.unit import ScanConfig
    from scanner.neardup import NearDupOptions

    started = time.perf_counter()
    ScanConfig(near_dup=NearDupOptions()).scanner()
    return {"seconds": time.perf_counter() - started}


def scan(corpus: str, workers: int, out: str) -> dict:
    """`scan dataset` as a user runs it, in a child process; the scan's own summary says what it found."""
    started = time.perf_counter()
    command = ["scan", "dataset", corpus, "-o", out, "--workers", str(workers), "--quiet"]
    subprocess.run(command, check=True)
    seconds = time.perf_counter() - started
    summary = json.loads(Path(out, "summary.json").read_text())
    rows = pq.read_table(Path(out, "hits.parquet"), columns=["row", "method"])
    return {"seconds": seconds, "hit_rows": sorted(set(rows.column("row").to_pylist())), "hits": summary["hits"]}


def naive(corpus: str) -> dict:
    """Every rule's regex on every document: timed on a sample, extrapolated (compilation not counted)."""
    from scanner import Scanner

    rules = Scanner().rules
    pf = pq.ParquetFile(corpus)
    first = pf.read_row_group(0, columns=["text"]).column(0)
    step = max(1, len(first) // NAIVE_DOCS)
    docs = [first[i].as_py().lower() for i in range(0, len(first), step)][:NAIVE_DOCS]
    sample = random.Random(0).sample(rules, min(NAIVE_RULES, len(rules)))
    for rule in sample:
        assert rule.regex  # compile before timing
    started = time.perf_counter()
    for doc in docs:
        for rule in sample:
            rule.regex.search(doc)
    per_pair = (time.perf_counter() - started) / (len(docs) * len(sample))
    seconds = per_pair * pf.metadata.num_rows * len(rules)
    return {"seconds": seconds, "note": f"{len(docs)} docs x {len(sample)} of {len(rules)} rules"}


def datasets_map(corpus: str) -> dict:
    """`datasets` streaming the file in batches of 1,000, `.map` calling our Scanner on each."""
    import pyarrow as pa
    from datasets import load_dataset

    from scanner import Scanner
    from scanner.neardup import NearDupOptions

    scanner = Scanner(near_dup=NearDupOptions())

    def contaminated(batch: dict) -> dict:
        rows = {h.row for h in scanner.scan_batch(pa.table({"text": batch["text"]}))}
        return {"contaminated": [i in rows for i in range(len(batch["text"]))]}

    ds = load_dataset("parquet", data_files=corpus, split="train", streaming=True)
    started = time.perf_counter()
    for _ in ds.map(contaminated, batched=True, batch_size=1000).iter(batch_size=1000):
        pass
    return {"seconds": time.perf_counter() - started}


def ripgrep(corpus: str, dump: str, keywords: str) -> dict:
    """ripgrep over the text dump for the keywords (fixed strings, case-insensitive)."""
    started = time.perf_counter()
    found = subprocess.run(
        ["rg", "--count", "--ignore-case", "--fixed-strings", "--file", keywords, dump], capture_output=True, text=True
    )
    return {"seconds": time.perf_counter() - started, "lines": int(found.stdout.strip() or 0)}


def write_dump(corpus: str, folder: str) -> tuple[str, str]:
    """The corpus as text, one document a line, and the packs' keywords, one a line."""
    from scanner import Scanner

    dump, keywords = os.path.join(folder, "dump.txt"), os.path.join(folder, "keywords.txt")
    with open(dump, "w", encoding="utf-8") as f:
        for batch in pq.ParquetFile(corpus).iter_batches(columns=["text"]):
            flat = pc.replace_substring(pc.fill_null(batch.column(0), ""), "\n", " ")
            f.write("\n".join(flat.to_pylist()) + "\n")
    Path(keywords).write_text("\n".join(Scanner().prefilter.keywords) + "\n", encoding="utf-8")
    return dump, keywords


CHILDREN = {"floor": floor, "startup": startup, "scan": scan, "naive": naive, "datasets": datasets_map}
CHILDREN["ripgrep"] = ripgrep


def child(spec: str) -> None:
    """Run one measurement here and print it as JSON with this process tree's peak RSS."""
    name, args = json.loads(spec)
    result = CHILDREN[name](*args)
    print(
        json.dumps(
            {**result, "rss_mb": max(_own_peak_kb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}
        )
    )


def _own_peak_kb() -> int:
    """This process's peak RSS since exec (getrusage's would count the parent's, which forked it)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def measure(name: str, *args) -> dict:
    """One measurement in a fresh process."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps([name, list(args)])],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the table ------------------------------------------------------------------------------------------


def machine() -> str:
    """CPU model, cores and memory of this machine."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"


def planted_recall(corpus: str, hit_rows: list[int]) -> str:
    """How many planted claims the scan found, and how many planted mentions it flagged."""
    sidecar = Path(f"{corpus}.planted.json")
    if not sidecar.exists():
        return ""
    planted = json.loads(sidecar.read_text())
    hits = set(hit_rows)
    claims = {c["row"] for c in planted["claims"]}
    mentions = set(planted["mention_rows"]) - claims
    return (
        f"planted claims found: {len(claims & hits)} of {len(claims)}; "
        f"planted mentions flagged: {len(mentions & hits)} of {len(mentions)}; "
        f"other documents flagged: {len(hits - claims - mentions)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="a Parquet file with a `text` column (see make_corpus.py)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="the N of 'N workers' (default: cores)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the table gives medians")
    parser.add_argument("--skip", default="", help="comma-separated: naive, datasets, ripgrep")
    parser.add_argument("--json", help="also write the measurements to this file")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    stats = corpus_stats(args.corpus)
    print(f"corpus: {args.corpus}: {stats['rows']:,} documents, {stats['bytes'] / 1e6:,.0f} MB of text, "
          f"{stats['row_groups']} row groups", file=sys.stderr)  # fmt: skip
    load_before = os.getloadavg()
    rounds: list[dict[str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        if "ripgrep" not in skip and shutil.which("rg"):
            dump, keywords = write_dump(args.corpus, tmp)
        else:
            skip.add("ripgrep")
        plan = {
            "floor": ("floor", args.corpus),
            "startup": ("startup", args.corpus),
            "scan, 1 worker": ("scan", args.corpus, 1, os.path.join(tmp, "out-1")),
            f"scan, {args.workers} workers": ("scan", args.corpus, args.workers, os.path.join(tmp, "out-n")),
            "naive regex per document": ("naive", args.corpus),
            "datasets .map + Scanner": ("datasets", args.corpus),
            "ripgrep, keywords only": ("ripgrep", args.corpus, *(() if "ripgrep" in skip else (dump, keywords))),
        }
        plan = {label: spec for label, spec in plan.items() if spec[0] not in skip}
        for r in range(args.repeat):
            rounds.append({})
            for label, spec in plan.items():
                print(f"round {r + 1}/{args.repeat}: {label}", file=sys.stderr)
                rounds[-1][label] = measure(*spec)
    report = table(rounds, stats, args.workers)
    report["machine"] = machine()
    report["load_average"] = {"before": load_before, "after": os.getloadavg()}
    scans = [m for label, m in rounds[-1].items() if label.startswith("scan")]
    report["planted"] = planted_recall(args.corpus, scans[0]["hit_rows"]) if scans else ""
    print(render(report))
    if args.json:
        Path(args.json).write_text(json.dumps({"report": report, "rounds": rounds}, indent=1) + "\n")


def table(rounds: list[dict[str, dict]], stats: dict, workers: int) -> dict:
    """Medians over rounds: seconds, MB/s, docs/s, ratio to the floor (within each round), peak RSS."""
    startup = statistics.median(r["startup"]["seconds"] for r in rounds) if "startup" in rounds[0] else 0.0
    rows = []
    for label in rounds[0]:
        if label == "startup":
            continue
        steady = [r[label]["seconds"] - (startup if label.startswith("scan") else 0.0) for r in rounds]
        ratios = [r["floor"]["seconds"] / s for r, s in zip(rounds, steady)]
        seconds = statistics.median(steady)
        rows.append(
            {
                "approach": label,
                "seconds": seconds,
                "end_to_end": statistics.median(r[label]["seconds"] for r in rounds),
                "mb_s": stats["bytes"] / 1e6 / seconds,
                "docs_s": stats["rows"] / seconds,
                "x_floor": statistics.median(ratios),
                "rss_mb": max(r[label]["rss_mb"] for r in rounds),
                "note": rounds[0][label].get("note", ""),
            }
        )
    return {"rows": rows, "startup_seconds": startup, "corpus": stats, "workers": workers, "rounds": len(rounds)}


def render(report: dict) -> str:
    """The report as a plain-text table."""
    lines = [
        f"{'approach':<28}{'MB/s':>9}{'docs/s':>11}{'x floor':>10}{'peak RSS':>11}  notes",
    ]
    for row in report["rows"]:
        note = row["note"]
        if row["approach"].startswith("scan"):
            note = f"end to end {row['end_to_end']:.1f} s incl. {report['startup_seconds']:.1f} s startup"
        elif row["approach"].startswith("naive"):
            note = f"extrapolated from {note}"
        lines.append(
            f"{row['approach']:<28}{row['mb_s']:>9,.1f}{row['docs_s']:>11,.0f}{row['x_floor']:>10.3f}"
            f"{row['rss_mb']:>8,.0f} MB  {note}"
        )
    c = report["corpus"]
    lines += [
        "",
        f"corpus: {c['rows']:,} documents, {c['bytes'] / 1e6:,.0f} MB of text, {c['row_groups']} row groups; "
        f"medians of {report['rounds']} round(s)",
        f"machine: {report['machine']}",
        "load average (1, 5, 15 min) before: {:.1f} {:.1f} {:.1f}, after: {:.1f} {:.1f} {:.1f}".format(
            *report["load_average"]["before"], *report["load_average"]["after"]
        ),
    ]
    if report.get("planted"):
        lines.append(report["planted"])
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
