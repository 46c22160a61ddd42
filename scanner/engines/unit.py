"""Scan one work unit: the function every engine runs, so all engines agree."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

import pyarrow as pa

from ..errors import InputError
from ..fields import FieldSpec, plan_fields
from ..hits import Hit
from ..match import MatchStats
from ..neardup import NearDupOptions
from ..profile import RuleProfile
from ..sampling import sample_batch
from ..scan import Scanner
from ..sources import ReadOptions, WorkUnit


@dataclass(frozen=True)
class ScanConfig:
    """Everything a worker needs to build its Scanner and read its units."""

    packs: tuple[str, ...] | None = None
    families: tuple[str, ...] | None = None
    min_severity: str = "low"
    roles: tuple[str, ...] | None = None
    context_chars: int = 80
    text_fields: tuple[str, ...] = ()
    id_field: str | None = None
    read: ReadOptions = ReadOptions()
    near_dup: NearDupOptions | None = None  # None: regex rules only
    sample: float | None = None  # scan this seeded share of rows (see sampling.py)
    seed: int = 0
    profile: bool = False  # count and time every rule (see profile.py)

    def scanner(self) -> Scanner:
        """A Scanner for this configuration."""
        return Scanner(
            list(self.packs) if self.packs else None,
            families=self.families,
            min_severity=self.min_severity,
            roles=self.roles,
            context_chars=self.context_chars,
            near_dup=self.near_dup,
        )


@dataclass
class Counts:
    """What a scan read and what it cost, counted alike for one unit and for a whole scan."""

    rows_read: int = 0
    rows_scanned: int = 0
    rows_skipped: int = 0
    skip_reasons: Counter = field(default_factory=Counter)
    bytes_scanned: int = 0
    rule_timeouts: int = 0
    rows_not_sampled: int = 0  # rows a --sample did not draw

    def include(self, other: Counts) -> None:
        """Add another count to this one."""
        for f in fields(Counts):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(kw_only=True)
class UnitResult(Counts):
    """What scanning one unit found and counted."""

    key: str
    source: str
    hits: list[Hit]
    profile: dict | None = None  # RuleProfile.to_dict(), with --profile


def plan_unit(schema: pa.Schema, config: ScanConfig, source: str) -> tuple[list[FieldSpec], str | None]:
    """The fields to scan and the id column (default `id`, where present) of rows with this schema."""
    specs = plan_fields(schema, config.text_fields, source)
    id_field = config.id_field
    if id_field is None and "id" in schema.names:
        id_field = "id"
    if id_field is not None and id_field not in schema.names:
        raise InputError(f"{source}: no id column '{id_field}' (columns: {', '.join(schema.names)})")
    return specs, id_field


def scan_unit(unit: WorkUnit, scanner: Scanner, config: ScanConfig) -> UnitResult:
    """Read a unit batch by batch and scan it; every row read is counted."""
    schema = unit.schema()
    result = UnitResult(key=unit.key, source=unit.source, hits=[])
    if not schema.names:  # an empty file: zero rows
        return result
    specs, id_field = plan_unit(schema, config, unit.source)
    columns = list(dict.fromkeys([s.column for s in specs] + ([id_field] if id_field else [])))
    scanner.stats = MatchStats(profile=RuleProfile() if config.profile else None)
    for batch in unit.batches(columns):
        if config.sample is not None:
            batch, left_out = sample_batch(batch, config.sample, config.seed)
            result.rows_not_sampled += left_out
        result.hits.extend(
            scanner.scan_batch(batch.table, source=batch.source, rows=batch.rows, fields=specs, id_field=id_field)
        )
        result.rows_scanned += batch.table.num_rows
        result.rows_skipped += len(batch.skipped)
        result.skip_reasons.update(reason for _, reason in batch.skipped)
    result.rows_read = result.rows_scanned + result.rows_skipped + result.rows_not_sampled
    result.bytes_scanned = scanner.stats.bytes_scanned
    result.rule_timeouts = scanner.stats.timeouts
    result.profile = scanner.stats.profile.to_dict() if scanner.stats.profile else None
    return result
