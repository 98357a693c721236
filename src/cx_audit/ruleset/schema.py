"""The JSON Schema of ruleset files, built from the key tables the loader checks against.

`schema.json` beside this module is the output of `build_schema()`, shipped with the package and
printed by `cx-audit rules schema`; a test fails when the two differ, and `build_schema()` fails
when a key table holds a key this module does not describe, so the schema cannot drift from the
loader. Regenerate with `python -m cx_audit.ruleset.schema > src/cx_audit/ruleset/schema.json`.

Draft-07, the draft editors' YAML language servers support best. The schema is an editor aid:
the loader's messages (file:line:col) remain the authority, and it checks what a schema cannot
(categories declared, lists named, regexes compiling, the kind of an overridden rule).
"""

from __future__ import annotations

import importlib.resources
import json
from typing import Any

from cx_audit.ruleset.loader import (
    ADD_KEYS,
    ALL_RULE_KEYS,
    CATEGORY_KEYS,
    COMMON_RULE_KEYS,
    EXTEND_KEYS,
    HEADER_KEYS,
    KIND_KEYS,
    OVERRIDE_COMMON_KEYS,
    RULE_ID,
    SCOPE_KEYS,
    TRIGGER_KEYS,
)
from cx_audit.ruleset.model import KINDS, METRICS, REPETITION_UNITS, SEVERITIES, SPEAKERS

SCHEMA_ID = "https://cx-audit.invalid/schema/ruleset.json"

TEXT: dict[str, Any] = {"type": "string"}
PHRASE: dict[str, Any] = {"type": ["string", "number"]}
EXACT_PHRASE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "phrase": {"type": ["string", "number"], "description": "The phrase."},
        "exact": {"type": "boolean", "description": "true: matched exactly even when the rule is fuzzy."},
    },
    "required": ["phrase"],
    "additionalProperties": False,
}
PHRASES: dict[str, Any] = {"anyOf": [PHRASE, {"type": "array", "items": {"anyOf": [PHRASE, EXACT_PHRASE]}}]}
REGEXES: dict[str, Any] = {"anyOf": [PHRASE, {"type": "array", "items": PHRASE}]}
SPEAKER: dict[str, Any] = {"anyOf": [{"enum": list(SPEAKERS)}, {"type": "array", "items": {"enum": list(SPEAKERS)}, "minItems": 1}]}


def _int(low: int | None = None, high: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "integer"}
    if low is not None:
        out["minimum"] = low
    if high is not None:
        out["maximum"] = high
    return out


def _num(low: float | None = None, high: float | None = None, above: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "number"}
    if low is not None:
        out["minimum"] = low
    if high is not None:
        out["maximum"] = high
    if above is not None:
        out["exclusiveMinimum"] = above
    return out


def _d(spec: dict[str, Any], description: str) -> dict[str, Any]:
    return {**spec, "description": description}


SCOPE_SPEC = {
    "speaker": _d(SPEAKER, "Whose turns: agent, customer, bot, system, unknown, any, or a list. Default agent (customer for repetition)."),
    "skip_first_turns": _d(_int(1), "Leave out the first N turns of those speakers (first_turns and last_turns count from what is left)."),
    "first_turns": _d(_int(1), "Only the first N turns of those speakers."),
    "last_turns": _d(_int(1), "Only the last N turns of those speakers."),
    "first_seconds": _d(_num(0), "Only turns that start within the first N seconds (n/a without times)."),
    "last_seconds": _d(_num(0), "Only turns that start within the last N seconds (n/a without times)."),
}
TRIGGER_SPEC = {
    "phrases": _d(PHRASES, "Phrases that trigger the rule; \"@name\" stands for a header list."),
    "regex": _d(REGEXES, "Python regular expressions that trigger the rule."),
    "speaker": _d(SPEAKER, "Whose turns trigger it. Default customer."),
    "fuzzy": _d(_int(0, 100), "Levenshtein similarity (0-100) at which a trigger phrase also matches."),
    "unless": _d(PHRASES, "Phrases that excuse an overlapping trigger match in the same turn."),
}
CATEGORY_SPEC = {
    "weight": _d(_num(above=0), "The category's weight in the conversation score. Default 1."),
    "name": _d(TEXT, "A readable name for reports."),
    "description": _d(TEXT, "A longer explanation."),
    "pass_mark": _d(_num(0, 100), "0-100: the category passes at or above it. Default: the ruleset's pass_mark."),
}
RULE_SPEC = {
    "id": _d({"type": "string", "pattern": RULE_ID.pattern}, "Unique in the ruleset: lower-case words joined by '-'."),
    "category": _d(TEXT, "One of the header's categories."),
    "kind": _d({"enum": list(KINDS)}, "require, forbid, respond, repetition or metric."),
    "message": _d(TEXT, "What went wrong (or right), in the ruleset's language."),
    "tip": _d(TEXT, "What to say instead, in the ruleset's language."),
    "source": _d(TEXT, "The article and passage the rule comes from."),
    "severity": _d({"enum": list(SEVERITIES)}, "critical fails the whole conversation; major (default); minor."),
    "weight": _d(_num(above=0), "The rule's weight inside its category. Default 1."),
    "scope": _d({"type": "object", "properties": {k: SCOPE_SPEC[k] for k in SCOPE_KEYS}, "additionalProperties": False}, "Which turns the rule looks at."),
    "description": _d(TEXT, "A longer explanation for `cx-audit rules show`."),
    "enabled": _d({"type": "boolean"}, "false keeps the rule but never runs it."),
    "phrases": _d(PHRASES, "Literal phrases, matched on folded whole words; \"@name\" stands for a header list. repetition: only turns (or sentences) holding one are compared; with unit: value, the other speaker's turn just before a repeat must hold one (a request for the data), and with none anywhere the rule is n/a."),
    "regex": _d(REGEXES, "Python regular expressions, run on the folded text with punctuation kept."),
    "fuzzy": _d(_int(0, 100), "Also accept runs of words at least this similar (Levenshtein, 0-100)."),
    "unless": _d(PHRASES, "forbid: phrases that excuse an overlapping match in the same turn; respond: an answer inside one does not count; repetition: turns (or sentences) holding one are not compared."),
    "min_count": _d(_int(1), "require: how many matches are needed. Default 1."),
    "trigger": _d({"type": "object", "properties": {k: TRIGGER_SPEC[k] for k in TRIGGER_KEYS}, "additionalProperties": False}, "respond: what starts the rule."),
    "within": _d(_int(0), "respond: how many turns after the trigger the answer may come. Default 2; 0 is the trigger turn itself, with expect: present only (with expect: absent only turns after the trigger count)."),
    "before": _d(_int(0), "respond (expect: present): an answer up to N turns before the trigger also counts (an apology already given covers a later complaint). Default 0."),
    "expect": _d({"enum": ["present", "absent"]}, "respond: the answer must (present, default) or must not (absent) follow."),
    "each": _d({"type": "boolean"}, "respond: true (default) every trigger turn needs its answer; false: one answered trigger is enough (expect: present only)."),
    "threshold": _d(_num(0, 100), "repetition: token_set_ratio at which two turns are the same request. Default 85."),
    "times": _d(_int(2), "repetition: how many times the same request fails the rule. Default 2."),
    "min_words": _d(_int(1), "repetition: shorter turns (or sentences) are ignored. Default 4."),
    "unit": _d({"enum": list(REPETITION_UNITS)}, "repetition: compare whole turns (turn, default), each sentence of a turn with the sentences of earlier turns (sentence), or the data values turns give: e-mails, numbers of 4+ digits, codes (value; no threshold or min_words)."),
    "metric": _d({"enum": list(METRICS)}, "metric: what to compute."),
    "max": _d(_num(), "metric: fail above this."),
    "min": _d(_num(), "metric: fail below this."),
    "seconds": _d(_num(0), "quick_replies_to_long_turns: a reply sooner than this is quick; cut_offs: an agent turn starting at least this long before the customer turn ends cuts it off. Default 3."),
    "words": _d(_int(1), "quick_replies_to_long_turns: a customer turn this long is long. Default 25."),
}
ADD_SPEC = {
    "add_phrases": _d(PHRASES, "Phrases added to the inherited rule's phrases."),
    "add_regex": _d(REGEXES, "Regexes added to the inherited rule's regex."),
    "add_unless": _d(PHRASES, "forbid, respond, repetition: phrases added to the inherited rule's unless."),
    "add_trigger_phrases": _d(PHRASES, "respond: phrases added to the inherited rule's trigger."),
}
HEADER_SPEC = {
    "id": _d(TEXT, "A short name: what `-r` and the results' ruleset column show."),
    "name": _d(TEXT, "A readable name."),
    "language": _d({"type": "string", "pattern": "^[a-z]{2}$"}, "The conversations' language (ISO 639-1)."),
    "version": _d({"type": ["string", "number"]}, "Bump when the rules change; results carry it."),
    "description": _d(TEXT, "What the ruleset is for."),
    "pass_mark": _d(_num(0, 100), "A conversation (and each category) passes at or above it. Default 70."),
    "categories": _d({"type": "object", "additionalProperties": {"anyOf": [{"$ref": "#/definitions/category"}, {"type": "null"}]}}, "Category id -> weight, name, description."),
    "lists": _d({"type": "object", "additionalProperties": PHRASES}, "Word lists shared between rules: write \"@name\" in a phrase list."),
    "rules": _d({"type": "array", "items": {"$ref": "#/definitions/rule"}}, "The rules."),
    "extends": _d(TEXT, "The ruleset this one extends: a built-in or pack name (es), or a path relative to this file."),
    "overrides": _d({"type": "object", "additionalProperties": {"$ref": "#/definitions/override"}}, "Inherited rule id -> the keys that change."),
}


def build_schema() -> dict[str, Any]:
    every_kind_key = [k for k in ALL_RULE_KEYS if k not in COMMON_RULE_KEYS]
    every_add_key = sorted({k for keys in ADD_KEYS.values() for k in keys})
    per_kind = []
    for kind in KINDS:
        unused = [k for k in every_kind_key if k not in KIND_KEYS[kind]]
        then: dict[str, Any] = {"properties": {k: False for k in unused}}
        needs: list[dict[str, Any]] = []
        if kind in ("require", "forbid", "respond"):
            needs.append({"anyOf": [{"required": ["phrases"]}, {"required": ["regex"]}]})
        if kind == "respond":
            needs.append({"required": ["trigger"]})
        if kind == "metric":
            needs.append({"required": ["metric"]})
            needs.append({"anyOf": [{"required": ["max"]}, {"required": ["min"]}]})
        if needs:
            then["allOf"] = needs
        per_kind.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": then})
    rule = {
        "type": "object",
        "required": ["id", "category", "kind", "message", "tip", "source"],
        "properties": {k: RULE_SPEC[k] for k in ALL_RULE_KEYS},
        "additionalProperties": False,
        "allOf": per_kind,
    }
    override_keys = list(OVERRIDE_COMMON_KEYS) + every_kind_key + every_add_key
    override = {
        "type": "object",
        "minProperties": 1,
        "properties": {k: (ADD_SPEC[k] if k in ADD_SPEC else RULE_SPEC[k]) for k in override_keys},
        "additionalProperties": False,
    }
    category = {"type": "object", "properties": {k: CATEGORY_SPEC[k] for k in CATEGORY_KEYS}, "additionalProperties": False}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "cx-audit ruleset",
        "description": "A cx-audit ruleset file: a header and rules, or a ruleset that extends another. See docs/rules.md.",
        "type": "object",
        "properties": {k: HEADER_SPEC[k] for k in HEADER_KEYS + EXTEND_KEYS},
        "additionalProperties": False,
        "if": {"required": ["extends"]},
        "then": {"required": ["extends", "id"]},
        "else": {"required": ["id", "language", "categories", "rules"], "properties": {"overrides": False}},
        "definitions": {"rule": rule, "override": override, "category": category},
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_schema_text() -> str:
    """The schema.json that ships in the package."""
    return (importlib.resources.files("cx_audit.ruleset") / "schema.json").read_text(encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(schema_text())
