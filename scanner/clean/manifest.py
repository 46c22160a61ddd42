"""`manifest.json`: what became of every row, file by file; also the checkpoint a rerun resumes from.

It is rewritten (atomically) after each finished input file. A rerun with the
same settings skips the files it lists; other settings are refused rather
than mixed into the same folder.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from dataclasses import asdict, dataclass, field

import fsspec

from ..errors import InputError
from .writers import partial_path

MANIFEST = "manifest.json"
COUNTS = ("rows_in", "rows_kept", "rows_dropped", "rows_skipped", "rows_contaminated", "rows_rewritten", "hits")


@dataclass
class FileEntry:
    """The accounting of one input file: rows in = kept + dropped + skipped."""

    source: str
    outputs: dict[str, str]  # kind (kept, rejected, redactions) -> path inside the output folder
    rows_in: int = 0
    rows_kept: int = 0
    rows_dropped: int = 0
    rows_skipped: int = 0
    rows_contaminated: int = 0  # rows with hits
    rows_rewritten: int = 0  # kept rows whose text was redacted or replaced
    hits: int = 0
    drop_reasons: Counter = field(default_factory=Counter)
    skip_reasons: Counter = field(default_factory=Counter)

    def check(self) -> None:
        """Every row read is kept, dropped or skipped."""
        if self.rows_in != self.rows_kept + self.rows_dropped + self.rows_skipped:
            raise InputError(
                f"{self.source}: {self.rows_in} rows read, but {self.rows_kept} kept + {self.rows_dropped} dropped "
                f"+ {self.rows_skipped} skipped"
            )

    def to_dict(self) -> dict:
        """The entry as JSON-ready data."""
        return {**asdict(self), "drop_reasons": dict(self.drop_reasons), "skip_reasons": dict(self.skip_reasons)}

    @classmethod
    def from_dict(cls, d: dict) -> FileEntry:
        """An entry as `to_dict` wrote it."""
        return cls(**{**d, "drop_reasons": Counter(d["drop_reasons"]), "skip_reasons": Counter(d["skip_reasons"])})


class Manifest:
    """The manifest of one output folder, saved after every finished file."""

    def __init__(self, out_dir: str, settings: dict, meta: dict):
        self.out_dir = out_dir.rstrip("/")
        self.settings, self.meta = settings, meta
        self.files: dict[str, FileEntry] = {}
        self.fs, self.path = fsspec.core.url_to_fs(f"{self.out_dir}/{MANIFEST}")

    @classmethod
    def resume(cls, out_dir: str, settings: dict, meta: dict) -> Manifest:
        """The folder's manifest, with the files a run with the same settings finished."""
        manifest = cls(out_dir, settings, meta)
        if not manifest.fs.exists(manifest.path):
            return manifest
        try:
            with manifest.fs.open(manifest.path, "r", encoding="utf-8") as f:
                previous = json.load(f)
        except ValueError as e:
            raise InputError(
                f"{out_dir}/{MANIFEST}: not valid JSON ({e}); remove it or use another --output-dir"
            ) from None
        if previous.get("settings") != settings:
            changed = sorted(k for k in settings.keys() | previous.get("settings", {}).keys()
                             if settings.get(k) != previous.get("settings", {}).get(k))  # fmt: skip
            raise InputError(
                f"{out_dir}: holds the output of a clean with other settings ({', '.join(changed)} differ); "
                "use another --output-dir, or remove this one"
            )
        for entry in previous.get("files", []):
            done = FileEntry.from_dict(entry)
            if all(manifest.fs.exists(f"{manifest._root}/{p}") for p in done.outputs.values()):
                manifest.files[done.source] = done
        return manifest

    @property
    def _root(self) -> str:
        return posixpath.dirname(self.path)

    def finished(self, source: str) -> bool:
        """Whether an earlier run finished this input file."""
        return source in self.files

    def order(self, sources: list[str]) -> None:
        """List the files in input order."""
        self.files = {s: self.files[s] for s in sources if s in self.files}

    def add(self, entry: FileEntry) -> None:
        """Record a finished file and save."""
        entry.check()
        self.files[entry.source] = entry
        self.save(complete=False)

    def save(self, complete: bool, **extra) -> dict:
        """Write the manifest (to a partial name, then renamed) and return it."""
        totals = {k: sum(getattr(e, k) for e in self.files.values()) for k in COUNTS}
        for reasons in ("drop_reasons", "skip_reasons"):
            totals[reasons] = dict(sum((getattr(e, reasons) for e in self.files.values()), Counter()))
        data = {
            **self.meta,
            **extra,
            "complete": complete,
            "settings": self.settings,
            "totals": totals,
            "files": [e.to_dict() for e in self.files.values()],
        }
        temp = partial_path(self.path)
        self.fs.makedirs(self._root, exist_ok=True)
        with self.fs.open(temp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=2)
            f.write("\n")
        self.fs.mv(temp, self.path)
        return data
