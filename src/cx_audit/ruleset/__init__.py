"""Rulesets: the YAML rule language, its validation, and the built-in rulesets."""

from cx_audit.ruleset.loader import builtin_names, load_ruleset, parse_ruleset
from cx_audit.ruleset.model import Category, Rule, Ruleset, Scope, Trigger

__all__ = ["builtin_names", "load_ruleset", "parse_ruleset", "Category", "Rule", "Ruleset", "Scope", "Trigger"]
