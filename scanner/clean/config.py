"""What a clean run is asked to do."""

from __future__ import annotations

from dataclasses import dataclass, field

import fsspec
import yaml

from ..engines.unit import ScanConfig
from ..errors import InputError

ACTIONS = ("drop", "tag", "redact", "replace")
REDACT_CHAT = ("turn", "conversation")


class OptionError(ValueError):
    """The options of a clean do not go together (a usage error)."""


@dataclass(frozen=True)
class CleanConfig:
    """The action and its options; `scan` says what counts as contamination (as for `scan dataset`)."""

    action: str = "drop"
    scan: ScanConfig = ScanConfig()
    hits: str | None = None  # an earlier scan's hits file: clean from it instead of scanning
    redact_chat: str = "turn"  # a claim in a chat removes its exchange, or the conversation
    replacements: dict[str, str] = field(default_factory=dict)  # language -> text; "*" for any other

    @property
    def rewrites(self) -> bool:
        """Whether the action changes text (and so rescans what it wrote)."""
        return self.action in ("redact", "replace")

    def outputs(self) -> tuple[str, ...]:
        """The output folders this action writes."""
        return ("kept",) + ("rejected",) * (self.action != "tag") + ("redactions",) * self.rewrites


def load_replacements(map_file: str | None, replace_with: str | None) -> dict[str, str]:
    """The replacement per language: a YAML/JSON map file of language -> text, with `replace_with` for the rest."""
    replacements: dict[str, str] = {}
    if map_file:
        try:
            with fsspec.open(map_file, "r", encoding="utf-8") as f:
                loaded = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            raise InputError(f"{map_file}: cannot read the replacement map ({e})") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise InputError(f"{map_file}: expected a mapping of language to text, like `zh: 我是一个助手`")
        replacements = {str(k): v for k, v in loaded.items()}
    if replace_with is not None:
        replacements["*"] = replace_with
    return replacements
