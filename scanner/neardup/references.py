"""Known self-introductions: the bundled library, templates filled per family, and the user's own files.

The library is `patterns/references/*.yaml`, one file per family (plus
`templates.yaml`); see `patterns/references/README.md`. A reference whose text
holds `{{name}}` or `{{author}}` is an identity template and is filled with
the names and makers of every loaded family pack.

`--reference FILE` adds a user's known-bad texts: a text file (one per line),
JSONL with `text` and optional `id`, `family`, `lang`, or the hits file
(`.jsonl` or `.parquet`) of an earlier scan, whose hits become references
widened to their sentence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import regex

from ..errors import PackError
from ..hits import Hit, hit_from_dict
from ..normalize import normalize
from ..packs import GENERIC, SEVERITIES, Pack, PackSet, name_regex, patterns_dir, read_yaml
from .sentences import sentence_around

UNKNOWN = "unknown"  # the family of a user's reference that names no loaded family
_PLACEHOLDER = regex.compile(r"\{\{\s*(name|author)\s*\}\}")
_ID = regex.compile(r"[a-z0-9][a-z0-9_.\-]*")
_ENTRY_KEYS = {"id", "family", "lang", "source", "text", "severity"}
_FILE_KEYS = {"family", "source", "references"}
# The script a language writes names in, to fill a template with the family's name in that script.
_SCRIPTS = {
    "zh": r"\p{Han}",
    "ja": r"[\p{Hiragana}\p{Katakana}]",
    "ko": r"\p{Hangul}",
    "ru": r"\p{Cyrillic}",
    "uk": r"\p{Cyrillic}",
    "ar": r"\p{Arabic}",
    "fa": r"\p{Arabic}",
    "he": r"\p{Hebrew}",
    "hi": r"\p{Devanagari}",
    "th": r"\p{Thai}",
}


@dataclass(frozen=True)
class Reference:
    """A known self-introduction that near copies are measured against."""

    id: str
    family: str
    lang: str
    text: str
    source: str = ""
    severity: str = "high"


def library_dir() -> Path:
    """The bundled reference library."""
    return patterns_dir() / "references"


def load_library(packs: PackSet, families: set[str] | None = None, folder: Path | None = None) -> list[Reference]:
    """The bundled references of the loaded families, identity templates filled for each of them."""
    folder = folder or library_dir()
    entries = [r for path in sorted(folder.glob("*.yaml")) for r in _read_library_file(path)]
    seen: dict[str, str] = {}
    for r in entries:
        if r.id in seen:
            raise PackError(f"{r.source}: reference {r.id}: id is also used in {seen[r.id]}")
        seen[r.id] = r.source
    return fill_templates(entries, packs, set(families or packs.families))


def fill_templates(refs: list[Reference], packs: PackSet, families: set[str] | None = None) -> list[Reference]:
    """Templates filled for every loaded family (of `families`), the other references kept (of `families`)."""
    named = [p for p in packs.packs if p.family != GENERIC and (families is None or p.family in families)]
    out: list[Reference] = []
    for r in refs:
        if is_template(r.text):
            out.extend(f for pack in named for f in fill(r, pack))
        elif families is None or r.family in families:
            out.append(r)
    return out


def is_template(text: str) -> bool:
    """Whether a text holds `{{name}}` or `{{author}}` placeholders."""
    return _PLACEHOLDER.search(text) is not None


def fill(template: Reference, pack: Pack) -> list[Reference]:
    """The template in the words of one family: with its names in the template's script, and in Latin letters.

    Empty if the pack lacks a name or maker the template needs; one reference where both spellings agree.
    """
    needed = {m.group(1) for m in _PLACEHOLDER.finditer(template.text)}
    options = {"name": pack.identities, "author": pack.makers}
    out: list[Reference] = []
    for suffix, latin in (("", False), (".latin", True)):
        values = {k: _pick(options[k], template.lang, latin) for k in needed}
        if any(v is None for v in values.values()):
            return []
        text = _PLACEHOLDER.sub(lambda m, v=values: v[m.group(1)], template.text)
        if not out or text != out[0].text:
            rid = f"{template.id}@{pack.family}{suffix}"
            out.append(Reference(rid, pack.family, template.lang, text, template.source, template.severity))
    return out


def _pick(options: tuple[str, ...], lang: str, latin: bool) -> str | None:
    """The first option in the language's script (or, if `latin`, in Latin letters), else the first Latin one."""
    script = _SCRIPTS.get(lang.split("-")[0])
    native = [o for o in options if script and not latin and regex.search(script, o)]
    ascii_ = [o for o in options if o.isascii()]
    return (native or ascii_ or list(options) or [None])[0]


def _read_library_file(path: Path) -> list[Reference]:
    where = str(path)
    data = read_yaml(path)
    if set(data) - _FILE_KEYS or not isinstance(data.get("references"), list):
        raise PackError(f"{where}: a reference file is a mapping of 'family', 'source' and a 'references' list")
    return [_library_entry(e, where, data) for e in data["references"]]


def _library_entry(entry: Any, where: str, defaults: dict[str, Any]) -> Reference:
    if not isinstance(entry, dict):
        raise PackError(f"{where}: every reference is a mapping with id, lang, source and text")
    rid = entry.get("id")
    if not isinstance(rid, str) or not _ID.fullmatch(rid):
        raise PackError(f"{where}: every reference needs an 'id' of lower-case letters, digits, '-', '_' or '.'")
    here = f"{where}: reference {rid}"
    if set(entry) - _ENTRY_KEYS:
        raise PackError(f"{here}: unknown key(s) {', '.join(sorted(set(entry) - _ENTRY_KEYS))}")
    values = {k: entry.get(k, defaults.get(k)) for k in ("family", "lang", "source", "text")}
    for key in ("lang", "source", "text"):
        if not isinstance(values[key], str) or not values[key].strip():
            raise PackError(f"{here}: '{key}' is required")
    family = values["family"]
    if is_template(values["text"]):
        if family is not None:
            raise PackError(f"{here}: a {{{{name}}}} template is filled for every family: keep it out of family files")
        family = ""
    elif not (isinstance(family, str) and _ID.fullmatch(family)):
        raise PackError(f"{here}: 'family' must be a lower-case identifier (or the text a {{{{name}}}} template)")
    severity = entry.get("severity", "medium" if family == GENERIC else "high")
    if severity not in SEVERITIES:
        raise PackError(f"{here}: 'severity' must be one of {', '.join(SEVERITIES)}")
    return Reference(rid, family, values["lang"], values["text"].strip(), f"{where}: {values['source']}", severity)


def read_references(path: str, packs: PackSet) -> list[Reference]:
    """A user's known-bad texts: a text file, JSONL of `text` records, or an earlier scan's hits file."""
    name = PurePosixPath(path.split("::")[0]).name.lower()
    for suffix in (".gz", ".zst", ".bz2", ".xz"):
        name = name.removesuffix(suffix)
    try:
        if name.endswith(".parquet"):
            with fsspec.open(path, "rb") as f:
                rows = pq.read_table(f).to_pylist()
            refs = [_from_record(row, f"{path}: row {i}", f"{name}:{i}", packs) for i, row in enumerate(rows)]
        else:
            with fsspec.open(path, "rt", encoding="utf-8", compression="infer") as f:
                lines = [(i + 1, line) for i, line in enumerate(f) if line.strip()]
            if name.endswith((".jsonl", ".json", ".ndjson")):
                refs = [
                    _from_record(_json(line, f"{path}:{i}"), f"{path}:{i}", f"{name}:{i}", packs) for i, line in lines
                ]
            else:
                refs = [_reference(f"{name}:{i}", line.strip(), None, None, f"{path}:{i}", packs) for i, line in lines]
    except FileNotFoundError:
        raise PackError(f"{path}: reference file not found") from None
    except UnicodeDecodeError:
        raise PackError(f"{path}: not UTF-8 text") from None
    except (OSError, pa.ArrowException) as e:  # a corrupt Parquet or compressed file
        raise PackError(f"{path}: cannot read references ({e})") from None
    if not refs:
        raise PackError(f"{path}: no references in the file")
    return refs


def _json(line: str, where: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as e:
        raise PackError(f"{where}: not valid JSON ({e.msg})") from None
    if not isinstance(record, dict):
        raise PackError(f"{where}: expected a JSON object")
    return record


def _from_record(record: dict, where: str, default_id: str, packs: PackSet) -> Reference:
    """A reference from a record: `text` (with optional id, family, lang) or an earlier scan's hit."""
    if "match" in record and "rule" in record:
        hit = hit_from_dict(record)
        return _reference(hit.fingerprint, _hit_text(hit), hit.family, hit.lang, where, packs)
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise PackError(f"{where}: expected a non-empty 'text' field (or a hit of an earlier scan)")
    for key in ("family", "lang"):
        if not isinstance(record.get(key) or "", str):
            raise PackError(f"{where}: '{key}' must be a string")
    rid = record.get("id")
    return _reference(default_id if rid is None else str(rid), text, record.get("family"), record.get("lang"), where,
                      packs)  # fmt: skip


def _reference(rid: str, text: str, family: str | None, lang: str | None, where: str, packs: PackSet) -> Reference:
    return Reference(rid, family or _guess_family(text, packs), lang or "und", text.strip(), where)


def _hit_text(hit: Hit) -> str:
    """The sentence around a hit, as far as its context reaches."""
    context, match = hit.context or "", hit.match or ""
    at = context.find(match)
    if not match or at < 0:
        return match
    start, end = sentence_around(context, at, at + len(match))
    return context[start:end].strip()


def _guess_family(text: str, packs: PackSet) -> str:
    """The one loaded family whose names or makers the text holds, else UNKNOWN."""
    norm = normalize(text).text
    found = [
        p.family
        for p in packs.packs
        if p.family != GENERIC and regex.search(name_regex(p.identities + p.makers) + "(?![a-z])", norm)
    ]
    return found[0] if len(found) == 1 else UNKNOWN
