"""Resume an interrupted scan from its last finished work unit.

While a scan runs, every finished unit leaves two files in `<output>/_checkpoint/`:
its hits (Parquet) and then a marker (JSON) with its counts. The marker is written
last, so a unit counts as done only once both are whole. `--resume` reads the
markers back: finished units are not scanned again, their results are replayed
in unit order among the fresh ones, and the hits files and summary come out as
an uninterrupted run's would. The folder also holds the scan's settings; a
resume with other settings (inputs, packs, options) is refused. A finished scan
removes the folder.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, fields

import fsspec

from . import __version__
from .engines.unit import ScanConfig, UnitResult
from .errors import InputError
from .hits import read_hits, write_hits
from .sources import WorkUnit

CHECKPOINT = "_checkpoint"
SETTINGS = "settings.json"


def scan_settings(paths: list[str], units: list[WorkUnit], config: ScanConfig, packs: dict[str, str]) -> dict:
    """What a resumed scan must share with the interrupted one: inputs, units, options, pack contents, version."""
    keys = [u.key for u in units]
    return {"inputs": list(paths), "units": keys, "config": asdict(config), "packs": packs, "version": __version__}


class Checkpoint:
    """The checkpoint folder of one output folder."""

    def __init__(self, out_dir: str, settings: dict):
        self.root = f"{out_dir.rstrip('/')}/{CHECKPOINT}"
        self.fs, self.path = fsspec.core.url_to_fs(self.root)
        self.settings = json.loads(json.dumps(settings))  # as JSON gives it back
        self.done: dict[str, dict] = {}  # unit key -> its marker

    @classmethod
    def open(cls, out_dir: str, settings: dict, resume: bool) -> Checkpoint:
        """The folder's checkpoint: with `resume`, the units a run with the same settings finished; else empty."""
        checkpoint = cls(out_dir, settings)
        if resume and checkpoint.fs.exists(f"{checkpoint.path}/{SETTINGS}"):
            checkpoint._load()
        else:
            checkpoint._start()
        return checkpoint

    def results(self, units: list[WorkUnit], run: Callable[[list[WorkUnit]], Iterator[UnitResult]]):
        """Every unit's result in unit order: finished ones read back, the others from `run` and recorded."""
        todo = [u for u in units if u.key not in self.done]
        fresh = run(todo) if todo else iter(())
        for unit in units:
            if unit.key in self.done:
                yield self._replay(self.done[unit.key])
            else:
                result = next(fresh)
                self._record(result)
                yield result

    def finish(self) -> None:
        """The scan is complete: the checkpoint goes."""
        if self.fs.exists(self.path):
            self.fs.rm(self.path, recursive=True)

    def _start(self) -> None:
        self.finish()
        self.fs.makedirs(self.path, exist_ok=True)
        with self.fs.open(f"{self.path}/{SETTINGS}", "w", encoding="utf-8") as f:
            json.dump(self.settings, f, ensure_ascii=False, indent=1)

    def _load(self) -> None:
        with self.fs.open(f"{self.path}/{SETTINGS}", "r", encoding="utf-8") as f:
            previous = json.load(f)
        if previous != self.settings:
            changed = sorted(
                k for k in previous.keys() | self.settings.keys() if previous.get(k) != self.settings.get(k)
            )
            raise InputError(
                f"{self.root}: left by a scan with other settings ({', '.join(changed)} differ); "
                "rerun without --resume to start over"
            )
        for marker in sorted(self.fs.glob(f"{self.path}/*.json")):
            if marker.endswith(f"/{SETTINGS}"):
                continue
            try:
                with self.fs.open(marker, "r", encoding="utf-8") as f:
                    entry = json.load(f)
            except ValueError:
                continue  # cut short by the interruption: that unit runs again
            self.done[entry["key"]] = entry

    def _record(self, result: UnitResult) -> None:
        name = hashlib.sha256(result.key.encode()).hexdigest()[:24]
        entry = {f.name: getattr(result, f.name) for f in fields(UnitResult) if f.name != "hits"}
        entry["hits_file"] = f"{name}.parquet" if result.hits else None
        if result.hits:
            with self.fs.open(f"{self.path}/{name}.parquet", "wb") as f:
                write_hits(f, result.hits)
        with self.fs.open(f"{self.path}/{name}.json", "w", encoding="utf-8") as f:
            json.dump(entry, f, ensure_ascii=False)

    def _replay(self, entry: dict) -> UnitResult:
        hits = []
        if entry["hits_file"]:
            with self.fs.open(f"{self.path}/{entry['hits_file']}", "rb") as f:
                hits = read_hits(f)
        counts = {
            f.name: Counter(entry[f.name]) if f.default_factory is Counter else entry[f.name]
            for f in fields(UnitResult)
            if f.name != "hits" and f.name in entry
        }
        return UnitResult(**counts, hits=hits)
