"""Rule packs: rulesets that other Python distributions install.

A pack declares an entry point in the group `cx_audit.rulesets` whose value names a package (or
module inside a package) that holds ruleset YAML files::

    [project.entry-points."cx_audit.rulesets"]
    acme = "acme_cx_rules"          # acme_cx_rules/ holds retail.yaml, telco.yaml, ...

Each YAML file of that folder is a ruleset named by its file name without `.yaml` (`-r retail`),
or, always unambiguously, `PACK:NAME` (`-r acme:retail`). A pack's name that a built-in ruleset
or another pack also uses is only listed and loadable as `PACK:NAME`; a built-in name always
means the built-in ruleset.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
from dataclasses import dataclass
from importlib.abc import Traversable

from cx_audit.errors import RulesetError

GROUP = "cx_audit.rulesets"


@dataclass(frozen=True)
class PackRuleset:
    pack: str  # the entry point's name
    name: str  # the YAML file's name without .yaml
    resource: Traversable

    @property
    def qualified(self) -> str:
        return f"{self.pack}:{self.name}"

    @property
    def display(self) -> str:
        return f"<{self.pack}>/{self.name}.yaml"


@dataclass
class Packs:
    rulesets: list[PackRuleset]
    broken: list[str]  # one message per entry point that could not be read


def discover() -> Packs:
    found: list[PackRuleset] = []
    broken: list[str] = []
    for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
        try:
            folder = importlib.resources.files(ep.module)
            files = sorted(p for p in folder.iterdir() if p.name.endswith(".yaml") and p.is_file())
        except Exception as err:  # a pack that does not import must not break every command
            broken.append(f"rule pack '{ep.name}' ({ep.value}) cannot be read: {type(err).__name__}: {err}")
            continue
        if not files:
            broken.append(f"rule pack '{ep.name}' ({ep.value}) holds no .yaml files")
        found.extend(PackRuleset(ep.name, p.name[:-5], p) for p in files)
    return Packs(found, broken)


def _short_names(packs: Packs) -> dict[str, PackRuleset]:
    """Pack rulesets reachable by their plain name: not a built-in name and not in two packs."""
    from cx_audit.ruleset.loader import builtin_names

    builtin = set(builtin_names())
    by_name: dict[str, list[PackRuleset]] = {}
    for pr in packs.rulesets:
        by_name.setdefault(pr.name, []).append(pr)
    return {name: prs[0] for name, prs in by_name.items() if len(prs) == 1 and name not in builtin}


def pack_names() -> list[str]:
    """The names `cx-audit rules list` shows and `-r` accepts, in pack order."""
    packs = discover()
    short = _short_names(packs)
    return [pr.name if short.get(pr.name) is pr else pr.qualified for pr in packs.rulesets]


def pack_rulesets() -> Packs:
    return discover()


def find_pack_ruleset(name: str) -> tuple[str, str] | None:
    """(display path, YAML text) of the pack ruleset called `name` or `PACK:NAME`, or None."""
    packs = discover()
    if ":" in name:
        pack, _, stem = name.partition(":")
        match = [pr for pr in packs.rulesets if pr.pack == pack and pr.name == stem]
    else:
        short = _short_names(packs)
        match = [short[name]] if name in short else []
        if not match:
            several = [pr.qualified for pr in packs.rulesets if pr.name == name]
            if len(several) > 1:
                raise RulesetError([f"{name}: several rule packs have a ruleset of that name; write one of {', '.join(several)}"])
    if not match:
        if packs.broken and not any(pr.name == name for pr in packs.rulesets):
            # The ruleset may live in the pack that cannot be read: say so rather than "no such".
            wanted = name.partition(":")[0] if ":" in name else None
            if wanted and any(f"'{wanted}'" in b for b in packs.broken):
                raise RulesetError([b for b in packs.broken if f"'{wanted}'" in b])
        return None
    pr = match[0]
    return pr.display, pr.resource.read_text(encoding="utf-8-sig")
