"""Redact and replace: one contaminated row's text values in, its rewritten values (or a drop) out.

Rows are plain Python values here (a string, or chat turns as dicts), so a
Parquet row and a JSONL record take the same code. Offsets are the hits':
code points into the field's text.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..fields import PART_TEXT, FieldPath, canonical_role, parse_field
from ..hits import Hit

# A sentence ends at . ! ? before a space or a CJK character (closing quotes allowed), at
# CJK, Arabic and Devanagari stops, or at a line break; the spaces after it go with it.
SENTENCE_END = re.compile(
    r"(?:[.!?…]+[\"'”’)\]]*(?=\s|$|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])|[。！？؟।]+[」』”’）]*|\n)\s*"
)


@dataclass(frozen=True)
class Rewrite:
    """How to rewrite a row: the action and its options."""

    action: str  # "redact" or "replace"
    chat_roles: dict[str, str]  # chat column -> the key of its turns that names the speaker
    redact_chat: str = "turn"  # or "conversation": a claim in a chat drops the row
    replacements: dict[str, str] = field(default_factory=dict)  # language -> text; "*" for any other


@dataclass
class Outcome:
    """A contaminated row after rewriting: its new values and what changed, or why it is dropped."""

    values: dict[str, Any]
    changes: list[dict] = field(default_factory=list)
    drop: str | None = None

    @property
    def columns(self) -> list[str]:
        """The columns whose values changed."""
        return list(dict.fromkeys(parse_field(c["field"]).column for c in self.changes))


def replacement(replacements: dict[str, str], lang: str) -> str | None:
    """The replacement text for a claim in `lang`."""
    return replacements.get(lang, replacements.get("*"))


def rewrite(values: dict[str, Any], hits: list[Hit], how: Rewrite) -> Outcome:
    """Redact or replace the claims `hits` found in one row's text values."""
    out = Outcome(copy.deepcopy(values))
    by_column: dict[str, list[Hit]] = defaultdict(list)
    for h in hits:
        by_column[parse_field(h.field).column].append(h)
    for column, found in by_column.items():
        role_key = how.chat_roles.get(column)
        if how.action == "redact" and role_key is not None:
            if how.redact_chat == "conversation":
                out.drop = "conversation redacted"
                return out
            _remove_exchanges(out, column, role_key, {parse_field(h.field).turn for h in found})
            if out.drop:
                return out
        else:
            _edit_texts(out, found, how)
    return out


def _remove_exchanges(out: Outcome, column: str, role_key: str, turns: set[int]) -> None:
    """Remove the turns holding claims, each with the user turn it answers (and what lies between)."""
    messages = out.values[column]
    roles = [canonical_role(m.get(role_key)) for m in messages]
    gone = sorted({i for t in turns for i in _exchange(roles, t)})
    out.values[column] = [m for i, m in enumerate(messages) if i not in gone]
    out.changes.append({"field": column, "turns_removed": gone, "removed": [messages[i] for i in gone]})
    if all(roles[i] == "system" for i in range(len(messages)) if i not in gone):
        out.drop = "nothing left after redaction"


def _exchange(roles: list[str | None], turn: int) -> range:
    """The turns that go with `turn`: from the user turn it answers to the next user turn."""
    user = next((i for i in range(turn, -1, -1) if roles[i] == "user"), None)
    if roles[turn] == "system" or user is None:  # a system prompt, or a greeting before any question
        return range(turn, turn + 1)
    end = next((i for i in range(turn + 1, len(roles)) if roles[i] == "user"), len(roles))
    return range(user, end)


def _edit_texts(out: Outcome, hits: list[Hit], how: Rewrite) -> None:
    """Cut the sentence holding each claim (redact), or put the replacement in its place (replace)."""
    by_field: dict[str, list[Hit]] = defaultdict(list)
    for h in hits:
        by_field[h.field].append(h)
    for path, found in by_field.items():
        where = parse_field(path)
        text = field_text(out.values, where)
        if how.action == "redact":
            spans = [(*sentence_span(text, h.start, h.end), "") for h in found]
        else:
            spans = [(h.start, h.end, replacement(how.replacements, h.lang)) for h in found]
        for start, end, new in reversed(_merge(spans)):
            out.changes.append({"field": path, "start": start, "end": end, "removed": text[start:end], "inserted": new})
            text = text[:start] + new + text[end:]
        _set_field_text(out.values, where, text)
        if not text.strip():  # an empty answer teaches nothing, and an empty document is no document
            out.drop = "nothing left after redaction"


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) holding text[start:end], with the spaces that follow (or, at the end, precede) them."""
    begin = max((m.end() for m in SENTENCE_END.finditer(text, 0, start)), default=0)
    stop = SENTENCE_END.search(text, end)
    finish = stop.end() if stop else len(text)
    if finish == len(text):
        begin = len(text[:begin].rstrip())
    return begin, finish


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans as one (the first one's text goes in)."""
    merged: list[tuple[int, int, str]] = []
    for start, end, new in sorted(spans):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, new))
    return merged


def field_text(values: dict[str, Any], where: FieldPath) -> str | None:
    """The text at a field path of a row's values."""
    value = values.get(where.column)
    if where.turn is None:
        return value
    value = value[where.turn][where.key]
    return value if where.part is None else value[where.part][PART_TEXT]


def _set_field_text(values: dict[str, Any], where: FieldPath, text: str) -> None:
    if where.turn is None:
        values[where.column] = text
    elif where.part is None:
        values[where.column][where.turn][where.key] = text
    else:
        values[where.column][where.turn][where.key][where.part][PART_TEXT] = text
