"""Read a ruleset YAML file into a `Ruleset`, reporting every problem at once as `file:line:col`.

YAML is read with PyYAML's safe composer only (no Python objects), then checked node by node so
that every message points at the key or value that is wrong: unknown keys (with "did you mean"),
keys that have no effect for the rule's kind, wrong types, duplicate keys and ids, regexes that do
not compile, and YAML's boolean trap (an unquoted `no` read as `false`).
"""

from __future__ import annotations

import difflib
import importlib.resources
import os
import re
from dataclasses import dataclass
from typing import Any, Callable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cx_audit.errors import RulesetError
from cx_audit.ruleset.model import KINDS, METRICS, REPETITION_UNITS, SEVERITIES, SPEAKERS, Category, ExactPhrase, Rule, Ruleset, Scope, Trigger, unique_phrases

BOOL_TAG = "tag:yaml.org,2002:bool"
STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
NULL_TAG = "tag:yaml.org,2002:null"

HEADER_KEYS = ("id", "name", "language", "version", "description", "pass_mark", "categories", "lists", "rules")
CATEGORY_KEYS = ("weight", "name", "description", "pass_mark")
COMMON_RULE_KEYS = ("id", "category", "kind", "message", "tip", "source", "severity", "weight", "scope", "description", "enabled")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "require": ("phrases", "regex", "fuzzy", "min_count"),
    "forbid": ("phrases", "regex", "fuzzy", "unless"),
    "respond": ("phrases", "regex", "fuzzy", "unless", "trigger", "within", "before", "expect", "each"),
    "repetition": ("threshold", "times", "min_words", "unit", "phrases", "unless"),
    "metric": ("metric", "max", "min", "seconds", "words"),
}
ALL_RULE_KEYS = COMMON_RULE_KEYS + tuple(sorted({k for keys in KIND_KEYS.values() for k in keys}))
SCOPE_KEYS = ("speaker", "skip_first_turns", "first_turns", "last_turns", "first_seconds", "last_seconds")
TRIGGER_KEYS = ("phrases", "regex", "speaker", "fuzzy", "unless")
# A phrase entry may be a mapping instead of text: {phrase: "i cant help you", exact: true}.
PHRASE_KEYS = ("phrase", "exact")
# Category ids become CSV columns beside these: an id equal to one of them would make two columns
# with one name.
RESERVED_CATEGORY_IDS = frozenset(
    ["conversation_id", "source", "agent", "language", "ruleset", "score", "passed", "auto_failed", "failed_rules", "team", "queue", "date"]
)
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# A ruleset that extends another (see extend.py) may also have these header keys.
EXTEND_KEYS = ("extends", "overrides")
# What an override of an inherited rule may change: the rule keys but id and kind, plus additions.
OVERRIDE_COMMON_KEYS = tuple(k for k in COMMON_RULE_KEYS if k not in ("id", "kind"))
ADD_KEYS: dict[str, tuple[str, ...]] = {
    "require": ("add_phrases", "add_regex"),
    "forbid": ("add_phrases", "add_regex", "add_unless"),
    "respond": ("add_phrases", "add_regex", "add_unless", "add_trigger_phrases"),
    "repetition": ("add_phrases", "add_unless"),
    "metric": (),
}


@dataclass
class Problems:
    path: str
    items: list[tuple[int, int, str]]

    def add(self, node: Node | None, message: str) -> None:
        if node is None:
            self.items.append((1, 1, message))
        else:
            self.items.append((node.start_mark.line + 1, node.start_mark.column + 1, message))

    def lines(self) -> list[str]:
        return [f"{self.path}:{ln}:{col}: {msg}" for ln, col, msg in sorted(self.items)]


def builtin_names() -> list[str]:
    folder = importlib.resources.files("cx_audit.rulesets")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def ruleset_names() -> list[str]:
    """Every ruleset `-r NAME` can load without a path: the built-in ones, then installed packs'."""
    from cx_audit.ruleset.packs import pack_names

    return builtin_names() + pack_names()


def resolve_ruleset_path(name_or_path: str) -> tuple[str, str]:
    """Return (display path, YAML text) for a file path, a built-in name or a rule pack's name."""
    if os.path.isfile(name_or_path):
        with open(name_or_path, encoding="utf-8-sig") as fh:
            return name_or_path, fh.read()
    found = resolve_ruleset_name(name_or_path)
    if found:
        return found
    builtin = ", ".join(builtin_names())
    from cx_audit.ruleset.packs import pack_names

    packs = pack_names()
    also = f"; from rule packs: {', '.join(packs)}" if packs else ""
    raise RulesetError([f"{name_or_path}: no such ruleset file or built-in ruleset (built-in: {builtin}{also})"])


def resolve_ruleset_name(name: str) -> tuple[str, str] | None:
    """(display path, YAML text) of a built-in ruleset or an installed pack's, or None."""
    if "/" not in name and "\\" not in name and not name.endswith((".yaml", ".yml")):
        resource = importlib.resources.files("cx_audit.rulesets") / f"{name}.yaml"
        if resource.is_file():
            return f"<built-in>/{name}.yaml", resource.read_text(encoding="utf-8")
        from cx_audit.ruleset.packs import find_pack_ruleset

        return find_pack_ruleset(name)
    return None


def load_ruleset(name_or_path: str) -> Ruleset:
    path, text = resolve_ruleset_path(name_or_path)
    return parse_ruleset(text, path)


def parse_ruleset(text: str, path: str) -> Ruleset:
    return _parse(text, path, ())[0]


def _parse(text: str, path: str, stack: tuple[str, ...]) -> tuple[Ruleset, dict[str, set[tuple[str, str]]]]:
    """The ruleset and, per rule, the header lists its phrases came from. `stack`: the files
    being read that extend this one (to report a ruleset that extends itself)."""
    problems = Problems(path, [])
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise RulesetError([f"{where}: YAML syntax error: {err.problem or err}"]) from None
    except yaml.YAMLError as err:
        raise RulesetError([f"{path}: YAML error: {err}"]) from None
    if root is None:
        raise RulesetError([f"{path}:1:1: empty ruleset file"])
    builder = _Builder(problems, stack)
    ruleset = builder.ruleset(root, path)
    if problems.items or builder.parent_problems or ruleset is None:
        raise RulesetError(builder.parent_problems + problems.lines())
    return ruleset, builder.refs


class _Builder:
    def __init__(self, problems: Problems, stack: tuple[str, ...] = ()):
        self.p = problems
        self.stack = stack
        self.parent_problems: list[str] = []  # the problems of a ruleset this one extends
        # Which header lists each rule's phrases came from: rule id -> {(field, list name)}, where
        # field is phrases, unless or trigger. A ruleset that extends this one and adds to a list
        # adds the new phrases to every inherited rule that used it.
        self.refs: dict[str, set[tuple[str, str]]] = {}
        self._refs: set[tuple[str, str]] = set()

    # ---- generic node helpers -------------------------------------------------------------

    def mapping(self, node: Node, allowed: tuple[str, ...], what: str, kind_note: Callable[[str], str | None] | None = None) -> dict[str, tuple[Node, Node]]:
        """Keys of a mapping node -> (key node, value node); unknown and duplicate keys reported."""
        if not isinstance(node, MappingNode):
            self.p.add(node, f"{what} must be a mapping (key: value), not {_describe(node)}")
            return {}
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.p.add(key_node, f"{what}: keys must be plain words")
                continue
            key = key_node.value
            if key in out:
                first = out[key][0].start_mark.line + 1
                self.p.add(key_node, f"duplicate key '{key}' in {what} (first at line {first}); YAML would keep only the last")
                continue
            if key not in allowed:
                note = kind_note(key) if kind_note else None
                if note:
                    self.p.add(key_node, note)
                else:
                    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                    hint = f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(allowed)})"
                    self.p.add(key_node, f"unknown key '{key}' in {what}{hint}")
                continue
            out[key] = (key_node, value_node)
        return out

    def scalar(self, node: Node, what: str) -> Any:
        if not isinstance(node, ScalarNode):
            self.p.add(node, f"{what} must be a single value, not {_describe(node)}")
            return None
        if node.tag == BOOL_TAG:
            return node.value.lower() in ("true", "yes", "on")
        if node.tag == INT_TAG:
            try:
                return int(node.value.replace("_", ""), 0)
            except ValueError:
                return int(node.value.replace("_", ""))
        if node.tag == FLOAT_TAG:
            return float(node.value.replace("_", ""))
        if node.tag == NULL_TAG:
            return None
        return node.value

    def string(self, node: Node, what: str, required_nonempty: bool = True) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == BOOL_TAG and node.style is None:
            self.p.add(node, f"{what}: YAML reads the unquoted {node.value} as a boolean; quote it: \"{node.value}\"")
            return None
        value = self.scalar(node, what)
        if value is None and isinstance(node, ScalarNode):
            if required_nonempty:
                self.p.add(node, f"{what} must not be empty")
            return None
        if isinstance(node, ScalarNode) and node.tag not in (STR_TAG,) and node.style is None:
            # Numbers are accepted where text is expected (a version "1", a phrase "24 horas").
            return str(node.value)
        if not isinstance(value, str):
            return None
        if required_nonempty and not value.strip():
            self.p.add(node, f"{what} must not be empty")
            return None
        return value

    def number(self, node: Node, what: str, low: float | None = None, high: float | None = None, integer: bool = False) -> float | None:
        value = self.scalar(node, what)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a whole number" if integer else "a number"
            if isinstance(node, ScalarNode):
                self.p.add(node, f"{what} must be {kind}, not {node.value!r}")
            return None
        if integer and not isinstance(value, int):
            self.p.add(node, f"{what} must be a whole number, not {value}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            rng = f"from {low:g}" if high is None else f"from {low:g} to {high:g}"
            self.p.add(node, f"{what} must be {rng}, not {value:g}")
            return None
        return value

    def boolean(self, node: Node, what: str) -> bool | None:
        value = self.scalar(node, what)
        if not isinstance(value, bool):
            self.p.add(node, f"{what} must be true or false")
            return None
        return value

    def choice(self, node: Node, what: str, choices: tuple[str, ...]) -> str | None:
        value = self.string(node, what)
        if value is None:
            return None
        if value not in choices:
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.p.add(node, f"{what} must be one of {', '.join(choices)}, not '{value}'{hint}")
            return None
        return value

    def string_list(self, node: Node, what: str) -> list[tuple[Node, str]]:
        if isinstance(node, ScalarNode) and node.tag == STR_TAG:
            items = [node]
        elif isinstance(node, SequenceNode):
            items = list(node.value)
        else:
            self.p.add(node, f"{what} must be a list of text, not {_describe(node)}")
            return []
        out = []
        for item in items:
            value = self.string(item, f"{what} entry")
            if value is not None:
                out.append((item, value))
        return out

    # ---- the ruleset ------------------------------------------------------------------------

    def ruleset(self, root: Node, path: str) -> Ruleset | None:
        top = self.mapping(root, HEADER_KEYS + EXTEND_KEYS, "the ruleset header")
        if not isinstance(root, MappingNode):
            return None
        if "extends" in top:
            from cx_audit.ruleset.extend import build_extended

            return build_extended(self, root, top, path)
        if "overrides" in top:
            self.p.add(top["overrides"][0], "overrides change the rules of the ruleset named by 'extends', and this ruleset extends none (add e.g. 'extends: es')")
        for required in ("id", "language", "categories", "rules"):
            if required not in top:
                self.p.add(root, f"the ruleset has no '{required}'")
        rid = self.string(top["id"][1], "id") if "id" in top else None
        language = self.string(top["language"][1], "language") if "language" in top else None
        name = self.string(top["name"][1], "name") if "name" in top else rid
        version = self.string(top["version"][1], "version") if "version" in top else "1"
        description = self.string(top["description"][1], "description", False) if "description" in top else ""
        pass_mark = self.number(top["pass_mark"][1], "pass_mark", 0, 100) if "pass_mark" in top else 70.0

        categories: dict[str, Category] = {}
        if "categories" in top:
            cat_node = top["categories"][1]
            for cid, (key_node, value_node) in self.mapping(cat_node, tuple(_keys(cat_node)), "categories").items():
                if cid in RESERVED_CATEGORY_IDS:
                    self.p.add(key_node, f"category id '{cid}' is taken by a column of the CSV output; choose another id")
                fields = self.mapping(value_node, CATEGORY_KEYS, f"category '{cid}'") if not _is_null(value_node) else {}
                weight = self.number(fields["weight"][1], f"category '{cid}' weight", 0) if "weight" in fields else 1.0
                if weight == 0:
                    self.p.add(fields["weight"][1], f"category '{cid}' weight must be above 0")
                categories[cid] = Category(
                    id=cid,
                    weight=float(weight or 1.0),
                    name=(self.string(fields["name"][1], "name") if "name" in fields else "") or "",
                    description=(self.string(fields["description"][1], "description", False) if "description" in fields else "") or "",
                    pass_mark=self.number(fields["pass_mark"][1], f"category '{cid}' pass_mark", 0, 100) if "pass_mark" in fields else None,
                )

        lists: dict[str, tuple[str, ...]] = {}
        if "lists" in top:
            list_node = top["lists"][1]
            for lid, (_, value_node) in self.mapping(list_node, tuple(_keys(list_node)), "lists").items():
                lists[lid] = tuple(v for _, v in self.phrase_entries(value_node, f"list '{lid}'"))

        rules = self.rules(top, path, categories, lists)
        if rid is None or language is None:
            return None
        return Ruleset(
            id=rid,
            name=name or rid,
            language=language,
            version=version or "1",
            description=description or "",
            pass_mark=float(pass_mark if pass_mark is not None else 70.0),
            categories=categories,
            rules=rules,
            lists=lists,
            path=path,
        )

    def rules(self, top: dict, path: str, categories: dict[str, Category], lists: dict[str, tuple[str, ...]], inherited: str | None = None, taken: frozenset[str] = frozenset()) -> list[Rule]:
        """The header's `rules:` list; ids must be unique, and not in `taken` (the rules of the
        ruleset named `inherited`, for a file that extends another)."""
        out: list[Rule] = []
        if "rules" not in top:
            return out
        rules_node = top["rules"][1]
        if not isinstance(rules_node, SequenceNode):
            self.p.add(rules_node, "rules must be a list of rules")
            return out
        seen: dict[str, int] = {}
        for rule_node in rules_node.value:
            rule = self.rule(rule_node, path, categories, lists)
            if rule is None:
                continue
            if rule.id in taken:
                self.p.add(rule_node, f"rule id '{rule.id}' is inherited from {inherited}; change that rule under overrides:, or give this one another id")
                continue
            if rule.id in seen:
                self.p.add(rule_node, f"duplicate rule id '{rule.id}' (first at line {seen[rule.id]})")
                continue
            seen[rule.id] = rule_node.start_mark.line + 1
            out.append(rule)
        return out

    def rule(self, node: Node, path: str, categories: dict[str, Category], lists: dict[str, tuple[str, ...]]) -> Rule | None:
        if not isinstance(node, MappingNode):
            self.p.add(node, f"each rule must be a mapping, not {_describe(node)}")
            return None
        kind_value = None
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == "kind" and isinstance(value_node, ScalarNode):
                kind_value = value_node.value
        allowed = COMMON_RULE_KEYS + KIND_KEYS.get(kind_value or "", tuple(k for k in ALL_RULE_KEYS if k not in COMMON_RULE_KEYS))

        def kind_note(key: str) -> str | None:
            if key in ALL_RULE_KEYS and kind_value in KIND_KEYS:
                users = [k for k, keys in KIND_KEYS.items() if key in keys]
                return f"key '{key}' has no effect in a '{kind_value}' rule (it belongs to: {', '.join(users)})"
            return None

        f = self.mapping(node, allowed, "a rule", kind_note)
        rid = self.string(f["id"][1], "rule id") if "id" in f else None
        label = f"rule '{rid}'" if rid else "rule"
        if rid and not RULE_ID.match(rid):
            self.p.add(f["id"][1], f"rule id '{rid}' must be lower-case letters, digits, '-', '_' or '.'")
        for required in ("id", "category", "kind", "message", "tip", "source"):
            if required not in f:
                self.p.add(node, f"{label} has no '{required}'")
        kind = self.choice(f["kind"][1], f"{label}: kind", KINDS) if "kind" in f else None
        category = self.string(f["category"][1], f"{label}: category") if "category" in f else None
        if category and categories and category not in categories:
            close = difflib.get_close_matches(category, list(categories), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (categories: {', '.join(categories)})"
            self.p.add(f["category"][1], f"{label}: category '{category}' is not declared in the header{hint}")

        def text(key: str, required: bool = True) -> str:
            if key not in f:
                return ""
            return self.string(f[key][1], f"{label}: {key}", required) or ""

        rule = Rule(
            id=rid or "",
            category=category or "",
            kind=kind or "",
            message=text("message"),
            tip=text("tip"),
            source=text("source"),
            description=text("description", False),
            location=f"{path}:{node.start_mark.line + 1}",
        )
        self._refs = set()
        default_speaker = ("customer",) if kind == "repetition" else ("agent",)
        rule.scope = Scope(speakers=default_speaker)
        self.apply(rule, f, label, lists, kind)
        if rule.id:
            self.refs[rule.id] = self._refs

        # What each kind cannot run without.
        if kind in ("require", "forbid", "respond") and not rule.phrases and not rule.regex and "phrases" not in f and "regex" not in f:
            self.p.add(node, f"{label}: a '{kind}' rule needs 'phrases' or 'regex'")
        if kind == "respond" and "trigger" not in f:
            self.p.add(node, f"{label}: a 'respond' rule needs a 'trigger'")
        if kind in ("forbid", "respond") and not rule.phrases:
            self.phrase_only_keys(f, ("unless", "fuzzy"), f"{label}: ", "this rule has no 'phrases'")
        if kind == "repetition" and rule.unit == "value":
            self.similarity_keys(f, label)
        if kind == "metric":
            if "metric" not in f:
                self.p.add(node, f"{label}: a 'metric' rule needs 'metric' (one of {', '.join(METRICS)})")
            if "max" not in f and "min" not in f:
                self.p.add(node, f"{label}: a 'metric' rule needs 'max' or 'min'")
        return rule

    def apply(self, rule: Rule, f: dict[str, tuple[Node, Node]], label: str, lists: dict[str, tuple[str, ...]], kind: str | None) -> None:
        """Set the optional keys present in `f` on `rule` (a new rule, or an inherited one being overridden)."""
        if "severity" in f:
            rule.severity = self.choice(f["severity"][1], f"{label}: severity", SEVERITIES) or "major"
        if "weight" in f:
            w = self.number(f["weight"][1], f"{label}: weight", 0)
            if w == 0:
                self.p.add(f["weight"][1], f"{label}: weight must be above 0")
            rule.weight = float(w or 1.0)
        if "enabled" in f:
            enabled = self.boolean(f["enabled"][1], f"{label}: enabled")
            rule.enabled = True if enabled is None else enabled
        if "scope" in f:
            default_speaker = ("customer",) if kind == "repetition" else ("agent",)
            rule.scope = self.scope(f["scope"][1], label, default_speaker)
        if "fuzzy" in f:
            rule.fuzzy = int(self.number(f["fuzzy"][1], f"{label}: fuzzy", 0, 100, integer=True) or 0)
        if "phrases" in f:
            rule.phrases = self.phrases(f["phrases"][1], f"{label}: phrases", lists, "phrases")
        if "regex" in f:
            rule.regex = self.regexes(f["regex"][1], f"{label}: regex")
        if "unless" in f:
            rule.unless = self.phrases(f["unless"][1], f"{label}: unless", lists, "unless")
        if "min_count" in f:
            rule.min_count = int(self.number(f["min_count"][1], f"{label}: min_count", 1, integer=True) or 1)
        if "within" in f:
            rule.within = int(self.number(f["within"][1], f"{label}: within", 0, integer=True) or 0)
        if "before" in f:
            rule.before = int(self.number(f["before"][1], f"{label}: before", 0, integer=True) or 0)
        if "expect" in f:
            rule.expect = self.choice(f["expect"][1], f"{label}: expect", ("present", "absent")) or "present"
        if "each" in f:
            each = self.boolean(f["each"][1], f"{label}: each")
            rule.each = True if each is None else each
        if ("each" in f or "expect" in f) and not rule.each and rule.expect == "absent":
            where = f["each"][1] if "each" in f else f["expect"][1]
            self.p.add(where, f"{label}: 'each: false' needs 'expect: present' (with 'absent' every trigger's window is checked)")
        if ("within" in f or "expect" in f) and rule.within == 0 and rule.expect == "absent":
            where = f["within"][1] if "within" in f else f["expect"][1]
            self.p.add(where, f"{label}: 'within: 0' with 'expect: absent' looks at no turn (only turns after the trigger can insist)")
        if ("before" in f or "expect" in f) and rule.before and rule.expect == "absent":
            where = f["before"][1] if "before" in f else f["expect"][1]
            self.p.add(where, f"{label}: 'before' needs 'expect: present' (an answer before the trigger cannot be an insistence after it)")
        if "trigger" in f:
            rule.trigger = self.trigger(f["trigger"][1], label, lists)
        if "threshold" in f:
            rule.threshold = float(_given(self.number(f["threshold"][1], f"{label}: threshold", 0, 100), 85))
        if "times" in f:
            rule.times = int(_given(self.number(f["times"][1], f"{label}: times", 2, integer=True), 2))
        if "min_words" in f:
            rule.min_words = int(_given(self.number(f["min_words"][1], f"{label}: min_words", 1, integer=True), 4))
        if "unit" in f:
            rule.unit = self.choice(f["unit"][1], f"{label}: unit", REPETITION_UNITS) or "turn"
        if "metric" in f:
            rule.metric = self.choice(f["metric"][1], f"{label}: metric", METRICS) or ""
        if "max" in f:
            rule.max = self.number(f["max"][1], f"{label}: max")
        if "min" in f:
            rule.min = self.number(f["min"][1], f"{label}: min")
        if "seconds" in f:
            rule.seconds = float(_given(self.number(f["seconds"][1], f"{label}: seconds", 0), 3.0))
        if "words" in f:
            rule.words = int(_given(self.number(f["words"][1], f"{label}: words", 1, integer=True), 25))

    def phrase_only_keys(self, f: dict[str, tuple[Node, Node]], keys: tuple[str, ...], prefix: str, missing: str) -> None:
        """`unless` excuses and `fuzzy` loosens phrase matches only: written where there are no
        phrases they would do nothing, so each is an error at its key."""
        for key in keys:
            if key in f:
                self.p.add(f[key][0], f"{prefix}'{key}' applies to phrase matches only, and {missing}"
                           + ("; write the exception into the regex (a lookahead)" if "unless" in key else ""))

    def similarity_keys(self, f: dict[str, tuple[Node, Node]], label: str) -> None:
        """`unit: value` compares values exactly, whatever their length: `threshold` and
        `min_words` would do nothing there, so each is an error at its key."""
        for key in ("threshold", "min_words"):
            if key in f:
                self.p.add(f[key][0], f"{label}: '{key}' does nothing with 'unit: value' (values are compared exactly)")

    def scope(self, node: Node, label: str, default_speaker: tuple[str, ...]) -> Scope:
        f = self.mapping(node, SCOPE_KEYS, f"{label}: scope")
        speakers = default_speaker
        if "speaker" in f:
            values = [self.choice(n, f"{label}: scope speaker", SPEAKERS) for n, _ in self.string_list(f["speaker"][1], f"{label}: scope speaker")]
            chosen = tuple(v for v in values if v)
            if chosen:
                speakers = ("agent", "customer", "bot", "system", "unknown") if "any" in chosen else chosen

        def count(key: str) -> int | None:
            return int(self.number(f[key][1], f"{label}: scope {key}", 1, integer=True) or 0) or None if key in f else None

        def seconds(key: str) -> float | None:
            return self.number(f[key][1], f"{label}: scope {key}", 0) if key in f else None

        return Scope(speakers, count("first_turns"), count("last_turns"), seconds("first_seconds"), seconds("last_seconds"),
                     skip_first_turns=count("skip_first_turns"))

    def trigger(self, node: Node, label: str, lists: dict[str, tuple[str, ...]]) -> Trigger:
        f = self.mapping(node, TRIGGER_KEYS, f"{label}: trigger")
        speakers: tuple[str, ...] = ("customer",)
        if "speaker" in f:
            values = [self.choice(n, f"{label}: trigger speaker", SPEAKERS) for n, _ in self.string_list(f["speaker"][1], f"{label}: trigger speaker")]
            chosen = tuple(v for v in values if v)
            if chosen:
                speakers = ("agent", "customer", "bot", "system", "unknown") if "any" in chosen else chosen
        phrases = self.phrases(f["phrases"][1], f"{label}: trigger phrases", lists, "trigger") if "phrases" in f else ()
        regex = self.regexes(f["regex"][1], f"{label}: trigger regex") if "regex" in f else ()
        fuzzy = int(self.number(f["fuzzy"][1], f"{label}: trigger fuzzy", 0, 100, integer=True) or 0) if "fuzzy" in f else 0
        unless = self.phrases(f["unless"][1], f"{label}: trigger unless", lists, "trigger_unless") if "unless" in f else ()
        if not phrases and not regex and isinstance(node, MappingNode):
            self.p.add(node, f"{label}: the trigger needs 'phrases' or 'regex'")
        if not phrases:
            self.phrase_only_keys(f, ("unless", "fuzzy"), f"{label}: trigger ", "the trigger has no 'phrases'")
        return Trigger(phrases=phrases, regex=regex, speakers=speakers, fuzzy=fuzzy, unless=unless)

    def phrases(self, node: Node, what: str, lists: dict[str, tuple[str, ...]], field: str | None = None) -> tuple[str, ...]:
        from cx_audit.normalize import fold

        out: list[str] = []
        for item, value in self.phrase_entries(node, what):
            if isinstance(value, ExactPhrase):
                if not fold(value):
                    self.p.add(item, f"{what}: '{value}' has no letters or digits to match")
                else:
                    out.append(value)
            elif value.startswith("@"):
                name = value[1:]
                if name not in lists:
                    close = difflib.get_close_matches(name, list(lists), n=1, cutoff=0.6)
                    hint = f"; did you mean '@{close[0]}'?" if close else ""
                    self.p.add(item, f"{what}: no list named '{name}' in the header's lists{hint}")
                    continue
                out.extend(lists[name])
                if field:
                    self._refs.add((field, name))
            elif not fold(value):
                self.p.add(item, f"{what}: '{value}' has no letters or digits to match")
            else:
                out.append(value)
        return unique_phrases(out)

    def phrase_entries(self, node: Node, what: str) -> list[tuple[Node, str]]:
        """Like `string_list`, but an entry may also be a mapping `{phrase: TEXT, exact: BOOL}`;
        an exact phrase comes back as an `ExactPhrase`."""
        if not isinstance(node, SequenceNode) or not any(isinstance(item, MappingNode) for item in node.value):
            return self.string_list(node, what)
        out: list[tuple[Node, str]] = []
        for item in node.value:
            if not isinstance(item, MappingNode):
                value = self.string(item, f"{what} entry")
                if value is not None:
                    out.append((item, value))
                continue
            f = self.mapping(item, PHRASE_KEYS, f"{what} entry")
            if "phrase" not in f:
                self.p.add(item, f"{what} entry: a mapping entry needs 'phrase' (and 'exact: true')")
                continue
            text = self.string(f["phrase"][1], f"{what} entry: phrase")
            exact = self.boolean(f["exact"][1], f"{what} entry: exact") if "exact" in f else False
            if text is None:
                continue
            if text.startswith("@"):
                self.p.add(f["phrase"][1], f"{what}: '{text}' names a list; mark the list's own entries exact instead")
                continue
            out.append((f["phrase"][1], ExactPhrase(text) if exact else text))
        return out

    def regexes(self, node: Node, what: str) -> tuple[str, ...]:
        out = []
        for item, value in self.string_list(node, what):
            try:
                re.compile(value)
            except re.error as err:
                # Point at the character inside the pattern when the value is on one line.
                col_shift = (err.pos or 0) + (1 if item.style in ('"', "'") else 0)
                line = item.start_mark.line + 1
                col = item.start_mark.column + 1 + (col_shift if item.start_mark.line == item.end_mark.line else 0)
                self.p.items.append((line, col, f"{what}: the regex does not compile: {err.msg}"))
                continue
            nested = self._nested_repeat(value)
            if nested:
                # Rulesets are untrusted: `(a+)+$` backtracks exponentially and would hang the job.
                self.p.items.append((item.start_mark.line + 1, item.start_mark.column + 1,
                                     f"{what}: the regex repeats a group that itself repeats ({nested}), "
                                     "which can backtrack for hours on some texts; rewrite it without the nesting, or make the outer repeat possessive (++, *+)"))
                continue
            out.append(value)
        return tuple(out)

    @staticmethod
    def _nested_repeat(pattern: str) -> str | None:
        """The text of the first repeated group that holds another unbounded repeat, or None."""
        try:
            import re._parser as sre_parse  # Python 3.11+
            from re import _constants as sre
        except ImportError:  # pragma: no cover
            import sre_constants as sre  # type: ignore[no-redef]
            import sre_parse  # type: ignore[no-redef]
        repeats = {sre.MAX_REPEAT, sre.MIN_REPEAT}  # possessive repeats and atomic groups never backtrack

        def children(op, av):
            if op in repeats:
                return [av[2]]
            if op is sre.SUBPATTERN:
                return [av[-1]]
            if op is sre.BRANCH:
                return list(av[1])
            if op in (sre.ASSERT, sre.ASSERT_NOT):
                return [av[1]]
            if op is sre.GROUPREF_EXISTS:
                return [sub for sub in av[1:] if sub is not None]
            return []

        def has_repeat(sub) -> bool:
            for op, av in sub:
                if op in repeats and av[1] > 1:
                    return True
                if any(has_repeat(child) for child in children(op, av)):
                    return True
            return False

        def walk(sub) -> bool:
            for op, av in sub:
                if op in repeats and av[1] > 1 and has_repeat(av[2]):
                    return True
                if any(walk(child) for child in children(op, av)):
                    return True
            return False

        try:
            parsed = sre_parse.parse(pattern)
        except Exception:  # noqa: BLE001 - compiled fine above; never fail the load on the guard itself
            return None
        if not walk(parsed):
            return None
        # Name the culprit: the first group followed by a quantifier, as the user wrote it.
        match = re.search(r"\((?:[^()\\]|\\.)*\)[+*]|\((?:[^()\\]|\\.)*\)\{\d*,\d*\}", pattern)
        return f"'{match.group(0)}'" if match else f"'{pattern}'"


def _given(value: float | None, default: float) -> float:
    """The author's number, or the default where it was missing or wrong (and reported): a
    written 0 is a value, not a missing one (`threshold: 0`, `seconds: 0`)."""
    return default if value is None else value


def _keys(node: Node) -> list[str]:
    if isinstance(node, MappingNode):
        return [k.value for k, _ in node.value if isinstance(k, ScalarNode)]
    return []


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        return "empty" if node.tag == NULL_TAG else f"'{node.value}'"
    return "something else"
