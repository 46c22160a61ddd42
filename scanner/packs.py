"""Load, validate and expand pattern packs into rules.

Two kinds of YAML live in `patterns/`:

- a *family pack* (`qwen.yaml`) names a model family, its `names` (what the
  model calls itself), `ambiguous` names (that need an AI cue nearby: Claude,
  Gemini), names that need one of its makers nearby (`needs_maker`: Spark),
  its `makers`, extra hand-written `rules`, and `examples` for the whole
  family;
- a *grammar* (`grammar/en.yaml`) says how one language makes a claim: claim
  templates whose regex uses `{name}` or `{maker}`, crossed with every loaded
  family, and maker-less templates that belong to the `generic` family.

See `patterns/README.md` for the format.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

import regex
import yaml

from . import hsdb
from .compiled import compile_pattern
from .errors import PackError

SEVERITIES = ("low", "medium", "high")
DEFAULT_ROLES = ("system", "assistant")
GENERIC = "generic"
_VAR = regex.compile(r"\{([a-z_][a-z0-9_]*)\}")  # {name}, {made3}; never a quantifier {2,3}


class YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml, where PyYAML has it: ten times faster
    """A safe YAML loader that refuses a key given twice in one mapping (YAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"{key!r} given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_RULE_KEYS = {
    "id", "lang", "regex", "keywords", "severity", "roles", "exclude", "exclude_before",
    "requires", "within", "examples", "description",
}  # fmt: skip
_PACK_KEYS = {
    "family", "description", "names", "ambiguous", "needs_maker", "makers", "rules", "examples", "roles", "defers",
}  # fmt: skip
_GRAMMAR_KEYS = {"lang", "description", "vars", "cue", "human", "exclude_before", "claims"}


def patterns_dir() -> Path:
    """The bundled `patterns/` folder (source tree or installed package)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "patterns", here.parent / "patterns"):
        if candidate.is_dir():
            return candidate
    raise PackError(f"bundled patterns not found beside {here}")


@dataclass(frozen=True)
class Rule:
    """One compiled-on-demand matching rule; every hit names one."""

    id: str
    family: str
    lang: str
    pattern: str
    keywords: tuple[str, ...]  # prefilter literals: a match contains one of them
    anchors: tuple[str, ...] = ()  # window gate: one must occur in the window ("" = none)
    severity: str = "high"
    roles: frozenset[str] = frozenset(DEFAULT_ROLES)
    exclude: str | None = None
    exclude_before: str | None = None
    requires: str | None = None
    within: int = 60
    cue: str | None = None  # the AI cue an ambiguous name (group `amb`) needs within `within` characters
    human: str | None = None  # what shows an ambiguous name is a person's, within `within` characters: a veto
    maker_cue: str | None = None  # the maker a `needs_maker` name (group `own`) needs within `within` characters
    defers: bool = False  # dropped where a hit of another family overlaps
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    source: str = ""
    template: str | None = None  # "lang.claim" for rules a grammar template made

    @cached_property
    def regex(self) -> regex.Pattern:
        return compile_pattern(self.pattern, regex.IGNORECASE | regex.V0)

    @cached_property
    def exclude_regex(self) -> regex.Pattern | None:
        # Anchored at the match: it must start where the match ends.
        return compile_pattern(self.exclude, regex.IGNORECASE) if self.exclude else None

    @cached_property
    def exclude_before_regex(self) -> regex.Pattern | None:
        # Anchored at the match: it must end where the match starts.
        return compile_pattern(f"(?:{self.exclude_before})$", regex.IGNORECASE) if self.exclude_before else None

    @cached_property
    def requires_regex(self) -> regex.Pattern | None:
        return compile_pattern(self.requires, regex.IGNORECASE) if self.requires else None

    @cached_property
    def cue_regex(self) -> regex.Pattern | None:
        return compile_pattern(self.cue, regex.IGNORECASE) if self.cue else None

    @cached_property
    def human_regex(self) -> regex.Pattern | None:
        return compile_pattern(self.human, regex.IGNORECASE) if self.human else None

    @cached_property
    def maker_cue_regex(self) -> regex.Pattern | None:
        return compile_pattern(self.maker_cue, regex.IGNORECASE) if self.maker_cue else None


@dataclass(frozen=True)
class Pack:
    """A family pack as loaded: its file, hash, names and examples."""

    family: str
    path: str
    sha256: str
    description: str
    names: tuple[str, ...]
    ambiguous: tuple[str, ...]
    needs_maker: tuple[str, ...]
    makers: tuple[str, ...]
    examples: dict[str, tuple[str, ...]]

    @property
    def identities(self) -> tuple[str, ...]:
        """Every name the model may call itself by: plain, ambiguous and needing its maker."""
        return self.names + self.ambiguous + self.needs_maker


@dataclass(frozen=True)
class Grammar:
    """One language's claim templates."""

    lang: str
    path: str
    sha256: str
    vars: dict[str, str]
    cue: str
    human: str  # beside an ambiguous name, shows a person ("not an AI"): vetoes the claim
    exclude_before: str  # vetoes every claim of the language: what makes it hypothetical ("如果我是X")
    claims: tuple[dict[str, Any], ...]


@dataclass
class PackSet:
    """Loaded packs and grammars, expanded into rules."""

    packs: list[Pack]
    grammars: list[Grammar]
    rules: list[Rule]

    @property
    def families(self) -> list[str]:
        return [p.family for p in self.packs]

    def hashes(self) -> dict[str, str]:
        """Content hash of every file that shaped the rules."""
        files = {p.path: p.sha256 for p in self.packs}
        files.update({g.path: g.sha256 for g in self.grammars})
        return files


def load_packs(specs: list[str] | tuple[str, ...] | None = None) -> PackSet:
    """Load packs from files, folders or bundled pack names (default: every bundled pack).

    A process keeps the sets it loaded, by file contents: a second Scanner of the same
    packs is cheap (its rules' regexes are compiled already), an edited pack is reloaded.
    Treat a PackSet as read-only.
    """
    paths = tuple(resolve_pack_paths(specs))
    files = [*paths, *sorted((patterns_dir() / "grammar").glob("*.yaml"))]
    return _load_packs(paths, tuple(_sha256(f) for f in files))


@lru_cache(maxsize=8)
def _load_packs(paths: tuple[Path, ...], _contents: tuple[str, ...]) -> PackSet:
    common, grammars = load_grammars()
    common = {**common, "cue": "|".join(f"(?:{g.cue})" for g in grammars if g.cue) or "(?!)"}
    common["human_cue"] = "|".join(f"(?:{g.human})" for g in grammars if g.human)
    packs_and_rules = [_load_family(p, common) for p in paths]
    packs = [p for p, _ in packs_and_rules]
    seen: dict[str, str] = {}
    for pack in packs:
        if pack.family in seen:
            raise PackError(f"{pack.path}: family '{pack.family}' is also defined in {seen[pack.family]}")
        seen[pack.family] = pack.path
    rules = [r for _, rs in packs_and_rules for r in rs]
    for grammar in grammars:
        rules.extend(_expand_grammar(grammar, common, packs))
    _check_unique_ids(rules)
    return PackSet(packs=packs, grammars=grammars, rules=rules)


def resolve_pack_paths(specs: list[str] | tuple[str, ...] | None) -> list[Path]:
    """Pack files for a list of files, folders and pack names."""
    builtin = patterns_dir()
    if not specs:
        specs = [str(builtin)]
    paths: list[Path] = []
    for spec in specs:
        p = Path(spec)
        if p.is_dir():
            paths.extend(sorted(f for f in p.glob("*.yaml") if not f.name.startswith("_")))
        elif p.is_file():
            paths.append(p)
        elif (builtin / f"{spec}.yaml").is_file():
            paths.append(builtin / f"{spec}.yaml")
        else:
            known = ", ".join(sorted(f.stem for f in builtin.glob("*.yaml")))
            raise PackError(f"{spec}: no such pack file, folder or bundled pack (bundled: {known})")
    unique = list(dict.fromkeys(p.resolve() for p in paths))
    if not unique:
        raise PackError(f"{', '.join(specs)}: no pattern packs (*.yaml) found")
    return unique


def load_grammars(folder: Path | None = None) -> tuple[dict[str, str], list[Grammar]]:
    """The shared vars (`_common.yaml`) and every language grammar."""
    folder = folder or patterns_dir() / "grammar"
    common_path = folder / "_common.yaml"
    common = read_yaml(common_path).get("vars", {}) if common_path.exists() else {}
    grammars = [_load_grammar(p) for p in sorted(folder.glob("*.yaml")) if not p.name.startswith("_")]
    return {k: str(v) for k, v in common.items()}, grammars


def read_yaml(path: Path) -> dict[str, Any]:
    """A pack, grammar or reference file as a mapping (PackError naming the file and line where it is not one)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YamlLoader)
    except UnicodeDecodeError:
        raise PackError(f"{path}: not valid UTF-8") from None
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        line = f" line {where.line + 1}:" if where else ""
        raise PackError(f"{path}:{line} not valid YAML ({getattr(e, 'problem', e)})") from None
    if not isinstance(data, dict):
        raise PackError(f"{path}: a pack must be a YAML mapping")
    return data


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _strings(value: Any, where: str, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PackError(f"{where}: '{what}' must be a list of non-empty strings")
    return tuple(value)


def _examples(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {"match": (), "no_match": ()}
    if not isinstance(value, dict) or set(value) - {"match", "no_match"}:
        raise PackError(f"{where}: 'examples' must be a mapping with 'match' and 'no_match' lists")
    return {k: _strings(value.get(k), where, f"examples.{k}") for k in ("match", "no_match")}


def _check_keys(data: dict[str, Any], allowed: set[str], where: str) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise PackError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return data


def _load_family(path: Path, common: dict[str, str]) -> tuple[Pack, list[Rule]]:
    where = str(path)
    data = _check_keys(read_yaml(path), _PACK_KEYS, where)
    family = data.get("family")
    if not isinstance(family, str) or not regex.fullmatch(r"[a-z][a-z0-9_]*", family):
        raise PackError(f"{where}: 'family' must be a lower-case identifier")
    pack = Pack(
        family=family,
        path=where,
        sha256=_sha256(path),
        description=str(data.get("description", "")),
        names=tuple(n.lower() for n in _strings(data.get("names"), where, "names")),
        ambiguous=tuple(n.lower() for n in _strings(data.get("ambiguous"), where, "ambiguous")),
        needs_maker=tuple(n.lower() for n in _strings(data.get("needs_maker"), where, "needs_maker")),
        makers=tuple(n.lower() for n in _strings(data.get("makers"), where, "makers")),
        examples=_examples(data.get("examples"), where),
    )
    if pack.needs_maker and not pack.makers:
        raise PackError(f"{where}: 'needs_maker' names count only beside a maker, and the pack lists no 'makers'")
    if twice := set(pack.needs_maker) & set(pack.names + pack.ambiguous):
        raise PackError(f"{where}: {', '.join(sorted(twice))} under both 'needs_maker' and 'names' or 'ambiguous'")
    roles = _strings(data.get("roles"), where, "roles") or DEFAULT_ROLES
    rules_data = data.get("rules") or []
    if not isinstance(rules_data, list):
        raise PackError(f"{where}: 'rules' must be a list")
    placeholders = {**common, **_family_vars(pack, common)}
    defers = bool(data.get("defers", family == GENERIC))
    rules = [_build_rule(r, where, family, placeholders, roles, defers, pack) for r in rules_data]
    return pack, rules


def _load_grammar(path: Path) -> Grammar:
    where = str(path)
    data = _check_keys(read_yaml(path), _GRAMMAR_KEYS, where)
    lang = data.get("lang")
    if not isinstance(lang, str):
        raise PackError(f"{where}: 'lang' is required")
    claims = data.get("claims") or []
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        raise PackError(f"{where}: 'claims' must be a list of mappings")
    vars_ = data.get("vars") or {}
    if not isinstance(vars_, dict):
        raise PackError(f"{where}: 'vars' must be a mapping")
    return Grammar(
        lang=lang,
        path=where,
        sha256=_sha256(path),
        vars={k: str(v) for k, v in vars_.items()},
        cue=str(data.get("cue", "")),
        human=str(data.get("human", "")),
        exclude_before=_grammar_veto(data.get("exclude_before"), where),
        claims=tuple(claims),
    )


def _grammar_veto(value: Any, where: str) -> str:
    """A grammar's `exclude_before`, checked here so that a bad one is reported against the grammar."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PackError(f"{where}: 'exclude_before' must be a string (a regex)")
    problem = _regex_problem(value)
    if problem:
        raise PackError(f"{where}: exclude_before {problem}")
    return value


# A version number next, not an ordinal or a count ("Claude 3rd grade", "Gemini 2 times over").
_VERSION_NEXT = r"(?=[\s\-]?v?\d(?![\d.]*(?:st|nd|rd|th|e|er)(?![a-z])|[\d.]*\s+times))"


@cache
def name_regex(names: tuple[str, ...], marked: tuple[str, ...] = (), own: tuple[str, ...] = ()) -> str:
    """An alternation of literal names, tolerant of spacing and hyphens, longest first.

    A `marked` name is wrapped in a group named `amb` (unless a version number follows it), an `own` name in
    one named `own`, so a match can tell which alternative won ("文心一言" is not the ambiguous "文心").
    """
    parts = []
    for name in sorted(set(names) | set(marked) | set(own), key=lambda n: (-len(n), n)):
        tokens = regex.split(r"[\s\-·・]+", name)
        body = r"[\s\-·・.]*".join(regex.escape(t) for t in tokens if t)
        if name in own:
            body = f"(?P<own>{body})"
        elif name in marked:  # with a version number it is the model's name: "Claude 3.5 Sonnet", "Gemini 2"
            body = rf"(?:{body}{_VERSION_NEXT}|(?P<amb>{body}))"
        latin = regex.match(r"[a-z0-9]", name) is not None
        parts.append(rf"(?<![a-z]){body}" if latin else body)
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


def _family_vars(pack: Pack, common: dict[str, str]) -> dict[str, str]:
    version = common.get("version", "")
    names = name_regex(pack.names, marked=pack.ambiguous, own=pack.needs_maker)
    makers = name_regex(pack.makers)
    return {
        # a gloss in brackets may follow a name: "Qwen(통의천문)입니다", "豆包（Doubao）です"
        "name": rf"(?P<name>{names}{version}(?![a-z]))(?:\s*\([^()\n]{{1,30}}\))?",
        "maker": rf"(?P<maker>{makers}(?![a-z]))",
        "cue": f"{common.get('cue', '(?!)')}|{makers}",
    }


def _substitute(pattern: str, values: dict[str, str], where: str) -> str:
    for _ in range(5):  # vars may use vars
        if not _VAR.search(pattern):
            return pattern

        def lookup(m: regex.Match) -> str:
            if m.group(1) not in values:
                raise PackError(f"{where}: unknown placeholder {{{m.group(1)}}}")
            return values[m.group(1)]

        pattern = _VAR.sub(lookup, pattern)
    raise PackError(f"{where}: placeholders nested too deeply")


# The classic exponential shape: a repeated group whose body is one repeated atom, (a+)+.
_CATASTROPHIC = regex.compile(r"\((?:\?:)?(?:\\.|\[[^\]]*\]|[^()\\])[+*]\)[+*{]")
# Stand-ins for a family's placeholders: names and makers are escaped literals, so a
# template that compiles with these compiles for every family, and is checked once.
_PROBE = {"name": "(?P<name>n)", "maker": "(?P<maker>m)", "cue": "c"}


@cache
def _regex_problem(pattern: str) -> str | None:
    if _CATASTROPHIC.search(pattern):
        return "can backtrack catastrophically (nested or repeated unbounded repeats)"
    # Compiling is the costly part (milliseconds a template): a pattern that compiled once is known good.
    return (
        hsdb.cached(["compiles", regex.__version__, pattern], lambda: _compile_error(pattern).encode()).decode() or None
    )


def _compile_error(pattern: str) -> str:
    try:
        regex.compile(pattern, regex.IGNORECASE)
    except regex.error as e:
        return f"does not compile: {e}"
    return ""


def _check_regex(template: str, values: dict[str, str], where: str, what: str) -> str:
    """The template with its placeholders filled, once checked to compile and to be safe."""
    problem = _regex_problem(_substitute(template, {**values, **_PROBE}, where))
    if problem:
        raise PackError(f"{where}: {what} {problem}")
    return _substitute(template, values, where)


def _build_rule(
    spec: dict[str, Any],
    file: str,
    family: str,
    values: dict[str, str],
    roles: tuple[str, ...],
    defers: bool,
    pack: Pack | None,
    *,
    rule_id: str | None = None,
    lang: str | None = None,
    template: str | None = None,
) -> Rule:
    rid = rule_id or spec.get("id")
    if not isinstance(rid, str) or not regex.fullmatch(r"[a-z0-9][a-z0-9_.\-]*", rid):
        raise PackError(f"{file}: every rule needs an 'id' of lower-case letters, digits, '-', '_' or '.'")
    where = f"{file}: rule {rid}"
    _check_keys(spec, _RULE_KEYS, where)
    if not isinstance(spec.get("regex"), str) or not spec["regex"].strip():
        raise PackError(f"{where}: 'regex' is required")
    lang = lang or spec.get("lang")
    if not isinstance(lang, str):
        raise PackError(f"{where}: 'lang' is required")
    severity = spec.get("severity", "medium" if family == GENERIC else "high")
    if severity not in SEVERITIES:
        raise PackError(f"{where}: 'severity' must be one of {', '.join(SEVERITIES)}")
    within = spec.get("within", 60)
    if not isinstance(within, int) or not 0 < within <= 500:
        raise PackError(f"{where}: 'within' must be a whole number from 1 to 500")
    own_keywords = tuple(k.lower() for k in _strings(spec.get("keywords"), where, "keywords"))
    keywords = _family_literals(spec["regex"], pack)
    if keywords is None and not own_keywords:
        raise PackError(f"{where}: 'keywords' is required (literals every match contains)")
    pattern = _check_regex(spec["regex"], values, where, "regex")
    extras = {}
    for key in ("exclude", "exclude_before", "requires"):
        if spec.get(key) is not None:
            extras[key] = _check_regex(str(spec[key]), values, where, key)
    named = pack is not None and "{name}" in spec["regex"]
    return Rule(
        id=rid,
        family=family,
        lang=lang,
        pattern=pattern,
        keywords=keywords if keywords is not None else own_keywords,
        anchors=own_keywords if keywords is not None else (),
        severity=severity,
        roles=frozenset(_strings(spec.get("roles"), where, "roles") or roles),
        exclude=extras.get("exclude"),
        exclude_before=extras.get("exclude_before"),
        requires=extras.get("requires"),
        within=within,
        cue=values["cue"] if named and pack.ambiguous else None,
        human=(values.get("human_cue") or None) if named and pack.ambiguous else None,
        maker_cue=name_regex(pack.makers) if named and pack.needs_maker else None,
        defers=defers,
        examples=_examples(spec.get("examples"), where),
        source=file,
        template=template,
    )


def _family_literals(template: str, pack: Pack | None) -> tuple[str, ...] | None:
    """The prefilter literals of a template that names the family, or None."""
    if pack is None:
        return None
    if "{name}" in template:
        return pack.identities
    if "{maker}" in template:
        return pack.makers
    return None


def _expand_grammar(grammar: Grammar, common: dict[str, str], packs: list[Pack]) -> list[Rule]:
    """Cross a grammar's claim templates with every loaded family."""
    rules = []
    by_family = {p.family: p for p in packs}
    for claim in grammar.claims:
        cid = claim.get("id")
        if not isinstance(cid, str):
            raise PackError(f"{grammar.path}: every claim needs an 'id'")
        vetoes = [v for v in (grammar.exclude_before, claim.get("exclude_before")) if v]
        if vetoes:
            claim = {**claim, "exclude_before": "|".join(f"(?:{v})" for v in vetoes)}
        template = str(claim.get("regex", ""))
        needs_family = "{name}" in template or "{maker}" in template
        if not needs_family:
            if GENERIC in by_family:
                values = {**common, **grammar.vars}
                rules.append(
                    _build_rule(claim, grammar.path, GENERIC, values, DEFAULT_ROLES, True, None,
                                rule_id=f"{GENERIC}.{grammar.lang}.{cid}", lang=grammar.lang,
                                template=f"{grammar.lang}.{cid}")
                )  # fmt: skip
            continue
        for pack in packs:
            if pack.family == GENERIC:
                continue
            if not _family_literals(template, pack):
                continue
            values = {**common, **grammar.vars, **_family_vars(pack, common)}
            rules.append(
                _build_rule(claim, grammar.path, pack.family, values, DEFAULT_ROLES, False, pack,
                            rule_id=f"{pack.family}.{grammar.lang}.{cid}", lang=grammar.lang,
                            template=f"{grammar.lang}.{cid}")
            )  # fmt: skip
    return rules


def _check_unique_ids(rules: list[Rule]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise PackError(f"{rule.source}: rule {rule.id}: id is also used in {seen[rule.id]}")
        seen[rule.id] = rule.source
