"""Which columns hold text, and how chat data is flattened into turns.

A batch becomes a list of `TextColumn`s: flat Arrow string arrays with, for
each element, the row it came from, its field path and the speaker's role.
Chat columns (`messages` as {role, content}, ShareGPT `conversations` as
{from, value}) are recognised by their shape and flattened turn by turn with
Arrow kernels, so no Python runs per document. OpenAI content-part lists
(`content: [{type, text}, ...]`) are flattened part by part; turns without
text (tool calls, images) hold nothing to scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError

TEXT_DEFAULTS = ("text", "content")
CHAT_DEFAULTS = ("messages", "conversations", "conversation")
ALPACA = {"instruction": "user", "input": "user", "output": "assistant"}
PREFERENCE = {"prompt": "user", "chosen": "assistant", "rejected": "assistant"}
CHAT_KEYS = (("role", "content"), ("from", "value"))
PART_TEXT = "text"  # the text key of an OpenAI content part {type, text}
ROLE_ALIASES = {"human": "user", "gpt": "assistant", "bot": "assistant", "model": "assistant", "chatgpt": "assistant"}


@dataclass(frozen=True)
class FieldSpec:
    """One column to scan: plain text with a fixed role, or chat turns."""

    column: str
    role: str | None = None  # role of a plain text column (Alpaca output: assistant)
    chat: tuple[str, str] | None = None  # (role key, text key) for chat columns


@dataclass
class TextColumn:
    """Texts of one field, flattened, with their rows, fields and roles."""

    values: pa.Array
    rows: np.ndarray
    spec: FieldSpec
    turns: np.ndarray | None = None
    roles: pa.Array | None = None
    parts: np.ndarray | None = None  # content-part index, for content-part lists

    def field(self, i: int) -> str:
        """The field path of element i: `text`, `messages[3].content` or `messages[3].content[0].text`."""
        if self.turns is None:
            return self.spec.column
        path = f"{self.spec.column}[{self.turns[i]}].{self.spec.chat[1]}"
        return path if self.parts is None else f"{path}[{self.parts[i]}].{PART_TEXT}"

    def role(self, i: int) -> str | None:
        """The speaker of element i (None for plain text)."""
        return canonical_role(self.roles[i].as_py()) if self.roles is not None else self.spec.role


@dataclass(frozen=True)
class FieldPath:
    """A field path taken apart: column, and for chat the turn, text key and content part."""

    column: str
    turn: int | None = None
    key: str | None = None
    part: int | None = None


_PATH = re.compile(rf"^(?P<column>.+?)(?:\[(?P<turn>\d+)\]\.(?P<key>[^.\[\]]+)(?:\[(?P<part>\d+)\]\.{PART_TEXT})?)?$")


def parse_field(path: str) -> FieldPath:
    """Take apart a field path as `TextColumn.field` writes it."""
    m = _PATH.match(path)
    if m is None:
        raise ValueError(f"not a field path: {path!r}")
    turn, part = m["turn"], m["part"]
    return FieldPath(m["column"], int(turn) if turn else None, m["key"], int(part) if part else None)


def plan_fields(schema: pa.Schema, text_fields: tuple[str, ...] = (), where: str = "") -> list[FieldSpec]:
    """Decide which columns of `schema` to scan (explicit fields, else by name and shape)."""
    names = schema.names
    if text_fields:
        missing = [f for f in text_fields if f not in names]
        if missing:
            raise InputError(f"{where}: no column '{missing[0]}' (columns: {', '.join(names) or 'none'})")
        return [_spec(schema.field(f), where) for f in text_fields]
    if {"chosen", "rejected"} <= set(names):
        # Preference data: both answers, and a chat column beside them (UltraFeedback's `messages`).
        chat = [c for c in CHAT_DEFAULTS if c in names][:1]
        return [_spec(schema.field(c), where, PREFERENCE.get(c)) for c in chat + [c for c in PREFERENCE if c in names]]
    for name in TEXT_DEFAULTS + CHAT_DEFAULTS:
        if name in names:
            return [_spec(schema.field(name), where)]
    for shape in (ALPACA, PREFERENCE):
        present = [c for c in shape if c in names]
        if len(present) >= 2:
            return [_spec(schema.field(c), where, shape[c]) for c in present]
    raise InputError(
        f"{where}: no text column found (looked for {', '.join(TEXT_DEFAULTS + CHAT_DEFAULTS)}); "
        f"columns: {', '.join(names) or 'none'}; name one with --text-field"
    )


def _spec(field: pa.Field, where: str, role: str | None = None) -> FieldSpec:
    t = field.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t):
        return FieldSpec(field.name, role=role)
    if (pa.types.is_list(t) or pa.types.is_large_list(t)) and pa.types.is_struct(t.value_type):
        keys = {t.value_type.field(i).name for i in range(t.value_type.num_fields)}
        for role_key, text_key in CHAT_KEYS:
            if {role_key, text_key} <= keys:
                return FieldSpec(field.name, chat=(role_key, text_key))
        raise InputError(f"{where}: column '{field.name}' is a list of records without role/content or from/value keys")
    if (pa.types.is_list(t) or pa.types.is_large_list(t)) and pa.types.is_null(t.value_type):
        return FieldSpec(field.name, chat=("role", "content"))
    raise InputError(f"{where}: column '{field.name}' is {t}, not text or chat messages")


def text_columns(table: pa.Table, specs: list[FieldSpec], where: str = "") -> list[TextColumn]:
    """Flatten the planned fields of a batch into string columns."""
    out = []
    for spec in specs:
        if spec.column not in table.column_names:
            raise InputError(f"{where}: no column '{spec.column}'")
        column = one_array(table.column(spec.column))
        if spec.chat is None:
            out.append(TextColumn(_as_text(column, spec.column, where), np.arange(len(column)), spec))
        else:
            out.append(_flatten_chat(column, spec, where))
    return out


def one_array(column: pa.ChunkedArray) -> pa.Array:
    """A column as one array: its only chunk as it is (combine_chunks copies even that one)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _as_text(values: pa.Array, column: str, where: str) -> pa.Array:
    if pa.types.is_null(values.type):
        return pa.array([None] * len(values), pa.string())
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        raise InputError(f"{where}: column '{column}' is {values.type}, not text")
    return values


def _flatten_chat(column: pa.Array, spec: FieldSpec, where: str) -> TextColumn:
    role_key, text_key = spec.chat
    if pa.types.is_null(column.type.value_type):
        empty = pa.array([], pa.string())
        return TextColumn(empty, np.zeros(0, np.int64), spec, np.zeros(0, np.int64), empty)
    if not pa.types.is_struct(column.type.value_type):
        raise InputError(f"{where}: column '{spec.column}' is {column.type}, not a list of messages")
    flat, rows, turns = _flatten(column)
    texts, roles = flat.field(text_key), flat.field(role_key)
    if not _is_parts(texts.type):
        texts = _as_text(texts, f"{spec.column}[].{text_key}", where)
        return TextColumn(texts, rows, spec, turns, roles)
    if PART_TEXT not in {f.name for f in texts.type.value_type}:  # images only: nothing to read
        empty = pa.array([], pa.string())
        return TextColumn(empty, np.zeros(0, np.int64), spec, np.zeros(0, np.int64), empty, np.zeros(0, np.int64))
    parts, turn_of_part, part_numbers = _flatten(texts)
    texts = _as_text(parts.field(PART_TEXT), f"{spec.column}[].{text_key}[].{PART_TEXT}", where)
    return TextColumn(texts, rows[turn_of_part], spec, turns[turn_of_part], roles.take(turn_of_part), part_numbers)


def _flatten(lists: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The elements of a list array, the index of the list each came from, and its position there."""
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists).to_numpy()
    # Element i of list r is flat element first[r] + i (null lists hold no elements).
    lengths = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
    first = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    positions = np.arange(len(flat)) - first[parents] if len(flat) else np.zeros(0, np.int64)
    return flat, parents, positions


def _is_parts(t: pa.DataType) -> bool:
    """A list of content parts ({type, text} records), as OpenAI messages may hold."""
    return (pa.types.is_list(t) or pa.types.is_large_list(t)) and pa.types.is_struct(t.value_type)


def canonical_role(value: object) -> str | None:
    """A speaker's role in lower case, with ShareGPT's names mapped (human: user, gpt: assistant)."""
    if value is None:
        return None
    role = str(value).lower()
    return ROLE_ALIASES.get(role, role)
