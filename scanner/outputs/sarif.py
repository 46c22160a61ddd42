"""`report.sarif`: the hits as SARIF 2.1.0 for tools that read it, one result a hit, streamed.

A data file is not source code, so the mapping is stated once here: the
artifact is the data file (or dataset), the region's line is the row
(1-based), its columns the character span in the field, and the field,
document id and 0-based offsets are in the result's properties.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import fsspec
import pyarrow.compute as pc

from .. import __version__
from .report import SAMPLE_COLUMNS, command_line
from .scanfiles import hit_batches, read_summary

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"high": "error", "medium": "warning", "low": "note"}
COLUMNS = [c for c in SAMPLE_COLUMNS if c != "context"]  # a result carries the match, not its context


def write_sarif(out_dir: str, path: str) -> None:
    """Write a scan folder's hits to `path` as a SARIF 2.1.0 log."""
    summary = read_summary(out_dir)
    rules = rule_table(out_dir)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    run = {
        "tool": {"driver": {"name": "scanner", "version": __version__, "semanticVersion": __version__, "rules": rules}},
        "invocations": [{"executionSuccessful": True, "commandLine": command_line(summary)}],
        "columnKind": "unicodeCodePoints",
        "results": [],
    }
    log = json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, ensure_ascii=False)
    head, tail = log.rsplit('"results": []', 1)  # results are written one by one, never held in memory
    with fsspec.open(path, "w", encoding="utf-8") as f:
        f.write(head + '"results": [')
        sep = "\n"
        for batch in hit_batches(out_dir, COLUMNS):
            for hit in batch.to_pylist():
                f.write(sep + json.dumps(result(hit, index), ensure_ascii=False))
                sep = ",\n"
        f.write("\n]" + tail + "\n")


def rule_table(out_dir: str) -> list[dict]:
    """A SARIF rule for each rule id that has hits, in order of first hit."""
    rules: dict[str, dict] = {}
    for batch in hit_batches(out_dir, ["rule", "family", "lang", "severity"]):
        for rule_id in pc.unique(batch.column("rule")).to_pylist():
            if rule_id not in rules:
                first = batch.slice(pc.index(batch.column("rule"), rule_id).as_py(), 1).to_pylist()[0]
                rules[rule_id] = _rule(first)
    return list(rules.values())


def _rule(hit: dict) -> dict:
    family, lang, severity = hit["family"], hit["lang"], hit["severity"]
    return {
        "id": hit["rule"],
        "name": hit["rule"],
        "shortDescription": {"text": f"Self-introduction as {family} ({lang})"},
        "fullDescription": {
            "text": f"Text in which a model introduces itself as {family}: training on it teaches a wrong identity."
        },
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
        "properties": {"family": family, "lang": lang, "severity": severity, "tags": ["identity", family, lang]},
    }


def result(hit: dict, index: dict[str, int]) -> dict:
    """One hit as a SARIF result."""
    where = f"{hit['field']}" + (f" ({hit['role']})" if hit.get("role") else "")
    return {
        "ruleId": hit["rule"],
        "ruleIndex": index[hit["rule"]],
        "level": LEVELS.get(hit["severity"], "warning"),
        "message": {"text": f"Claims to be {hit['family']}: {json.dumps(hit['match'], ensure_ascii=False)} in {where}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(hit["source"], safe="/:")},
                    "region": {
                        "startLine": hit["row"] + 1,
                        "startColumn": hit["start"] + 1,
                        "endColumn": hit["end"] + 1,
                        "snippet": {"text": hit["match"]},
                    },
                },
                "logicalLocations": [{"name": hit["field"], "fullyQualifiedName": f"row {hit['row']}/{hit['field']}"}],
            }
        ],
        "partialFingerprints": {"scannerFingerprint/v1": hit["fingerprint"]},
        "properties": {
            k: hit.get(k)
            for k in ("row", "doc_id", "field", "role", "start", "end", "family", "lang", "method", "score")
        },
    }
