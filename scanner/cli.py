"""The `scan` command line: parse, call the library, map errors to exit codes.

Exit codes: 0 done, 1 over a --fail-above threshold, 2 usage or pattern
error, 3 input or runtime error.
"""

from __future__ import annotations

import json
import sys

import click

from . import __version__
from .clean.config import ACTIONS, REDACT_CHAT
from .engines.unit import ScanConfig
from .errors import PackError, ScannerError
from .neardup import DEFAULT_NUM_PERM, DEFAULT_THRESHOLD, NearDupOptions
from .packs import SEVERITIES, load_packs
from .sources import ReadOptions

EXIT_USAGE, EXIT_INPUT = 2, 3


def _fail(e: ScannerError) -> None:
    click.echo(f"error: {e}", err=True)
    sys.exit(EXIT_USAGE if isinstance(e, PackError) else EXIT_INPUT)


def _input_options(command):
    """How to read the inputs and which claims count, shared by `scan dataset` and `scan clean`."""
    options = [
        click.option("--text-field", multiple=True, help="Column to scan (repeatable; default: text, content, or chat columns)."),
        click.option("--id-field", help="Column holding document ids (default: id, where present)."),
        click.option("--split", help="Dataset split (Hugging Face datasets; default: train, or every split on disk)."),
        click.option("--config", "config_name", help="Dataset configuration (Hugging Face hub datasets)."),
        click.option("--format", "input_format", type=click.Choice(["parquet", "jsonl", "hf"]), help="Read inputs as this format."),
        click.option("--families", help="Only these families, comma-separated."),
        click.option("--min-severity", type=click.Choice(SEVERITIES), default="low", show_default=True),
        click.option("--roles", help="Only texts spoken in these chat roles, comma-separated (plain text always)."),
    ]  # fmt: skip
    return _stack(options, command)


def _engine_options(command):
    """--engine and the Ray options, shared by `scan dataset` and `scan clean`."""
    options = [
        click.option(
            "--engine",
            type=click.Choice(["local", "ray"]),
            default="local",
            show_default=True,
            help="local: processes on this machine; ray: a Ray cluster (needs the [ray] extra; see README).",
        ),
        click.option("--ray-address", help="Ray cluster to join, or auto (default: a local Ray instance for the run)."),
        click.option(
            "--ray-concurrency", type=click.IntRange(1), help="Ray actors working at once (default: one per CPU)."
        ),
    ]
    return _stack(options, command)


def _stack(options: list, command):
    """`command` with the click options applied, the first listed first in --help."""
    for option in reversed(options):
        command = option(command)
    return command


def _ray(engine: str, address: str | None, concurrency: int | None, workers: int | None = None):
    """The Ray engine's options, or None for the local engine; a usage error (exit 2) when they cannot apply."""
    from .engines.ray import RayNotInstalled, RayOptions, require_ray

    if engine == "local":
        if address or concurrency:
            raise click.UsageError("--ray-address and --ray-concurrency go with --engine ray")
        return None
    if workers:
        raise click.UsageError("--workers is for --engine local; on Ray, use --ray-concurrency")
    try:
        require_ray()
    except RayNotInstalled as e:
        raise click.UsageError(str(e)) from None
    return RayOptions(address, concurrency)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="scan")
def main() -> None:
    """Find rival-model self-introductions ("I am ChatGPT", "我是通义千问") in training data."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--patterns", "-p", multiple=True, help="Pack file, folder or bundled pack name (repeatable; default: all)."
)
@click.option(
    "--output-dir", "-o", default="scan-out", show_default=True, help="Folder (or s3://, hf:// URL) for results."
)
@_input_options
@click.option(
    "--context-chars",
    type=click.IntRange(0),
    default=80,
    show_default=True,
    help="Context kept each side of a hit (0: none).",
)
@click.option(
    "--on-error",
    type=click.Choice(["fail", "skip"]),
    default="fail",
    show_default=True,
    help="On a bad row: stop, or skip and count it.",
)
@click.option(
    "--near-dup/--no-near-dup",
    default=True,
    show_default=True,
    help="Also find near copies of known self-introductions (MinHash; see README).",
)
@click.option(
    "--reference",
    "references",
    multiple=True,
    help="Known-bad texts to find near copies of: a text file (one a line), JSONL with 'text', "
    "or an earlier scan's hits file (repeatable; implies --near-dup).",
)
@click.option(
    "--minhash-threshold",
    type=click.FloatRange(0, 1, min_open=True),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Share of a reference's 5-grams a near copy must hold.",
)
@click.option(
    "--num-perm", type=click.IntRange(16), default=DEFAULT_NUM_PERM, show_default=True, help="MinHash permutations."
)
@click.option("--workers", "-w", type=click.IntRange(1), help="Processes to use (default: all cores).")
@_engine_options
@click.option("--batch-rows", type=click.IntRange(1), default=8192, show_default=True)
@click.option("--report", is_flag=True, help="Also write report.html and report.md: figures, charts, samples.")
@click.option("--sarif", is_flag=True, help="Also write report.sarif (SARIF 2.1.0) for tools that read it.")
@click.option("--baseline", help="Report only findings not in this baseline file (see `scan baseline`).")
@click.option("--ignore", help="Suppress findings whose fingerprint or document id is listed in this file.")
@click.option(
    "--fail-above",
    type=click.FloatRange(0),
    metavar="RATE",
    help="Exit 1 (after writing every output) when contaminated documents per million exceed RATE.",
)
@click.option(
    "--fail-on", multiple=True, metavar="FAMILY", help="Exit 1 when any document claims FAMILY (repeatable, or a,b)."
)
@click.option("--resume", is_flag=True, help="Continue an interrupted scan into the same --output-dir.")
@click.option("--limit", type=click.IntRange(1), metavar="N", help="Scan only the first N rows: a quick look.")
@click.option(
    "--sample",
    type=click.FloatRange(0, 1, min_open=True),
    metavar="FRACTION",
    help="Scan a seeded random share of the rows: a quick look (the summary gives a 95% interval).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="The seed of --sample.")
@click.option("--profile", "profile_rules", is_flag=True, help="Count and time every rule; print the costliest.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def dataset(paths, patterns, output_dir, text_field, id_field, split, config_name, input_format, families,
            min_severity, roles, context_chars, on_error, near_dup, references, minhash_threshold, num_perm, workers,
            engine, ray_address, ray_concurrency, batch_rows, report, sarif, baseline, ignore, fail_above, fail_on,
            resume, limit, sample, seed, profile_rules, as_json, quiet) -> None:  # fmt: skip
    """Scan Parquet, JSONL or Hugging Face datasets for self-introductions.

    \b
    Examples:
      scan dataset data/shard-*.parquet --patterns qwen --output-dir out/
      scan dataset corpus.jsonl.zst --text-field body --id-field doc_id
      scan dataset allenai/c4 --config en --split validation
      scan dataset data/ -o out/ --report --fail-above 10     # CI: exit 1 above 10 per million
      scan dataset s3://bucket/crawl/ -o s3://bucket/scan/ --engine ray --ray-address auto
      scan dataset huge/ -o out/ --sample 0.01 --profile   # a quick look: rate with a 95% interval, rule costs
      scan dataset huge/ -o out/ --resume                  # after an interruption: go on where it stopped
    """
    from .outputs.baseline import Suppressions
    from .outputs.summary import format_table
    from .profile import format_profile
    from .progress import Progress
    from .run import scan_dataset

    config = ScanConfig(
        packs=tuple(patterns) or None,
        families=_csv(families),
        min_severity=min_severity,
        roles=_csv(roles),
        context_chars=context_chars,
        text_fields=tuple(text_field),
        id_field=id_field,
        read=ReadOptions(
            batch_rows=batch_rows, on_error=on_error, split=split, config=config_name, format=input_format
        ),
        near_dup=NearDupOptions(tuple(references), minhash_threshold, num_perm) if near_dup or references else None,
        sample=sample,
        seed=seed,
        profile=profile_rules,
    )
    fail_on = _csv(",".join(fail_on)) or ()
    ray = _ray(engine, ray_address, ray_concurrency, workers)
    reports = ("html",) * report + ("sarif",) * sarif
    try:
        _check_fail_on(fail_on, patterns, config.families)
        suppress = Suppressions.load(baseline, ignore)
        with Progress(enabled=not quiet) as progress:
            summary = scan_dataset(
                list(paths),
                config,
                output_dir,
                workers=workers,
                ray=ray,
                progress=progress.update,
                suppress=suppress,
                reports=reports,
                resume=resume,
                limit=limit,
                planned=progress.plan,
            )
    except ScannerError as e:
        _fail(e)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    elif not quiet:
        click.echo(format_table(summary))
        if profile_rules:
            click.echo("\n" + format_profile(summary["profile"]))
        names = ["summary.json", "hits.jsonl", "hits.parquet"] + ["report.html", "report.md"] * report
        names += ["report.sarif"] * sarif
        click.echo(f"\nwrote {output_dir.rstrip('/')}/{{{','.join(names)}}}", err=True)
    _gate(summary, fail_above, fail_on)


def _check_fail_on(fail_on: tuple[str, ...], patterns: tuple[str, ...], families: tuple[str, ...] | None) -> None:
    """A --fail-on family the scan cannot find would pass every gate: refuse it before scanning."""
    if not fail_on:
        return  # nothing to check: loading the packs takes seconds
    scanned = families or load_packs(list(patterns) or None).families
    unknown = [f for f in fail_on if f not in scanned]
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)} not among the families scanned ({', '.join(scanned)})", param_hint="--fail-on"
        )


def _gate(summary: dict, fail_above: float | None, fail_on: tuple[str, ...]) -> None:
    from .outputs.gate import gate_failures

    reasons = gate_failures(summary, fail_above, fail_on)
    for reason in reasons:
        click.echo(f"gate failed: {reason}", err=True)
    if reasons:
        sys.exit(1)


@main.command()
@click.argument("out_dir")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["html", "sarif"]),
    default=("html",),
    show_default=True,
    help="html: report.html with report.md beside it; sarif: report.sarif (repeatable).",
)
def report(out_dir, formats) -> None:
    """Write the reports of a finished scan from its summary.json and hits.parquet.

    \b
    Examples:
      scan report out/                                 # out/report.html, out/report.md
      scan report out/ --format html --format sarif    # and out/report.sarif
    """
    from .outputs.report import write_reports

    try:
        written = write_reports(out_dir, tuple(formats))
    except ScannerError as e:
        _fail(e)
    click.echo("wrote " + ", ".join(written), err=True)


@main.command()
@click.argument("before")
@click.argument("after")
@click.option(
    "--samples", type=click.IntRange(0), default=10, show_default=True, help="New and vanished findings to list."
)
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
def diff(before, after, samples, as_json) -> None:
    """Compare two scans: per family, language and source, and finding by finding.

    Exits 1 when AFTER has findings (by fingerprint) that BEFORE had not, 0 otherwise.

    \b
    Example:
      scan diff out-before/ out-after/
    """
    from .outputs.diff import diff_scans, format_diff

    try:
        d = diff_scans(before, after, samples)
    except ScannerError as e:
        _fail(e)
    click.echo(json.dumps(d.to_dict(), ensure_ascii=False, indent=2) if as_json else format_diff(d))
    sys.exit(1 if d.new else 0)


@main.command()
@click.argument("out_dir")
@click.option("--output", "-o", help="File to write (default: OUT_DIR/baseline.txt).")
def baseline(out_dir, output) -> None:
    """Write the fingerprints of a scan's findings to a baseline file.

    A later `scan dataset --baseline FILE` reports only findings not in it.

    \b
    Example:
      scan baseline out/ -o .scan-baseline && scan dataset data/ --baseline .scan-baseline
    """
    from .outputs.baseline import write_baseline

    path = output or f"{out_dir.rstrip('/')}/baseline.txt"
    try:
        count = write_baseline(out_dir, path)
    except ScannerError as e:
        _fail(e)
    click.echo(f"wrote {count:,} fingerprints to {path}", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--output-dir", "-o", default="clean", show_default=True, help="Folder (or URL) for the cleaned data.")
@click.option(
    "--action",
    type=click.Choice(ACTIONS),
    default="drop",
    show_default=True,
    help="What becomes of a contaminated row (see above).",
)
@click.option("--hits", "hits_file", help="Clean from an earlier scan's hits file (summary.json beside it).")
@click.option("--replace-with", help="replace: the words put in place of a claim (languages the map leaves out).")
@click.option("--replace-map", help="replace: a YAML or JSON file of language (en, zh, ...) -> words.")
@click.option(
    "--redact-chat",
    type=click.Choice(REDACT_CHAT),
    default="turn",
    show_default=True,
    help="redact, chat data: remove the claim's exchange, or the whole conversation.",
)
@click.option("--patterns", "-p", multiple=True, help="Pack file, folder or bundled pack name (default: all).")
@_input_options
@click.option("--on-error", type=click.Choice(["fail", "skip"]), default="fail", show_default=True)
@_engine_options
@click.option("--batch-rows", type=click.IntRange(1), default=8192, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def clean(paths, output_dir, action, hits_file, replace_with, replace_map, redact_chat, patterns, text_field,
          id_field, split, config_name, input_format, families, min_severity, roles, on_error, engine, ray_address,
          ray_concurrency, batch_rows, as_json, quiet) -> None:  # fmt: skip
    """Write a cleaned copy of a dataset, one output file per input file.

    \b
    Actions:
      drop     contaminated rows go to rejected/ (with a contamination column), the rest to kept/
      tag      every row goes to kept/ with a contamination column
      redact   the sentence holding a claim is cut; in chat data, the claim's turn and the
               user turn it answers (or the conversation); what was cut: redactions/
      replace  the claim's words are replaced (--replace-with, --replace-map)

    manifest.json accounts for every row of every file; rerun the same command to resume.

    \b
    Examples:
      scan clean data/ --patterns patterns/ --output-dir clean/ --action drop
      scan clean data/ --hits out/hits.parquet --output-dir clean/ --action redact
      scan clean sft.jsonl -o clean/ --action replace --replace-map names.yaml --min-severity high
      scan clean s3://bucket/crawl/ -o s3://bucket/clean/ --engine ray --ray-address auto
    """
    from .clean import CleanConfig, OptionError, clean_dataset, load_replacements

    ray = _ray(engine, ray_address, ray_concurrency)
    scan_config = ScanConfig(
        packs=tuple(patterns) or None,
        families=_csv(families),
        min_severity=min_severity,
        roles=_csv(roles),
        text_fields=tuple(text_field),
        id_field=id_field,
        read=ReadOptions(
            batch_rows=batch_rows, on_error=on_error, split=split, config=config_name, format=input_format
        ),
    )

    def progress(entry, resumed: bool) -> None:
        if not quiet:
            note = " (done before)" if resumed else ""
            click.echo(
                f"{entry.source}: {entry.rows_in:,} rows, {entry.rows_kept:,} kept, {entry.rows_dropped:,} dropped, "
                f"{entry.rows_skipped:,} skipped{note}",
                err=True,
            )

    try:
        replacements = load_replacements(replace_map, replace_with)
        config = CleanConfig(action, scan_config, hits_file, redact_chat, replacements)
        manifest = clean_dataset(list(paths), config, output_dir, progress=progress, ray=ray)
    except OptionError as e:
        raise click.UsageError(str(e)) from None
    except ScannerError as e:
        _fail(e)
    if as_json:
        click.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
    elif not quiet:
        t = manifest["totals"]
        click.echo(
            f"{t['rows_in']:,} rows in: {t['rows_kept']:,} kept ({t['rows_rewritten']:,} rewritten), "
            f"{t['rows_dropped']:,} dropped, {t['rows_skipped']:,} skipped; "
            f"wrote {output_dir.rstrip('/')}/manifest.json"
        )


@main.group()
def patterns() -> None:
    """Inspect and test pattern packs."""


@patterns.command("test")
@click.argument("packs", nargs=-1)
def patterns_test(packs) -> None:
    """Run every rule's examples; print failures with the rule id."""
    from .examples import run_examples

    try:
        packset = load_packs(list(packs) or None)
        count, failures = run_examples(packset, packset.families if packs else None)
    except ScannerError as e:
        _fail(e)
    for failure in failures:
        click.echo(f"FAIL {failure}")
    click.echo(f"{count - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


@patterns.command("list")
@click.argument("packs", nargs=-1)
def patterns_list(packs) -> None:
    """Families, rules, languages and example counts, as a table."""
    try:
        packset = load_packs(list(packs) or None)
    except ScannerError as e:
        _fail(e)
    click.echo(f"{'family':<12}{'rules':>7}{'examples':>10}  languages")
    for pack in packset.packs:
        rules = [r for r in packset.rules if r.family == pack.family]
        examples = sum(len(r.examples["match"]) + len(r.examples["no_match"]) for r in rules if not r.template)
        examples += len(pack.examples["match"]) + len(pack.examples["no_match"])
        langs = ",".join(sorted({r.lang for r in rules}))
        click.echo(f"{pack.family:<12}{len(rules):>7}{examples:>10}  {langs}")
    click.echo(f"\n{len(packset.rules)} rules from {len(packset.packs)} packs and {len(packset.grammars)} grammars")


@patterns.command("check")
@click.argument("text", required=False)
@click.option("--patterns", "-p", multiple=True, help="Pack file, folder or name (default: all).")
@click.option("--role", help="Treat the text as spoken in this chat role.")
def patterns_check(text, patterns, role) -> None:
    """Show which rules match TEXT (or stdin) and where."""
    from .scan import Scanner

    if text is None:
        text = sys.stdin.read()
    try:
        hits = Scanner(list(patterns) or None).scan_text(text, role=role)
    except ScannerError as e:
        _fail(e)
    for h in hits:
        click.echo(f"{h.family:<10} {h.rule:<36} {h.start:>5}-{h.end:<5} {h.match!r}")
    if not hits:
        click.echo("no match")


def _csv(value: str | None) -> tuple[str, ...] | None:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else None
