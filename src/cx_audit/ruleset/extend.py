"""A ruleset that extends another: `extends:` and `overrides:`.

    extends: es                 # a built-in or pack name, or a path relative to this file
    id: acme
    pass_mark: 75               # header keys given here replace the parent's
    categories:
      empathy: {weight: 4}      # an inherited category: only the keys given change
      product: {weight: 2}      # a new category
    lists:
      refusals: ["no lo tramitamos"]   # an inherited list grows, and so does every rule using it
    overrides:
      flat-refusal: {severity: critical, add_unless: ["no hay problema"]}
      long-turns: {enabled: false}
    rules:
      - id: product-name ...    # the team's own rules, after the inherited ones

Every override key is checked like the rule key it changes, against the inherited rule's kind,
and every problem is reported as file:line:col. An override naming a rule the parent does not
have is an error with a "did you mean".
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cx_audit.errors import RulesetError
from cx_audit.ruleset.model import Category, Rule, Ruleset, unique_phrases

if TYPE_CHECKING:
    from cx_audit.ruleset.loader import _Builder

MAX_DEPTH = 8


def load_parent(b: "_Builder", node: Node, path: str) -> tuple[Ruleset, dict[str, set[tuple[str, str]]]] | None:
    """Read the ruleset `extends:` names; report what is wrong at the `extends` value."""
    from cx_audit.ruleset.loader import _parse, builtin_names, resolve_ruleset_name

    name = b.string(node, "extends")
    if name is None:
        return None
    here = os.path.dirname(path) if os.path.isfile(path) else None
    candidates = []
    if here is not None:
        candidates.append(os.path.join(here, name))
    elif not path.startswith("<"):
        candidates.append(name)
    found: tuple[str, str] | None = None
    identity = ""
    for candidate in candidates:
        if os.path.isfile(candidate):
            with open(candidate, encoding="utf-8-sig") as fh:
                found = (os.path.normpath(candidate), fh.read())
            identity = os.path.realpath(candidate)
            break
    if found is None:
        try:
            found = resolve_ruleset_name(name)
        except RulesetError as err:
            for line in err.problems:
                b.p.add(node, f"extends: {line}")
            return None
        identity = found[0] if found else ""
    if found is None:
        where = f" (no file {candidates[0]})" if candidates else ""
        b.p.add(node, f"extends: '{name}' is neither a ruleset file{where} nor a built-in or installed ruleset (built-in: {', '.join(builtin_names())})")
        return None
    this = os.path.realpath(path) if os.path.isfile(path) else path
    chain = b.stack + (this,)
    if identity in chain:
        b.p.add(node, f"extends: '{name}' leads back to this file ({' -> '.join(_short(c) for c in chain + (identity,))})")
        return None
    if len(chain) >= MAX_DEPTH:
        b.p.add(node, f"extends: more than {MAX_DEPTH} rulesets extend one another")
        return None
    try:
        return _parse(found[1], found[0], chain)
    except RulesetError as err:
        b.parent_problems.extend(err.problems)
        b.p.add(node, f"extends: '{name}' has the problems above")
        return None


def _short(identity: str) -> str:
    return os.path.relpath(identity) if os.path.isabs(identity) else identity


def build_extended(b: "_Builder", root: MappingNode, top: dict[str, tuple[Node, Node]], path: str) -> Ruleset | None:
    from cx_audit.ruleset.loader import CATEGORY_KEYS

    loaded = load_parent(b, top["extends"][1], path)
    if "id" not in top:
        b.p.add(root, "the ruleset has no 'id'")
    rid = b.string(top["id"][1], "id") if "id" in top else None
    if loaded is None:
        # Still check this file's own header, so that its problems are reported together.
        for key in ("language", "name", "version"):
            if key in top:
                b.string(top[key][1], key)
        return None
    parent, parent_refs = loaded

    language = parent.language
    if "language" in top:
        own = b.string(top["language"][1], "language")
        if own and own != parent.language:
            b.p.add(top["language"][1], f"language '{own}' differs from '{parent.language}' of the ruleset it extends ({parent.label}); its phrases would not match")
    name = b.string(top["name"][1], "name") if "name" in top else rid
    version = b.string(top["version"][1], "version") if "version" in top else "1"
    description = b.string(top["description"][1], "description", False) if "description" in top else parent.description
    pass_mark = b.number(top["pass_mark"][1], "pass_mark", 0, 100) if "pass_mark" in top else parent.pass_mark

    # Categories: inherited ones change only in the keys given; new ones get the defaults.
    categories = {cid: dataclasses.replace(c) for cid, c in parent.categories.items()}
    if "categories" in top:
        cat_node = top["categories"][1]
        keys = [k.value for k, _ in cat_node.value if isinstance(k, ScalarNode)] if isinstance(cat_node, MappingNode) else []
        for cid, (_, value_node) in b.mapping(cat_node, tuple(keys), "categories").items():
            is_null = isinstance(value_node, ScalarNode) and value_node.tag == "tag:yaml.org,2002:null"
            fields = b.mapping(value_node, CATEGORY_KEYS, f"category '{cid}'") if not is_null else {}
            cat = categories.setdefault(cid, Category(id=cid))
            if "weight" in fields:
                weight = b.number(fields["weight"][1], f"category '{cid}' weight", 0)
                if weight == 0:
                    b.p.add(fields["weight"][1], f"category '{cid}' weight must be above 0")
                elif weight is not None:
                    cat.weight = float(weight)
            if "name" in fields:
                cat.name = b.string(fields["name"][1], "name") or cat.name
            if "description" in fields:
                cat.description = b.string(fields["description"][1], "description", False) or ""
            if "pass_mark" in fields:
                cat.pass_mark = b.number(fields["pass_mark"][1], f"category '{cid}' pass_mark", 0, 100)

    # Lists: a new name is a new list; an inherited name grows, in every rule that used it.
    lists = dict(parent.lists)
    grown: dict[str, tuple[str, ...]] = {}
    if "lists" in top:
        list_node = top["lists"][1]
        keys = [k.value for k, _ in list_node.value if isinstance(k, ScalarNode)] if isinstance(list_node, MappingNode) else []
        for lid, (_, value_node) in b.mapping(list_node, tuple(keys), "lists").items():
            values = tuple(v for _, v in b.phrase_entries(value_node, f"list '{lid}'"))
            if lid in lists:
                grown[lid] = tuple(v for v in values if v not in lists[lid])
                lists[lid] = lists[lid] + grown[lid]
            else:
                lists[lid] = values

    rules = [dataclasses.replace(r) for r in parent.rules]
    by_id = {r.id: r for r in rules}
    b.refs = {rid_: set(refs) for rid_, refs in parent_refs.items()}
    for rule in rules:
        for field, lid in sorted(b.refs.get(rule.id, ())):
            if grown.get(lid):
                _add_phrases(rule, field, grown[lid])

    own_ids = _own_rule_ids(top)
    if "overrides" in top:
        ov_node = top["overrides"][1]
        if isinstance(ov_node, MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in ov_node.value:
                target = b.string(key_node, "overrides: rule id") if isinstance(key_node, ScalarNode) else None
                if target is None:
                    if not isinstance(key_node, ScalarNode):
                        b.p.add(key_node, "overrides: keys must be rule ids")
                    continue
                if target in seen:
                    b.p.add(key_node, f"duplicate override of '{target}' (first at line {seen[target]}); YAML would keep only the last")
                    continue
                seen[target] = key_node.start_mark.line + 1
                if target not in by_id:
                    if target in own_ids:
                        b.p.add(key_node, f"overrides: rule '{target}' is defined in this file, not inherited; change it under rules:")
                    else:
                        close = difflib.get_close_matches(target, list(by_id), n=1, cutoff=0.6)
                        hint = f"; did you mean '{close[0]}'?" if close else " (see `cx-audit rules list -r " + parent.id + "`)"
                        b.p.add(key_node, f"overrides: no rule '{target}' in {parent.label}, the ruleset this one extends{hint}")
                    continue
                _override(b, by_id[target], key_node, value_node, path, categories, lists)
        elif not (isinstance(ov_node, ScalarNode) and ov_node.tag == "tag:yaml.org,2002:null"):
            b.p.add(ov_node, "overrides must be a mapping of rule id to the keys it changes")

    rules.extend(b.rules(top, path, categories, lists, inherited=parent.label, taken=frozenset(by_id)))
    if rid is None:
        return None
    return Ruleset(
        id=rid,
        name=name or rid,
        language=language,
        version=version or "1",
        description=description or "",
        pass_mark=float(pass_mark if pass_mark is not None else parent.pass_mark),
        categories=categories,
        rules=rules,
        lists=lists,
        path=path,
    )


def _own_rule_ids(top: dict[str, tuple[Node, Node]]) -> set[str]:
    ids: set[str] = set()
    node = top.get("rules", (None, None))[1]
    if isinstance(node, SequenceNode):
        for item in node.value:
            if isinstance(item, MappingNode):
                for k, v in item.value:
                    if isinstance(k, ScalarNode) and k.value == "id" and isinstance(v, ScalarNode):
                        ids.add(v.value)
    return ids


def _add_phrases(rule: Rule, field: str, phrases: tuple[str, ...]) -> None:
    if field == "phrases":
        rule.phrases = unique_phrases(rule.phrases + phrases)
    elif field == "unless":
        rule.unless = unique_phrases(rule.unless + phrases)
    elif field == "trigger" and rule.trigger is not None:
        rule.trigger = dataclasses.replace(rule.trigger, phrases=unique_phrases(rule.trigger.phrases + phrases))
    elif field == "trigger_unless" and rule.trigger is not None:
        rule.trigger = dataclasses.replace(rule.trigger, unless=unique_phrases(rule.trigger.unless + phrases))


def _override(b: "_Builder", rule: Rule, key_node: Node, node: Node, path: str, categories: dict[str, Category], lists: dict[str, tuple[str, ...]]) -> None:
    from cx_audit.ruleset.loader import ADD_KEYS, ALL_RULE_KEYS, KIND_KEYS, OVERRIDE_COMMON_KEYS

    label = f"override of '{rule.id}'"
    allowed = OVERRIDE_COMMON_KEYS + KIND_KEYS[rule.kind] + ADD_KEYS[rule.kind]
    every_add = tuple(sorted({k for keys in ADD_KEYS.values() for k in keys}))

    def kind_note(key: str) -> str | None:
        if key in ("id", "kind"):
            return f"{label}: an override cannot change a rule's {key}; disable the rule (enabled: false) and write a new one under rules:"
        if key in ALL_RULE_KEYS or key in every_add:
            users = [k for k in KIND_KEYS if key in KIND_KEYS[k] + ADD_KEYS[k]]
            return f"key '{key}' has no effect on '{rule.id}', a '{rule.kind}' rule (it belongs to: {', '.join(users)})"
        return None

    if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        b.p.add(key_node, f"{label} changes nothing; write the keys to change, e.g. {{enabled: false}}")
        return
    f = b.mapping(node, allowed, label, kind_note)
    for key in ("message", "tip", "source"):
        if key in f:
            setattr(rule, key, b.string(f[key][1], f"{label}: {key}") or getattr(rule, key))
    if "description" in f:
        rule.description = b.string(f["description"][1], f"{label}: description", False) or ""
    if "category" in f:
        category = b.string(f["category"][1], f"{label}: category")
        if category and category not in categories:
            close = difflib.get_close_matches(category, list(categories), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (categories: {', '.join(categories)})"
            b.p.add(f["category"][1], f"{label}: category '{category}' is not declared in the header or inherited{hint}")
        elif category:
            rule.category = category
    # Replaced phrase fields no longer come from the lists they came from.
    refs = {(field, lid) for field, lid in b.refs.get(rule.id, set()) if not (field in f or (field.startswith("trigger") and "trigger" in f))}
    b._refs = refs
    b.apply(rule, f, label, lists, rule.kind)
    if "add_phrases" in f:
        rule.phrases = unique_phrases(rule.phrases + b.phrases(f["add_phrases"][1], f"{label}: add_phrases", lists, "phrases"))
    if "add_unless" in f:
        rule.unless = unique_phrases(rule.unless + b.phrases(f["add_unless"][1], f"{label}: add_unless", lists, "unless"))
    if "add_regex" in f:
        rule.regex = tuple(dict.fromkeys(rule.regex + b.regexes(f["add_regex"][1], f"{label}: add_regex")))
    if "add_trigger_phrases" in f and rule.trigger is not None:
        more = b.phrases(f["add_trigger_phrases"][1], f"{label}: add_trigger_phrases", lists, "trigger")
        rule.trigger = dataclasses.replace(rule.trigger, phrases=unique_phrases(rule.trigger.phrases + more))
    if rule.kind in ("forbid", "respond") and not rule.phrases:
        b.phrase_only_keys(f, ("unless", "add_unless", "fuzzy"), f"{label}: ", f"'{rule.id}' has no phrases")
    if rule.kind == "repetition" and rule.unit == "value":
        b.similarity_keys(f, label)
    b.refs[rule.id] = b._refs
    rule.location = f"{rule.location} (overridden at {path}:{key_node.start_mark.line + 1})"
